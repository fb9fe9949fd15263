"""Bring the index in line with the source files: incremental by default.

Each run compares the files under the sources with the manifest of the live
index: new files are read and added, changed files (size or mtime differ,
then the content hash) re-read, files gone have their records removed, and
unchanged files are not read at all. Records are keyed by id; an id already
held by another file is a conflict, reported with both file names.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import store, writers
from .authors import name_id
from .index import build_schema, name_document, record_document
from .sources import DEFAULT_SOURCE, display_path, file_sha256, read_source, scan_sources
from .store import FileState, Manifest

Progress = Callable[[int, int], None]


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

    @property
    def indexed(self) -> int:
        return self.added + self.updated

    def to_dict(self) -> dict:
        return {
            "indexed": self.indexed, "failed": self.failed, "records": self.records,
            "seconds": round(self.seconds, 3), "added": self.added, "updated": self.updated,
            "removed": self.removed, "unchanged": self.unchanged, "conflicts": self.conflicts,
            "rebuilt": self.rebuilt, "skipped": self.skipped,
        }


def update_index(
    sources: Iterable[str | Path] | None,
    root: str | Path,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    lock_timeout: float = 5.0,
    format: str | None = None,
) -> BuildReport:
    """Update (or with `rebuild`, rebuild) the index at `root` from `sources`.

    `sources` None means the sources of the last run (or `seeds/`); `format`
    None the reader of the last run (or auto-detection), and another format
    than last time re-reads every file. Files that cannot be read are
    reported in the result, never raised.
    """
    started = time.monotonic()
    root = Path(root)
    report = BuildReport(rebuilt=rebuild)
    with store.IndexLock(root, lock_timeout):
        store.drop_abandoned_generations(root)
        ix, old = None, None
        gen = store.current_generation(root)
        if gen is not None and not rebuild:
            ix, old, report.reason = _open_live(gen)
        if sources is None:
            sources = old.sources if old and old.sources else [DEFAULT_SOURCE]
        report.sources = [str(Path(s).absolute()) for s in sources]
        format = format or (old.format if old else "auto")
        if old is not None:
            _sync(ix, gen, old, report, progress, format)
        else:
            report.rebuilt = True
            gen = store.create_generation(root)
            try:
                ix = store.DurableFileStorage(str(gen), supports_mmap=False).create_index(build_schema())
                _sync(ix, gen, Manifest(), report, progress, format)
                store.make_current(root, gen)
            except BaseException:
                shutil.rmtree(gen, ignore_errors=True)
                raise
        report.seconds = time.monotonic() - started
        last_run = {"finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **report.to_dict()}
        store.write_atomically(root / store.LAST_RUN, json.dumps(last_run, ensure_ascii=False, indent=1))
    return report


def _open_live(gen: Path):
    """The live index and its manifest, or (None, None, why it must be rebuilt)."""
    try:
        ix = store.open_whoosh(gen, writable=True)
        manifest = store.load_manifest(gen, ix.latest_generation())
    except Exception as exc:  # a damaged index is rebuilt, not fatal
        return None, None, f"the index could not be opened ({exc})"
    if manifest is None:
        return None, None, "the index has no record of its source files"
    if manifest.version != store.FORMAT_VERSION:
        return None, None, "the index was built by another version of recsearch"
    return ix, manifest, None


class _AuthorNames:
    """Keeps one `kind:name` document per distinct author name in the index.

    A name's document is written when the name is first met, and the names
    are remembered by their 64-bit keys: a million records hold over a
    million distinct names.
    """

    def __init__(self, searcher):
        self.before = searcher  # the index as it was before this run (None: empty)
        self.written: set[int] = set()  # keys of the names of the records written this run
        self.dropped: set[str] = set()  # names of the records replaced or removed
        self.gone_ids: set[str] = set()

    def record_written(self, record, writer) -> None:
        for name in record.author_names:
            key = name_id(name)
            number = int(key, 16)
            if number in self.written:
                continue
            self.written.add(number)
            if self.before is None or self.before.document_number(name_id=key) is None:
                writer.add_document(**name_document(name))

    def record_replaced(self, record_id: str) -> None:
        """The record with this id, as the index held it, goes away."""
        self.gone_ids.add(record_id)
        stored = self.before.document(id=record_id) if self.before else None
        if stored:
            self.dropped.update(a["name"] for a in json.loads(stored["record"])["authors"])

    def remove_unheld(self, writer) -> None:
        """Delete the documents of names no record holds any more."""
        from whoosh import query as wq

        for name in self.dropped:
            key = name_id(name)
            if int(key, 16) in self.written:
                continue
            holders = self.before.search(wq.Term("author_id", key), limit=None)
            if not {hit["id"] for hit in holders} - self.gone_ids:
                writer.delete_by_term("name_id", key)


def _sync(ix, gen: Path, old: Manifest, report: BuildReport, progress: Progress | None, format: str) -> None:
    scan = scan_sources(report.sources)
    report.failed += [{"file": given, "error": problem} for given, problem in scan.problems]
    current = scan.files
    same_reader = format == old.format

    def changed(path: str) -> bool:
        state = old.files.get(path)
        return state is None or not same_reader or (state.size, state.mtime_ns) != current[path]

    reread = {p for p in current if changed(p)}
    gone = {p for p in old.files if p not in current}
    # Ids held by files that stay as they are; the rest are up for grabs.
    owner = {i: p for p, s in old.files.items() if p not in reread | gone for i in s.ids}
    # A file that lost a conflict is read again once the winner lets go of the id.
    while True:
        retry = {p for p, s in old.files.items()
                 if p in current and p not in reread and any(i not in owner for i in s.conflicts)}
        if not retry:
            break
        reread |= retry
        owner = {i: p for i, p in owner.items() if p not in retry}
    in_index = {i for s in old.files.values() for i in s.ids}

    files = dict(old.files)
    for path in gone:
        del files[path]
    dirty = bool(reread or gone)
    # Files touched but not changed keep their ids without being parsed.
    for path in sorted(p for p in reread if p in old.files and not old.files[p].conflicts and same_reader):
        state = old.files[path]
        if file_sha256(path) == state.sha256:
            reread.discard(path)
            files[path] = FileState(*current[path], state.sha256, state.ids, [], state.problems, state.skipped)
            owner.update({i: path for i in state.ids})
            report.unchanged += len(state.ids)
    # Then files the index knows, so that they keep their ids against new ones.
    order = sorted(reread, key=lambda p: (p not in old.files, p))
    writer = None
    before = ix.searcher() if old.files else None
    names = _AuthorNames(before)
    try:
        for done, path in enumerate(order, 1):
            shown = display_path(path)
            source = read_source(path, shown, format)
            if source.skipped:
                report.skipped.append({"file": shown, "reason": source.error})
                files[path] = FileState(*current[path], source.sha256, [], skipped=True)
            elif source.error:
                report.failed.append({"file": shown, "error": source.error})
                files.pop(path, None)
            else:
                ids, conflicts = [], []
                for record in source.records:
                    if record.id in owner:
                        conflicts.append(record.id)
                        report.conflicts.append({"id": record.id, "files": [display_path(owner[record.id]), shown]})
                        continue
                    owner[record.id] = path
                    ids.append(record.id)
                    if writer is None:
                        writer = writers.open_writer(ix, len(order))
                    names.record_written(record, writer)
                    if record.id in in_index:
                        names.record_replaced(record.id)
                        writer.update_document(**record_document(record))
                        report.updated += 1
                    else:
                        writer.add_document(**record_document(record))
                        report.added += 1
                    if record.warnings:
                        where = f"{shown} #{record.position}" if record.position else shown
                        report.warnings.append({"file": where, "warnings": record.warnings})
                if source.warnings:
                    report.warnings.append({"file": shown, "warnings": source.warnings})
                problems = [list(p) for p in source.problems]
                report.failed += [{"file": shown, "position": n, "error": why} for n, why in problems]
                files[path] = FileState(*current[path], source.sha256, ids, conflicts, problems)
            if progress:
                progress(done, len(order))

        for path, state in old.files.items():
            if path not in reread and path not in gone and path in files and files[path].sha256 == state.sha256:
                report.failed += [{"file": display_path(path), "position": n, "error": why} for n, why in state.problems]
            if path not in reread and path not in gone and files[path] is state:
                report.unchanged += len(state.ids)
                report.conflicts += [{"id": i, "files": [display_path(owner[i]), display_path(path)]}
                                     for i in state.conflicts if i in owner]
        removed = in_index - set(owner)
        if removed and writer is None:
            writer = writers.open_writer(ix, 0)
        for record_id in removed:
            names.record_replaced(record_id)
            writer.delete_by_term("id", record_id)
        report.removed = len(removed)
        if writer is not None:
            names.remove_unheld(writer)

        manifest = Manifest(sources=report.sources, files=files, built_at=old.built_at,
                            format=format)
        report.records = manifest.record_count
        if writer is not None or not old.files:
            manifest.built_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        if writer is not None:
            # The manifest of the coming Whoosh generation goes first; the commit
            # (Whoosh renaming its table of contents) makes both live at once.
            store.write_atomically(store.manifest_path(gen, writer.generation), manifest.json_chunks())
            writer.commit()
            writer = None
            store.prune_manifests(gen, ix.latest_generation())
        elif dirty or not old.files or not same_reader:
            store.write_atomically(store.manifest_path(gen, ix.latest_generation()), manifest.json_chunks())
    except BaseException:
        if writer is not None:
            writer.cancel()
        raise
    finally:
        if before is not None:
            before.close()
