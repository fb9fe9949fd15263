"""A segment's posting lists and field lengths read whole, through the codec's own readers."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from whoosh.reading import TermNotFound

from .codec import RecordCodec
from .columns import PostingColumns, read_columns

__all__ = ["term_columns", "term_offset", "columns_at", "deleted_docs", "length_bytes", "posting_ids",
           "posting_id_set", "term_statistics", "number_terms"]

_LENGTHS: WeakKeyDictionary = WeakKeyDictionary()
_STATISTICS: WeakKeyDictionary = WeakKeyDictionary()
_POSTINGS: WeakKeyDictionary = WeakKeyDictionary()


class TermStatistics:
    """A searcher's collection statistics, each looked up once: Whoosh sums a word's document
    frequency over the segments' term tables (a few file reads each) at every call."""

    def __init__(self, searcher):
        self._searcher = searcher
        self._frequencies: dict = {}
        self._lengths: dict = {}
        self._numbers: dict = {}

    def doc_frequency(self, fieldname: str, text) -> int:
        key = (fieldname, text)
        if key not in self._frequencies:
            self._frequencies[key] = self._searcher.doc_frequency(fieldname, text)
        return self._frequencies[key]

    def field_length(self, fieldname: str) -> int:
        if fieldname not in self._lengths:
            self._lengths[fieldname] = self._searcher.field_length(fieldname)
        return self._lengths[fieldname]

    def number_terms(self, fieldname: str) -> list[tuple]:
        """(value, term) of a numeric field's full-precision terms, in order: Whoosh walks and
        merges every segment's lexicon of the field for each range."""
        if fieldname not in self._numbers:
            field, reader = self._searcher.schema[fieldname], self._searcher.reader()
            self._numbers[fieldname] = [(field.from_bytes(t), t) for t in field.sortable_terms(reader, fieldname)]
        return self._numbers[fieldname]


def term_statistics(searcher) -> TermStatistics:
    """The statistics of a searcher (kept while it lives)."""
    if searcher not in _STATISTICS:
        _STATISTICS[searcher] = TermStatistics(searcher)
    return _STATISTICS[searcher]


def number_terms(searcher, fieldname: str) -> list[tuple]:
    """(value, term) of a numeric field's full-precision terms in a searcher's segments, in order."""
    return term_statistics(searcher).number_terms(fieldname)


def _postings_file(reader):
    """A segment's postings file, opened once while the reader lives (a view of the mapped segment)."""
    if reader not in _POSTINGS:
        name = reader.segment().make_filename(RecordCodec.POSTS_EXT)
        _POSTINGS[reader] = reader.storage().open_file(name)
    return _POSTINGS[reader]


def term_columns(reader, fieldname: str, text, with_values: bool = False) -> PostingColumns | None | bool:
    """A term's posting columns in one segment (deleted documents still in them: see
    `deleted_docs`); None if the segment lacks the term, False if it is not in recsearch's codec.

    Read from the term's entry in the term table and the postings file: no matcher is made."""
    offset = term_offset(reader, fieldname, text)
    return offset if offset is None or offset is False else columns_at(reader, offset, with_values)


def term_offset(reader, fieldname: str, text) -> int | None | bool:
    """Where a term's posting list starts in its segment's postings file (one look-up in the term
    table); None if the segment lacks the term, False if it is not in recsearch's codec."""
    if not isinstance(reader.codec(), RecordCodec):
        return False
    try:
        info = reader.term_info(fieldname, text)
    except TermNotFound:
        return None
    if info.is_inlined():
        return False
    return info.extent()[0]


def columns_at(reader, offset: int, with_values: bool = False) -> PostingColumns:
    """The posting columns at `offset` (from `term_offset`) of a segment's postings file."""
    return read_columns(_postings_file(reader), offset, with_values)


def deleted_docs(reader) -> frozenset | None:
    """The deleted documents of one segment (a set Whoosh keeps once read), or None."""
    return reader.deleted_docs_set if reader.has_deletions() else None


def length_bytes(reader, fieldname: str) -> bytes | None:
    """Every document's length of `fieldname` in one segment, one byte each as Whoosh stores
    it, read at once; None if the field keeps no lengths or the segment has no such column.

    Whoosh reads a length from disk per call; scoring a common word asks for one per
    matching document and field."""
    if not reader.is_atomic() or reader.segment() is None:  # several segments: lengths are per segment
        return None
    cache = _LENGTHS.setdefault(reader, {})
    if fieldname not in cache:
        cache[fieldname] = RecordCodec.length_bytes(reader.storage(), reader.segment(), fieldname)
    return cache[fieldname]


def posting_ids(reader, fieldname: str, text):
    """The live documents of one segment holding a term."""
    columns = term_columns(reader, fieldname, text)
    if not columns:
        if columns is False:
            yield from reader.postings(fieldname, text).all_ids()
        return
    deleted = deleted_docs(reader)
    ids = columns.ids()
    yield from (ids if not deleted else (d for d in ids if d not in deleted))


def posting_id_set(reader, fieldname: str, text) -> set[int]:
    """`posting_ids` as a set."""
    return set(posting_ids(reader, fieldname, text))
