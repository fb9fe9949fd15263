"""EndNote XML (`<xml><records><record>`), as EndNote, Zotero, Mendeley and Bookends export it.

Every value may be wrapped in `<style>` runs (a title can be split over
several); the text of all runs is joined. `auth-address` is the record's,
not an author's, unless the record has a single author.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET

from ..record import Author, Record
from .common import (accession, clean, doi_url, given_name_first, iso_date, language_name, normalize_doi, read_each,
                     unique, year_of)
from .errors import RecordError
from .xml import local_name, parse_xml, text_of

ID_PREFIX = "enx-"
_DOI_IN = re.compile(r"\b10\.\d{3,9}/[^\s\"<>]+")
_ISSN = re.compile(r"^\d{4}-?\d{3}[\dXx]$")
# Names of the library and the exporting program: the same record from another library is the same record.
_NOT_CONTENT = {"database", "source-app"}


def is_endnote_xml(root: ET.Element) -> bool:
    return local_name(root.tag) == "xml" and any(local_name(c.tag) == "records" for c in root)


def read_endnote_xml(data: bytes, source: str) -> tuple[list[Record], list[tuple[int, str]]]:
    root = parse_xml(data, source)
    if not is_endnote_xml(root):
        raise RecordError(source, "not EndNote XML: expected <xml> holding <records>")
    elements = [r for group in root if local_name(group.tag) == "records" for r in group if local_name(r.tag) == "record"]
    return read_each(elements, source, endnote_record, "EndNote XML without any <record>")


def _find(element: ET.Element, *path: str) -> list[ET.Element]:
    """Elements at a path of local names below `element`."""
    found = [element]
    for name in path:
        found = [c for e in found for c in e if local_name(c.tag) == name]
    return found


def endnote_record(element: ET.Element, source: str, position: int) -> Record:
    def first(*path: str) -> str | None:
        return next((v for v in (clean(text_of(e)) for e in _find(element, *path)) if v), None)

    def every(*path: str) -> list[str]:
        return [v for v in (clean(text_of(e)) for e in _find(element, *path)) if v]

    title = first("titles", "title") or first("titles", "secondary-title")
    if not title:
        raise RecordError(source, "record has no <titles><title>")
    kind = (element.find("ref-type").get("name", "") if element.find("ref-type") is not None else "").lower()
    names = every("contributors", "authors", "author") or every("contributors", "secondary-authors", "author")
    # Addresses are parted by `&#xD;`/`&#xA;`; a line break followed by indentation only wraps one.
    addresses = [a for e in _find(element, "auth-address") for a in re.split(r"[\r\n]+(?![ \t])", text_of(e))
                 if clean(a)]
    addresses = unique(" ".join(a.split()) for a in addresses)
    authors = [Author(given_name_first(n)) for n in names]
    affiliation_text = "; ".join(addresses) or None
    if len(authors) == 1 and affiliation_text:
        authors, affiliation_text = [Author(authors[0].name, affiliation_text)], None
    journal = (first("periodical", "full-title") or
               (first("titles", "secondary-title") if title != first("titles", "secondary-title") else None)
               or first("alt-periodical", "full-title") or first("titles", "alt-title"))
    if kind in ("book", "report", "thesis") and journal is None:
        journal = first("titles", "tertiary-title")
    year = first("dates", "year")
    date_text = first("dates", "pub-dates", "date")
    date = _date(year, date_text)
    doi = next((d for d in map(normalize_doi, every("electronic-resource-num")) if d), None)
    if doi is None:  # Bookends and PubMed-derived records say `doi: 10.…` in the notes, or link doi.org
        text = " ".join(every("notes") + every("urls", "related-urls", "url"))
        match = _DOI_IN.search(text)
        doi = normalize_doi(match.group(0).rstrip(".,;)")) if match else None
    identifiers, issns = {}, []
    for value in every("isbn"):
        for part in re.split(r"[\s;,]+(?:\(\w+\)\s*)?", value):
            if _ISSN.match(part):
                issns.append(part if "-" in part else f"{part[:4]}-{part[4:]}")
            elif len(re.sub(r"[^\dXx]", "", part)) in (10, 13):
                identifiers.setdefault("isbn", part)
    urls = [u for u in every("urls", "related-urls", "url") if u.startswith(("http", "www"))]
    # PubMed-derived records say so in the database name or link to pubmed/<accession>.
    database = " ".join(every("remote-database-name") + every("remote-database-provider") + urls)
    for value in every("accession-num"):
        identifiers.setdefault(*accession(value, database))
    keywords = [k for v in every("keywords", "keyword") for k in re.split(r"\s*[\r\n;]+\s*", v)]
    content = "\x1f".join(f"{local_name(e.tag)}\x1e{clean(text_of(e)) or ''}" for e in element
                          if local_name(e.tag) not in _NOT_CONTENT)
    return Record(
        id=ID_PREFIX + hashlib.blake2b(content.encode("utf-8"), digest_size=8).hexdigest(),
        title=title,
        summary=first("abstract"),
        authors=authors,
        subjects=unique(keywords),
        journal=journal,
        publisher=first("publisher"),
        issns=unique(issns),
        date=date,
        year=year_of(date or year),
        volume=first("volume"),
        pages=first("pages"),
        language=language_name(first("language")),
        url=urls[0] if urls else doi_url(doi),
        doi=doi,
        identifiers=identifiers,
        source=source,
        position=position,
        affiliation_text=affiliation_text,
    )


def _date(year: str | None, date_text: str | None) -> str | None:
    """`<year>2015</year>` with `<date>Mar 3</date>` (or `2015/03/03`, `2015-03-03`) → `2015-03-03`."""
    if date_text:
        full = re.search(r"(1[5-9]\d\d|20\d\d)[/-](\d{1,2})(?:[/-](\d{1,2}))?", date_text)
        if full:
            return iso_date(*full.groups())
        month = re.search(r"[A-Za-z]{3,}", date_text)
        day = re.search(r"(?<!\d)(\d{1,2})(?!\d)", date_text)
        if year_of(year) and month:
            return iso_date(year, month.group(0), day.group(1) if day else None)
    return iso_date(year) if year_of(year) else None
