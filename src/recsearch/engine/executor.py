"""Top hits of plain word queries, scored from whole posting blocks.

Most searches are words joined by AND (the default) or OR (`--any`). Whoosh
scores them through a tree of matchers, a dozen Python calls per posting per
field. Here each word's posting blocks are read whole and scored in one loop
into a dictionary; AND intersects, OR adds. The scores are the ones
`ranking.FieldsTermMatcher` and `RecordBM25F` give (tests compare the two).
Anything else (phrases, ranges, NOT, expansions) returns None and goes to Whoosh.
"""

from __future__ import annotations

import heapq
from itertools import accumulate
from pickle import loads

from whoosh import fields, formats
from whoosh import query as wq

from .postings import DocNumQuery, DocSetQuery, matching_docs, posting_blocks
from .scoring import FieldsTerm, bm25_idf, length_bytes, length_of_byte, record_count


class _Blocks:
    """Each term's posting blocks in a segment, read once per search.

    A Whoosh block is one pickle of ids, weights and positions: reading it
    costs the same whether the ids alone are wanted (to intersect) or the
    weights too (to score), so a search reads it once for both.
    """

    def __init__(self):
        self._read: dict[tuple, list | None] = {}

    def __call__(self, reader, fieldname: str, text) -> list[tuple] | None:
        """(ids, weights, values) per block, deleted documents left out; None if not Whoosh's format."""
        key = (id(reader), fieldname, text)
        if key not in self._read:
            self._read[key] = self._load(reader, fieldname, text)
        return self._read[key]

    @staticmethod
    def _load(reader, fieldname: str, text):
        blocks = posting_blocks(reader, fieldname, text)
        if blocks is None:
            return None
        found = []
        for matcher, deleted in blocks:
            if matcher._weights is None:
                matcher._read_weights()
            if matcher._values is None:
                matcher._read_values()
            ids, weights, values = matcher._ids, matcher._weights, matcher._values
            if deleted:
                kept = [(i, w, v) for i, w, v in zip(ids, weights, values) if i not in deleted]
                ids, weights, values = (tuple(k[n] for k in kept) for n in range(3))
            found.append((ids, weights, values))
        return found

    def segment_ids(self, reader, fieldname: str, text) -> set[int]:
        """The live documents of one segment holding a term (numbered in the segment)."""
        blocks = self(reader, fieldname, text) if (fieldname, text) in reader else []
        if blocks is None:
            raise _Unsupported
        return set().union(*(ids for ids, _, _ in blocks))

    def doc_ids(self, searcher, fieldname: str, text) -> set[int]:
        """The live documents holding a term (top-level numbers)."""
        found: set[int] = set()
        for sub, offset in searcher.leaf_searchers():
            ids = self.segment_ids(sub.reader(), fieldname, text)
            found.update(map(offset.__add__, ids) if offset else ids)
        return found


def _restrict(blocks, wanted: set[int] | None):
    """The postings of `blocks` for the documents `wanted` (all of them when None)."""
    if wanted is None:
        return [(ids, weights) for ids, weights, _ in blocks]
    found = []
    for ids, weights, _ in blocks:
        hit = wanted.intersection(ids)
        if hit:
            weight_of = dict(zip(ids, weights))
            hit = list(hit)
            found.append((hit, [weight_of[i] for i in hit]))
    return found


def _local(only: set[int] | None, offset: int, size: int) -> set[int] | None:
    """The documents of `only` (top-level numbers) in the segment at `offset`, numbered in it."""
    if only is None:
        return None
    if offset == 0 and (not only or max(only) < size):
        return only
    return {d - offset for d in only if offset <= d < offset + size}


class _Unsupported(Exception):
    pass


