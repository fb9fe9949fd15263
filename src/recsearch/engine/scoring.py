"""BM25F over the record documents only.

The index also holds one small document per distinct author name; Whoosh's
BM25F would count them in every collection statistic (document count for IDF,
average field length), flattening the weight of rare words and misjudging
field lengths. These scorers use the number of records instead, and the
BM25 IDF of Robertson and Lucene, log(1 + (N - n + 0.5) / (n + 0.5)).
"""

from __future__ import annotations

from math import log

from whoosh.matching import Matcher, NullMatcher
from whoosh.scoring import BM25F, BM25FScorer, WeightScorer

from .postings import length_bytes


def record_count(searcher) -> int:
    """Records in the index (name documents left out): N of the statistics."""
    return searcher.doc_frequency("kind", "record") or searcher.doc_count_all() or 1


def bm25_idf(records: int, df: int) -> float:
    return log(1 + (records - df + 0.5) / (df + 0.5))


def bm25(tf, scale: float, K1: float):
    """BM25's saturation of a length-normalised frequency (a float, or a numpy array of them):
    `scale` is the IDF times the query weight times (K1 + 1). The one BM25F: every scorer uses it."""
    return scale * tf / (tf + K1)


def length_norms(B: float, avgfl: float) -> list[float]:
    """BM25's length normalisation, 1 - B + B * length / average, for each stored length byte."""
    return [1 - B + B * length / avgfl for length in length_of_byte()]


class RecordBM25F(BM25F):
    """BM25F with collection statistics over `kind:record` documents."""

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        return RecordBM25FScorer(searcher, fieldname, text, self.field_B(fieldname), self.K1, qf=qf)

    def field_B(self, fieldname: str) -> float:
        """The length normalisation B of a field (its own, else the default)."""
        return self._field_B.get(fieldname, self.B)


def field_B(weighting, fieldname: str) -> float:
    """B of a field under any BM25 weighting (0.75 when it has none)."""
    if isinstance(weighting, RecordBM25F):
        return weighting.field_B(fieldname)
    return getattr(weighting, "B", 0.75)


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
        self._norms = length_norms(B, self.avgfl)
        self._lengths = length_bytes(searcher.reader(), fieldname)

    def _score(self, weight, length):
        norm = 1 - self.B + self.B * length / self.avgfl
        return bm25(weight / norm, self.idf * (self.K1 + 1), self.K1)

    def score(self, matcher):
        if self._lengths is not None:
            return bm25(matcher.weight() / self._norms[self._lengths[matcher.id()]], self.idf * (self.K1 + 1),
                        self.K1)
        return self._score(matcher.weight(), self.dfl(matcher.id()))


_LENGTH_OF_BYTE = None


def length_of_byte() -> list[int]:
    """Field length for each stored length byte (0: no length, counted as 1)."""
    global _LENGTH_OF_BYTE
    if _LENGTH_OF_BYTE is None:
        from whoosh.util.numeric import byte_to_length

        _LENGTH_OF_BYTE = [1] + [byte_to_length(b) or 1 for b in range(1, 256)]
    return _LENGTH_OF_BYTE


class FieldLeaf:
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
        return bm25(tf, self._idf * (self._K1 + 1), self._K1)

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
        leaves = [FieldLeaf(leaf.matcher.copy(), leaf.fieldname, leaf.weight, leaf.B, leaf.avgfl, leaf.lengths)
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


