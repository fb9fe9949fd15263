"""The decisions people make about pairs (`dedup --mark SAME|DIFFERENT ID ID`), kept beside the index.

The log lives in the index folder, outside every generation, so that it
survives `index --rebuild`; one JSON line per decision, the last about a pair wins.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..errors import RecsearchError

LOG = "dedup-decisions.jsonl"
SAME, DIFFERENT = "same", "different"


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def log_path(root: Path) -> Path:
    return Path(root) / LOG


def read_decisions(root: Path) -> dict[tuple[str, str], str]:
    """(id, id) → SAME or DIFFERENT; lines that cannot be read are passed over (a torn last line)."""
    found: dict[tuple[str, str], str] = {}
    try:
        lines = log_path(root).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return found
    except OSError as exc:
        raise RecsearchError(f"cannot read the decision log {log_path(root)}: {exc.strerror or exc}") from None
    for line in lines:
        try:
            entry = json.loads(line)
            a, b = entry["records"]
            verdict = entry["decision"]
        except (ValueError, KeyError, TypeError):
            continue
        if verdict in (SAME, DIFFERENT) and isinstance(a, str) and isinstance(b, str) and a != b:
            found[pair(a, b)] = verdict
    return found


def record_decision(root: Path, verdict: str, a: str, b: str) -> None:
    """Append one decision to the log (flushed to disk before returning)."""
    import os

    verdict = verdict.lower()
    if verdict not in (SAME, DIFFERENT):
        raise RecsearchError(f"--mark takes SAME or DIFFERENT, not {verdict.upper()!r}")
    if a == b:
        raise RecsearchError(f"--mark needs two different records, not {a!r} twice")
    line = json.dumps({"decision": verdict, "records": list(pair(a, b)),
                       "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, ensure_ascii=False) + "\n"
    try:
        with open(log_path(root), "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise RecsearchError(f"cannot write the decision log {log_path(root)}: {exc.strerror or exc}") from None


def decisions_digest(decisions: dict[tuple[str, str], str]) -> str:
    """A short fingerprint of the decisions: groups are recomputed when it changes."""
    import hashlib

    text = "\n".join(f"{a}\t{b}\t{v}" for (a, b), v in sorted(decisions.items()))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()
