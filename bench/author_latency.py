"""Author lookup latency on an existing index (p50/p95, in process).

    python bench/author_latency.py INDEX [--queries 200] [--no-record]

Queries are names drawn from the index itself, each written with a typo or
without accents, so that candidate generation does real fuzzy work.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from tabulate import tabulate
from unidecode import unidecode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from common import append_results, median, percentile, timed  # noqa: E402

from recsearch.ingest.stats import index_stats  # noqa: E402
from recsearch.search.index import RecordIndex  # noqa: E402


def author_queries(ix, count: int, seed: int = 3) -> list[str]:
    """Names of `count` random records' first authors, each with a typo or without accents."""
    rng = random.Random(seed)
    names = []
    searcher = ix.searcher()
    # Documents are drawn by number, not loaded all: a million records' stored fields do not fit.
    order = list(range(searcher.doc_count_all()))
    rng.shuffle(order)
    for docnum in order:
        if len(names) >= count:
            break
        if searcher.reader().is_deleted(docnum):
            continue
        stored = searcher.stored_fields(docnum)
        if "record" in stored:
            names += [a["name"] for a in json.loads(stored["record"])["authors"][:1]]
    queries = []
    for name in names:
        words = unidecode(name).split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        w = words[longest]
        if len(w) > 4:
            i = rng.randrange(1, len(w) - 1)
            words[longest] = w[:i] + w[i + 1:]
        queries.append(" ".join(words))
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    stats = index_stats(args.index)
    with RecordIndex(args.index) as ix:
        queries = author_queries(ix, args.queries)
        ix.authors(queries[0])  # warm up: open segments
        times = [timed(ix.authors, q, 10)[0] for q in queries]
    table = tabulate([[f"{stats.records:,}", f"{stats.distinct_authors:,}", len(times),
                       f"{median(times) * 1000:.1f} ms", f"{percentile(times, 95) * 1000:.1f} ms"]],
                     headers=["records", "distinct names", "lookups", "p50", "p95 (aim ≤ 100 ms)"], tablefmt="github")
    print(table)
    if not args.no_record:
        append_results("Author lookup latency (bench/author_latency.py)", table)


if __name__ == "__main__":
    main()
