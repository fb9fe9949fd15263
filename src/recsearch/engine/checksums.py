"""Checksums of the index files: written at each commit, verified when the index is opened or checked.

Beside every Whoosh table of contents `_MAIN_<N>.toc`, `checksums-<N>.json`
lists each file that generation reads (the table itself and every file of its
segments) with its size, CRC-32 and modification time. It is written, flushed,
before the table of contents is renamed into place, so a committed generation
always has it. Opening an index compares sizes and modification times and the
table's CRC: no segment is read, unless its time differs (a write to it, or a
copy of the index), when its CRC is compared. `recsearch check` and `recsearch
index` compare every file's CRC; damage found so is marked in the generation, and
opening it refuses from then on.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from pathlib import Path

PREFIX = "checksums-"
# In a generation whose full verification found damage: every later open refuses
# until `recsearch index` replaces or re-verifies the generation.
DAMAGE_MARK = "DAMAGED"
_TOC = re.compile(r"^_(\w+)_([0-9]+)\.toc$")
_SEGMENT = re.compile(r"^(\w+?_[0-9a-z]+)\.")  # Whoosh names segment files <index>_<id>.<ext>
_CHUNK = 1 << 20


class IndexDamage(Exception):
    """An index file that is missing, of the wrong size, or whose content changed since its commit."""


def checksums_path(folder: str | Path, generation: int) -> Path:
    return Path(folder) / f"{PREFIX}{generation}.json"


def file_crc(path: str | Path) -> int:
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def toc_generation(name: str) -> tuple[str, int] | None:
    """(index name, generation) of a Whoosh table-of-contents file name, or None."""
    m = _TOC.match(name)
    return (m.group(1), int(m.group(2))) if m else None


def load(folder: str | Path, generation: int) -> dict[str, list[int]] | None:
    """name → [size, crc, mtime_ns] of a generation, or None if its checksums are missing or unreadable."""
    try:
        data = json.loads(checksums_path(folder, generation).read_bytes())
        files = data["files"]
        if data.get("generation") != generation or not all(
                isinstance(v, list) and len(v) == 3 and all(isinstance(n, int) for n in v) for v in files.values()):
            return None
        return files
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def compute(folder: str | Path, toc_name: str, toc_file: str, segment_files: list[str]) -> dict[str, list[int]]:
    """Sizes and CRCs of a generation about to be committed: `toc_file` is the table of
    contents still under its temporary name. Segment files never change once written, so
    those of the previous commit are taken from its checksums when their size is the same."""
    folder = Path(folder)
    previous: dict[str, list[int]] = {}
    found = toc_generation(toc_name)
    if found and found[1] > 0:
        previous = load(folder, found[1] - 1) or {}
    st = os.stat(folder / toc_file)
    files = {toc_name: [st.st_size, file_crc(folder / toc_file), st.st_mtime_ns]}
    for name in segment_files:
        st = os.stat(folder / name)
        known = previous.get(name)
        same = known and known[0] == st.st_size and known[2] == st.st_mtime_ns
        files[name] = [st.st_size, known[1] if same else file_crc(folder / name), st.st_mtime_ns]
    return files


def write(folder: str | Path, generation: int, files: dict[str, list[int]]) -> None:
    from .store import write_atomically

    write_atomically(checksums_path(folder, generation),
                     json.dumps({"generation": generation, "files": files}, sort_keys=True))


def prune(folder: str | Path, generation: int) -> None:
    """Drop the checksums of generations before `generation - 1` (a search may still read that one)."""
    for path in Path(folder).glob(f"{PREFIX}*.json"):
        try:
            n = int(path.stem[len(PREFIX):])
        except ValueError:
            continue
        if n < generation - 1:
            path.unlink(missing_ok=True)


def verify(folder: str | Path, toc_name: str, segment_ids: set[str], full: bool) -> None:
    """Raise IndexDamage unless every file the generation of `toc_name` reads (the table of
    contents and the files of the segments `segment_ids`) is listed, present and of its size;
    the table's CRC is compared always, every file's CRC if `full`."""
    folder = Path(folder)
    _, generation = toc_generation(toc_name)
    files = load(folder, generation)
    if files is None:
        raise IndexDamage(f"its checksums file {checksums_path(folder, generation).name} is missing or damaged")
    if toc_name not in files:
        raise IndexDamage(f"file {toc_name} is not in its checksums")
    needed = [toc_name] + sorted(n for n in files if _segment_of(n) in segment_ids)
    missing = segment_ids - {_segment_of(n) for n in needed}
    if missing:
        raise IndexDamage(f"segment {min(missing)} is not in its checksums")
    for name in needed:
        size_written, crc_written, mtime_written = files[name]
        try:
            st = os.stat(folder / name)
        except FileNotFoundError:
            raise IndexDamage(f"file {name} is missing") from None
        if st.st_size != size_written:
            raise IndexDamage(f"file {name} has {st.st_size:,} bytes, {size_written:,} when written")
        touched = st.st_mtime_ns != mtime_written
        if (full or touched or name == toc_name) and file_crc(folder / name) != crc_written:
            raise IndexDamage(f"file {name}: its checksum differs")


def verify_index(ix, gen: Path, full: bool = False) -> None:
    """Raise IndexDamage unless the files of the Whoosh index's latest generation in folder
    `gen` are as committed: sizes and times (and the table's CRC), or every CRC with `full`."""
    from whoosh.fields import Schema
    from whoosh.index import TOC

    # Given a schema, Whoosh skips unpickling the stored one: only the segments are needed here.
    toc = TOC.read(ix.storage, ix.indexname, schema=Schema())
    name = f"_{ix.indexname}_{toc.generation}.toc"
    try:
        verify(gen, name, {seg.segment_id() for seg in toc.segments}, full)
    except IndexDamage as exc:
        if full:  # a damaged file whose size and time are as written: only a full check sees it
            _write_mark(gen, str(exc))
        raise
    if full:
        (Path(gen) / DAMAGE_MARK).unlink(missing_ok=True)


def damage_marked(gen: str | Path) -> str | None:
    """The damage an earlier full verification of this generation found, or None."""
    try:
        return (Path(gen) / DAMAGE_MARK).read_text(encoding="utf-8").strip() or "found by `recsearch check`"
    except (FileNotFoundError, PermissionError, NotADirectoryError):
        return None  # no mark; or a folder this user may not read, which opening it says
    except (OSError, UnicodeDecodeError):
        return "found by `recsearch check`"


def _write_mark(gen: str | Path, why: str) -> None:
    from .store import write_atomically

    try:
        write_atomically(Path(gen) / DAMAGE_MARK, why + "\n")
    except OSError:  # an index the checking user cannot write: the damage is still reported
        pass


def _segment_of(name: str) -> str | None:
    m = _SEGMENT.match(name)
    return m.group(1) if m else None


def segment_files(storage, segments) -> list[str]:
    """The files of Whoosh segments, by name."""
    return sorted(name for seg in segments for name in seg.list_files(storage))
