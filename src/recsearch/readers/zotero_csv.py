"""Zotero's CSV export (`Key`, `Item Type`, `Publication Year`, `Author`, `Title`, …).

One item per row, keyed `zotero-<Key>` (the item key in the library). Authors
are `Family, Given; Family, Given`; tags are `;`-separated.
"""

from __future__ import annotations

from ..record import Author, Record
from .common import clean, doi_url, given_name_first, iso_date, language_name, normalize_doi, read_csv_rows, unique, year_of
from .errors import RecordError

ID_PREFIX = "zotero-"
REQUIRED = ("Key", "Item Type", "Title")


def looks_like_zotero_csv(text: str) -> bool:
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return all(f'"{c}"' in header or f"{c}," in header for c in ("Key", "Item Type", "Publication Year"))


def read_zotero_csv(text: str, source: str) -> tuple[list[Record], list[tuple[int, str]]]:
    return read_csv_rows(text, source, REQUIRED, "Zotero CSV export", zotero_record)


def zotero_record(row: dict, source: str, position: int) -> Record:
    if None in row:
        raise RecordError(source, f"row has {len(row) - 1 + len(row[None])} fields, the header {len(row) - 1}")
    key = clean(row.get("Key"))
    title = clean(row.get("Title"))
    if not key or not title:
        raise RecordError(source, "row without a Key" if not key else f"item {key}: no title")

    def get(column: str) -> str | None:
        return clean(row.get(column))

    people = [n for n in (row.get("Author") or "").split(";") if clean(n)]
    if not people:
        people = [n for n in (row.get("Editor") or "").split(";") if clean(n)]
    date = get("Date") or ""
    parts = date[:10].split("-") if date[:4].isdigit() else []
    iso = iso_date(*parts[:3]) if parts else (get("Publication Year") if year_of(get("Publication Year")) else None)
    doi = normalize_doi(get("DOI"))
    identifiers = {k: v for k, v in (("isbn", get("ISBN")), ("zotero", key)) if v}
    extra = row.get("Extra") or ""
    for line in extra.splitlines():
        label, _, value = line.partition(":")
        if label.strip().upper() in ("PMID", "PMCID") and value.strip():
            identifiers[label.strip().lower()] = value.strip()
    tags = [t for column in ("Manual Tags", "Automatic Tags") for t in (row.get(column) or "").split(";")]
    return Record(
        id=ID_PREFIX + key.lower(),
        title=title,
        summary=get("Abstract Note"),
        authors=[Author(given_name_first(clean(n))) for n in people],
        subjects=unique(tags),
        journal=get("Publication Title") or get("Series"),
        publisher=get("Publisher"),
        issns=unique((get("ISSN") or "").replace(",", " ").split()),
        date=iso,
        year=year_of(iso or get("Publication Year")),
        language=language_name(get("Language")),
        url=get("Url") or doi_url(doi),
        doi=doi,
        identifiers=identifiers,
        source=source,
        position=position,
    )
