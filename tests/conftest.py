"""Shared paths and helpers for the test suite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "seeds" / "000_22e798dbd43e04c0.txt"
REFERENCE_ID = "doaj-art-97ba4ac5d1b34a089f0a13af6f6e6832"
FIXTURE_SEEDS = ROOT / "tests" / "fixtures" / "seeds"
SHARED_DATA = ROOT.parent / "shared" / "data" / "raw"


@pytest.fixture(autouse=True)
def unhurried_rescue(monkeypatch):
    """Suggestions as if the machine had all the time: a loaded test machine must not cut
    the did-you-mean step short (its limit is tested on its own)."""
    monkeypatch.setattr("recsearch.search.index.RESCUE_TIME_LIMIT", 60.0)


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """A folder holding the reference record and the fixture records."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(REFERENCE, folder)
    for path in FIXTURE_SEEDS.glob("*.txt"):
        shutil.copy(path, folder)
    return folder


@pytest.fixture
def built_index(seed_dir: Path, tmp_path: Path) -> Path:
    from recsearch.ingest.build import update_index

    root = tmp_path / "index"
    report = update_index([seed_dir], root)
    assert not report.failed, report.failed
    return root


def check_top_hits_agree(searcher, q, limit=10):
    """The bulk executor's top hits are Whoosh's own, score for score, by Python's way and numpy's;
    and so are the documents it counts."""
    from recsearch.engine.executor import matching_docs, top_hits
    from recsearch.engine.vectors import NumpyVectors, PythonVectors

    collector = searcher.collector(limit=limit)
    searcher.search_with_collector(q, collector)
    whoosh = [(r.docnum, r.score) for r in collector.results()]
    everything = set(searcher.docs_for_query(q))
    for vectors in (PythonVectors, NumpyVectors(), NumpyVectors(searcher.doc_count_all())):
        fast = top_hits(searcher, q, limit, vectors)
        if fast is None:
            return
        best, docs = fast
        assert [d for d, _ in best] == [d for d, _ in whoosh], vectors.name
        assert [s for _, s in best] == pytest.approx([s for _, s in whoosh], rel=1e-9), vectors.name
        assert set(docs) == everything, vectors.name
        assert matching_docs(searcher, q, vectors) == everything, vectors.name


MIXED_FORMAT_SAMPLES = ("pubmed_set.xml", "medline_citations.xml", "pubmed_export.nbib", "doaj_hits.ldj",
                        "doaj_upload.xml", "cord19_metadata.csv")


def build_mixed_collection(folder: Path):
    """The reference record, the seed fixtures and one sample of six formats, indexed under
    `folder`: (the index root, every record in it)."""
    from recsearch.ingest.build import update_index
    from recsearch.search.index import RecordIndex, SearchOptions

    sources = folder / "records"
    sources.mkdir()
    shutil.copy(REFERENCE, sources)
    for path in FIXTURE_SEEDS.glob("*.txt"):
        shutil.copy(path, sources)
    for name in MIXED_FORMAT_SAMPLES:
        shutil.copy(ROOT / "tests" / "fixtures" / "formats" / name, sources)
    root = folder / "index"
    report = update_index([sources], root)
    assert not report.failed, report.failed
    with RecordIndex(root) as ix:
        records = [ix.get(h.id) for h in ix.search("*", limit=None, options=SearchOptions(suggest=False)).hits]
    return root, records


@pytest.fixture
def ix(collection):
    """The index of a module's `collection` fixture (root, records), opened."""
    from recsearch.search.index import RecordIndex

    with RecordIndex(collection[0]) as opened:
        yield opened


def ids(ix, text, **options):
    """The ids of every hit of `text` (no suggestions)."""
    from recsearch.search.index import SearchOptions

    options.setdefault("suggest", False)
    return {h.id for h in ix.search(text, limit=None, options=SearchOptions(**options)).hits}
