"""The index directory on disk: generations, the manifest, the writer's lock.

    index/
      CURRENT            names the live generation folder (replaced atomically)
      LOCK               held (flock) by the one `recsearch index` run writing
      last-run.json      what the last run did, for `recsearch stats`
      sources.json       what the index must never forget: its sources, excludes
                         and forced format (also in the manifest; this copy
                         survives damage to the generation)
      gen-…/             a Whoosh index, plus manifest-<N>.sqlite: the source
                         files behind Whoosh generation N (see manifest.py), and
                         checksums-<N>.json: its files' sizes and CRCs (checksums.py),
                         READERS, share-locked by every process reading it

A rebuild writes a new generation and switches CURRENT to it when complete.
An incremental run commits into the live generation: the manifest for the
next Whoosh generation is written first, and Whoosh's own commit (its table
of contents renamed into place) makes both current at once. Interrupted at
any point, the previous generation and its manifest are what readers see.
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh.filedb.filestore import FileStorage

from . import checksums
from .mapped import keep_first_reader
from ..errors import IndexAccessError

if TYPE_CHECKING:  # the manifest (and sqlite3) only for building and checking, not searching
    from .manifest import Manifest

CURRENT = "CURRENT"
LAST_RUN = "last-run.json"
MANIFEST_PREFIX = "manifest-"
MANIFEST_DRAFT = ".manifest-draft.sqlite"
SOURCES = "sources.json"
READERS = "READERS"


class DurableFileStorage(FileStorage):
    """Whoosh file storage that writes the checksums of a generation and flushes every
    file to disk before Whoosh renames its table of contents into place, so that a
    power loss cannot leave a committed index pointing at unwritten segment data, and
    damage found later is told from a good index."""

    def rename_file(self, oldname, newname, safe=False):
        found = checksums.toc_generation(newname)
        if found is not None:
            from whoosh.index import TOC

            toc = TOC.read(_Renamed(self, oldname), found[0], found[1])
            files = checksums.compute(self.folder, newname, oldname, checksums.segment_files(self, toc.segments))
            checksums.write(self.folder, found[1], files)
            for name in os.listdir(self.folder):
                fsync_path(os.path.join(self.folder, name))
        super().rename_file(oldname, newname, safe)
        fsync_path(self.folder)
        if found is not None:
            checksums.prune(self.folder, found[1])


class _Renamed:
    """A storage showing one file under the name it is about to be renamed to (for TOC.read)."""

    def __init__(self, storage, name: str):
        self.storage, self.name = storage, name

    def open_file(self, _name, *args, **kwargs):
        return self.storage.open_file(self.name, *args, **kwargs)


def fsync_path(path: str | Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, text) -> None:
    """Write a file so that readers see the old or the new content, never a part.

    `text` is a string or an iterable of strings written one after another."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # mkstemp makes the file private; the index's files get the modes the umask gives.
        os.fchmod(fd, 0o666 & ~umask())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if isinstance(text, str):
                fh.write(text)
            else:
                fh.writelines(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_path(path.parent)


def current_generation(root: Path) -> Path | None:
    """The live generation folder, or None if there is no index or CURRENT names none
    (see `current_is_damaged`); IndexAccessError if the index may not be read."""
    try:
        raw = (Path(root) / CURRENT).read_bytes()
    except PermissionError:
        raise IndexAccessError(f"permission denied: cannot read the index at {root}") from None
    except NotADirectoryError:
        raise not_a_folder(root) from None
    except OSError:
        return None
    name = raw.decode("utf-8", "replace").strip()
    gen = Path(root) / name
    return gen if name.startswith("gen-") and "/" not in name and gen.is_dir() else None


def not_a_folder(root: Path) -> IndexAccessError:
    return IndexAccessError(f"{Path(root).absolute()} is a file, not an index folder: name a folder with --index "
                            "(or RECSEARCH_INDEX)")


def current_is_damaged(root: Path) -> bool:
    """Whether the index has generations but CURRENT names none of them."""
    return current_generation(root) is None and any(p.is_dir() for p in Path(root).glob("gen-*"))


def recover_current(root: Path) -> str | None:
    """Point a damaged CURRENT at the newest generation whose files all verify and that
    has its manifest, else at the newest with a manifest (the run then rebuilds it from
    the sources that manifest remembers); what was repaired, or None. Call with the
    index lock held: generations newer than CURRENT are deleted as abandoned."""
    if not current_is_damaged(root):
        return None
    gens = sorted((p for p in root.glob("gen-*") if p.is_dir()), reverse=True)
    for need_whole in (True, False):
        for gen in gens:
            try:
                ix = open_whoosh(gen)
                if need_whole:
                    checksums.verify_index(ix, gen, full=True)
                manifest = load_manifest(gen, ix.latest_generation())
            except Exception:  # a damaged or incomplete generation: try the one before
                continue
            if manifest is not None:
                manifest.close()
                write_atomically(root / CURRENT, gen.name)
                return f"its CURRENT file was damaged; it names {gen.name} again"
    return None


def create_generation(root: Path) -> Path:
    try:
        root.mkdir(parents=True, exist_ok=True)
        # Names sort by creation time: see drop_abandoned_generations.
        gen = Path(tempfile.mkdtemp(prefix=f"gen-{time.time_ns()}-", dir=root))
        gen.chmod(0o777 & ~umask())  # mkdtemp makes it private: see write_atomically
        os.close(os.open(gen / READERS, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o666))
        return gen
    except OSError as exc:
        raise IndexAccessError(f"cannot write the index at {root}: {exc.strerror or exc}") from None


def make_current(root: Path, gen: Path) -> None:
    """Point CURRENT at `gen` atomically; drop the older generations no reader holds."""
    write_atomically(root / CURRENT, gen.name)
    drop_abandoned_generations(root)


def drop_abandoned_generations(root: Path) -> None:
    """Delete the generations newer than the live one (rebuilds that were killed) and the
    older ones that no process reading them holds.

    Call with the index lock held, so that no rebuild is writing them.
    """
    live = current_generation(root)
    for gen in root.glob("gen-*"):
        if not gen.is_dir() or (live is not None and gen.name == live.name):
            continue
        if live is None or gen.name > live.name:
            shutil.rmtree(gen, ignore_errors=True)
            continue
        try:
            fd = os.open(gen / READERS, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:  # a generation of a recsearch before READERS
            shutil.rmtree(gen, ignore_errors=True)
            continue
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a reader holds it: removed by a later run
        else:
            shutil.rmtree(gen, ignore_errors=True)
        finally:
            os.close(fd)


def hold_generation(gen: Path):
    """Share-lock a generation's READERS file so no writer removes the generation while it is
    read: the open file (close it to let go), or None for a generation without one."""
    try:
        fh = open(os.open(gen / READERS, os.O_RDONLY | os.O_NOFOLLOW), "rb")
    except OSError:
        return None
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        if os.fstat(fh.fileno()).st_nlink == 0:  # removed while we waited: the caller retries
            raise FileNotFoundError(gen / READERS)
    except BaseException:
        fh.close()
        raise
    return fh


def read_remembered(root: Path) -> dict | None:
    """What sources.json says the index was built from: {"sources", "exclude", "format"}, or None."""
    try:
        data = json.loads((root / SOURCES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list) or not data["sources"]:
        return None
    return {"sources": [str(s) for s in data["sources"]], "exclude": [str(e) for e in data.get("exclude") or []],
            "format": str(data.get("format") or "auto")}


def write_remembered(root: Path, sources: list[str], exclude: list[str], format: str) -> None:
    """Write sources.json, if it does not already say this."""
    want = {"sources": list(sources), "exclude": list(exclude), "format": format}
    if read_remembered(root) != want:
        write_atomically(root / SOURCES, json.dumps(want, ensure_ascii=False, indent=1) + "\n")


def remove_partial_files(root: Path) -> None:
    """Delete what an interrupted or failed run left in the live generation and beside it:
    segment files no table of contents names, temporary tables and files. Call with the
    index lock held (only the lock holder writes such files)."""
    from whoosh.index import TOC, clean_files

    for tmp in root.glob(f".{CURRENT}.*"):
        tmp.unlink(missing_ok=True)
    gen = current_generation(root)
    if gen is None:
        return
    for tmp in [*gen.glob("*.tmp"), *gen.glob("_*.toc.*"), *gen.glob(".*")]:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
    try:
        storage = FileStorage(str(gen), supports_mmap=False)
        toc = TOC.read(storage, "MAIN")
    except Exception:  # a damaged table of contents: the run rebuilds this generation
        return
    clean_files(storage, "MAIN", toc.generation, toc.segments)
    # The manifest and checksums of a commit that did not happen are written before it.
    for prefix in (MANIFEST_PREFIX, checksums.PREFIX):
        for path in gen.glob(f"{prefix}*"):
            number = path.name[len(prefix):].split(".")[0]
            if number.isdigit() and int(number) > toc.generation:
                path.unlink(missing_ok=True)


def open_whoosh(gen: Path, writable: bool = False):
    """Open the Whoosh index in a generation folder (durable storage for writers).

    Without mmap: Whoosh copies each memory-mapped part of a segment into a
    BytesIO when it opens it, which costs ~100 ms per large segment on every
    open; plain file reads seek only to what a query needs.
    """
    try:
        os.listdir(gen)  # Whoosh takes a folder it may not list for an empty index
    except PermissionError:
        raise IndexAccessError(f"permission denied: cannot read the index at {gen.parent} ({gen.name})") from None
    if writable:
        storage = DurableFileStorage(str(gen), supports_mmap=False)
    else:
        storage = FileStorage(str(gen), supports_mmap=False, readonly=True)
    return storage.open_index()


def damage_of(root: str | Path) -> str | None:
    """What is damaged in the live index at `root` (every file's checksum read), or None."""
    try:
        gen = current_generation(Path(root))
        if gen is None:
            return "its CURRENT file names no generation" if current_is_damaged(Path(root)) else None
        checksums.verify_index(open_whoosh(gen), gen, full=True)
    except checksums.IndexDamage as exc:
        return str(exc)
    except IndexAccessError:
        return None
    except Exception as exc:  # the table of contents itself cannot be read
        return f"it cannot be opened ({type(exc).__name__}: {exc})"
    return None


def needs_update(root: Path, why: str) -> IndexAccessError:
    return IndexAccessError(f"the index at {root} is damaged ({why}): the index needs `recsearch index`")


def open_index(root: str | Path, attempts: int = 3):
    """Open the live index for reading, or raise IndexAccessError saying what to do."""
    root = Path(root)
    for attempt in range(attempts):
        gen = current_generation(root)
        if gen is None:
            if current_is_damaged(root):
                raise needs_update(root, "its CURRENT file names no generation")
            where = shlex.quote(str(root.absolute()))  # a hint that works from any folder
            raise IndexAccessError(f"no index at {where}: build one with `recsearch index FOLDER --index {where}`")
        marked = checksums.damage_marked(gen)  # found by a full check: sizes and times cannot show it
        if marked:
            raise needs_update(root, marked)
        hold = None
        try:
            hold = hold_generation(gen)
            ix = open_whoosh(gen)
            checksums.verify_index(ix, gen)
            keep_first_reader(ix, ix.reader())  # opens every segment now, not mid-search
            if hold is not None:
                ix.generation_hold = hold  # let go when the index is closed or collected
                close = ix.close
                ix.close = lambda: (hold.close(), close())
            return ix
        except IndexAccessError:
            raise
        except ModuleNotFoundError:  # the schema names analyzers where another version kept them
            if hold is not None:
                hold.close()
            raise IndexAccessError(f"the index at {root} was built by another version of recsearch: "
                                   "rebuild it with `recsearch index --rebuild`") from None
        except PermissionError as exc:
            where = f" ({Path(exc.filename).name})" if exc.filename else ""
            raise IndexAccessError(f"permission denied: cannot read the index at {root}{where}") from None
        except Exception as exc:  # Whoosh raises many kinds on damaged or vanishing files
            if hold is not None:
                hold.close()
            # A writer may have just replaced the files we were opening: retry.
            if attempt + 1 == attempts:
                why = str(exc) if isinstance(exc, checksums.IndexDamage) else f"it cannot be opened: {exc}"
                raise needs_update(root, why) from None
            time.sleep(0.05)


def manifest_path(gen: Path, whoosh_generation: int) -> Path:
    return gen / f"{MANIFEST_PREFIX}{whoosh_generation}.sqlite"


def load_manifest(gen: Path, whoosh_generation: int) -> Manifest | None:
    """The manifest of a Whoosh generation, open (close it), or None if missing or unreadable."""
    import sqlite3

    from .manifest import Manifest

    try:
        return Manifest.open(manifest_path(gen, whoosh_generation))
    except (sqlite3.Error, ValueError):
        return None


def has_old_manifest(gen: Path) -> bool:
    """Whether the generation has a manifest of recsearch before index format 6 (JSON)."""
    return any(gen.glob(f"{MANIFEST_PREFIX}*.json"))


def prune_manifests(gen: Path, keep: int) -> None:
    for path in (p for p in gen.glob(f"{MANIFEST_PREFIX}*") if p.name != manifest_path(gen, keep).name):
        path.unlink(missing_ok=True)


def read_last_run(root: Path) -> dict:
    try:
        return json.loads((root / LAST_RUN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
