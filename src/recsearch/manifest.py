"""The manifest: which source files an index generation holds, and the records each gave.

One SQLite database per Whoosh generation (`manifest-<N>.sqlite`), queried and
changed on disk instead of loaded: a million files' state as Python objects
took ~800 MB of the indexing process (bench/RESULTS.md). Paths are kept as
the bytes the file system gave, so a file name that is not UTF-8 is still
recorded exactly.

A run works on a `ManifestDraft`: a copy of the live manifest in a temporary
file, with the scan of the sources beside it in temporary tables. The draft
is renamed into place, complete and flushed, before the Whoosh commit that
makes it live.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

FORMAT_VERSION = 9  # of the index: bump when the schema, the analysis or this manifest changes

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE files(fid INTEGER PRIMARY KEY, path BLOB NOT NULL UNIQUE, size INTEGER NOT NULL,
                   mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL, skipped INTEGER NOT NULL DEFAULT 0,
                   problems TEXT, reason TEXT);
CREATE TABLE ids(id TEXT PRIMARY KEY, fid INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX ids_of_file ON ids(fid);
CREATE TABLE conflicts(fid INTEGER NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY(fid, seq))
    WITHOUT ROWID;
"""
_BATCH = 1000


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


def _key(path: str) -> bytes:
    return os.fsencode(path)


def _signed(key: int) -> int:
    """A 64-bit unsigned key as SQLite's signed integer."""
    return key - (1 << 64) if key >= 1 << 63 else key


def _uri(path: Path, mode: str) -> str:
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
        con = sqlite3.connect(_uri(path, "ro"), uri=True)
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
                               "WHERE path = ?", (_key(path),)).fetchone()
        return self._state(*row) if row else None

    def files(self) -> Iterator[tuple[str, FileState]]:
        """Every file and its state, by path; read a batch at a time."""
        last = b""
        while True:
            rows = self.con.execute(f"SELECT fid, size, mtime_ns, sha256, skipped, problems, {self._reason}, path "
                                    "FROM files WHERE path > ? ORDER BY path LIMIT ?", (last, _BATCH)).fetchall()
            for *row, path in rows:
                yield os.fsdecode(path), self._state(*row)
            if len(rows) < _BATCH:
                return
            last = rows[-1][-1]

    def records_outside(self, sources: list[str]) -> int:
        """Records of the files that are none of `sources` nor under one of them."""
        keys = [_key(s) for s in sources] + [_key(s.rstrip(os.sep) + os.sep) for s in sources]
        inside = " OR ".join(["path = ?"] * len(sources) + ["substr(path, 1, ?) = ?"] * len(sources)) or "0"
        params = keys[:len(sources)] + [v for k in keys[len(sources):] for v in (len(k), k)]
        return self.con.execute(f"SELECT count(*) FROM ids JOIN files USING (fid) WHERE NOT ({inside})",
                                params).fetchone()[0]

    def holders(self) -> Iterator[tuple[str, str]]:
        """(record id, path of the file holding it) for every record."""
        for record_id, path in self.con.execute("SELECT id, path FROM ids JOIN files USING (fid)"):
            yield record_id, os.fsdecode(path)

    def _state(self, fid, size, mtime_ns, sha256, skipped, problems, reason) -> FileState:
        ids = [i for (i,) in self.con.execute("SELECT id FROM ids WHERE fid = ? ORDER BY id", (fid,))]
        conflicts = [i for (i,) in self.con.execute("SELECT id FROM conflicts WHERE fid = ? ORDER BY seq", (fid,))]
        return FileState(size, mtime_ns, sha256, ids, conflicts, json.loads(problems or "[]"), bool(skipped), reason)


