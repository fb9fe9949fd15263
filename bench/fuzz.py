"""Long fuzz runs: damaged record files through the readers, random queries
through the parser and searcher. Counts cases and escapes (exceptions other
than the readers' RecordError and the parser's QueryError).

    python bench/fuzz.py [--files 10000] [--queries 10000] [--seed 1] [--no-record]

Record files are the reference record, the seed fixtures and the per-format
samples, each damaged one to three ways (tests/mutations.py); every case must
end as records or a RecordError. Queries are glued from pieces of the query
syntax; every one must run or raise QueryError.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(HERE))

from tabulate import tabulate  # noqa: E402

from common import append_results  # noqa: E402
from mutations import mutate  # noqa: E402
from recsearch.ingest.build import update_index  # noqa: E402
from recsearch.errors import QueryError  # noqa: E402
from recsearch.readers import NotARecordFile, RecordError, read_file_records  # noqa: E402
from recsearch.search.index import RecordIndex  # noqa: E402

SAMPLES = ([ROOT / "seeds" / "000_22e798dbd43e04c0.txt"] + sorted((ROOT / "tests/fixtures/seeds").glob("*.txt"))
           + [p for p in sorted((ROOT / "tests/fixtures/formats").glob("*.*")) if p.suffix != ".py"])
PIECES = ["natural", "killer", "Pérez", "covid-19", "the", "of", "北京", "a", "x" * 300, '"', "(", ")", "[", "]",
          "{", "}", "AND", "OR", "NOT", "ANDNOT", "*", "?", "~", "~2", "~9", "^", "^2", ":", "-", "+", "\\", "/",
          "#3", "#999", "&&", "||", "!", "'", "title:", "author:", "affil:", "year:", "year:>", "year:<", "issn:",
          "nosuch:", "http:", "subject:", "abstract:", "id:", "[2019 TO 2023]", "[2023 TO 2019]",
          "[1 TO 99999999999999999999999]", "{2020 TO}", "[TO 2020]", "1e400", "-5", "NaN", "2020", "immun*",
          "a*", "*a*", "h?llo", "hernadez~", "ab~2", "abcdef~2", "pé*", "\x00", "\u202e", "𝔘"]


def fuzz_files(count: int, rng: random.Random) -> tuple[Counter, list[str], float]:
    outcome: Counter[str] = Counter()
    escapes: list[str] = []
    started = time.perf_counter()
    for _ in range(count):
        sample = rng.choice(SAMPLES)
        data, how = mutate(sample.read_bytes(), rng)
        try:
            found = read_file_records(data, sample.name)
            outcome["records" if found.records else "no records, problems reported"] += 1
            if found.problems:
                outcome["some records reported bad"] += 1
        except NotARecordFile:
            outcome["skipped: not a record file"] += 1
        except RecordError:
            outcome["failed with a clear error"] += 1
        except Exception:
            escapes.append(f"{sample.name} {how}: {traceback.format_exc(limit=3)}")
    return outcome, escapes, time.perf_counter() - started


def fuzz_queries(count: int, rng: random.Random) -> tuple[Counter, list[str], float]:
    outcome: Counter[str] = Counter()
    escapes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "seeds"
        folder.mkdir()
        for path in SAMPLES[:9]:
            (folder / path.name).write_bytes(path.read_bytes())
        update_index([folder], Path(tmp) / "ix")
        started = time.perf_counter()
        with RecordIndex(Path(tmp) / "ix") as ix:
            for _ in range(count):
                pieces = [rng.choice(PIECES) for _ in range(rng.randint(1, 8))]
                text = rng.choice([" ", ""]).join(pieces)
                try:
                    ix.search(text, limit=rng.choice([1, 10, 5000]))
                    outcome["ran"] += 1
                except QueryError:
                    outcome["refused with a one-line reason"] += 1
                except Exception:
                    escapes.append(f"{text!r}: {traceback.format_exc(limit=3)}")
        return outcome, escapes, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = []
    all_escapes = []
    for label, run, count in (("damaged record files", fuzz_files, args.files),
                              ("random queries", fuzz_queries, args.queries)):
        outcome, escapes, seconds = run(count, rng)
        all_escapes += escapes
        detail = ", ".join(f"{k} {v:,}" for k, v in outcome.most_common())
        rows.append([label, f"{count:,}", len(escapes), f"{seconds:.0f} s", detail])
    table = tabulate(rows, headers=["fuzzed", "cases", "escapes", "time", "outcomes"], tablefmt="github")
    print(table)
    for escape in all_escapes[:10]:
        print(escape, file=sys.stderr)
    if not args.no_record:
        append_results("Fuzzing the readers and the query language (bench/fuzz.py)",
                       table + f"\n\nSeed {args.seed}. An escape is any exception other than RecordError "
                       "(readers) or QueryError (queries).")
    sys.exit(1 if all_escapes else 0)


if __name__ == "__main__":
    main()
