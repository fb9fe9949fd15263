"""The one bulk executor: the documents a query matches, and their BM25F scores, from whole columns.

Whoosh scores through a tree of matchers, a dozen Python calls per posting
per field. Here each word's posting columns are read once (codec.py) and
the query's words, phrases, ranges, sets and their AND / OR / NOT are
evaluated a column at a time, by Python or by numpy (vectors.py), with the
one BM25F of scoring.py. The scores are those Whoosh's matchers give over the
same index (tests compare them). A query node it does not know (spans, a
scaled OR) raises `Unsupported`, and the caller leaves that query to Whoosh.
"""

from __future__ import annotations

import sys

from whoosh import fields
from whoosh import query as wq

from .nodes import DocNumQuery, DocSetQuery, FieldsTerm
from .postings import columns_at, deleted_docs, length_bytes, number_terms, term_offset, term_statistics
from .scoring import bm25, bm25_idf, field_B, length_norms
from .vectors import NumpyVectors, PythonVectors

__all__ = ["Unsupported", "top_hits", "matching_docs", "count_matching", "vectors_for"]

# When numpy pays. Once imported, from a few thousand postings. Before, its import
# (100-200 ms) is a cost to rent or buy: Python's way is taken until the work it
# has done on long lists (about half a microsecond a posting; positions four times
# that) adds up to the import's cost, then numpy is imported: a CLI search on short
# lists never imports it, a long-lived process soon does, and neither pays more
# than about twice the best choice in hindsight.
NUMPY_FROM = 2_000
PYTHON_US_PER_POSTING = 0.5
NUMPY_IMPORT_MS = 150.0
_python_ms_on_long_lists = [0.0]
SET_KINDS = (FieldsTerm, wq.Term, DocSetQuery, DocNumQuery, wq.Every)


class Unsupported(Exception):
    """A query node the executor does not evaluate."""


def range_terms(searcher, q):
    """The indexed words of a range: for a number, its full-precision terms whose value is in it."""
    reader = searcher.reader()
    if isinstance(q, wq.TermRange):
        return (text for _, text in q.expanded_terms(reader))
    lo, hi = q.start, q.end

    def inside(value):
        return ((lo is None or (lo < value if q.startexcl else lo <= value))
                and (hi is None or (value < hi if q.endexcl else value <= hi)))

    return (text for value, text in number_terms(searcher, q.fieldname) if inside(value))


def postings_of(searcher, q: wq.Query) -> int:
    """The postings a query reads (its terms' document frequencies, summed; a phrase's
    four times, for the positions it decodes)."""
    if isinstance(q, wq.Every):
        return searcher.doc_count_all()
    if isinstance(q, DocNumQuery):
        return len(q.docnums)
    statistics = term_statistics(searcher)
    total = 0
    for leaf in q.leaves():
        weight = 4 if isinstance(leaf, wq.Phrase) else 1
        if leaf.has_terms():
            total += weight * sum(statistics.doc_frequency(f, t) for f, t in leaf.terms(phrases=True))
        elif isinstance(leaf, (wq.NumericRange, wq.TermRange)) and leaf.fieldname in searcher.schema:
            # A year range can hold most of the index: its words' postings are read.
            total += sum(statistics.doc_frequency(leaf.fieldname, t) for t in range_terms(searcher, leaf))
        elif isinstance(leaf, wq.Every):
            total += searcher.doc_count_all()
        elif isinstance(leaf, DocNumQuery):
            total += len(leaf.docnums)
    return total


def vectors_for(searcher, q: wq.Query):
    """Python's way or numpy's for this query, by the postings it reads (see NUMPY_FROM)."""
    postings = postings_of(searcher, q)
    if postings < NUMPY_FROM:
        return PythonVectors
    if "numpy" not in sys.modules:
        _python_ms_on_long_lists[0] += postings * PYTHON_US_PER_POSTING / 1000
        if _python_ms_on_long_lists[0] < NUMPY_IMPORT_MS:
            return PythonVectors
    try:
        return NumpyVectors(searcher.doc_count_all())
    except ImportError:
        return PythonVectors


