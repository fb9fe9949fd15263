"""Years in a query: `harel 2020 noninferior` and `year:2020-2021`.

A bare whole number from FIRST_YEAR to LAST_YEAR is one word searched in the
text fields and in the publication year, scored by BM25F like any word (one
IDF, one saturation): the year is a field of one word, weighted YEAR_WEIGHT
as an abstract is. A record of that year scores as if the word were once in
an abstract of average length, so a common year weighs as a common word and
the rarer words typed with it order the records; and a record of 1986 comes
before one that mentions 1986 once in a long abstract.
"""

from __future__ import annotations

import re

from whoosh import query as wq
from whoosh.qparser import TaggingPlugin, syntax

from ..errors import QueryError
from .nodes import FieldsTerm

FIRST_YEAR, LAST_YEAR = 1500, 2100
YEAR_WEIGHT = 1.0
# A bare number as people type a year: not part of a word, a field, a range or a wildcard.
_BARE_YEAR = re.compile(r'(?<![\w:.\-/"#~^*?])(\d{4})(?![\w:.\-/"~^*?])')


def is_year(text: str) -> bool:
    return len(text) == 4 and text.isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR


def bare_years(text: str) -> list[re.Match]:
    """The bare year numbers typed in a query (outside quotes), as regex matches."""
    blanked = re.sub(r'"[^"]*"', lambda m: " " * len(m.group()), text)
    return [m for m in _BARE_YEAR.finditer(blanked) if is_year(m.group(1))]


def check_year(value: int | None, shown: str, option: str = "year:") -> None:
    """Refuse a year of fewer than four digits (`--year 20-21` would find nothing, silently)."""
    if value is not None and value < 1000:
        raise QueryError(f"{option}{shown}: {value} is not a year; give four digits, e.g. 2020-2021")


def with_years(q: wq.Query, schema) -> wq.Query:
    """Each unfielded word that is a year, also searched in the `year` field."""
    if isinstance(q, FieldsTerm):
        texts = set(q.field_terms.values())
        if len(texts) == 1 and "year" in schema and "year" not in q.field_terms:
            text = texts.pop()
            if is_year(text):
                terms = {**q.field_terms, "year": schema["year"].to_bytes(int(text))}
                return FieldsTerm(terms, {**q.boosts, "year": YEAR_WEIGHT}, boost=q.boost)
        return q
    if q.children():
        return q.apply(lambda child: with_years(child, schema))
    return q


class YearSpanNode(syntax.SyntaxNode):
    has_fieldname = False
    has_text = False

    def __init__(self, start=None, sep=None, end=None):
        self.start = int(start) if start else None
        self.end = int(end) if end else None
        self.shown = f"{start or ''}{sep}{end or ''}"

    def r(self):
        return f"year:{self.shown}"

    def query(self, parser):
        check_year(self.start, self.shown)
        check_year(self.end, self.shown)
        if self.start is not None and self.end is not None and self.start > self.end:
            raise QueryError(f"year:{self.shown}: the range is backwards")
        return wq.NumericRange("year", self.start, self.end, constantscore=True)


class YearSpanPlugin(TaggingPlugin):
    """`year:2020-2021`, `year:2015-`, `year:-2010` (as `--year`): a range of years."""

    expr = r"year:(?P<start>\d+)?(?P<sep>-|–|\.\.)(?P<end>\d+)?(?=$|\s|\))"
    nodetype = YearSpanNode
    priority = -1  # before the field names are tagged
