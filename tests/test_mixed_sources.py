"""One index over seed records, DOAJ, PubMed, MEDLINE and CORD-19 files, as a user builds it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REFERENCE, REFERENCE_ID, ROOT
from recsearch.cli import app

FORMATS = ROOT / "tests" / "fixtures" / "formats"
SAMPLES = ["doaj_search.json", "doaj_hits.ldj", "doaj_upload.xml", "pubmed_set.xml", "medline_citations.xml",
           "pubmed_export.nbib", "cord19_metadata.csv"]
RECORDS_IN_SAMPLES = 4 + 3 + 3 + 4 + 2 + 2 + 4

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def doaj_articles() -> list[dict]:
    return json.loads((FORMATS / "doaj_search.json").read_text(encoding="utf-8"))["results"]


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    folder = tmp_path / "collection"
    (folder / "seeds").mkdir(parents=True)
    shutil.copy(REFERENCE, folder / "seeds")
    for name in SAMPLES:
        shutil.copy(FORMATS / name, folder)
    (folder / "README.md").write_text("# Where these records came from\n", encoding="utf-8")
    return folder


def test_one_index_over_every_format(collection, tmp_path):
    ix = tmp_path / "ix"
    result = run("index", collection, "--index", ix, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["records"] == report["added"] == 1 + RECORDS_IN_SAMPLES and report["failed"] == []
    assert [s["file"].endswith("README.md") for s in report["skipped"]] == [True]
    stats = json.loads(run("stats", "--index", ix, "--json").stdout)
    assert stats["records"] == 1 + RECORDS_IN_SAMPLES
    hits = json.loads(run("search", "natural killer", "--index", ix, "--json", "-n", "50").stdout)["hits"]
    assert {REFERENCE_ID, "pmid-31000001"} <= {h["id"] for h in hits}
    hits = json.loads(run("search", "affil:purdue", "--index", ix, "--json").stdout)["hits"]
    assert [h["id"] for h in hits] == ["pmid-17942999"]
    shown = run("show", "pmid-30413706", "--index", ix)
    assert "pubmed_set.xml" in shown.stdout and "record 3" in " ".join(shown.stdout.split())


def test_skipped_files_listed_with_verbose(collection, tmp_path):
    result = run("index", collection, "--index", tmp_path / "ix", "--verbose")
    assert result.exit_code == 0
    assert "skipped" in result.stderr and "README.md" in result.stderr


def test_one_author_across_seed_pubmed_and_doaj(collection, tmp_path):
    article = doaj_articles()[0]
    article["bibjson"]["author"] = [{"name": "Pérez-Martínez, Antonio", "affiliation": "Hospital La Paz, Madrid, Spain"}]
    (collection / "doaj_one.json").write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")
    ix = tmp_path / "ix"
    assert run("index", collection, "--index", ix).exit_code == 0
    data = json.loads(run("author", "perez martinez", "--index", ix, "--json").stdout)
    first = data["matches"][0]
    assert {REFERENCE_ID, "pmid-31000001", "doaj-art-" + article["id"]} <= set(first["records"])
    # DOAJ's `Family, Given` is shown given name first, as the other formats show it: one variant.
    assert set(first["variants"]) == {"Antonio Pérez-Martínez"}
    assert "Hospital La Paz, Madrid, Spain" in first["affiliations"]


def test_multi_record_file_updates_per_file(collection, tmp_path):
    ix = tmp_path / "ix"
    assert run("index", collection, "--index", ix).exit_code == 0
    path = collection / "doaj_search.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    dropped = body["results"].pop(1)
    body["results"][0]["bibjson"]["title"] = "Zebrafish hearts regrow after injury"
    path.write_text(json.dumps(body), encoding="utf-8")
    report = json.loads(run("index", collection, "--index", ix, "--json").stdout)
    assert (report["updated"], report["removed"], report["added"]) == (3, 1, 0)
    assert report["unchanged"] == RECORDS_IN_SAMPLES + 1 - 4
    hits = json.loads(run("search", "zebrafish", "--index", ix, "--json").stdout)["hits"]
    assert [h["id"] for h in hits] == ["doaj-art-" + body["results"][0]["id"]]
    assert run("show", "doaj-art-" + dropped["id"], "--index", ix).exit_code == 1


def test_bad_record_reported_rest_indexed(collection, tmp_path):
    articles = doaj_articles()
    articles.insert(1, {"id": "broken", "bibjson": {"title": ""}})
    (collection / "doaj_search.json").write_text(json.dumps(articles), encoding="utf-8")
    ix = tmp_path / "ix"
    result = run("index", collection, "--index", ix)
    assert result.exit_code == 1
    assert "doaj_search.json, record 2: article broken has no title" in result.stderr
    stats = json.loads(run("stats", "--index", ix, "--json").stdout)
    assert stats["records"] == 1 + RECORDS_IN_SAMPLES
    # Still reported while the file stays as it is.
    again = run("index", collection, "--index", ix)
    assert again.exit_code == 1 and "record 2" in again.stderr


def test_forced_format(collection, tmp_path):
    ix = tmp_path / "ix"
    result = run("index", collection / "pubmed_set.xml", "--index", ix, "--format", "cord19")
    assert result.exit_code == 1 and "not a CORD-19 metadata CSV" in result.stderr
    result = run("index", collection / "pubmed_set.xml", "--index", ix, "--format", "marc")
    assert result.exit_code == 1 and "not a MARC record" in result.stderr  # MARC is read now, this is no MARC
    result = run("index", collection / "pubmed_set.xml", "--index", ix, "--format", "refer")
    assert result.exit_code == 2 and "unknown --format" in result.stderr
    # Back to auto: every file is read again with the right reader.
    result = run("index", collection / "pubmed_set.xml", "--index", ix, "--format", "auto", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["records"] == 4
