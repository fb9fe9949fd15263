"""BM25F over the record documents only.

The index also holds one small document per distinct author name; Whoosh's
BM25F would count them in every collection statistic (document count for IDF,
average field length), flattening the weight of rare words and misjudging
field lengths. These scorers use the number of records instead, and the
BM25 IDF of Robertson and Lucene, log(1 + (N - n + 0.5) / (n + 0.5)).
"""

from __future__ import annotations

from copy import copy
from math import log

from whoosh import query as wq
from whoosh.matching import Matcher, NullMatcher
from whoosh.scoring import BM25F, BM25FScorer, WeightScorer


def record_count(searcher) -> int:
    """Records in the index (name documents left out): N of the statistics."""
    return searcher.doc_frequency("kind", "record") or searcher.doc_count_all() or 1


def bm25_idf(records: int, df: int) -> float:
    return log(1 + (records - df + 0.5) / (df + 0.5))


class RecordBM25F(BM25F):
    """BM25F with collection statistics over `kind:record` documents."""

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        B = self._field_B.get(fieldname, self.B)
        return RecordBM25FScorer(searcher, fieldname, text, B, self.K1, qf=qf)


class RecordBM25FScorer(BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, qf=1):
        parent = searcher.get_parent()  # global statistics live on the top searcher
        records = record_count(parent)
        self.idf = bm25_idf(records, parent.doc_frequency(fieldname, text))
        self.avgfl = parent.field_length(fieldname) / records or 1
        self.B = B
        self.K1 = K1
        self.qf = qf
        self.setup(searcher, fieldname, text)


class FieldsTerm(wq.Query):
    """One typed word searched in several fields at once, scored as BM25F.

    The word's frequency in each field is normalised by that field's length
    (its own B), weighted by the field's boost, summed, and saturated once:
    a word in both the title and the abstract counts more than in one, but not
    twice as much (as summing a BM25 score per field would).
    """

    def __init__(self, terms: dict[str, str], boosts: dict[str, float], boost: float = 1.0):
        self.terms = dict(terms)
        self.boosts = dict(boosts)
        self.boost = boost

    def __eq__(self, other):
        return type(other) is type(self) and (other.terms, other.boosts, other.boost) == (
            self.terms, self.boosts, self.boost)

    def __hash__(self):
        return hash((tuple(sorted(self.terms.items())), self.boost))

    def __repr__(self):
        return f"FieldsTerm({self.terms!r})"

    def __unicode__(self):
        return "(" + " OR ".join(f"{f}:{t}" for f, t in self.terms.items()) + ")"

    __str__ = __unicode__

    def field(self):
        return None  # several

    def estimate_size(self, ixreader):
        return max((ixreader.doc_frequency(f, t) for f, t in self.terms.items()), default=0)

    def matcher(self, searcher, context=None):
        weighting = getattr(context, "weighting", None) or searcher.weighting
        K1 = getattr(weighting, "K1", 1.2)
        parent = searcher.get_parent()
        reader = searcher.reader()
        records = record_count(parent)
        # The word's document frequency in the record as a whole is at least
        # its largest in one field.
        idf = bm25_idf(records, max((parent.doc_frequency(f, t) for f, t in self.terms.items()), default=0))
        leaves = []
        for fieldname, text in self.terms.items():
            if (fieldname, text) not in reader:
                continue
            B = getattr(weighting, "_field_B", {}).get(fieldname, getattr(weighting, "B", 0.75))
            avgfl = parent.field_length(fieldname) / records or 1
            leaves.append(_Leaf(reader.postings(fieldname, text), fieldname, self.boosts.get(fieldname, 1.0), B, avgfl,
                                length_bytes(reader, fieldname)))
        if not leaves:
            return NullMatcher()
        return FieldsTermMatcher(leaves, reader, idf * self.boost, K1)


_LENGTH_OF_BYTE = None


def length_bytes(reader, fieldname: str):
    """Every document's length of `fieldname` in one segment, as Whoosh stores it
    (one byte each), read at once: `bytes` indexed by document number, or None.

    Whoosh reads a length from disk per call; scoring a common word asks for
    one per matching document and field. (The column layout is that of the
    pinned Whoosh 2.7 codec; anything else falls back to Whoosh's own lookup.)
    """
    cache = reader.__dict__.setdefault("_recsearch_lengths", {})
    if fieldname not in cache:
        cache[fieldname] = None
        try:
            from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
            from whoosh.columns import FixedBytesColumn

            column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if isinstance(column, FixedBytesColumn.Reader) and column._fixedlen == 1:
                raw = column._dbfile.get(column._basepos, column._count)
                cache[fieldname] = raw + bytes(max(reader.doc_count_all() - len(raw), 0))
        except (AttributeError, ImportError, OSError):
            pass
    return cache[fieldname]


def length_of_byte() -> list[int]:
    """Field length for each stored length byte (0: no length, counted as 1)."""
    global _LENGTH_OF_BYTE
    if _LENGTH_OF_BYTE is None:
        from whoosh.util.numeric import byte_to_length

        _LENGTH_OF_BYTE = [1] + [byte_to_length(b) or 1 for b in range(1, 256)]
    return _LENGTH_OF_BYTE


