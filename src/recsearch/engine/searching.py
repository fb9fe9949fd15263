"""Running queries on a Whoosh searcher: time limits, Whoosh's own top-hits collector,
term queries the other layers need, sorting by a column and key terms of a text."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

from whoosh import query as wq
from whoosh.collectors import TimeLimit

from .documents import facet_values
from .executor import matching_docs
from .schema import RECORDS

__all__ = ["TimeLimit", "time_limit", "collect_top", "restrict", "term_query", "docs_holding", "any_term_query",
           "records_except", "live_record_count", "live_records", "key_terms_query", "sort_docnums"]


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


def collect_top(searcher, q, limit: int | None, timed_out: bool, seconds: float):
    """Whoosh's own top-hits collector: (hits, matching docnums or None if all are hits, timed out)."""
    collector = searcher.collector(limit=limit)
    if not timed_out:
        try:
            with time_limit(seconds):
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


def restrict(q, other):
    """Documents matching both `q` (which alone is scored) and `other`."""
    return wq.And([q, other])


def term_query(fieldname: str, text: str):
    return wq.Term(fieldname, text)


def docs_holding(searcher, fieldname: str, text: str) -> set[int]:
    """The live documents holding a term (the searcher's numbers), from its posting columns."""
    return matching_docs(searcher, wq.Term(fieldname, text))


def any_term_query(fieldname: str, texts):
    """Documents holding any of `texts` in `fieldname`."""
    return wq.Or([wq.Term(fieldname, t) for t in texts])


def records_except(q, record_id: str):
    """Records matching `q`, except the one with `record_id`."""
    return wq.And([q, RECORDS, wq.Not(wq.Term("id", record_id))])


def live_record_count(ix) -> int:
    """Record documents not deleted (term counts include deleted ones)."""
    with ix.searcher() as searcher:
        return live_records(searcher)


def live_records(searcher) -> int:
    """`live_record_count` on an open searcher; cheap when nothing was deleted."""
    if not searcher.reader().has_deletions():
        return searcher.doc_frequency("kind", "record")
    return sum(1 for _ in searcher.docs_for_query(wq.Term("kind", "record")))


def key_terms_query(searcher, parts: list[tuple[str, str, float]]):
    """An OR of the key words of each (field, text, weight), weighted by their Bo1 score; None if none."""
    from whoosh.classify import Bo1Model

    terms = []
    for fieldname, text, weight in parts:
        if not text:
            continue
        for word, score in searcher.key_terms_from_text(fieldname, text, numterms=10, model=Bo1Model):
            terms.append(wq.Term(fieldname, word, boost=weight * score))
    return wq.Or(terms) if terms else None


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
