"""Bring the index in line with the source files: incremental by default.

Each run compares the files under the sources with the manifest of the live
index: new files are read and added, changed files (size or mtime differ,
then the content hash) re-read, files gone have their records removed, and
unchanged files are not read at all. Records are keyed by id; an id already
held by another file is a conflict, reported with both file names.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..engine import store, writers
from ..engine.lock import IndexLock
from ..errors import RecsearchError
from ..engine.documents import record_document
from ..engine.manifest import Manifest
from ..engine.manifest_draft import ManifestDraft
from ..engine.schema import build_schema
from ..readers import FORMATS
from .author_names import AuthorNames
from .live import open_live, remembered_sources
from .sources import (DEFAULT_SOURCE, SourceError, SourceWalk, display_path, file_sha256, named_source_problems,
                      read_source, sources_in_index)

Progress = Callable[[int, int], None]  # files read so far, files to read
Stage = Callable[[str], None]  # "scanning", "reading", "writing": what the run does now
# (records to remove, records in the index) -> go ahead?
Confirm = Callable[[int, int], bool]
# Files skipped or failed are read again when recsearch (and so its readers) changes.
READERS_ID = f"{__version__} {' '.join(FORMATS)}"
REMOVAL_SHARE = 0.1  # a change of the named sources removing more than this share of the records asks first


class RemovalRefused(RecsearchError):
    """A change of the named sources would remove many records and was not confirmed: nothing changed."""


@dataclass
class BuildReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: list[dict] = field(default_factory=list)  # {"file", "error"} (+ "position" for one record)
    skipped: list[dict] = field(default_factory=list)  # files in no format we read: {"file", "reason"}
    conflicts: list[dict] = field(default_factory=list)
    records: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    reason: str | None = None  # why a full rebuild happened, if not asked for
    sources: list[str] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)  # damage repaired without a rebuild
    format: str = "auto"  # the reader used: "auto" (told by content) or a forced one
    exclude: list[str] = field(default_factory=list)
    excluded: int = 0  # files and folders left out by `exclude`
    first_build: bool = False  # there was no index before

    @property
    def indexed(self) -> int:
        return self.added + self.updated

    def to_dict(self) -> dict:
        return {
            "indexed": self.indexed, "failed": self.failed, "records": self.records,
            "seconds": round(self.seconds, 3), "added": self.added, "updated": self.updated,
            "removed": self.removed, "unchanged": self.unchanged, "conflicts": self.conflicts,
            "rebuilt": self.rebuilt, "skipped": self.skipped, "format": self.format, "excluded": self.excluded,
            "sources": self.sources,
        }


def _faults_said_clearly(update):
    """A full disk or a denied write as one line saying the previous index is intact; what the
    failed run wrote is removed."""
    import errno
    import functools

    from ..errors import IndexAccessError

    @functools.wraps(update)
    def run(sources, root, **kwargs):
        try:
            return update(sources, root, **kwargs)
        except (OSError, sqlite3.OperationalError) as exc:
            full = getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in str(exc)
            denied = isinstance(exc, PermissionError)
            if not (full or denied):
                raise
            _clean_after_failure(Path(root), kwargs.get("lock_timeout", 5.0))
            what = "no space left on device" if full else "permission denied"
            where = getattr(exc, "filename", None) or root
            raise IndexAccessError(f"{what} at {where}: the previous index is intact; "
                                   f"{'free space' if full else 'fix the permissions'} and run again") from None

    return run


def _clean_after_failure(root: Path, lock_timeout: float) -> None:
    try:
        with IndexLock(root, lock_timeout):
            store.drop_abandoned_generations(root)
            store.remove_partial_files(root)
    except Exception:  # cleaning is best effort: the next run cleans again
        pass


@_faults_said_clearly
def update_index(
    sources: Iterable[str | Path] | None,
    root: str | Path,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    lock_timeout: float = 5.0,
    format: str | None = None,
    stage: Stage | None = None,
    exclude: Iterable[str] | None = None,
    add: bool = False,
    confirm: Confirm | None = None,
) -> BuildReport:
    """Update (or with `rebuild`, rebuild) the index at `root` from `sources`.

    `sources` None means the sources the index remembers (or `seeds/`); with `add`,
    the named sources join the remembered ones and nothing is removed. `format`
    and `exclude` None mean the remembered ones (or auto-detection and none); another
    format than last time re-reads every file. A named source that does not exist or
    cannot be read raises SourceError before anything changes; a change of the named
    sources that would remove more than a tenth of the records asks `confirm` first
    (None: go ahead). Files that cannot be read are reported in the result, never raised.
    """
    started = time.monotonic()
    root = Path(root)
    if sources is not None:
        sources = list(sources)
        problems = named_source_problems(sources) or sources_in_index(sources, root)
        if problems:
            raise SourceError(f"{'; '.join(problems)}: nothing was changed")
    report = BuildReport(rebuilt=rebuild)
    with IndexLock(root, lock_timeout):
        repaired = store.recover_current(root)
        if repaired:
            report.repairs.append(repaired)
        store.drop_abandoned_generations(root)
        store.remove_partial_files(root)
        ix, old = None, None
        gen = store.current_generation(root)
        report.first_build = gen is None
        if gen is not None and not rebuild:
            ix, old, report.reason = open_live(gen)
        try:
            remembered = remembered_sources(root, gen, old)
            named = [os.path.abspath(s) for s in sources] if sources is not None else None
            if named is None:
                report.sources = remembered["sources"] if remembered else [os.path.abspath(DEFAULT_SOURCE)]
            elif add and remembered:
                report.sources = _joined(remembered["sources"], named)
            else:
                report.sources = named
            inside = sources_in_index(report.sources, root) if named is None else []
            if inside:  # remembered by a release that allowed it
                raise SourceError(f"{'; '.join(inside)}: nothing was changed")
            report.exclude = list(exclude) if exclude is not None else (remembered["exclude"] if remembered else [])
            report.format = format or (remembered["format"] if remembered else "auto")
            changed = (old is not None and named is not None and not add
                       and (set(report.sources) != set(old.sources) or report.exclude != old.exclude))
            guard = confirm if changed else None
            if rebuild and confirm is not None and named is not None and gen is not None and remembered and (
                    set(report.sources) != set(remembered["sources"]) or report.exclude != remembered["exclude"]):
                _confirm_rebuild(gen, report.sources, confirm)
            if old is not None:
                try:
                    _sync(ix, gen, old, report, progress, add, guard, stage)
                except sqlite3.DatabaseError as exc:
                    if isinstance(exc, sqlite3.OperationalError):  # e.g. the disk is full: not the manifest's fault
                        raise
                    old.close()
                    old = None
                    report = BuildReport(reason=f"the index's record of its source files is damaged ({exc})",
                                         sources=report.sources, format=report.format, exclude=report.exclude)
            if old is None:
                report.rebuilt = True
                gen = store.create_generation(root)
                try:
                    ix = store.DurableFileStorage(str(gen), supports_mmap=False).create_index(build_schema())
                    _sync(ix, gen, None, report, progress, add, None, stage)
                    store.make_current(root, gen)
                except BaseException:
                    shutil.rmtree(gen, ignore_errors=True)
                    raise
        except RemovalRefused as exc:
            raise RemovalRefused(f"{exc}; run again with --yes to go ahead, or add files without removing any "
                                 f"with `recsearch add PATH... --index {root.absolute()}`") from None
        finally:
            if old is not None:
                old.close()
        store.write_remembered(root, report.sources, report.exclude, report.format)
        report.seconds = time.monotonic() - started
        last_run = {"finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **report.to_dict()}
        try:  # what `stats` shows: the run itself is committed already
            store.write_atomically(root / store.LAST_RUN, json.dumps(last_run, ensure_ascii=False, indent=1))
        except OSError:
            pass
    return report


def _confirm_rebuild(gen: Path, sources: list[str], confirm: Confirm) -> None:
    """A rebuild from other sources than the index's: ask before it drops many records."""
    try:
        ix = store.open_whoosh(gen)
        manifest = store.load_manifest(gen, ix.latest_generation())
    except Exception:  # a damaged index has nothing to lose
        return
    if manifest is None:
        return
    with manifest:
        total, gone = manifest.record_count, manifest.records_outside(sources)
    if gone > total * REMOVAL_SHARE and not confirm(gone, total):
        raise RemovalRefused(f"the sources named would remove {gone:,} of the {total:,} records (the files no "
                             "longer under them): nothing was changed")


