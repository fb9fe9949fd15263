"""The benchmark scripts keep working (tiny sizes; not a timing test)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, SHARED_DATA
from recsearch.readers import read_seed_record


def test_make_corpus_writes_readable_deterministic_records(tmp_path):
    for folder in (tmp_path / "a", tmp_path / "b"):
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_corpus.py"), "25", str(folder)], check=True)
    files = sorted((tmp_path / "a").rglob("*.txt"))
    assert len(files) == 25
    assert [f.read_bytes() for f in files] == [f.read_bytes() for f in sorted((tmp_path / "b").rglob("*.txt"))]
    for path in files:
        record = read_seed_record(path)
        assert record.authors and record.title and 150 <= len(record.summary.split()) <= 330


def test_incremental_benchmark_runs(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "incremental.py"), "--size", "30", "--added", "5",
                           "--work", str(tmp_path), "--no-record"], capture_output=True, text=True, check=True)
    assert "5 files added" in done.stdout and "nothing changed" in done.stdout


def test_fuzz_benchmark_runs():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "fuzz.py"), "--files", "30", "--queries", "30",
                           "--no-record"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "damaged record files |      30 |         0" in done.stdout
    assert "random queries       |      30 |         0" in done.stdout


def test_fts5_benchmark_runs(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--size", "120", "--added", "10",
                           "--work", str(tmp_path), "--no-record"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| build from seed files" in done.stdout and "| query p50 (all kinds)" in done.stdout
    assert "| phrase " in done.stdout and "| author:" in done.stdout
    # The big-size mode: build only, then the smaller run's query set on the new index.
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--size", "150", "--build-only",
                           "--queries-from", str(tmp_path / "fts5-120.db"), "--work", str(tmp_path), "--no-record"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| query p50 / p95" in done.stdout and "| author lookup p50 / p95" in done.stdout
    assert "| phrase " in done.stdout and "| 150 records" in done.stdout


def test_known_item_benchmark_skips_without_the_shared_data(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "known_item.py"), "--raw", str(tmp_path / "none"),
                           "--no-record"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("skipped: the shared data")


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="needs ../shared/data/raw")
def test_known_item_benchmark_runs(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "known_item.py"), "--sample", "40",
                           "--work", str(tmp_path), "--no-record"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert '| "surname year word"' in done.stdout and "query time p50" in done.stdout
