"""Incremental, crash-safe index maintenance."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from recsearch.ingest import build
from recsearch.ingest.build import update_index
from recsearch.errors import IndexAccessError
from recsearch.readers import read_seed_record
from recsearch.record import Author, Record
from recsearch.render import render_seed_record
from recsearch.search.index import RecordIndex
from recsearch.engine.manifest import FileState, Manifest
from recsearch.engine.manifest_draft import ManifestDraft
from recsearch.engine.lock import IndexLock
from recsearch.engine.store import current_generation, open_index


def make_record(n: int, title: str | None = None) -> Record:
    return Record(
        id=f"doaj-art-{n:032x}",
        title=title or f"Seedling survival study number {n}",
        summary=f"Plots of study {n} compare scarified and untreated soil over five growing seasons.",
        authors=[Author(f"Åsa Lindqvist-{n}", f"Forest Faculty {n}, Umeå, Sweden"), Author("Pedro Núñez")],
        subjects=["Forestry", "Soil science"],
        journal="Silva Fennica", year=2000 + n % 25, date=f"{2000 + n % 25}-01-01", language="English",
    )


def write(folder: Path, name: str, record: Record) -> Path:
    path = folder / name
    path.write_text(render_seed_record(record), encoding="utf-8")
    return path


def index_ids(root: Path) -> set[str]:
    ix = open_index(root)
    with ix.searcher() as searcher:
        return {doc["id"] for doc in searcher.all_stored_fields() if "id" in doc}


def folder_ids(folder: Path) -> set[str]:
    return {read_seed_record(p).id for p in folder.iterdir()}


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "records"
    path.mkdir()
    for n in range(5):
        write(path, f"{n:03d}.txt", make_record(n))
    return path


@pytest.fixture
def parse_count(monkeypatch):
    calls = []
    real = build.read_source
    monkeypatch.setattr(build, "read_source", lambda path, shown, *more: calls.append(path) or real(path, shown, *more))
    return calls


def test_add_change_delete_rename(folder, tmp_path, parse_count):
    root = tmp_path / "index"
    first = update_index([folder], root)
    assert (first.added, first.updated, first.removed, first.unchanged, first.rebuilt) == (5, 0, 0, 0, True)

    write(folder, "005.txt", make_record(5))
    write(folder, "006.txt", make_record(6))
    write(folder, "001.txt", make_record(1, title="Scarification revisited after ten winters"))
    (folder / "002.txt").unlink()
    (folder / "003.txt").rename(folder / "renamed.txt")
    parse_count.clear()
    report = update_index([folder], root)
    assert (report.added, report.updated, report.removed, report.unchanged) == (2, 2, 1, 2)
    assert report.failed == [] and report.conflicts == [] and not report.rebuilt
    assert len(parse_count) == 4  # 005, 006, 001, renamed: not 000 or 004
    assert index_ids(root) == folder_ids(folder) and report.records == 6
    with RecordIndex(root) as ix:
        assert [h.id for h in ix.search("scarification winters").hits] == [make_record(1).id]
        assert ix.search("title:seedling title:number title:2").total == 0
        assert ix.get(make_record(3).id).source.endswith("renamed.txt")


def test_nothing_changed_reads_nothing(folder, tmp_path, parse_count):
    root = tmp_path / "index"
    update_index([folder], root)
    parse_count.clear()
    os.utime(folder / "001.txt")  # touched, same content
    report = update_index([folder], root)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 5)
    assert parse_count == []
    again = update_index(None, root)  # the sources of the last run
    assert again.unchanged == 5 and again.sources == [str(folder)]


def test_same_id_in_two_files_is_a_conflict_until_resolved(folder, tmp_path):
    root = tmp_path / "index"
    update_index([folder], root)
    shutil.copy(folder / "001.txt", folder / "zzz-copy.txt")
    report = update_index([folder], root)
    conflict = {"id": make_record(1).id, "files": [str(folder / "001.txt"), str(folder / "zzz-copy.txt")]}
    assert report.conflicts == [conflict] and report.added == 0
    # Reported again on the next run, though nothing changed.
    assert update_index([folder], root).conflicts == [conflict]
    # The owner goes: the copy takes over the id.
    (folder / "001.txt").unlink()
    report = update_index([folder], root)
    assert report.conflicts == [] and (report.updated, report.removed) == (1, 0)
    with RecordIndex(root) as ix:
        assert ix.get(make_record(1).id).source.endswith("zzz-copy.txt")


def test_new_file_cannot_take_an_id_from_a_known_file(folder, tmp_path):
    root = tmp_path / "index"
    update_index([folder], root)
    write(folder, "000-early.txt", make_record(4, title="An impostor sorted first"))
    report = update_index([folder], root)
    assert report.conflicts[0]["files"] == [str(folder / "004.txt"), str(folder / "000-early.txt")]
    with RecordIndex(root) as ix:
        assert ix.get(make_record(4).id).title == make_record(4).title


def test_broken_file_is_reported_then_picked_up_when_fixed(folder, tmp_path):
    root = tmp_path / "index"
    update_index([folder], root)
    (folder / "001.txt").write_text("cut off")
    report = update_index([folder], root)
    assert report.removed == 1 and report.failed[0]["file"] == str(folder / "001.txt")
    assert update_index([folder], root).failed  # still reported
    write(folder, "001.txt", make_record(1))
    report = update_index([folder], root)
    assert report.added == 1 and report.failed == [] and index_ids(root) == folder_ids(folder)


def test_a_file_name_that_is_not_utf8_is_indexed_and_named_printably(folder, tmp_path):
    """Old archives hold Latin-1 file names; such a name once stopped the whole build."""
    latin1 = write(folder, os.fsdecode(b"caf\xe9-90.txt"), make_record(90))
    root = tmp_path / "index"
    report = update_index([folder], root)
    assert (report.added, report.failed) == (6, []) and index_ids(root) == folder_ids(folder)
    write(folder, "copy-of-90.txt", make_record(90))
    report = update_index([folder], root)
    assert (report.added, report.unchanged) == (0, 6)
    assert [c["files"] for c in report.conflicts] == [[str(latin1).replace("\udce9", "\ufffd"),
                                                       str(folder / "copy-of-90.txt")]]
    latin1.unlink()
    report = update_index([folder], root)  # the copy takes the id over
    assert (report.updated, report.conflicts) == (1, []) and index_ids(root) == folder_ids(folder)


def test_rebuild_and_stale_format_rebuild(folder, tmp_path):
    root = tmp_path / "index"
    update_index([folder], root)
    old_gen = current_generation(root)
    report = update_index([folder], root, rebuild=True)
    assert report.rebuilt and report.added == 5 and current_generation(root) != old_gen
    for manifest in current_generation(root).glob("manifest-*"):
        manifest.unlink()
    report = update_index([folder], root)
    assert report.rebuilt and "no record of its source files" in report.reason
    assert index_ids(root) == folder_ids(folder)
    # An index of recsearch before format 6 kept its manifest as JSON.
    for manifest in current_generation(root).glob("manifest-*"):
        manifest.with_suffix(".json").write_text('{"version": 5, "files": {}}', encoding="utf-8")
        manifest.unlink()
    from recsearch.ingest.check import check_index

    assert [p.what for p in check_index(root).problems] == ["outdated"]
    report = update_index([folder], root)
    assert report.rebuilt and "older version" in report.reason and index_ids(root) == folder_ids(folder)


@pytest.mark.parametrize("damage", ["truncate", "zero a page", "garbage"])
def test_a_damaged_manifest_is_rebuilt_not_a_crash(folder, tmp_path, damage):
    from recsearch.ingest.check import check_index

    root = tmp_path / "index"
    for n in range(5, 400):  # a manifest of several pages
        write(folder, f"{n:03d}.txt", make_record(n))
    update_index([folder], root)
    (manifest,) = current_generation(root).glob("manifest-*")
    data = bytearray(manifest.read_bytes())
    assert len(data) > 8 * 4096
    if damage == "truncate":
        del data[len(data) // 2:]
    elif damage == "zero a page":
        data[4 * 4096:5 * 4096] = bytes(4096)
    else:
        data[100:] = random.Random(1).randbytes(len(data) - 100)
    manifest.write_bytes(data)
    problems = check_index(root, sources=False).problems
    assert problems and all(p.fix.startswith("recsearch index --rebuild") for p in problems), problems
    report = update_index([folder], root)
    assert report.rebuilt and report.reason and report.added == 400
    assert index_ids(root) == folder_ids(folder) and check_index(root).ok


def test_searches_keep_working_while_the_index_changes(folder, tmp_path):
    root = tmp_path / "index"
    update_index([folder], root)
    reader = RecordIndex(root)
    assert reader.search("seedling").total == 5
    for n in range(5, 9):
        write(folder, f"{n:03d}.txt", make_record(n))
    update_index([folder], root)
    update_index([folder], root, rebuild=True)
    # An index opened before both runs still answers: the update committed into
    # its generation; the rebuild left that generation in place for it.
    assert reader.search("seedling").total == 9
    with RecordIndex(root) as fresh:
        assert fresh.search("seedling").total == 9
    reader.close()


def test_second_writer_waits_then_names_the_lock(folder, tmp_path):
    root = tmp_path / "index"
    update_index([folder], root)
    with IndexLock(root):
        started = time.monotonic()
        with pytest.raises(IndexAccessError, match=r"another `recsearch index` is updating .*/index/LOCK"):
            update_index([folder], root, lock_timeout=0.5)
        assert time.monotonic() - started >= 0.5


def test_lock_of_a_killed_process_is_not_stale(folder, tmp_path):
    root = tmp_path / "index"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from recsearch.engine.lock import IndexLock\n"
         "with IndexLock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(60)", str(root)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait()
    assert update_index([folder], root, lock_timeout=1).added == 5


CHILD = """
import sys
from recsearch.ingest.build import update_index
update_index([sys.argv[1]], sys.argv[2], rebuild=sys.argv[3] == "rebuild")
print("done", flush=True)
"""


@pytest.mark.slow
def test_killed_builds_never_break_the_index(tmp_path):
    """Kill an update or rebuild at random points (24 trials): the index always
    opens with the state before or after the run, and the next run completes it."""
    rng = random.Random(20261125)
    folder = tmp_path / "records"
    folder.mkdir()
    for n in range(150):
        write(folder, f"{n:04d}.txt", make_record(n))
    root = tmp_path / "index"
    update_index([folder], root)
    next_n = 150
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for trial in range(24):
        before = index_ids(root)
        # A harvest arrives: new files, a changed one, a deleted one.
        for _ in range(rng.randint(20, 120)):
            write(folder, f"{next_n:04d}.txt", make_record(next_n))
            next_n += 1
        victim = rng.choice(sorted(folder.iterdir()))
        victim.unlink()
        changed = rng.choice(sorted(folder.iterdir()))
        write(folder, changed.name, make_record(int(changed.stem), title=f"Revised in trial {trial}"))
        after = folder_ids(folder)
        mode = "rebuild" if trial % 3 == 0 else "update"
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder), str(root), mode],
                                 env=env, stdout=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.2, 2.5))
        child.send_signal(signal.SIGKILL)
        child.wait()
        seen = index_ids(root)  # opens, whatever the moment of the kill
        assert seen in (before, after), f"trial {trial} ({mode}): a state between two runs"
        with RecordIndex(root) as ix:
            assert ix.search("scarified").total == len(seen)
        report = update_index([folder], root)
        assert index_ids(root) == after and report.failed == []
    assert len(list(root.glob("gen-*"))) <= 2


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
# File names as the file system gives them: bytes that are not UTF-8 come back as surrogate escapes.
_PATH = st.binary(min_size=1, max_size=12).map(lambda b: os.fsdecode(b"/data/" + b.replace(b"\0", b"_")))


@st.composite
def _manifest_files(draw):
    """File states as a run leaves them: each id held by one file, conflicts naming ids other files hold."""
    paths = draw(st.lists(_PATH, max_size=6, unique=True))
    ids = draw(st.lists(_TEXT, min_size=len(paths) * 3, max_size=len(paths) * 3, unique=True))
    files = {}
    for n, path in enumerate(paths):
        mine = ids[n * 3:n * 3 + draw(st.integers(0, 3))]
        files[path] = FileState(draw(st.integers(0, 2**40)), draw(st.integers(0, 2**62)),
                                draw(st.text("0123456789abcdef", min_size=64, max_size=64)), sorted(mine), (),
                                draw(st.lists(st.tuples(st.integers(1, 10**6), _TEXT), max_size=2)),
                                draw(st.booleans()))
    held = [i for state in files.values() for i in state.ids]
    for state in files.values():
        others = [i for i in held if i not in state.ids]
        if others:
            state.conflicts = tuple(draw(st.lists(st.sampled_from(others), max_size=2)))
    return files


@settings(max_examples=60, deadline=None)
@given(files=_manifest_files())
def test_manifest_reads_back_what_a_run_wrote(tmp_path_factory, files):
    """A draft filled file by file and record by record, saved, reads back the same: paths
    that are not UTF-8 included, each conflict naming the file that holds the id."""
    folder = tmp_path_factory.mktemp("manifest")
    draft = ManifestDraft(folder / "draft")
    for path, state in files.items():
        fid = draft.put_file(path, state.size, state.mtime_ns, state.sha256, skipped=state.skipped,
                             problems=state.problems)
        assert [draft.claim(fid, i) for i in state.ids] == [None] * len(state.ids)
    for path, state in files.items():
        fid = draft.put_file(path, state.size, state.mtime_ns, state.sha256, skipped=state.skipped,
                             problems=state.problems)
        for record_id in state.conflicts:
            assert draft.claim(fid, record_id) == next(p for p, s in files.items() if record_id in s.ids)
    draft.save(folder / "manifest.sqlite", sources=["/data"], format="auto", built_at="2026-11-25T12:00:00+0000")
    with Manifest.open(folder / "manifest.sqlite") as back:
        assert dict(back.files()) == files
        assert [p for p, _ in back.files()] == sorted(files, key=os.fsencode)
        assert (back.sources, back.format, back.built_at) == (["/data"], "auto", "2026-11-25T12:00:00+0000")
        assert back.record_count == sum(len(s.ids) for s in files.values())
        assert all(back.get(p) == s for p, s in files.items())


def _segment_sizes(root: Path) -> list[int]:
    with RecordIndex(root) as ix:
        return sorted(sub.reader().doc_count() for sub, _ in ix.searcher().leaf_searchers())


def test_updates_keep_few_segments_and_drop_emptied_ones(folder, tmp_path, monkeypatch):
    """Each update writes a segment; past the target the smallest are merged (within the
    budget), and a segment whose records all went is dropped, not kept empty."""
    from recsearch.engine import writers

    monkeypatch.setattr(writers, "TARGET_SEGMENTS", 3)
    monkeypatch.setattr(writers, "MERGE_BUDGET", 40)
    root = tmp_path / "index"
    update_index([folder], root)
    for batch in range(1, 7):
        for n in range(batch * 10, batch * 10 + 3):
            write(folder, f"{n:03d}.txt", make_record(n))
        update_index([folder], root)
        assert len(_segment_sizes(root)) <= 4
        assert index_ids(root) == folder_ids(folder)
    for n in range(10, 70):
        (folder / f"{n:03d}.txt").unlink(missing_ok=True)
    update_index([folder], root)
    assert index_ids(root) == folder_ids(folder)
    assert 0 not in _segment_sizes(root)
    with RecordIndex(root) as ix:
        assert {h.id for h in ix.search("seedling", limit=None).hits} == folder_ids(folder)


def test_a_merge_takes_no_more_than_its_budget(monkeypatch):
    from recsearch.engine import writers

    class Segment:
        def __init__(self, docs):
            self.docs = docs

        def doc_count(self):
            return self.docs

    merged = []
    monkeypatch.setattr("whoosh.reading.SegmentReader", lambda storage, schema, segment: merged.append(segment)
                        or type("R", (), {"close": lambda self: None})())
    writer = type("W", (), {"docnum": 10, "storage": None, "schema": None, "add_reader": lambda self, r: None})()
    segments = [Segment(n) for n in (0, 5000, 900, 800, 700, 600, 500, 400, 300, 200, 100)]
    kept = writers.merge_smallest(writer, segments)
    assert all(s.docs for s in kept)  # the emptied one is gone
    assert sum(s.docs for s in merged) <= writers.MERGE_BUDGET and len(merged) >= 2
    assert [s.docs for s in merged] == sorted(s.docs for s in merged)  # the smallest first
    assert len(kept) + 1 <= writers.TARGET_SEGMENTS
