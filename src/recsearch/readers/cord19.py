"""The CORD-19 `metadata.csv`: one article per row, keyed by `cord_uid`.

Authors come as `Family, Given; Family, Given`; the file has no affiliations.
"""

from __future__ import annotations

from ..record import Author, Record
from .common import clean, doi_url, given_name_first, normalize_doi, read_csv_rows, unique, year_of
from .errors import RecordError

ID_PREFIX = "cord-"
REQUIRED = ("cord_uid", "title")


def looks_like_cord19(text: str) -> bool:
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return "cord_uid" in header and "," in header


def read_cord19(text: str, source: str) -> tuple[list[Record], list[tuple[int, str]]]:
    return read_csv_rows(text, source, REQUIRED, "CORD-19 metadata CSV", cord19_record)


def cord19_record(row: dict, source: str, position: int) -> Record:
    if None in row:
        raise RecordError(source, f"row has {len(row) - 1 + len(row[None])} fields, the header {len(row) - 1}")
    uid = clean(row.get("cord_uid"))
    if not uid:
        raise RecordError(source, "row without a cord_uid")
    title = clean(row.get("title"))
    if not title:
        raise RecordError(source, f"cord_uid {uid}: no title")
    date = clean(row.get("publish_time"))
    urls = (row.get("url") or "").split(";")
    return Record(
        id=ID_PREFIX + uid,
        title=title,
        summary=clean(row.get("abstract")),
        authors=[Author(given_name_first(name)) for name in unique((row.get("authors") or "").split(";"))],
        journal=clean(row.get("journal")),
        date=date,
        year=year_of(date),
        url=clean(urls[0]) or doi_url(row.get("doi")),
        doi=normalize_doi(row.get("doi")),
        identifiers={k: v for k, v in (("cord_uid", uid), ("pmid", clean(row.get("pubmed_id"))),
                                       ("pmcid", clean(row.get("pmcid")))) if v},
        source=source,
        position=position,
    )

