"""MARC 21 binary and MARCXML: encodings by the leader, broken records, the field mapping."""

from __future__ import annotations

import gzip
import re
import unicodedata

import pymarc
import pytest

from conftest import ROOT, SHARED_DATA
from recsearch.readers import read_file_records, sniff_format

FORMATS = ROOT / "tests" / "fixtures" / "formats"
RAW = SHARED_DATA


def read(data: bytes, name: str = "catalogue.mrc"):
    return read_file_records(data, name)


def article(utf8: bool = True) -> bytes:
    """An article record written by pymarc, with the fields our mapping reads."""
    record = pymarc.Record(force_utf8=utf8)
    record.leader = pymarc.Leader("00000nab a2200000 a 4500" if utf8 else "00000nab  2200000 a 4500")
    S = pymarc.Subfield
    record.add_field(
        pymarc.Field(tag="001", data="ART-77"), pymarc.Field(tag="003", data="XX-Lib"),
        pymarc.Field(tag="008", data="210315s2021    sp " + " " * 17 + "spa d"),  # language at 35-37
        pymarc.Field(tag="024", indicators=pymarc.Indicators("7", " "),
                     subfields=[S("a", "10.1016/J.EIMC.2020.01.004"), S("2", "doi")]),
        pymarc.Field(tag="100", indicators=pymarc.Indicators("1", " "),
                     subfields=[S("a", "Pérez-Martínez, Antonio,"), S("u", "Hospital La Paz, Madrid")]),
        pymarc.Field(tag="245", indicators=pymarc.Indicators("1", "0"),
                     subfields=[S("a", "Células NK en la infancia :"), S("b", "una revisión /"), S("c", "A. Pérez.")]),
        pymarc.Field(tag="264", indicators=pymarc.Indicators(" ", "1"), subfields=[S("c", "2021.")]),
        pymarc.Field(tag="520", indicators=pymarc.Indicators(" ", " "), subfields=[S("a", "Our own summary.")]),
        pymarc.Field(tag="650", indicators=pymarc.Indicators(" ", "0"),
                     subfields=[S("a", "Killer cells"), S("x", "Immunology.")]),
        pymarc.Field(tag="710", indicators=pymarc.Indicators("2", " "),
                     subfields=[S("a", "Sociedad Española de Pediatría."), S("b", "Grupo de Inmunología.")]),
        pymarc.Field(tag="773", indicators=pymarc.Indicators("0", " "),
                     subfields=[S("t", "Enfermedades infecciosas y microbiología clínica"), S("x", "0213-005X")]),
    )
    return record.as_marc()


def test_article_fields():
    [rec] = read(article()).records
    assert rec.title == "Células NK en la infancia: una revisión"
    assert [(a.name, a.affiliation) for a in rec.authors] == [
        ("Antonio Pérez-Martínez", "Hospital La Paz, Madrid"),
        ("Sociedad Española de Pediatría. Grupo de Inmunología", None)]
    assert rec.doi == "10.1016/j.eimc.2020.01.004" and rec.year == 2021 and rec.language == "Spanish"
    assert rec.subjects == ["Killer cells -- Immunology"] and rec.summary == "Our own summary."
    assert rec.journal == "Enfermedades infecciosas y microbiología clínica" and rec.issns == ["0213-005X"]
    assert rec.id == "marc-xx-lib-art-77" and rec.identifiers["control_number"] == "ART-77"


def test_marc8_by_the_leader():
    [rec] = read(article(utf8=False)).records
    assert rec.author_names[0] == "Antonio Pérez-Martínez"


def test_bad_record_reported_by_position_rest_read():
    good = article()
    found = read(good + b"00042xxx  junk\x1e\x1d" + good)
    assert len(found.records) == 2 and [p for p, _ in found.problems] == [2]
    assert found.records[1].id == found.records[0].id + "-2"  # the same record twice in one file


