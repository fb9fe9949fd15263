"""Source files: finding them under the paths a user names, and reading them."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .readers import NotARecordFile, RecordError, read_file_records

DEFAULT_SOURCE = "seeds"


@dataclass
class Scan:
    """The record files under some paths: absolute path → (size, mtime_ns)."""

    files: dict[str, tuple[int, int]]
    problems: list[tuple[str, str]]  # (path as given, why it cannot be read)


def _walk(folder: str, found: dict[str, tuple[int, int]]) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir():
                _walk(entry.path, found)
            elif entry.is_file():
                st = entry.stat()
                found[entry.path] = (st.st_size, st.st_mtime_ns)
        except OSError:
            continue


def scan_sources(paths: Iterable[str | Path]) -> Scan:
    """Every candidate record file under `paths`, hidden files and folders skipped."""
    found: dict[str, tuple[int, int]] = {}
    problems = []
    for given in paths:
        path = os.path.abspath(given)
        if os.path.isdir(path):
            _walk(path, found)
        elif os.path.isfile(path):
            st = os.stat(path)
            found[path] = (st.st_size, st.st_mtime_ns)
        elif os.path.exists(path):
            problems.append((str(given), "not a regular file or folder"))
        else:
            problems.append((str(given), "no such file or folder"))
    return Scan(dict(sorted(found.items())), problems)


@dataclass
class SourceFile:
    """One file read: its digest and records, or the reason it failed."""

    path: str
    sha256: str = ""
    records: list = field(default_factory=list)
    error: str | None = None
    skipped: bool = False  # in no format recsearch reads (error says so)
    problems: list[tuple[int, str]] = field(default_factory=list)  # records of the file that failed
    warnings: list[str] = field(default_factory=list)


def read_source(path: str, display: str | None = None, format: str = "auto") -> SourceFile:
    """Read a record file once: digest it and parse its records."""
    shown = display or path
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return SourceFile(path, error=f"cannot read file: {exc.strerror or exc}")
    digest = hashlib.sha256(data).hexdigest()
    try:
        found = read_file_records(data, shown, format)
    except NotARecordFile as exc:
        return SourceFile(path, digest, error=exc.problem, skipped=True)
    except RecordError as exc:
        return SourceFile(path, digest, error=exc.problem)
    except Exception as exc:  # a reader bug must not stop the build or lose the file
        return SourceFile(path, digest, error=f"unexpected reader error: {exc!r}")
    return SourceFile(path, digest, found.records, problems=found.problems, warnings=found.warnings)


def file_sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def display_path(path: str) -> str:
    """A path as the user would write it: relative to the working folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel
