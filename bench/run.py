"""recsearch against SQLite FTS5 on the same records: build, updates, queries, authors, CLI.

    python bench/run.py [--size 10000,100000] [--work bench/out] [--no-record]
    python bench/run.py --size 1000000 --build-only [--queries-from bench/out/fts5-100000.db]

For each size: makes the corpus (bench/make_corpus.py, kept in --work), builds
a recsearch index and a reference FTS5 index (`unicode61 remove_diacritics 2`,
bm25; its build reads the seed files with recsearch's reader, the only reader
of the format), each in its own process for its peak RSS. Then times an
incremental run with nothing changed and with 1,000 files added, a fixed mixed
query set in process on both engines (top 10 and the hit count, warm), author
lookups, and the CLI from process start to printed table. Prints a table and
appends it to bench/RESULTS.md. `--build-only` is for sizes where all that
would take hours: the build, a no-change update and, with `--queries-from`, a
smaller run's query set timed on recsearch alone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tabulate import tabulate
from whoosh.analysis import STOP_WORDS

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from common import OUT, append_results, median, percentile, timed  # noqa: E402
from make_corpus import make_corpus  # noqa: E402

FTS_COLUMNS = ("title", "summary", "author", "affil", "subject", "journal")
# recsearch's stop words (Whoosh's list): a phrase or word query built from them would differ by design.
STOP = set(STOP_WORDS) | {"have", "been", "were", "which", "from", "than"}


def _tree_memory_mb(pid: int) -> tuple[float, float]:
    """Resident memory of a process and its children (the parallel index writers), in MB: RSS summed
    (counts pages the forked writers share with their parent once per process) and PSS summed
    (each shared page split among its sharers: what the tree really holds)."""
    rss = pss = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            if int(entry) == pid or int(fields[1]) == pid:
                with open(f"/proc/{entry}/smaps_rollup") as fh:
                    for line in fh:
                        if line.startswith("Rss:"):
                            rss += int(line.split()[1])
                        elif line.startswith("Pss:"):
                            pss += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return rss / 1024, pss / 1024


def run_measured(command: list[str]) -> tuple[float, tuple[float, float], str]:
    """Run a command; its wall time (s), peak memory of it and its children together
    (RSS and PSS summed, MB, sampled twice a second) and stdout."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        peak_rss = peak_pss = 0.0
        while proc.poll() is None:
            rss, pss = _tree_memory_mb(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(0.5)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)} failed: {err.read()[-2000:]}")
        return seconds, (peak_rss, peak_pss), out.read()


def build_fts5(corpus: Path, db: Path) -> int:
    """The FTS5 reference index of every seed file under `corpus`."""
    from recsearch.readers import read_file_records

    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.execute(f"CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, {', '.join(FTS_COLUMNS)}, year UNINDEXED, "
                "tokenize='unicode61 remove_diacritics 2')")
    count, batch = 0, []
    for path in sorted(corpus.rglob("*.txt")):
        for r in read_file_records(path.read_bytes(), str(path), "seed").records:
            batch.append((r.id, r.title, r.summary or "", " ; ".join(r.author_names), " ; ".join(r.affiliations),
                          " ; ".join(r.subjects), r.journal or "", r.year))
        if len(batch) >= 2000:
            con.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
            count += len(batch)
            batch = []
    con.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
    count += len(batch)
    con.commit()
    con.execute("INSERT INTO docs(docs) VALUES('optimize')")
    con.commit()
    con.close()
    return count


