"""`recsearch check`: a sound index passes; damage and stale sources are named with the fix."""

from __future__ import annotations

import json
import os
import sqlite3

from typer.testing import CliRunner

from recsearch.engine import store
from recsearch.ingest.build import update_index
from recsearch.ingest.check import check_index
from recsearch.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_sound_index_passes(built_index):
    report = check_index(built_index)
    assert report.ok and report.records == 8 and report.segments >= 1
    result = run("check", "--index", built_index, "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["ok"] is True
    assert "Index OK: 8 records" in run("check", "--index", built_index).stdout


def test_deleted_segment_file_is_caught_and_the_next_run_repairs(built_index, seed_dir):
    gen = store.current_generation(built_index)
    segment = next(p for p in gen.iterdir() if p.suffix == ".seg")
    segment.unlink()
    result = run("check", "--index", built_index)
    assert result.exit_code == 1
    assert f"file {segment.name} is missing" in result.stdout
    assert "run: recsearch index" in result.stderr
    report = update_index(None, built_index)
    assert report.rebuilt and "is missing" in report.reason and report.records == 8
    assert check_index(built_index).ok


def test_removed_and_changed_sources_are_caught_and_update_repairs(built_index, seed_dir):
    files = sorted(seed_dir.glob("*.txt"))
    files[0].unlink()
    text = files[1].read_text(encoding="utf-8")
    files[1].write_text(text.replace("Summary:", "Summary: Revised.", 1), encoding="utf-8")
    os.utime(files[2])  # touched only: not a change
    report = check_index(built_index)
    kinds = sorted(p.what for p in report.problems)
    assert kinds == ["source-changed", "source-gone"]
    result = run("check", "--index", built_index)
    assert result.exit_code == 1 and "run: recsearch index" in result.stderr
    assert "--rebuild" not in result.stderr
    update_index(None, built_index)
    assert check_index(built_index).ok


def test_records_missing_from_the_manifest_are_orphans(built_index):
    gen = store.current_generation(built_index)
    ix = store.open_whoosh(gen)
    with store.load_manifest(gen, ix.latest_generation()) as manifest:
        path, state = next(manifest.files())
    lost = state.ids[0]
    with sqlite3.connect(store.manifest_path(gen, ix.latest_generation())) as con:
        con.execute("DELETE FROM ids WHERE id = ?", (lost,))
    report = check_index(built_index, sources=False)
    assert [(p.what, lost in p.detail) for p in report.problems] == [("orphan", True)]


def test_no_index_is_a_clear_error(tmp_path):
    result = run("check", "--index", tmp_path / "none")
    assert result.exit_code == 1 and "no index at" in result.stderr
