"""What files go into the index: named paths, unreadable ones, links, excludes, adds, and what the index remembers."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from recsearch.ingest import sources as sources_module
from recsearch.engine import store
from recsearch.ingest.build import RemovalRefused, update_index
from recsearch.ingest.check import check_index
from recsearch.cli import app
from recsearch.errors import IndexAccessError, QueryError
from recsearch.search.history import History
from recsearch.ingest.stats import index_stats
from recsearch.search.index import RecordIndex
from recsearch.ingest.sources import SourceError, display_path
from test_incremental import index_ids, make_record, write

runner = CliRunner()

# A format recsearch does not read (yet): CSL JSON, as Zotero and citeproc export it.
CSL_JSON = (b'[{"id":"x1","type":"article-journal","title":"Our own title about seedlings",'
            b'"container-title":"Journal","issued":{"date-parts":[[2020]]},"author":[{"family":"Lima"}]}]\n')


def run(*args, cwd=None):
    if cwd is None:
        return runner.invoke(app, [str(a) for a in args])
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(app, [str(a) for a in args])
    finally:
        os.chdir(old)


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "records"
    path.mkdir()
    for n in range(5):
        write(path, f"{n:03d}.txt", make_record(n))
    return path


@pytest.fixture
def deny(monkeypatch):
    """Make some paths unreadable as they would be to a user without permission (tests run as root)."""
    denied: set[str] = set()
    real_scandir, real_open = os.scandir, os.open

    def scandir(path="."):
        if os.path.abspath(path) in denied:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def open_(path, flags, *more, **kw):
        if os.path.abspath(path) in denied:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *more, **kw)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "open", open_)
    return lambda path: denied.add(os.path.abspath(path))


# -- a mistyped or unreadable path named changes nothing ------------------------------------------


def test_a_mistyped_source_path_changes_nothing(folder, tmp_path):
    root = tmp_path / "index"
    run("index", folder, "--index", root)
    before = index_ids(root)
    result = run("index", tmp_path / "recrods", "--index", root)
    assert result.exit_code == 1
    assert f"{tmp_path / 'recrods'}: no such file or folder: nothing was changed" in result.stderr
    assert index_ids(root) == before
    assert store.read_remembered(root)["sources"] == [str(folder)]  # the typo is not remembered
    again = run("index", "--index", root, "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["unchanged"] == 5


def test_an_unreadable_named_path_stops_the_run(folder, tmp_path, deny):
    root = tmp_path / "index"
    update_index([folder], root)
    other = tmp_path / "other"
    other.mkdir()
    deny(other)
    with pytest.raises(SourceError, match=r"other: cannot be read \(permission denied\): nothing was changed"):
        update_index([folder, other], root)
    assert len(index_ids(root)) == 5 and store.read_remembered(root)["sources"] == [str(folder)]


# -- unreadable folders and files keep their records, are reported, fail the run -------------------


def test_an_unreadable_folder_keeps_its_records_and_fails_the_run(folder, tmp_path, deny):
    sub = folder / "b"
    sub.mkdir()
    for n in range(10, 15):
        write(sub, f"{n}.txt", make_record(n))
    root = tmp_path / "index"
    update_index([folder], root)
    deny(sub)
    report = update_index(None, root)
    assert report.removed == 0 and len(index_ids(root)) == 10
    assert report.failed == [{"file": str(sub), "error": "cannot read folder (permission denied); "
                                                         "its records are kept"}]
    result = run("index", "--index", root)
    assert result.exit_code == 1 and f"{sub}: cannot read folder (permission denied)" in result.stderr
    assert [p.what for p in check_index(root).problems] == ["source-unreadable"]


def test_an_unreadable_changed_file_keeps_its_records(folder, tmp_path, deny):
    root = tmp_path / "index"
    update_index([folder], root)
    write(folder, "001.txt", make_record(1, title="Revised but unreadable"))
    deny(folder / "001.txt")
    report = update_index([folder], root)
    assert (report.removed, report.updated) == (0, 0) and len(index_ids(root)) == 5
    assert report.failed == [{"file": str(folder / "001.txt"),
                              "error": "cannot be read (permission denied); its 1 record is kept"}]
    with RecordIndex(root) as ix:
        assert ix.get(make_record(1).id).title == make_record(1).title


def test_a_remembered_source_gone_keeps_its_records(folder, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    write(other, "x.txt", make_record(40))
    root = tmp_path / "index"
    update_index([folder, other], root)
    shutil.rmtree(other)
    report = update_index(None, root)
    assert report.removed == 0 and len(index_ids(root)) == 6
    assert "no such file or folder; its records are kept" in report.failed[0]["error"]
    problems = check_index(root).problems
    assert [p.what for p in problems] == ["source-gone"]
    assert problems[0].fix.startswith(f"if {other} is gone for good (not moved, not on a disk unmounted), run: "
                                      f"recsearch index --index {root} {folder} (its records go); else restore it")
    assert check_index(root).problems and "gone for good" in run("check", "--index", root).stderr
    run("index", "--index", root, folder, "--yes")  # the command check gives, confirmed
    assert check_index(root).ok and len(index_ids(root)) == 5


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to switch to nobody")
def test_unreadable_folder_as_a_real_user_without_permission():
    """The same as above without simulation: a user (nobody) who cannot read a folder."""
    base = Path(tempfile.mkdtemp(prefix="recsearch-perm-", dir="/tmp"))
    try:
        base.chmod(0o777)
        (base / "src" / "b").mkdir(parents=True)
        for n in range(3):
            write(base / "src", f"{n}.txt", make_record(n))
            write(base / "src" / "b", f"b{n}.txt", make_record(20 + n))
        for path in [base / "src", base / "src" / "b", *base.rglob("*.txt")]:
            path.chmod(0o777 if path.is_dir() else 0o666)
        as_nobody = ["setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups",
                     sys.executable, "-m", "recsearch.cli"]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        first = subprocess.run([*as_nobody, "index", str(base / "src"), "--index", str(base / "ix")],
                               capture_output=True, text=True, env=env)
        assert first.returncode == 0, first.stderr
        (base / "src" / "b").chmod(0o000)
        second = subprocess.run([*as_nobody, "index", "--index", str(base / "ix"), "--json"],
                                capture_output=True, text=True, env=env)
        assert second.returncode == 1
        data = json.loads(second.stdout)
        assert (data["removed"], data["records"]) == (0, 6)
        assert data["failed"][0]["error"] == "cannot read folder (permission denied); its records are kept"
    finally:
        (base / "src" / "b").chmod(0o777)
        shutil.rmtree(base, ignore_errors=True)


# -- add-only, and asking before a change of sources removes many records -------------------------


def test_add_adds_without_removing_and_is_remembered(folder, tmp_path):
    root = tmp_path / "index"
    run("index", folder, "--index", root)
    extra = write(tmp_path, "one.txt", make_record(50))
    result = run("add", extra, "--index", root)
    assert result.exit_code == 0, result.output
    assert "1 added, 0 updated, 0 removed, 5 unchanged; 6 records" in result.stdout
    assert store.read_remembered(root)["sources"] == [str(folder), str(extra)]
    again = run("index", "--index", root, "--json")
    assert json.loads(again.stdout)["unchanged"] == 6
    more = write(tmp_path, "two.txt", make_record(51))
    assert "1 added" in run("index", "--add", more, "--index", root).stdout
    assert len(index_ids(root)) == 7


def test_naming_one_file_asks_before_removing_the_rest(folder, tmp_path):
    root = tmp_path / "index"
    run("index", folder, "--index", root)
    result = run("index", folder / "001.txt", "--index", root)  # not a terminal: refused
    assert result.exit_code == 1
    assert "would remove 4 of the 5 records" in result.stderr and "--yes" in result.stderr
    assert "recsearch add PATH..." in result.stderr and len(index_ids(root)) == 5
    assert store.read_remembered(root)["sources"] == [str(folder)]
    asked = []
    with pytest.raises(RemovalRefused):
        update_index([folder / "001.txt"], root, confirm=lambda n, total: asked.append((n, total)) or False)
    assert asked == [(4, 5)]
    result = run("index", folder / "001.txt", "--index", root, "--yes")
    assert result.exit_code == 0 and "4 removed" in result.stdout and len(index_ids(root)) == 1


def test_files_deleted_under_the_same_sources_are_not_asked_about(folder, tmp_path):
    root = tmp_path / "index"
    update_index([folder], root)
    for path in list(folder.iterdir())[:4]:
        path.unlink()
    report = update_index([folder], root, confirm=lambda n, total: pytest.fail("asked"))
    assert report.removed == 4


# -- every file accounted for, every run ------------------------------------------------------------


def test_skipped_files_are_counted_and_listed_on_every_run(folder, tmp_path):
    (folder / "notes.md").write_text("# my notes\n")
    (folder / "article.json").write_bytes(CSL_JSON)
    root = tmp_path / "index"
    for run_number in range(2):
        result = run("index", folder, "--index", root, "--verbose")
        assert result.exit_code == 0, result.output
        assert ", 2 skipped;" in result.stdout, run_number
        assert f"skipped {folder / 'article.json'}: looks like CSL JSON: not a format recsearch reads" in result.stderr
        data = json.loads(run("index", folder, "--index", root, "--json").stdout)
        assert sorted(s["file"].rsplit("/", 1)[-1] for s in data["skipped"]) == ["article.json", "notes.md"]


def test_a_failed_file_is_reported_every_run_and_by_check(folder, tmp_path):
    (folder / "empty.txt").write_text("")
    root = tmp_path / "index"
    for _ in range(2):
        result = run("index", folder, "--index", root)
        assert result.exit_code == 1 and f"{folder / 'empty.txt'}: empty file" in result.stderr
    problems = check_index(root).problems
    assert [(p.what, p.detail) for p in problems] == [("source-failed", f"{folder / 'empty.txt'}: empty file")]
    assert "correct the files that failed, then run" in run("check", "--index", root).stderr


def test_a_reader_added_later_reads_the_files_once_skipped(folder, tmp_path, monkeypatch):
    from recsearch.ingest import build

    (folder / "article.json").write_bytes(CSL_JSON)
    root = tmp_path / "index"
    assert len(update_index([folder], root).skipped) == 1
    monkeypatch.setattr(build, "READERS_ID", build.READERS_ID + " csl-json")  # as when a reader is added
    seen = []
    real = build.read_source
    monkeypatch.setattr(build, "read_source", lambda path, *more: seen.append(path) or real(path, *more))
    update_index([folder], root)
    assert seen == [str(folder / "article.json")]


@pytest.mark.parametrize("looks_like, data", [
    ("CSL JSON", CSL_JSON),
    ("Crossref XML", b'<?xml version="1.0"?>\n<doi_batch xmlns="http://www.crossref.org/schema/4.4.2" version="4.4.2">'
                     b'<body><journal><journal_article><titles><title>T</title></titles></journal_article></journal>'
                     b'</body></doi_batch>'),
    ("DataCite XML", b'<?xml version="1.0"?>\n<resource xmlns="http://datacite.org/schema/kernel-4"><titles>'
                     b'<title>T</title></titles></resource>'),
])
def test_a_known_format_not_read_says_what_it_looks_like_and_is_skipped(tmp_path, looks_like, data):
    from recsearch.readers import NotARecordFile, read_file_records

    with pytest.raises(NotARecordFile, match=re.escape(f"looks like {looks_like}: not a format recsearch reads")):
        read_file_records(data, "records.xml")


def test_exclude_leaves_paths_out_and_is_remembered(folder, tmp_path):
    drafts = folder / "drafts"
    drafts.mkdir()
    write(drafts, "d.txt", make_record(60))
    write(folder, "004.bak.txt", make_record(61))
    root = tmp_path / "index"
    result = run("index", folder, "--index", root, "--exclude", "drafts", "--exclude", "*.bak.txt")
    assert result.exit_code == 0 and "2 excluded" in result.stdout
    assert len(index_ids(root)) == 5
    assert json.loads(run("index", "--index", root, "--json").stdout)["excluded"] == 2  # remembered
    assert check_index(root).ok  # excluded files are not "new"
    assert "Excluded:" in run("stats", "--index", root).stdout
    result = run("index", folder, "--index", root, "--exclude", "")  # forgotten
    assert "2 added" in result.stdout and len(index_ids(root)) == 7


# -- check passes on an up-to-date index; its repair command repairs --------------------------------


def test_check_passes_after_index_and_its_repair_command_repairs(folder, tmp_path):
    (folder / "article.json").write_bytes(CSL_JSON)
    (folder / "notes.md").write_text("notes")
    root = tmp_path / "index"
    run("index", folder, "--index", root)
    assert check_index(root).ok
    for n in range(100, 125):
        write(folder, f"{n}.txt", make_record(n))
    data = json.loads(run("check", "--index", root, "--json").stdout)
    assert [p["problem"] for p in data["problems"]] == ["source-new"] * 25
    assert all(p["fix"] == f"recsearch index --index {root}" for p in data["problems"])
    result = run("check", "--index", root)
    assert result.stdout.count("is not indexed yet") == 20 and "… and 5 more like it" in result.stdout
    command = result.stderr.rsplit("run: ", 1)[1].split()
    assert command[:3] == ["recsearch", "index", "--index"] and Path(command[3]).is_absolute()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run(*command[1:], cwd=elsewhere).exit_code == 0
    assert check_index(root).ok


# -- forced format, generations, stats ---------------------------------------------------------------


def test_a_forced_format_is_shown_until_auto_returns(folder, tmp_path):
    root = tmp_path / "index"
    result = run("index", folder, "--index", root, "--format", "seed")
    assert "format seed forced (--format auto to tell by content)" in result.stdout
    assert "format seed forced" in run("index", "--index", root).stdout  # remembered, still shown
    assert "Format:           seed (forced" in run("stats", "--index", root).stdout
    result = run("index", "--index", root, "--format", "auto")
    assert "format seed forced" not in result.stdout and "Format:           auto" in run("stats", "--index", root).stdout


def test_old_generations_go_once_no_reader_holds_them(folder, tmp_path):
    root = tmp_path / "index"
    update_index([folder], root)
    update_index([folder], root, rebuild=True)
    assert len(list(root.glob("gen-*"))) == 1  # nobody was reading the first one
    reader = RecordIndex(root)
    held = store.current_generation(root)
    update_index([folder], root, rebuild=True)
    assert held.is_dir() and len(list(root.glob("gen-*"))) == 2
    stats = index_stats(root)
    assert stats.generations == 2 and stats.disk_bytes > 2 * stats.size_bytes * 0.9
    assert "older generation still open" in run("stats", "--index", root).stdout
    assert reader.search("seedling").total == 5
    reader.close()
    update_index([folder], root)
    assert not held.exists() and len(list(root.glob("gen-*"))) == 1
    assert index_stats(root).generations == 1


def test_stats_counts_records_not_names_without_a_manifest(folder, tmp_path):
    root = tmp_path / "index"
    update_index([folder], root)
    for manifest in store.current_generation(root).glob("manifest-*"):
        manifest.unlink()
    stats = index_stats(root)
    assert stats.records == 5 and stats.sources == [str(folder)]


# -- rebuilds keep their sources --------------------------------------------------------------------


def test_rebuild_without_paths_uses_the_remembered_sources(folder, tmp_path):
    root = tmp_path / "index"
    run("index", folder, "--index", root)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "seeds").mkdir(parents=True)
    write(elsewhere / "seeds", "lonely.txt", make_record(70))
    result = run("index", "--rebuild", "--index", root, cwd=elsewhere)
    assert result.exit_code == 0, result.output
    assert "5 records" in result.stdout and index_ids(root) == {make_record(n).id for n in range(5)}


@pytest.mark.parametrize("damage", ["manifest deleted", "manifest garbage", "toc deleted", "toc garbage",
                                    "CURRENT garbage"])
def test_damage_rebuilds_from_the_remembered_sources(folder, tmp_path, damage):
    root = tmp_path / "index"
    update_index([folder], root, exclude=["004.txt"], format="seed")
    gen = store.current_generation(root)
    what = {"manifest": "manifest-*", "toc": "*.toc", "CURRENT": "CURRENT"}[damage.split()[0]]
    for path in (root if what == "CURRENT" else gen).glob(what):
        if damage.endswith("deleted"):
            path.unlink()
        else:
            path.write_bytes(os.urandom(path.stat().st_size or 100))
    os.chdir(tmp_path)  # no seeds/ here
    report = update_index(None, root)
    # A damaged CURRENT is pointed again at its generation (a repair, not a rebuild).
    assert (report.repairs if what == "CURRENT" else report.rebuilt) and len(index_ids(root)) == 4
    assert (report.sources, report.exclude, report.format) == ([str(folder)], ["004.txt"], "seed")


# -- links, special files, LOCK and history ----------------------------------------------------------


def test_links_are_followed_once_never_in_circles_nor_into_system_folders(folder, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    write(outside, "o.txt", make_record(80))
    (folder / "a").symlink_to(".")
    (folder / "b").symlink_to(folder)
    (folder / "etc").symlink_to("/etc")
    (folder / "proc").symlink_to("/proc/self")
    (folder / "ext1").symlink_to(outside)
    (folder / "ext2").symlink_to(outside)
    (folder / "same.txt").symlink_to(folder / "001.txt")
    (folder / "dangling.txt").symlink_to(tmp_path / "nothing")
    os.mkfifo(folder / "pipe.txt")
    report = update_index([folder], tmp_path / "index")
    assert report.conflicts == [] and report.failed == [] and report.records == 6
    reasons = {s["file"].rsplit("/", 1)[-1]: s["reason"] for s in report.skipped}
    assert reasons["a"].startswith("link to ") and reasons["a"].endswith("inside the sources: indexed under its own name")
    assert reasons["etc"] == "link into the system folder /etc: not followed"
    assert reasons["proc"] == "link into the system folder /proc: not followed"
    assert reasons["ext2"].endswith(f"already indexed as {folder / 'ext1'}")
    assert "inside the sources" in reasons["same.txt"] and reasons["dangling.txt"] == "broken link"
    assert reasons["pipe.txt"] == "not a regular file (a named pipe)"
    assert set(reasons) == {"a", "b", "etc", "proc", "ext2", "same.txt", "dangling.txt", "pipe.txt"}


def test_lock_and_history_are_never_opened_through_a_link(folder, tmp_path):
    root = tmp_path / "index"
    update_index([folder], root)
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    (root / "LOCK").unlink()
    (root / "LOCK").symlink_to(victim)
    with pytest.raises(IndexAccessError, match="LOCK is a symbolic link"):
        update_index([folder], root)
    (root / "history.jsonl").symlink_to(victim)
    with pytest.raises(QueryError, match="symbolic link"):
        History(root).append("seedling", 5, 5)
    with pytest.raises(QueryError, match="symbolic link"):
        History(root).entries()
    assert victim.read_text() == "keep me"


def test_file_names_are_printed_escaped(folder, tmp_path):
    nasty = folder / "bad\nname\x1b[31m\u202e.txt"
    nasty.write_text("")
    result = run("index", folder, "--index", tmp_path / "index")
    line = next(l for l in result.stderr.splitlines() if "empty file" in l)
    assert "bad\\nname\\x1b[31m\\u202e.txt: empty file" in line
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert display_path(str(nasty)).count("\n") == 0


def test_summary_wording(tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    write(folder, "only.txt", make_record(1))
    root = tmp_path / "index"
    assert run("index", folder, "--index", root).stdout.startswith(f"Built {root}: 1 added, ")
    result = run("index", "--index", root)
    assert result.stdout.startswith(f"Updated {root}: ") and "; 1 record in " in result.stdout
    assert run("index", "--index", root, "--rebuild").stdout.startswith(f"Rebuilt {root}: ")


def test_a_rebuild_from_other_sources_asks_too(folder, tmp_path):
    root = tmp_path / "index"
    update_index([folder], root)
    with pytest.raises(RemovalRefused, match="would remove 4 of the 5 records"):
        update_index([folder / "001.txt"], root, rebuild=True, confirm=lambda n, total: False)
    assert len(index_ids(root)) == 5
    assert update_index([folder, folder / "001.txt"], root, rebuild=True,
                        confirm=lambda n, total: pytest.fail("asked")).records == 5


def test_on_a_terminal_the_removal_is_asked(folder, tmp_path):
    """Run in a pseudo-terminal: the question is asked, and answering no changes nothing."""
    import pty
    import select

    root = tmp_path / "index"
    update_index([folder], root)
    main, secondary = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    child = subprocess.Popen([sys.executable, "-m", "recsearch.cli", "index", str(folder / "001.txt"),
                              "--index", str(root)], stdin=secondary, stdout=secondary, stderr=secondary, env=env)
    os.close(secondary)
    seen = b""
    while b"Go ahead?" not in seen:
        assert select.select([main], [], [], 60)[0], seen
        seen += os.read(main, 1024)
    assert b"would remove 4 of the 5 records" in seen
    # The progress line is cleared before the question and not redrawn over it while it waits.
    before = seen[:seen.index(b"recsearch: the sources named")]
    assert b"\r" not in before or before.endswith(b"\r\x1b[K"), before
    later = b""
    while select.select([main], [], [], 1.5)[0]:  # three redraws of the timer would come in 1.5 s
        later += os.read(main, 1024)
    assert b"Scanning" not in later and b"\r" not in later, later
    os.write(main, b"n\n")
    assert child.wait(60) == 1
    os.close(main)
    assert len(index_ids(root)) == 5


def test_a_remembered_single_file_gone_keeps_its_records(folder, tmp_path):
    single = write(tmp_path, "single.txt", make_record(90))
    root = tmp_path / "index"
    update_index([folder, single], root)
    single.unlink()
    report = update_index(None, root)
    assert report.removed == 0 and len(index_ids(root)) == 6 and report.failed


def test_an_index_inside_its_sources_is_not_walked(folder):
    root = folder / "index"
    update_index([folder], root)
    report = update_index([folder], root)
    assert report.skipped == [{"file": str(root), "reason": "the index itself"}] and report.unchanged == 5
    assert check_index(root).ok


def test_an_index_of_the_previous_release_is_updated_in_place(folder, tmp_path):
    """Manifests written before skipped and failed files kept their reason are migrated, not rebuilt."""
    import sqlite3

    (folder / "article.json").write_bytes(CSL_JSON)
    root = tmp_path / "index"
    update_index([folder], root)
    gen = store.current_generation(root)
    (manifest,) = gen.glob("manifest-*")
    with sqlite3.connect(manifest) as con:
        con.execute("ALTER TABLE files DROP COLUMN reason")
        con.execute("DELETE FROM meta WHERE key IN ('readers', 'exclude')")
    assert check_index(root).ok
    report = update_index(None, root)
    assert not report.rebuilt and report.unchanged == 5
    assert [s["reason"] for s in report.skipped] == ["looks like CSL JSON: not a format recsearch reads"]
    assert update_index(None, root).skipped == report.skipped


def test_the_summary_fits_an_80_column_terminal(folder, tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    (folder / "notes.md").write_text("notes")
    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "80"}
    child = subprocess.Popen([sys.executable, "-m", "recsearch.cli", "index", str(folder), "--index",
                              str(tmp_path / "index"), "--format", "seed"], stdin=secondary, stdout=secondary,
                             stderr=subprocess.DEVNULL, env=env)
    os.close(secondary)
    out = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child has closed the terminal
            break
        if not chunk:
            break
        out += chunk
    child.wait(60)
    os.close(main)
    lines = [l for l in out.decode().replace("\r", "").splitlines() if l.strip() and "Indexing" not in l]
    assert lines[0].startswith("Built ") and "format seed forced" in " ".join(l.strip() for l in lines)
    assert len(lines) > 1 and max(len(l) for l in lines) <= 80, lines


def test_watch_applies_a_new_file_once_even_with_the_index_inside_the_sources(folder):
    import signal
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    child = subprocess.Popen([sys.executable, "-m", "recsearch.cli", "index", str(folder), "--watch", "--interval",
                              "0.3", "--index", str(folder / "index")], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env)
    import threading

    guard = threading.Timer(90, child.kill)  # a watch that never answers fails the test, not hangs it
    guard.start()
    try:
        assert child.stdout.readline().startswith("Built ")
        write(folder, "new.txt", make_record(99))
        assert "1 added" in child.stdout.readline()
        time.sleep(2)  # several intervals: the index's own files changing must not start another run
    finally:
        child.send_signal(signal.SIGINT)
        rest, _ = child.communicate(timeout=30)
        guard.cancel()
    assert rest.strip() == ""
    assert len(index_ids(folder / "index")) == 6


def test_the_history_counts_live_records_after_a_file_is_deleted(folder, tmp_path):
    """A search logged after an update counts what `stats` counts, not the deleted documents too."""
    root = tmp_path / "index"
    update_index([folder], root)
    (folder / "001.txt").unlink()
    write(folder, "002.txt", make_record(2, "Seedling survival study, revised"))  # deletes and re-adds
    update_index([folder], root)
    assert index_stats(root).records == 4
    result = run("search", "seedling", "--json", "--history", "--index", root)
    assert result.exit_code == 0, result.output
    entry = History(root).entries()[-1]
    assert entry.records == 4
    assert "on 4 records" in run("history", "--export", "-", "--index", root).stdout


def test_a_record_source_is_absolute_whatever_folder_indexed_it(folder, tmp_path):
    """Indexed from the folder above with a relative path, shown from elsewhere: the path opens."""
    root = tmp_path / "index"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run("index", folder.name, "--index", root, cwd=folder.parent).exit_code == 0
    record_id = sorted(index_ids(root))[0]
    shown = json.loads(run("show", record_id, "--json", "--index", root, cwd=elsewhere).stdout)
    assert os.path.isabs(shown["source"]) and Path(shown["source"]).is_file()
    assert Path(shown["source"]).parent == folder
    text = run("show", record_id, "--index", root, cwd=elsewhere).stdout
    assert str(folder) in text


def test_an_index_that_stored_relative_sources_shows_them_absolute(folder, tmp_path, monkeypatch):
    """Records indexed by the release that stored paths relative to the run's folder."""
    from recsearch.ingest import build

    root = tmp_path / "index"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(build, "display_path", lambda path: os.path.relpath(path))
    update_index([folder], root)
    monkeypatch.undo()
    record_id = sorted(index_ids(root))[0]
    with store.open_index(root).searcher() as searcher:
        stored = searcher.document(id=record_id)
    assert not os.path.isabs(json.loads(stored["record"])["source"])  # the old form is really stored
    with RecordIndex(root) as ix:
        source = ix.get(record_id).source
    assert os.path.isabs(source) and Path(source).is_file() and Path(source).parent == folder


