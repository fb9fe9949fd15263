"""The CORD-19 `metadata.csv`: one article per row, keyed by `cord_uid`.

Authors come as `Family, Given; Family, Given`; the file has no affiliations.
"""

from __future__ import annotations

import csv
import io

from ..record import Author, Record
from .common import clean, given_name_first, doi_url, normalize_doi, unique, year_of
from .errors import RecordError

ID_PREFIX = "cord-"
REQUIRED = ("cord_uid", "title")


def looks_like_cord19(text: str) -> bool:
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return "cord_uid" in header and "," in header


def read_cord19(text: str, source: str) -> tuple[list[Record], list[tuple[int, str]]]:
    csv.field_size_limit(1 << 27)  # abstracts can be long; a record file is not a bomb at 128 MB
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise RecordError(source, f"not a CORD-19 metadata CSV: no {', '.join(missing)} column")
    records, problems = [], []
    try:
        for position, row in enumerate(reader, 1):
            try:
                records.append(cord19_record(row, source, position))
            except RecordError as exc:
                problems.append((position, exc.problem))
    except csv.Error as exc:
        problems.append((len(records) + len(problems) + 1, f"broken CSV ({exc}); the rest of the file is not read"))
    return records, problems


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

