"""Groups of records that are one work: pair decisions joined by union-find, kept with the index generation.

`dedup.sqlite` in the live generation folder holds each record's keys and
digest, the pairs decided (merged or for review) and the groups; an
incremental `index` run keeps the folder, so the next `dedup` compares only
the records that are new or changed. A rebuild makes a new folder: the next
`dedup` starts afresh, and the people's decisions (decisions.py) still apply.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from .keys import WorkKeys

STORE = "dedup.sqlite"
VERSION = "2"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS works(id TEXT PRIMARY KEY, digest BLOB NOT NULL, keys TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idkeys(key TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY(key, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idkeys_of ON idkeys(id);
CREATE TABLE IF NOT EXISTS pairs(a TEXT NOT NULL, b TEXT NOT NULL, verdict TEXT NOT NULL, reason TEXT NOT NULL,
                                 score REAL NOT NULL, PRIMARY KEY(a, b)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pairs_of_b ON pairs(b);
CREATE TABLE IF NOT EXISTS groups(id TEXT PRIMARY KEY, grp INTEGER NOT NULL, lead TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS groups_by_grp ON groups(grp);
"""


def place_key(keys: WorkKeys) -> str:
    """`at:sf|54|1`: journal initials, volume, first page; where a record is printed. A candidate key
    only (generic titles meet through it), never evidence of one work by itself."""
    if not (keys.journal and keys.volume and keys.first_page):
        return ""
    return f"at:{''.join(w[0] for w in keys.journal)}|{keys.volume}|{keys.first_page}"


class GroupStore:
    """The deduplication state of one index generation (an open SQLite database; close it)."""

    def __init__(self, path: Path, readonly: bool = False):
        self.path = path
        if readonly:
            self.con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        else:
            self.con = sqlite3.connect(path)
            self.con.executescript(_SCHEMA)
            if self.meta("version") not in (None, VERSION):
                self.con.executescript("DROP TABLE works; DROP TABLE idkeys; DROP TABLE pairs; DROP TABLE groups;"
                                       "DELETE FROM meta;")
                self.con.executescript(_SCHEMA)
            self.set_meta("version", VERSION)

    @classmethod
    def of_generation(cls, gen: Path, readonly: bool = False) -> GroupStore | None:
        if readonly and not (gen / STORE).exists():
            return None
        try:
            return cls(gen / STORE, readonly)
        except sqlite3.DatabaseError:
            if readonly:
                return None
            (gen / STORE).unlink(missing_ok=True)  # damaged: derived data, made again
            return cls(gen / STORE)

    def close(self) -> None:
        self.con.close()

    def meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def digests(self) -> dict[str, bytes]:
        return dict(self.con.execute("SELECT id, digest FROM works"))

    def forget(self, ids: Iterable[str]) -> None:
        """Drop records gone or changed, with their pairs."""
        rows = [(rid,) for rid in ids]
        self.con.executemany("DELETE FROM works WHERE id = ?", rows)
        self.con.executemany("DELETE FROM idkeys WHERE id = ?", rows)
        self.con.executemany("DELETE FROM pairs WHERE a = ?1 OR b = ?1", rows)

    def put(self, keys: WorkKeys, digest: bytes) -> None:
        self.put_all([(keys, digest)])

    def put_all(self, rows: Iterable[tuple[WorkKeys, bytes]]) -> None:
        """`put` for many records at once (one statement each for the keys and the identifier keys)."""
        rows = list(rows)
        self.con.executemany("INSERT OR REPLACE INTO works VALUES (?, ?, ?)",
                             [(keys.id, digest, json.dumps(keys.to_row(), separators=(",", ":")))
                              for keys, digest in rows])
        self.con.executemany("INSERT OR IGNORE INTO idkeys VALUES (?, ?)",
                             [(k, keys.id) for keys, _ in rows
                              for k in [*keys.ids, *([place_key(keys)] if place_key(keys) else [])]])

    def keys_of(self, rid: str) -> WorkKeys | None:
        row = self.con.execute("SELECT keys FROM works WHERE id = ?", (rid,)).fetchone()
        return WorkKeys.from_row(json.loads(row[0])) if row else None

    def all_keys(self) -> Iterator[WorkKeys]:
        for (text,) in self.con.execute("SELECT keys FROM works"):
            yield WorkKeys.from_row(json.loads(text))

    def holders(self, key: str) -> list[str]:
        return [r for (r,) in self.con.execute("SELECT id FROM idkeys WHERE key = ?", (key,))]

    def all_holders(self) -> dict[str, list[str]]:
        """Every identifier key with the records holding it (what `holders` gives, for all keys at once)."""
        found: dict[str, list[str]] = {}
        for key, rid in self.con.execute("SELECT key, id FROM idkeys"):
            found.setdefault(key, []).append(rid)
        return found

    def put_pair(self, a: str, b: str, verdict: str, reason: str, score: float) -> None:
        a, b = (a, b) if a <= b else (b, a)
        self.con.execute("INSERT OR REPLACE INTO pairs VALUES (?, ?, ?, ?, ?)", (a, b, verdict, reason, score))

    def pairs(self) -> list[tuple[str, str, str, str, float]]:
        return list(self.con.execute("SELECT a, b, verdict, reason, score FROM pairs"))

    def save_groups(self, groups: list[list[str]], leads: list[str]) -> None:
        self.con.execute("DELETE FROM groups")
        self.con.executemany("INSERT INTO groups VALUES (?, ?, ?)",
                             ((rid, n, lead) for n, (members, lead) in enumerate(zip(groups, leads)) for rid in members))

    def group_of(self, rid: str) -> tuple[str, list[str]] | None:
        """(the record standing for the work, every record of it) for a record in a group, else None."""
        row = self.con.execute("SELECT grp, lead FROM groups WHERE id = ?", (rid,)).fetchone()
        if row is None:
            return None
        members = [m for (m,) in self.con.execute("SELECT id FROM groups WHERE grp = ? ORDER BY id", (row[0],))]
        return row[1], members

    def works_among(self, ids: list[str]) -> int:
        """How many works `ids` are: the records of one group count once."""
        grouped, groups = 0, set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = self.con.execute(f"SELECT grp FROM groups WHERE id IN ({','.join('?' * len(chunk))})",
                                    chunk).fetchall()
            grouped += len(rows)
            groups.update(g for (g,) in rows)
        return len(ids) - grouped + len(groups)

    def commit(self) -> None:
        self.con.commit()