WARNED_RIS = ("TY  - JOUR\nTI  - Seedlings under snow\nAU  - Lima, Ana\nPY  - 2020\nER  - \n"
              "TY  - JOUR\nDO  - 10.1186/x\nER  - \n")  # the second record: no title, no authors


def test_reader_warnings_are_listed_on_every_run_not_only_when_read(folder, tmp_path):
    """`--verbose` lists them although unchanged files are not read again; a changed file's go."""
    warned = folder / "warned.ris"
    warned.write_text(WARNED_RIS, encoding="utf-8")
    root = tmp_path / "index"
    first = update_index([folder], root).warnings
    assert first == [{"file": str(warned), "warnings": ["record 2: no title and no authors: not indexed"]}]
    again = update_index([folder], root)
    assert again.unchanged == 6 and again.warnings == first
    os.utime(warned, ns=(1, 1))  # touched, not changed: kept without reading
    assert update_index([folder], root).warnings == first
    result = run("index", "--verbose", "--index", root)
    assert f"warning: {warned}: record 2: no title and no authors" in result.stderr
    assert "read with warnings" in run("index", "--index", root).stdout
    warned.write_text(WARNED_RIS.split("TY  - JOUR\nDO")[0], encoding="utf-8")
    changed = update_index([folder], root)
    assert changed.updated == 1 and changed.warnings == []
    assert update_index([folder], root).warnings == []


