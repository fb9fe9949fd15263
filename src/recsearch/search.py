"""Search an index: run a query with filters, sorting and facets, and fetch records."""

from __future__ import annotations

import json
import signal
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from whoosh import query as wq
from whoosh.collectors import TimeLimit

from .errors import IndexAccessError, QueryError, RecsearchError
from .facets import FACETS, KEY_FIELDS, count_facets, facet_key, facet_values, filter_query
from .index import build_schema
from .postings import DocNumQuery, matching_docs
from .query import RECORDS, HistoryRef, _records_only, bound_expansions, parse_query
from .ranking import RecordBM25F
from .topk import top_hits
from .record import Record
from .store import open_index

MAX_LIMIT = 1000
# A search stops collecting after this long and returns what it has, saying so.
TIME_LIMIT = 10.0
# The did-you-mean step stops trying more suggestions after this long.
RESCUE_TIME_LIMIT = 0.5
# BM25F: K1 (saturation) chosen on Cranfield, confirmed on CACM (bench/relevance.py; RESULTS.md).
WEIGHTING = RecordBM25F(B=0.75, K1=2.0)
SORTS = ("relevance", "year", "-year", "title", "-title", "author", "-author")


@dataclass
class Hit:
    id: str
    title: str
    authors: list[str]
    year: int | None
    journal: str | None
    score: float | None  # None when sorted by something else than relevance
    snippet: dict | None = None  # with snippets: field, text, highlights
    matched: list[dict] | None = None  # with explain: per field, the words that matched

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("snippet", "matched"):
            if data[key] is None:
                del data[key]
        return data


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was cut short, and why
    facets: dict[str, list[dict]] = field(default_factory=dict)
    suggestions: list[dict] = field(default_factory=list)  # ready-to-run rescues of a poor query
    records: list[Record] = field(default_factory=list, repr=False)  # the hits' full records

    def to_dict(self) -> dict:
        data = {"query": self.query, "total": self.total, "hits": [h.to_dict() for h in self.hits]}
        if self.notes:
            data["notes"] = self.notes
        if self.facets:
            data["facets"] = self.facets
        if self.suggestions:
            data["suggestions"] = self.suggestions
        return data


