"""Readers for DOAJ JSON/XML, PubMed XML, MEDLINE text and CORD-19 CSV, on real-shaped samples."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from conftest import ROOT
from recsearch.readers import NotARecordFile, RecordError, read_file_records, sniff_format

FORMATS = ROOT / "tests" / "fixtures" / "formats"


def read(name: str, data: bytes | None = None, format: str = "auto"):
    return read_file_records(data if data is not None else (FORMATS / name).read_bytes(), name, format)


def by_id(found) -> dict:
    return {r.id: r for r in found.records}


def test_doaj_api_search_response():
    found = read("doaj_search.json")
    assert found.format == "doaj-json" and not found.problems
    assert [r.position for r in found.records] == [1, 2, 3, 4]
    first = found.records[0]
    raw = json.loads((FORMATS / "doaj_search.json").read_text(encoding="utf-8"))["results"][0]
    assert first.id == "doaj-art-" + raw["id"]
    assert first.title == raw["bibjson"]["title"]
    assert [a.name for a in first.authors] == [a["name"] for a in raw["bibjson"]["author"]]
    assert [a.affiliation for a in first.authors] == [a.get("affiliation") for a in raw["bibjson"]["author"]]
    assert first.authors[0].affiliation.endswith("University of Tübingen")
    assert first.journal == "Nature Communications" and first.publisher == "Nature Publishing Group"
    assert first.issns == ["2041-1723"] and first.language == "English"
    assert first.year == 2020 and first.date == "2020-04"
    assert "Science" in first.subjects


def test_doaj_elasticsearch_hits_as_json_lines():
    found = read("doaj_hits.ldj")
    assert found.format == "doaj-json" and len(found.records) == 3
    first = found.records[0]
    assert first.id == "doaj-art-0000178c89214dc8b82df1a25c0c478e"
    assert first.title.startswith("Importância da vitamina B12")
    assert [a.name for a in first.authors] == ["Karen Cherubini", "Alexandre Futterleib"]
    assert first.language == "Portuguese" and first.issns == ["1806-5562", "1980-6108"]
    assert first.publisher == "Pontifícia Universidade Católica do Rio Grande do Sul"


def test_doaj_article_xml():
    found = read("doaj_upload.xml")
    assert found.format == "doaj-xml" and len(found.records) == 3
    first = found.records[0]
    assert first.title == "Imaginaires autochtones contemporains. Introduction"
    assert first.language == "French" and first.issns == ["1234-5678", "9876-5432"]
    assert [a.name for a in first.authors] == ["Joëlle Papillon"]
    assert "Littérature amérindienne" in first.subjects and first.year == 2013
    # No id in the format: keyed by content, stable across reads, distinct per record.
    assert len({r.id for r in found.records}) == 3
    assert [r.id for r in read("doaj_upload.xml").records] == [r.id for r in found.records]


def test_doaj_xml_affiliations_by_id():
    xml = """<records><record><title>Une étude</title><journalTitle>Revue</journalTitle>
      <publicationDate>2020-05-01</publicationDate><doi>10.1000/ABC</doi>
      <authors><author><name>Ana Souza</name><affiliationId>2</affiliationId></author>
               <author><name>Luc Martin</name><affiliationId>1</affiliationId></author></authors>
      <affiliationsList><affiliationName affiliationId="1">Université de Lyon</affiliationName>
                        <affiliationName affiliationId="2">Universidade de São Paulo</affiliationName></affiliationsList>
    </record></records>""".encode()
    record = read("x.xml", xml).records[0]
    assert record.id == "doi-10.1000/abc" and record.url == "https://doi.org/10.1000/ABC"
    assert [(a.name, a.affiliation) for a in record.authors] == [
        ("Ana Souza", "Universidade de São Paulo"), ("Luc Martin", "Université de Lyon")]


def test_pubmed_xml_articles_and_book():
    found = read("pubmed_set.xml")
    assert found.format == "pubmed" and not found.problems
    records = by_id(found)
    assert list(records) == ["pmid-30527807", "pmid-30487607", "pmid-30413706", "pmid-29337475"]
    cdk = records["pmid-30487607"]
    assert cdk.title == "CDK12 regulates DNA repair genes by suppressing intronic polyadenylation."
    assert cdk.authors[0].name == "Sara J Dubbury"
    # Two AffiliationInfo elements: both kept, in order.
    assert cdk.authors[0].affiliation == ("Koch Institute for Integrative Cancer Research, Massachusetts Institute "
                                          "of Technology, Cambridge, MA, USA.; Department of Biology, Massachusetts "
                                          "Institute of Technology, Cambridge, MA, USA.")
    assert "DNA Repair" in cdk.subjects  # MeSH headings are subjects
    assert cdk.url == "https://pubmed.ncbi.nlm.nih.gov/30487607/" and cdk.language == "English"
    book = records["pmid-29337475"]
    assert book.journal == "PDQ Cancer Information Summaries" and book.publisher == "National Cancer Institute (US)"
    assert book.authors[0].name == "PDQ Pediatric Treatment Editorial Board" and book.year == 2002


def test_medline_xml_gzip_reads_like_plain():
    plain = read("medline_citations.xml")
    packed = read("medline_citations.xml", gzip.compress((FORMATS / "medline_citations.xml").read_bytes()))
    assert [r.to_dict() for r in packed.records] == [r.to_dict() for r in plain.records]
    first = plain.records[0]
    assert first.id == "pmid-17942999" and first.year == 2007 and first.authors


def test_medline_text():
    found = read("pubmed_export.nbib")
    assert found.format == "pubmed"
    first, second = found.records
    assert first.title == ("Natural killer cell therapy after lymphopenia: a dose-escalation study in "
                           "convalescent donors.")
    assert [a.name for a in first.authors] == ["Antonio Pérez-Martínez", "Clara Hernández-Blanco", "Ståle Ødegård",
                                               "RELEASE Trial Group"]
    assert first.authors[0].affiliation == ("Pediatric Hemato-Oncology Department, University Hospital La Paz, "
                                            "Madrid, Spain.; Faculty of Medicine, Autonomous University of Madrid, "
                                            "Madrid, Spain.")
    assert first.authors[2].affiliation is None
    assert first.subjects == ["Killer Cells, Natural", "Lymphopenia", "NK cells", "adoptive immunotherapy"]
    assert first.issns == ["1476-4687", "0028-0836"] and first.year == 2019
    assert [a.name for a in second.authors] == ["Maria van der Berg", "João da Silva"]
    assert second.language == "Portuguese"


def test_cord19_csv():
    found = read("cord19_metadata.csv")
    assert found.format == "cord19" and len(found.records) == 4
    first = found.records[0]
    assert first.id == "cord-ak20jg32" and first.year == 2021
    assert first.url == "https://doi.org/10.3389/fpsyt.2021.593710" or first.url.startswith("http")
    assert all(" " in a.name and "," not in a.name for r in found.records for a in r.authors)


@pytest.mark.parametrize("name, expected", [
    ("doaj_search.json", "doaj-json"), ("doaj_hits.ldj", "doaj-json"), ("doaj_upload.xml", "doaj-xml"),
    ("pubmed_set.xml", "pubmed"), ("medline_citations.xml", "pubmed"), ("pubmed_export.nbib", "pubmed"),
    ("cord19_metadata.csv", "cord19"),
])
def test_format_told_by_content_not_name(name, expected):
    assert sniff_format((FORMATS / name).read_bytes()) == expected
    # Same bytes under a misleading name read the same.
    assert [r.id for r in read("records.txt", (FORMATS / name).read_bytes()).records] == \
           [r.id for r in read(name).records]


@pytest.mark.parametrize("title", ["", "[Epidemiology in Italy].\n", "<i>In vitro</i> maturation\n", "{Braces}\n"])
def test_reference_seed_is_sniffed_as_seed(title):
    data = title.encode() + (ROOT / "seeds" / "000_22e798dbd43e04c0.txt").read_bytes().split(b"\n", 1)[1]
    assert sniff_format(data) == "seed" and len(read("ref.txt", data).records) == 1


@pytest.mark.parametrize("data", [b"# Notes\nnothing here\n", b"<html><body>x</body></html>",
                                  b'{"name": "not doaj"}', b"a,b,c\n1,2,3\n", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_unknown_files_skipped_unless_named_as_records(data):
    with pytest.raises(NotARecordFile, match="not a record file: skipped"):
        read("notes.md", data)
    with pytest.raises(RecordError) as err:
        read("records.xml", data)
    assert not isinstance(err.value, NotARecordFile)
    assert "binary" in err.value.problem if b"\x00" in data else "not a record in a format" in err.value.problem


def test_forced_format_that_does_not_fit_is_an_error():
    with pytest.raises(RecordError, match="not a CORD-19 metadata CSV"):
        read("pubmed_set.xml", format="cord19")
    with pytest.raises(RecordError, match="not DOAJ article XML"):
        read("pubmed_set.xml", format="doaj-xml")


def test_bad_record_in_a_json_array_is_reported_rest_read():
    articles = json.loads((FORMATS / "doaj_search.json").read_text(encoding="utf-8"))["results"]
    broken = [articles[0], {"id": "x1", "title": "no bibjson"}, articles[1], {"id": "x2", "bibjson": {}}, "text"]
    found = read("batch.json", json.dumps(broken).encode())
    assert [r.position for r in found.records] == [1, 3]
    assert [p for p, _ in found.problems] == [2, 4, 5]
    assert "no `bibjson`" in found.problems[0][1] and "no title" in found.problems[1][1]


def test_bad_json_line_is_reported_rest_read():
    lines = (FORMATS / "doaj_hits.ldj").read_text(encoding="utf-8").splitlines()
    data = "\n".join([lines[0], lines[1][:40], lines[2]]).encode()
    found = read("hits.ldj", data)
    assert [r.position for r in found.records] == [1, 3]
    assert found.problems[0][0] == 2 and "invalid JSON" in found.problems[0][1]


def test_bad_pubmed_article_is_reported_rest_read():
    xml = (FORMATS / "pubmed_set.xml").read_text(encoding="utf-8")
    xml = xml.replace("<PMID Version=\"1\">30487607</PMID>", "", 1)
    found = read("set.xml", xml.encode())
    assert [r.id for r in found.records] == ["pmid-30527807", "pmid-30413706", "pmid-29337475"]
    assert found.problems == [(2, "article without a <PMID>")]


def test_truncated_pubmed_file_keeps_the_articles_before_the_cut():
    xml = (FORMATS / "pubmed_set.xml").read_bytes()
    cut = xml[: xml.index(b"<PMID Version=\"1\">30413706")]
    found = read("cut.xml", cut)
    assert [r.id for r in found.records] == ["pmid-30527807", "pmid-30487607"]
    assert len(found.problems) == 1 and "invalid XML" in found.problems[0][1]
    with pytest.raises(RecordError, match="invalid XML"):
        read("cut.xml", xml[:300])


def test_csv_row_with_too_many_fields_is_reported():
    lines = (FORMATS / "cord19_metadata.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(2, "zz999999,,PMC,A title,,,,,,2020,,J,,,,,,,,extra,fields")
    found = read("meta.csv", ("\n".join(lines) + "\n").encode())
    assert len(found.records) == 4 and found.problems[0][0] == 2 and "fields" in found.problems[0][1]


def test_broken_gzip_is_a_clear_error():
    packed = gzip.compress((FORMATS / "pubmed_set.xml").read_bytes())
    with pytest.raises(RecordError, match="truncated gzip"):
        read("set.xml.gz", packed[: len(packed) // 2])
    with pytest.raises(RecordError, match="broken gzip"):
        read("set.xml.gz", packed[:10] + b"\xff" * 50)


def test_latin1_json_is_decoded_with_a_warning():
    articles = json.loads((FORMATS / "doaj_search.json").read_text(encoding="utf-8"))["results"][:1]
    articles[0]["bibjson"]["title"] = "Análisis de datos"
    found = read("old.json", json.dumps(articles, ensure_ascii=False).encode("latin-1"))
    assert found.records[0].title == "Análisis de datos"
    assert found.warnings and "Windows-1252" in found.warnings[0]


def test_position_kept_for_show(tmp_path: Path):
    from recsearch.ingest.build import update_index
    from recsearch.search.index import RecordIndex

    shutil_copy(FORMATS / "pubmed_set.xml", tmp_path / "data")
    update_index([tmp_path / "data"], tmp_path / "ix")
    with RecordIndex(tmp_path / "ix") as ix:
        record = ix.get("pmid-30413706")
    assert record.position == 3 and record.source.endswith("pubmed_set.xml")


def shutil_copy(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    target.write_bytes(path.read_bytes())
    return target