def test_the_index_folder_named_as_a_source_is_refused(folder, tmp_path):
    """An index in the folder of its own sources would read its own files as records."""
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(SourceError, match="is the index folder itself"):
        update_index([folder], folder)
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written
    result = run("index", folder, "--index", folder)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and "index folder itself" in result.stderr
    root = tmp_path / "index"
    update_index([folder], root)
    with pytest.raises(SourceError, match="is inside the index folder"):
        update_index([store.current_generation(root)], root)
    assert len(index_ids(root)) == 5




def test_a_remembered_source_that_is_the_index_is_refused(folder, monkeypatch):
    """An index an earlier release built in its own source folder: refused, its records kept."""
    from recsearch.ingest import build

    monkeypatch.setattr(build, "sources_in_index", lambda paths, index: [])  # as that release did
    update_index([folder], folder)
    monkeypatch.undo()
    held = index_ids(folder)
    with pytest.raises(SourceError, match="is the index folder itself"):
        update_index(None, folder)
    assert index_ids(folder) == held and len(held) == 5


# -- trial B: wording, numbers and small conveniences ----------------------------------------------

def test_stats_says_one_year_once_and_one_conflict_singular(folder, tmp_path):
    root = tmp_path / "index"
    single = tmp_path / "single"
    single.mkdir()
    write(single, "a.txt", make_record(1))
    write(single, "b.txt", make_record(1))  # the same id: one conflict
    update_index([single], root)
    text = run("stats", "--index", root).stdout
    assert re.search(r"^Years:?\s+2001$", text, re.M), text
    assert "1 conflict\n" in text or text.rstrip().endswith("1 conflict"), text
    assert "1 conflicts" not in text


