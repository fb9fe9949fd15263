"""Filters as queries: `--year`, `--journal`, `--subject`, `--language`, `--publisher`.

Values of one facet are OR-ed, facets AND-ed; a filter matches the folded exact
value (`--journal "plos one"` finds `PLoS ONE`, not `PLoS ONE Reports`).
"""

from __future__ import annotations

import re

from whoosh import query as wq

from ..errors import QueryError
from .documents import facet_key
from .schema import FACETS, KEY_FIELDS

_YEARS = re.compile(r"^\s*(\d{1,4})?\s*(?:(-|–|\.\.|to)\s*(\d{1,4})?)?\s*$", re.IGNORECASE)


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
