"""recsearch's Whoosh codec: each posting list stored as columns (ids, weights, positions apart).

Whoosh's own codec keeps a block of postings as one pickle of ids, weights
and positions, so reading ids costs unpickling positions too, and nothing can
be read without Python decoding each posting. Here a posting list is one
extent of plain little-endian arrays:

    magic, head, skip table (one row per block of BLOCK postings),
    id deltas, weights, values (position counts then position deltas)

Whoosh's searcher reads it through `ColumnMatcher` (every query kind works,
blocks are skipped as in Whoosh); the bulk executor reads whole columns with
`ColumnMatcher.columns` (one read, decoded by `array` or numpy). The codec is
pickled into each segment: it lives at this import path.
"""

from __future__ import annotations

import struct
from array import array
from itertools import accumulate
from operator import sub

from whoosh import formats
from whoosh.codec.base import PostingsWriter
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PostingsWriter
from whoosh.util.numeric import length_to_byte

MAGIC = b"RcP1"
BLOCK = 256  # postings a skip-table row covers
# Head: postings, blocks, first id, bytes of the value section, then the widths
# (bytes) of an id delta, a weight (0: every weight 1.0, 4: float32), a position
# count and a position delta, the value kind, and the fixed value size.
HEAD = struct.Struct("<IIIIBBBBBB")
# A skip-table row: last id, largest weight, shortest and longest length (bytes),
# where its values start in the value section (a position index, or a byte offset).
SKIP = struct.Struct("<IfBBI")
NO_VALUES, POSITIONS, FIXED_VALUES, VARIABLE_VALUES = 0, 1, 2, 3
INT_TYPE = {1: "B", 2: "H", 4: "I"}


def int_width(largest: int) -> int:
    """Bytes per number for unsigned numbers up to `largest`."""
    return 1 if largest < 1 << 8 else 2 if largest < 1 << 16 else 4


def value_kind(format_) -> int:
    if type(format_) is formats.Positions:
        return POSITIONS
    size = format_.fixed_value_size()
    if size == 0:
        return NO_VALUES
    return FIXED_VALUES if size and size > 0 else VARIABLE_VALUES


class RecordCodec(W3Codec):
    """Whoosh's W3 codec (term tables, columns, stored fields), with columnar posting lists."""

    def postings_writer(self, dbfile, byteids=False):
        if byteids:  # term vectors (not used by the schema): Whoosh's own blocks
            return W3PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=True,
                                    compression=self._compression, inlinelimit=self._inlinelimit)
        return ColumnPostingsWriter(dbfile)

    def field_writer(self, storage, segment):
        return RecordFieldWriter(self, storage, segment)

    def new_segment(self, storage, indexname):
        from .mapped import RecordSegment

        return RecordSegment(self, indexname)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        from .columns import ColumnMatcher

        offset, length = terminfo.extent()
        return ColumnMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    @staticmethod
    def length_bytes(storage, segment, fieldname: str) -> bytes | None:
        """The field-length column W3's per-document writer keeps (a byte a document, as many as
        were written: later documents have no length), read whole; None without one."""
        name = W3Codec.column_filename(segment, f"_{fieldname}_len")  # the name W3PerDocWriter gives it
        if not storage.file_exists(name):
            return None
        column = storage.open_file(name)
        try:
            data = column.read(storage.file_length(name))
        finally:
            column.close()
        return data + bytes(max(segment.doc_count_all() - len(data), 0))


class FieldLengths:
    """A new segment's field lengths for its postings, one field's column at a time: Whoosh's
    `add_postings` asks the per-document reader for a length at every posting."""

    def __init__(self, lengths):
        self._lengths, self._field, self._column = lengths, None, None

    def doc_field_length(self, docnum: int, fieldname: str, default=0):
        if fieldname != self._field:
            length = self._lengths.doc_field_length
            self._field = fieldname
            self._column = [length(d, fieldname) or default for d in range(self._lengths.doc_count_all())]
        return self._column[docnum]


