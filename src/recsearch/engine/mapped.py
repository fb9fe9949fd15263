"""Opening a segment cheaply: its compound file memory-mapped, its parts read as slices of the map.

Whoosh opens a compound segment either through file reads (a seek and a read
per lookup: some 1,700 small reads to open an index and look a few words up)
or memory-mapped, but then it copies every part it opens into a BytesIO
(the whole term table, the whole postings). Here each part is a view of the
map: opening copies nothing and a lookup is a slice.
"""

from __future__ import annotations

import os

from whoosh.codec.whoosh3 import W3Segment
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.structfile import StructFile
from whoosh.searching import Searcher


class MemoryReader:
    """A read-only file over a memoryview: what StructFile and pickle need of a file."""

    __slots__ = ("_view", "_at")

    def __init__(self, view: memoryview):
        self._view, self._at = view, 0

    def read(self, size: int = -1) -> bytes:
        start = self._at
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._at = end
        return self._view[start:end].tobytes()

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def readline(self, size: int = -1) -> bytes:
        view, start = self._view, self._at
        end = len(view) if size is None or size < 0 else min(start + size, len(view))
        for k in range(start, end):
            if view[k] == 10:
                end = k + 1
                break
        self._at = end
        return view[start:end].tobytes()

    def seek(self, position: int, whence: int = os.SEEK_SET) -> int:
        base = 0 if whence == os.SEEK_SET else self._at if whence == os.SEEK_CUR else len(self._view)
        self._at = base + position
        return self._at

    def tell(self) -> int:
        return self._at

    def close(self) -> None:
        pass


class MappedPart(StructFile):
    """One part of a memory-mapped compound file."""

    def __init__(self, view: memoryview, name=None):
        super().__init__(MemoryReader(view), name=name)
        self._view = view
        self.is_real = False
        # Straight to the view (StructFile passes each call on: a term table opens in 256 reads).
        self.read, self.seek, self.tell = self.file.read, self.file.seek, self.file.tell

    def get(self, position: int, length: int) -> bytes:
        return self._view[position:position + length].tobytes()

    def subset(self, position: int, length: int, name=None):
        return MappedPart(self._view[position:position + length], name=name or self._name)


class MappedCompoundStorage(CompoundStorage):
    """Whoosh's compound storage, always mapped, its parts opened as views of the map."""

    def __init__(self, dbfile):
        super().__init__(dbfile, use_mmap=True)
        if self._source is not None:
            self._view = memoryview(self._source)

    def open_file(self, name, *args, **kwargs):
        if self._source is None:  # mapping failed (out of address space): Whoosh's file reads
            return super().open_file(name, *args, **kwargs)
        offset, length = self.range(name)
        return MappedPart(self._view[offset:offset + length], name=name)

    def close(self):
        if getattr(self, "_view", None) is not None:
            self._view.release()
            self._view = None
        super().close()


class RecordSegment(W3Segment):
    """A W3 segment whose compound file opens mapped (`MappedCompoundStorage`)."""

    def open_compound_file(self, storage):
        return MappedCompoundStorage(storage.open_file(self.make_filename(self.COMPOUND_EXT)))


def keep_first_reader(ix, reader) -> None:
    """The index's first searcher takes `reader` (opened to check the segments) rather than
    opening every segment again (a segment's term table takes hundreds of reads to open)."""
    unused = [reader]
    searcher, close = ix.searcher, ix.close

    def first_searcher(**kwargs):
        if unused:
            return Searcher(unused.pop(), fromindex=ix, **kwargs)
        return searcher(**kwargs)

    def close_all():
        while unused:
            unused.pop().close()
        close()

    ix.searcher, ix.close = first_searcher, close_all