class _Leaf:
    __slots__ = ("matcher", "fieldname", "weight", "B", "avgfl", "lengths")

    def __init__(self, matcher, fieldname, weight, B, avgfl, lengths=None):
        self.matcher, self.fieldname, self.weight, self.B, self.avgfl = matcher, fieldname, weight, B, avgfl
        self.lengths = lengths


class FieldsTermMatcher(Matcher):
    """A union of one word's posting lists in several fields, scored by BM25F."""

    def __init__(self, leaves: list[_Leaf], reader, idf: float, K1: float):
        self._leaves = [leaf for leaf in leaves if leaf.matcher.is_active()]
        self._reader = reader
        self._idf = idf
        self._K1 = K1
        self._table = length_of_byte()
        self._update()

    def _update(self):
        # The current document, kept rather than recomputed on every call.
        self._id = min(leaf.matcher.id() for leaf in self._leaves) if self._leaves else None

    def is_active(self):
        return bool(self._leaves)

    def id(self):
        return self._id

    def next(self):
        current = self._id
        for leaf in self._leaves:
            if leaf.matcher.id() == current:
                leaf.matcher.next()
        if not all(leaf.matcher.is_active() for leaf in self._leaves):
            self._leaves = [leaf for leaf in self._leaves if leaf.matcher.is_active()]
        self._update()

    def skip_to(self, target):
        for leaf in self._leaves:
            if leaf.matcher.id() < target:
                leaf.matcher.skip_to(target)
        self._leaves = [leaf for leaf in self._leaves if leaf.matcher.is_active()]
        self._update()

    def weight(self):
        current = self.id()
        return sum(leaf.matcher.weight() for leaf in self._leaves if leaf.matcher.id() == current)

    def score(self):
        current = self._id
        tf = 0.0
        for leaf in self._leaves:
            if leaf.matcher.id() == current:
                if leaf.lengths is not None:
                    length = self._table[leaf.lengths[current]]
                else:
                    length = self._reader.doc_field_length(current, leaf.fieldname) or 1
                tf += leaf.weight * leaf.matcher.weight() / (1 - leaf.B + leaf.B * length / leaf.avgfl)
        return self._idf * tf * (self._K1 + 1) / (tf + self._K1)

    # An upper bound on any score: the saturated term frequency stays below K1 + 1.
    # It lets Whoosh drop this word from a union once it can no longer lift a
    # document into the top hits.
    def supports_block_quality(self):
        return True

    def max_quality(self):
        return self._idf * (self._K1 + 1)

    block_quality = max_quality

    def skip_to_quality(self, minquality):
        if self.max_quality() > minquality:
            return 0
        self._leaves = []
        self._id = None
        return 1

    def supports(self, astype):
        return False

    def reset(self):
        for leaf in self._leaves:
            leaf.matcher.reset()
        self._update()

    def copy(self):
        leaves = [_Leaf(leaf.matcher.copy(), leaf.fieldname, leaf.weight, leaf.B, leaf.avgfl, leaf.lengths)
                  for leaf in self._leaves]
        return FieldsTermMatcher(leaves, self._reader, self._idf, self._K1)

    def replace(self, minquality=0):
        if not self.is_active() or (minquality and self.max_quality() <= minquality):
            return NullMatcher()
        return self

    def children(self):
        return []

    def term_matchers(self):
        for leaf in self._leaves:
            yield from leaf.matcher.term_matchers()

    def matching_terms(self, id=None):
        current = self.id() if id is None else id
        for leaf in self._leaves:
            if leaf.matcher.is_active() and leaf.matcher.id() == current:
                yield from leaf.matcher.matching_terms(id)


def combine_fields(q: wq.Query, fields: set[str]) -> wq.Query:
    """Turn each word the parser spread over the default fields (its own Or of
    one Term per field) into one BM25F FieldsTerm; a word typed n times becomes
    one FieldsTerm weighted n times, as BM25 counts a query word's frequency.

    Runs on the parser's tree before normalizing: normalizing flattens the
    words' Ors into one and drops repeated terms, after which a word's fields
    can no longer be told apart (`networks network` share all but `author:`).
    """
    if isinstance(q, wq.Or) and q.subqueries and all(
            type(s) is wq.Term and s.fieldname in fields for s in q.subqueries):
        groups: list[list[wq.Term]] = []
        for term in q.subqueries:
            if not groups or term.fieldname in {t.fieldname for t in groups[-1]}:
                groups.append([])
            groups[-1].append(term)
        words = [FieldsTerm({t.fieldname: t.text for t in g}, {t.fieldname: t.boost for t in g})
                 if len(g) > 1 else g[0] for g in groups]
        if len(words) == 1:
            words[0].boost *= q.boost
            return words[0]
        return wq.Or(words, boost=q.boost)
    if isinstance(q, wq.CompoundQuery):
        children = [combine_fields(child, fields) for child in q.subqueries]
        merged: list[wq.Query] = []
        for child in children:
            if isinstance(child, FieldsTerm):
                same = next((m for m in merged if isinstance(m, FieldsTerm) and m.terms == child.terms
                             and m.boosts == child.boosts), None)
                if same is not None:
                    same.boost += child.boost
                    continue
            merged.append(child)
        combined = copy(q)
        combined.subqueries = merged
        return combined
    if q.children():
        return q.apply(lambda child: combine_fields(child, fields))
    return q

