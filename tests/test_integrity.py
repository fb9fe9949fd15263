"""Damage to the index is always found, said in one line, and repaired by the next run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from recsearch.engine import checksums, store
from recsearch.ingest.build import update_index
from recsearch.ingest.check import check_index
from recsearch.cli import app
from recsearch.search.history import History

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def segment_of(root: Path) -> Path:
    gen = store.current_generation(root)
    return max((p for p in gen.iterdir() if p.suffix == ".seg"), key=lambda p: p.stat().st_size)


def zero_block(path: Path, keep_time: bool = False) -> None:
    """Zero one 4 KiB block in the middle of a file (as a failing disk would)."""
    st = path.stat()
    with open(path, "r+b") as fh:
        fh.seek((st.st_size // 2) & ~4095)
        fh.write(bytes(4096))
    if keep_time:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def one_line_refusal(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error" not in lines[0] and "Aborted" not in lines[0], lines
    return lines[0]


def test_every_commit_writes_the_checksums_of_the_files_it_reads(built_index, seed_dir):
    gen = store.current_generation(built_index)
    ix = store.open_whoosh(gen)
    listed = checksums.load(gen, ix.latest_generation())
    segments = {p.name for p in gen.iterdir() if p.suffix == ".seg"}
    assert segments and segments <= set(listed) and f"_MAIN_{ix.latest_generation()}.toc" in listed
    for name, (size, crc, _mtime) in listed.items():
        if (gen / name).exists():
            assert (gen / name).stat().st_size == size and checksums.file_crc(gen / name) == crc
    (seed_dir / "000_22e798dbd43e04c0.txt").unlink()  # an incremental commit: a new generation
    update_index(None, built_index)
    ix = store.open_whoosh(gen)
    assert checksums.load(gen, ix.latest_generation()) is not None
    assert check_index(built_index).ok


@pytest.mark.parametrize("damage", ["zeroed", "zeroed, time kept", "truncated", "random", "deleted"])
def test_damaged_segment_is_found_refused_and_rebuilt(built_index, damage):
    segment = segment_of(built_index)
    if damage.startswith("zeroed"):
        zero_block(segment, keep_time="kept" in damage)
    elif damage == "truncated":
        os.truncate(segment, segment.stat().st_size - 1000)
    elif damage == "random":
        segment.write_bytes(os.urandom(segment.stat().st_size))
    else:
        segment.unlink()
    report = check_index(built_index)
    assert [p.what for p in report.problems] == ["damaged"] and segment.name in report.problems[0].detail
    # Once check has found it, every search refuses (the cheap check alone would not see a
    # damaged block whose file keeps its size and time).
    assert "the index needs `recsearch index`" in one_line_refusal(run("search", "study", "--index", built_index))
    rebuilt = run("index", "--index", built_index)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuilt the whole index: the index is damaged" in rebuilt.stderr and "8 records" in rebuilt.stdout
    assert check_index(built_index).ok


def test_damage_only_a_full_check_sees_is_refused_once_found(built_index):
    """A zeroed block, its file's size and time kept: answered until check finds it, then refused
    by every command that reads records, until `recsearch index` rebuilds."""
    segment = segment_of(built_index)
    zero_block(segment, keep_time=True)
    before = run("search", "study", "--index", built_index)
    assert before.exit_code in (0, 1) and "internal error" not in before.output
    checked = run("check", "--index", built_index)
    assert checked.exit_code == 1 and segment.name in checked.stdout
    for command in (["search", "study"], ["stats"], ["author", "lindqvist"]):
        line = one_line_refusal(run(*command, "--index", built_index))
        assert segment.name in line and "its checksum differs" in line and "recsearch index" in line, command
    assert run("index", "--index", built_index).exit_code == 0
    assert not (store.current_generation(built_index) / checksums.DAMAGE_MARK).exists()
    assert run("search", "study", "--index", built_index).exit_code == 0


def test_a_full_check_that_passes_again_clears_the_mark(built_index):
    """The damaged file restored as it was: the next full check clears the refusal."""
    segment = segment_of(built_index)
    st, kept = segment.stat(), segment.read_bytes()
    zero_block(segment, keep_time=True)
    assert not check_index(built_index).ok
    assert run("search", "study", "--index", built_index).exit_code == 1
    segment.write_bytes(kept)
    os.utime(segment, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert check_index(built_index).ok
    assert run("search", "study", "--index", built_index).exit_code == 0


@pytest.mark.parametrize("damage", ["random", "empty", "deleted toc", "deleted checksums"])
def test_damaged_current_toc_or_checksums_is_repaired_by_the_next_run(built_index, damage):
    gen = store.current_generation(built_index)
    generation = store.open_whoosh(gen).latest_generation()
    if damage == "random":
        (built_index / store.CURRENT).write_bytes(os.urandom(64))
    elif damage == "empty":
        (built_index / store.CURRENT).write_bytes(b"")
    elif damage == "deleted toc":
        (gen / f"_MAIN_{generation}.toc").unlink()
    else:
        checksums.checksums_path(gen, generation).unlink()
    assert not check_index(built_index).ok
    assert "the index needs `recsearch index`" in one_line_refusal(run("search", "study", "--index", built_index))
    repaired = run("index", "--index", built_index)
    assert repaired.exit_code == 0, repaired.output
    assert "8 records" in repaired.stdout
    if "CURRENT" in damage or damage in ("random", "empty"):  # the generation itself is sound: no rebuild
        assert "repaired the index: its CURRENT file was damaged" in repaired.stderr
        assert repaired.stdout.startswith("Updated")
    else:
        assert "rebuilt the whole index: the index" in repaired.stderr
    assert check_index(built_index).ok
    assert run("search", "study", "--index", built_index).exit_code == 0


def test_a_search_failing_on_a_damaged_index_says_so(built_index, monkeypatch):
    """Damage the cheap check cannot see, met mid-search: the message is the damage, not a crash."""
    zero_block(segment_of(built_index), keep_time=True)
    from recsearch.search import index as search

    def broken(*args, **kwargs):
        raise EOFError("read past the end")  # what Whoosh raises on a cut posting list

    monkeypatch.setattr(search.RecordIndex, "search", broken)
    line = one_line_refusal(run("search", "study", "--index", built_index))
    assert "is damaged" in line and "the index needs `recsearch index`" in line


def test_history_of_random_bytes_warns_and_keeps_working(built_index):
    assert run("search", "study", "--history", "--index", built_index).exit_code == 0
    path = built_index / "history.jsonl"
    with open(path, "ab") as fh:
        fh.write(os.urandom(2000).replace(b"\n", b"x"))
    listed = run("history", "--index", built_index, "--json")
    assert listed.exit_code == 0 and "damaged line" in listed.stderr
    assert [e["query"] for e in json.loads(listed.stdout)["history"]] == ["study"]
    assert run("search", "cells", "--history", "--index", built_index).exit_code == 0
    entries = History(built_index).entries()
    assert [(e.number, e.query) for e in entries] == [(1, "study"), (2, "cells")]
    path.write_bytes(os.urandom(500))
    assert run("search", "#1", "--index", built_index).exit_code == 2  # gone, said as such
    assert run("history", "--index", built_index).exit_code == 0


def test_damaged_history_line_is_skipped_the_rest_kept(tmp_path):
    history = History(tmp_path)
    for query in ("a", "b", "c"):
        history.append(query, 1, 10)
    lines = (tmp_path / "history.jsonl").read_bytes().splitlines(keepends=True)
    lines[1] = b'{"number": "2", "query": 7}\n'
    (tmp_path / "history.jsonl").write_bytes(b"".join(lines))
    assert [e.query for e in History(tmp_path).entries()] == ["a", "c"]
    assert History(tmp_path).append("d", 1, 10).number == 4


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_index_files_and_folders_take_their_modes_from_the_umask(seed_dir, tmp_path, mask):
    old = os.umask(mask)
    try:
        update_index([seed_dir], tmp_path / "ix")
        run("search", "study", "--index", tmp_path / "ix")
    finally:
        os.umask(old)
    for path in [tmp_path / "ix", *(tmp_path / "ix").rglob("*")]:
        if path.name == "MAIN_WRITELOCK":  # Whoosh's own lock file, empty
            continue
        expected = (0o777 if path.is_dir() else 0o666) & ~mask
        assert path.stat().st_mode & 0o777 == expected, path


def _python_for_another_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for python in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if Path(python).exists():
            version = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"],
                                     capture_output=True, text=True).stdout.strip()
            if version == str(sys.version_info[:2]):
                return python
    return None


@pytest.mark.slow
def test_another_user_who_cannot_read_the_index_is_told_permission_denied(built_index):
    import shutil
    import tempfile

    python = _python_for_another_user()
    site = Path(__import__("whoosh").__file__).parents[1]
    if python is None or not os.access(site, os.R_OK):
        pytest.skip("needs root and a system Python of the same version to run as another user")
    shared = Path(tempfile.mkdtemp())  # pytest's own folders are private to this user
    shared.chmod(0o755)
    try:
        # A copy: new file times, so opening it compares every segment's CRC (and finds them sound).
        _denied_to_another_user(python, site, Path(shutil.copytree(built_index, shared / "index")))
    finally:
        shutil.rmtree(shared)


def _denied_to_another_user(python: str, site: Path, built_index: Path) -> None:
    def as_nobody(*args):
        return subprocess.run([python, "-c", "from recsearch.cli import main; main()", *map(str, args)],
                              user=65534, group=65534, capture_output=True, text=True, cwd="/",
                              env={"PYTHONPATH": f"{ROOT / 'src'}:{site}", "PATH": "/usr/bin:/bin"})

    readable = as_nobody("search", "study", "--index", built_index)
    if readable.returncode != 0 and "permission denied" not in readable.stderr:
        pytest.skip(f"another user cannot run recsearch here: {readable.stderr[-200:]}")
    assert readable.returncode == 0, readable.stderr
    gen = store.current_generation(built_index)
    for private in (gen, built_index / store.CURRENT):
        private.chmod(0o700 if private.is_dir() else 0o600)
        for command in ("search", "check"):
            done = as_nobody(command, *(["study"] if command == "search" else []), "--index", built_index)
            assert done.returncode == 1 and "permission denied" in done.stderr and "no index" not in done.stderr
            assert len(done.stderr.strip().splitlines()) == 1
        private.chmod(0o755 if private.is_dir() else 0o644)


@pytest.mark.parametrize("damage", ["random", "deleted"])
def test_damaged_sources_file_is_found_and_rewritten_by_the_next_run(built_index, damage):
    remembered = built_index / store.SOURCES
    before = store.read_remembered(built_index)
    assert before is not None
    if damage == "random":
        remembered.write_bytes(os.urandom(64))
    else:
        remembered.unlink()
    report = check_index(built_index)
    assert [p.what for p in report.problems] == ["damaged"] and store.SOURCES in report.problems[0].detail
    assert run("search", "study", "--index", built_index).exit_code == 0  # searches need only the generation
    repaired = run("index", "--index", built_index)
    assert repaired.exit_code == 0, repaired.output
    assert store.read_remembered(built_index) == before and check_index(built_index).ok


def test_a_damaged_history_line_is_warned_once_and_set_aside(tmp_path, capsys):
    history = History(tmp_path)
    for query in ("a", "b", "c"):
        history.append(query, 1, 10)
    path = tmp_path / "history.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = b'{"number": 2, "query": "b", "hits": 1, "at": "2025-01-0\n'  # cut by a crash
    path.write_bytes(b"".join(lines))
    assert [e.query for e in History(tmp_path).entries()] == ["a", "c"]
    warned = capsys.readouterr().err
    assert "1 damaged line" in warned and "history.jsonl.damaged" in warned
    assert (tmp_path / "history.jsonl.damaged").read_bytes() == lines[1]
    assert [e.query for e in History(tmp_path).entries()] == ["a", "c"]
    assert capsys.readouterr().err == ""  # repaired: not warned again
    assert History(tmp_path).append("d", 1, 10).number == 4
