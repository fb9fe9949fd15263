"""PubMed XML (`<PubmedArticleSet>`, as PubMed saves a search) and MEDLINE XML
(`<MedlineCitationSet>`, the NLM distribution files), gzip or not.

Read as a stream, one article at a time, so a 30,000-article baseline file
does not become one big tree in memory.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from ..record import Author, Record
from .common import clean, doi_url, normalize_doi, iso_date, language_name, unique, year_of
from .errors import RecordError
from .xml import local_name, text_of

ROOTS = {"PubmedArticleSet", "MedlineCitationSet", "PubmedArticle", "MedlineCitation", "PubmedBookArticle"}
_ARTICLES = {"PubmedArticle", "MedlineCitation", "PubmedBookArticle"}
ID_PREFIX = "pmid-"


def read_pubmed_xml(data: bytes, source: str) -> tuple[list[Record], list[tuple[int, str]]]:
    records, problems = [], []
    position = 0
    depth = 0
    root = None
    try:
        for event, element in ET.iterparse(io.BytesIO(data), events=("start", "end")):
            if event == "start":
                if root is None:
                    root = element
                    if local_name(root.tag) not in ROOTS:
                        raise RecordError(source, f"not PubMed XML: the root element is <{local_name(root.tag)}>")
                depth += 1
                continue
            depth -= 1
            # Articles are the root's children, or the root itself in a one-article file.
            if depth > 1:
                continue
            name = local_name(element.tag)
            if name in _ARTICLES:
                position += 1
                try:
                    records.append(pubmed_record(element, source, position))
                except RecordError as exc:
                    problems.append((position, exc.problem))
            if element is not root:
                root.clear()  # the article is read: free it
    except LookupError as exc:  # an encoding the declaration names and Python does not know
        raise RecordError(source, f"invalid XML: {str(exc)[:80]}") from None
    except ET.ParseError as exc:
        line, column = exc.position
        where = f"after article {position}" if position else "before the first article"
        raise_or_keep = RecordError(source, f"invalid XML at line {line} column {column} ({where}): "
                                            f"{str(exc).split(':')[0]}")
        if not records and not problems:
            raise raise_or_keep from None
        problems.append((position + 1, raise_or_keep.problem + "; the rest of the file is not read"))
    if root is None:
        raise RecordError(source, "no XML element found")
    return records, problems


def pubmed_record(element: ET.Element, source: str, position: int) -> Record:
    if local_name(element.tag) == "PubmedBookArticle":
        return _book_record(element, source, position)
    citation = element if local_name(element.tag) == "MedlineCitation" else _child(element, "MedlineCitation")
    if citation is None:
        raise RecordError(source, "article without <MedlineCitation>")
    pmid = clean(text_of(_child(citation, "PMID")))
    if not pmid:
        raise RecordError(source, "article without a <PMID>")
    article = _child(citation, "Article")
    if article is None:
        raise RecordError(source, f"PMID {pmid}: no <Article>")
    title = clean(text_of(_child(article, "ArticleTitle"))) or clean(text_of(_child(article, "VernacularTitle")))
    if not title:
        raise RecordError(source, f"PMID {pmid}: no title")
    journal = _child(article, "Journal")
    pub_date = _path(journal, "JournalIssue", "PubDate")
    date = None
    if pub_date is not None:
        date = iso_date(text_of(_child(pub_date, "Year")), text_of(_child(pub_date, "Month")) or None,
                        text_of(_child(pub_date, "Day")) or None)
        date = date or clean(text_of(_child(pub_date, "MedlineDate")))
    doi = next((clean(text_of(e)) for e in article.iter() if local_name(e.tag) == "ELocationID"
                and e.get("EIdType") == "doi"), None)
    if doi is None:  # the article's own ids, not those of the references it cites
        doi = next((clean(text_of(e)) for e in _article_ids(element) if e.get("IdType") == "doi"), None)
    subjects = [text_of(_child(h, "DescriptorName")) for h in _children(_child(citation, "MeshHeadingList"), "MeshHeading")]
    subjects += [text_of(k) for klist in _children(citation, "KeywordList") for k in _children(klist, "Keyword")]
    issns = [text_of(e) for e in _children(journal, "ISSN")]
    issns += [text_of(e) for e in _children(_child(citation, "MedlineJournalInfo"), "ISSNLinking")]
    return Record(
        id=ID_PREFIX + pmid,
        title=title,
        summary=_abstract(article),
        authors=_authors(article),
        subjects=unique(subjects),
        journal=clean(text_of(_child(journal, "Title"))) or clean(text_of(_child(journal, "ISOAbbreviation"))),
        issns=unique(issns),
        date=date,
        year=year_of(date),
        volume=clean(text_of(_path(journal, "JournalIssue", "Volume"))),
        pages=clean(text_of(_path(article, "Pagination", "MedlinePgn"))),
        language=language_name(text_of(_child(article, "Language"))),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid.isdigit() else doi_url(doi),
        doi=normalize_doi(doi),
        identifiers=_identifiers(element, pmid),
        source=source,
        position=position,
    )


def _identifiers(element: ET.Element, pmid: str) -> dict[str, str]:
    """PMID, PMC and the other `ArticleId`s of an article (DOI kept apart)."""
    found = {"pmid": pmid}
    for e in _article_ids(element):
        kind = (e.get("IdType") or "").lower()
        if kind not in ("doi", "pubmed", "") and clean(text_of(e)):
            found.setdefault({"pmc": "pmcid"}.get(kind, kind), clean(text_of(e)))
    return found


def _article_ids(element: ET.Element) -> list[ET.Element]:
    return _children(_child(_child(element, "PubmedData"), "ArticleIdList"), "ArticleId")


def _book_record(element: ET.Element, source: str, position: int) -> Record:
    """A book or book chapter (NCBI Bookshelf): the chapter is the title, the book its series."""
    document = _child(element, "BookDocument")
    pmid = clean(text_of(_child(document, "PMID")))
    if document is None or not pmid:
        raise RecordError(source, "book record without a <BookDocument> and its <PMID>")
    book = _child(document, "Book")
    book_title = clean(text_of(_child(book, "BookTitle")))
    title = clean(text_of(_child(document, "ArticleTitle"))) or book_title
    if not title:
        raise RecordError(source, f"PMID {pmid}: no title")
    pub_date = _child(book, "PubDate")
    date = iso_date(text_of(_child(pub_date, "Year")), text_of(_child(pub_date, "Month")) or None) if pub_date is not None else None
    lists = _children(document, "AuthorList")
    authors = [a for lst in lists if lst.get("Type", "authors") == "authors" for a in _authors_of(lst)]
    subjects = [text_of(k) for klist in _children(document, "KeywordList") for k in _children(klist, "Keyword")]
    return Record(
        id=ID_PREFIX + pmid,
        title=title,
        summary=_abstract(document),
        authors=authors or [a for lst in lists for a in _authors_of(lst)],
        subjects=unique(subjects),
        journal=book_title if book_title != title else None,
        publisher=clean(text_of(_path(book, "Publisher", "PublisherName"))),
        date=date,
        year=year_of(date),
        language=language_name(text_of(_child(document, "Language"))),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        doi=normalize_doi(next((text_of(e) for e in _article_ids(element) if e.get("IdType") == "doi"), None)),
        identifiers=_identifiers(element, pmid),
        source=source,
        position=position,
    )


def _abstract(article: ET.Element) -> str | None:
    parts = []
    for text in _children(_child(article, "Abstract"), "AbstractText"):
        body = clean(text_of(text))
        if body:
            label = text.get("Label")
            parts.append(f"{label}: {body}" if label else body)
    return " ".join(parts) or None


def _authors(article: ET.Element) -> list[Author]:
    return _authors_of(_child(article, "AuthorList"))


def _authors_of(author_list: ET.Element | None) -> list[Author]:
    authors = []
    for author in _children(author_list, "Author"):
        if author.get("ValidYN") == "N":
            continue
        collective = clean(text_of(_child(author, "CollectiveName")))
        given = clean(text_of(_child(author, "ForeName"))) or clean(text_of(_child(author, "Initials")))
        family = clean(text_of(_child(author, "LastName")))
        suffix = clean(text_of(_child(author, "Suffix")))
        name = collective or " ".join(p for p in (given, family, suffix) if p)
        if not name:
            continue
        affiliations = [clean(text_of(_child(info, "Affiliation"))) for info in _children(author, "AffiliationInfo")]
        affiliations += [clean(text_of(a)) for a in _children(author, "Affiliation")]  # before 2014
        affiliation = "; ".join(unique(affiliations)) or None
        authors.append(Author(name, affiliation))
    return authors


def _child(element: ET.Element | None, name: str) -> ET.Element | None:
    if element is None:
        return None
    return next((c for c in element if local_name(c.tag) == name), None)


def _children(element: ET.Element | None, name: str) -> list[ET.Element]:
    if element is None:
        return []
    return [c for c in element if local_name(c.tag) == name]


def _path(element: ET.Element | None, *names: str) -> ET.Element | None:
    for name in names:
        element = _child(element, name)
    return element