def test_similar_says_which_record_its_list_is_like(folder, tmp_path):
    root = tmp_path / "index"
    update_index([folder], root)
    like = sorted(index_ids(root))[0]
    result = run("similar", like, "--index", root)
    assert result.exit_code == 0 and result.stdout.count("Seedling survival study") >= 2
    footer = result.stderr.strip().splitlines()[-1]
    assert footer.startswith(f"Records like {like} (Seedling survival study number 0): ")
    assert re.search(r": \d+ hits?, \d+ shown", footer), footer


def test_quiet_still_shows_the_files_that_failed(folder, tmp_path):
    (folder / "broken.xml").write_bytes(b"\x00\x01 not a record")
    result = run("--quiet", "index", folder, "--index", tmp_path / "index")
    assert result.exit_code == 1 and f"{folder / 'broken.xml'}: binary file" in result.stderr
    assert "Built" in result.stdout


def test_index_help_lists_every_format_the_readers_read():
    from recsearch.formats import FORMATS
    from recsearch.readers import RecordError, read_file_records

    text = " ".join(runner.invoke(app, ["index", "--help"], env={"COLUMNS": "200"}).stdout.split())
    for name in FORMATS[1:]:
        assert f"{name} (" in text, name  # in the list of what each format is
        try:  # and a reader reads it: no record here, but no unknown format either
            assert read_file_records(b"\x00\x01", "x.bin", name).records == []
        except RecordError:
            pass


