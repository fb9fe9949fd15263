"""Ranking metrics, as trec_eval computes them (tested in tests/test_metrics.py).

`ranking` is a list of document ids, best first; `judged` maps a document id
to its gain (> 0 relevant; missing or <= 0 not relevant).
"""

from __future__ import annotations

import math


def average_precision(ranking: list[str], judged: dict[str, float], depth: int = 1000) -> float:
    """Mean of the precision at each relevant document retrieved, over all relevant ones."""
    relevant = sum(1 for g in judged.values() if g > 0)
    if not relevant:
        return 0.0
    found, total = 0, 0.0
    for rank, doc in enumerate(ranking[:depth], 1):
        if judged.get(doc, 0) > 0:
            found += 1
            total += found / rank
    return total / relevant


def precision_at(ranking: list[str], judged: dict[str, float], k: int = 10) -> float:
    """Relevant documents in the first k, over k (a short list is not padded)."""
    return sum(1 for doc in ranking[:k] if judged.get(doc, 0) > 0) / k


def recall_at(ranking: list[str], judged: dict[str, float], k: int = 100) -> float:
    relevant = sum(1 for g in judged.values() if g > 0)
    if not relevant:
        return 0.0
    return sum(1 for doc in ranking[:k] if judged.get(doc, 0) > 0) / relevant


def ndcg_at(ranking: list[str], judged: dict[str, float], k: int = 10) -> float:
    """Normalised discounted cumulative gain with linear gains and log2(rank + 1) discounts."""
    def dcg(gains: list[float]) -> float:
        return sum(g / math.log2(rank + 1) for rank, g in enumerate(gains, 1))

    ideal = dcg(sorted((g for g in judged.values() if g > 0), reverse=True)[:k])
    if not ideal:
        return 0.0
    return dcg([max(judged.get(doc, 0), 0) for doc in ranking[:k]]) / ideal


def evaluate(runs: dict[str, list[str]], qrels: dict[str, dict[str, float]]) -> dict[str, float]:
    """Mean of each metric over the judged queries (a query with no run scores 0)."""
    queries = [q for q, judged in qrels.items() if any(g > 0 for g in judged.values())]
    metrics = {"MAP": average_precision, "P@10": precision_at, "nDCG@10": ndcg_at, "R@100": recall_at}
    return {name: sum(fn(runs.get(q, []), qrels[q]) for q in queries) / len(queries) for name, fn in metrics.items()}
