"""Crossref and DataCite JSON: API answers, lists, JSON Lines; DOIs as ids."""

from __future__ import annotations

import gzip
import json

import pytest

from conftest import ROOT, SHARED_DATA
from recsearch.readers import read_file_records, sniff_format

FORMATS = ROOT / "tests" / "fixtures" / "formats"
RAW = SHARED_DATA


def read(data: bytes | str, name: str = "works.json"):
    return read_file_records(data.encode("utf-8") if isinstance(data, str) else data, name)


WORK = {"DOI": "10.1016/J.ISCI.2024.109744", "type": "journal-article", "title": ["Natural killer cells"],
        "subtitle": ["a phase I trial"], "author": [
            {"given": "Clara", "family": "Hernández-Blanco", "affiliation": [{"name": "IdiPAZ, Madrid, Spain"}]},
            {"name": "RELEASE Consortium", "sequence": "additional", "affiliation": []}],
        "container-title": ["iScience"], "ISSN": ["2589-0042"], "issued": {"date-parts": [[2024, 4, 19]]},
        "abstract": "<jats:p>Our <jats:italic>own</jats:italic> words.</jats:p>", "subject": ["Multidisciplinary"],
        "publisher": "Elsevier BV", "language": "en", "reference-count": 3}


def test_crossref_single_work_answer():
    [rec] = read(json.dumps({"status": "ok", "message-type": "work", "message": WORK})).records
    assert rec.id == "crossref-10.1016/j.isci.2024.109744" and rec.doi == "10.1016/j.isci.2024.109744"
    assert rec.title == "Natural killer cells: a phase I trial"
    assert [(a.name, a.affiliation) for a in rec.authors] == [("Clara Hernández-Blanco", "IdiPAZ, Madrid, Spain"),
                                                              ("RELEASE Consortium", None)]
    assert rec.summary == "Our own words." and rec.date == "2024-04-19" and rec.language == "English"
    assert rec.journal == "iScience" and rec.issns == ["2589-0042"] and rec.subjects == ["Multidisciplinary"]


def test_crossref_json_lines_with_a_broken_line_and_a_work_without_title():
    untitled = dict(WORK, DOI="10.1/x", title=[])
    text = json.dumps(WORK) + "\n{broken\n" + json.dumps(untitled) + "\n"
    found = read(text, "dump.jsonl")
    assert found.format == "crossref" and len(found.records) == 1
    assert [p for p, _ in found.problems] == [2, 3]


def test_crossref_fixtures():
    listing = read((FORMATS / "crossref_works.json").read_bytes())
    assert [r.doi for r in listing.records] == ["10.1109/mitp.2002.1041177", "10.1109/infvis.2005.1532150",
                                                "10.1007/s10107-009-0306-5"]
    assert listing.records[1].identifiers == {"isbn": "078039464X"}
    dump = read((FORMATS / "crossref_dump.json").read_bytes())
    assert len(dump.records) == 3 and dump.records[1].doi.startswith("10.1002/(sici)1097-461x")
    review = dump.records[2]
    assert review.authors[0].affiliation.startswith("International Rice Research Institute")
    assert review.summary.startswith("Stand-in abstract")


def test_datacite_fixture_scripts_bodies_affiliations_and_empty_doi():
    found = read((FORMATS / "datacite_records.jsonl").read_bytes(), "datacite.jsonl")
    assert found.format == "datacite" and not found.problems
    assert found.warnings == ["record 3: DOI 10.3203/iwf/c-7774 has no metadata (no title, creators or publisher): skipped"]
    first, thai, dataverse, _, russian = found.records
    assert first.author_names[:2] == ["Sukeyoshi Takatani", "Kazuhiro Nemoto"] and first.year == 2019
    assert first.publisher == "NOAA National Centers for Environmental Information"
    assert thai.author_names == ["สุนทร ทูลคำเตย"] and thai.subjects == ["รถยนต์", "ผู้บริโภค"]
    assert dataverse.authors[0].affiliation == "(Washington State University Vancouver)"
    assert russian.authors[0].name == "М.В. Добровольская" and russian.authors[0].affiliation.startswith("Институт")
    assert all(r.id == "datacite-" + r.doi for r in found.records)


def test_datacite_single_json_api_answer_and_flat_json():
    item = {"id": "10.5061/DRYAD.ABC", "type": "dois", "attributes": {
        "doi": "10.5061/DRYAD.ABC", "titles": [{"title": "Seed banks"}, {"title": "A subtitle", "titleType": "Subtitle"}],
        "creators": [{"name": "Okafor, Chidi", "nameType": "Personal"},
                     {"name": "Smithsonian Institution", "nameType": "Organizational", "affiliation": []}],
        "publisher": {"name": "Dryad"}, "publicationYear": 2020,
        "dates": [{"date": "2020-05-01", "dateType": "Issued"}],
        "descriptions": [{"description": "Our words.", "descriptionType": "Abstract"}]}}
    [rec] = read(json.dumps({"data": item})).records
    assert rec.title == "Seed banks: A subtitle" and rec.author_names == ["Chidi Okafor", "Smithsonian Institution"]
    assert rec.publisher == "Dryad" and rec.date == "2020-05-01" and rec.doi == "10.5061/dryad.abc"
    [flat] = read(json.dumps(item["attributes"])).records
    assert flat.id == rec.id
    assert sniff_format(json.dumps({"data": [item]}).encode()) == "datacite"


@pytest.mark.skipif(not RAW.is_dir(), reason="../shared/data/raw is absent")
def test_shared_crossref_and_datacite_counts():
    folder = RAW / "fatcat-test-files"
    assert len(read((folder / "crossref_api_works.json").read_bytes()).records) == 3
    dump = read((folder / "crossref-works.2018-01-21.badsample.json").read_bytes())
    assert len(dump.records) == 14 and not dump.problems
    data = (folder / "datacite_1k_records.jsonl.gz").read_bytes()
    found = read(data, "datacite_1k_records.jsonl.gz")
    assert len(found.records) + len(found.warnings) == len(gzip.decompress(data).splitlines()) == 1000
    assert len(found.records) == 998 and all(r.doi for r in found.records)


def test_same_doi_twice_in_one_dump_gives_two_records():
    found = read(json.dumps(WORK) + "\n" + json.dumps(WORK) + "\n", "dump.jsonl")
    assert [r.id for r in found.records] == ["crossref-10.1016/j.isci.2024.109744",
                                             "crossref-10.1016/j.isci.2024.109744-2"]


def test_datacite_creator_name_packing_several_people_is_split():
    item = {"doi": "10.5281/ZENODO.1", "titles": [{"title": "Tract stimulation"}], "publicationYear": 2017,
            "creators": [{"name": "Howell, Bryan (Duke University); Lad, Shivanan P. (Duke University)"},
                         {"name": "Besler, Basilius; Jungermann, Ludwig", "affiliation": ["Nürnberg"]},
                         {"name": "NHM UT-University Of Tartu; Natural History Museum And Botanic Garden"}]}
    [rec] = read(json.dumps(item)).records
    assert [(a.name, a.affiliation) for a in rec.authors] == [
        ("Bryan Howell", "Duke University"), ("Shivanan P. Lad", "Duke University"),
        ("Basilius Besler", "Nürnberg"), ("Ludwig Jungermann", "Nürnberg"),
        ("NHM UT-University Of Tartu; Natural History Museum And Botanic Garden", None)]
