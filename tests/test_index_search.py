"""Building the index and searching it through the library API."""

from __future__ import annotations

import shutil

import pytest

from conftest import REFERENCE, REFERENCE_ID
from recsearch.errors import IndexAccessError, QueryError
from recsearch.ingest.build import update_index
from recsearch.ingest.stats import index_stats
from recsearch.engine.store import current_generation
from recsearch.readers import read_seed_record
from recsearch.search.index import RecordIndex

SWEDEN = "doaj-art-2292acb3afc641269ca9a114012a2580"
SIXTY = "doaj-art-60a0b0c0d0e0f0a0b0c0d0e0f0a0b0c0"
TURKISH = "doaj-art-000019e3e0d146eaaff4d5163afda4de"


@pytest.fixture
def ix(built_index):
    with RecordIndex(built_index) as opened:
        yield opened


def ids(ix, query, limit=50):
    return [h.id for h in ix.search(query, limit=limit).hits]


@pytest.mark.parametrize("query", [
    "natural killer", "hernandez", "Hernández", "HERNANDEZ", "affil:idipaz", 'author:"perez martinez"',
    "author:vesga", "lymphopenia", "subject:immunology", 'subject:"cell biology"', "journal:iscience",
    "issn:2589-0042", "issn:25890042", "language:english", "year:2025", "title:release",
])
def test_reference_record_is_found(ix, query):
    assert REFERENCE_ID in ids(ix, query)


def test_keyword_ranks_the_matching_record_first(ix):
    assert ids(ix, "natural killer")[0] == REFERENCE_ID
    assert ids(ix, "scarification seedling")[0] == SWEDEN


@pytest.mark.parametrize("query, record_id", [
    ("sikstrom", SWEDEN), ("svalov", SWEDEN), ("affil:svalov", SWEDEN), ("guclu", TURKISH),
    ("kirsal kadinlarin", TURKISH), ("lukasz", SIXTY), ("author:wisniewski", SIXTY), ("DVORAK", SIXTY),
])
def test_accents_and_scripts_fold_in_every_field(ix, query, record_id):
    assert record_id in ids(ix, query)


def test_words_are_anded_and_operators_work(ix):
    assert ids(ix, "natural killer scarification") == []
    assert set(ids(ix, "lymphopenia OR scarification")) == {REFERENCE_ID, SWEDEN}
    assert REFERENCE_ID not in ids(ix, "author:perez NOT lymphopenia")
    assert SIXTY in ids(ix, "author:perez NOT lymphopenia")


def test_phrases_do_not_cross_author_boundaries(ix):
    assert REFERENCE_ID in ids(ix, 'author:"al akioui sanz"')
    assert ids(ix, 'author:"sanz lara"') == []


def test_year_ranges(ix):
    assert len(ids(ix, "year:[2019 TO 2021]")) == 4
    assert set(ids(ix, "year:>2020")) == {REFERENCE_ID, SIXTY}


def test_wildcard_and_fuzzy(ix):
    assert REFERENCE_ID in ids(ix, "author:martín*")
    assert REFERENCE_ID in ids(ix, "author:hernadez~")
    assert REFERENCE_ID in ids(ix, "lymphopeni*")


@pytest.mark.parametrize("query, message", [
    ("", "empty query"),
    ("foo:bar", "unknown field 'foo:'"),
    ("year:abc", "not a valid number"),
    ("year:[2023 TO 2019]", "backwards"),
    ("the of", "nothing to search for"),
])
def test_malformed_queries_explain_themselves(ix, query, message):
    with pytest.raises(QueryError, match=message):
        ix.search(query)


def test_hits_carry_display_fields(ix):
    hit = ix.search("natural killer").hits[0]
    assert hit.title.startswith("The phase I RELEASE")
    assert hit.authors[0] == "Clara Hernández-Blanco" and len(hit.authors) == 22
    assert (hit.year, hit.journal) == (2025, "iScience")
    assert hit.score > 0


def test_show_returns_the_record_as_read(ix, seed_dir):
    stored = ix.get(REFERENCE_ID)
    original = read_seed_record(seed_dir / REFERENCE.name)
    assert stored.to_dict() == original.to_dict()
    assert ix.get("doaj-art-missing") is None


def test_stats(built_index):
    stats = index_stats(built_index)
    assert stats.records == 8
    assert stats.years == (2013, 2025)
    assert stats.distinct_authors >= 22 + 60
    assert stats.size_bytes > 0 and stats.built_at


def test_bad_files_are_reported_and_good_ones_indexed(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(REFERENCE, folder / "good.txt")
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (folder / "empty.txt").write_bytes(b"")
    text = REFERENCE.read_text(encoding="utf-8")
    (folder / "cut.txt").write_text(text[: len(text) // 2], encoding="utf-8")
    report = update_index([folder], tmp_path / "index")
    assert report.indexed == 1
    failed = {f["file"].rsplit("/", 1)[-1]: f["error"] for f in report.failed}
    assert set(failed) == {"empty.txt", "cut.txt"}
    assert "empty" in failed["empty.txt"]
    # Not named like a record file: skipped, and said so.
    assert [s["file"].rsplit("/", 1)[-1] for s in report.skipped] == ["image.png"]
    assert "truncated" in failed["cut.txt"]


def test_duplicate_ids_are_reported_not_overwritten(tmp_path):
    folder = tmp_path / "dups"
    folder.mkdir()
    shutil.copy(REFERENCE, folder / "a.txt")
    shutil.copy(REFERENCE, folder / "b.txt")
    report = update_index([folder], tmp_path / "index")
    assert report.indexed == 1
    assert report.conflicts == [{"id": REFERENCE_ID, "files": [str(folder / "a.txt"), str(folder / "b.txt")]}]


def test_interrupted_build_keeps_the_previous_index(built_index, seed_dir):
    live = current_generation(built_index)

    def interrupt(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        update_index([seed_dir], built_index, rebuild=True, progress=interrupt)
    assert current_generation(built_index) == live
    assert sorted(p.name for p in built_index.glob("gen-*")) == [live.name]
    with RecordIndex(built_index) as ix:
        assert ix.search("natural killer").total == 1


def test_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexAccessError, match="recsearch index"):
        RecordIndex(tmp_path / "none")


def test_negative_queries_find_records_not_author_names(built_index):
    with RecordIndex(built_index) as ix:
        everything = ix.search("NOT zzzzqqq", limit=100)
        assert everything.total == 8
        assert all(hit.title for hit in everything.hits)
        assert ix.search("cells NOT zzzzqqq", limit=100).total == ix.search("cells", limit=100).total
