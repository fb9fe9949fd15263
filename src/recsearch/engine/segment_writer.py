"""A Whoosh segment writer that inverts documents in memory and writes the codec's posting
lists directly, term by term.

Whoosh's `SegmentWriter` sends every posting through its external sort (a tuple,
positions pickled, spilled and merged) and its analyzers run every filter on
every word. This writer analyzes with `WordPlan`s (each distinct word once), keeps
the segment's postings in arrays per term, and at the end hands each term's
arrays to `RecordFieldWriter.add_term`. What it writes is what Whoosh's writer
writes from the same documents (tests/test_segment_writer.py compares the two).

Whoosh's own path stays for what this one does not cover: merged segments
(`add_reader`), other codecs, documents with per-field boosts, and memory: past
its budget the held postings go into Whoosh's pool, which spills to disk.
"""

from __future__ import annotations

from array import array

from whoosh import formats
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .word_plans import WordPlan

POSITIONS, FREQUENCIES, EXISTENCE = 1, 2, 3
FORMAT_KINDS = {formats.Positions: POSITIONS, formats.Frequency: FREQUENCIES, formats.Existence: EXISTENCE}
TERM_BYTES = 400  # a held term's cost beyond its numbers: the dict entry, the key, the arrays
POSTING_BYTES = 100  # a held posting of a field analyzed by Whoosh: a tuple in a list
QUANTIZED = [0] + [byte_to_length(length_to_byte(n)) for n in range(1, 1 << 12)]  # what a length byte reads back as


def quantized(length: int) -> int:
    """A field length as the length column gives it back (one byte, so approximate)."""
    return QUANTIZED[length] if length < len(QUANTIZED) else byte_to_length(length_to_byte(length))


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
            if plan is not None and not field.separate_spelling() and not field.vector:
                self._plans[name] = (plan, kind, field.format.field_boost, field.scorable)
        self._terms: dict[str, dict] = {}  # field -> term -> arrays (planned fields) or postings list
        self._lengths: dict[str, array] = {}  # field -> each document's length (scorable fields)
        self._pooled = False  # some postings went through Whoosh's pool: it writes the segment
        # Term vectors and spelling words are Whoosh's to write (the schema has neither).
        self._whoosh_only = any(self.schema[n].vector or self.schema[n].separate_spelling()
                                for n in self.schema.names())

    @property
    def pooled(self) -> bool:
        """Whether some postings went through Whoosh's pool (merged segments, or past the budget)."""
        return self._pooled

    def full(self) -> bool:
        """Whether the held postings have reached the memory budget."""
        return self.held >= self.budget

    def add_reader(self, reader):
        self._pooled = True
        super().add_reader(reader)

    def add_document(self, **fields):
        if self._whoosh_only or any(name.startswith("_") for name in fields):  # boosts, custom stored values
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
                    planned = self._plans.get(name)
                    if planned is not None and isinstance(value, str):
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
        if self.held >= self.budget * 3 // 2:  # nobody closed the segment: let Whoosh's pool spill
            self._pour_into_pool()

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

    def _postings(self, name: str):
        """(term bytes, ids, weights, lengths, values) of a held field, in term order; values are
        (counts, positions) for positions, else a list of value bytes."""
        planned = self._plans.get(name)
        lengths = self._lengths.get(name)
        terms = self._terms[name]

        def length_of(ids):
            if lengths is None:
                return [0] * len(ids)
            size = len(lengths)
            return [lengths[d] if d < size else 0 for d in ids]

        for term in sorted(terms):
            entry = terms[term]
            if isinstance(entry, list):  # analyzed by Whoosh
                ids = array("I", [p[0] for p in entry])
                yield term, ids, array("f", [p[1] for p in entry]), length_of(ids), [p[2] for p in entry]
                continue
            _, kind, boost, _ = planned
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
            yield term.encode("utf-8"), ids, weights, length_of(ids), values

    def _pour_into_pool(self) -> None:
        """Hand the held postings to Whoosh's pool (sorted, spilled to disk past its limit)."""
        add = self.pool.add
        for name in list(self._terms):
            fmt = self.schema[name].format
            for btext, ids, weights, _, values in self._postings(name):
                if isinstance(values, tuple):  # positions
                    counts, flat = values
                    start = 0
                    for docnum, weight, count in zip(ids, weights, counts):
                        add((name, btext, docnum, float(weight), fmt.encode(list(flat[start:start + count]))))
                        start += count
                else:
                    for docnum, weight, value in zip(ids, weights, values):
                        add((name, btext, docnum, float(weight), value))
        self._terms.clear()
        self.held = 0
        self._pooled = True

    def _flush_segment(self):
        add_term = getattr(self.fieldwriter, "add_term", None)
        if self._pooled or add_term is None:
            self._pour_into_pool()
            return super()._flush_segment()
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        for name in sorted(self._terms):
            fieldwriter.start_field(name, self.schema[name])
            for btext, ids, weights, lengths, values in self._postings(name):
                add_term(btext, ids, weights, lengths, values)
            fieldwriter.finish_field()
        fieldwriter.close()
        self._terms.clear()
        self.held = 0