def _word_scores(searcher, read: _Blocks, terms: dict[str, str], boosts: dict[str, float], boost: float,
                 fielded: bool, only: set[int] | None = None):
    """Scores of every document holding one word (of `only` when given): BM25F with one
    saturation across `terms`' fields (as FieldsTermMatcher), or with `fielded` (one field)
    Whoosh's BM25F."""
    weighting = searcher.weighting
    K1 = getattr(weighting, "K1", 1.2)
    records = record_count(searcher)
    table = length_of_byte()
    # A typed year is one word over the text fields and the year (query_years): the year
    # field has no lengths, and FieldsTermMatcher counts it as a field of length 1.
    flat = set()
    for fieldname in terms:
        field = searcher.schema[fieldname] if fieldname in searcher.schema else None
        if not fielded and isinstance(field, fields.NUMERIC):
            flat.add(fieldname)
        elif not isinstance(field, fields.TEXT) or not field.scorable:
            raise _Unsupported
    idf = bm25_idf(records, max((searcher.doc_frequency(f, t) for f, t in terms.items()), default=0))
    scores: dict[int, float] = {}
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        wanted = _local(only, offset, reader.doc_count_all())
        if wanted is not None and not wanted:
            continue
        tf: dict[int, float] = {}
        for fieldname, text in terms.items():
            if (fieldname, text) not in reader:
                continue
            if fieldname in flat:
                weight = boosts.get(fieldname, 1.0)
                for doc in read.segment_ids(reader, fieldname, text):
                    if wanted is None or doc in wanted:
                        tf[doc] = tf.get(doc, 0.0) + weight
                continue
            B = getattr(weighting, "_field_B", {}).get(fieldname, getattr(weighting, "B", 0.75))
            avgfl = searcher.field_length(fieldname) / records or 1
            lengths = length_bytes(reader, fieldname)
            blocks = read(reader, fieldname, text)
            if lengths is None or blocks is None:
                raise _Unsupported
            blocks = _restrict(blocks, wanted)
            # The length norm of each stored length byte.
            norm = [1 - B + B * length / avgfl for length in table]
            if fielded:
                scale = idf * (K1 + 1) * boost
                for ids, weights in blocks:
                    for doc, w in zip(ids, weights):
                        scores[doc + offset] = scale * w / (w + K1 * norm[lengths[doc]])
                continue
            weight = boosts.get(fieldname, 1.0)
            get = tf.get
            for ids, weights in blocks:
                for doc, w in zip(ids, weights):
                    tf[doc] = get(doc, 0.0) + weight * w / norm[lengths[doc]]
        scale = idf * boost * (K1 + 1)
        for doc, t in tf.items():
            scores[doc + offset] = scale * t / (t + K1)
    return scores


def _decode_positions(value: bytes) -> list[int]:
    """Whoosh's Positions.decode_positions (a count, then pickled deltas), summed by accumulate."""
    return list(accumulate(loads(value[4:] if value.endswith(b".") else value[4:] + b".")))


def _positions(blocks, wanted: set[int], decode) -> dict[int, list[int]]:
    """Positions of a word in the documents `wanted` (live segment numbers)."""
    found = {}
    for ids, _, values in blocks:
        if wanted.intersection(ids):
            for doc, value in zip(ids, values):
                if doc in wanted:
                    found[doc] = decode(value)
    return found


def _phrase_scores(searcher, read: _Blocks, q: wq.Phrase, only: set[int] | None = None) -> dict[int, float]:
    """Whoosh's phrase (words at consecutive positions, slop 1): each document
    holding it scores the sum of its words' BM25F scores in the field, times the boost.

    Candidates are the intersection of the words' posting lists; positions are
    decoded for those only, and a word's frequency is its number of positions.
    """
    fieldname = q.fieldname
    field = searcher.schema[fieldname] if fieldname in searcher.schema else None
    if q.slop != 1 or not isinstance(field, fields.TEXT) or not field.scorable \
            or not field.format.supports("positions") or not q.words:
        raise _Unsupported
    weighting = searcher.weighting
    K1 = getattr(weighting, "K1", 1.2)
    B = getattr(weighting, "_field_B", {}).get(fieldname, getattr(weighting, "B", 0.75))
    records = record_count(searcher)
    avgfl = searcher.field_length(fieldname) / records or 1
    norm = [1 - B + B * length / avgfl for length in length_of_byte()]
    scales = [bm25_idf(records, searcher.doc_frequency(fieldname, w)) * (K1 + 1) for w in q.words]
    found: dict[int, float] = {}
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if any((fieldname, w) not in reader for w in q.words):
            continue
        lengths = length_bytes(reader, fieldname)
        if lengths is None:
            raise _Unsupported
        doc_sets = sorted((read.segment_ids(reader, fieldname, w) for w in q.words), key=len)
        wanted = _local(only, offset, reader.doc_count_all())
        if wanted is not None:
            doc_sets.insert(0, wanted)
        local = doc_sets[0].intersection(*doc_sets[1:])
        if not local:
            continue
        decode = _decode_positions if type(field.format) is formats.Positions else field.format.decode_positions
        positions = [_positions(read(reader, fieldname, w), local, decode) for w in q.words]
        for doc in local:
            first, rest = positions[0][doc], [set(p[doc]) for p in positions[1:]]
            if any(all(start + k in later for k, later in enumerate(rest, 1)) for start in first):
                n = norm[lengths[doc]]
                total = 0.0
                for scale, p in zip(scales, positions):
                    w = float(len(p[doc]))
                    total += scale * w / (w + K1 * n)
                found[doc + offset] = total * q.boost
    return found


def _doc_set(searcher, read: _Blocks, q: wq.Query, only: set[int] | None) -> set[int]:
    """The documents `q` matches (of `only` when given), without scoring them where that is cheaper."""
    if isinstance(q, (FieldsTerm, wq.Term)):
        terms = q.terms if isinstance(q, FieldsTerm) else {q.fieldname: q.text}
        found = set().union(*(read.doc_ids(searcher, f, t) for f, t in terms.items()))
    elif isinstance(q, (DocSetQuery, DocNumQuery, wq.Every)):
        found = matching_docs(searcher, q)
    else:
        return set(_scores(searcher, read, q, only))
    return found if only is None else found & only


