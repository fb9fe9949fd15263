"""The columnar codec against Whoosh's own: the same postings, and the same hits and scores for
every query kind Whoosh's searcher runs over it (the oracle is the same collection in W3Codec)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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
def twin_roots(tmp_path_factory):
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
    return roots


@pytest.fixture(scope="module")
def twin_indexes(twin_roots):
    ours, whoosh = RecordIndex(twin_roots["ours"]), RecordIndex(twin_roots["whoosh"])
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


def test_a_segment_opens_mapped_and_reads_as_whoosh_files_do(twin_indexes):
    """Each part of a compound segment is a view of the map (nothing copied), read as Whoosh reads files."""
    import pickle

    from recsearch.engine.mapped import MappedPart, MemoryReader

    ours, _ = twin_indexes
    for sub, _ in ours.leaf_searchers():
        assert isinstance(sub.reader().storage().open_file(sub.reader().segment().make_filename(".trm")),
                          MappedPart)
    data = pickle.dumps({"a": [1, 2, 3]}, 2) + b"line one\nline two\n" + bytes(range(40))
    part = MappedPart(memoryview(data))
    assert part.read_pickle() == {"a": [1, 2, 3]}
    assert part.readline() == b"line one\n"
    assert part.get(len(data) - 40, 4) == bytes(range(4))
    part.seek(-2, 2)
    assert part.read() == bytes([38, 39]) and part.tell() == len(data)
    assert part.subset(len(data) - 40, 10).read(3) == bytes(range(3))
    buffer = bytearray(5)
    reader = MemoryReader(memoryview(b"abc"))
    assert reader.readinto(buffer) == 3 and buffer[:3] == b"abc" and reader.read() == b""


def test_a_small_search_does_not_import_numpy(built_index):
    """numpy costs a fresh process 100-200 ms to import: a search over short posting lists goes without it."""
    import subprocess
    import sys

    code = ("import sys; from recsearch.search.index import RecordIndex; "
            f"ix = RecordIndex({str(built_index)!r}); r = ix.search('cells OR nk', limit=10); "
            "print(r.total, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) > 0 and out[1] == "False"


def test_numpy_is_chosen_for_long_posting_lists(twin_indexes, monkeypatch):
    """Once numpy is imported, lists from NUMPY_FROM postings go numpy's way."""
    import numpy  # noqa: F401  (imported: nothing left to pay for it)

    from recsearch.engine import executor
    from recsearch.engine.vectors import NumpyVectors, PythonVectors

    ours, _ = twin_indexes
    q = wq.Term("summary", "patient")
    monkeypatch.setattr(executor, "NUMPY_FROM", 10 ** 9)
    assert executor.vectors_for(ours, q) is PythonVectors
    monkeypatch.setattr(executor, "NUMPY_FROM", 10)
    assert isinstance(executor.vectors_for(ours, q), NumpyVectors)


