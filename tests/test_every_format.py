"""Every per-format sample in one folder, indexed as a user would: DOIs searchable, ids and identifiers shown."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from recsearch.cli import app

FORMATS = ROOT / "tests" / "fixtures" / "formats"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("library")
    for path in FORMATS.iterdir():
        if path.suffix != ".py":
            shutil.copy(path, folder)
    ix = folder.parent / (folder.name + "-index")
    result = run("index", folder, "--index", ix, "--json")
    report = json.loads(result.stdout)
    # The one bad record is ruby-marc's record 2, whose XML is not well-formed; nothing else fails.
    assert [(Path(f["file"]).name, f.get("position")) for f in report["failed"]] == [("marcxml_second_bad.xml", 2)]
    assert result.exit_code == 1 and not report["conflicts"]
    return ix


@pytest.mark.parametrize("doi, record_id", [
    ("10.1177/2325967120950040", "ris-"),
    ("10.1161/CIRCULATIONAHA.108.827022", "bib-"),
    ("10.1038/bjc.2014.606", "enx-"),
    ("10.1086/377226", "marcxml-613135"),
    ("10.1007/s10107-009-0306-5", "crossref-10.1007/s10107-009-0306-5"),
    ("10.1590/S0034-8910.2014048004911", "jats-"),
    ("10.1209/0295-5075/124/60006", "oai-arxivraw-"),
    ("10.4286/jjmi.84.317", "jalc-"),
    ("10.1007/s00300-003-0526-8", "mods-"),
])
def test_doi_search_finds_the_record(index, doi, record_id):
    result = run("search", f'doi:"{doi}"', "--index", index, "--json", "--no-history")
    hits = json.loads(result.stdout)["hits"]
    assert len(hits) == 1 and hits[0]["id"].startswith(record_id)


def test_show_json_has_doi_and_identifiers(index):
    result = run("show", "oai-arxivraw-arxiv.org:1810.09584", "--index", index, "--json")
    shown = json.loads(result.stdout)
    assert shown["doi"] == "10.1209/0295-5075/124/60006"
    assert shown["identifiers"] == {"arxiv": "1810.09584", "oai": "oai:arXiv.org:1810.09584"}
    ris = run("show", "oai-arxivraw-arxiv.org:1810.09584", "--index", index, "--format", "ris").stdout
    assert "DO  - 10.1209/0295-5075/124/60006" in ris


def test_title_search_finds_a_record_of_each_new_format(index):
    for words, prefix in (("lifetime risk cancer britain", "enx-"), ("housekeeping martingale", "oai-"),
                          ("microcosm oxygen sea ice", "mods-"), ("shoulder stabilization athletic", "ris-"),
                          ("cocoa cardiovascular", "bib-"), ("differential geometry lie groups", "marcxml-"),
                          ("blonde", "marc-"), ("flow map layout", "crossref-"), ("dissolved inorganic carbon", "datacite-")):
        hits = json.loads(run("search", words, "--index", index, "--json", "--no-history").stdout)["hits"]
        assert any(h["id"].startswith(prefix) for h in hits), words
