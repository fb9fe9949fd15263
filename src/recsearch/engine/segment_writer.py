"""A Whoosh segment writer that inverts documents in memory and writes the codec's posting
lists directly, term by term.

Whoosh's `SegmentWriter` sends every posting through its external sort (a tuple,
positions pickled, spilled and merged) and its analyzers run every filter on
every word. This writer analyzes with `WordPlan`s (each distinct word once), keeps
the segment's postings in arrays per term, and at the end hands each term's
arrays to `RecordFieldWriter.add_term`. What it writes is what Whoosh's writer
writes from the same documents (tests/test_segment_writer.py compares the two).

Memory stays within the budget at any segment size: past it, the held postings
are written out as a sorted run (an unnamed temporary file beside the index)
and the segment's end merges the runs; runs are in document order, so a term's
postings from each run follow one another.

Whoosh's own path stays for what this one does not cover: merged segments
(`add_reader`), other codecs, documents with per-field boosts or values that
are not text in a planned field.
"""

from __future__ import annotations

import heapq
import pickle
import struct
import tempfile
from array import array
from functools import lru_cache
from itertools import groupby
from operator import itemgetter

from whoosh import formats
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .word_plans import WordPlan

POSITIONS, FREQUENCIES, EXISTENCE = 1, 2, 3
RUN_ENTRY = struct.Struct("<I")  # an entry's size in a run
FORMAT_KINDS = {formats.Positions: POSITIONS, formats.Frequency: FREQUENCIES, formats.Existence: EXISTENCE}
TERM_BYTES = 400  # a held term's cost beyond its numbers: the dict entry, the key, the arrays
POSTING_BYTES = 100  # a held posting of a field analyzed by Whoosh: a tuple in a list
@lru_cache(maxsize=4096)
def quantized(length: int) -> int:
    """A field length as the length column gives it back (one byte, so approximate)."""
    return byte_to_length(length_to_byte(length)) if length else 0


class RecordSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with in-memory inversion and cached per-word analysis."""

    def __init__(self, ix, limitmb: int = 128, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.budget = limitmb * 2**20
        self.held = 0
        self._plans = {}
        for name in self.schema.names():
            field = self.schema[name]
            kind = FORMAT_KINDS.get(type(field.format)) if field.indexed else None
            plan = WordPlan.shared(field.analyzer) if kind and getattr(field, "analyzer", None) else None
            if plan is not None:
                self._plans[name] = (plan, kind, field.format.field_boost, field.scorable)
        self._terms: dict[str, dict] = {}  # field -> term -> arrays (planned fields) or postings list
        self._lengths: dict[str, array] = {}  # field -> each document's length (scorable fields)
        self._pooled = False  # some postings went through Whoosh's pool: it writes the segment
        self._runs: list = []  # temporary files of held postings written out, in document order
        self._run_count = 0
        # Term vectors and spelling words are Whoosh's to write (the schema has neither).
        self._whoosh_only = any(self.schema[n].vector or self.schema[n].separate_spelling()
                                for n in self.schema.names())

    @property
    def pooled(self) -> bool:
        """Whether some postings went through Whoosh's pool (merged segments, or past the budget)."""
        return self._pooled

    @property
    def runs(self) -> int:
        """How many times the held postings were written out to stay within the budget."""
        return self._run_count

    def add_reader(self, reader):
        self._pooled = True
        super().add_reader(reader)

    def add_document(self, **fields):
        plans = self._plans
        if self._whoosh_only or any(name.startswith("_") or (name in plans and not isinstance(value, str))
                                    for name, value in fields.items()):  # boosts, custom stored values, lists
            self._pooled = True
            return super().add_document(**fields)
        self._check_state()
        schema, perdoc, docnum = self.schema, self.perdocwriter, self.docnum
        names = sorted(fields)
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    planned = plans.get(name)
                    if planned is not None:
                        length = self._hold_planned(name, planned, value, docnum)
                    else:
                        length = self._hold_indexed(name, field, value, docnum)
                perdoc.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdoc.add_column_value(name, column, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1
        if self.held >= self.budget:
            self._write_run()

    def _hold_planned(self, name: str, planned, value: str, docnum: int) -> int:
        plan, kind, boost, scorable = planned
        terms = self._terms.setdefault(name, {})
        held = 0
        if kind == POSITIONS:
            count, found = plan.positions(value)
            for term, positions in found.items():
                entry = terms.get(term)
                if entry is None:
                    entry = terms[term] = (array("I"), array("I"), array("I"))
                    held += TERM_BYTES
                ids, counts, flat = entry
                ids.append(docnum)
                counts.append(len(positions))
                flat.extend(positions)
                held += 8 + 4 * len(positions)
            length = count
        else:
            count, found = plan.frequencies(value)
            for term, freq in found.items():
                entry = terms.get(term)
                if entry is None:
                    entry = terms[term] = (array("I"), array("I"))
                    held += TERM_BYTES
                entry[0].append(docnum)
                entry[1].append(freq)
                held += 8
            length = count if kind == FREQUENCIES else len(found)
        self.held += held
        if scorable and length:
            self._put_length(name, docnum, length)
        return length if scorable else 0

    def _hold_indexed(self, name: str, field, value, docnum: int) -> int:
        terms = self._terms.setdefault(name, {})
        length = 0
        for tbytes, freq, weight, vbytes in field.index(value):
            postings = terms.get(tbytes)
            if postings is None:
                postings = terms[tbytes] = []
                self.held += TERM_BYTES
            postings.append((docnum, weight, vbytes))
            self.held += POSTING_BYTES + len(vbytes or b"")
            length += freq
        if field.scorable and length:
            self._put_length(name, docnum, length)
        return length if field.scorable else 0

    def _put_length(self, name: str, docnum: int, length: int) -> None:
        lengths = self._lengths.get(name)
        if lengths is None:
            lengths = self._lengths[name] = array("I")
        if len(lengths) <= docnum:
            lengths.extend(array("I", [0]) * (docnum + 1 - len(lengths)))
        lengths[docnum] = quantized(length)

    def _held_entries(self):
        """The held postings as (field, term bytes, entry), in field and term order."""
        for name in sorted(self._terms):
            terms = self._terms[name]
            for term in sorted(terms):
                yield name, term.encode("utf-8") if isinstance(term, str) else term, terms[term]

    def _write_run(self) -> None:
        # Each entry pickled on its own (no memo across entries: reading a run back keeps
        # nothing but the entries being merged).
        run = tempfile.TemporaryFile(dir=getattr(self.storage, "folder", None))
        write, dumps, size = run.write, pickle.dumps, RUN_ENTRY.pack
        for entry in self._held_entries():
            data = dumps(entry, pickle.HIGHEST_PROTOCOL)
            write(size(len(data)))
            write(data)
        run.seek(0)
        self._runs.append(run)
        self._run_count += 1
        self._terms.clear()
        self.held = 0

    @staticmethod
    def _read_run(run):
        read, loads = run.read, pickle.loads
        while True:
            head = read(RUN_ENTRY.size)
            if not head:
                return
            yield loads(read(RUN_ENTRY.unpack(head)[0]))

    def _entries(self):
        """Every posting of the segment as (field, term bytes, entry), merged from the runs and
        what is still held; a term's entries from several runs joined in document order."""
        sources = [self._read_run(run) for run in self._runs] + [self._held_entries()]
        merged = heapq.merge(*sources, key=itemgetter(0, 1)) if len(sources) > 1 else sources[0]
        for (name, btext), group in groupby(merged, key=itemgetter(0, 1)):
            first = next(group)[2]
            rest = [entry for _, _, entry in group]
            if rest:
                first = _joined(first, rest)
            yield name, btext, first
        for run in self._runs:
            run.close()
        self._runs = []
        self._terms.clear()
        self.held = 0

    def _postings(self):
        """(field, term bytes, ids, weights, lengths, values) in field and term order; values are
        (counts, positions) for positions, else a list of value bytes."""
        for name, btext, entry in self._entries():
            if isinstance(entry, list):  # analyzed by Whoosh: (docnum, weight, value) each
                ids = array("I", [p[0] for p in entry])
                weights, values = array("f", [p[1] for p in entry]), [p[2] for p in entry]
            else:
                _, kind, boost, _ = self._plans[name]
                ids = entry[0]
                if kind == POSITIONS:
                    values = (entry[1], entry[2])
                    weights = array("f", [c * boost for c in entry[1]]) if boost != 1 else array("f", entry[1])
                elif kind == FREQUENCIES:
                    values = [pack_uint(f) for f in entry[1]]
                    weights = array("f", [f * boost for f in entry[1]])
                else:
                    values = [b""] * len(ids)
                    weights = array("f", [boost]) * len(ids)
            lengths = self._lengths.get(name)
            if lengths is None:
                yield name, btext, ids, weights, [0] * len(ids), values
            else:
                size = len(lengths)
                yield name, btext, ids, weights, [lengths[d] if d < size else 0 for d in ids], values

    def _pour_into_pool(self) -> None:
        """Hand every posting to Whoosh's pool, for Whoosh's writer to write the segment."""
        add = self.pool.add
        schema = self.schema
        for name, btext, ids, weights, _, values in self._postings():
            if isinstance(values, tuple):  # positions
                encode = schema[name].format.encode
                counts, flat = values
                start = 0
                for docnum, weight, count in zip(ids, weights, counts):
                    add((name, btext, docnum, float(weight), encode(list(flat[start:start + count]))))
                    start += count
            else:
                for docnum, weight, value in zip(ids, weights, values):
                    add((name, btext, docnum, float(weight), value))
        self._pooled = True

    def _flush_segment(self):
        add_term = getattr(self.fieldwriter, "add_term", None)
        if self._pooled or add_term is None:
            self._pour_into_pool()
            return super()._flush_segment()
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        field = None
        for name, btext, ids, weights, lengths, values in self._postings():
            if name != field:
                if field is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(name, self.schema[name])
                field = name
            add_term(btext, ids, weights, lengths, values)
        if field is not None:
            fieldwriter.finish_field()
        fieldwriter.close()

    def _close_segment(self):
        for run in self._runs:
            run.close()
        self._runs = []
        super()._close_segment()


def _joined(first, rest):
    """One term's entries from several runs as one (their documents follow one another)."""
    if isinstance(first, list):
        for more in rest:
            first += more
        return first
    joined = tuple(array(part.typecode, part) for part in first)
    for more in rest:
        for part, extra in zip(joined, more):
            part.extend(extra)
    return joined
