"""Crossref works: a REST API answer (`/works/{doi}` or a `/works` list), a list of
works, or JSON Lines (the snapshots and MongoDB exports).

A work is keyed by its DOI (`crossref-<doi>`), so the same work in two answers
is one record. Abstracts come as JATS (`<jats:p>`): the markup is dropped.
"""

from __future__ import annotations

import re

from ..record import Author, Record
from .common import clean, doi_url, iso_date, language_name, normalize_doi, unique, year_of
from .errors import RecordError
from .json_items import as_list, as_text, json_items

ID_PREFIX = "crossref-"
_TAG = re.compile(r"<[^>]+>")


def looks_like_crossref(head: str) -> bool:
    return head.lstrip()[:1] in "{[" and '"DOI"' in head and any(
        k in head for k in ('"message-type"', '"container-title"', '"reference-count"', '"is-referenced-by-count"'))


def _unwrap(data):
    if isinstance(data, dict) and isinstance(data.get("message"), dict):
        message = data["message"]
        return as_list(message.get("items")) if "items" in message else [message]
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return data["items"]
    if isinstance(data, dict):
        return [data]
    return data if isinstance(data, list) else None


def read_crossref(text: str, source: str) -> tuple[list[Record], list[tuple[int, str]]]:
    records, problems = [], []
    for position, item in json_items(text, source, _unwrap):
        try:
            if isinstance(item, RecordError):
                raise item
            records.append(crossref_record(item, source, position))
        except (RecordError, TypeError, AttributeError, ValueError) as exc:
            problems.append((position, getattr(exc, "problem", None) or f"not a Crossref work ({exc})"))
    if not records and not problems:
        raise RecordError(source, "no Crossref works found")
    return records, problems


def _first_text(value) -> str | None:
    return next((clean(t) for t in map(as_text, as_list(value)) if clean(t)), None)


def _date(item: dict) -> str | None:
    for key in ("published-print", "published-online", "issued", "published", "created"):
        parts = item.get(key, {}).get("date-parts") if isinstance(item.get(key), dict) else None
        if parts and isinstance(parts[0], list) and parts[0] and parts[0][0]:
            return iso_date(*[str(p) for p in parts[0][:3]])
    return None


def crossref_record(item, source: str, position: int) -> Record:
    if not isinstance(item, dict):
        raise RecordError(source, "not a JSON object")
    doi = normalize_doi(as_text(item.get("DOI")))
    if not doi:
        raise RecordError(source, "work without a DOI")
    title = _first_text(item.get("title"))
    subtitle = _first_text(item.get("subtitle"))
    if title and subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    title = title or _first_text(item.get("container-title")) if item.get("type") in ("book", "edited-book") else title
    if not title:
        raise RecordError(source, f"DOI {doi}: no title")
    authors = []
    for person in as_list(item.get("author")) + ([] if item.get("author") else as_list(item.get("editor"))):
        if not isinstance(person, dict):
            continue
        name = clean(" ".join(filter(None, [as_text(person.get("given")), as_text(person.get("family"))]))) \
            or clean(as_text(person.get("name")))
        if name:
            affiliations = [clean(as_text(a.get("name"))) for a in as_list(person.get("affiliation")) if isinstance(a, dict)]
            authors.append(Author(name, "; ".join(unique(affiliations)) or None))
    abstract = as_text(item.get("abstract"))
    date = _date(item)
    identifiers = {}
    isbn = _first_text(item.get("ISBN"))
    if isbn:
        identifiers["isbn"] = isbn
    return Record(
        id=ID_PREFIX + doi,
        title=title,
        summary=clean(_TAG.sub(" ", abstract)) if abstract else None,
        authors=authors,
        subjects=unique(as_text(s) for s in as_list(item.get("subject"))),
        journal=_first_text(item.get("container-title")) or _first_text(item.get("short-container-title")),
        publisher=clean(as_text(item.get("publisher"))),
        issns=unique(as_text(i) for i in as_list(item.get("ISSN"))),
        date=date,
        year=year_of(date),
        volume=clean(as_text(item.get("volume"))),
        pages=clean(as_text(item.get("page"))),
        language=language_name(as_text(item.get("language"))),
        url=doi_url(doi),
        doi=doi,
        identifiers=identifiers,
        source=source,
        position=position,
    )