def _is_closed_range(searcher, q: wq.Query) -> bool:
    """A constant-score range with both ends on a field with a column of its values (`year:[2000 TO 2010]`)."""
    field = searcher.schema[q.fieldname] if isinstance(q, wq.NumericRange) and q.fieldname in searcher.schema else None
    return bool(field and field.column_type and q.constantscore and None not in (q.start, q.end))


def _in_range(searcher, q: wq.NumericRange, docs: set[int]) -> set[int]:
    """The documents of `docs` whose value falls in the range, read from the field's column:
    for a few thousand documents, cheaper than reading the postings of every value in the range."""
    value = searcher.reader().column_reader(q.fieldname)
    lo, hi = q.start, q.end
    found = set()
    for doc in docs:
        v = value[doc]
        if (lo < v if q.startexcl else lo <= v) and (v < hi if q.endexcl else v <= hi):
            found.add(doc)
    return found


def _scores(searcher, read: _Blocks, q: wq.Query, only: set[int] | None = None) -> dict[int, float]:
    """Scores of the documents `q` matches; with `only`, of those of them in `only`."""
    if isinstance(q, (wq.NumericRange, wq.TermRange, DocSetQuery, DocNumQuery, wq.Every)):
        if isinstance(q, (wq.NumericRange, wq.TermRange)) and not q.constantscore:
            raise _Unsupported
        # Constant-score parts (a year range, a set from history, a wide
        # expansion, `*`) add their boost to every document they hold, as in Whoosh.
        found = matching_docs(searcher, q)
        return dict.fromkeys(found if only is None else found & only, q.boost)
    if q is wq.NullQuery:
        return {}
    if isinstance(q, FieldsTerm):
        return _word_scores(searcher, read, q.terms, q.boosts, q.boost, fielded=False, only=only)
    if type(q) is wq.Phrase:
        return _phrase_scores(searcher, read, q, only)
    if type(q) is wq.Term and q.fieldname in searcher.schema and not searcher.schema[q.fieldname].scorable:
        # An unscored field (a year, an ISSN): Whoosh scores each posting's weight, 1.
        found = matching_docs(searcher, q)
        return dict.fromkeys(found if only is None else found & only, q.boost)
    if type(q) is wq.Term:
        return _word_scores(searcher, read, {q.fieldname: q.text}, {q.fieldname: 1.0}, q.boost, fielded=True, only=only)
    if type(q) in (wq.And, wq.Or) and q.subqueries and not getattr(q, "scale", None) \
            and not getattr(q, "minmatch", 0):
        if type(q) is wq.And:
            # The documents holding every part first, smallest part first (an
            # empty one ends the search); then each part scores only those.
            # A closed range goes last: it checks the remaining documents' values.
            reader = searcher.reader()
            docs, scored = only, {}
            for child in sorted(q.subqueries, key=lambda c: (isinstance(c, wq.Not), _is_closed_range(searcher, c),
                                                             c.estimate_size(reader))):
                if isinstance(child, wq.Not):
                    # Last, so it only removes documents; Whoosh scores each document it lets through 1.
                    if docs is None:
                        docs = matching_docs(searcher, wq.Every())
                    docs = docs - matching_docs(searcher, child.query)
                    scored[id(child)] = dict.fromkeys(docs, 1.0)
                elif docs is not None and _is_closed_range(searcher, child):
                    scored[id(child)] = dict.fromkeys(_in_range(searcher, child, docs), child.boost)
                    docs = set(scored[id(child)])
                elif isinstance(child, (FieldsTerm, wq.Term, DocSetQuery, DocNumQuery, wq.Every)):
                    docs = _doc_set(searcher, read, child, docs)
                else:  # scored now, restricted later
                    scored[id(child)] = _scores(searcher, read, child, docs)
                    docs = set(scored[id(child)])
                if not docs:
                    return {}
            parts = [scored.get(id(c)) or _scores(searcher, read, c, docs) for c in q.subqueries]
            found = {d: sum(p[d] for p in parts) for d in docs}
        else:
            found = {}
            for part in (_scores(searcher, read, c, only) for c in q.subqueries):
                for d, s in part.items():
                    found[d] = found.get(d, 0.0) + s
        if q.boost != 1.0:
            found = {d: s * q.boost for d, s in found.items()}
        return found
    raise _Unsupported


def top_hits(searcher, q: wq.Query, limit: int | None):
    """For a query of words under AND/OR: (the best `limit` hits as (docnum, score), every
    matching docnum); None for any other query."""
    try:
        scores = _scores(searcher, _Blocks(), q)
    except _Unsupported:
        return None
    if limit is None:
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    else:
        best = heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))
    return best, scores.keys()