def query_set(db: Path, seed: int = 5) -> list[dict]:
    """A fixed mixed query set drawn from the collection: each as recsearch and FTS5 (None: unsupported)."""
    rng = random.Random(seed)
    con = sqlite3.connect(db)
    con.execute("CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab(docs, 'row')")
    total = con.execute("SELECT count(*) FROM docs").fetchone()[0]
    rows = [(t, n) for t, n in con.execute("SELECT term, doc FROM vocab") if t.isalpha() and len(t) > 3
            and t not in STOP]
    rows.sort(key=lambda r: -r[1])

    def near(share: float, k: int) -> list[str]:
        target = max(2, share * total)
        ranked = sorted(rows, key=lambda r: abs(r[1] - target))[: k * 5]
        return [t for t, _ in rng.sample(ranked, k)]

    common, medium, rare = near(0.2, 6), near(0.01, 8), near(0.0005, 4)
    rowids = rng.sample(range(1, total + 1), min(200, total))  # the same sample on every run
    sample = [con.execute("SELECT summary, author, affil FROM docs WHERE rowid = ?", (r,)).fetchone() for r in rowids]
    sample = [row for row in sample if row]
    con.close()
    queries = []

    def add(kind, ours, fts, year=None):
        queries.append({"kind": kind, "recsearch": ours, "fts5": fts, "year": year})

    for w in common[:3] + medium[:3] + rare[:2]:
        add("1 word", w, f'"{w}"')
    for a, b in zip(common[3:6], medium[3:6]):
        add("2 words", f"{a} {b}", f'"{a}" "{b}"')
    for a, b, c in zip(common[:3], common[3:6], medium[5:8]):
        add("3 words", f"{a} {b} {c}", f'"{a}" "{b}" "{c}"')
    phrases = []
    for summary, _, _ in sample:
        words = re.findall(r"[^\W\d_]+", summary.lower())
        pairs = [(x, y) for x, y in zip(words, words[1:]) if x not in STOP and y not in STOP and len(x) > 3 and len(y) > 3]
        if pairs:
            phrases.append(rng.choice(pairs))
    for x, y in phrases[:4]:
        add("phrase", f'"{x} {y}"', f'"{x} {y}"')
    for _, authors, _ in sample[:4]:
        surname = re.findall(r"[^\W\d_]+", authors.split(" ; ")[0])[-1].lower()
        add("author:", f"author:{surname}", f'author : "{surname}"')
    for _, _, affil in [s for s in sample if s[2]][:4]:
        word = max(re.findall(r"[^\W\d_]{4,}", affil) or ["university"], key=len).lower()
        add("affil:", f"affil:{word}", f'affil : "{word}"')
    for w, (start, end) in zip(medium[:4], [(2000, 2010), (2015, 2020), (1995, 2005), (2020, 2025)]):
        add("year range", f"{w} year:[{start} TO {end}]", f'"{w}"', (start, end))
    for w in medium[:3]:
        add("fuzzy", f"{w}~", None)
    for w in [m for m in medium if len(m) > 6][:3]:
        add("prefix", f"{w[:5]}*", f'"{w[:5]}"*')
    return queries


def fts5_search(con, q: dict) -> int:
    where, args = "docs MATCH ?", [q["fts5"]]
    if q["year"]:
        where += " AND year BETWEEN ? AND ?"
        args += list(q["year"])
    con.execute(f"SELECT id FROM docs WHERE {where} ORDER BY rank LIMIT 10", args).fetchall()
    return con.execute(f"SELECT count(*) FROM docs WHERE {where}", args).fetchone()[0]


def time_queries(index: Path, db: Path, queries: list[dict], repeat: int = 3, fts5: bool = True) -> list[dict]:
    """Each query's hits and median time on recsearch, and with `fts5` on the FTS5 database too."""
    from recsearch.search.index import RecordIndex, SearchOptions

    # What FTS5 is timed doing: the top 10 and the hit count (no did-you-mean for few hits).
    engine = SearchOptions(suggest=False)
    con = sqlite3.connect(db)
    with RecordIndex(index) as ix:
        for q in queries:  # warm both: open segments, fill the page cache
            q["hits"] = ix.search(q["recsearch"], limit=10, options=engine).total
            if q["fts5"] and fts5:
                q["fts5_hits"] = fts5_search(con, q)
        for q in queries:
            q["ms"] = median([timed(ix.search, q["recsearch"], 10, options=engine)[0]
                              for _ in range(repeat)]) * 1000
            if q["fts5"] and fts5:
                q["fts5_ms"] = median([timed(fts5_search, con, q)[0] for _ in range(repeat)]) * 1000
    con.close()
    return queries


