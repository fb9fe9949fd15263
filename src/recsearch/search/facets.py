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


def describe_filters(filters: dict[str, list[str]]) -> str:
    """The filters as the command-line options that set them."""
    return " ".join(f"--{name} {_quote(v)}" for name, values in filters.items() for v in values)


def _quote(value: str) -> str:
    import shlex

    return shlex.quote(value)


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
