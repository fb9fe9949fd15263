"""The live generation as a build finds it: open and current, or why it must be rebuilt,
and the sources it was built from."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..engine import checksums, store
from ..engine.manifest import FORMAT_VERSION, Manifest


def open_live(gen: Path):
    """The live index and its manifest (open), or (None, None, why it must be rebuilt)."""
    try:
        ix = store.open_whoosh(gen, writable=True)
        checksums.verify_index(ix, gen, full=True)
        manifest = store.load_manifest(gen, ix.latest_generation())
    except checksums.IndexDamage as exc:
        return None, None, f"the index is damaged: {exc}"
    except ModuleNotFoundError:  # its schema names analyzers at import paths of another version
        return None, None, "the index was built by another version of recsearch"
    except Exception as exc:  # a damaged index is rebuilt, not fatal
        return None, None, f"the index could not be opened ({exc})"
    if manifest is None and store.has_old_manifest(gen):
        return None, None, "the index was built by an older version of recsearch"
    if manifest is None:
        return None, None, "the index has no record of its source files"
    if manifest.version != FORMAT_VERSION:
        manifest.close()
        return None, None, "the index was built by another version of recsearch"
    return ix, manifest, None


def newest_manifest(gen: Path) -> Manifest | None:
    """The newest readable manifest of a generation (open), for its sources and format."""
    def number(path: Path) -> int:
        digits = path.stem[len(store.MANIFEST_PREFIX):]
        return int(digits) if digits.isdigit() else -1

    for path in sorted(gen.glob(f"{store.MANIFEST_PREFIX}*.sqlite"), key=number, reverse=True):
        try:
            return Manifest.open(path)
        except (sqlite3.Error, ValueError):
            continue
    return None


def remembered_sources(root: Path, gen: Path | None, old: Manifest | None) -> dict | None:
    """The sources, excludes and format the index was built from: its manifest's, else those
    of sources.json (which outlives a damaged or missing manifest), else None."""
    if old is not None and old.sources:
        return {"sources": old.sources, "exclude": old.exclude, "format": old.format}
    if gen is not None:  # a manifest of another version, or opened for a rebuild
        manifest = newest_manifest(gen)  # the index itself may be damaged
        if manifest is not None:
            with manifest:
                try:
                    if manifest.sources:
                        return {"sources": manifest.sources, "exclude": manifest.exclude, "format": manifest.format}
                except (sqlite3.Error, ValueError):
                    pass
    return store.read_remembered(root)
