"""Incremental indexing at scale: nothing changed, 1,000 files added, removed.

    python bench/incremental.py [--size 100000] [--work bench/out]

Makes the corpus and the full index once (kept in --work for later runs),
then times `update_index` runs and appends a table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from tabulate import tabulate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from common import OUT, append_results, median, timed  # noqa: E402
from make_corpus import make_corpus  # noqa: E402

from recsearch.ingest.build import update_index  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--added", type=int, default=1_000)
    parser.add_argument("--work", type=Path, default=OUT)
    parser.add_argument("--no-record", action="store_true", help="print only; do not append to RESULTS.md")
    args = parser.parse_args()

    corpus = args.work / f"corpus-{args.size}"
    index = args.work / f"index-{args.size}"
    rows = []
    if not corpus.exists():
        seconds, _ = timed(make_corpus, args.size, corpus)
        print(f"corpus: {args.size} records in {seconds:.0f} s", file=sys.stderr)
    batch = corpus / "incoming"
    shutil.rmtree(batch, ignore_errors=True)
    seconds, report = timed(update_index, [corpus], index)
    if report.rebuilt:
        rows.append(["full build", f"{seconds:.1f} s", f"{report.added / seconds:.0f} records/s"])
    print(f"initial run: {seconds:.1f} s, {report.records} records", file=sys.stderr)

    runs = [timed(update_index, [corpus], index)[0] for _ in range(3)]
    rows.append(["nothing changed (median of 3)", f"{median(runs):.2f} s", "aim ≤ 3 s"])

    make_corpus(args.added, batch, seed=7, start=10_000_000)
    seconds, report = timed(update_index, [corpus], index)
    assert report.added == args.added, report.to_dict()
    rows.append([f"{args.added} files added", f"{seconds:.2f} s", "aim ≤ 5 s"])

    shutil.rmtree(batch)
    seconds, report = timed(update_index, [corpus], index)
    assert report.removed == args.added, report.to_dict()
    rows.append([f"{args.added} files removed", f"{seconds:.2f} s", ""])

    table = tabulate(rows, headers=["incremental run", f"time at {args.size:,} records", "note"], tablefmt="github")
    print(table)
    if not args.no_record:
        append_results(f"Incremental indexing, {args.size:,} records (bench/incremental.py)", table)


if __name__ == "__main__":
    main()
