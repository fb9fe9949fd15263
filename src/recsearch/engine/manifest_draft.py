"""The draft of the next manifest: a run's working copy, planned, filled, then saved into place."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from .manifest import BATCH, FORMAT_VERSION, SCHEMA, Manifest, path_key, signed_key


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
            con.executescript(SCHEMA)
        else:  # a manifest of an earlier release: the columns added since, empty
            columns = {row[1] for row in con.execute("PRAGMA table_info(files)")}
            for column in ("reason", "warnings"):
                if column not in columns:
                    con.execute(f"ALTER TABLE files ADD COLUMN {column} TEXT")
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
                             ((path_key(p), size, mtime) for p, size, mtime in found))

    def hold(self, paths: Iterable[tuple[str, bool]]) -> None:
        """Files (or folders, True) that could not be read: the files known there are kept as they are."""
        self.con.executemany("INSERT INTO held VALUES (?, ?)",
                             ((path_key(p.rstrip(os.sep) + os.sep if folder else p), folder) for p, folder in paths))

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
                (last, getattr(self, "readers_changed", False), BATCH)).fetchall()
            for path, sha in rows:
                yield os.fsdecode(path), sha
            if len(rows) < BATCH:
                return
            last = rows[-1][0]

    def known_to_read(self) -> Iterator[tuple[str, int]]:
        """(path, records held) of the known files to read again; read a batch at a time."""
        last = b""
        while True:
            rows = self.con.execute("""SELECT r.path, (SELECT count(*) FROM ids i WHERE i.fid = f.fid) FROM reread r
                                       JOIN files f USING (path) WHERE r.known AND r.path > ? ORDER BY r.path LIMIT ?""",
                                    (last, BATCH)).fetchall()
            for path, held in rows:
                yield os.fsdecode(path), held
            if len(rows) < BATCH:
                return
            last = rows[-1][0]

    def keep_unread(self, path: str) -> None:
        """A known file that cannot be read now: keep its records and state (it is tried again next run)."""
        self.con.execute("DELETE FROM reread WHERE path = ?", (path_key(path),))

    def keep(self, path: str) -> None:
        """A touched file's content is unchanged: keep its records without reading it."""
        key = path_key(path)
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
                       WHERE r.known = ? AND r.path > ? ORDER BY r.path LIMIT ?""", (known, last, BATCH)).fetchall()
                for path, size, mtime in rows:
                    yield os.fsdecode(path), size, mtime
                if len(rows) < BATCH:
                    break
                last = rows[-1][0]

    # -- the files read ------------------------------------------------------------

    def put_file(self, path: str, size: int, mtime_ns: int, sha256: str, *, skipped: bool = False,
                 problems: Iterable[tuple[int, str]] = (), reason: str | None = None) -> int:
        """Record a file read (its records come with `claim`); its file number."""
        problems = [list(p) for p in problems]
        values = (size, mtime_ns, sha256, int(skipped), json.dumps(problems, ensure_ascii=False) if problems else None,
                  reason)
        key = path_key(path)
        row = self.con.execute("SELECT fid FROM files WHERE path = ?", (key,)).fetchone()
        if row is None:
            return self.con.execute("INSERT INTO files(size, mtime_ns, sha256, skipped, problems, reason, path) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?)", (*values, key)).lastrowid
        self.con.execute("UPDATE files SET size = ?, mtime_ns = ?, sha256 = ?, skipped = ?, problems = ?, reason = ?, "
                         "warnings = NULL WHERE fid = ?", (*values, row[0]))
        return row[0]

    def put_warnings(self, fid: int, warnings: list[tuple[int, list[str]]]) -> None:
        """The reader's warnings of a file read, by record position (0: the file), kept to list
        them on later runs that do not read the file again."""
        self.con.execute("UPDATE files SET warnings = ? WHERE fid = ?",
                         (json.dumps(warnings, ensure_ascii=False) if warnings else None, fid))

    def drop_file(self, path: str) -> None:
        """A file that could not be read: the manifest forgets it (it is read again next run)."""
        row = self.con.execute("SELECT fid FROM files WHERE path = ?", (path_key(path),)).fetchone()
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
                                (signed_key(key),)).rowcount == 1

    def seen(self, key: int) -> bool:
        """Whether `first_time` has seen this key."""
        return self.con.execute("SELECT 1 FROM names WHERE key = ?",
                                (signed_key(key),)).fetchone() is not None

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

    def kept_warnings(self) -> Iterator[tuple[str, list]]:
        """(path, [(position, warnings)]) of the files not read this run that were read with warnings."""
        for path, warnings in self.con.execute("SELECT path, warnings FROM files WHERE warnings IS NOT NULL "
                                               "AND path NOT IN (SELECT path FROM reread) ORDER BY path"):
            yield os.fsdecode(path), json.loads(warnings)

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
