"""OAI-PMH: arXivRaw, arXiv and Dublin Core records; deleted ones skipped."""

from __future__ import annotations

import pytest

from conftest import ROOT, SHARED_DATA
from recsearch.readers import read_file_records, sniff_format

FORMATS = ROOT / "tests" / "fixtures" / "formats"
RAW = SHARED_DATA

# A repository's ListRecords answer in oai_dc (DSpace, OJS, SciELO shapes); our own words.
LIST_RECORDS = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-01-01T00:00:00Z</responseDate>
<request verb="ListRecords" metadataPrefix="oai_dc">https://repo.example.org/oai</request><ListRecords>
<record><header><identifier>oai:repo.example.org:123</identifier><datestamp>2023-05-01</datestamp></header>
<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>Agua potable en comunidades rurales</dc:title><dc:creator>Quispe Mamani, Rosa</dc:creator>
<dc:creator>Universidad Nacional del Altiplano</dc:creator><dc:subject>agua</dc:subject><dc:subject>salud rural</dc:subject>
<dc:description>Nuestro resumen.</dc:description><dc:publisher>Editorial UNA</dc:publisher>
<dc:date>2021-11-30T00:00:00Z</dc:date><dc:type>info:eu-repo/semantics/article</dc:type>
<dc:identifier>https://repo.example.org/handle/123</dc:identifier><dc:identifier>https://doi.org/10.1234/ABC.5</dc:identifier>
<dc:source>Revista de Salud Andina; Vol. 4 (2021)</dc:source><dc:language>spa</dc:language></oai_dc:dc></metadata></record>
<record><header status="deleted"><identifier>oai:repo.example.org:124</identifier><datestamp>2023-05-02</datestamp></header></record>
<record><header><identifier>oai:repo.example.org:125</identifier></header><metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Nobody</dc:creator></oai_dc:dc>
</metadata></record>
<resumptionToken cursor="0" completeListSize="3">token</resumptionToken></ListRecords></OAI-PMH>"""

ARXIV_FORMAT = """<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><GetRecord><record><header>
<identifier>oai:arXiv.org:2101.00001</identifier></header><metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/">
<id>2101.00001</id><created>2021-01-04</created><authors><author><keyname>Nakamura</keyname><forenames>Aiko</forenames>
<affiliation>Kyoto University</affiliation></author><author><keyname>Müller</keyname><forenames>Jan</forenames></author></authors>
<title>Graphs and their colourings</title><categories>math.CO</categories><abstract>Our words.</abstract>
</arXiv></metadata></record></GetRecord></OAI-PMH>"""


def read(data: bytes | str, name: str = "oai.xml"):
    return read_file_records(data.encode("utf-8") if isinstance(data, str) else data, name)


def test_arxivraw_fixture():
    found = read((FORMATS / "arxivraw_oai.xml").read_bytes())
    [rec] = found.records
    assert found.format == "oai" and rec.id == "oai-arxivraw-arxiv.org:1810.09584"
    assert rec.author_names == ["Raphael Chetrite", "Shamik Gupta", "Izaak Neri", "Édgar Roldán"]
    assert rec.doi == "10.1209/0295-5075/124/60006" and rec.date == "2018-10-22"
    assert rec.identifiers["arxiv"] == "1810.09584" and rec.subjects[0] == "cond-mat.stat-mech"
    assert rec.journal == "EPL 124,60006 (2018)" and rec.summary.startswith("Stand-in abstract")


def test_arxiv_format_authors_with_affiliations():
    [rec] = read(ARXIV_FORMAT).records
    assert [(a.name, a.affiliation) for a in rec.authors] == [("Aiko Nakamura", "Kyoto University"), ("Jan Müller", None)]
    assert rec.date == "2021-01-04" and rec.id == "oai-arxiv-arxiv.org:2101.00001"


def test_arxivraw_authors_with_bracketed_affiliations():
    text = (FORMATS / "arxivraw_oai.xml").read_text(encoding="utf-8").replace(
        "Raphael Chetrite, Shamik Gupta,", "Raphael Chetrite (CNRS, Nice), Shamik Gupta,")
    rec = read(text).records[0]
    assert rec.authors[0].name == "Raphael Chetrite" and rec.authors[0].affiliation == "CNRS, Nice"
    assert len(rec.authors) == 4


def test_dublin_core_list_records():
    found = read(LIST_RECORDS)
    [rec] = found.records
    assert rec.title == "Agua potable en comunidades rurales" and rec.id == "oai-dc-repo.example.org:123"
    assert rec.author_names == ["Rosa Quispe Mamani", "Universidad Nacional del Altiplano"]
    assert rec.doi == "10.1234/abc.5" and rec.date == "2021-11-30" and rec.language == "Spanish"
    assert rec.url == "https://repo.example.org/handle/123" and rec.subjects == ["agua", "salud rural"]
    assert found.warnings == ["record 2: deleted in the repository: skipped"]
    assert found.problems == [(3, "Dublin Core record without a <dc:title>")]
    assert sniff_format(LIST_RECORDS.encode()) == "oai"


@pytest.mark.skipif(not RAW.is_dir(), reason="../shared/data/raw is absent")
def test_shared_arxiv_record():
    [rec] = read((RAW / "fatcat-test-files/arxivraw_1810.09584.xml").read_bytes()).records
    assert rec.title == "Martingale theory for housekeeping heat" and rec.year == 2018
