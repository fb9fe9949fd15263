"""Source files: finding them under the paths a user names, and reading them."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RecsearchError
from ..readers import NotARecordFile, RecordError, read_file_records

DEFAULT_SOURCE = "seeds"
# Links are never followed into these: their files are the system's, not records
# (and /proc, /sys, /dev hold files without end or that block when read).
SYSTEM_FOLDERS = ("/proc", "/sys", "/dev", "/run", "/etc", "/boot")


class SourceError(RecsearchError):
    """A source named on the command line that cannot be indexed: nothing is changed."""


def _why(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def named_source_problems(paths: Iterable[str | Path]) -> list[str]:
    """What is wrong with each named source that does not exist or cannot be read."""
    problems = []
    for given in paths:
        shown = display_path(os.path.abspath(given))
        try:
            st = os.stat(given)
            if stat.S_ISDIR(st.st_mode):
                with os.scandir(given):
                    pass
            elif stat.S_ISREG(st.st_mode):
                os.close(os.open(given, os.O_RDONLY | os.O_NONBLOCK))
            else:
                problems.append(f"{shown}: not a regular file or folder")
        except FileNotFoundError:
            problems.append(f"{shown}: no such file or folder")
        except OSError as exc:
            problems.append(f"{shown}: cannot be read ({_why(exc)})")
    return problems


def sources_in_index(paths: Iterable[str | Path], index: str | Path) -> list[str]:
    """Why each named source that is the index folder itself, or inside it, cannot be one."""
    index = os.path.realpath(index)
    problems = []
    for given in paths:
        real = os.path.realpath(given)
        if real == index:
            problems.append(f"{display_path(given)} is the index folder itself: put the index elsewhere "
                            "(--index) or name the folder of the record files")
        elif _inside(real, [index]):
            problems.append(f"{display_path(given)} is inside the index folder {display_path(index)}: "
                            "its files are the index's, not records")
    return problems


def _inside(path: str, folders: Iterable[str]) -> str | None:
    for folder in folders:
        if path == folder or path.startswith(folder.rstrip(os.sep) + os.sep):
            return folder
    return None


class SourceWalk:
    """One walk over the sources: the candidate record files, and every entry left out, with why.

    Hidden files and folders (`.name`) are left out; links are followed once per real
    path, never into the sources again (a cycle), nor into system folders.
    """

    def __init__(self, paths: Iterable[str | Path], exclude: Iterable[str] = (), index: str | Path | None = None):
        self.roots = [os.path.abspath(p) for p in paths]
        self.index = os.path.realpath(index) if index is not None else None  # never walked: not records
        self.exclude = [e.rstrip("/") for e in exclude if e.strip("/")]
        self.failed: list[tuple[str, str]] = []  # cannot be read: (path, why)
        self.skipped: list[tuple[str, str]] = []  # left out on purpose: (path, why)
        self.held: list[tuple[str, bool]] = []  # (path, is a folder): known files there keep their records
        self.excluded = 0
        self._reals = []
        self._linked: dict[str, str] = {}  # real path reached through a link → the path it was reached by

    def __iter__(self) -> Iterator[tuple[str, int, int]]:
        """(absolute path, size, mtime_ns) of every candidate record file."""
        reals = [os.path.realpath(r) for r in self.roots]
        self._reals = reals
        for n, (root, real) in enumerate(zip(self.roots, reals)):
            if _inside(real, [r for r in reals[:n] if os.path.isdir(r)]):
                continue  # inside a source walked already
            try:
                st = os.stat(root)
            except FileNotFoundError:
                self.failed.append((root, "no such file or folder; its records are kept"))
                self.held += [(root, False), (root, True)]  # a file or a folder: both kept
                continue
            except OSError as exc:
                self.failed.append((root, f"cannot be read ({_why(exc)}); its records are kept"))
                self.held += [(root, False), (root, True)]
                continue
            if stat.S_ISDIR(st.st_mode):
                self._linked[real] = root
                yield from self._walk(root, real, root)
            elif stat.S_ISREG(st.st_mode):
                yield root, st.st_size, st.st_mtime_ns
            else:
                self.skipped.append((root, "not a regular file or folder"))

    def _excluded(self, path: str, name: str, root: str) -> bool:
        rel = os.path.relpath(path, root)
        return any(fnmatch.fnmatchcase(name, pat) or fnmatch.fnmatchcase(rel, pat) or fnmatch.fnmatchcase(path, pat)
                   for pat in self.exclude)

    def _link_refused(self, path: str, target: str) -> bool:
        """Whether the link at `path` is refused (and listed as skipped); if not, it is remembered as met."""
        refusal = self._link_refusal(target)
        if refusal:
            self.skipped.append((path, refusal))
            return True
        self._linked[target] = path
        return False

    def _link_refusal(self, target: str) -> str | None:
        """Why a link to `target` is not followed, or None to follow it."""
        system = _inside(target, SYSTEM_FOLDERS)
        if system:
            return f"link into the system folder {system}: not followed"
        if _inside(target, self._reals):
            return f"link to {display_path(target)}, inside the sources: indexed under its own name"
        if target in self._linked:
            return f"link to {display_path(target)}, already indexed as {display_path(self._linked[target])}"
        return None

    def _walk(self, folder: str, real: str, root: str) -> Iterator[tuple[str, int, int]]:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            self.failed.append((folder, f"cannot read folder ({_why(exc)}); its records are kept"))
            self.held.append((folder, True))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = entry.path
            if self.exclude and self._excluded(path, entry.name, root):
                self.excluded += 1
                continue
            try:
                target = os.path.realpath(path) if entry.is_symlink() else None
                if entry.is_dir():
                    if target is not None and self._link_refused(path, target):
                        continue
                    sub_real = target or os.path.join(real, entry.name)
                    if sub_real == self.index:
                        self.skipped.append((path, "the index itself"))
                        continue
                    yield from self._walk(path, sub_real, root)
                elif entry.is_file():
                    if target is not None and self._link_refused(path, target):
                        continue
                    st = entry.stat()
                    yield path, st.st_size, st.st_mtime_ns
                elif target is not None and not os.path.exists(path):
                    self.skipped.append((path, "broken link"))
                else:
                    self.skipped.append((path, f"not a regular file ({_kind(entry.stat().st_mode)})"))
            except OSError as exc:
                self.failed.append((path, f"cannot be read ({_why(exc)}); its records are kept"))
                self.held.append((path, False))


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "special file"


@dataclass
class Scan:
    """The record files under some paths: absolute path → (size, mtime_ns)."""

    files: dict[str, tuple[int, int]]
    problems: list[tuple[str, str]]  # (path, why it cannot be read)
    walk: SourceWalk | None = None


def scan_sources(paths: Iterable[str | Path], exclude: Iterable[str] = (), index: str | Path | None = None) -> Scan:
    """Every candidate record file under `paths`, in memory (see `SourceWalk`)."""
    walk = SourceWalk(paths, exclude, index)
    found = {path: (size, mtime) for path, size, mtime in walk}
    return Scan(dict(sorted(found.items())), walk.failed, walk)


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
    from ..readers import MAX_FILE_BYTES, MAX_RECORD_BYTES, sniff_format

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
        return SourceFile(path, error=f"cannot be read ({_why(exc)})")
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
    """A path as stored and shown: absolute, so it works from any folder whatever the folder
    of the run, and printable (bytes of a file name that are not UTF-8 shown as U+FFFD)."""
    shown = os.path.abspath(path)
    return escape_name(shown.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))


def escape_name(text: str) -> str:
    """`text` with control and format characters written as escapes (`\\n`, `\\x1b`,
    `\\u202e`): a file name cannot split a message line or drive the terminal."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if ch in "\n\t\r":
        return repr(ch)[1:-1]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