def _drop_cache(*paths: Path) -> None:
    """Take the files' pages out of the page cache (POSIX_FADV_DONTNEED: no root needed), for cold-cache runs."""
    for path in paths:
        files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
        for f in files:
            fd = os.open(f, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def time_opened_per_call(index: Path, db: Path, queries: list[dict], cold: bool = False) -> tuple[list, list]:
    """The CLI's path in process: the index opened, one search, closed, per query (and FTS5 connected
    per query); with `cold`, every index file dropped from the page cache before each query."""
    from recsearch.search.index import RecordIndex

    def ours(text):  # as `recsearch search` runs it: suggestions included when few records match
        with RecordIndex(index) as ix:
            return ix.search(text, limit=10).total

    def theirs(q):
        con = sqlite3.connect(db)
        try:
            return fts5_search(con, q)
        finally:
            con.close()

    a, b = [], []
    for q in queries:
        if cold:
            _drop_cache(index)
        a.append(timed(ours, q["recsearch"])[0] * 1000)
        if q["fts5"]:
            if cold:
                _drop_cache(db)
            b.append(timed(theirs, q)[0] * 1000)
    return a, b


def kind_rows(queries: list[dict], size: int) -> list[list]:
    """Median time and ratio to FTS5 by kind of query (warm, index held open)."""
    rows = []
    kinds = [("common words (>5% of records)", lambda q: q["kind"] == "1 word" and q["hits"] > size * 0.05),
             ("2-3-word AND", lambda q: q["kind"] in ("2 words", "3 words")), ("phrases", lambda q: q["kind"] == "phrase"),
             ("fielded (author:, affil:)", lambda q: q["kind"] in ("author:", "affil:")),
             ("word + year range", lambda q: q["kind"] == "year range")]
    for label, wanted in kinds:
        chosen = [q for q in queries if wanted(q) and q.get("fts5_ms")]
        if chosen:
            rows.append([label, f"{median([q['ms'] for q in chosen]):.1f} ms",
                         f"{median([q['fts5_ms'] for q in chosen]):.1f} ms",
                         f"{median([q['ms'] / q['fts5_ms'] for q in chosen]):.2f}", ""])
    return rows


def author_latency(index: Path, count: int = 100) -> tuple[float, float]:
    from author_latency import author_queries
    from recsearch.search.index import RecordIndex

    with RecordIndex(index) as ix:
        names = author_queries(ix, count)
        ix.authors(names[0])
        times = [timed(ix.authors, n, 10)[0] for n in names]
    return median(times) * 1000, percentile(times, 95) * 1000


def cli_latency(index: Path, word: str, runs: int = 10) -> float:
    """A fresh `recsearch search` from process start to printed table, as an installed copy runs it:
    bytecode caches allowed (a test runner's PYTHONDONTWRITEBYTECODE would time compiling instead) and
    written by one untimed run first."""
    exe = shutil.which("recsearch") or str(Path(sys.executable).with_name("recsearch"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    command = [exe, "search", word, "--index", str(index), "--no-history"]
    subprocess.run(command, capture_output=True, check=True, env=env)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - started)
    return median(times) * 1000


def bench_size(size: int, work: Path, added: int) -> tuple[list[list], list[dict]]:
    corpus, index, db = work / f"corpus-{size}", work / f"index-{size}", work / f"fts5-{size}.db"
    if not corpus.exists():
        seconds, _ = timed(make_corpus, size, corpus)
        print(f"corpus: {size:,} records in {seconds:.0f} s", file=sys.stderr)
    incoming = corpus / "incoming"
    shutil.rmtree(incoming, ignore_errors=True)
    py = sys.executable
    seconds, rss, out = run_measured([py, "-m", "recsearch.cli", "index", str(corpus), "--index", str(index),
                                      "--rebuild", "--json"])
    records = json.loads(out)["records"]
    f_seconds, f_rss, _ = run_measured([py, str(Path(__file__)), "--fts5-build", str(corpus), str(db)])
    rows = [["build from seed files", f"{records / seconds:,.0f} rec/s ({seconds:,.0f} s)",
             f"{records / f_seconds:,.0f} rec/s ({f_seconds:,.0f} s)", f"{f_seconds / seconds:.2f}", "≥ 1,500 rec/s"],
            ["peak memory building, PSS (RSS) summed over the processes", f"{rss[1]:,.0f} ({rss[0]:,.0f}) MB",
             f"{f_rss[1]:,.0f} ({f_rss[0]:,.0f}) MB", "", "1M: ≤ 1 GB"]]

    from recsearch.ingest.build import update_index

    nothing = median([timed(update_index, [corpus], index)[0] for _ in range(3)])
    rows.append(["update, nothing changed", f"{nothing:.2f} s", "n/a", "", "≤ 0.5 s"])
    make_corpus(added, incoming, seed=7, start=10_000_000)
    seconds_added, report = timed(update_index, [corpus], index)
    assert report.added == added, report.to_dict()
    rows.append([f"update, {added:,} files added", f"{seconds_added:.2f} s", "n/a", "", "≤ 1.5 s"])
    shutil.rmtree(incoming)
    update_index([corpus], index)

    query_rows, queries = measure_queries(size, index, db)
    return rows + query_rows, queries


def measure_queries(size: int, index: Path, db: Path) -> tuple[list[list], list[dict]]:
    """The query rows of a run: the mixed set warm, by kind, the CLI path (warm and cold), authors, the CLI."""
    rows = []
    queries = time_queries(index, db, query_set(db))
    ours = [q["ms"] for q in queries]
    both = [q for q in queries if q.get("fts5_ms")]
    ratios = [q["ms"] / q["fts5_ms"] for q in both]
    fts = [q["fts5_ms"] for q in both]
    rows.append(["query p50 (all kinds)", f"{median(ours):.1f} ms", f"{median(fts):.1f} ms",
                 f"{median(ratios):.2f}", "≤ FTS5's p50"])
    rows.append(["query p95 (all kinds)", f"{percentile(ours, 95):.1f} ms", f"{percentile(fts, 95):.1f} ms",
                 "", "≤ 8 ms"])
    rows += kind_rows(queries, size)
    for cold in (False, True):
        a, b = time_opened_per_call(index, db, queries, cold=cold)
        rows.append([f"CLI path in process, opened per call, {'cold' if cold else 'warm'} cache, p50 / p95",
                     f"{median(a):.1f} / {percentile(a, 95):.1f} ms", f"{median(b):.1f} / {percentile(b, 95):.1f} ms",
                     f"{median(a) / median(b):.2f}", ""])
    p50, p95 = author_latency(index)
    rows.append(["author lookup p50 / p95", f"{p50:.0f} / {p95:.0f} ms", "n/a", "", "p95 ≤ 100 ms"])
    for q in (queries[0], queries[3]):  # a common word, a medium one
        rows.append([f"CLI search, start to table, p50 ({q['recsearch']}: {q['hits']:,} hits)",
                     f"{cli_latency(index, q['recsearch']):.0f} ms", "", "", "≤ 200 ms"])
    return rows, queries


def build_size(size: int, work: Path, queries_from: Path | None = None) -> tuple[list[list], list[dict]]:
    """Only the recsearch build (wall time, peak RSS, index size) and a no-change update: for sizes where
    the whole comparison would take hours. With `queries_from` (the FTS5 database of a smaller run), that
    run's query set and author lookups are timed on this index too (recsearch only)."""
    corpus, index = work / f"corpus-{size}", work / f"index-{size}"
    if not corpus.exists():
        seconds, _ = timed(make_corpus, size, corpus)
        print(f"corpus: {size:,} records in {seconds:.0f} s", file=sys.stderr)
    shutil.rmtree(corpus / "incoming", ignore_errors=True)
    seconds, rss, out = run_measured([sys.executable, "-m", "recsearch.cli", "index", str(corpus), "--index",
                                      str(index), "--rebuild", "--json"])
    records = json.loads(out)["records"]
    on_disk = sum(f.stat().st_size for f in index.rglob("*") if f.is_file()) / 2**20

    from recsearch.ingest.build import update_index

    nothing, _ = timed(update_index, [corpus], index)
    rows = [["build from seed files", f"{records / seconds:,.0f} rec/s ({seconds:,.0f} s)", "≥ 2,000 rec/s"],
            ["peak memory building, PSS (RSS) summed over the processes", f"{rss[1]:,.0f} ({rss[0]:,.0f}) MB",
             "1M: ≤ 1 GB"],
            ["index on disk", f"{on_disk:,.0f} MB", ""],
            ["update, nothing changed", f"{nothing:.2f} s", ""]]
    if queries_from is None:
        return rows, []
    queries = time_queries(index, queries_from, query_set(queries_from), repeat=5, fts5=False)
    ours = [q["ms"] for q in queries]
    rows.append(["query p50 / p95 (the smaller run's query set)",
                 f"{median(ours):.0f} / {percentile(ours, 95):.0f} ms", ""])
    p50, p95 = author_latency(index)
    rows.append(["author lookup p50 / p95", f"{p50:.0f} / {p95:.0f} ms", ""])
    return rows, queries


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--fts5-build":
        print(build_fts5(Path(sys.argv[2]), Path(sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10000,100000", help="comma-separated corpus sizes")
    parser.add_argument("--added", type=int, default=1_000)
    parser.add_argument("--work", type=Path, default=OUT)
    parser.add_argument("--no-record", action="store_true", help="print only; do not append to RESULTS.md")
    parser.add_argument("--build-only", action="store_true",
                        help="only the recsearch build and a no-change update (no FTS5, no queries)")
    parser.add_argument("--queries-only", action="store_true",
                        help="time the queries again on the indexes a full run left in --work (no build)")
    parser.add_argument("--queries-from", type=Path, metavar="DB",
                        help="with --build-only: also time the query set of this FTS5 database (a smaller run's)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    for size in [int(s) for s in args.size.split(",")]:
        if args.build_only:
            rows, queries = build_size(size, args.work, args.queries_from)
            table = tabulate(rows, headers=[f"{size:,} records", "recsearch", "target"], tablefmt="github")
            detail = tabulate([[q["kind"], q["recsearch"], q["hits"], f"{q['ms']:.1f}"] for q in queries],
                              headers=["kind", "query (recsearch syntax)", "hits", "ms"], tablefmt="github")
            print(table)
            if queries:
                print()
                print(detail)
            if not args.no_record:
                append_results(f"recsearch build only, {size:,} records (bench/run.py --build-only)", table,
                               f"Per query:\n\n{detail}" if queries else "")
            continue
        if args.queries_only:
            rows, queries = measure_queries(size, args.work / f"index-{size}", args.work / f"fts5-{size}.db")
        else:
            rows, queries = bench_size(size, args.work, min(args.added, max(size // 10, 1)))
        table = tabulate(rows, headers=[f"{size:,} records", "recsearch", "FTS5", "ratio", "target"],
                         tablefmt="github")
        detail = tabulate([[q["kind"], q["recsearch"], q["hits"], f"{q['ms']:.1f}",
                            f"{q['fts5_ms']:.1f}" if q.get("fts5_ms") else "n/a",
                            q.get("fts5_hits", "")] for q in queries],
                          headers=["kind", "query (recsearch syntax)", "hits", "ms", "FTS5 ms", "FTS5 hits"],
                          tablefmt="github")
        print(table)
        print()
        print(detail)
        if not args.no_record:
            kind = "queries only, on the indexes of the run above" if args.queries_only else "bench/run.py"
            append_results(f"recsearch against SQLite FTS5, {size:,} records ({kind})", table,
                           "Ratio: recsearch time / FTS5 time (median over the queries both run). "
                           "Per query:\n\n" + detail)


if __name__ == "__main__":
    main()
