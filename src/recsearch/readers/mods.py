"""MODS (Metadata Object Description Schema, v3): a `<modsCollection>` or one `<mods>`.

The journal is the `relatedItem type="host"`; names are `namePart`s (family,
given) or whole; only names without a role, or in the role author/creator, are
authors. Keyed `mods-<identifier>` (DOI, else the record's ID or first
identifier), else a digest.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET

from ..record import Author, Record
from .common import clean, doi_url, iso_date, language_name, normalize_doi, unique, year_of
from .errors import RecordError
from .xml import local_name, parse_xml, text_of

ID_PREFIX = "mods-"
_AUTHOR_ROLES = {"author", "aut", "creator", "cre", ""}


def read_mods(data: bytes, source: str) -> tuple[list[Record], list[tuple[int, str]]]:
    root = parse_xml(data, source)
    items = [root] if local_name(root.tag) == "mods" else [e for e in root.iter() if local_name(e.tag) == "mods"]
    if not items:
        raise RecordError(source, "MODS without any <mods> record")
    records, problems = [], []
    for position, item in enumerate(items, 1):
        try:
            records.append(mods_record(item, source, position))
        except RecordError as exc:
            problems.append((position, exc.problem))
    return records, problems


def _kids(element: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if element is None else [c for c in element if local_name(c.tag) == name]


def _first(element: ET.Element | None, *path: str) -> str | None:
    found = [element] if element is not None else []
    for name in path:
        found = [c for e in found for c in _kids(e, name)]
    return next((v for v in (clean(text_of(e)) for e in found) if v), None)


def _title(element: ET.Element | None) -> str | None:
    info = next((t for t in _kids(element, "titleInfo") if not t.get("type")), None)
    info = info if info is not None else next(iter(_kids(element, "titleInfo")), None)
    if info is None:
        return None
    title = " ".join(filter(None, [_first(info, "nonSort"), _first(info, "title")]))
    subtitle = _first(info, "subTitle")
    return clean(f"{title}: {subtitle}" if title and subtitle else title)


def _names(item: ET.Element, only_authors: bool) -> list[Author]:
    authors = []
    for name in _kids(item, "name"):
        roles = {clean(text_of(r)).lower() for role in _kids(name, "role") for r in _kids(role, "roleTerm") if clean(text_of(r))}
        if only_authors and roles and not roles & _AUTHOR_ROLES:
            continue
        parts = {p.get("type", ""): clean(text_of(p)) for p in _kids(name, "namePart")}
        if parts.get("family") or parts.get("given"):
            full = " ".join(filter(None, [parts.get("given"), parts.get("family"), parts.get("termsOfAddress")]))
        else:
            full = " ".join(filter(None, [parts.get("")] + [v for k, v in parts.items() if k and k != "date"]))
            full = full if name.get("type") != "personal" or "," not in full else \
                " ".join(reversed([p.strip() for p in full.split(",", 1)]))
        if clean(full):
            authors.append(Author(clean(full), "; ".join(unique(clean(text_of(a)) for a in _kids(name, "affiliation"))) or None))
    return authors


def mods_record(item: ET.Element, source: str, position: int) -> Record:
    title = _title(item)
    if not title:
        raise RecordError(source, "MODS record without a <titleInfo><title>")
    authors = _names(item, only_authors=True) or _names(item, only_authors=False)  # a book's editors
    host = next((r for r in _kids(item, "relatedItem") if r.get("type") == "host"), None)
    identifiers = {(i.get("type") or "").lower(): clean(text_of(i)) for i in _kids(item, "identifier") if clean(text_of(i))}
    doi = normalize_doi(identifiers.get("doi")) or next(
        (d for d in map(normalize_doi, identifiers.values()) if d), None)
    dates = [d for origin in _kids(item, "originInfo") + _kids(host, "originInfo")
             for d in (_first(origin, "dateIssued"), _first(origin, "copyrightDate"), _first(origin, "dateCreated")) if d]
    date = _date(dates[0]) if dates else None
    issns = unique(clean(text_of(i)) for i in _kids(item, "identifier") + _kids(host, "identifier")
                   if (i.get("type") or "").lower() == "issn")
    kept = {k: v for k, v in identifiers.items() if k in ("isbn", "pmid", "pmcid", "local", "citekey", "urn", "hdl")}
    key = doi or identifiers.get("citekey") or item.get("ID") or next(iter(identifiers.values()), None)
    if not key:
        key = hashlib.blake2b("\x1f".join([title, *(a.name for a in authors), date or ""]).encode(), digest_size=8).hexdigest()
    urls = [clean(text_of(u)) for loc in _kids(item, "location") for u in _kids(loc, "url") if clean(text_of(u))]
    subjects = [clean(text_of(t)) for s in _kids(item, "subject") for t in s
                if local_name(t.tag) in ("topic", "geographic", "temporal", "genre")]
    languages = [_first(lang, "languageTerm") or clean(text_of(lang)) for lang in _kids(item, "language")]
    return Record(
        id=ID_PREFIX + re.sub(r"\s+", "_", key.strip()).lower(),
        title=title,
        summary=" ".join(clean(text_of(a)) or "" for a in _kids(item, "abstract")).strip() or None,
        authors=authors,
        subjects=unique(s.strip("_") for s in subjects if s),
        journal=_title(host),
        publisher=next((p for origin in _kids(item, "originInfo") + _kids(host, "originInfo")
                        for p in [_first(origin, "publisher")] if p), None),
        issns=issns,
        date=date,
        year=year_of(date),
        language=language_name(next((lang for lang in languages if lang), None)),
        url=urls[0] if urls else (identifiers.get("uri") or doi_url(doi)),
        doi=doi,
        identifiers=kept,
        source=source,
        position=position,
    )


def _date(text: str) -> str | None:
    full = re.search(r"(1[5-9]\d\d|20\d\d)(?:-(\d\d))?(?:-(\d\d))?", text)
    return iso_date(*full.groups()) if full else None
