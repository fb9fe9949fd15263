"""Verify an index against itself and its sources: `recsearch check`.

Reads every segment in full (stored records and every field's terms), then
compares the records found with the manifest (what the last run says it
indexed) and the manifest with the source files as they are now.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import checksums, store
from ..engine.documents import record_data
from ..errors import IndexAccessError
from ..engine.manifest import FORMAT_VERSION, Manifest
from .sources import SourceWalk, display_path, escape_name, file_sha256

REBUILD = "recsearch index --rebuild"
UPDATE = "recsearch index"
SHOWN = 20  # problems of one kind printed (JSON has them all)


@dataclass
class Problem:
    # A short kind: damaged, unreadable, outdated, missing, orphan, source-gone, source-changed, source-new,
    # source-unreadable, source-failed (a file that could not be indexed: fix the file first).
    what: str
    detail: str
    fix: str

    def to_dict(self) -> dict:
        return {"problem": self.what, "detail": self.detail, "fix": self.fix}


@dataclass
class CheckReport:
    records: int = 0
    segments: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    update: str = UPDATE  # the update command for this index

    def to_dict(self) -> dict:
        return {"ok": self.ok, "records": self.records, "segments": self.segments, "files": self.files,
                "problems": [p.to_dict() for p in self.problems]}


_MANUAL = {"source-failed": "correct the files that failed",
           "source-unreadable": "make the files and folders reported readable"}


def repair_command(report: CheckReport) -> str:
    """What to do to repair the problems found: the command to run, with the index's absolute path."""
    fixes = [p.fix for p in report.problems]
    rebuild = [f for f in fixes if f.startswith(REBUILD)]
    if rebuild:
        return f"to repair, run: {rebuild[0]}"
    # A remembered source gone: the update naming the sources left, if it is gone for good.
    gone = [f for f in fixes if f.startswith("if ")]
    if gone:
        return gone[0]
    restore = [f for f in fixes if f.startswith("restore")]
    if restore:
        return restore[0]
    manual = [_MANUAL[p.what] for p in report.problems if p.what in _MANUAL]
    if manual:
        return f"{' and '.join(dict.fromkeys(manual))}, then run: {report.update}"
    return f"to repair, run: {report.update}"


def check_index(root: str | Path, sources: bool = True) -> CheckReport:
    """Everything wrong with the index at `root` (an empty list of problems: all well)."""
    root = Path(root)
    report = CheckReport(update=f"{UPDATE} --index {root.absolute()}")
    try:
        _check(root, report, sources)
    finally:
        where = f" --index {root.absolute()}"
        for problem in report.problems:
            if problem.fix in (UPDATE, REBUILD):
                problem.fix += where
    return report


def _check(root: Path, report: CheckReport, sources: bool) -> None:
    gen = store.current_generation(root)
    if gen is None and store.current_is_damaged(root):
        report.problems.append(Problem("damaged", "the index's CURRENT file names no generation", UPDATE))
        return report
    if gen is None:
        raise IndexAccessError(f"no index at {root}: build one with `{UPDATE}`")
    manifest = None
    try:
        ix = store.open_whoosh(gen)
        # Every file's checksum first: damage may read without an error and give wrong answers.
        checksums.verify_index(ix, gen, full=True)
        manifest = store.load_manifest(gen, ix.latest_generation())
        found = _read_everything(ix, report)
    except checksums.IndexDamage as exc:
        report.problems.append(Problem("damaged", f"the index is damaged: {exc}", UPDATE))
        return report
    except IndexAccessError:
        raise
    except Exception as exc:  # damaged files raise anything from OSError to struct.error
        if manifest is not None:
            manifest.close()
        report.problems.append(Problem("unreadable", f"the index cannot be read: {_describe(exc)}", REBUILD))
        return report
    if manifest is None and store.has_old_manifest(gen):
        report.problems.append(Problem("outdated", "the index was built by an older version of recsearch", REBUILD))
        return report
    if manifest is None:
        report.problems.append(Problem("unreadable", "the index has no manifest of its source files", REBUILD))
        return report
    with manifest:
        if manifest.sources and store.read_remembered(root) is None:
            # The copy that outlives a damaged manifest: without it a rebuild would forget the sources.
            report.problems.append(Problem("damaged", f"{store.SOURCES}, where the index remembers its sources, "
                                           "is damaged or missing", UPDATE))
        try:
            _check_manifest(manifest, found, report, sources and root)
        except sqlite3.DatabaseError as exc:
            report.problems.append(Problem("unreadable", f"the manifest of its source files is damaged ({exc})",
                                           REBUILD))
    return report


