"""The Whoosh index: schema, building, and its on-disk generations.

An index directory holds whole Whoosh indexes in generation folders
(`gen-…`) and a `CURRENT` file naming the live one. A build writes a new
generation and then replaces `CURRENT` atomically, so an interrupted build
leaves the previous index untouched and searchable.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import fields, index as whoosh_index

from .errors import IndexAccessError
from .analysis import join_values, name_analyzer, text_analyzer
from .readers import RecordError, read_seed_record
from .readers.boundaries import fold_key
from .record import Record

CURRENT = "CURRENT"
BUILD_INFO = "build.json"
DEFAULT_SOURCE = "seeds"

# Query field names users type, with the words they may type instead.
FIELD_ALIASES = {
    "summary": ["abstract", "description"],
    "author": ["authors"],
    "affil": ["affiliation", "affiliations", "aff"],
    "subject": ["subjects", "topic", "keyword", "keywords"],
    "journal": ["series"],
    "language": ["lang"],
}
DEFAULT_FIELDS = ["title", "summary", "author", "affil", "subject", "journal"]


def build_schema() -> fields.Schema:
    text, names = text_analyzer(), name_analyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=text, field_boost=3.0),
        summary=fields.TEXT(analyzer=text),
        author=fields.TEXT(analyzer=names, field_boost=2.0),
        affil=fields.TEXT(analyzer=text),
        subject=fields.TEXT(analyzer=text, field_boost=1.5),
        journal=fields.TEXT(analyzer=text),
        publisher=fields.TEXT(analyzer=text),
        issn=fields.KEYWORD(lowercase=True, scorable=False),
        year=fields.NUMERIC(int, stored=True, sortable=True),
        date=fields.ID(),
        language=fields.TEXT(analyzer=names),
        url=fields.ID(),
        author_key=fields.KEYWORD(scorable=False),
        source=fields.ID(stored=True),
        record=fields.STORED(),
    )


def record_document(record: Record) -> dict:
    """The Whoosh document for a record: searchable fields plus the stored record."""
    doc = {
        "id": record.id,
        "title": record.title,
        "summary": record.summary or "",
        "author": join_values(record.author_names),
        "affil": join_values(record.affiliations),
        "subject": join_values(record.subjects),
        "journal": record.journal or "",
        "publisher": record.publisher or "",
        # `issn:25890042` finds `2589-0042` too.
        "issn": " ".join(i for issn in record.issns for i in {issn, issn.replace("-", "")}),
        "date": record.date or "",
        "language": record.language or "",
        "url": record.url or "",
        "author_key": " ".join(k for k in (fold_key(n) for n in record.author_names) if k),
        "source": record.source or "",
        "record": json.dumps(record.to_dict(), ensure_ascii=False, separators=(",", ":")),
    }
    if record.year is not None:
        doc["year"] = record.year
    return {k: v for k, v in doc.items() if v != ""}


def iter_record_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str | None]]:
    """Every candidate record file under `paths`, sorted, hidden files skipped.

    Yields (path, problem) where problem names why a given path cannot be read.
    """
    for root in paths:
        root = Path(root)
        if root.is_file():
            yield root, None
        elif root.is_dir():
            found = []
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                found += [Path(dirpath, f) for f in filenames if not f.startswith(".")]
            yield from ((p, None) for p in sorted(found))
        elif root.exists():
            yield root, "not a regular file or folder"
        else:
            yield root, "no such file or folder"


@dataclass
class BuildReport:
    indexed: int = 0
    failed: list[dict] = field(default_factory=list)
    records: int = 0
    seconds: float = 0.0
    warnings: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"indexed": self.indexed, "failed": self.failed, "records": self.records,
                "seconds": round(self.seconds, 3)}


def _current_generation(root: Path) -> Path | None:
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    gen = root / name
    return gen if name and gen.is_dir() else None


def open_index(root: str | Path):
    """Open the live Whoosh index under `root`, or raise IndexAccessError."""
    root = Path(root)
    gen = _current_generation(root)
    if gen is None:
        raise IndexAccessError(f"no index at {root}: build one with `recsearch index`")
    try:
        return whoosh_index.open_dir(str(gen))
    except Exception as exc:  # Whoosh raises many kinds on damaged files
        raise IndexAccessError(f"index at {root} cannot be opened ({exc}): rebuild it with `recsearch index`") from None


def build_info(root: str | Path) -> dict:
    gen = _current_generation(Path(root))
    if gen is None:
        return {}
    try:
        return json.loads((gen / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def generation_path(root: str | Path) -> Path | None:
    return _current_generation(Path(root))


def build_index(
    sources: Iterable[str | Path],
    root: str | Path,
    progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Index every record file under `sources` into a new generation at `root`.

    Unreadable files are reported in the result, never raised; the new index
    goes live only once complete.
    """
    started = time.monotonic()
    root = Path(root)
    sources = [Path(s) for s in sources]
    report = BuildReport()
    files = list(iter_record_files(sources))
    try:
        root.mkdir(parents=True, exist_ok=True)
        gen = Path(tempfile.mkdtemp(prefix=f"gen-{time.strftime('%Y%m%dT%H%M%S')}-", dir=root))
    except OSError as exc:
        raise IndexAccessError(f"cannot write the index at {root}: {exc.strerror or exc}") from None
    seen: dict[str, str] = {}
    try:
        ix = whoosh_index.create_in(str(gen), build_schema())
        writer = ix.writer(limitmb=256)
        try:
            for done, (path, problem) in enumerate(files, 1):
                record = None
                if problem is None:
                    try:
                        record = read_seed_record(path)
                    except RecordError as exc:
                        problem = exc.problem
                    except Exception as exc:  # a reader bug must not stop the build
                        problem = f"unexpected reader error: {exc!r}"
                if record is not None and record.id in seen:
                    problem, record = f"duplicate record id {record.id} (also in {seen[record.id]})", None
                if record is None:
                    report.failed.append({"file": str(path), "error": problem})
                else:
                    seen[record.id] = str(path)
                    writer.add_document(**record_document(record))
                    report.indexed += 1
                    if record.warnings:
                        report.warnings.append({"file": str(path), "warnings": record.warnings})
                if progress:
                    progress(done, len(files))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        report.records = report.indexed
        report.seconds = time.monotonic() - started
        info = {
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "sources": [str(s.resolve()) for s in sources],
            **report.to_dict(),
        }
        (gen / BUILD_INFO).write_text(json.dumps(info, indent=1), encoding="utf-8")
        _make_current(root, gen)
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    return report


