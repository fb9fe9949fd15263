"""Search an index: run a query with filters, sorting and facets, and fetch records."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..engine.documents import facet_key, field_text, stored_record
from ..engine.filters import filter_query
from ..engine.parse import HistoryRef, bound_expansions, parse_query, records_only
from ..engine.executor import matching_docs, top_hits
from ..engine.nodes import DocNumQuery
from ..engine.schema import FACETS, FIELD_BOOSTS, KEY_FIELDS, build_schema, known_fields
from ..engine.scoring import RecordBM25F
from ..engine.searching import (TimeLimit, collect_top, docs_holding, key_terms_query, live_records, records_except,
                                restrict, sort_docnums, time_limit)
from ..engine.store import open_index
from ..errors import IndexAccessError, QueryError, RecsearchError
from ..record import Record
from .facets import count_facets, with_language_names
from .syntax import check_syntax, tidy_query

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
    duplicates: list[str] | None = None  # with search --unique: the other records of the same work

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("snippet", "matched", "duplicates"):
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


def _hit(record: Record, score: float | None) -> Hit:
    return Hit(id=record.id, title=record.title, authors=record.author_names, year=record.year,
               journal=record.journal, score=None if score is None else round(float(score), 4))


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

    def searcher(self):
        """One searcher for the life of this object, renewed when the index has changed
        (opening one reads every segment's term table, a large share of a small search)."""
        if self._searcher is None:
            self._searcher = self._ix.searcher(weighting=WEIGHTING)
        elif not self._searcher.up_to_date():
            self._searcher = self._searcher.refresh()
        return self._searcher

    @property
    def schema(self):
        """The index's Whoosh schema (its fields and their analyzers)."""
        return self._ix.schema

    @property
    def record_count(self) -> int:
        """Live records, as `stats` counts them: from the manifest (one count, where walking the
        documents would cost a pass over a million after an update), else from the index."""
        manifest = self._manifest()
        if manifest is None:
            return live_records(self.searcher())
        with manifest:
            return manifest.record_count

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
        searcher = self.searcher()
        origins: dict[tuple[str, str], str] = {}
        q = self.prepare(text, options.match_any, options.filters, searcher, notes, origins, set())
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
                scored, docnums, timed_out = collect_top(searcher, q, limit, timed_out, TIME_LIMIT)
                total = len(scored) if docnums is None else len(docnums)
                if options.facets and docnums is None:
                    docnums = [d for d, _ in scored]
            if timed_out:
                notes.append(f"the search stopped after {TIME_LIMIT:g} s: the hits and their count are incomplete")
        else:
            docnums = sorted(matching_docs(searcher, q))
            total = len(docnums)
            scored = [(d, None) for d in sort_docnums(searcher.reader(), docnums, options.sort)[:limit]]
        records = [stored_record(searcher.stored_fields(d)) for d, _ in scored]
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

    def matching_ids(self, text: str, options: SearchOptions | None = None) -> list[str]:
        """The ids of every record `search` would count for `text`, unranked."""
        options = options or SearchOptions()
        searcher = self.searcher()
        q = self.prepare(text, options.match_any, options.filters, searcher, [], None, set())
        return [searcher.stored_fields(d)["id"] for d in sorted(matching_docs(searcher, q))]

    def prepare(self, text: str, match_any: bool, filters: dict[str, list[str]], searcher, notes: list[str],
                origins: dict | None, seen: set[int]):
        """The query ready to run: syntax checked and tidied (what was left out goes to `notes`),
        history references resolved, author phrases widened to the names they fit, expansions
        bounded, filters applied."""
        from ..engine.name_forms import with_name_forms

        if text.strip():
            check_syntax(text, known_fields(searcher.schema))
            text = tidy_query(text, match_any, notes)
        q = parse_query(text, searcher.schema, match_any)
        q = with_name_forms(self._resolve_history(q, searcher, seen), searcher)
        q = bound_expansions(q, searcher.reader(), notes, origins)
        filters = with_language_names(filters or {})
        only = filter_query(filters)
        if only is not None:
            self._note_unknown_filter_values(filters, searcher.reader(), notes)
            q = restrict(q, only)
        return records_only(q)

    def _resolve_history(self, q, searcher, seen: set[int]):
        if isinstance(q, HistoryRef):
            from .history import History

            if q.number in seen:
                raise QueryError(f"#{q.number} refers to itself through the history")
            entry = History(self.root).get(q.number)
            inner = self.prepare(entry.query, entry.match_any, entry.filters, searcher, [], None,
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

    def _annotate(self, hits: list[Hit], records: list[Record], q, options: SearchOptions,
                  origins: dict) -> None:
        from ..engine.words import query_words
        from .matches import make_snippet, matched_fields

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
        record = self.get(record_id)
        if record is None:
            raise RecsearchError(f"no record with id {record_id!r} in {self.root}")
        parts = [(name, field_text(record, name), FIELD_BOOSTS[name]) for name in ("title", "subject", "summary", "author")]
        searcher = self.searcher()
        words = key_terms_query(searcher, parts)
        if words is None:
            return SearchResult(query=f"similar:{record_id}", total=0)
        results = searcher.search(records_except(words, record_id), limit=min(limit, MAX_LIMIT))
        records = [stored_record(r.fields()) for r in results]
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

    # What deduplication (recsearch.dedup) reads: the stored records and a field's postings.
    @property
    def generation(self) -> tuple[Path, int]:
        """The generation folder this index was opened from, and its Whoosh generation."""
        return Path(self._ix.storage.folder), self._ix.latest_generation()

    def _held_searcher(self):
        """The searcher as it is: a run reading thousands of terms must not check for changes at each."""
        return self._searcher or self.searcher()

    def stored_records(self):
        """(document number, id, source, stored record JSON) of every live record, in index order."""
        reader = self.searcher().reader()
        for docnum, stored in reader.iter_docs():
            if "record" in stored:
                yield docnum, stored["id"], stored.get("source") or "", stored["record"]

    def field_terms(self, fieldname: str, text: str) -> list[str]:
        """The index terms `text` gives in a field, as its analyzer makes them."""
        # The searcher's schema: the index's own reads the table of contents on every call.
        return list(self._held_searcher().schema[fieldname].process_text(text, mode="index"))

    def term_frequency(self, fieldname: str, term: str) -> int:
        return self._held_searcher().doc_frequency(fieldname, term)

    def term_docnums(self, fieldname: str, term: str) -> set[int]:
        """The live documents holding a term, read from its posting list."""
        return docs_holding(self._held_searcher(), fieldname, term)

    def get(self, record_id: str) -> Record | None:
        stored = self.searcher().document(id=record_id)
        if not stored:
            return None
        record = stored_record(stored)
        if record.source and not os.path.isabs(record.source):
            # Indexed by a release that stored the path relative to the folder of that run:
            # the manifest knows the file's absolute path.
            record.source = self._holder_path(record_id) or record.source
        return record

    def _manifest(self):
        """The manifest of the generation this index was opened from, or None."""
        from ..engine.store import current_generation, load_manifest

        gen = current_generation(self.root)
        return load_manifest(gen, self._ix.latest_generation()) if gen else None

    def _holder_path(self, record_id: str) -> str | None:
        from ..ingest.sources import display_path

        manifest = self._manifest()
        if manifest is None:
            return None
        with manifest:
            path = manifest.holder(record_id)
        return display_path(path) if path else None

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._ix.close()

    def __enter__(self) -> RecordIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

