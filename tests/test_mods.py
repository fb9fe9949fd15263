"""MODS: names by role, the host item as journal, identifiers; JabRef's Latin-1 collection."""

from __future__ import annotations

from conftest import ROOT
from recsearch.readers import read_file_records, sniff_format

FORMATS = ROOT / "tests" / "fixtures" / "formats"

ONE = """<mods xmlns="http://www.loc.gov/mods/v3" version="3.7"><titleInfo><nonSort>The </nonSort><title>Glaciers of Patagonia</title>
<subTitle>a survey</subTitle></titleInfo><titleInfo type="translated"><title>Glaciares</title></titleInfo>
<name type="personal"><namePart>Rivera, Andrés</namePart><affiliation>Universidad de Chile</affiliation>
<role><roleTerm type="code" authority="marcrelator">aut</roleTerm></role></name>
<name type="corporate"><namePart>Centro de Estudios Científicos</namePart></name>
<name type="personal"><namePart type="given">Ana</namePart><namePart type="family">Editora</namePart><role><roleTerm type="text">editor</roleTerm></role></name>
<originInfo><dateIssued encoding="w3cdtf">2019-08-14</dateIssued></originInfo>
<language><languageTerm type="code" authority="iso639-2b">spa</languageTerm></language>
<abstract>Our own words.</abstract><subject><topic>glaciology</topic><geographic>Patagonia</geographic></subject>
<identifier type="doi">https://doi.org/10.1017/JOG.2019.50</identifier>
<relatedItem type="host"><titleInfo><title>Journal of Glaciology</title></titleInfo><identifier type="issn">0022-1430</identifier></relatedItem>
</mods>"""


def test_one_mods_record():
    [rec] = read_file_records(ONE.encode(), "one.xml").records
    assert rec.title == "The Glaciers of Patagonia: a survey"
    assert [(a.name, a.affiliation) for a in rec.authors] == [("Andrés Rivera", "Universidad de Chile"),
                                                              ("Centro de Estudios Científicos", None)]
    assert rec.doi == "10.1017/jog.2019.50" and rec.id == "mods-10.1017/jog.2019.50"
    assert rec.journal == "Journal of Glaciology" and rec.issns == ["0022-1430"]
    assert rec.date == "2019-08-14" and rec.language == "Spanish" and rec.subjects == ["glaciology", "Patagonia"]
    assert sniff_format(ONE.encode()) == "mods"


def test_jabref_collection_latin1():
    found = read_file_records((FORMATS / "mods_collection_latin1.xml").read_bytes(), "mods.xml")
    assert found.format == "mods" and len(found.records) == 3 and not found.problems
    mock, schewe, book = found.records
    assert mock.author_names == ["T Mock", "M Kruse", "GS Dieckmann"] and mock.journal == "Aquatic Microbial Ecology"
    assert mock.issns == ["0948-3055"] and mock.year == 2003 and "Sea ice" in mock.subjects
    assert mock.identifiers["local"] == "IPÖ @ msteffens @ 713"  # ISO-8859-1 decoded
    assert schewe.doi == "10.1007/s00300-003-0526-8"
    assert book.author_names == ["DN Thomas", "GS Dieckmann"]  # editors of a book with no author
    assert book.identifiers["isbn"] == "0-632-05808-0"