def _make_current(root: Path, gen: Path) -> None:
    """Point CURRENT at `gen` atomically; drop generations older than the last one."""
    previous = _current_generation(root)
    tmp = root / f"{CURRENT}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(gen.name)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT)
    # Keep the previous generation: a search that opened it may still be reading.
    keep = {gen.name, previous.name if previous else None}
    for old in root.glob("gen-*"):
        if old.name not in keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


@dataclass
class IndexStats:
    location: str
    records: int
    distinct_authors: int
    years: tuple[int, int] | None
    size_bytes: int
    built_at: str | None
    sources: list[str]


def index_stats(root: str | Path) -> IndexStats:
    root = Path(root)
    ix = open_index(root)
    schema = ix.schema
    with ix.reader() as reader:
        records = reader.doc_count()
        authors = sum(1 for _ in reader.lexicon("author_key"))
        years = [schema["year"].from_bytes(b) for b in schema["year"].sortable_terms(reader, "year")]
    gen = _current_generation(root)
    size = sum(p.stat().st_size for p in gen.iterdir() if p.is_file()) if gen else 0
    info = build_info(root)
    return IndexStats(
        location=str(root.resolve()),
        records=records,
        distinct_authors=authors,
        years=(min(years), max(years)) if years else None,
        size_bytes=size,
        built_at=info.get("built_at"),
        sources=info.get("sources", []),
    )
