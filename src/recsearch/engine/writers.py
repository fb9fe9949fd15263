"""Index writers: one process per core for big builds, closing a segment every so many documents.

Whoosh's MpWriter gives each writer process one segment for the whole run: its
postings go through one external sort whose runs grow with the collection
(past 128 of them Whoosh adds a whole extra merge pass), and the segment's
term tables are held in memory until the end. Here each writer process closes
its segment every `segment_docs` documents and starts the next, so the sort,
the merge and the memory per segment stay the same size whatever the
collection's size, and writing a segment overlaps with reading the next
records in the other processes.
"""

from __future__ import annotations

import os
import queue
import signal

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from .codec import RecordCodec
from .segment_writer import RecordSegmentWriter

WRITER_LIMITMB = 256  # Whoosh's estimate of its sorting pool, shared by the writer processes
SEGMENT_DOCS = 250_000  # documents per segment in a parallel build: few segments, memory bounded by the runs
BATCH_DOCS = 100  # documents handed to a writer process at a time
PARALLEL_FROM = 1000  # files to read from which the writing runs in parallel
MAX_PROCS = 4


class _SegmentingTask(SubWriterTask):
    """A writer process that closes its segment every `segment_docs` documents."""

    segment_docs = SEGMENT_DOCS

    def run(self):
        # Ctrl-C is the parent's to handle (it stops these processes); a failure here,
        # such as a full disk, goes back to the parent to report, not as a traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            self._write_segments()
        except BaseException as exc:
            failure = WriterFailure(getattr(exc, "errno", None), getattr(exc, "strerror", None) or repr(exc),
                                    getattr(exc, "filename", None))
            try:
                self.writer.cancel()
            except Exception:
                pass
            self.resultqueue.put(failure)

    def _write_segments(self):
        ix = self.storage.open_index(self.indexname)
        segments = []
        self.writer = RecordSegmentWriter(ix, _lk=False, **self.kwargs)
        while True:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
            if self.writer.docnum >= self.segment_docs:
                segments.append(self.writer._finalize_segment())
                self.writer = RecordSegmentWriter(ix, _lk=False, **self.kwargs)
        if self.writer.docnum:
            segments.append(self.writer._finalize_segment())
        else:  # its files are not in the table of contents: the commit deletes them
            self.writer._close_segment()
        self.resultqueue.put(segments)


class WriterFailure:
    """Why a writer process failed: raised again in the parent as OSError or RuntimeError."""

    def __init__(self, code: int | None, message: str, filename: str | None):
        self.code, self.message, self.filename = code, message, filename

    def exception(self) -> Exception:
        if self.code is not None:
            return OSError(self.code, self.message, self.filename)
        return RuntimeError(f"an index writer process failed: {self.message}")


class SegmentingMpWriter(MpWriter):
    """MpWriter whose writer processes each return a list of segments of bounded size."""

    def __init__(self, ix, procs: int, segment_docs: int = SEGMENT_DOCS, **kwargs):
        super().__init__(ix, procs=procs, batchsize=BATCH_DOCS, multisegment=True, **kwargs)
        self.segment_docs = segment_docs

    def _new_task(self):
        task = _SegmentingTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                               self.subargs, True)
        task.segment_docs = self.segment_docs
        self.tasks.append(task)
        task.start()
        return task

    def _commit(self, mergetype, optimize, merge):
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self.jobqueue.put(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        # Results are taken before joining: a process that has put a big item on
        # a queue does not end until it is read.
        failure = None
        for task in self.tasks:
            while True:
                try:
                    result = self.resultqueue.get(timeout=1)
                    break
                except queue.Empty:
                    if not any(t.is_alive() for t in self.tasks):
                        raise RuntimeError("an index writer process ended without its segments") from None
            if isinstance(result, WriterFailure):
                failure = failure or result
            else:
                finalsegments += result
        for task in self.tasks:
            task.join()
        if failure is not None:
            raise failure.exception()
        # Deletions and documents given to this process itself (none in a build).
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()


    def cancel(self):
        """Stop the writer processes (they may be waiting for work that will not come)."""
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
        for task in self.tasks:
            task.join(5)
        SegmentWriter.cancel(self)


# Merging copies documents through Whoosh's own path (about 500 a second here): a commit merges
# only when the index holds more than TARGET_SEGMENTS segments, its smallest first, and no more
# documents than MERGE_BUDGET or twice what it adds, so an update never stalls on a merge.
TARGET_SEGMENTS = 8
MERGE_BUDGET = 4_000


def merge_smallest(writer, segments):
    """The commit's merge policy: segments whose documents are all deleted are dropped (Whoosh
    keeps them), then the smallest are merged within the budget while there are too many."""
    from whoosh.reading import SegmentReader

    live = sorted((s for s in segments if s.doc_count() > 0), key=lambda s: s.doc_count())
    budget = max(MERGE_BUDGET, 2 * getattr(writer, "docnum", 0))
    merged, docs = [], 0
    for segment in live:
        # The commit's own new segment counts among those left.
        if len(live) - len(merged) + 1 <= TARGET_SEGMENTS or docs + segment.doc_count() > budget:
            break
        merged.append(segment)
        docs += segment.doc_count()
    if len(merged) < 2:  # one segment copied into another is no fewer segments
        return live
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return live[len(merged):]


def open_writer(ix, files: int):
    """A writer for `files` files to read: parallel from PARALLEL_FROM files on a multi-core machine.
    Every segment it writes, merges included, is in recsearch's columnar codec."""
    procs = min(os.cpu_count() or 1, MAX_PROCS)
    if files >= PARALLEL_FROM and procs > 1:
        # The writers share the memory one writer would have.
        writer = SegmentingMpWriter(ix, procs, SEGMENT_DOCS, limitmb=max(WRITER_LIMITMB // procs, 64),
                                    codec=RecordCodec())
    else:
        writer = RecordSegmentWriter(ix, limitmb=WRITER_LIMITMB, codec=RecordCodec())
    writer.mergetype = merge_smallest
    return writer
