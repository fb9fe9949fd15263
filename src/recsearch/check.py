"""Verify an index against itself and its sources: `recsearch check`.

Reads every segment in full (stored records and every field's terms), then
compares the records found with the manifest (what the last run says it
indexed) and the manifest with the source files as they are now.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from . import checksums, store
from .errors import IndexAccessError
from .manifest import FORMAT_VERSION, Manifest
from .sources import display_path, file_sha256, scan_sources

REBUILD = "recsearch index --rebuild"
UPDATE = "recsearch index"


@dataclass
class Problem:
    what: str  # a short kind: damaged, unreadable, missing, orphan, source-gone, source-changed, source-new
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

    def to_dict(self) -> dict:
        return {"ok": self.ok, "records": self.records, "segments": self.segments, "files": self.files,
                "problems": [p.to_dict() for p in self.problems]}


def check_index(root: str | Path, sources: bool = True) -> CheckReport:
    """Everything wrong with the index at `root` (an empty list of problems: all well)."""
    root = Path(root)
    report = CheckReport()
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
        try:
            _check_manifest(manifest, found, report, sources)
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
    for record_id in missing[:20]:
        report.problems.append(Problem("missing", f"record {record_id} of {display_path(owners[record_id])} is not "
                                       "in the index", REBUILD))
    for record_id in orphans[:20]:
        report.problems.append(Problem("orphan", f"record {record_id} is in the index but in no source file", REBUILD))
    _more(report, "missing", len(missing)), _more(report, "orphan", len(orphans))
    if sources:
        _check_sources(manifest, report)


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
                    ids.add(json.loads(stored["record"])["id"])
    report.records = len(ids)
    return ids


def _check_sources(manifest: Manifest, report: CheckReport) -> None:
    scan = scan_sources(manifest.sources)
    for given, problem in scan.problems:
        report.problems.append(Problem("source-gone", f"source {given}: {problem}", UPDATE))
    for path, state in manifest.files():
        shown = display_path(path)
        if path not in scan.files:
            if state.ids:
                n = len(state.ids)
                report.problems.append(Problem("source-gone", f"{shown} is gone; its {n} record{'s' * (n != 1)} "
                                               "are still in the index", UPDATE))
        elif scan.files[path] != (state.size, state.mtime_ns) and file_sha256(path) != state.sha256:
            report.problems.append(Problem("source-changed", f"{shown} changed since it was indexed", UPDATE))
    new = [p for p in scan.files if manifest.get(p) is None]
    for path in new[:20]:
        report.problems.append(Problem("source-new", f"{display_path(path)} is not indexed yet", UPDATE))
    _more(report, "source-new", len(new))


def _more(report: CheckReport, what: str, count: int, shown: int = 20) -> None:
    if count > shown:
        fix = next(p.fix for p in report.problems if p.what == what)
        report.problems.append(Problem(what, f"… and {count - shown} more like it", fix))


def _describe(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"file {Path(exc.filename).name} is missing"
    return str(exc) or type(exc).__name__
