"""EndNote XML: <style> runs, addresses, DOIs, accession numbers, keywords; JabRef's samples."""

from __future__ import annotations

import pytest

from conftest import ROOT, SHARED_DATA
from recsearch.readers import read_file_records, sniff_format

FORMATS = ROOT / "tests" / "fixtures" / "formats"
RAW = SHARED_DATA

# The shape Zotero and EndNote 20 write (one line, `&#xD;` between addresses); our own words.
ZOTERO = """<?xml version="1.0" encoding="UTF-8"?><xml><records>
<record><database name="My Library.enl">My Library.enl</database><source-app name="EndNote" version="20">EndNote</source-app>
<rec-number>12</rec-number><ref-type name="Journal Article">17</ref-type>
<contributors><authors><author><style face="normal" font="default" size="100%">Ferreira, Jo&#xE3;o</style></author>
<author><style face="normal" font="default" size="100%">Nowak, Ewa</style></author></authors></contributors>
<auth-address>Universidade de S&#xE3;o Paulo, S&#xE3;o Paulo, Brazil&#xD;Uniwersytet Jagiello&#x144;ski, Krak&#xF3;w, Poland</auth-address>
<titles><title><style face="normal" font="default" size="100%">Soil </style><style face="italic" font="default" size="100%">Rhizobium</style><style face="normal" font="default" size="100%"> in dry seasons</style></title>
<secondary-title>Plant and Soil</secondary-title></titles>
<periodical><full-title>Plant and Soil</full-title><abbr-1>Plant Soil</abbr-1></periodical>
<keywords><keyword>rhizobia</keyword><keyword>drought</keyword></keywords>
<dates><year>2022</year><pub-dates><date>2022/05/17</date></pub-dates></dates>
<isbn>0032-079X</isbn><accession-num>WOS:000791234500001</accession-num>
<electronic-resource-num>https://doi.org/10.1007/S11104-022-05431-2</electronic-resource-num>
<abstract>A stand-in abstract.</abstract><language>eng</language></record>
<record><ref-type name="Book">6</ref-type><titles><title>Field Guide to Lichens</title></titles>
<contributors><authors><author>Smith, Ann</author></authors></contributors><isbn>978-1-4081-1234-5</isbn>
<dates><year>2010</year></dates><publisher>Bloomsbury</publisher></record>
<record><ref-type name="Journal Article">17</ref-type><titles><title/></titles></record>
</records></xml>"""


def read(data: str | bytes, name: str = "library.xml"):
    return read_file_records(data.encode("utf-8") if isinstance(data, str) else data, name)


def test_zotero_style_record():
    found = read(ZOTERO)
    rec = found.records[0]
    assert rec.title == "Soil Rhizobium in dry seasons"  # three <style> runs
    assert rec.author_names == ["João Ferreira", "Ewa Nowak"]
    assert rec.affiliation_text == "Universidade de São Paulo, São Paulo, Brazil; Uniwersytet Jagielloński, Kraków, Poland"
    assert rec.doi == "10.1007/s11104-022-05431-2" and rec.identifiers == {"wos": "000791234500001"}
    assert rec.issns == ["0032-079X"] and rec.journal == "Plant and Soil"
    assert rec.date == "2022-05-17" and rec.language == "English" and rec.subjects == ["rhizobia", "drought"]


def test_book_isbn_and_untitled_record_reported():
    found = read(ZOTERO)
    book = found.records[1]
    assert book.identifiers == {"isbn": "978-1-4081-1234-5"} and book.publisher == "Bloomsbury"
    assert found.problems == [(3, "record has no <titles><title>")]


def test_told_from_content():
    assert sniff_format(ZOTERO.encode()) == "endnote-xml"


def test_fixture_from_jabref_exports():
    found = read((FORMATS / "endnote_export.xml").read_bytes())
    assert len(found.records) == 5 and not found.problems
    bjc, chapman, _, skua, report = found.records
    assert bjc.author_names == ["AS Ahmad", "N Ormiston-Smith", "PD Sasieni"]
    assert bjc.doi == "10.1038/bjc.2014.606" and bjc.identifiers == {"pmid": "25647015"}  # DOI from the notes
    assert bjc.date == "2015-03-03" and bjc.journal == "Br J Cancer"
    assert bjc.affiliation_text.startswith("Queen Mary University of London, Centre for Cancer Prevention, Wolfson Institute")
    assert "Neoplasms/*epidemiology" in bjc.subjects
    assert bjc.summary.startswith("Stand-in abstract")
    assert chapman.authors[0].affiliation == "Cent States Forest Expt Stn, Columbus, OH USA"  # the only author
    assert chapman.identifiers == {"wos": "000200148800007"} and chapman.year == 1937
    assert skua.title == "A demographic study of the south polar skua Catharacta maccormicki at Cape Crozier"
    assert report.publisher == "USDA Forest Service, Rocky Mountain Region" and report.year == 2005


def test_same_record_in_two_exports_gets_one_id_distinct_records_differ():
    found = read((FORMATS / "endnote_export.xml").read_bytes())
    assert len({r.id for r in found.records}) == 5
    again = read((FORMATS / "endnote_export.xml").read_bytes(), "elsewhere/copy.xml")
    assert [r.id for r in again.records] == [r.id for r in found.records]


FILES = sorted(RAW.glob("jabref-endnote-xml/*.xml")) if RAW.is_dir() else []


@pytest.mark.skipif(not FILES, reason="../shared/data/raw is absent")
def test_every_shared_endnote_record_is_read():
    total = 0
    for path in FILES:
        found = read(path.read_bytes(), path.name)
        assert not found.problems
        assert len(found.records) == path.read_text(encoding="utf-8").count("<record>"), path.name
        total += len(found.records)
    assert total == 7