class ManifestDraft(Manifest):
    """The next manifest, written in a temporary file `path` from the live one (or empty)."""

    def __init__(self, path: Path, live: Path | None = None):
        self.path = Path(path)
        self.path.unlink(missing_ok=True)
        if live is not None:
            shutil.copyfile(live, self.path)
        con = sqlite3.connect(str(self.path), isolation_level=None)
        # The draft becomes live only by a rename after `save`: a crash leaves a stray
        # temporary file, never a half-written manifest, so no journal is needed.
        con.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -32000;"
                          "PRAGMA temp_store = FILE; PRAGMA temp.cache_size = -32000;")
        if live is None:
            con.executescript(_SCHEMA)
        elif "reason" not in {row[1] for row in con.execute("PRAGMA table_info(files)")}:
            con.execute("ALTER TABLE files ADD COLUMN reason TEXT")
        con.executescript("""
            CREATE TEMP TABLE scan(path BLOB PRIMARY KEY, size INTEGER, mtime_ns INTEGER) WITHOUT ROWID;
            CREATE TEMP TABLE reread(path BLOB PRIMARY KEY, known INTEGER) WITHOUT ROWID;
            -- ids the live index holds from the files gone or read again
            CREATE TEMP TABLE released(id TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TEMP TABLE names(key INTEGER PRIMARY KEY);
            -- files and folders that could not be read: the files known there keep their records
            CREATE TEMP TABLE held(path BLOB NOT NULL, folder INTEGER NOT NULL);
            BEGIN;
        """)
        super().__init__(con)
        if live is None:
            self.version = FORMAT_VERSION

    # -- planning: what to read again ------------------------------------------------

    def add_scanned(self, found: Iterable[tuple[str, int, int]]) -> None:
        """The files found under the sources now: (path, size, mtime_ns)."""
        self.con.executemany("INSERT OR IGNORE INTO scan VALUES (?, ?, ?)",
                             ((_key(p), size, mtime) for p, size, mtime in found))

    def hold(self, paths: Iterable[tuple[str, bool]]) -> None:
        """Files (or folders, True) that could not be read: the files known there are kept as they are."""
        self.con.executemany("INSERT INTO held VALUES (?, ?)",
                             ((_key(p.rstrip(os.sep) + os.sep if folder else p), folder) for p, folder in paths))

    def plan(self, same_reader: bool, *, add_only: bool = False, readers: str = "") -> tuple[int, int, int]:
        """Mark new and changed files to be read and drop the files gone (none when `add_only`):
        (files to read, files gone, records of the files gone). Files skipped or failed under
        another set of `readers` are read again."""
        con = self.con
        self.readers_changed = readers != self.readers
        con.execute("""INSERT INTO reread SELECT s.path, f.fid IS NOT NULL FROM scan s LEFT JOIN files f USING (path)
                       WHERE f.fid IS NULL OR NOT ? OR f.size != s.size OR f.mtime_ns != s.mtime_ns
                       OR (? AND (f.skipped OR f.reason IS NOT NULL))""",
                    (same_reader, readers != self.readers))
        con.execute("""CREATE TEMP TABLE gone AS SELECT fid FROM files f WHERE NOT ? AND path NOT IN (SELECT path FROM scan)
                       AND NOT EXISTS (SELECT 1 FROM held h WHERE f.path = h.path
                                       OR (h.folder AND substr(f.path, 1, length(h.path)) = h.path))""", (add_only,))
        con.execute("INSERT INTO released SELECT id FROM ids WHERE fid IN (SELECT fid FROM gone)")
        gone_records = con.execute("SELECT count(*) FROM released").fetchone()[0]
        for table in ("ids", "conflicts", "files"):
            con.execute(f"DELETE FROM {table} WHERE fid IN (SELECT fid FROM gone)")
        gone = con.execute("SELECT count(*) FROM gone").fetchone()[0]
        con.execute("DROP TABLE gone")
        # A file that lost a conflict is read again once the winner lets go of the id.
        while con.execute("""
                INSERT INTO reread SELECT f.path, 1 FROM files f WHERE f.path NOT IN (SELECT path FROM reread)
                AND EXISTS (SELECT 1 FROM conflicts c WHERE c.fid = f.fid AND NOT EXISTS (
                    SELECT 1 FROM ids i JOIN files g ON g.fid = i.fid
                    WHERE i.id = c.id AND g.path NOT IN (SELECT path FROM reread)))""").rowcount:
            pass
        return self.reread_count, gone, gone_records

    @property
    def reread_count(self) -> int:
        return self.con.execute("SELECT count(*) FROM reread").fetchone()[0]

    def touched(self) -> Iterator[tuple[str, str]]:
        """(path, sha256 indexed) of known files to read again that may only have been touched."""
        last = b""
        while True:
            rows = self.con.execute(
                """SELECT r.path, f.sha256 FROM reread r JOIN files f USING (path) WHERE r.known AND r.path > ?
                   AND NOT EXISTS (SELECT 1 FROM conflicts c WHERE c.fid = f.fid)
                   AND NOT (? AND (f.skipped OR f.reason IS NOT NULL)) ORDER BY r.path LIMIT ?""",
                (last, getattr(self, "readers_changed", False), _BATCH)).fetchall()
            for path, sha in rows:
                yield os.fsdecode(path), sha
            if len(rows) < _BATCH:
                return
            last = rows[-1][0]

    def known_to_read(self) -> Iterator[tuple[str, int]]:
        """(path, records held) of the known files to read again; read a batch at a time."""
        last = b""
        while True:
            rows = self.con.execute("""SELECT r.path, (SELECT count(*) FROM ids i WHERE i.fid = f.fid) FROM reread r
                                       JOIN files f USING (path) WHERE r.known AND r.path > ? ORDER BY r.path LIMIT ?""",
                                    (last, _BATCH)).fetchall()
            for path, held in rows:
                yield os.fsdecode(path), held
            if len(rows) < _BATCH:
                return
            last = rows[-1][0]

    def keep_unread(self, path: str) -> None:
        """A known file that cannot be read now: keep its records and state (it is tried again next run)."""
        self.con.execute("DELETE FROM reread WHERE path = ?", (_key(path),))

    def keep(self, path: str) -> None:
        """A touched file's content is unchanged: keep its records without reading it."""
        key = _key(path)
        self.con.execute("DELETE FROM reread WHERE path = ?", (key,))
        self.con.execute("""UPDATE files SET (size, mtime_ns) = (SELECT size, mtime_ns FROM scan s WHERE s.path = ?)
                            WHERE path = ?""", (key, key))

    def release(self) -> None:
        """Let go of the ids of the files to be read again: they are up for grabs."""
        self.con.execute("INSERT INTO released SELECT id FROM ids WHERE fid IN "
                         "(SELECT fid FROM files JOIN reread USING (path))")
        self.con.execute("DELETE FROM ids WHERE fid IN (SELECT fid FROM files JOIN reread USING (path))")
        self.con.execute("DELETE FROM conflicts WHERE fid IN (SELECT fid FROM files JOIN reread USING (path))")

    def to_read(self) -> Iterator[tuple[str, int, int]]:
        """(path, size, mtime_ns) of the files to read: known files first (so that they
        keep their ids against new ones), each part by path."""
        for known in (1, 0):
            last = b""
            while True:
                rows = self.con.execute(
                    """SELECT r.path, s.size, s.mtime_ns FROM reread r JOIN scan s USING (path)
                       WHERE r.known = ? AND r.path > ? ORDER BY r.path LIMIT ?""", (known, last, _BATCH)).fetchall()
                for path, size, mtime in rows:
                    yield os.fsdecode(path), size, mtime
                if len(rows) < _BATCH:
                    break
                last = rows[-1][0]

    # -- the files read ------------------------------------------------------------

    def put_file(self, path: str, size: int, mtime_ns: int, sha256: str, *, skipped: bool = False,
                 problems: Iterable[tuple[int, str]] = (), reason: str | None = None) -> int:
        """Record a file read (its records come with `claim`); its file number."""
        problems = [list(p) for p in problems]
        values = (size, mtime_ns, sha256, int(skipped), json.dumps(problems, ensure_ascii=False) if problems else None,
                  reason)
        key = _key(path)
        row = self.con.execute("SELECT fid FROM files WHERE path = ?", (key,)).fetchone()
        if row is None:
            return self.con.execute("INSERT INTO files(size, mtime_ns, sha256, skipped, problems, reason, path) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?)", (*values, key)).lastrowid
        self.con.execute("UPDATE files SET size = ?, mtime_ns = ?, sha256 = ?, skipped = ?, problems = ?, reason = ? "
                         "WHERE fid = ?", (*values, row[0]))
        return row[0]

    def drop_file(self, path: str) -> None:
        """A file that could not be read: the manifest forgets it (it is read again next run)."""
        row = self.con.execute("SELECT fid FROM files WHERE path = ?", (_key(path),)).fetchone()
        if row is not None:
            for table in ("ids", "conflicts", "files"):
                self.con.execute(f"DELETE FROM {table} WHERE fid = ?", row)

    def claim(self, fid: int, record_id: str) -> str | None:
        """Give the id to the file; if another file (or an earlier record of it) holds it,
        record the conflict and return that file's path."""
        held = self.con.execute("SELECT path FROM ids JOIN files USING (fid) WHERE id = ?", (record_id,)).fetchone()
        if held is None:
            self.con.execute("INSERT INTO ids VALUES (?, ?)", (record_id, fid))
            return None
        self.con.execute("INSERT INTO conflicts VALUES (?, (SELECT count(*) FROM conflicts WHERE fid = ?), ?)",
                         (fid, fid, record_id))
        return os.fsdecode(held[0])

    def was_indexed(self, record_id: str) -> bool:
        """Whether the live index holds a record with this id (only ids released can be claimed)."""
        return self.con.execute("SELECT 1 FROM released WHERE id = ?", (record_id,)).fetchone() is not None

    def first_time(self, key: int) -> bool:
        """Whether a 64-bit key is seen for the first time this run (remembered on disk)."""
        return self.con.execute("INSERT OR IGNORE INTO names VALUES (?)",
                                (_signed(key),)).rowcount == 1

    def seen(self, key: int) -> bool:
        """Whether `first_time` has seen this key."""
        return self.con.execute("SELECT 1 FROM names WHERE key = ?",
                                (_signed(key),)).fetchone() is not None

    # -- after reading ---------------------------------------------------------------

    def removed(self) -> Iterator[str]:
        """Ids the live index holds that no file holds now."""
        for (record_id,) in self.con.execute("SELECT id FROM released WHERE id NOT IN (SELECT id FROM main.ids)"):
            yield record_id

    def kept_problems(self) -> Iterator[tuple[str, list]]:
        """(path, problems) of the files not read this run whose records partly failed."""
        for path, problems in self.con.execute("SELECT path, problems FROM files WHERE problems IS NOT NULL "
                                               "AND path NOT IN (SELECT path FROM reread) ORDER BY path"):
            yield os.fsdecode(path), json.loads(problems)

    def kept_reasons(self) -> Iterator[tuple[str, bool, str]]:
        """(path, skipped, reason) of the files not read this run that were skipped or failed whole."""
        for path, skipped, reason in self.con.execute(
                "SELECT path, skipped, reason FROM files WHERE reason IS NOT NULL "
                "AND path NOT IN (SELECT path FROM reread) ORDER BY path"):
            yield os.fsdecode(path), bool(skipped), reason

    def kept_count(self) -> int:
        """Records of the files not read this run."""
        return self.con.execute("SELECT count(*) FROM ids JOIN files USING (fid) "
                                "WHERE path NOT IN (SELECT path FROM reread)").fetchone()[0]

    def kept_conflicts(self) -> Iterator[tuple[str, str, str]]:
        """(id, holder's path, path) of the conflicts of the files not read this run."""
        for record_id, holder, path in self.con.execute(
                """SELECT c.id, g.path, f.path FROM conflicts c JOIN files f USING (fid)
                   JOIN ids i ON i.id = c.id JOIN files g ON g.fid = i.fid
                   WHERE f.path NOT IN (SELECT path FROM reread) ORDER BY f.path, c.seq"""):
            yield record_id, os.fsdecode(holder), os.fsdecode(path)

    def save(self, target: Path, *, sources: list[str], format: str, built_at: str | None,
             exclude: list[str] = (), readers: str = "") -> None:
        """Write the metadata, flush the draft to disk and rename it to `target`."""
        meta = {"version": str(FORMAT_VERSION), "built_at": json.dumps(built_at), "format": json.dumps(format),
                "sources": json.dumps(sources, ensure_ascii=False),
                "exclude": json.dumps(list(exclude), ensure_ascii=False), "readers": readers}
        self.con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        self.con.execute("COMMIT")
        self.con.close()
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(self.path, target)

    def discard(self) -> None:
        try:
            self.con.close()
        finally:
            self.path.unlink(missing_ok=True)
