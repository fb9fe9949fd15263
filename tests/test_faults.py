"""Faults from outside: a full disk, Ctrl-C in a parallel build, inputs built to take all the memory."""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from conftest import FIXTURE_SEEDS, ROOT
from recsearch.ingest import build
from recsearch.engine import store
from recsearch.ingest.build import update_index
from recsearch.ingest.check import check_index
from recsearch.readers import MAX_FILE_BYTES

# The CLI in a child process that writes its peak resident memory (KB) to argv[2] as it
# ends; `parallel_from` (argv[1]) lowers the number of files from which one writer process
# per core is used, so that a small corpus exercises the parallel writers.
# (VmHWM, not ru_maxrss: that counts what the forking parent held before the exec.)
CLI = """import atexit, re, sys
import recsearch.engine.writers as w
w.PARALLEL_FROM = int(sys.argv.pop(1))
peak_file = sys.argv.pop(1)
hwm = lambda: re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)
atexit.register(lambda: open(peak_file, "w").write(hwm()))
from recsearch.cli import main
main()"""


def recsearch(*args, parallel_from: int = 1000, **kwargs) -> subprocess.Popen:
    peak = Path(os.environ.get("TMPDIR", "/tmp")) / f"recsearch-peak-{os.getpid()}-{time.monotonic_ns()}"
    proc = subprocess.Popen([sys.executable, "-c", CLI, str(parallel_from), str(peak), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    proc.peak_file = peak
    return proc


def finish(proc: subprocess.Popen, timeout: float = 180) -> tuple[int, str, str, int]:
    """Wait for a child: (exit code, stdout, stderr, peak resident memory in MB)."""
    out, err = proc.communicate(timeout=timeout)
    try:
        peak = int(proc.peak_file.read_text()) // 1024
        proc.peak_file.unlink()
    except (OSError, ValueError):
        peak = 0
    return proc.returncode, out, err, peak


def corpus(folder: Path, count: int) -> Path:
    subprocess.run([sys.executable, str(ROOT / "bench" / "make_corpus.py"), str(count), str(folder)],
                   check=True, capture_output=True)
    return folder


def index_files(gen: Path) -> set[str]:
    return {p.name for p in gen.iterdir()}


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.slow
def test_full_disk_is_said_in_one_line_and_the_previous_index_is_intact(small_disk, tmp_path):
    sources = tmp_path / "src"
    sources.mkdir()
    for path in sorted(FIXTURE_SEEDS.glob("*.txt")):
        shutil.copy(path, sources)
    root = small_disk / "index"
    assert update_index([sources], root).records > 0
    before = check_index(root)
    assert before.ok
    gen = store.current_generation(root)
    files_before = index_files(gen)
    # More than the 3 MB disk holds, whether the generated records draw on ../shared or not.
    corpus(sources / "more", 600)
    code, out, err, _ = finish(recsearch("index", "--index", root, parallel_from=50))
    assert code == 1, out + err
    assert err.strip().splitlines() == [f"recsearch: no space left on device at {root}: the previous index is "
                                        "intact; free space and run again"]
    assert "Traceback" not in err
    assert store.current_generation(root) == gen and index_files(gen) == files_before
    assert sorted(p.name for p in root.iterdir()) == sorted(["CURRENT", "LOCK", gen.name, "last-run.json", "sources.json"])
    after = check_index(root, sources=False)
    assert after.ok and after.records == before.records


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.slow
def test_ctrl_c_in_a_parallel_build_ends_quietly_and_keeps_the_index(tmp_path):
    if not Path("/proc/self/task").is_dir() or (os.cpu_count() or 1) < 2:
        pytest.skip("needs /proc and two cores (one writer process per core)")
    sources = tmp_path / "src"
    sources.mkdir()
    for path in sorted(FIXTURE_SEEDS.glob("*.txt")):
        shutil.copy(path, sources)
    root = tmp_path / "index"
    update_index([sources], root)
    gen = store.current_generation(root)
    files_before = index_files(gen)
    # Enough records that the build is still running when the writers have started (the
    # fast writer indexes 300 in about a second).
    corpus(sources / "more", 2000)
    proc = recsearch("index", "--index", root, parallel_from=50, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    writers = _children(proc.pid)
    assert len(writers) >= 2, "the writer processes did not start"
    time.sleep(0.3)
    assert proc.poll() is None, "the build ended before Ctrl-C could be sent"
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C: the whole group
    code, out, err, _ = finish(proc)
    assert (code, err) == (130, "recsearch: interrupted\n"), out + err
    for pid in writers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    assert store.current_generation(root) == gen and index_files(gen) == files_before
    assert check_index(root, sources=False).ok


def _peak_of_index_run(folder: Path, root: Path) -> tuple[int, str, int]:
    code, out, err, peak = finish(recsearch("index", folder, "--index", root))
    assert "Traceback" not in err and "internal error" not in err
    return code, err, peak


@pytest.mark.slow
def test_inputs_built_to_take_the_memory_are_refused_early(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    for path in sorted(FIXTURE_SEEDS.glob("*.txt")):
        shutil.copy(path, base)
    _, _, usual = _peak_of_index_run(base, tmp_path / "ix0")
    record = next(FIXTURE_SEEDS.glob("*.txt")).read_bytes()

    past_cap = (MAX_FILE_BYTES >> 20) + 64  # MiB: (bench/faults.py tries gigabytes)
    hostile = {}
    bomb = zlib.compressobj(1, zlib.DEFLATED, 31)  # zeros: hundreds of times smaller packed
    hostile["bomb.xml.gz"] = b"".join(bomb.compress(bytes(1 << 20)) for _ in range(past_cap)) + bomb.flush()
    spaces = zlib.compressobj(1, zlib.DEFLATED, 31)  # one record, then spaces to past the cap
    hostile["spaces.txt.gz"] = (spaces.compress(record) + b"".join(
        spaces.compress(b" " * (1 << 20)) for _ in range(past_cap)) + spaces.flush())
    hostile["huge-record.txt"] = record + b"Summary: " + b"word " * (8 << 20)  # a 40 MB record page
    for name, data in hostile.items():
        folder = tmp_path / name.replace(".", "-")
        folder.mkdir()
        (folder / name).write_bytes(data)
        code, err, peak = _peak_of_index_run(folder, tmp_path / f"ix-{folder.name}")
        assert code == 1 and name in err, err
        assert peak - usual < 300, f"{name}: {peak} MB at its peak, {usual} MB usually"
        assert ("unpacks to more than 256 MiB" if name.endswith(".gz") else "larger than the 16 MiB") in err


def test_a_refused_file_is_not_read_again_until_it_changes(tmp_path, monkeypatch):
    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copy(next(FIXTURE_SEEDS.glob("*.txt")), folder)
    refused = folder / "export.xml.gz"  # a gzip cut short: refused for what it holds
    refused.write_bytes(gzip.compress(os.urandom(200_000))[:-5000])
    first = update_index([folder], tmp_path / "ix")
    assert [(f["file"].endswith("export.xml.gz"), f["error"]) for f in first.failed] == [(True, "truncated gzip file")]
    read = []
    real = build.read_source
    monkeypatch.setattr(build, "read_source", lambda path, *a, **k: read.append(path) or real(path, *a, **k))
    again = update_index([folder], tmp_path / "ix")
    assert read == [] and again.failed == first.failed  # reported again, not read again
    os.utime(refused)  # touched only: the hash says it is the same file
    assert update_index([folder], tmp_path / "ix").failed == first.failed and read == []
    refused.write_bytes(gzip.compress(b"not a record"))
    third = update_index([folder], tmp_path / "ix")
    assert read == [str(refused)] and "not a record" in third.failed[0]["error"]
