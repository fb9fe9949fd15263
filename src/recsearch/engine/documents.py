"""The documents of the index: a record's fields, its stored form, its facet and sort columns,
and one document per distinct author name."""

from __future__ import annotations

import json
import re

from ..names import name_id, parse_name
from ..record import Record
from ..text import fold
from .analysis import join_values

_UNIT, _RECORD = "\x1f", "\x1e"
_ARTICLES = ("the ", "a ", "an ")
LAST = "\x7f"  # sorts after every folded key: records without a value go last


def text_values(record: Record) -> dict[str, list[str]]:
    """The values of each text field of a record (the searched ones and those shown)."""
    def one(value: str | None) -> list[str]:
        return [value] if value else []

    return {"title": one(record.title), "summary": one(record.summary), "author": record.author_names,
            "affil": record.affiliations, "subject": record.subjects, "journal": one(record.journal),
            "publisher": one(record.publisher), "language": one(record.language)}


def field_text(record: Record, fieldname: str) -> str:
    """A field of the record as shown to people (multiple values joined by '; ')."""
    return "; ".join(text_values(record).get(fieldname, []))


def name_document(name: str) -> dict:
    """The document of one distinct author name."""
    return {"kind": "name", "name_id": name_id(name), "name": name, "name_words": name, "name_keys": name}


def record_document(record: Record) -> dict:
    """The Whoosh document for a record: searchable fields plus the stored record."""
    doc = {"id": record.id, **{name: join_values(values) for name, values in text_values(record).items()}}
    doc.update({
        # `issn:25890042` finds `2589-0042` too.
        "issn": " ".join(i for issn in record.issns for i in {issn, issn.replace("-", "")}),
        "doi": record.doi or "",
        "date": record.date or "",
        "url": record.url or "",
        "kind": "record",
        "author_id": " ".join(name_id(n) for n in record.author_names),
        "source": record.source or "",
        "journal_key": facet_key(record.journal or ""),
        "publisher_key": facet_key(record.publisher or ""),
        "language_key": facet_key(record.language or ""),
        "subject_key": ",".join(facet_key(s) for s in record.subjects),
        "facets": facet_column(record),
        "sort_title": sort_title(record.title),
        "sort_author": sort_author(record),
        "record": json.dumps(record.to_dict(), ensure_ascii=False, separators=(",", ":")),
    })
    if record.year is not None:
        doc["year"] = record.year
    return {k: v for k, v in doc.items() if v != ""}


def record_data(stored: dict) -> dict:
    """The record a document stores, as the dictionary `Record.to_dict` gave."""
    return json.loads(stored["record"])


def stored_record(stored: dict) -> Record:
    """The record a document stores."""
    return Record.from_dict(record_data(stored))


def facet_key(value: str) -> str:
    """One value as filters match it: folded, case-blind, single-spaced, no commas."""
    return " ".join(fold(value).replace(",", " ").split())


def facet_column(record: Record) -> bytes:
    """The record's facet values, as the `facets` column holds them."""
    values = [str(record.year or ""), record.journal or "", record.language or "", record.publisher or "",
              _RECORD.join(s.replace(_RECORD, " ") for s in record.subjects)]
    return _UNIT.join(v.replace(_UNIT, " ") for v in values).encode("utf-8")


def facet_values(column: bytes) -> dict[str, list[str]]:
    if not column:
        return {}
    year, journal, language, publisher, subjects = column.decode("utf-8").split(_UNIT)
    return {"year": [year] if year else [], "journal": [journal] if journal else [],
            "language": [language] if language else [], "publisher": [publisher] if publisher else [],
            "subject": [s for s in subjects.split(_RECORD) if s]}


def sort_title(title: str) -> bytes:
    key = facet_key(re.sub(r"^\W+", "", title))
    for article in _ARTICLES:
        if key.startswith(article):
            key = key[len(article):]
            break
    return (key or LAST).encode("ascii", "replace")


def sort_author(record: Record) -> bytes:
    """The first author's family name, then given names: `Perez-Martinez, Antonio` → `perez martinez antonio`."""
    if not record.authors:
        return LAST.encode()
    parts = parse_name(record.authors[0].name)
    return (" ".join(parts.family + parts.given) or LAST).encode("ascii", "replace")
