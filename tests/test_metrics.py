"""The ranking metrics of bench/relevance.py, against examples worked by hand."""

from __future__ import annotations

import math
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from metrics import average_precision, evaluate, ndcg_at, precision_at, recall_at  # noqa: E402

# Relevant: a, c, e (e is never retrieved). Ranking: a b c d.
JUDGED = {"a": 1, "c": 1, "e": 1, "b": 0}
RANKING = ["a", "b", "c", "d"]


def test_average_precision_by_hand():
    # Precision at a (rank 1) = 1, at c (rank 3) = 2/3; e not found counts 0; over 3 relevant.
    assert average_precision(RANKING, JUDGED) == pytest.approx((1 + 2 / 3) / 3)
    assert average_precision(RANKING, JUDGED, depth=2) == pytest.approx(1 / 3)
    assert average_precision([], JUDGED) == 0
    assert average_precision(RANKING, {"x": 0}) == 0


def test_precision_and_recall_by_hand():
    assert precision_at(RANKING, JUDGED, 2) == 0.5
    assert precision_at(RANKING, JUDGED, 10) == pytest.approx(2 / 10)  # a short list is not padded
    assert recall_at(RANKING, JUDGED, 2) == pytest.approx(1 / 3)
    assert recall_at(RANKING, JUDGED, 100) == pytest.approx(2 / 3)


def test_ndcg_by_hand():
    graded = {"a": 3, "b": 1, "c": 2}
    # DCG of a b c d = 3/log2(2) + 1/log2(3) + 2/log2(4); ideal a c b = 3 + 2/log2(3) + 1/log2(4).
    dcg = 3 + 1 / math.log2(3) + 2 / 2
    ideal = 3 + 2 / math.log2(3) + 1 / 2
    assert ndcg_at(RANKING, graded, 10) == pytest.approx(dcg / ideal)
    assert ndcg_at(["a", "c", "b"], graded, 10) == pytest.approx(1.0)
    assert ndcg_at(["d"], graded, 10) == 0


def test_evaluate_means_over_judged_queries():
    qrels = {"1": {"a": 1}, "2": {"b": 1}, "3": {"z": 0}}  # query 3 has no relevant document: left out
    scores = evaluate({"1": ["a"], "2": ["x", "b"]}, qrels)
    assert scores["MAP"] == pytest.approx((1 + 0.5) / 2)
    assert scores["P@10"] == pytest.approx((0.1 + 0.1) / 2)
    assert scores["R@100"] == 1.0
