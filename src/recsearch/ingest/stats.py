"""What `recsearch status` tells of an index: its records, authors, years, sources and size."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import store
from ..engine.searching import live_record_count


@dataclass
class IndexStats:
    location: str
    records: int
    distinct_authors: int
    years: tuple[int, int] | None
    size_bytes: int
    built_at: str | None
    sources: list[str]
    last_run: dict = field(default_factory=dict)
    format: str = "auto"  # the reader the index is kept with: auto-detection or a forced one
    exclude: list[str] = field(default_factory=list)
    disk_bytes: int = 0  # everything in the index directory: older generations still open included
    generations: int = 1


def index_stats(root: str | Path) -> IndexStats:
    root = Path(root)
    ix = store.open_index(root)
    schema = ix.schema
    with ix.reader() as reader:
        live = reader.doc_count()  # skips deleted documents, unlike term counts
        years = [schema["year"].from_bytes(b) for b in schema["year"].sortable_terms(reader, "year")]
        generation = ix.latest_generation()
    gen = store.current_generation(root)
    manifest = store.load_manifest(gen, generation) if gen else None
    remembered = store.read_remembered(root) or {}
    if manifest is not None:
        with manifest:
            records, built_at, sources = manifest.record_count, manifest.built_at, manifest.sources
            format, exclude = manifest.format, manifest.exclude
    else:  # the records are the `kind:record` documents (live ones), not the author names
        records, built_at = live_record_count(ix), None
        sources, exclude = remembered.get("sources", []), remembered.get("exclude", [])
        format = remembered.get("format", "auto")
    authors = live - records  # the rest are one document per distinct author name
    size = _folder_size(gen) if gen else 0
    return IndexStats(
        location=str(root.resolve()),
        records=records,
        distinct_authors=authors,
        years=(min(years), max(years)) if years else None,
        size_bytes=size,
        built_at=built_at,
        sources=sources,
        last_run=store.read_last_run(root),
        format=format,
        exclude=exclude,
        disk_bytes=_folder_size(root),
        generations=sum(1 for g in root.glob("gen-*") if g.is_dir()),
    )


def _folder_size(folder: Path) -> int:
    """Bytes of every file under `folder` (not following links)."""
    total = 0
    for base, _dirs, names in os.walk(folder):
        for name in names:
            try:
                total += os.lstat(os.path.join(base, name)).st_size
            except OSError:
                pass
    return total
