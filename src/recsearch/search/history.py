"""The numbered search history kept next to the index, and `#N` references to it.

Each search appends one line to `<index>/history.jsonl`: the query as typed,
its filters and `--any`, the hit count, the time and the index's record count.
A later query may name an earlier line as `#3`; it stands for the records
line 3 finds when run again on the index as it is now. The ids of the hits a
search last showed are kept in `<index>/last_hits.json`, so `show 3` opens hit 3.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..errors import QueryError, RecsearchError

HISTORY = "history.jsonl"
LAST_HITS = "last_hits.json"


@dataclass
class HistoryEntry:
    number: int
    query: str
    hits: int
    at: str  # ISO 8601, UTC
    records: int  # records in the index when it ran
    match_any: bool = False
    filters: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def command(self) -> str:
        """The search as a command line that runs it again."""
        import shlex

        from .facets import describe_filters

        parts = ["recsearch search", shlex.quote(self.query)]
        if self.match_any:
            parts.append("--any")
        if self.filters:
            parts.append(describe_filters(self.filters))
        return " ".join(parts)


_TYPES = {"number": int, "query": str, "hits": int, "at": str, "records": int, "match_any": bool, "filters": dict}
_REQUIRED = {"number", "query", "hits", "at", "records"}


def _entry(line: bytes) -> HistoryEntry | None:
    """One line of the history, or None if it is damaged (cut by a crash, or not ours)."""
    try:
        data = json.loads(line.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) - set(_TYPES) or not _REQUIRED <= set(data):
        return None
    for key, value in data.items():
        if not isinstance(value, _TYPES[key]) or (_TYPES[key] is int and isinstance(value, bool)):
            return None
    if not all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in data.get("filters", {}).values()):
        return None
    return HistoryEntry(**data)


class History:
    """The search history of the index at `root`."""

    def __init__(self, root: str | Path):
        self.path = Path(root) / HISTORY
        self._warned = False

    def entries(self) -> list[HistoryEntry]:
        """Every readable line; damaged lines are skipped with one warning on stderr."""
        try:
            # Never through a link (nor written through one, below).
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
            with open(fd, "rb") as fh:
                lines = fh.read().splitlines()
                read = os.fstat(fh.fileno())
        except FileNotFoundError:
            return []
        except OSError as exc:
            why = "it is a symbolic link" if exc.errno == errno.ELOOP else exc.strerror or exc
            raise QueryError(f"cannot read the search history {self.path}: {why}") from None
        found, kept, damaged = [], [], []
        for line in lines:
            entry = _entry(line)
            if entry is not None:
                found.append(entry)
                kept.append(line)
            elif line.strip():
                damaged.append(line)
        if damaged and not self._warned:
            self._warned = True
            aside = self._set_aside(kept, damaged, read)
            import shutil
            import textwrap

            message = (f"recsearch: warning: {len(damaged)} damaged line{'s' * (len(damaged) != 1)} of the search "
                       f"history {self.path} skipped" + (f"; moved to {aside}" if aside else ""))
            # Wrapped with an indent on a terminal, like the CLI's other messages (this layer has no CLI).
            width = shutil.get_terminal_size((0, 0)).columns if sys.stderr.isatty() else 0
            print(textwrap.fill(message, width, subsequent_indent="  ", break_on_hyphens=False,
                                break_long_words=False) if width > 20 else message, file=sys.stderr)
        return found

    def _set_aside(self, kept: list[bytes], damaged: list[bytes], read: os.stat_result) -> Path | None:
        """Rewrite the history without its damaged lines, which go to a file beside it (so the
        warning is given once); None if the history changed since it was read, or cannot be written."""
        aside = self.path.with_name(self.path.name + ".damaged")
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            tmp.write_bytes(b"".join(line + b"\n" for line in kept))
            now = os.stat(self.path, follow_symlinks=False)
            if (now.st_size, now.st_mtime_ns, now.st_ino) != (read.st_size, read.st_mtime_ns, read.st_ino):
                tmp.unlink()  # a search added a line meanwhile: repaired another time
                return None
            with open(aside, "ab") as fh:
                fh.write(b"".join(line + b"\n" for line in damaged))
            os.replace(tmp, self.path)
            return aside
        except OSError:
            tmp.unlink(missing_ok=True)
            return None

    def get(self, number: int) -> HistoryEntry:
        for entry in self.entries():
            if entry.number == number:
                return entry
        import shlex

        listing = f"recsearch history --index {shlex.quote(str(self.path.parent.absolute()))}"
        raise QueryError(f"#{number} is not in the search history (`{listing}` lists it)")

    def append(self, query: str, hits: int, records: int, match_any: bool = False,
               filters: dict[str, list[str]] | None = None) -> HistoryEntry:
        entries = self.entries()
        entry = HistoryEntry(
            number=max((e.number for e in entries), default=0) + 1,
            query=query, hits=hits, records=records, match_any=match_any,
            filters={k: list(v) for k, v in (filters or {}).items() if v},
            at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One write of one line in append mode: concurrent searches do not interleave.
        line = json.dumps(entry.to_dict(), ensure_ascii=False) + "\n"
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            raise QueryError(f"cannot add to the search history {self.path}: it is a symbolic link") from None
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":  # a line cut by a crash or damage
                line = "\n" + line
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
        return entry

    def clear(self) -> int:
        count = len(self.entries())
        self.path.unlink(missing_ok=True)
        return count

    def strategy(self, index_location: str, records: int) -> str:
        """The history as a search strategy to report (PRISMA-S): every line as run."""
        entries = self.entries()
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        out = [
            "Search strategy (recsearch)",
            f"Index: {index_location}",
            f"Records in the index now: {records:,}",
            f"Exported: {now}",
            "",
        ]
        width = len(str(entries[-1].number)) + 1 if entries else 2
        for entry in entries:
            extra = []
            if entry.match_any:
                extra.append("any word (--any)")
            if entry.filters:
                from .facets import describe_filters

                extra.append(f"filters: {describe_filters(entry.filters)}")
            line = f"{'#' + str(entry.number):<{width}}  {entry.query}"
            if extra:
                line += f"   [{'; '.join(extra)}]"
            out.append(line)
            hits = f"{entry.hits:,} hit{'s' * (entry.hits != 1)}"
            out.append(f"{'':<{width}}  {hits}, run {entry.at} on {entry.records:,} record{'s' * (entry.records != 1)}")
        if not entries:
            out.append("(no searches yet)")
        return "\n".join(out) + "\n"


def save_last_hits(root: str | Path, query: str, ids: list[str]) -> None:
    """Remember the hits a search showed, numbered from 1, for `show N` and `similar N`."""
    path = Path(root) / LAST_HITS
    tmp = path.with_name(f".{LAST_HITS}.{os.getpid()}")
    tmp.write_text(json.dumps({"query": query, "ids": ids}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)  # a concurrent `show N` reads the old list or the new one


def last_hit(root: str | Path, number: int) -> str:
    """The id of hit `number` of the last search shown."""
    try:
        data = json.loads((Path(root) / LAST_HITS).read_text(encoding="utf-8"))
        query, ids = data["query"], list(data["ids"])
    except (OSError, ValueError, KeyError, TypeError):
        raise RecsearchError(f"no record with id {str(number)!r}, and no search shown yet to take hit "
                             f"{number} from") from None
    if not 1 <= number <= len(ids):
        shown = f"{len(ids)} hit{'s' * (len(ids) != 1)}"
        raise RecsearchError(f"the last search ({query!r}) showed {shown}: there is no hit {number}")
    return ids[number - 1]
