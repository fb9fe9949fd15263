"""Fault trial: kill points, a full disk, damage to every index file, hostile inputs.

    python bench/faults.py [--records N] [--kills K] [--work DIR] [--skip-memory]
    python bench/faults.py --open-cost INDEX

Builds a corpus of N seed records (bench/make_corpus.py) and its index, then:
- kills `recsearch index` (SIGKILL at random moments, and Ctrl-C to the process
  group) while it adds files in parallel writers, and checks the index after each;
- fills a small tmpfs (root only) during an update;
- damages each file of the index in four ways (a zeroed 4 KiB block, cut in
  half, random bytes, deleted) and records what `check`, a search and the next
  `recsearch index` do;
- indexes hostile inputs (a 10 MB gzip bomb, a 2 MB gzip of one record and
  1.9 GiB of spaces, a 200 MB record page) and records the peak memory.
Prints one table per trial (Markdown).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from recsearch.engine import store  # noqa: E402

# The CLI in a child process: argv[1] is the number of files from which the writing runs in
# parallel, argv[2] a file to write the peak resident memory (VmHWM, KB) to as it ends.
CLI = """import atexit, re, sys
import recsearch.engine.writers as w
w.PARALLEL_FROM = int(sys.argv.pop(1))
peak_file = sys.argv.pop(1)
hwm = lambda: re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)
atexit.register(lambda: open(peak_file, "w").write(hwm()))
from recsearch.cli import main
main()"""
QUERY = "cells"


def start(*args, parallel_from: int = 1000, **kwargs) -> subprocess.Popen:
    peak = Path(tempfile.gettempdir()) / f"faults-peak-{os.getpid()}-{time.monotonic_ns()}"
    proc = subprocess.Popen([sys.executable, "-c", CLI, str(parallel_from), str(peak), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    proc.peak_file = peak
    return proc


def finish(proc: subprocess.Popen, timeout: float = 600):
    out, err = proc.communicate(timeout=timeout)
    try:
        peak = int(proc.peak_file.read_text()) // 1024
        proc.peak_file.unlink()
    except (OSError, ValueError):
        peak = 0
    return proc.returncode, out, err, peak


def cli(*args, **kwargs):
    return finish(start(*args, **kwargs))


def hits(root: Path) -> int | None:
    code, out, _, _ = cli("search", QUERY, "--index", root, "--json", "--no-history")
    if code:
        return None
    import json

    return json.loads(out)["total"]


def records(root: Path) -> int | None:
    from recsearch.ingest.check import check_index

    try:
        report = check_index(root, sources=False)
    except Exception:
        return None
    return report.records if report.ok else None


def table(title: str, header: list[str], rows: list[list]) -> None:
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    sys.stdout.flush()


def kill_trial(work: Path, corpus: Path, kills: int, rng: random.Random) -> None:
    """SIGKILL or Ctrl-C at random moments of an update that adds files in parallel writers."""
    base = work / "kill-base"
    shutil.rmtree(base, ignore_errors=True)
    first = sorted(p for p in corpus.rglob("*.txt"))
    keep, added = first[: len(first) // 2], first[len(first) // 2:]
    sources = work / "kill-src"
    shutil.rmtree(sources, ignore_errors=True)
    sources.mkdir()
    for p in keep:
        shutil.copy(p, sources)
    cli("index", sources, "--index", base)
    before = records(base)
    full = cli("index", sources, "--index", work / "kill-time")  # how long a run takes, for the kill moments
    shutil.rmtree(work / "kill-time", ignore_errors=True)
    rows = []
    outcomes = {"intact (before)": 0, "complete (after)": 0, "broken": 0}
    quiet = 0
    for p in added:
        shutil.copy(p, sources)
    started = time.monotonic()
    span = None
    for n in range(kills):
        root = work / "kill-run"
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(base, root)
        if span is None:
            t0 = time.monotonic()
            cli("index", "--index", root, parallel_from=50)
            span = time.monotonic() - t0
            shutil.rmtree(root)
            shutil.copytree(base, root)
        how = signal.SIGINT if n % 4 == 3 else signal.SIGKILL
        proc = start("index", "--index", root, parallel_from=50, start_new_session=True)
        time.sleep(rng.uniform(0.3, span))
        try:
            os.killpg(proc.pid, how)
        except ProcessLookupError:
            pass
        code, _, err, _ = finish(proc)
        if how == signal.SIGINT and code == 130 and err == "recsearch: interrupted\n":
            quiet += 1
        found = records(root)
        after = len(first)
        state = ("intact (before)" if found == before else "complete (after)" if found == after else "broken")
        outcomes[state] += 1
        # The next run completes the work.
        cli("index", "--index", root)
        if records(root) != after:
            outcomes["broken"] += 1
    del full, started
    interrupts = sum(1 for n in range(kills) if n % 4 == 3)
    rows.append([kills, outcomes["intact (before)"], outcomes["complete (after)"], outcomes["broken"],
                 f"{quiet}/{interrupts}", f"{span:.1f} s"])
    table("Kills during a parallel update (SIGKILL; every 4th a Ctrl-C to the group)",
          ["kills", "index as before", "index complete", "broken", "Ctrl-C quiet, exit 130", "run length"], rows)


def disk_trial(work: Path, corpus: Path) -> None:
    if os.geteuid() != 0:
        table("Full disk", ["result"], [["skipped: needs root to mount a tmpfs"]])
        return
    disk = work / "disk"
    disk.mkdir(exist_ok=True)
    rows = []
    for parallel_from, size in ((1000, "3m"), (50, "3m")):
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)]).returncode:
            table("Full disk", ["result"], [["skipped: cannot mount a tmpfs"]])
            return
        sources = work / "disk-src"
        shutil.rmtree(sources, ignore_errors=True)
        sources.mkdir()
        files = sorted(corpus.rglob("*.txt"))
        for p in files[:10]:
            shutil.copy(p, sources)
        root = disk / "index"
        cli("index", sources, "--index", root)
        before = records(root)
        gen = store.current_generation(root)
        names = sorted(os.listdir(gen))
        for p in files[10:200]:
            shutil.copy(p, sources)
        code, _, err, _ = cli("index", "--index", root, parallel_from=parallel_from)
        left = sorted(os.listdir(gen)) == names and sorted(os.listdir(root)) == sorted(
            ["CURRENT", "LOCK", gen.name, "last-run.json"])
        rows.append(["parallel" if parallel_from < 1000 else "one process", size, code,
                     err.strip().replace("|", "/")[:110], "Traceback" in err, records(root) == before, left])
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
    table("Full disk (tmpfs) during an update of 190 files",
          ["writers", "size", "exit", "message", "traceback", "index intact", "no partial files"], rows)


def _damage(path: Path, how: str, rng: random.Random) -> None:
    size = path.stat().st_size
    if how == "zeroed 4 KiB":
        with open(path, "r+b") as fh:
            fh.seek((size // 2) & ~4095 if size > 4096 else 0)
            fh.write(bytes(min(4096, size) or 1))
    elif how == "cut in half":
        os.truncate(path, size // 2)
    elif how == "random bytes":
        path.write_bytes(rng.randbytes(max(size, 64)))
    else:
        path.unlink()


def damage_trial(work: Path, corpus: Path, rng: random.Random) -> None:
    """Each file of the index, four ways: what check, a search and the next run do."""
    pristine = work / "damage-base"
    shutil.rmtree(pristine, ignore_errors=True)
    cli("index", corpus, "--index", pristine)
    cli("search", QUERY, "--index", pristine)  # a history line
    cli("index", corpus, "--index", pristine)  # an update: last-run.json
    expected_hits, expected_records = hits(pristine), records(pristine)
    gen = store.current_generation(pristine)
    # Every file beside the generations (CURRENT, sources.json, history, last run), then the generation's.
    targets = [Path(p.name) for p in sorted(pristine.iterdir()) if p.is_file() and p.name != "LOCK"]
    targets += [Path(gen.name) / p.name for p in sorted(gen.iterdir()) if p.name != "MAIN_WRITELOCK"]
    rows = []
    tallies = {"found": 0, "wrong answers": 0, "crashes": 0, "not repaired": 0, "trials": 0}
    for target in targets:
        kind = re.sub(r"[0-9a-z]{16,}", "…", target.name)
        for how in ("zeroed 4 KiB", "cut in half", "random bytes", "deleted"):
            root = work / "damage-run"
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree(pristine, root, copy_function=shutil.copy2)
            path = root / target
            if not path.exists() or (path.stat().st_size == 0 and how != "deleted"):
                continue
            _damage(path, how, rng)
            tallies["trials"] += 1
            code, out, err, _ = cli("check", "--index", root, "--no-sources")
            check = "found" if code == 1 and "internal error" not in err else "OK" if code == 0 else "crash"
            scode, sout, serr, _ = cli("search", QUERY, "--index", root, "--json", "--no-history")
            if "internal error" in serr or "Traceback" in serr or "Aborted" in serr:
                search = "CRASH"
                tallies["crashes"] += 1
            elif scode == 0:
                import json

                search = "same hits" if json.loads(sout)["total"] == expected_hits else "WRONG"
                tallies["wrong answers"] += search == "WRONG"
            else:
                search = "refused: needs index" if "needs `recsearch index`" in serr else f"exit {scode}"
            rcode, _, rerr, _ = cli("index", "--index", root)
            repaired = records(root) == expected_records and hits(root) == expected_hits
            said = ("rebuilt" if "rebuilt the whole index" in rerr else "repaired" if "repaired" in rerr
                    else "warned" if "warning" in rerr else "-")
            tallies["not repaired"] += not repaired
            needs_finding = target.name not in ("history.jsonl", "last-run.json")
            tallies["found"] += check == "found" or not needs_finding
            rows.append([kind, how, check, search, f"exit {rcode}, {said}", "yes" if repaired else "NO"])
    table("Damage to each index file (check / search / next `recsearch index`)",
          ["file", "damage", "check", "search", "next index run", "repaired"], rows)
    table("Damage totals", list(tallies), [list(tallies.values())])


def memory_trial(work: Path, corpus: Path) -> None:
    folder = work / "hostile"
    record = next(corpus.rglob("*.txt")).read_bytes()
    usual_src = work / "usual"
    shutil.rmtree(usual_src, ignore_errors=True)
    usual_src.mkdir()
    shutil.copy(next(corpus.rglob("*.txt")), usual_src)
    *_, usual = cli("index", usual_src, "--index", work / "usual-ix")
    made = {}

    def bomb() -> bytes:  # 10 GiB of zeros
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        return b"".join(packer.compress(bytes(1 << 20)) for _ in range(10 << 10)) + packer.flush()

    def spaces() -> bytes:  # one record, then 1.9 GiB of spaces
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        blank = b" " * (1 << 20)
        return packer.compress(record) + b"".join(packer.compress(blank) for _ in range(1946)) + packer.flush()

    def huge() -> bytes:  # a 200 MB record page
        return record + b"\nSummary: " + b"word " * (40 << 20)

    rows = []
    for name, make in (("bomb.xml.gz", bomb), ("spaces.txt.gz", spaces), ("huge-record.txt", huge)):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        data = make()
        (folder / name).write_bytes(data)
        made[name] = len(data)
        root = work / f"ix-{name}"
        shutil.rmtree(root, ignore_errors=True)
        t0 = time.monotonic()
        code, _, err, peak = cli("index", folder, "--index", root)
        first = time.monotonic() - t0
        t0 = time.monotonic()
        _, _, _, peak2 = cli("index", folder, "--index", root)
        second = time.monotonic() - t0
        why = next((line.split(": ", 2)[-1] for line in err.splitlines() if name in line), "-")
        rows.append([name, f"{len(data) / 1e6:,.1f} MB", code, why[:60], f"{peak} MB", f"{peak - usual:+} MB",
                     f"{first:.1f} s", f"{second:.1f} s, {peak2} MB"])
    table(f"Hostile inputs (usual peak of an index run: {usual} MB)",
          ["file", "size", "exit", "refused as", "peak", "above usual", "first run", "next run"], rows)


def open_cost(root: Path, repeat: int = 50) -> None:
    """What the checksum comparison adds to opening an index (best of `repeat`, ms)."""
    from recsearch.engine import checksums

    gen = store.current_generation(root)
    ix = store.open_whoosh(gen)

    def best(f, n=repeat):
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        return min(times) * 1000

    size = sum(p.stat().st_size for p in gen.iterdir()) / 1e6
    rows = [[f"{size:,.0f} MB", len(ix._segments()),
             f"{best(lambda: store.open_whoosh(gen).reader().close()):.2f}",
             f"{best(lambda: checksums.verify_index(ix, gen)):.2f}",
             f"{best(lambda: store.open_index(root)):.2f}",
             f"{best(lambda: checksums.verify_index(ix, gen, full=True), 3):.0f}"]]
    table(f"Cost of the checksums on open ({root})",
          ["index size", "segments", "open, no check (ms)", "sizes and times (ms)", "open_index (ms)",
           "every CRC, as check does (ms)"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--only", choices=["kills", "disk", "damage", "memory"])
    parser.add_argument("--open-cost", type=Path, metavar="INDEX", help="only time opening this index")
    args = parser.parse_args()
    if args.open_cost:
        open_cost(args.open_cost)
        return
    rng = random.Random(args.seed)
    work = args.work or Path(tempfile.mkdtemp(prefix="recsearch-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    if not corpus.is_dir():
        subprocess.run([sys.executable, str(HERE / "make_corpus.py"), str(args.records), str(corpus)], check=True,
                       capture_output=True)
    print(f"fault trial: {args.records} records, work folder {work}, {os.cpu_count()} cores")
    if args.only in (None, "damage"):
        damage_trial(work, corpus, rng)
    if args.only in (None, "disk"):
        disk_trial(work, corpus)
    if args.only in (None, "kills"):
        kill_trial(work, corpus, args.kills, rng)
    if args.only in (None, "memory") and not args.skip_memory:
        memory_trial(work, corpus)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
