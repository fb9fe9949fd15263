"""recsearch's own query nodes: one word over several fields, a set of words at one score, fixed documents.

Each says what it looks for through Whoosh's `terms()` hook (so `iter_all_terms`,
explanations and suggestions see its words) and matches through Whoosh's
matchers when Whoosh runs it; the executor (executor.py) evaluates them itself.
"""

from __future__ import annotations

import bisect
from copy import copy

from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher

from .postings import length_bytes, posting_id_set
from .scoring import FieldLeaf, FieldsTermMatcher, bm25_idf, field_B, record_count

__all__ = ["FieldsTerm", "DocSetQuery", "DocNumQuery", "combine_fields"]


class FieldsTerm(wq.Query):
    """One typed word searched in several fields at once, scored as BM25F.

    The word's frequency in each field is normalised by that field's length
    (its own B), weighted by the field's boost, summed, and saturated once:
    a word in both the title and the abstract counts more than in one, but not
    twice as much (as summing a BM25 score per field would).
    """

    def __init__(self, terms: dict[str, str], boosts: dict[str, float], boost: float = 1.0):
        self.field_terms = dict(terms)
        self.boosts = dict(boosts)
        self.boost = boost

    def __eq__(self, other):
        return type(other) is type(self) and (other.field_terms, other.boosts, other.boost) == (
            self.field_terms, self.boosts, self.boost)

    def __hash__(self):
        return hash((tuple(sorted(self.field_terms.items())), self.boost))

    def __repr__(self):
        return f"FieldsTerm({self.field_terms!r})"

    def __unicode__(self):
        return "(" + " OR ".join(f"{f}:{t}" for f, t in self.field_terms.items()) + ")"

    __str__ = __unicode__

    def field(self):
        return None  # several

    def has_terms(self):
        return True

    def terms(self, phrases=False):
        return iter(self.field_terms.items())

    def docs(self, searcher):
        from .executor import matching_docs

        return iter(sorted(matching_docs(searcher, self)))

    def estimate_size(self, ixreader):
        return max((ixreader.doc_frequency(f, t) for f, t in self.field_terms.items()), default=0)

    def matcher(self, searcher, context=None):
        weighting = getattr(context, "weighting", None) or searcher.weighting
        K1 = getattr(weighting, "K1", 1.2)
        parent = searcher.get_parent()
        reader = searcher.reader()
        records = record_count(parent)
        # The word's document frequency in the record as a whole is at least
        # its largest in one field.
        idf = bm25_idf(records, max((parent.doc_frequency(f, t) for f, t in self.field_terms.items()), default=0))
        leaves = []
        for fieldname, text in self.field_terms.items():
            if (fieldname, text) not in reader:
                continue
            B = field_B(weighting, fieldname)
            avgfl = parent.field_length(fieldname) / records or 1
            leaves.append(FieldLeaf(reader.postings(fieldname, text), fieldname, self.boosts.get(fieldname, 1.0), B,
                                    avgfl, length_bytes(reader, fieldname)))
        if not leaves:
            return NullMatcher()
        return FieldsTermMatcher(leaves, reader, idf * self.boost, K1)


class DocSetQuery(wq.Query):
    """Documents holding any of `words` in `fieldname`, all at one score (`boost`).

    What a wildcard, prefix or fuzzy term with many expansions becomes: a union
    of posting lists read in blocks, instead of a scored union matcher over
    hundreds of terms (which in Whoosh costs seconds per query).
    """

    def __init__(self, fieldname: str, words: list[str], boost: float = 1.0, label: str = ""):
        self.fieldname = fieldname
        self.words = list(words)
        self.boost = boost
        self.label = label

    def __eq__(self, other):
        return (type(other) is type(self) and other.fieldname == self.fieldname
                and other.words == self.words and other.boost == self.boost)

    def __hash__(self):
        return hash((self.fieldname, tuple(self.words), self.boost))

    def __repr__(self):
        return f"DocSetQuery({self.fieldname!r}, {self.label or len(self.words)!r})"

    def __unicode__(self):
        return f"{self.fieldname}:{self.label}"

    __str__ = __unicode__

    def field(self):
        return self.fieldname

    def has_terms(self):
        return True

    def terms(self, phrases=False):
        return ((self.fieldname, w) for w in self.words)

    def docs(self, searcher):
        from .executor import matching_docs

        return iter(sorted(matching_docs(searcher, self)))

    def estimate_size(self, ixreader):
        return sum(ixreader.doc_frequency(self.fieldname, w) for w in self.words)

    def matcher(self, searcher, context=None):
        ids: set[int] = set()
        reader = searcher.reader()
        for word in self.words:
            if (self.fieldname, word) in reader:
                ids.update(posting_id_set(reader, self.fieldname, word))
        if not ids:
            return NullMatcher()
        return ListMatcher(sorted(ids), all_weights=self.boost)


class DocNumQuery(wq.Query):
    """A fixed set of documents (top-level document numbers), all at one score.

    What a `#N` history reference becomes once its search has run. Whoosh runs
    a query segment by segment, so the matcher picks out its segment's share.
    """

    def __init__(self, docnums, label: str = "", boost: float = 1.0):
        self.docnums = sorted(set(docnums))
        self.label = label
        self.boost = boost

    def __eq__(self, other):
        return type(other) is type(self) and other.docnums == self.docnums and other.boost == self.boost

    def __hash__(self):
        return hash((tuple(self.docnums), self.boost))

    def __repr__(self):
        return f"DocNumQuery({self.label or len(self.docnums)!r})"

    def __unicode__(self):
        return self.label or f"<{len(self.docnums)} records>"

    __str__ = __unicode__

    def estimate_size(self, ixreader):
        return len(self.docnums)

    def docs(self, searcher):
        return iter(self.docnums)

    def matcher(self, searcher, context=None):
        parent = searcher.get_parent()
        offset = next((o for sub, o in parent.leaf_searchers() if sub is searcher), 0)
        size = searcher.doc_count_all()
        lo, hi = bisect.bisect_left(self.docnums, offset), bisect.bisect_left(self.docnums, offset + size)
        local = [d - offset for d in self.docnums[lo:hi]]
        if not local:
            return NullMatcher()
        return ListMatcher(local, all_weights=self.boost)


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
                same = next((m for m in merged if isinstance(m, FieldsTerm) and m.field_terms == child.field_terms
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