def test_language_filter_takes_iso_codes(tmp_path):
    from conftest import FIXTURE_SEEDS

    root = tmp_path / "index"
    update_index([FIXTURE_SEEDS], root)
    by_name = run("search", "a OR e OR de", "--any", "--language", "portuguese", "--json", "--index", root)
    by_code = run("search", "a OR e OR de", "--any", "--language", "pt", "--json", "--index", root)
    assert json.loads(by_name.stdout)["total"] >= 1
    assert json.loads(by_code.stdout)["hits"] == json.loads(by_name.stdout)["hits"]
    assert "no record has language" not in by_code.stderr


def test_an_index_path_that_is_a_file_is_said_so(tmp_path, folder):
    afile = tmp_path / "afile"
    afile.write_text("not an index")
    for args in (["search", "x"], ["index", folder], ["stats"], ["check"]):
        result = runner.invoke(app, [str(a) for a in args], env={"RECSEARCH_INDEX": str(afile)})
        assert result.exit_code == 1 and result.stderr.strip() == (
            f"recsearch: {afile} is a file, not an index folder: name a folder with --index (or RECSEARCH_INDEX)"), args


def test_show_in_a_pipe_wraps_to_columns_when_set(folder, tmp_path):
    root = tmp_path / "index"
    update_index([folder], root)
    record_id = sorted(index_ids(root))[0]
    narrow = runner.invoke(app, ["show", record_id, "--index", str(root)], env={"COLUMNS": "50"}).stdout
    wide = runner.invoke(app, ["show", record_id, "--index", str(root)], env={"COLUMNS": None}).stdout
    assert max(map(len, narrow.splitlines())) <= 50 < max(map(len, wide.splitlines()))
