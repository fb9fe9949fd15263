"""Time the seed reader: parse rendered real records and the reference page.

    python bench/seed_parse.py [--repeat 3] [--profile] [--record]

Renders the real records of `affiliations_eval.py` (as found) to the seed
format once, then times `parse_seed_text` over them and over the reference
seed page; `--profile` adds the share of time spent in `affiliation_cuts`.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

from tabulate import tabulate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from affiliations_eval import real_records  # noqa: E402
from common import append_results  # noqa: E402

try:
    from recsearch.readers import affiliation_seams  # noqa: E402
except ImportError:  # the code before affiliation cuts had their own module and cache
    affiliation_seams = None
from recsearch.readers.seed import parse_seed_text  # noqa: E402
from recsearch.render import render_seed_record  # noqa: E402

REFERENCE = HERE.parent.parent / "shared" / "seeds" / "000_22e798dbd43e04c0.txt"


def parse(text: str) -> None:
    """Parse as if for the first time: a page read twice must not hit a cache."""
    if affiliation_seams is not None:
        affiliation_seams.affiliation_cuts.cache_clear()
    parse_seed_text(text)


def best_per_record(texts: list[str], repeat: int) -> float:
    """Best of `repeat` runs, in microseconds per record."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for text in texts:
            parse(text)
        best = min(best, time.perf_counter() - started)
    return best / len(texts) * 1e6


def cuts_share(texts: list[str]) -> float:
    profile = cProfile.Profile()
    profile.enable()
    for text in texts:
        parse(text)
    profile.disable()
    stats = pstats.Stats(profile)
    total = stats.total_tt
    cuts = sum(v[3] for k, v in stats.stats.items() if k[2] == "affiliation_cuts")
    return cuts / total if total else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--record", metavar="LABEL", help="append the table to bench/RESULTS.md under LABEL")
    args = parser.parse_args()

    sets = [("rendered real records", [render_seed_record(r) for _, r in real_records()])]
    if REFERENCE.exists():
        sets.append(("reference page (22 authors)", [REFERENCE.read_text(encoding="utf-8")] * 200))
    rows = []
    for name, texts in sets:
        row = [name, len(texts), f"{best_per_record(texts, args.repeat):.0f}"]
        if args.profile:
            row.append(f"{100 * cuts_share(texts):.0f}%")
        rows.append(row)
    headers = ["records", "n", "µs per record (best of runs)"] + (["in affiliation_cuts (cProfile)"] if args.profile else [])
    table = tabulate(rows, headers=headers, tablefmt="github")
    print(table)
    if args.record:
        append_results(f"Seed parsing speed: {args.record}", table,
                       f"`python bench/seed_parse.py --repeat {args.repeat}{' --profile' if args.profile else ''}`")


if __name__ == "__main__":
    main()
