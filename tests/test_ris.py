"""RIS: the dialects of the databases and reference managers, and round trips through our export."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, SHARED_DATA
from recsearch.export import family_given, to_ris
from recsearch.readers import read_file_records, sniff_format
from recsearch.readers.common import given_name_first, unique
from strategies import records

FORMATS = ROOT / "tests" / "fixtures" / "formats"
RAW = SHARED_DATA


def read(text: str | bytes, name: str = "export.ris"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_file_records(data, name)


# Shapes of real exports (tags, order, value forms), our own words.
SCOPUS = """TY  - JOUR
AU  - Okafor, C.N.
AU  - Lindqvist, A.
TI  - Sleep duration and shift work in hospital nurses
T2  - Journal of Occupational Health
J2  - J. Occup. Health
VL  - 62
IS  - 1
PY  - 2020
DO  - 10.1002/1348-9585.12145
SP  - e12145
UR  - https://www.scopus.com/inward/record.uri?eid=2-s2.0-85088&doi=10.1002%2f1348-9585.12145&partnerID=40
AD  - Department of Nursing, University of Lagos, Lagos, Nigeria
AD  - Karolinska Institutet, Stockholm, Sweden
AB  - Our own stand-in abstract about nurses and sleep.
KW  - shift work
KW  - sleep
PB  - John Wiley and Sons Inc
SN  - 13419145 (ISSN)
C2  - 32780563
LA  - English
M3  - Article
DB  - Scopus
N1  - Cited By :3; Export Date: 1 March 2021
ER  - 
"""

WOS = """TY  - JOUR
AU  - Nakamura, K
AU  - Silva, MR
TI  - Coral bleaching in the southern reef
T2  - MARINE ECOLOGY PROGRESS SERIES
DA  - MAR 15 2019
PY  - 2019
VL  - 612
SP  - 1
EP  - 14
DO  - https://doi.org/10.3354/MEPS12880
SN  - 0171-8630
SN  - 1616-1599
AN  - WOS:000462212400001
ER  -

"""

ZOTERO = ("TY  - JOUR\r\nTI  - Tidal mixing in fjords\r\nAU  - Østergaard, Mette\r\nAU  - Brun, Émile\r\n"
          "T2  - Estuarine, Coastal and Shelf Science\r\nAB  - A stand-in abstract.\r\nDA  - 2021/06/03/\r\n"
          "PY  - 2021\r\nDO  - 10.1016/j.ecss.2021.107350\r\nSN  - 0272-7714\r\nLA  - en\r\n"
          "UR  - https://www.sciencedirect.com/science/article/pii/S0272771421002031\r\n"
          "Y2  - 2022/01/05/12:00:01\r\nKW  - Fjords\r\nKW  - Mixing\r\nER  - \r\n")

ENDNOTE = """TY  - JOUR
AU  - García-López, Inés
AD  - Hospital Universitario La Paz, Madrid, Spain
AU  - Weber, Jonas
AD  - Charité – Universitätsmedizin Berlin, Berlin, Germany
T1  - Antibiotic stewardship in two countries
JO  - Clinical Microbiology and Infection
PY  - 2018
DA  - Nov
KW  - stewardship
antibiotics
hospitals
N2  - A stand-in abstract that goes on
      over a second line.
