"""The fast segment writer against Whoosh's own: per-word analysis gives the terms and positions
Whoosh's analyzers give, and a segment written by `RecordSegmentWriter` holds what Whoosh's
`SegmentWriter` writes from the same documents, posting for posting."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Positions
from whoosh.writing import SegmentWriter

from recsearch.engine.analysis import VALUE_SEPARATOR, join_values
from recsearch.engine.codec import RecordCodec
from recsearch.engine.documents import name_document, record_document
from recsearch.engine.schema import build_schema
from recsearch.engine.segment_writer import RecordSegmentWriter
from recsearch.engine.word_plans import WordPlan
from recsearch.ingest.sources import read_source
from test_librarian import make_records

HERE = Path(__file__).resolve().parent
SHARED_RAW = HERE.parent.parent / "shared" / "data" / "raw"
SCHEMA = build_schema()
PLANNED = {name: WordPlan.of(SCHEMA[name].analyzer) for name in SCHEMA.names()
           if getattr(SCHEMA[name], "analyzer", None) is not None}
PLANNED = {name: plan for name, plan in PLANNED.items() if plan is not None}


def _records_under(folder: Path, limit: int):
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.stat().st_size < 5_000_000):
        try:
            source = read_source(str(path))
        except Exception:
            continue
        found += source.records or []
        if len(found) >= limit:
            break
    return found[:limit]


def _documents(records) -> list[dict]:
    docs, names = [], {}
    for record in records:
        docs.append(record_document(record))
        for name in record.author_names:
            names.setdefault(name, name_document(name))
    return docs + list(names.values())


def _whoosh_terms(fieldname: str, value: str) -> dict:
    field = SCHEMA[fieldname]
    positions = isinstance(field.format, Positions)
    return {text.decode(): field.format.decode_positions(vbytes) if positions else freq
            for text, freq, _, vbytes in field.index(value)}


def _planned_terms(fieldname: str, value: str) -> dict:
    plan = PLANNED[fieldname]
    if isinstance(SCHEMA[fieldname].format, Positions):
        return plan.positions(value)[1]
    return plan.frequencies(value)[1]


def _assert_same_analysis(docs) -> int:
    compared = 0
    for doc in docs:
        for fieldname, value in doc.items():
            if fieldname in PLANNED and isinstance(value, str):
                assert _planned_terms(fieldname, value) == _whoosh_terms(fieldname, value), (fieldname, value)
                compared += 1
    return compared


def test_the_text_fields_are_planned():
    assert {"title", "summary", "author", "affil", "subject", "journal", "name_words", "name_keys"} <= set(PLANNED)


def test_word_plans_give_whoosh_terms_and_positions_on_fixture_records():
    records = _records_under(HERE / "fixtures", 3000) + make_records(200, seed=5)
    assert len(records) > 250
    assert _assert_same_analysis(_documents(records)) > 1500


@pytest.mark.skipif(not SHARED_RAW.is_dir(), reason="../shared/data/raw is not beside the project")
def test_word_plans_give_whoosh_terms_and_positions_on_real_records():
    records = list(itertools.chain.from_iterable(_records_under(folder, 400) for folder in sorted(SHARED_RAW.iterdir())
                                                 if folder.is_dir()))
    assert len(records) > 1000
    assert _assert_same_analysis(_documents(records)) > 5000


WORDS = st.sampled_from(["the", "of", "Pérez", "Łódź", "covid19", "CD56+", "Crohn's", "Hodgkin’s", "北京",
                         "Ульяновск", "e.g.", "2020.Results", "x", "_", "ʻokina", "A", "naïve", "NK-cells",
                         "αβ", "ﬁbrosis", "İstanbul", "and", "IL-6", "3rd", "l'homme", "Ǆemal", VALUE_SEPARATOR])
TEXTS = st.lists(st.one_of(WORDS, st.text(min_size=1, max_size=8)), max_size=30).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.sampled_from(sorted(PLANNED)))
def test_word_plans_agree_with_whoosh_on_any_text(text, fieldname):
    assert _planned_terms(fieldname, text) == _whoosh_terms(fieldname, text)


@settings(max_examples=100, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=5))
def test_value_gaps_are_whoosh_own(values):
    text = join_values(values)
    for fieldname in ("author", "affil", "subject"):
        assert _planned_terms(fieldname, text) == _whoosh_terms(fieldname, text)


def _write(folder: Path, docs, writer_class, **kwargs):
    folder.mkdir()
    ix = FileStorage(str(folder)).create_index(SCHEMA)
    writer = writer_class(ix, codec=RecordCodec(), **kwargs)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit(merge=False)
    return ix, writer


def _contents(ix) -> dict:
    """Everything a reader gives of an index: terms with their statistics and postings, lengths,
    stored fields and columns."""
    with ix.searcher() as searcher:
        reader = searcher.reader()
        found = {"docs": reader.doc_count_all(), "fields": {}}
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            matcher = reader.postings(fieldname, text)
            postings = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            found[(fieldname, text)] = ((info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                                         info.max_weight(), info.min_id(), info.max_id()), postings)
        for fieldname in SCHEMA.names():
            if SCHEMA[fieldname].scorable:
                found["fields"][fieldname] = (reader.field_length(fieldname),
                                              [reader.doc_field_length(d, fieldname) for d in range(found["docs"])])
            if SCHEMA[fieldname].column_type and reader.has_column(fieldname):
                found["fields"][fieldname + " column"] = list(reader.column_reader(fieldname))
        found["stored"] = [reader.stored_fields(d) for d in range(found["docs"])]
    return found


@pytest.fixture(scope="module")
def documents():
    return _documents(_records_under(HERE / "fixtures", 800) + make_records(400, seed=9))


def test_a_segment_is_what_whoosh_writes(tmp_path, documents):
    ix, writer = _write(tmp_path / "ours", documents, RecordSegmentWriter, limitmb=64)
    assert not writer.pooled
    ours = _contents(ix)
    theirs = _contents(_write(tmp_path / "whoosh", documents, SegmentWriter, limitmb=64)[0])
    assert ours.keys() == theirs.keys()
    for key in theirs:
        assert ours[key] == theirs[key], key
    assert len(theirs) > 2000


def test_past_its_memory_the_writer_merges_runs_and_writes_the_same(tmp_path, documents):
    small, writer = _write(tmp_path / "runs", documents, RecordSegmentWriter, limitmb=1)
    assert writer.runs >= 3 and not writer.pooled
    assert _contents(small) == _contents(_write(tmp_path / "whoosh", documents, SegmentWriter, limitmb=1)[0])


def test_a_document_whoosh_must_write_sends_the_segment_through_its_pool(tmp_path, documents):
    odd = dict(documents[0], id="odd", _title_boost=2.0)
    ix, writer = _write(tmp_path / "ours", documents[:300] + [odd] + documents[300:], RecordSegmentWriter, limitmb=1)
    assert writer.pooled and writer.runs >= 1
    theirs = _write(tmp_path / "whoosh", documents[:300] + [odd] + documents[300:], SegmentWriter, limitmb=1)[0]
    assert _contents(ix) == _contents(theirs)