class Execution:
    """One query's run over a searcher: posting columns and lengths read once, whatever asks for them."""

    def __init__(self, searcher, vectors):
        self.searcher, self.v = searcher, vectors
        self.segments = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
        self.statistics = term_statistics(searcher)
        self.records = self.statistics.doc_frequency("kind", "record") or searcher.doc_count_all() or 1
        weighting = searcher.weighting
        self.K1 = getattr(weighting, "K1", 1.2)
        self._weighting = weighting
        self._columns: dict = {}
        self._offsets: dict = {}
        self._norms: dict = {}

    def columns(self, reader, fieldname: str, text, with_values: bool = False):
        key = (id(reader), fieldname, text, with_values)
        if key not in self._columns:
            # The term table is looked up once for both reads (a phrase reads ids, then positions).
            where = (id(reader), fieldname, text)
            if where not in self._offsets:
                self._offsets[where] = term_offset(reader, fieldname, text)
            offset = self._offsets[where]
            if offset is False:
                raise Unsupported
            self._columns[key] = None if offset is None else columns_at(reader, offset, with_values)
        return self._columns[key]

    def estimate(self, q: wq.Query) -> int:
        """How many documents a part may match, to take the smallest first (cached statistics)."""
        if isinstance(q, FieldsTerm):
            return max((self.statistics.doc_frequency(f, t) for f, t in q.field_terms.items()), default=0)
        if isinstance(q, wq.Term):
            return self.statistics.doc_frequency(q.fieldname, q.text)
        if isinstance(q, wq.NumericRange):  # Whoosh would compile it to estimate it
            return self.searcher.doc_count_all()
        return q.estimate_size(self.searcher.reader())

    def norms(self, fieldname: str) -> list[float]:
        """BM25's length normalisation for each stored length byte of a field."""
        if fieldname not in self._norms:
            B = field_B(self._weighting, fieldname)
            avgfl = self.statistics.field_length(fieldname) / self.records or 1
            self._norms[fieldname] = length_norms(B, avgfl)
        return self._norms[fieldname]

    def join(self, parts: list):
        """Scores of disjoint segments as one."""
        return self.v.add(parts) if parts else self.v.constant([], 0.0)

    # Unscored.

    def term_docs(self, fieldname: str, texts, only=None) -> object:
        """The live documents holding any of `texts` in a field; of `only` (live documents), when given."""
        v, found = self.v, []
        for reader, offset in self.segments:
            deleted = deleted_docs(reader)
            wanted = None if only is None else v.local(only, offset, reader.doc_count_all())
            if wanted is not None and not v.count(wanted):
                continue
            for text in texts:
                columns = self.columns(reader, fieldname, text)
                if columns is not None:
                    ids = v.ids(columns, deleted) if wanted is None else v.postings_of(columns, wanted)[0]
                    found.append(v.doc_set(ids, offset))
        return v.union(found) if len(found) != 1 else found[0]

    def every_docs(self, fieldname: str | None):
        """Whoosh's `Every`: the live documents (holding anything in `fieldname`, when given)."""
        v, found = self.v, []
        for reader, offset in self.segments:
            deleted = deleted_docs(reader) or ()
            if fieldname is None:
                ids = [d for d in range(reader.doc_count_all()) if d not in deleted]
            elif fieldname not in reader.schema:
                ids = []
            else:
                lengths = length_bytes(reader, fieldname)
                if lengths is not None:  # a document holds a scored field when its length is not 0
                    ids = [d for d, n in enumerate(lengths) if n and d not in deleted]
                else:
                    found.append(self.term_docs(fieldname, list(reader.lexicon(fieldname))))
                    continue
            found.append(v.doc_set(ids, offset))
        return v.union(found)

    def docs(self, q: wq.Query, only=None):
        """The documents `q` matches (of `only`, when given)."""
        v = self.v
        if isinstance(q, wq.Term):
            found = self.term_docs(q.fieldname, [q.text], only)
        elif isinstance(q, FieldsTerm):
            found = v.union([self.term_docs(f, [t], only) for f, t in q.field_terms.items()])
        elif isinstance(q, DocSetQuery):
            found = self.term_docs(q.fieldname, q.words, only)
        elif isinstance(q, DocNumQuery):
            found = v.doc_set(q.docnums)
        elif isinstance(q, wq.Every):
            found = self.every_docs(q.fieldname)
        elif q is wq.NullQuery:
            found = v.doc_set([])
        elif isinstance(q, wq.Or) and q.subqueries:
            found = v.union([self.docs(c, only) for c in q.subqueries])
        elif isinstance(q, wq.And) and any(not isinstance(c, wq.Not) for c in q.subqueries):
            found = only
            for child in sorted((c for c in q.subqueries if not isinstance(c, wq.Not)),
                                key=self.estimate):
                found = self.docs(child, found)
                if not v.count(found):
                    return found
            for child in q.subqueries:
                if isinstance(child, wq.Not):
                    found = v.minus(found, self.docs(child.query))
        elif isinstance(q, wq.AndNot):
            found = v.minus(self.docs(q.a, only), self.docs(q.b))
        elif isinstance(q, wq.ConstantScoreQuery):
            found = self.docs(q.child, only)
        elif isinstance(q, (wq.NumericRange, wq.TermRange)):
            found = self.term_docs(q.fieldname, list(range_terms(self.searcher, q)), only)
        elif type(q) is wq.Phrase:
            found = v.docs(self.phrase_scores(q, only))
        else:
            raise Unsupported
        return found if only is None else v.intersect([found, only])

    # Scored.

    def word_scores(self, terms: dict, boosts: dict, boost: float, fielded: bool, only=None):
        """BM25F of one word over `terms`' fields, one saturation for them all (FieldsTermMatcher);
        `fielded`: one field, Whoosh's BM25F (RecordBM25FScorer)."""
        v, searcher = self.v, self.searcher
        flat = set()
        for fieldname in terms:
            field = searcher.schema[fieldname] if fieldname in searcher.schema else None
            if not fielded and isinstance(field, fields.NUMERIC):
                # A typed year is one word over the text fields and the year (years.py): the year
                # field has no lengths, and FieldsTermMatcher counts it as a field of length 1.
                flat.add(fieldname)
            elif not isinstance(field, fields.TEXT) or not field.scorable:
                raise Unsupported
        idf = bm25_idf(self.records, max((self.statistics.doc_frequency(f, t) for f, t in terms.items()), default=0))
        scale, K1 = idf * boost * (self.K1 + 1), self.K1
        found = []
        for reader, offset in self.segments:
            wanted = None if only is None else v.local(only, offset, reader.doc_count_all())
            if wanted is not None and not v.count(wanted):
                continue
            deleted = deleted_docs(reader)
            parts = []
            for fieldname, text in terms.items():
                columns = self.columns(reader, fieldname, text)
                if columns is None:
                    continue
                weight = 1.0 if fielded else boosts.get(fieldname, 1.0)
                # Only the documents wanted (the rest of an AND) are scored.
                ids, weights = v.postings(columns, deleted) if wanted is None else v.postings_of(columns, wanted)
                if fieldname in flat:
                    parts.append(v.constant_frequencies(ids, weight))
                    continue
                lengths = length_bytes(reader, fieldname)
                if lengths is None:
                    raise Unsupported
                parts.append(v.field_frequencies(ids, weights, lengths, self.norms(fieldname), weight))
            if parts:
                found.append(v.shift(v.map(v.add(parts), lambda tf: bm25(tf, scale, K1)), offset))
        return self.join(found)

    def phrase_scores(self, q: wq.Phrase, only=None):
        """Whoosh's phrase (slop 1): a document holding the words at consecutive positions
        scores the sum of the words' BM25F in the field (a word's frequency is its positions)."""
        v, searcher, fieldname = self.v, self.searcher, q.fieldname
        field = searcher.schema[fieldname] if fieldname in searcher.schema else None
        if q.slop != 1 or not isinstance(field, fields.TEXT) or not field.scorable \
                or not field.format.supports("positions") or not q.words:
            raise Unsupported
        K1 = self.K1
        scales = [bm25_idf(self.records, self.statistics.doc_frequency(fieldname, w)) * (K1 + 1) for w in q.words]
        norm = self.norms(fieldname)

        def score(frequencies):  # floats, or arrays of them: the same sums in the same order
            return sum(bm25(tf, scale, K1) for scale, tf in zip(scales, frequencies)) * q.boost

        found = []
        for reader, offset in self.segments:
            words = [self.columns(reader, fieldname, w) for w in q.words]
            if any(columns is None for columns in words):
                continue
            lengths = length_bytes(reader, fieldname)
            if lengths is None:
                raise Unsupported
            deleted = deleted_docs(reader)
            candidates = [v.doc_set(v.ids(columns, deleted)) for columns in words]
            if only is not None:
                candidates.append(v.local(only, offset, reader.doc_count_all()))
            candidates = v.intersect(candidates)
            if not v.count(candidates):
                continue
            columns = [self.columns(reader, fieldname, w, with_values=True) for w in q.words]
            found.append(v.shift(v.phrase_scores(columns, candidates, deleted, lengths, norm, score), offset))
        return self.join(found)

    def scores(self, q: wq.Query, only=None):
        """Scores of the documents `q` matches (of those in `only`, when given)."""
        v = self.v
        if isinstance(q, (wq.NumericRange, wq.TermRange, DocSetQuery, DocNumQuery, wq.Every)):
            if isinstance(q, (wq.NumericRange, wq.TermRange)) and not q.constantscore:
                raise Unsupported
            # Constant-score parts (a year range, a set from history, a wide expansion,
            # `*`) add their boost to every document they hold, as in Whoosh.
            return v.constant(self.docs(q, only), q.boost)
        if q is wq.NullQuery:
            return v.constant([], 0.0)
        if isinstance(q, FieldsTerm):
            return self.word_scores(q.field_terms, q.boosts, q.boost, fielded=False, only=only)
        if type(q) is wq.Phrase:
            return self.phrase_scores(q, only)
        if type(q) is wq.Term:
            if q.fieldname in self.searcher.schema and not self.searcher.schema[q.fieldname].scorable:
                # An unscored field (a year, an ISSN): Whoosh scores each posting's weight, 1.
                return v.constant(self.docs(q, only), q.boost)
            return self.word_scores({q.fieldname: q.text}, {q.fieldname: 1.0}, q.boost, fielded=True, only=only)
        if type(q) in (wq.And, wq.Or) and q.subqueries and not getattr(q, "scale", None) \
                and not getattr(q, "minmatch", 0):
            found = self.and_scores(q, only) if type(q) is wq.And else \
                v.add([self.scores(c, only) for c in q.subqueries])
            return found if q.boost == 1.0 else v.map(found, lambda s: s * q.boost)
        raise Unsupported

    def and_scores(self, q: wq.And, only):
        """The documents holding every part first, smallest part first (an empty one ends the
        search), then each part scores only those; a NOT part goes last and only removes."""
        v = self.v
        docs, scored = only, {}
        order = sorted(q.subqueries, key=lambda c: (isinstance(c, wq.Not), self.estimate(c)))
        for child in order:
            if isinstance(child, wq.Not):
                if docs is None:
                    docs = self.every_docs(None)
                docs = v.minus(docs, self.docs(child.query))
                scored[id(child)] = v.constant(docs, 1.0)  # Whoosh scores what a NOT lets through 1
            elif isinstance(child, SET_KINDS):
                docs = self.docs(child, docs)
            else:  # scored now, restricted later
                scored[id(child)] = self.scores(child, docs)
                docs = v.docs(scored[id(child)])
            if not v.count(docs):
                return v.constant([], 0.0)
        return v.add([v.restrict(scored[id(c)], docs) if id(c) in scored else self.scores(c, docs)
                      for c in q.subqueries])


