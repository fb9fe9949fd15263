"""Ranking: BM25F over records (name documents left out of the statistics)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recsearch.ingest.build import update_index
from recsearch.record import Author, Record
from recsearch.render import render_seed_record
from recsearch.search.index import RecordIndex


def make(tmp_path, records):
    folder = tmp_path / "seeds"
    folder.mkdir()
    for n, record in enumerate(records):
        (folder / f"{n}.txt").write_text(render_seed_record(record), encoding="utf-8")
    update_index([folder], tmp_path / "ix")
    return RecordIndex(tmp_path / "ix")


FILLER = "Cardiac tissue was examined in a controlled laboratory study over several weeks."


def rec(n: int, title: str, summary: str, authors=("Ana Souza",)) -> Record:
    return Record(id=f"doaj-art-{n:032d}", title=title, summary=summary, authors=[Author(a) for a in authors],
                  year=2020, date="2020")


def test_word_in_title_and_abstract_counts_more_but_saturates(tmp_path):
    with make(tmp_path, [
        rec(1, "Zebrafish heart repair", FILLER),
        rec(2, "Zebrafish heart repair", "Zebrafish regrow cardiac tissue. " + FILLER),
        rec(3, "Heart repair in mice", "Zebrafish were not used. " + FILLER),
        rec(4, "Liver disease", FILLER),
    ]) as ix:
        hits = ix.search("zebrafish", limit=10).hits
        scores = {h.id[-1]: h.score for h in hits}
        assert [h.id[-1] for h in hits][:2] == ["2", "1"]
        assert scores["2"] > scores["1"] > scores["3"] > 0
        assert scores["2"] < 2 * scores["1"]  # one saturation over the fields, not one per field


def test_author_names_do_not_dilute_word_weights(tmp_path):
    """Many distinct author names (one small document each) must not change a record's score."""
    few = [rec(1, "Zebrafish heart repair", FILLER), rec(2, "Liver disease", FILLER)]
    many = [rec(1, "Zebrafish heart repair", FILLER),
            rec(2, "Liver disease", FILLER, authors=[f"Author{chr(65 + i)} Person{chr(65 + i)}" for i in range(25)])]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with make(tmp_path / "a", few) as ix:
        alone = ix.search("zebrafish").hits[0].score
    with make(tmp_path / "b", many) as ix:
        crowded = ix.search("zebrafish").hits[0].score
    assert abs(alone - crowded) < 1e-6


def test_fielded_and_phrase_queries_still_work(tmp_path):
    with make(tmp_path, [rec(1, "Zebrafish heart repair", FILLER), rec(2, "Heart of zebrafish", FILLER)]) as ix:
        assert [h.id[-1] for h in ix.search('"zebrafish heart"').hits] == ["1"]
        assert {h.id[-1] for h in ix.search("title:zebrafish").hits} == {"1", "2"}
        assert {h.id[-1] for h in ix.search("zebrafish heart", match_any=True).hits} == {"1", "2"}


NETWORK_RECORDS = [
    rec(1, "Network security in distributed systems", "Local networks need security. " + FILLER),
    rec(2, "Operating systems for networks", "A network operating system and its security. " + FILLER),
    rec(3, "Distributed computation", "Parallel and sequential algorithms compared on networks. " + FILLER),
    rec(4, "Security", "Considerations on local area networking. " + FILLER, authors=("Lena Network",)),
    rec(5, "Liver disease", FILLER),
]
WORDS = ["network", "networks", "security", "local", "systems", "system", "distributed", "operating",
         "algorithms", "network"]


@pytest.fixture(scope="module")
def network_index(tmp_path_factory):
    with make(tmp_path_factory.mktemp("networks"), NETWORK_RECORDS) as ix:
        yield ix


def _scores(ix, text: str) -> dict[str, float]:
    return {h.id: h.score for h in ix.search(text, limit=20, match_any=True).hits}


@settings(max_examples=25, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), min_size=2, max_size=8))
def test_any_query_scores_are_the_sum_of_its_words(network_index, words):
    """BM25 sums the words of an OR query, a repeated word once per time it is typed,
    whatever the words share (`networks` and `network` differ only in the unstemmed author field)."""
    together = _scores(network_index, " ".join(words))
    alone = [_scores(network_index, w) for w in words]
    expected = {doc: sum(s.get(doc, 0.0) for s in alone) for doc in set().union(*alone)}
    assert together.keys() == expected.keys()
    for doc, score in together.items():
        assert score == pytest.approx(expected[doc], abs=1e-4 * len(words))  # hits' scores are rounded


def test_each_word_keeps_its_own_fields_when_words_share_a_stem(network_index):
    from recsearch.engine.nodes import FieldsTerm

    assert network_index.search("networks network operating", match_any=True).total
    q = network_index.prepare("networks network operating", True, {}, network_index.searcher(), [], {}, set())
    terms = [t for t in q.leaves() if isinstance(t, FieldsTerm)]
    assert sorted(t.field_terms["author"] for t in terms) == ["network", "networks", "operating"]
    for t in terms:
        assert len({text for field, text in t.field_terms.items() if field != "author"}) == 1


def test_words_with_a_doubled_consonant_meet_their_stem(tmp_path):
    """Snowball English stems `splitting` to `split` (Whoosh's Porter left `splitt`)."""
    with make(tmp_path, [
        rec(1, "Splitting of the spectrum", FILLER),
        rec(2, "Fitted curves for transmitted light", FILLER),
        rec(3, "Liver disease", FILLER),
    ]) as ix:
        assert [h.id[-1] for h in ix.search("split").hits] == ["1"]
        assert [h.id[-1] for h in ix.search("fit transmit").hits] == ["2"]
        assert [h.id[-1] for h in ix.search("cell", match_any=True).hits] == []
        assert {h.id[-1] for h in ix.search("cardiac tissues", match_any=True).hits} == {"1", "2", "3"}


def affiliated(n: int, title: str, summary: str, affiliation: str) -> Record:
    return Record(id=f"doaj-art-{n:032d}", title=title, summary=summary, year=2020, date="2020",
                  authors=[Author("Ana Souza", affiliation), Author("Li Wei", affiliation)])


AFFILIATED = [
    affiliated(1, "Hepatitis B screening in adults",
               "Screening for hepatitis B in Taiwan reached most adults after the national programme. " + FILLER,
               "Department of Medicine, University of Lisbon, Portugal"),
    affiliated(2, "Hepatitis B screening in adults",
               "Screening for hepatitis B reached most adults after the national programme. " + FILLER,
               "Department of Medicine, National Taiwan University, Taipei"),
    affiliated(3, "Liver disease in older adults", FILLER, "Institute of Hepatology, London, United Kingdom"),
    affiliated(4, "Kidney disease in older adults", FILLER, "School of Medicine, Federal University, Brazil"),
]


def test_a_place_in_the_abstract_outranks_the_same_place_in_an_affiliation(tmp_path):
    """An affiliation says where the authors work, not what the record is about: a word
    found only there counts less than in the abstract, and still finds the record."""
    from recsearch.engine.schema import FIELD_BOOSTS

    assert FIELD_BOOSTS["affil"] < FIELD_BOOSTS["summary"]
    with make(tmp_path, AFFILIATED) as ix:
        hits = ix.search("taiwan").hits
        assert [h.id[-1] for h in hits] == ["1", "2"]
        assert [h.id[-1] for h in ix.search("hepatitis taipei").hits] == ["2"]
        assert [h.id[-1] for h in ix.search("affil:taiwan").hits] == ["2"]