def _joined(sources: list[str], added: list[str]) -> list[str]:
    """The remembered sources plus the added ones not already inside one of them."""
    joined = list(sources)
    for path in added:
        if not any(path == s or path.startswith(s.rstrip(os.sep) + os.sep) for s in joined if os.path.isdir(s)):
            joined.append(path)
    return joined


def _plan(draft: ManifestDraft, report: BuildReport, same_reader: bool, add: bool, confirm: Confirm | None) -> bool:
    """Scan the sources into the draft and mark what to read; report the files kept as
    they are. Whether anything changed."""
    # The draft lives in the generation, inside the index folder: never walked as a source.
    walk = SourceWalk(report.sources, report.exclude, index=draft.path.parent.parent)
    draft.add_scanned(walk)
    draft.hold(walk.held)
    report.failed += [{"file": display_path(path), "error": why} for path, why in walk.failed]
    report.skipped += [{"file": display_path(path), "reason": why} for path, why in walk.skipped]
    report.excluded = walk.excluded
    before = draft.record_count
    to_read, gone, gone_records = draft.plan(same_reader, add_only=add, readers=READERS_ID)
    if confirm is not None and gone_records > before * REMOVAL_SHARE and not confirm(gone_records, before):
        raise RemovalRefused(f"the sources named would remove {gone_records:,} of the {before:,} records "
                             "(the files no longer under them): nothing was changed")
    # A known file that cannot be read now keeps its records until it can be.
    for path, held in draft.known_to_read():
        try:
            os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        except OSError as exc:
            draft.keep_unread(path)
            why = (exc.strerror or str(exc)).lower()
            report.failed.append({"file": display_path(path),
                                  "error": f"cannot be read ({why}); its {_records(held)} kept"})
    # Files touched but not changed keep their ids without being parsed.
    if same_reader:
        for path, sha256 in draft.touched():
            if file_sha256(path) == sha256:
                draft.keep(path)
    draft.release()
    for path, skipped, reason in draft.kept_reasons():
        if skipped:
            report.skipped.append({"file": display_path(path), "reason": reason})
        else:
            report.failed.append({"file": display_path(path), "error": reason})
    for path, warned in draft.kept_warnings():
        report.warnings += _warnings_of(display_path(path), warned)
    for path, problems_kept in draft.kept_problems():
        # Position 0: the whole file was refused.
        report.failed += [{"file": display_path(path), **({"position": n} if n else {}), "error": why}
                          for n, why in problems_kept]
    report.conflicts += [{"id": i, "files": [display_path(holder), display_path(path)]}
                         for i, holder, path in draft.kept_conflicts()]
    report.unchanged = draft.kept_count()
    return bool(to_read or gone)


