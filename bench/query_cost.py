"""Hostile queries are answered or refused at once: long words, long OR lists, garbled text.

    python bench/query_cost.py --index DIR [--no-record]

Each query of issue 17 item 4 and issue 19 item 10 (and a few neighbours just
inside the limits) is run in process (search and did-you-mean, best of 3) and
through the CLI (`recsearch search`, wall time from start to exit, which
includes about 0.2-0.5 s of start-up). Reported with the exit code and the
first line said on stderr.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from tabulate import tabulate  # noqa: E402

from common import append_results  # noqa: E402


def queries(index: Path) -> dict[str, str]:
    from recsearch.search.syntax import MAX_QUERY_WORDS, MAX_WORD_CHARS
    from recsearch.search.index import RecordIndex

    with RecordIndex(index) as ix:
        lexicon = [w.decode() for w in ix.searcher().reader().lexicon("title") if w.isalpha() and len(w) > 3]
    rng = random.Random(5)
    or_list, words = "", iter(rng.sample(lexicon, min(len(lexicon), 3000)))
    while len(or_list) < 12886:
        or_list += (" OR " if or_list else "") + next(words)
    inside = MAX_QUERY_WORDS // 2  # and the ORs between them
    return {
        "a 5,000-letter word": "x" * 5000,
        "a 9,712-letter word": "".join(rng.choice("abcdefghij") for _ in range(9712)),
        f"a {MAX_WORD_CHARS}-letter word (the longest searched)": "q" * MAX_WORD_CHARS,
        "garbled `[b0}3(?ROa`": "[b0}3(?ROa",
        "garbled, balanced `b0 3?ROa`": "b0 3?ROa",
        "a 12,886-character OR list": or_list[:12886],
        f"an OR list of {inside} words (within the limit)": " OR ".join(rng.sample(lexicon, inside)),
        "four misspelt words `natral kiler cels lymfoma`": "natral kiler cels lymfoma",
        "`cells OR the OR lymphoma`": "cells OR the OR lymphoma",
    }


def in_process(index: Path, text: str) -> tuple[float, str]:
    from recsearch.errors import QueryError
    from recsearch.search.index import RecordIndex

    best, outcome = float("inf"), ""
    with RecordIndex(index) as ix:
        for _ in range(3):
            started = time.perf_counter()
            try:
                result = ix.search(text)
                outcome = f"{result.total} hits, {len(result.suggestions)} suggestions"
            except QueryError:
                outcome = "refused"
            best = min(best, time.perf_counter() - started)
    return best, outcome


def by_cli(index: Path, text: str) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "import sys; from recsearch.cli import main; sys.argv[0] = 'recsearch'; main()",
                           "search", "--index", str(index), "--no-history", text],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    said = (done.stderr.strip().splitlines() or [""])[0]
    return seconds, done.returncode, said[:90] + ("…" if len(said) > 90 else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    from recsearch.search.index import RecordIndex

    with RecordIndex(args.index) as ix:
        records = ix.record_count
    rows = []
    for label, text in queries(args.index).items():
        seconds, outcome = in_process(args.index, text)
        cli_seconds, code, said = by_cli(args.index, text)
        rows.append([label, f"{len(text):,}", f"{seconds * 1000:.0f} ms", outcome, f"{cli_seconds:.2f} s", code, said])
    table = tabulate(rows, headers=["query", "characters", "in process", "outcome", "CLI", "exit", "stderr (first line)"],
                     tablefmt="github")
    print(table)
    if not args.no_record:
        append_results(f"Hostile queries on {records:,} records (bench/query_cost.py)", table)


if __name__ == "__main__":
    main()