ER  - 
"""

OVID = """1.
TY  - JOUR
DB  - Embase
AN  - 2006713348
T1  - Knee injuries in young footballers
A1  - Fanning E.
A1  - Roy P.
Y1  - 2020//
KW  - *athlete
KW  - knee injury
JF  - Orthopaedic Journal of Sports Medicine
SN  - 2325-9671 (electronic)
AD  - E. Fanning, Sports Clinic, Dublin, Ireland
DO  - http://dx.doi.org/10.1177/2325967120950041
SP  -
ER  -
"""

EBSCO = """TY  - JOUR
AU  - Kowalski, Jan
T1  - Reading habits of rural teenagers
JO  - Journal of Adolescence
JF  - Journal of Adolescence
Y1  - 2017/09//
VL  - 59
KW  - reading; adolescents; rural areas
N2  - A stand-in abstract.
SN  - 0140-1971
AD  - University of Warsaw
DO  - 10.1016/j.adolescence.2017.05.001
UR  - https://search.ebscohost.com/login.aspx?direct=true&db=a9h&AN=124331&site=ehost-live
DP  - EBSCOhost
DB  - Academic Search Complete
AN  - 124331
ER  - 
"""

MENDELEY_ONE_SPACE = """TY - JOUR
AU - Chen, Wei
AU - Haddad, Layla
AB - A stand-in abstract.
AD - School of Public Health, Fudan University, Shanghai, China
DO - 10.1186/S12889-019-7001-7
JO - BMC Public Health
PY - 2019
TI - Air quality and asthma visits
ER - 
TY - BOOK
AU - Haddad, Layla
BT - Methods for field epidemiology
PY - 2015
SN - 978-0-19-968962-7
PB - Oxford University Press
"""


def test_scopus_export():
    [rec] = read(SCOPUS).records
    assert rec.title == "Sleep duration and shift work in hospital nurses"
    assert rec.author_names == ["C.N. Okafor", "A. Lindqvist"]
    assert rec.journal == "Journal of Occupational Health"
    assert rec.doi == "10.1002/1348-9585.12145"
    assert rec.year == 2020 and rec.issns == ["1341-9145"] and rec.language == "English"
    # Two addresses after the list of names: the record's, not the last author's.
    assert [a.affiliation for a in rec.authors] == [None, None]
    assert rec.affiliation_text == "Department of Nursing, University of Lagos, Lagos, Nigeria; Karolinska Institutet, Stockholm, Sweden"
    assert rec.subjects == ["shift work", "sleep"]
    assert rec.id.startswith("ris-")


def test_web_of_science_ris():
    [rec] = read(WOS).records
    assert rec.doi == "10.3354/meps12880"
    assert rec.date == "2019-03-15" and rec.year == 2019
    assert rec.issns == ["0171-8630", "1616-1599"]
    assert rec.identifiers == {"wos": "000462212400001"}
    assert rec.journal == "MARINE ECOLOGY PROGRESS SERIES"


def test_zotero_crlf_export():
    [rec] = read(ZOTERO).records
    assert rec.author_names == ["Mette Østergaard", "Émile Brun"]
    assert rec.date == "2021-06-03" and rec.language == "English"
    assert rec.url.startswith("https://www.sciencedirect.com/")
    assert rec.subjects == ["Fjords", "Mixing"]


def test_endnote_addresses_per_author_and_untagged_keywords():
    [rec] = read(ENDNOTE).records
    assert [(a.name, a.affiliation) for a in rec.authors] == [
        ("Inés García-López", "Hospital Universitario La Paz, Madrid, Spain"),
        ("Jonas Weber", "Charité – Universitätsmedizin Berlin, Berlin, Germany")]
    assert rec.subjects == ["stewardship", "antibiotics", "hospitals"]
    assert rec.summary == "A stand-in abstract that goes on over a second line."
    assert rec.journal == "Clinical Microbiology and Infection" and rec.year == 2018


def test_ovid_embase_export():
    [rec] = read(OVID).records
    assert rec.author_names == ["Fanning E.", "Roy P."]
    assert rec.doi == "10.1177/2325967120950041"
    assert rec.subjects == ["athlete", "knee injury"]
    assert rec.identifiers == {"accession": "2006713348"}
    assert rec.year == 2020 and rec.issns == ["2325-9671"]


def test_ebsco_keywords_in_one_line():
    [rec] = read(EBSCO).records
    assert rec.subjects == ["reading", "adolescents", "rural areas"]
    assert rec.authors[0].affiliation == "University of Warsaw"  # one author, one address
    assert rec.date == "2017-09"


def test_one_space_tags_and_missing_last_er():
    recs = read(MENDELEY_ONE_SPACE).records
    assert [r.title for r in recs] == ["Air quality and asthma visits", "Methods for field epidemiology"]
    assert recs[0].doi == "10.1186/s12889-019-7001-7"
    assert recs[1].identifiers == {"isbn": "978-0-19-968962-7"} and recs[1].issns == []


def test_bom_and_record_without_title_reported_by_position():
    stubs = "TY  - JOUR\nDO  - 10.1186/x\nER  - \nTY  - JOUR\nAU  - Doe, J\nPY  - 2020\nER  - \n"
    data = b"\xef\xbb\xbf" + (SCOPUS + stubs + WOS).encode("utf-8")
    found = read(data)
    assert len(found.records) == 2 and [r.position for r in found.records] == [1, 4]
    assert found.warnings == ["record 2: no title and no authors: not indexed"]
    assert found.problems == [(3, "no title (`TI`, `T1`, `CT`, `BT` or `ST`)")]


def test_ids_stable_and_distinct():
    first, again = read(SCOPUS + WOS).records, read(WOS + SCOPUS, "other.ris").records
    assert {r.id for r in first} == {r.id for r in again}
    twice = read(SCOPUS + SCOPUS).records
    assert len(twice) == 2 and twice[0].id != twice[1].id


@pytest.mark.parametrize("text", [SCOPUS, ZOTERO, OVID, MENDELEY_ONE_SPACE])
def test_told_from_content(text):
    assert sniff_format(text.encode("utf-8")) == "ris"
    assert read(text, "export.txt").format == "ris"


def test_fixtures_cut_from_rispy_samples():
    found = read((FORMATS / "ris_samples.ris").read_bytes())
    titles = [r.title for r in found.records]
    assert len(titles) == 4 and titles[0].startswith("Outcome Measures After Shoulder Stabilization")
    shoulder, shannon, russian = found.records[0], found.records[1], found.records[3]
    assert shoulder.doi == "10.1177/2325967120950040" and shoulder.year == 2020
    assert shoulder.journal == "Orthopaedic Journal of Sports Medicine"
    assert shannon.url == "http://example.com" and shannon.date == "1948-07"
    assert russian.title.startswith("Состояние") and russian.author_names[0] == "Yu E. Dobrokhotova"


@settings(max_examples=30, deadline=None)
@given(st.lists(records(), min_size=1, max_size=4), st.lists(st.from_regex(r"\A10\.\d{4}/[a-z0-9.]{1,12}\Z"), min_size=4))
def test_our_ris_export_reads_back(recs, dois):
    for record, doi in zip(recs, dois):
        record.doi = doi
    back = read(to_ris(recs)).records
    assert len(back) == len(recs)
    for record, got in zip(recs, back):
        assert got.title == " ".join(record.title.split())
        assert got.author_names == [given_name_first(family_given(n)) for n in record.author_names]
        assert got.summary == (" ".join(record.summary.split()) if record.summary else None)
        assert got.journal == record.journal and got.publisher == record.publisher
        assert got.year == record.year and got.date == record.date
        assert got.subjects == unique(record.subjects) and got.issns == record.issns
        assert got.language == record.language and got.doi == record.doi
        assert got.url == (record.url or f"https://doi.org/{record.doi}")
        # Our export writes each distinct affiliation once, after the names.
        assert "; ".join(got.affiliations) == "; ".join(unique(record.affiliations))


RIS_FILES = sorted(RAW.glob("rispy-test-ris/*.ris")) if RAW.is_dir() else []


@pytest.mark.skipif(not RIS_FILES, reason="../shared/data/raw is absent")
def test_every_shared_ris_entry_is_a_record_or_reported():
    for path in RIS_FILES:
        entries = path.read_text(encoding="utf-8-sig").count("\nTY  - ") + path.read_text(encoding="utf-8-sig").startswith("TY  - ")
        found = read(path.read_bytes(), path.name)
        assert len(found.records) + len(found.warnings) == entries and not found.problems, path.name
        # Only rispy's notes-only and DOI-only samples have neither title nor authors: not indexed, said so.
        assert len(found.warnings) == {"example_multiline.ris": 3, "example_multiline_multitag.ris": 1,
                                       "example_bom.ris": 1}.get(path.name, 0), path.name