def test_numpy_is_imported_once_python_has_spent_what_the_import_costs(twin_roots):
    """Before numpy is imported, long lists go Python's way until that work adds up to the import."""
    import subprocess
    import sys

    code = ("import sys; from whoosh import query as wq; from recsearch.engine import executor; "
            "from recsearch.search.index import RecordIndex; ix = RecordIndex(sys.argv[1]); s = ix.searcher(); "
            "executor.NUMPY_FROM = 10; executor.PYTHON_US_PER_POSTING = 1000.0; executor.NUMPY_IMPORT_MS = 1000.0; "
            "q = wq.Term('summary', 'patient'); n = s.doc_frequency('summary', 'patient'); "
            "kinds = [executor.vectors_for(s, q).name for _ in range(1 + 1000 // n)]; "
            "print(kinds[0], kinds[-1], 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(twin_roots["ours"])], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["python", "numpy", "True"]


USER_QUERIES = ["cohort", "cohort lymphoma", "risk OR asthma", "hospital -malaria", "hospital NOT malaria",
                '"clinical outcomes"', 'title:lymphoma summary:"cohort study"', "author:garcia", "affil:madrid",
                "lymphoma year:2000-2010", "vaccine 2015", "year:[2000 TO 2012] asthma", "pat*", "cohrt~",
                "*", "author:\"perez martinez\"", "(risk OR cohort) AND (lymphoma OR asthma) -children",
                "subject:immunology", "journal:\"cell reports\" treatment"]


@pytest.mark.parametrize("text", USER_QUERIES)
def test_the_executor_gives_whoosh_own_hits_for_every_kind_of_query(twin_roots, text):
    """The oracle, query kind by query kind, on the columnar index: Python's way and numpy's
    give Whoosh's matchers' hits, scores and counts (conftest.check_top_hits_agree)."""
    from conftest import check_top_hits_agree
    from recsearch.engine.executor import top_hits

    with RecordIndex(twin_roots["ours"]) as ix:
        searcher = ix.searcher()
        q = ix.prepare(text, False, {}, searcher, [], None, set())
        assert top_hits(searcher, q, 10) is not None, text  # the executor runs it, not Whoosh
        for limit in (10, None):
            check_top_hits_agree(searcher, q, limit)


@pytest.mark.parametrize("text", USER_QUERIES[:8])
def test_segments_in_whoosh_own_codec_are_still_searched(twin_roots, text):
    """A segment the executor cannot read whole (Whoosh's codec) goes to Whoosh's matchers: same hits."""
    from recsearch.search.index import SearchOptions

    options = SearchOptions(suggest=False)
    with RecordIndex(twin_roots["ours"]) as ours, RecordIndex(twin_roots["whoosh"]) as whoosh:
        a, b = ours.search(text, limit=None, options=options), whoosh.search(text, limit=None, options=options)
        assert a.total == b.total and a.total
        assert [h.id for h in a.hits] == [h.id for h in b.hits]
        assert [h.score for h in a.hits] == pytest.approx([h.score for h in b.hits], abs=2e-4)


def test_phrases_over_several_segments_are_scored(tmp_path):
    """Whoosh scores some phrases (an author's name, a hyphenated word) with a scorer made on the
    whole searcher: with two segments there are no lengths of one segment to read (a new-user trial
    found `covid-19` and `author:"rezaei n"` failing once an update had added a segment)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    records = make_records(200, seed=8)
    for n, record in enumerate(records[:120]):
        (seeds / f"{n:03d}.txt").write_text(render_seed_record(record), encoding="utf-8")
    update_index([seeds], tmp_path / "index")
    for n, record in enumerate(records[120:], 120):
        (seeds / f"{n:03d}.txt").write_text(render_seed_record(record), encoding="utf-8")
    update_index([seeds], tmp_path / "index")
    update_index([seeds], tmp_path / "fresh")
    with RecordIndex(tmp_path / "index") as ix, RecordIndex(tmp_path / "fresh") as fresh:
        assert len(ix.searcher().leaf_searchers()) > 1
        for text in ('"perez martinez"', 'author:"perez-martinez a"', "perez-martinez", 'author:"garcia j"',
                     '"madrid spain"'):
            found = ix.search(text, limit=None)
            assert found.total and found.total == fresh.search(text, limit=None).total, text


def _sorted_ids(data, size):
    return sorted(data.draw(st.sets(st.integers(0, size - 1), max_size=size)))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_numpy_set_and_score_operations_match_python_at_every_density(data):
    """Sparse lists (sorted runs, looked up a few in a long list) and dense ones (marks over every
    document) give Python's own documents and sums, summed in the same order."""
    import numpy as np

    from recsearch.engine.vectors import NumpyVectors, PythonVectors

    size = data.draw(st.integers(1, 400))
    parts = [_sorted_ids(data, size) for _ in range(data.draw(st.integers(1, 5)))]
    values = [[data.draw(st.floats(0.01, 10.0)) for _ in part] for part in parts]
    python_sums = PythonVectors.add([dict(zip(p, v)) for p, v in zip(parts, values)])
    python_union = PythonVectors.union([set(p) for p in parts])
    python_common = PythonVectors.intersect([set(p) for p in parts])
    for numpy_way in (NumpyVectors(), NumpyVectors(size)):
        arrays = [(np.array(p, dtype=np.int64), np.array(v, dtype=np.float64)) for p, v in zip(parts, values)]
        docs, sums = numpy_way.add(arrays)
        assert dict(zip(docs.tolist(), sums.tolist())) == python_sums
        assert numpy_way.union([a for a, _ in arrays]).tolist() == sorted(python_union)
        assert numpy_way.intersect([a for a, _ in arrays]).tolist() == sorted(python_common)
        assert numpy_way.minus(arrays[0][0], arrays[-1][0]).tolist() == sorted(set(parts[0]) - set(parts[-1]))
        restricted = numpy_way.restrict(arrays[0], arrays[-1][0])
        assert restricted[0].tolist() == sorted(set(parts[0]) & set(parts[-1]))