class DocNumbers:
    """The documents a search matched: sized and iterable, made a list only when read."""

    def __init__(self, vectors, docs):
        self._vectors, self._docs, self._list = vectors, docs, None

    def __len__(self):
        return self._vectors.count(self._docs)

    def __iter__(self):
        if self._list is None:
            self._list = self._vectors.doc_list(self._docs)
        return iter(self._list)


def top_hits(searcher, q: wq.Query, limit: int | None, vectors=None):
    """(the best `limit` hits as (docnum, score), every matching docnum); None when a part of
    the query is one the executor leaves to Whoosh."""
    vectors = vectors or vectors_for(searcher, q)
    try:
        scores = Execution(searcher, vectors).scores(q)
    except Unsupported:
        return None
    return vectors.top(scores, limit), DocNumbers(vectors, vectors.docs(scores))


def _docs(searcher, q: wq.Query, vectors=None):
    vectors = vectors or vectors_for(searcher, q)
    try:
        return vectors, Execution(searcher, vectors).docs(q)
    except Unsupported:
        return None, None


def matching_docs(searcher, q: wq.Query, vectors=None) -> set[int]:
    """The documents `q` matches (top-level numbers), unscored."""
    vectors, docs = _docs(searcher, q, vectors)
    if vectors is None:
        return set(searcher.docs_for_query(q))
    return docs if isinstance(docs, set) else set(vectors.doc_list(docs))


def count_matching(searcher, q: wq.Query) -> int:
    """How many documents `q` matches."""
    vectors, docs = _docs(searcher, q)
    if vectors is None:
        return sum(1 for _ in searcher.docs_for_query(q))
    return vectors.count(docs)
