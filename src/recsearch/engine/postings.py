"""Reading posting lists fast, and a query that matches a set of documents at one score."""

from __future__ import annotations

import pickle
import zlib
from io import BytesIO
from itertools import accumulate

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.system import _INT_SIZE, unpack_int
from whoosh.util.numeric import byte_to_length


def posting_blocks(reader, field: str, term):
    """A term's posting list a block at a time: (leaf matcher at the block, deleted documents or None).

    Read what the block is needed for: `matcher._ids`, `._weights`, `._values`
    (after `_read_ids`, `_read_weights`, `_read_values`). Whoosh 2.7 leaf
    matchers, private but stable in the pinned version; None when the
    matcher is not one (then use its public methods).
    """
    from whoosh.matching.wrappers import FilterMatcher

    matcher = reader.postings(field, term)
    deleted = None
    if isinstance(matcher, FilterMatcher):
        matcher, deleted = matcher.child, matcher._ids
    if not hasattr(matcher, "_read_ids"):
        return None

    fast_ids = not getattr(matcher, "_byteids", True) and hasattr(matcher, "_read_data")
    next_block = _next_block_read_once if type(matcher) is W3LeafMatcher else type(matcher)._next_block

    def blocks():
        while matcher.is_active():
            if matcher._ids is None:
                if fast_ids:
                    # Whoosh's _read_ids, with its Python delta decoding done by accumulate.
                    if matcher._data is None:
                        matcher._read_data()
                    matcher._ids = tuple(accumulate(matcher._data[0]))
                else:
                    matcher._read_ids()
            yield matcher, deleted
            next_block(matcher)

    return blocks()


def _next_block_read_once(matcher) -> None:
    """W3LeafMatcher._next_block (Whoosh 2.7), reading the next block whole in one read.

    Whoosh reads a block's info tuple with pickle.load straight from the file,
    which asks the file for a few bytes at a time (about 24 reads a block),
    then reads the data again; here the block comes in one read and both are
    decoded from it.
    """
    if matcher._lastblock:
        matcher._atend = True
        return
    position = matcher._nextoffset
    postfile = matcher._postfile
    length = unpack_int(postfile.get(position, _INT_SIZE))[0]
    matcher._lastblock = length < 0
    length = abs(length)
    block = postfile.get(position + _INT_SIZE, length)
    head = BytesIO(block)
    blocklength, maxid, maxweight, compression, minlength, maxlength = pickle.load(head)
    start = head.tell()
    matcher._nextoffset = position + _INT_SIZE + length
    matcher._dataoffset = position + _INT_SIZE + start
    matcher._blocklength, matcher._maxid, matcher._maxweight = blocklength, maxid, maxweight
    matcher._compression = compression
    matcher._minlength, matcher._maxlength = byte_to_length(minlength), byte_to_length(maxlength)
    data = block[start:]
    matcher._data = pickle.loads(zlib.decompress(data) if compression else data)
    matcher._ids = matcher._weights = matcher._values = None
    matcher._i = 0


def posting_ids(reader, field: str, term: str):
    """The live documents holding a term, read a block at a time.

    `Matcher.all_ids` moves one posting at a time through Python calls;
    this reads each block's id array whole.
    """
    blocks = posting_blocks(reader, field, term)
    if blocks is None:
        yield from reader.postings(field, term).all_ids()
        return
    for matcher, deleted in blocks:
        ids = matcher._ids
        yield from (ids if not deleted else (i for i in ids if i not in deleted))


