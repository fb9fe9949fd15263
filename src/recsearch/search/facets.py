"""Facet counts over the hits, and filters said back as the options that set them.

Each record carries its facet values (year, journal, publisher, language,
subjects) in one column read per hit (`engine.documents.facet_column`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..engine.documents import facet_key, facet_values


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