def test_fixture_binary_records():
    found = read((FORMATS / "marc_records.mrc").read_bytes())
    serreau, dictionary, dylan, nih = found.records
    assert serreau.author_names == ["Geneviève Serreau"] and serreau.title == 'Histoire du "nouveau théâtre."'
    assert found.warnings == ["record 1: the leader says UTF-8 but the bytes are not: read as MARC-8"]
    assert dictionary.author_names == [unicodedata.normalize("NFC", "Čhamlō̜ng Phitsanākha")]
    assert dictionary.language == "Chinese"
    assert dylan.title == "Blonde on blonde" and dylan.year == 1966  # directory out of tag order
    assert nih.title.startswith("Ten years at NIH: advancing health")  # directory offsets wrong
    assert nih.summary.startswith("Stand-in abstract")
    assert sniff_format((FORMATS / "marc_records.mrc").read_bytes()) == "marc"


def test_fixture_marcxml_with_a_broken_record():
    found = read((FORMATS / "marcxml_second_bad.xml").read_bytes(), "records.xml")
    assert [r.position for r in found.records] == [1, 3]
    assert found.problems[0][0] == 2 and "invalid XML" in found.problems[0][1]
    assert found.records[0].author_names[0] == "John Avery Lomax"


def test_fixture_inspire_affiliations_doi_arxiv_and_people_skipped():
    found = read((FORMATS / "inspire_marcxml.xml").read_bytes(), "inspire.xml")
    assert found.format == "marcxml" and not found.problems
    assert found.warnings == ["record 3: an INSPIRE HEPNAMES record, not a bibliographic one: skipped"]
    fecko, susy, wmap = found.records
    assert fecko.authors[0].name == "M. Fecko" and fecko.authors[0].affiliation == "Comenius U."
    assert fecko.identifiers["isbn"] == "9780521187961" and fecko.date == "2011-03-03"
    assert susy.doi == "10.1007/978-3-319-15001-7_10"
    assert wmap.doi == "10.1086/377226" and wmap.identifiers["arxiv"] == "astro-ph/0302209"
    assert wmap.journal == "Astrophys.J.Suppl." and wmap.year == 2003
    assert fecko.id == "marcxml-736770"


def test_sru_wrapper_not_well_formed_still_read():
    record = (FORMATS / "inspire_marcxml.xml").read_text(encoding="utf-8").split("<record>")[1].split("</record>")[0]
    sru = ("<zs:searchRetrieveResponse><zs:records><zs:record><zs:recordData><record>" + record +
           "</record></zs:recordData></zs:record></zs:records>").encode()
    found = read(sru, "sru.xml")
    assert found.format == "marcxml" and [r.title for r in found.records] == [
        "Differential geometry and Lie groups for physicists"]


def shared(pattern: str):
    return sorted(RAW.glob(pattern)) if RAW.is_dir() else []


@pytest.mark.skipif(not shared("ruby-marc-test-marc/*"), reason="../shared/data/raw is absent")
def test_every_shared_marc_record_is_read_or_reported():
    counts = {}
    for path in shared("ruby-marc-test-marc/*.*") + shared("jabref-marcxml-mods/Marc*.xml") + shared("inspire-demo-marcxml/*.gz"):
        if path.suffix == ".md":
            continue
        data = path.read_bytes()
        found = read(data, path.name)
        data = gzip.decompress(data) if path.suffix == ".gz" else data
        entries = data.count(b"\x1d") if found.format == "marc" else len(re.findall(rb"<record[\s>]", data))
        assert len(found.records) + len(found.problems) + len(found.warnings) - (
            sum("read as MARC-8" in w or "field terminators" in w for w in found.warnings)) == entries, path.name
        counts[path.name] = len(found.records)
    assert counts["three-records-second-bad.xml"] == 2  # the second is not well-formed XML
    assert counts["demo-records.xml.gz"] + counts["demo-records-acceptance.xml.gz"] == 37  # 19 are people, institutions…
    assert sum(counts.values()) == 10 + 2 + 37