def _check_manifest(manifest: Manifest, found: set[str], report: CheckReport, sources: bool) -> None:
    # SQLite keeps no page checksums: damage shows only when the damaged page is read.
    damage = manifest.con.execute("PRAGMA quick_check").fetchone()[0]
    if damage != "ok":
        raise sqlite3.DatabaseError(" ".join(damage.replace("***", "").split())[:200])
    if manifest.version != FORMAT_VERSION:
        report.problems.append(Problem("outdated", f"the index has format {manifest.version}, this recsearch "
                                       f"writes {FORMAT_VERSION}", REBUILD))
    owners = dict(manifest.holders())
    report.files = manifest.file_count
    missing = [i for i in owners if i not in found]
    orphans = [i for i in found if i not in owners]
    for record_id in missing:
        report.problems.append(Problem("missing", f"record {record_id} of {display_path(owners[record_id])} is not "
                                       "in the index", REBUILD))
    for record_id in orphans:
        report.problems.append(Problem("orphan", f"record {record_id} is in the index but in no source file", REBUILD))
    if sources:
        _check_sources(manifest, report, Path(sources))


def _read_everything(ix, report: CheckReport) -> set[str]:
    """Read every stored document and every term of every segment; the record ids found."""
    ids: set[str] = set()
    with ix.reader() as reader:
        leaves = reader.leaf_readers()
        report.segments = len(leaves)
        for leaf, _ in leaves:
            for fieldname in leaf.indexed_field_names():
                for _term in leaf.lexicon(fieldname):
                    pass
            # Every document holds a `kind` term: its postings touch every document number.
            for kind in ("record", "name"):
                if ("kind", kind) in leaf:
                    for _doc in leaf.postings("kind", kind).all_ids():
                        pass
            for docnum in range(leaf.doc_count_all()):
                if leaf.is_deleted(docnum):
                    continue
                stored = leaf.stored_fields(docnum)
                if "record" in stored:
                    ids.add(record_data(stored)["id"])
    report.records = len(ids)
    return ids


def _check_sources(manifest: Manifest, report: CheckReport, root: Path) -> None:
    """Compare the files under the sources now (walked as `recsearch index` walks them) with the manifest."""
    walk = SourceWalk(manifest.sources, manifest.exclude, index=root)
    scan = {path: (size, mtime) for path, size, mtime in walk}
    held = [(p.rstrip("/") + "/" if folder else p, folder) for p, folder in walk.held]
    for path, why in walk.failed:
        if path in manifest.sources and not Path(path).exists():
            kept = [s for s in manifest.sources if s != path]
            restore = f"restore it, then run: {UPDATE} --index {root.absolute()}"
            # Naming the sources left removes the records of this one: only right if it is gone for good.
            fix = (f"if {display_path(path)} is gone for good (not moved, not on a disk unmounted), run: "
                   f"recsearch index --index {root.absolute()} {' '.join(_quoted(s) for s in kept)} "
                   f"(its records go); else {restore}" if kept else restore)
            report.problems.append(Problem("source-gone", f"source {display_path(path)}: {why}", fix))
        else:
            report.problems.append(Problem("source-unreadable", f"{display_path(path)}: {why}", "make it readable"))
    for path, state in manifest.files():
        shown = display_path(path)
        if path not in scan:
            if state.ids and not any(path == h or (folder and path.startswith(h)) for h, folder in held):
                n = len(state.ids)
                report.problems.append(Problem("source-gone", f"{shown} is gone; its {n} record{'s' * (n != 1)} "
                                               f"{'is' if n == 1 else 'are'} still in the index", UPDATE))
        elif scan[path] != (state.size, state.mtime_ns) and file_sha256(path) != state.sha256:
            report.problems.append(Problem("source-changed", f"{shown} changed since it was indexed", UPDATE))
        elif state.reason and not state.skipped:
            report.problems.append(Problem("source-failed", f"{shown}: {state.reason}", "correct the file"))
    for path in scan:
        if manifest.get(path) is None:
            report.problems.append(Problem("source-new", f"{display_path(path)} is not indexed yet", UPDATE))


def _quoted(path: str) -> str:
    import shlex

    return shlex.quote(escape_name(path))


def _describe(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"file {Path(exc.filename).name} is missing"
    return str(exc) or type(exc).__name__
