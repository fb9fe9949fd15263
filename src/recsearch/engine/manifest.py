"""The manifest: which source files an index generation holds, and the records each gave.

One SQLite database per Whoosh generation (`manifest-<N>.sqlite`), queried and
changed on disk instead of loaded: a million files' state as Python objects
took ~800 MB of the indexing process (bench/RESULTS.md). Paths are kept as
the bytes the file system gave, so a file name that is not UTF-8 is still
recorded exactly.

A run works on a `ManifestDraft` (manifest_draft.py): a copy of the live manifest in a temporary
file, with the scan of the sources beside it in temporary tables. The draft
is renamed into place, complete and flushed, before the Whoosh commit that
makes it live.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Of the index: bump when the schema, the analysis (or its import path, which the schema
# pickles) or this manifest changes. 9: analysis moved to recsearch.engine.analysis;
# 10: possessive 's dropped, letters split from digits (covid19 = covid-19); 11: columnar postings (codec.py).
FORMAT_VERSION = 11

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE files(fid INTEGER PRIMARY KEY, path BLOB NOT NULL UNIQUE, size INTEGER NOT NULL,
                   mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL, skipped INTEGER NOT NULL DEFAULT 0,
                   problems TEXT, reason TEXT, warnings TEXT);
CREATE TABLE ids(id TEXT PRIMARY KEY, fid INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX ids_of_file ON ids(fid);
CREATE TABLE conflicts(fid INTEGER NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY(fid, seq))
    WITHOUT ROWID;
"""
BATCH = 1000


@dataclass(slots=True)
class FileState:
    """What the index holds from one source file."""

    size: int
    mtime_ns: int
    sha256: str
    ids: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()  # ids of the file that another file holds
    # Records of the file that could not be read: (position, why), reported
    # again on every run until the file changes.
    problems: tuple[tuple[int, str], ...] = ()
    skipped: bool = False  # not a record file: remembered so it is not read again
    # Why the file was skipped, or why it failed as a whole (then it has no records):
    # reported on every run until the file (or recsearch's set of readers) changes.
    reason: str | None = None

    def __post_init__(self):
        self.ids = tuple(self.ids)
        self.conflicts = tuple(self.conflicts)
        self.problems = tuple((int(n), str(why)) for n, why in self.problems)


def path_key(path: str) -> bytes:
    return os.fsencode(path)


def signed_key(key: int) -> int:
    """A 64-bit unsigned key as SQLite's signed integer."""
    return key - (1 << 64) if key >= 1 << 63 else key


def sqlite_uri(path: Path, mode: str) -> str:
    return f"{Path(path).absolute().as_uri()}?mode={mode}"


class Manifest:
    """An open manifest database (read-only unless it is a draft)."""

    def __init__(self, con: sqlite3.Connection):
        self.con = con
        meta = dict(con.execute("SELECT key, value FROM meta"))
        self.version = int(meta.get("version", 0))
        self.built_at: str | None = json.loads(meta.get("built_at", "null"))
        self.sources: list[str] = json.loads(meta.get("sources", "[]"))
        self.format: str = json.loads(meta.get("format", '"auto"'))
        self.exclude: list[str] = json.loads(meta.get("exclude", "[]"))
        self.readers: str = meta.get("readers", "")
        columns = {row[1] for row in con.execute("PRAGMA table_info(files)")}
        self._reason = "reason" if "reason" in columns else "NULL"  # manifests before the column: none

    @classmethod
    def open(cls, path: Path) -> Manifest:
        """Open a manifest to read; sqlite3.Error (or ValueError) if it is not one."""
        con = sqlite3.connect(sqlite_uri(path, "ro"), uri=True)
        try:
            return cls(con)
        except BaseException:
            con.close()
            raise

    def close(self) -> None:
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def record_count(self) -> int:
        return self.con.execute("SELECT count(*) FROM ids").fetchone()[0]

    @property
    def file_count(self) -> int:
        return self.con.execute("SELECT count(*) FROM files").fetchone()[0]

    def get(self, path: str) -> FileState | None:
        row = self.con.execute(f"SELECT fid, size, mtime_ns, sha256, skipped, problems, {self._reason} FROM files "
                               "WHERE path = ?", (path_key(path),)).fetchone()
        return self._state(*row) if row else None

    def files(self) -> Iterator[tuple[str, FileState]]:
        """Every file and its state, by path; read a batch at a time."""
        last = b""
        while True:
            rows = self.con.execute(f"SELECT fid, size, mtime_ns, sha256, skipped, problems, {self._reason}, path "
                                    "FROM files WHERE path > ? ORDER BY path LIMIT ?", (last, BATCH)).fetchall()
            for *row, path in rows:
                yield os.fsdecode(path), self._state(*row)
            if len(rows) < BATCH:
                return
            last = rows[-1][-1]

    def records_outside(self, sources: list[str]) -> int:
        """Records of the files that are none of `sources` nor under one of them."""
        keys = [path_key(s) for s in sources] + [path_key(s.rstrip(os.sep) + os.sep) for s in sources]
        inside = " OR ".join(["path = ?"] * len(sources) + ["substr(path, 1, ?) = ?"] * len(sources)) or "0"
        params = keys[:len(sources)] + [v for k in keys[len(sources):] for v in (len(k), k)]
        return self.con.execute(f"SELECT count(*) FROM ids JOIN files USING (fid) WHERE NOT ({inside})",
                                params).fetchone()[0]

    def holder(self, record_id: str) -> str | None:
        """The path of the file holding one record, or None."""
        row = self.con.execute("SELECT path FROM ids JOIN files USING (fid) WHERE id = ?", (record_id,)).fetchone()
        return os.fsdecode(row[0]) if row else None

    def holders(self) -> Iterator[tuple[str, str]]:
        """(record id, path of the file holding it) for every record."""
        for record_id, path in self.con.execute("SELECT id, path FROM ids JOIN files USING (fid)"):
            yield record_id, os.fsdecode(path)

    def _state(self, fid, size, mtime_ns, sha256, skipped, problems, reason) -> FileState:
        ids = [i for (i,) in self.con.execute("SELECT id FROM ids WHERE fid = ? ORDER BY id", (fid,))]
        conflicts = [i for (i,) in self.con.execute("SELECT id FROM conflicts WHERE fid = ? ORDER BY seq", (fid,))]
        return FileState(size, mtime_ns, sha256, ids, conflicts, json.loads(problems or "[]"), bool(skipped), reason)