def posting_id_set(reader, field: str, term) -> set[int]:
    """The live documents holding a term, as a set built a block at a time."""
    blocks = posting_blocks(reader, field, term)
    if blocks is None:
        return set(reader.postings(field, term).all_ids())
    found: set[int] = set()
    deleted = None
    for matcher, deleted in blocks:
        found.update(matcher._ids)
    return found - deleted if deleted else found


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

    def matcher(self, searcher, context=None):
        import bisect

        parent = searcher.get_parent()
        offset = parent._offset_for_subsearcher(searcher) or 0 if parent is not searcher else 0
        size = searcher.doc_count_all()
        lo, hi = bisect.bisect_left(self.docnums, offset), bisect.bisect_left(self.docnums, offset + size)
        local = [d - offset for d in self.docnums[lo:hi]]
        if not local:
            return NullMatcher()
        return ListMatcher(local, all_weights=self.boost)


def _every_docs(searcher, fieldname: str | None) -> set[int]:
    """The live documents holding anything in `fieldname` (every live document when None):
    Whoosh's `Every`, which for a field reads the posting list of every word in it (10 s
    for `*` over 100,000 records). A document holds a scored field when its length is not 0."""
    from .scoring import length_bytes

    found: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        deleted = reader.is_deleted if reader.has_deletions() else None
        lengths = length_bytes(reader, fieldname) if fieldname in reader.schema else None
        if fieldname is None:
            ids = range(reader.doc_count_all()) if deleted is None else reader.all_doc_ids()
        elif lengths is not None:
            ids = (d for d, n in enumerate(lengths) if n and not (deleted and deleted(d)))
        elif fieldname in reader.schema:  # no lengths kept (an unscored field): the union of its words' documents
            ids = set().union(*(posting_id_set(reader, fieldname, w) for w in reader.lexicon(fieldname)))
        else:
            ids = ()
        found.update(map(offset.__add__, ids) if offset else ids)
    return found


def _term_docs(searcher, fieldname: str, text) -> set[int]:
    found: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if (fieldname, text) in reader:
            ids = posting_id_set(reader, fieldname, text)
            found.update(map(offset.__add__, ids) if offset else ids)
    return found


def matching_docs(searcher, q: wq.Query) -> set[int]:
    """The documents `q` matches (top-level numbers), unscored.

    Words, fielded words and their unions and intersections are set
    operations on posting lists read in blocks; anything else (phrases,
    ranges) is left to Whoosh's matchers. Counting a large result this way
    costs a fraction of walking Whoosh's union matchers one document at a time.
    """
    from .scoring import FieldsTerm

    if isinstance(q, wq.Term):
        return _term_docs(searcher, q.fieldname, q.text)
    if isinstance(q, FieldsTerm):
        return set().union(*(_term_docs(searcher, f, t) for f, t in q.terms.items()))
    if isinstance(q, DocSetQuery):
        return set().union(*(_term_docs(searcher, q.fieldname, w) for w in q.words))
    if isinstance(q, DocNumQuery):
        return set(q.docnums)
    if isinstance(q, wq.Every):
        return _every_docs(searcher, q.fieldname)
    if isinstance(q, wq.Or) and q.subqueries:
        return set().union(*(matching_docs(searcher, c) for c in q.subqueries))
    if isinstance(q, wq.And):
        wanted = [c for c in q.subqueries if not isinstance(c, wq.Not)]
        unwanted = [c.query for c in q.subqueries if isinstance(c, wq.Not)]
        if wanted:
            sets = sorted((matching_docs(searcher, c) for c in wanted), key=len)
            found = sets[0].intersection(*sets[1:])
            for c in unwanted:
                if found:
                    found -= matching_docs(searcher, c)
            return found
    if isinstance(q, wq.AndNot):
        return matching_docs(searcher, q.a) - matching_docs(searcher, q.b)
    if isinstance(q, wq.ConstantScoreQuery):
        return matching_docs(searcher, q.child)
    if isinstance(q, wq.NumericRange):
        return matching_docs(searcher, q.simplify(searcher.reader()))
    if isinstance(q, wq.TermRange):
        # A range is the union of the field's terms in it.
        words = list(q._btexts(searcher.reader()))
        return set().union(*(_term_docs(searcher, q.fieldname, w) for w in words))
    return set(searcher.docs_for_query(q))