class RecordFieldWriter(W3FieldWriter):
    """W3's term-table writer, given a new segment's lengths a field at a time (`FieldLengths`),
    and a term's postings whole (`add_term`)."""

    def add_postings(self, schema, lengths, items):
        return super().add_postings(schema, FieldLengths(lengths) if lengths else lengths, items)

    def add_term(self, btext: bytes, ids, weights, lengths, values) -> None:
        """One term's postings at once: ids, weights and lengths per posting, and values as
        `ColumnPostingsWriter.set_postings` takes them."""
        self.start_term(btext)
        self._postwriter.set_postings(ids, weights, lengths, values)
        self.finish_term()


class _BlockStats:
    """One block's statistics, in the shape `W3TermInfo.add_block` reads."""

    def __init__(self, ids, weights, lengths):
        self._ids, self._weights = ids, weights
        present = [n for n in lengths if n]
        self._minlength = min(present) if present else None
        self._maxlength = max(present, default=0)

    def __len__(self):
        return len(self._ids)

    def min_id(self):
        return self._ids[0]

    def max_id(self):
        return self._ids[-1]

    def min_length(self):
        return self._minlength

    def max_length(self):
        return self._maxlength

    def max_weight(self):
        return max(self._weights)


class ColumnPostingsWriter(PostingsWriter):
    """Writes a term's postings as one columnar extent; a posting list is held until it ends
    (at most a segment's documents), so that every block shares the columns' widths."""

    def __init__(self, postfile):
        self._postfile = postfile
        self._terminfo = None
        self._wrote = False

    def written(self):
        return self._wrote

    def start_postings(self, format_, terminfo):
        if self._terminfo is not None:
            raise RuntimeError("start_postings called inside a term")
        self._format, self._terminfo = format_, terminfo
        self._kind = value_kind(format_)
        self._ids, self._weights, self._lengths = array("I"), array("f"), []
        # Positions as a count per posting and all positions in a row; other values as bytes.
        self._values = (array("I"), array("I")) if self._kind == POSITIONS else []

    def add_posting(self, id_, weight, vbytes, length=None):
        self._ids.append(id_)
        self._weights.append(weight)
        self._lengths.append(length or 0)
        if self._kind == POSITIONS:
            positions = self._format.decode_positions(vbytes)
            self._values[0].append(len(positions))
            self._values[1].extend(positions)
        elif self._kind != NO_VALUES:
            self._values.append(vbytes)

    def set_postings(self, ids, weights, lengths, values) -> None:
        """A term's postings whole: `ids` (array of "I"), `weights` (array of "f"), `lengths` (ints),
        and `values`: for positions (counts, positions in a row) or each posting's encoded
        positions, for other formats each posting's value bytes."""
        self._ids, self._weights, self._lengths = ids, weights, lengths
        if self._kind == POSITIONS and not isinstance(values, tuple):
            counts, flat = array("I"), array("I")
            for vbytes in values:
                positions = self._format.decode_positions(vbytes)
                counts.append(len(positions))
                flat.extend(positions)
            values = (counts, flat)
        if self._kind != NO_VALUES:
            self._values = values

    def finish_postings(self):
        ids, weights, lengths, values, kind = self._ids, self._weights, self._lengths, self._values, self._kind
        terminfo = self._terminfo
        n = len(ids)
        if not n:
            raise ValueError("a posting list without postings")
        if n == 1:  # most terms of ids, urls, names and rare words: the same extent, fewer steps
            return self._finish_single(ids, weights, lengths, values, kind, terminfo)
        starts = range(0, n, BLOCK)
        skips = []
        for start in starts:
            end = start + BLOCK
            block_weights, block_lengths = weights[start:end], lengths[start:end]
            stats = _BlockStats(ids[start:end], block_weights, block_lengths)
            terminfo.add_block(stats)
            skips.append((stats.max_id(), stats.max_weight(), length_to_byte(stats.min_length() or 0),
                          length_to_byte(stats.max_length())))
        deltas = array("I", map(sub, ids[1:], ids[:-1]))
        id_width = int_width(max(deltas, default=0))
        whole = weights.tolist()
        as_ints = list(map(int, whole))
        if as_ints == whole and min(as_ints) >= 1 and max(as_ints) == 1:
            weight_width, weight_column = 0, b""
        elif as_ints == whole and min(as_ints) >= 0 and max(as_ints) < 1 << 16:
            weight_width = int_width(max(as_ints))
            weight_column = array(INT_TYPE[weight_width], as_ints).tobytes()
        else:
            weight_width, weight_column = 4, weights.tobytes()
        value_column, value_starts, count_width, pos_width, fixed = self._value_column(values, kind, starts)
        head = HEAD.pack(n, len(starts), ids[0], len(value_column), id_width, weight_width, count_width, pos_width,
                         kind, fixed)
        table = b"".join(SKIP.pack(*row, at) for row, at in zip(skips, value_starts))
        postfile = self._postfile
        offset = postfile.tell()
        postfile.write(b"".join((MAGIC, head, table, array(INT_TYPE[id_width], deltas).tobytes(), weight_column,
                                 value_column)))
        terminfo.set_extent(offset, postfile.tell() - offset)
        self._wrote = True
        self._terminfo = None
        self._ids = self._weights = self._lengths = self._values = None
        return terminfo

    def _finish_single(self, ids, weights, lengths, values, kind, terminfo):
        terminfo.add_block(_BlockStats(ids, weights, lengths))
        weight, length = weights[0], lengths[0]
        if weight == 1.0:
            weight_width, weight_column = 0, b""
        elif weight.is_integer() and 0 <= weight < 1 << 16:
            weight_width = int_width(int(weight))
            weight_column = array(INT_TYPE[weight_width], [int(weight)]).tobytes()
        else:
            weight_width, weight_column = 4, weights.tobytes()
        value_column, _, count_width, pos_width, fixed = self._value_column(values, kind, (0,))
        byte = length_to_byte(length) if length else 0
        postfile = self._postfile
        offset = postfile.tell()
        postfile.write(b"".join((MAGIC, HEAD.pack(1, 1, ids[0], len(value_column), 1, weight_width, count_width,
                                                  pos_width, kind, fixed),
                                 SKIP.pack(ids[0], weight, byte, byte, 0), weight_column, value_column)))
        terminfo.set_extent(offset, postfile.tell() - offset)
        self._wrote = True
        self._terminfo = None
        self._ids = self._weights = self._lengths = self._values = None
        return terminfo

    def _value_column(self, values, kind, starts):
        """(column bytes, where each block's values start, count width, position width, fixed size)."""
        if kind == POSITIONS:
            counts, flat = values
            first = [0, *accumulate(counts)]  # where each posting's positions start
            deltas = list(map(sub, flat, [0, *flat[:-1]]))
            for start, count in zip(first, counts):
                if count:  # a posting's first position is its own delta
                    deltas[start] = flat[start]
            count_width = int_width(max(counts, default=0))
            pos_width = int_width(max(deltas, default=0))
            column = (array(INT_TYPE[count_width], counts).tobytes()
                      + array(INT_TYPE[pos_width], deltas).tobytes())
            return column, [first[s] for s in starts], count_width, pos_width, 0
        if kind == FIXED_VALUES:
            size = self._format.fixed_value_size()
            return b"".join(values), [s * size for s in starts], 0, 0, size
        if kind == VARIABLE_VALUES:
            sizes = array("I", map(len, values))
            first = [0]
            for size in sizes:
                first.append(first[-1] + size)
            return sizes.tobytes() + b"".join(values), [first[s] for s in starts], 0, 0, 0
        return b"", [0] * len(starts), 0, 0, 0

