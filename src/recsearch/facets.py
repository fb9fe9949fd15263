"""Facet counts, filters and sort keys over exact field values.

Each record carries its facet values (year, journal, publisher, language,
subjects) in one column read per hit, and the folded values as terms that
filters match exactly: `--journal "plos one"` finds `PLoS ONE`, not
`PLoS ONE Reports`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from unidecode import unidecode
from whoosh import query as wq

from .errors import QueryError
from .record import Record

FACETS = ("year", "journal", "subject", "language", "publisher")
# The term field a filter on each facet matches (year is a numeric range).
KEY_FIELDS = {"journal": "journal_key", "subject": "subject_key", "language": "language_key",
              "publisher": "publisher_key"}
_UNIT, _RECORD = "\x1f", "\x1e"
_YEARS = re.compile(r"^\s*(\d{1,4})?\s*(?:(-|–|\.\.|to)\s*(\d{1,4})?)?\s*$", re.IGNORECASE)
_ARTICLES = ("the ", "a ", "an ")
LAST = "\x7f"  # sorts after every folded key: records without a value go last


def facet_key(value: str) -> str:
    """One value as filters match it: folded, case-blind, single-spaced, no commas."""
    return " ".join(unidecode(value.casefold()).replace(",", " ").split())


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
    from .authors import parse_name

    if not record.authors:
        return LAST.encode()
    parts = parse_name(record.authors[0].name)
    return (" ".join(parts.family + parts.given) or LAST).encode("ascii", "replace")


@dataclass
class FacetCount:
    value: str
    count: int


def count_facets(reader, docnums, names: list[str], top: int = 10) -> dict[str, list[FacetCount]]:
    """Counts per value of each facet over `docnums`, most frequent first (`top` each).

    Values are grouped by their folded key; each group shows its most common spelling.
    """
    column = reader.column_reader("facets")
    spellings: dict[str, Counter] = {name: Counter() for name in names}
    for docnum in docnums:
        values = facet_values(column[docnum])
        for name in names:
            spellings[name].update(values.get(name, ()))
    counted = {}
    for name in names:
        groups: dict[str, Counter] = {}
        for spelling, n in spellings[name].items():
            groups.setdefault(facet_key(spelling), Counter())[spelling] = n
        rows = [FacetCount(group.most_common(1)[0][0], sum(group.values())) for group in groups.values()]
        rows.sort(key=lambda row: (-row.count, row.value) if name != "year" else (-row.count, -int(row.value)))
        counted[name] = rows[:top]
    return counted


def parse_years(text: str) -> tuple[int | None, int | None]:
    """`2019-2023`, `2019`, `2019-` (from), `-2019` (up to), `2019..2023`."""
    match = _YEARS.match(text)
    if not match or not (match.group(1) or match.group(3)):
        raise QueryError(f"--year {text!r}: give a year or a range such as 2019-2023, 2019- or -2019")
    start = int(match.group(1)) if match.group(1) else None
    end = int(match.group(3)) if match.group(3) else (start if not match.group(2) else None)
    short = next((v for v in (start, end) if v is not None and v < 1000), None)
    if short is not None:
        raise QueryError(f"--year {text!r}: {short} is not a year; give four digits, e.g. 2020-2021")
    if start is not None and end is not None and start > end:
        raise QueryError(f"--year {text!r}: the range is backwards")
    return start, end


def with_language_names(filters: dict[str, list[str]]) -> dict[str, list[str]]:
    """`--language es` as `Spanish`: records hold language names (their readers map the codes)."""
    if not any(_looks_like_code(v) for v in filters.get("language", [])):
        return filters
    import pycountry

    def name(value: str) -> str:
        if not _looks_like_code(value):
            return value
        code = value.strip().lower()
        found = (pycountry.languages.get(alpha_2=code) if len(code) == 2
                 else pycountry.languages.get(alpha_3=code) or pycountry.languages.get(bibliographic=code))
        return found.name.split(";")[0].strip() if found is not None else value  # `Spanish; Castilian`

    return {**filters, "language": [name(v) for v in filters["language"]]}


def _looks_like_code(value: str) -> bool:
    return len(value.strip()) in (2, 3) and value.strip().isalpha()


def filter_query(filters: dict[str, list[str]]) -> wq.Query | None:
    """Records whose values fit every filter: values of one facet are OR-ed, facets AND-ed."""
    parts = []
    for name, values in filters.items():
        values = [v for v in values if v.strip()]
        if not values:
            continue
        if name == "year":
            ranges = [wq.NumericRange("year", *parse_years(v)) for v in values]
            parts.append(wq.Or(ranges) if len(ranges) > 1 else ranges[0])
        elif name in KEY_FIELDS:
            terms = [wq.Term(KEY_FIELDS[name], facet_key(v)) for v in values]
            parts.append(wq.Or(terms) if len(terms) > 1 else terms[0])
        else:
            raise QueryError(f"cannot filter on {name!r}: filters are {', '.join(FACETS)}")
    if not parts:
        return None
    return wq.And(parts) if len(parts) > 1 else parts[0]


def describe_filters(filters: dict[str, list[str]]) -> str:
    """The filters as the command-line options that set them."""
    return " ".join(f"--{name} {_quote(v)}" for name, values in filters.items() for v in values)


def _quote(value: str) -> str:
    import shlex

    return shlex.quote(value)
