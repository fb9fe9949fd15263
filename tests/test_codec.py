"""The columnar codec against Whoosh's own: the same postings, and the same hits and scores for
every query kind Whoosh's searcher runs over it (the oracle is the same collection in W3Codec)."""

from __future__ import annotations

import random

import pytest
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3Codec

from recsearch.engine import writers
from recsearch.engine.codec import BLOCK, RecordCodec
from recsearch.engine.columns import ColumnMatcher
from recsearch.ingest.build import update_index
from recsearch.render import render_seed_record
from recsearch.search.index import RecordIndex
from test_librarian import make_records


@pytest.fixture(scope="module")
def twin_indexes(tmp_path_factory):
    """The same 700 records (posting lists of three blocks and more, a removal) in both codecs."""
    folder = tmp_path_factory.mktemp("codecs")
    seeds = folder / "seeds"
    seeds.mkdir()
    for n, record in enumerate(make_records(700, seed=3)):
        (seeds / f"{n:03d}.txt").write_text(render_seed_record(record), encoding="utf-8")
    roots = {}
    with pytest.MonkeyPatch.context() as patch:
        for name, codec in (("ours", RecordCodec), ("whoosh", W3Codec)):
            patch.setattr(writers, "RecordCodec", codec)
            roots[name] = folder / name
            update_index([seeds], roots[name])
        (seeds / "007.txt").unlink()  # a deleted document in both
        for name, codec in (("ours", RecordCodec), ("whoosh", W3Codec)):
            patch.setattr(writers, "RecordCodec", codec)
            update_index([seeds], roots[name])
    ours, whoosh = RecordIndex(roots["ours"]), RecordIndex(roots["whoosh"])
    yield ours.searcher(), whoosh.searcher()
    ours.close()
    whoosh.close()


def _postings(matcher):
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return found


def test_every_posting_list_is_whoosh_own(twin_indexes):
    ours, whoosh = twin_indexes
    assert isinstance(_leaf(ours.reader().postings("summary", "patient")), ColumnMatcher)
    compared = long = 0
    for fieldname, text in whoosh.reader().all_terms():
        a = _postings(ours.reader().postings(fieldname, text))
        assert a == _postings(whoosh.reader().postings(fieldname, text)), (fieldname, text)
        ti, tw = ours.reader().term_info(fieldname, text), whoosh.reader().term_info(fieldname, text)
        assert (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(), ti.max_weight(),
                ti.min_id(), ti.max_id()) == (tw.weight(), tw.doc_frequency(), tw.min_length(),
                                              tw.max_length(), tw.max_weight(), tw.min_id(), tw.max_id())
        compared += 1
        long += tw.doc_frequency() > 2 * BLOCK
    assert compared > 1500 and long > 5


def _leaf(matcher):
    while not isinstance(matcher, ColumnMatcher) and matcher.children():
        matcher = matcher.children()[0]
    return matcher


def test_skipping_lands_where_whoosh_does(twin_indexes):
    ours, whoosh = twin_indexes
    rng = random.Random(4)
    for text in ("patients", "cohort", "lymphoma", "madrid"):
        field = "affil" if text == "madrid" else "summary"
        term = next(t for t, _ in whoosh.reader().iter_field(field) if t.startswith(text[:5].encode()))
        a, b = ours.reader().postings(field, term), whoosh.reader().postings(field, term)
        while a.is_active() and b.is_active():
            target = a.id() + rng.choice((1, 3, 40, 300))
            a.skip_to(target)
            b.skip_to(target)
            assert a.is_active() == b.is_active()
            if a.is_active():
                assert (a.id(), a.weight(), a.value()) == (b.id(), b.weight(), b.value())
        copied = ours.reader().postings(field, term)
        copied.next()
        assert _postings(copied.copy()) == _postings(copied)


QUERIES = [
    wq.Term("summary", "cohort"),
    wq.And([wq.Term("summary", "cohort"), wq.Term("title", "lymphoma")]),
    wq.Or([wq.Term("summary", "risk"), wq.Term("title", "asthma")]),
    wq.And([wq.Term("summary", "hospit"), wq.Not(wq.Term("title", "malaria"))]),
    wq.Phrase("summary", ["clinic", "outcom"]),
    wq.Phrase("summary", ["lymphoma", "studi"]),
    wq.Prefix("summary", "pat"),
    wq.Wildcard("title", "l*a"),
    wq.FuzzyTerm("summary", "cohrt", maxdist=1),
    wq.NumericRange("year", 2000, 2010),
    wq.TermRange("author", "g", "p"),
    wq.Term("subject_key", "immunology"),
]


@pytest.mark.parametrize("q", QUERIES, ids=[repr(q)[:40] for q in QUERIES])
def test_whoosh_searches_the_codec_as_its_own(twin_indexes, q):
    from whoosh.query.spans import SpanNear2

    ours, whoosh = twin_indexes
    for query in (q, SpanNear2([wq.Term("summary", "clinic"), wq.Term("summary", "outcom")], slop=3)):
        a = [(h.docnum, h.score) for h in ours.search(query, limit=None)]
        b = [(h.docnum, h.score) for h in whoosh.search(query, limit=None)]
        assert [d for d, _ in a] == [d for d, _ in b]
        assert [s for _, s in a] == pytest.approx([s for _, s in b], rel=1e-9)
        assert a, repr(query)


def test_key_terms_and_term_statistics_read_the_codec(twin_indexes):
    ours, whoosh = twin_indexes
    text = "clinical outcomes of lymphoma patients in a hospital cohort study"
    assert ours.key_terms_from_text("summary", text, numterms=5) == \
        whoosh.key_terms_from_text("summary", text, numterms=5)
    assert list(ours.reader().most_frequent_terms("summary", 5)) == \
        list(whoosh.reader().most_frequent_terms("summary", 5))
