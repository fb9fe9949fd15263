"""JaLC RDF: names given twice (Latin, Japanese) read as one author each; a file cut short."""

from __future__ import annotations

import pytest

from conftest import ROOT, SHARED_DATA
from recsearch.readers import read_file_records, sniff_format

FORMATS = ROOT / "tests" / "fixtures" / "formats"
RAW = SHARED_DATA


def test_fixture_cut_before_the_closing_tag():
    data = (FORMATS / "jalc_rdf.xml").read_bytes()
    assert sniff_format(data) == "jalc"
    found = read_file_records(data, "jalc.xml")
    assert len(found.records) == 4 and not found.problems
    first = found.records[0]
    assert first.id == "jalc-10.4286/jjmi.84.317" and first.doi == "10.4286/jjmi.84.317"
    assert first.author_names[:3] == ["Shinji Gotoh", "Takemi Matsui", "Kouji Yamashita"]
    assert len(first.authors) == 8  # sixteen names: eight people, each in two scripts
    assert first.title.startswith("A study for Nobel non-contact") and " = マイクロ波レーダー" in first.title
    assert first.journal == "Iryou kikigaku (The Japanese journal of medical instrumentation)"
    assert first.issns == ["1882-4978", "1884-054X"] and first.year == 2014


def test_names_in_one_script_only_are_kept_as_they_are():
    text = """<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcterms="http://purl.org/dc/terms/"
    xmlns:foaf="http://xmlns.com/foaf/0.1/" xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">
    <rdf:Description rdf:about="https://doi.org/10.3755/galaxea.9"><prism:doi>10.3755/GALAXEA.9</prism:doi><dcterms:title>珊瑚礁の研究</dcterms:title>
    <dcterms:creator><foaf:Person><foaf:name>山田 太郎</foaf:name></foaf:Person></dcterms:creator>
    <dcterms:creator><foaf:Person><foaf:name>鈴木 花子</foaf:name></foaf:Person></dcterms:creator>
    <dcterms:date>2020-04-01</dcterms:date></rdf:Description></rdf:RDF>"""
    [rec] = read_file_records(text.encode(), "x.rdf").records
    assert rec.author_names == ["山田 太郎", "鈴木 花子"] and rec.title == "珊瑚礁の研究" and rec.date == "2020-04-01"


@pytest.mark.skipif(not RAW.is_dir(), reason="../shared/data/raw is absent")
def test_shared_jalc_sample():
    text = (RAW / "fatcat-test-files/jalc_rdf_sample_100.xml").read_bytes()
    found = read_file_records(text, "jalc_rdf_sample_100.xml")
    assert len(found.records) == text.count(b"<rdf:Description") == 93 and not found.problems
    assert all(r.doi and r.year for r in found.records)
