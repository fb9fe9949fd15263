"""The numbered search history kept next to the index, and `#N` references to it.

Each search appends one line to `<index>/history.jsonl`: the query as typed,
its filters and `--any`, the hit count, the time and the index's record count.
A later query may name an earlier line as `#3`; it stands for the records
line 3 finds when run again on the index as it is now.
"""

from __future__ import annotations

import errno
import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .errors import QueryError

HISTORY = "history.jsonl"
REFERENCE = re.compile(r"(?<![\w#])#(\d+)\b")
_QUOTED = re.compile(r'"[^"]*"?')


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


def references(text: str) -> list[int]:
    """The `#N` history lines a query names (outside quoted phrases)."""
    return [int(n) for n in REFERENCE.findall(_QUOTED.sub(" ", text))]


class History:
    """The search history of the index at `root`."""

    def __init__(self, root: str | Path):
        self.path = Path(root) / HISTORY

    def entries(self) -> list[HistoryEntry]:
        try:
            # Never through a link (nor written through one, below).
            with open(os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW), encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except FileNotFoundError:
            return []
        except OSError as exc:
            why = "it is a symbolic link" if exc.errno == errno.ELOOP else exc.strerror or exc
            raise QueryError(f"cannot read the search history {self.path}: {why}") from None
        found = []
        for line in lines:
            try:
                data = json.loads(line)
                found.append(HistoryEntry(**data))
            except (ValueError, TypeError):
                continue  # a line cut by a crash: the others still count
        return found

    def get(self, number: int) -> HistoryEntry:
        for entry in self.entries():
            if entry.number == number:
                return entry
        raise QueryError(f"#{number} is not in the search history (`recsearch history` lists it)")

    def append(self, query: str, hits: int, records: int, match_any: bool = False,
               filters: dict[str, list[str]] | None = None) -> HistoryEntry:
        entries = self.entries()
        entry = HistoryEntry(
            number=(entries[-1].number + 1) if entries else 1,
            query=query, hits=hits, records=records, match_any=match_any,
            filters={k: list(v) for k, v in (filters or {}).items() if v},
            at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One write of one line in append mode: concurrent searches do not interleave.
        line = json.dumps(entry.to_dict(), ensure_ascii=False) + "\n"
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            raise QueryError(f"cannot add to the search history {self.path}: it is a symbolic link") from None
        try:
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
            out.append(f"{'':<{width}}  {entry.hits:,} hits, run {entry.at} on {entry.records:,} records")
        if not entries:
            out.append("(no searches yet)")
        return "\n".join(out) + "\n"
