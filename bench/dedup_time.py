"""Time `recsearch dedup` on a synthetic library with duplicates: full run, nothing new, a harvest.

    python bench/dedup_time.py N DIR [--seed S] [--reuse]

Writes N works' records as RIS files (1,000 a file) into DIR/sources, a third
of the works again as another database would give them (title case,
abbreviated journal, initials, no DOI for half, `221-8` pages), indexes them,
then times a full dedup, a run with nothing new, and a run after 1,000 new
records arrive. Titles draw on the words of make_corpus.py's vocabulary.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from dedup_eval import abbreviate_journal, initials, short_pages  # noqa: E402
from make_corpus import FAMILY, GIVEN, JOURNALS, real_material  # noqa: E402
from recsearch.ingest.build import update_index  # noqa: E402
from recsearch.dedup.run import run_dedup  # noqa: E402
from recsearch.export import to_ris  # noqa: E402
from recsearch.record import Author, Record  # noqa: E402


def works(count: int, rng: random.Random, start: int = 0):
    words = sorted({w.strip(".,;:()").lower() for s in real_material()[0] for w in s.split() if w.isalpha() and len(w) > 3})
    words = words or "cell model growth".split()
    for n in range(start, start + count):
        title = " ".join(rng.choice(words) for _ in range(rng.randint(6, 14))).capitalize()
        first = rng.randint(1, 2000)
        yield Record(id=f"w{n}", title=title, year=rng.randint(1990, 2024),
                     authors=[Author(f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}") for _ in range(rng.randint(1, 6))],
                     journal=rng.choice(JOURNALS), volume=str(rng.randint(1, 80)),
                     pages=f"{first}-{first + rng.randint(3, 20)}", doi=f"10.5555/syn.{n}")


def again(record: Record, rng: random.Random) -> Record:
    from dataclasses import replace

    return replace(record, id=f"again-{record.id}", title=record.title.upper() if rng.random() < 0.3 else record.title,
                   journal=abbreviate_journal(record.journal), authors=[Author(initials(a.name)) for a in record.authors],
                   doi=record.doi if rng.random() < 0.5 else None, pages=short_pages(record.pages))


def write(records: list[Record], folder: Path, prefix: str) -> None:
    for i in range(0, len(records), 1000):
        (folder / f"{prefix}-{i // 1000:05d}.ris").write_text(to_ris(records[i:i + 1000]), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true",
                        help="time the dedup runs on the index DIR already holds (made by an earlier run, same N)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    src = args.folder / "sources"
    src.mkdir(parents=True, exist_ok=True)
    index = args.folder / "index"
    originals = list(works(args.count * 3 // 4, rng))
    copies = [again(r, rng) for r in originals[: args.count - len(originals)]]
    if not (args.reuse and index.exists()):
        write(originals, src, "db1")
        write(copies, src, "db2")
        started = time.monotonic()
        built = update_index([src], index)
        print(f"index: {built.records:,} records in {time.monotonic() - started:.0f} s")
    for label, fresh in (("full dedup", True), ("nothing new", False)):
        report = run_dedup(index, fresh=fresh)
        print(f"{label}: {report.seconds:.1f} s; {report.compared:,} compared, {report.pairs:,} pairs, "
              f"{len(report.groups):,} groups, {report.works:,} works ({len(copies):,} copies made)")
    harvest = list(works(1000, rng, start=args.count * 10))
    write(harvest[:500] + [again(r, rng) for r in harvest[:500]], src, "harvest")
    update_index([src], index)
    report = run_dedup(index)
    print(f"after a harvest of 1,000: {report.seconds:.1f} s; {report.compared:,} compared, "
          f"{len(report.groups):,} groups, {report.works:,} works")


if __name__ == "__main__":
    main()