class Groups:
    """Union-find with cannot-link pairs: a join that would put two records kept apart in one group is refused."""

    def __init__(self, apart: Iterable[tuple[str, str]] = ()):
        self.parent: dict[str, str] = {}
        self.members: dict[str, set[str]] = {}
        self.dois: dict[str, set[str]] = {}
        self.apart: dict[str, set[str]] = {}
        for a, b in apart:
            self.apart.setdefault(a, set()).add(b)
            self.apart.setdefault(b, set()).add(a)

    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def _add(self, x: str, ids: Iterable[str]) -> None:
        if x not in self.parent:
            self.parent[x] = x
            self.members[x] = {x}
            self.dois[x] = set(ids)

    def join(self, a: str, b: str, ids_a: Iterable[str] = (), ids_b: Iterable[str] = (),
             clash_ok: bool = False) -> str | None:
        """Join the groups of `a` and `b` (with their `doi:…`, `pmid:…` keys); why not, if refused."""
        self._add(a, ids_a)
        self._add(b, ids_b)
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        small, large = sorted((ra, rb), key=lambda r: len(self.members[r]))
        if any(self.apart.get(m, set()) & self.members[large] for m in self.members[small]):
            return "a decision keeps records of the two groups apart"
        clash = _clashing_kinds(self.dois[ra], self.dois[rb])
        if clash and not clash_ok:
            # Through records without ids, two records with different ones would end up together.
            return f"it would join records with different {'/'.join(clash).upper()}s"
        self.parent[small] = large
        self.members[large] |= self.members.pop(small)
        self.dois[large] |= self.dois.pop(small)
        return None

    def groups(self) -> list[list[str]]:
        """Every group of two or more records, each sorted, in order of their first record."""
        return sorted((sorted(m) for m in self.members.values() if len(m) > 1), key=lambda g: g[0])


def _clashing_kinds(a: set[str], b: set[str]) -> list[str]:
    """The id kinds both sets hold without a value in common (`doi`, `pmid`)."""
    kinds = {k.split(":", 1)[0] for k in a} & {k.split(":", 1)[0] for k in b}
    return sorted(k for k in kinds if not {x for x in a if x.startswith(k + ":")} & b)