def _warnings_of(shown: str, warned) -> list[dict]:
    return [{"file": f"{shown} #{n}" if n else shown, "warnings": list(warnings)} for n, warnings in warned]


def _records(n: int) -> str:
    return f"{n:,} record{'s' * (n != 1)} {'is' if n == 1 else 'are'}"


def _sync(ix, gen: Path, old: Manifest | None, report: BuildReport, progress: Progress | None, add: bool,
          confirm: Confirm | None, stage: Stage | None = None) -> None:
    format = report.format
    stage = stage or (lambda name: None)
    same_reader = old is not None and format == old.format
    draft = ManifestDraft(gen / store.MANIFEST_DRAFT, old and store.manifest_path(gen, ix.latest_generation()))
    before = None
    writer = None
    try:
        stage("scanning")
        dirty = _plan(draft, report, same_reader, add, confirm)
        total = draft.reread_count
        stage("reading")
        before = ix.searcher() if old is not None and old.file_count else None
        names = AuthorNames(before, draft)
        for done, (path, size, mtime_ns) in enumerate(draft.to_read(), 1):
            shown = display_path(path)
            source = read_source(path, shown, format)
            if source.skipped:
                report.skipped.append({"file": shown, "reason": source.error})
                draft.put_file(path, size, mtime_ns, source.sha256, skipped=True, reason=source.error)
            elif source.error:
                report.failed.append({"file": shown, "error": source.error})
                if source.sha256:  # read but not readable as records: reported until it changes
                    draft.put_file(path, size, mtime_ns, source.sha256, reason=source.error)
                else:  # could not be read at all: tried again next run
                    draft.drop_file(path)
            else:
                fid = draft.put_file(path, size, mtime_ns, source.sha256, problems=source.problems)
                warned = []  # (record position or 0 for the file, warnings): remembered for --verbose
                for record in source.records:
                    holder = draft.claim(fid, record.id)
                    if holder is not None:
                        report.conflicts.append({"id": record.id, "files": [display_path(holder), shown]})
                        continue
                    if writer is None:
                        writer = writers.open_writer(ix, total)
                    names.record_written(record, writer)
                    if draft.was_indexed(record.id):
                        names.record_replaced(record.id)
                        writer.update_document(**record_document(record))
                        report.updated += 1
                    else:
                        writer.add_document(**record_document(record))
                        report.added += 1
                    if record.warnings:
                        warned.append((record.position or 0, record.warnings))
                if source.warnings:
                    warned.append((0, source.warnings))
                draft.put_warnings(fid, warned)
                report.warnings += _warnings_of(shown, warned)
                report.failed += [{"file": shown, "position": n, "error": why} for n, why in source.problems]
            if progress:
                progress(done, total)

        # Removing, then the writers' sorting, segment writing and merging at the commit.
        stage("writing")
        for record_id in draft.removed():
            if writer is None:
                writer = writers.open_writer(ix, 0)
            names.record_replaced(record_id)
            writer.delete_by_term("id", record_id)
            report.removed += 1
        if writer is not None:
            names.remove_unheld(writer)

        report.records = draft.record_count
        built_at = old.built_at if old is not None else None
        if writer is not None or old is None or not old.file_count:
            built_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        keep = {"sources": report.sources, "format": format, "built_at": built_at, "exclude": report.exclude,
                "readers": READERS_ID}
        if writer is not None:
            # The manifest of the coming Whoosh generation goes first; the commit
            # (Whoosh renaming its table of contents) makes both live at once.
            draft.save(store.manifest_path(gen, writer.generation), **keep)
            writer.commit()
            writer = None
            store.prune_manifests(gen, ix.latest_generation())
        elif (dirty or old is None or not old.file_count or not same_reader or old.sources != report.sources
              or old.exclude != report.exclude or old.readers != READERS_ID):
            draft.save(store.manifest_path(gen, ix.latest_generation()), **keep)
        else:
            draft.discard()
    except BaseException:
        if writer is not None:
            writer.cancel()
        draft.discard()
        if old is not None:  # the segment files the writers had begun (a rebuild's folder goes whole)
            store.remove_partial_files(gen.parent)
        raise
    finally:
        if before is not None:
            before.close()
