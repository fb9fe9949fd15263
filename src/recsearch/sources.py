"""Source files: finding them under the paths a user names, and reading them."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .readers import NotARecordFile, RecordError, read_file_records

DEFAULT_SOURCE = "seeds"


@dataclass
class Scan:
    """The record files under some paths: absolute path → (size, mtime_ns)."""

    files: dict[str, tuple[int, int]]
    problems: list[tuple[str, str]]  # (path as given, why it cannot be read)


def _walk(folder: str) -> Iterator[tuple[str, int, int]]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir():
                yield from _walk(entry.path)
            elif entry.is_file():
                st = entry.stat()
                yield entry.path, st.st_size, st.st_mtime_ns
        except OSError:
            continue


def walk_sources(paths: Iterable[str | Path], problems: list[tuple[str, str]]) -> Iterator[tuple[str, int, int]]:
    """(absolute path, size, mtime_ns) of every candidate record file under `paths`, hidden
    files and folders skipped; a path that cannot be walked goes to `problems` as
    (path as given, why)."""
    for given in paths:
        path = os.path.abspath(given)
        if os.path.isdir(path):
            yield from _walk(path)
        elif os.path.isfile(path):
            st = os.stat(path)
            yield path, st.st_size, st.st_mtime_ns
        elif os.path.exists(path):
            problems.append((str(given), "not a regular file or folder"))
        else:
            problems.append((str(given), "no such file or folder"))


def scan_sources(paths: Iterable[str | Path]) -> Scan:
    """Every candidate record file under `paths`, in memory (see `walk_sources`)."""
    problems: list[tuple[str, str]] = []
    found = {path: (size, mtime) for path, size, mtime in walk_sources(paths, problems)}
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
    from .readers import MAX_FILE_BYTES, MAX_RECORD_BYTES, sniff_format

    shown = display or path
    try:
        size = os.stat(path).st_size
        too_big = None
        if size > MAX_FILE_BYTES:
            too_big = f"a file of {size / (1 << 20):,.0f} MiB: larger than the {MAX_FILE_BYTES >> 20} MiB " \
                      "recsearch reads; split it"
        elif size > MAX_RECORD_BYTES and format in ("auto", "seed"):
            with open(path, "rb") as fh:
                head = fh.read(65536)
            if head[:2] != b"\x1f\x8b" and (format == "seed" or sniff_format(head) == "seed"):
                too_big = f"a record page of {size / (1 << 20):,.0f} MiB: larger than the " \
                          f"{MAX_RECORD_BYTES >> 20} MiB a record may have; not read"
        if too_big:  # refused before it is read into memory
            digest = file_sha256(path)
            if digest is None:
                raise OSError(f"cannot read {shown}")
            return SourceFile(path, digest, error=too_big)
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
    """A path as the user would write it: relative to the working folder when inside it, and
    printable (bytes of a file name that are not UTF-8 shown as U+FFFD)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = path
    shown = path if rel.startswith("..") else rel
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
