"""Reading the codec's columnar posting lists: Whoosh's matcher interface, and whole columns at once."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from itertools import accumulate

from whoosh.matching import LeafMatcher, ReadTooFar
from whoosh.util.numeric import byte_to_length

from .codec import BLOCK, FIXED_VALUES, HEAD, INT_TYPE, MAGIC, NO_VALUES, POSITIONS, SKIP, VARIABLE_VALUES

NUMPY_TYPE = {1: "<u1", 2: "<u2", 4: "<u4"}


def _numbers(data, width: int) -> array:
    found = array(INT_TYPE[width])
    found.frombytes(data)
    return found


class PostingColumns:
    """A posting list's columns, read in one piece; decoded to lists (`ids`, `weights`) or numpy
    arrays (`id_array`, `weight_array`, `position_arrays_of`)."""

    def __init__(self, head: tuple, data, with_values: bool):
        (self.count, _, self.first, self._value_bytes, self._id_width, self._weight_width, self._count_width,
         self._pos_width, self.kind, _) = head
        self._data = data
        self._weights_at = (self.count - 1) * self._id_width
        self._values_at = self._weights_at + self.count * self._weight_width
        self.has_positions = with_values and self.kind == POSITIONS
        self._ids = self._weights = self._id_array = None

    def ids(self) -> list[int]:
        """The document numbers, in order (decoded once)."""
        if self._ids is None:
            deltas = _numbers(self._data[:self._weights_at], self._id_width)
            self._ids = list(accumulate(deltas, initial=self.first))
        return self._ids

    def weights(self) -> list[float]:
        if self._weights is None:
            if not self._weight_width:
                self._weights = [1.0] * self.count
            else:
                column = self._data[self._weights_at:self._values_at]
                self._weights = list(map(float, _numbers(column, self._weight_width))) if self._weight_width < 4 \
                    else array("f", bytes(column)).tolist()
        return self._weights

    def positions(self) -> list[list[int]]:
        """Each posting's positions, in order."""
        return self.positions_at(range(self.count))

    def positions_at(self, postings: list[int]) -> list[list[int]]:
        """The positions of the postings at these places in the list (the others are not decoded)."""
        counts = self._counts()
        starts = list(accumulate(counts, initial=0))
        deltas = _numbers(self._data[self._values_at + self.count * self._count_width:], self._pos_width)
        return [list(accumulate(deltas[starts[k]:starts[k + 1]])) for k in postings]

    def _counts(self):
        return _numbers(self._data[self._values_at:self._values_at + self.count * self._count_width],
                        self._count_width)

    def id_array(self, np):
        if self._id_array is None:
            self._id_array = self._decode_ids(np)
        return self._id_array

    def _decode_ids(self, np):
        deltas = np.frombuffer(self._data, NUMPY_TYPE[self._id_width], self.count - 1)
        found = np.empty(self.count, np.int64)
        found[0] = self.first
        np.cumsum(deltas, out=found[1:])
        found[1:] += self.first
        return found

    def weight_array(self, np):
        if not self._weight_width:
            return np.ones(self.count)
        dtype = NUMPY_TYPE[self._weight_width] if self._weight_width < 4 else "<f4"
        return np.frombuffer(self._data, dtype, self.count, self._weights_at).astype(np.float64)

    def position_arrays_of(self, np, keep):
        """(counts per posting, their positions in order) of the postings marked in `keep` only:
        the others are not decoded (a phrase's common word holds far more than its candidates need)."""
        counts = np.frombuffer(self._data, NUMPY_TYPE[self._count_width], self.count, self._values_at)
        counts = counts.astype(np.int64)
        ends = np.cumsum(counts)
        kept = counts[keep]
        total = int(kept.sum())
        if not total:
            return kept, np.zeros(0, np.int64)
        start = self._values_at + self.count * self._count_width
        deltas = np.frombuffer(self._data, NUMPY_TYPE[self._pos_width], int(ends[-1]), start)
        # Where each kept posting's positions begin, in the file's column and in the output.
        read_from = (ends - counts)[keep]
        written_at = np.cumsum(kept) - kept
        picked = deltas[np.arange(total) + np.repeat(read_from - written_at, kept)]
        running = np.cumsum(picked, dtype=np.int64)
        before = np.concatenate(([0], running))[written_at]
        return kept, running - np.repeat(before, kept)


def read_columns(postfile, offset: int, with_values: bool = False) -> PostingColumns:
    """The posting list at `offset` of a segment's postings file, its columns in one read after the head."""
    top = postfile.get(offset, len(MAGIC) + HEAD.size)
    if top[:len(MAGIC)] != MAGIC:
        raise ValueError(f"not a recsearch posting list at offset {offset}")
    head = HEAD.unpack_from(top, len(MAGIC))
    count = head[0]
    size = (count - 1) * head[4] + count * head[5] + (head[3] if with_values else 0)
    columns_at = offset + len(MAGIC) + HEAD.size + head[1] * SKIP.size
    return PostingColumns(head, postfile.get(columns_at, size), with_values)


class ColumnMatcher(LeafMatcher):
    """Whoosh's matcher interface over a columnar posting list: a block of BLOCK postings decoded
    at a time, blocks skipped by their last id and largest weight."""

    def __init__(self, postfile, offset: int, length: int, format_, term=None, scorer=None):
        self._postfile, self._offset, self._length = postfile, offset, length
        self.format, self._term, self.scorer = format_, term, scorer
        top = postfile.get(offset, len(MAGIC) + HEAD.size)
        if top[:len(MAGIC)] != MAGIC:
            raise ValueError(f"not a recsearch posting list at offset {offset}")
        self._head = HEAD.unpack_from(top, len(MAGIC))
        n, blocks = self._head[0], self._head[1]
        self._skips_at = offset + len(MAGIC) + HEAD.size
        self._blocks = blocks
        self._skip_rows = None
        self._columns_at = self._skips_at + blocks * SKIP.size
        self._count = n
        self.reset()

    @property
    def _skips(self) -> list[tuple]:
        """The skip table, read when a block is first navigated (the bulk reads need only the head)."""
        if self._skip_rows is None:
            self._skip_rows = list(SKIP.iter_unpack(self._postfile.get(self._skips_at, self._blocks * SKIP.size)))
        return self._skip_rows

    # Whole columns, for the bulk executor.

    def columns(self, with_values: bool = False) -> PostingColumns:
        """The posting list's ids and weights (and values, if asked) in one read."""
        return read_columns(self._postfile, self._offset, with_values)

    # Blocks.

    def reset(self):
        self._goto(0)

    def _goto(self, block: int):
        self._block = block
        self._i = 0
        self._ids = self._weights = self._values = None
        self._atend = block >= self._blocks
        self._blocklength = 0 if self._atend else min(BLOCK, self._count - block * BLOCK)

    def _read_ids(self):
        first, id_width = self._head[2], self._head[4]
        start = self._block * BLOCK
        if start == 0:
            base, lo, hi = first, 0, self._blocklength - 1
        else:
            base, lo, hi = self._skips[self._block - 1][0], start - 1, start - 1 + self._blocklength
        data = self._postfile.get(self._columns_at + lo * id_width, (hi - lo) * id_width) if hi > lo else b""
        self._ids = list(accumulate(_numbers(data, id_width), initial=base))
        if start:
            del self._ids[0]

    def _read_weights(self):
        width = self._head[5]
        if not width:
            self._weights = [1.0] * self._blocklength
            return
        at = self._columns_at + (self._count - 1) * self._head[4] + self._block * BLOCK * width
        data = self._postfile.get(at, self._blocklength * width)
        self._weights = array("f", bytes(data)).tolist() if width == 4 else list(map(float, _numbers(data, width)))

    def _read_values(self):
        head, count = self._head, self._count
        kind = head[8]
        values_at = self._columns_at + (count - 1) * head[4] + count * head[5]
        start, length, value_start = self._block * BLOCK, self._blocklength, self._skips[self._block][4]
        if kind == POSITIONS:
            count_width, pos_width = head[6], head[7]
            counts = _numbers(self._postfile.get(values_at + start * count_width, length * count_width),
                              count_width)
            at = values_at + count * count_width + value_start * pos_width
            deltas = _numbers(self._postfile.get(at, sum(counts) * pos_width), pos_width)
            found, k = [], 0
            for c in counts:
                found.append(list(accumulate(deltas[k:k + c])))
                k += c
            self._values = found
        elif kind == FIXED_VALUES:
            size = head[9]
            data = self._postfile.get(values_at + start * size, length * size)
            self._values = [bytes(data[k:k + size]) for k in range(0, length * size, size)]
        elif kind == VARIABLE_VALUES:
            sizes = _numbers(self._postfile.get(values_at + start * 4, length * 4), 4)
            data = self._postfile.get(values_at + count * 4 + value_start, sum(sizes))
            found, k = [], 0
            for size in sizes:
                found.append(bytes(data[k:k + size]))
                k += size
            self._values = found
        else:
            self._values = [None] * length

    # Whoosh's Matcher interface.

    def is_active(self):
        return not self._atend and self._i < self._blocklength

    def id(self):
        if self._ids is None:
            self._read_ids()
        return self._ids[self._i]

    def weight(self):
        if self._weights is None:
            self._read_weights()
        return self._weights[self._i]

    def value(self):
        if self._values is None:
            self._read_values()
        value = self._values[self._i]
        if self._head[8] == POSITIONS:
            return self.format.encode(value)
        return value

    def value_as(self, astype):
        if self._head[8] == POSITIONS and astype in ("positions", "frequency"):
            if self._values is None:
                self._read_values()
            positions = self._values[self._i]
            return list(positions) if astype == "positions" else len(positions)
        return super().value_as(astype)

    def next(self):
        self._i += 1
        if self._i >= self._blocklength:
            self._goto(self._block + 1)
            return True
        return False

    def skip_to(self, targetid):
        if not self.is_active():
            raise ReadTooFar
        if targetid <= self.id():
            return
        while not self._atend and targetid > self._skips[self._block][0]:
            self._goto(self._block + 1)
        if self._atend:
            return
        if self._ids is None:
            self._read_ids()
        self._i = bisect_left(self._ids, targetid, self._i)

    def skip_to_quality(self, minquality):
        skipped = 0
        while self.is_active() and self.block_quality() <= minquality:
            self._goto(self._block + 1)
            skipped += 1
        return skipped

    def block_min_id(self):
        if self._ids is None:
            self._read_ids()
        return self._ids[0]

    def block_max_id(self):
        return self._skips[self._block][0]

    def block_min_length(self):
        return byte_to_length(self._skips[self._block][2])

    def block_max_length(self):
        return byte_to_length(self._skips[self._block][3])

    def block_max_weight(self):
        return self._skips[self._block][1]

    def copy(self):
        twin = ColumnMatcher(self._postfile, self._offset, self._length, self.format, self._term, self.scorer)
        if self._block:
            twin._goto(self._block)
        twin._i = self._i
        return twin
