"""Years in a query: `harel 2020 noninferior` and `year:2020-2021`.

A bare whole number from FIRST_YEAR to LAST_YEAR matches the record's
publication year or the word in the text, whichever scores more. The year
scores as a BM25F word of a one-word field weighted YEAR_BOOST (its IDF times
the boost): a common year weighs like a common word, and a year weighs less
than a word of the same rarity in an abstract, so the words typed with it
order the records.
"""

from __future__ import annotations

import re

from whoosh import query as wq
from whoosh.matching import DisjunctionMaxMatcher, NullMatcher, WrappingMatcher
from whoosh.qparser import TaggingPlugin, syntax

from .errors import QueryError
from .ranking import FieldsTerm, bm25_idf, record_count

FIRST_YEAR, LAST_YEAR = 1500, 2100
# As the author field: a cited year is often a year off (online and print
# dates), so it counts for less than a word of the topic.
YEAR_BOOST = 0.5
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


class BestOfMatcher(DisjunctionMaxMatcher):
    """The union of two matchers, each document scored by the better of them.

    Whoosh's DisjunctionMaxMatcher takes the max of both sides' scores even when
    one side is on another document, and its `replace` drops a side that ran out.
    """

    def score(self):
        a, b = self.a, self.b
        if not a.is_active():
            return b.score()
        if not b.is_active():
            return a.score()
        if a.id() != b.id():
            return (a if a.id() < b.id() else b).score()
        return max(a.score(), b.score())

    def supports_block_quality(self):
        return False

    def replace(self, minquality=0):
        a, b = self.a.replace(), self.b.replace()
        if not a.is_active():
            return b if b.is_active() else NullMatcher()
        if not b.is_active():
            return a
        return self if (a is self.a and b is self.b) else BestOfMatcher(a, b)


class YearOrWord(wq.DisjunctionMax):
    """A typed year: the word in the text or the publication year, scored by the better of the two."""

    def matcher(self, searcher, context=None):
        found = [m for m in (q.matcher(searcher, context) for q in self.subqueries) if m.is_active()]
        if not found:
            return NullMatcher()
        matcher = found[0]
        for other in found[1:]:
            matcher = BestOfMatcher(matcher, other)
        return WrappingMatcher(matcher, boost=self.boost) if self.boost != 1.0 else matcher


def with_years(q: wq.Query, schema) -> wq.Query:
    """Each unfielded word that is a year, as YearOrWord (the word, or `year:` that number)."""
    if isinstance(q, FieldsTerm):
        texts = set(q.terms.values())
        if len(texts) == 1 and "year" in schema:
            text = texts.pop()
            if is_year(text):
                year = wq.Term("year", schema["year"].to_bytes(int(text)), boost=q.boost)
                return YearOrWord([q, year])
        return q
    if q.children():
        return q.apply(lambda child: with_years(child, schema))
    return q


def weigh_years(q: wq.Query, searcher) -> wq.Query:
    """Give each year of a YearOrWord its BM25 weight: the IDF of that year among the records."""
    if isinstance(q, YearOrWord):
        records = record_count(searcher)
        parts = []
        for child in q.subqueries:
            if isinstance(child, wq.Term) and child.fieldname == "year":
                idf = bm25_idf(records, searcher.doc_frequency("year", child.text))
                child = wq.Term("year", child.text, boost=child.boost * idf * YEAR_BOOST)
            parts.append(child)
        return YearOrWord(parts, boost=q.boost)
    if q.children():
        return q.apply(lambda child: weigh_years(child, searcher))
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