@contextmanager
def time_limit(seconds: float):
    """Raise TimeLimit in the search after `seconds` (main thread, POSIX; elsewhere no limit).

    A timer signal, not Whoosh's TimeLimitCollector: that one starts a thread per
    search and feeds the collector one document at a time, which turns off the
    collector's skipping of blocks that cannot reach the top hits.
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise TimeLimit

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _hit(record: Record, score: float | None) -> Hit:
    return Hit(id=record.id, title=record.title, authors=record.author_names, year=record.year,
               journal=record.journal, score=None if score is None else round(float(score), 4))


def _stored_record(stored: dict) -> Record:
    return Record.from_dict(json.loads(stored["record"]))


@dataclass
class SearchOptions:
    """What narrows, orders and annotates a search besides its query text."""

    match_any: bool = False
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet → values (year: ranges)
    sort: str = "relevance"
    facets: list[str] = field(default_factory=list)
    facet_limit: int = 10
    snippets: bool = False
    explain: bool = False
    suggest: bool = True  # suggest rescues when few records match


FEW_HITS = 3  # fewer hits than this, and corrections are suggested


class RecordIndex:
    """An open index to search and fetch records from."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._ix = open_index(self.root)
        if set(self._ix.schema.names()) != set(build_schema().names()):
            self._ix.close()
            raise IndexAccessError(f"the index at {self.root} was built by another version of recsearch: "
                                   "rebuild it with `recsearch index --rebuild`")

        self._searcher = None

    def _open_searcher(self):
        """One searcher for the life of this object, renewed when the index has changed
        (opening one reads every segment's term table, a large share of a small search)."""
        if self._searcher is None:
            self._searcher = self._ix.searcher(weighting=WEIGHTING)
        elif not self._searcher.up_to_date():
            self._searcher = self._searcher.refresh()
        return self._searcher

    @property
    def record_count(self) -> int:
        from .ranking import record_count

        return record_count(self._open_searcher())

    def search(self, text: str, limit: int | None = 10, match_any: bool = False,
               options: SearchOptions | None = None) -> SearchResult:
        """Records matching `text` (every word, or with `match_any` any word), best first.

        `limit=None` returns every hit (for exports).
        """
        from dataclasses import replace

        options = replace(options or SearchOptions(), match_any=match_any or bool(options and options.match_any))
        if limit is not None and limit < 1:
            raise QueryError("--limit must be at least 1")
        if options.sort not in SORTS:
            raise QueryError(f"cannot sort by {options.sort!r}: use one of {', '.join(SORTS)}")
        unknown = [f for f in options.facets if f not in FACETS]
        if unknown:
            raise QueryError(f"no facet {unknown[0]!r}: facets are {', '.join(FACETS)}")
        notes: list[str] = []
        if limit is not None and limit > MAX_LIMIT:
            notes.append(f"--limit {limit} is more than {MAX_LIMIT}: {MAX_LIMIT} hits at most are shown")
            limit = MAX_LIMIT
        searcher = self._open_searcher()
        origins: dict[tuple[str, str], str] = {}
        q = self._prepare(text, options.match_any, options.filters, searcher, notes, origins, set())
        if options.sort == "relevance":
            fast, timed_out = None, False
            try:
                with time_limit(TIME_LIMIT):
                    fast = top_hits(searcher, q, limit)
            except TimeLimit:
                timed_out = True
            if fast is not None:
                scored, docnums = fast
                total = len(docnums)
            else:
                scored, docnums, timed_out = self._collect(searcher, q, limit, timed_out)
                total = len(scored) if docnums is None else len(docnums)
                if options.facets and docnums is None:
                    docnums = [d for d, _ in scored]
            if timed_out:
                notes.append(f"the search stopped after {TIME_LIMIT:g} s: the hits and their count are incomplete")
        else:
            docnums = sorted(matching_docs(searcher, q))
            total = len(docnums)
            scored = [(d, None) for d in sort_docnums(searcher.reader(), docnums, options.sort)[:limit]]
        records = [_stored_record(searcher.stored_fields(d)) for d, _ in scored]
        hits = [_hit(r, score) for r, (_, score) in zip(records, scored)]
        if options.snippets or options.explain:
            self._annotate(hits, records, q, options, origins)
        facets = {}
        if options.facets:
            counted = count_facets(searcher.reader(), docnums, options.facets, options.facet_limit)
            facets = {name: [asdict(c) for c in rows] for name, rows in counted.items()}
        result = SearchResult(query=text, total=total, hits=hits, notes=notes, facets=facets, records=records)
        if options.suggest and total < FEW_HITS:
            import time

            from .suggest import rescue

            # The rescue is bounded like the search: suggestions made in time are kept.
            deadline = time.monotonic() + RESCUE_TIME_LIMIT
            try:
                with time_limit(RESCUE_TIME_LIMIT):
                    rescue(self, searcher, text, options, total, result.suggestions, deadline=deadline)
            except TimeLimit:
                pass
            if time.monotonic() > deadline:
                notes.append(f"looking for other spellings stopped after {RESCUE_TIME_LIMIT:g} s: "
                             "there may be more suggestions")
        return result

    def _collect(self, searcher, q: wq.Query, limit: int | None, timed_out: bool):
        """Whoosh's own top-hits collector: (hits, matching docnums or None if all are hits, timed out)."""
        collector = searcher.collector(limit=limit)
        if not timed_out:
            try:
                with time_limit(TIME_LIMIT):
                    searcher.search_with_collector(q, collector)
            except TimeLimit:
                timed_out = True
        try:
            results = collector.results()
        except AttributeError:  # stopped before the collector was set up
            results = []
        scored = [(r.docnum, r.score) for r in results]
        # Counting runs the query again without scores, only when the page is full.
        full = limit is not None and len(scored) >= limit and not timed_out
        return scored, (matching_docs(searcher, q) if full else None), timed_out

    def _prepare(self, text: str, match_any: bool, filters: dict[str, list[str]], searcher, notes: list[str],
                 origins: dict | None, seen: set[int]) -> wq.Query:
        """The query ready to run: history references resolved, expansions bounded, filters applied."""
        from .query_names import with_name_forms

        q = parse_query(text, self._ix.schema, match_any, notes)
        q = with_name_forms(self._resolve_history(q, searcher, seen), searcher)
        q = bound_expansions(q, searcher.reader(), notes, origins)
        restrict = filter_query(filters or {})
        if restrict is not None:
            self._note_unknown_filter_values(filters, searcher.reader(), notes)
            q = wq.And([q, restrict])
        return _records_only(q)

    def _resolve_history(self, q: wq.Query, searcher, seen: set[int]) -> wq.Query:
        if isinstance(q, HistoryRef):
            from .history import History

            if q.number in seen:
                raise QueryError(f"#{q.number} refers to itself through the history")
            entry = History(self.root).get(q.number)
            inner = self._prepare(entry.query, entry.match_any, entry.filters, searcher, [], None,
                                  seen | {q.number})
            return DocNumQuery(matching_docs(searcher, inner), label=f"#{q.number}")
        if q.children():
            return q.apply(lambda child: self._resolve_history(child, searcher, seen))
        return q

    def _note_unknown_filter_values(self, filters, reader, notes: list[str]) -> None:
        from rapidfuzz import process

        for name, values in filters.items():
            if name not in KEY_FIELDS:
                continue
            fieldname = KEY_FIELDS[name]
            for value in values:
                if (fieldname, facet_key(value)) in reader:
                    continue
                known = [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(fieldname)]
                close = [m[0] for m in process.extract(facet_key(value), known, limit=3, score_cutoff=60)]
                hint = f"; closest: {', '.join(close)}" if close else ""
                notes.append(f"no record has {name} {value!r}{hint}")

    def _annotate(self, hits: list[Hit], records: list[Record], q: wq.Query, options: SearchOptions,
                  origins: dict) -> None:
        from .matches import make_snippet, matched_fields, query_words

        words = query_words(q)
        words.pop("kind", None)
        for hit, record in zip(hits, records):
            found = matched_fields(record, words, self._ix.schema)
            if options.explain:
                hit.matched = [m.to_dict(origins) for m in found]
            if options.snippets:
                snippet = make_snippet(record, found)
                hit.snippet = snippet.to_dict() if snippet else None

    def similar(self, record_id: str, limit: int = 10) -> SearchResult:
        """Records most like one record: its key words of title, subjects, abstract and authors."""
        from whoosh.classify import Bo1Model

        record = self.get(record_id)
        if record is None:
            raise RecsearchError(f"no record with id {record_id!r} in {self.root}")
        parts = [("title", record.title, 2.0), ("subject", "; ".join(record.subjects), 1.5),
                 ("summary", record.summary or "", 1.0), ("author", "; ".join(record.author_names), 0.5)]
        searcher = self._open_searcher()
        terms = []
        for fieldname, text, weight in parts:
            if not text:
                continue
            for word, score in searcher.key_terms_from_text(fieldname, text, numterms=10, model=Bo1Model):
                terms.append(wq.Term(fieldname, word, boost=weight * score))
        if not terms:
            return SearchResult(query=f"similar:{record_id}", total=0)
        q = wq.And([wq.Or(terms), RECORDS, wq.Not(wq.Term("id", record_id))])
        results = searcher.search(q, limit=min(limit, MAX_LIMIT))
        records = [_stored_record(r.fields()) for r in results]
        hits = [_hit(rec, r.score) for rec, r in zip(records, results)]
        return SearchResult(query=f"similar:{record_id}", total=len(results), hits=hits, records=records)

    def authors(self, name: str, limit: int = 10, max_records: int | None = 50):
        """People whose names fit `name`, best first (see authors.lookup_authors).

        Affiliations are counted over each person's newest `max_records` records (None: all).
        """
        from .authors import lookup_authors

        if not name.strip():
            raise QueryError("empty name: give a name to look up")
        return lookup_authors(self._ix, name, limit=min(max(limit, 1), MAX_LIMIT), max_records=max_records)

    def get(self, record_id: str) -> Record | None:
        stored = self._open_searcher().document(id=record_id)
        return _stored_record(stored) if stored else None

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._ix.close()

    def __enter__(self) -> RecordIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def sort_docnums(reader, docnums: list[int], sort: str) -> list[int]:
    """`docnums` ordered by year, title or first author (`-` for descending); records without it last."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "year":
        column = reader.column_reader("facets")
        values = {d: (facet_values(column[d]).get("year") or [None])[0] for d in docnums}
        present = [d for d in docnums if values[d]]
        present.sort(key=lambda d: (int(values[d]), d), reverse=descending)
        return present + [d for d in docnums if not values[d]]
    column = reader.column_reader(f"sort_{key}")
    keys = {d: column[d] for d in docnums}
    present = [d for d in docnums if keys[d] and keys[d] != b"\x7f"]
    present.sort(key=lambda d: keys[d], reverse=descending)
    return present + [d for d in docnums if not keys[d] or keys[d] == b"\x7f"]
