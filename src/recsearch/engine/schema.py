"""The Whoosh schema, the document for a record, and index statistics."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import columns, fields

from . import store
from .analysis import join_values, name_analyzer, name_key_analyzer, text_analyzer
from ..search.authors import name_id
from ..search.facets import facet_column, facet_key, sort_author, sort_title
from ..record import Record

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
# How much a match in each field counts, applied at query time (BM25 per field,
# times the boost), so that tuning them needs no rebuild. Tuned on Cranfield
# and CACM (bench/relevance.py). An affiliation says where the authors work,
# not what the record is about (`taiwan` should rank the records about Taiwan
# above those written there): 0.25, chosen on half of the MEDLINE headings and
# confirmed on the other half (bench/RESULTS.md).
FIELD_BOOSTS = {"title": 2.0, "summary": 1.0, "author": 0.5, "affil": 0.25, "subject": 1.5, "journal": 1.0}


def build_schema() -> fields.Schema:
    text, names = text_analyzer(), name_analyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        title=fields.TEXT(analyzer=text),
        summary=fields.TEXT(analyzer=text),
        author=fields.TEXT(analyzer=names),
        affil=fields.TEXT(analyzer=text),
        subject=fields.TEXT(analyzer=text),
        journal=fields.TEXT(analyzer=text),
        publisher=fields.TEXT(analyzer=text),
        issn=fields.KEYWORD(lowercase=True, scorable=False),
        doi=fields.KEYWORD(lowercase=True, scorable=False),
        year=fields.NUMERIC(int, stored=True, sortable=True),
        date=fields.ID(),
        language=fields.TEXT(analyzer=names),
        url=fields.ID(),
        source=fields.ID(stored=True),
        record=fields.STORED(),
        # Filters match these folded exact values; facets and sorting read the columns.
        journal_key=fields.ID(),
        publisher_key=fields.ID(),
        language_key=fields.ID(),
        subject_key=fields.KEYWORD(commas=True, scorable=False),
        facets=fields.COLUMN(columns.VarBytesColumn()),
        sort_title=fields.COLUMN(columns.VarBytesColumn()),
        sort_author=fields.COLUMN(columns.VarBytesColumn()),
        # Records are `kind:record`; each distinct author name is a small
        # `kind:name` document that author lookup searches (authors.py).
        kind=fields.ID(),
        author_id=fields.KEYWORD(scorable=False),
        name_id=fields.ID(unique=True),
        name=fields.STORED(),
        name_words=fields.TEXT(analyzer=names, phrase=False),
        name_keys=fields.TEXT(analyzer=name_key_analyzer(), phrase=False),
    )


def name_document(name: str) -> dict:
    """The document of one distinct author name."""
    return {"kind": "name", "name_id": name_id(name), "name": name, "name_words": name, "name_keys": name}


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
        "doi": record.doi or "",
        "date": record.date or "",
        "language": record.language or "",
        "url": record.url or "",
        "kind": "record",
        "author_id": " ".join(name_id(n) for n in record.author_names),
        "source": record.source or "",
        "journal_key": facet_key(record.journal or ""),
        "publisher_key": facet_key(record.publisher or ""),
        "language_key": facet_key(record.language or ""),
        "subject_key": ",".join(facet_key(s) for s in record.subjects),
        "facets": facet_column(record),
        "sort_title": sort_title(record.title),
        "sort_author": sort_author(record),
        "record": json.dumps(record.to_dict(), ensure_ascii=False, separators=(",", ":")),
    }
    if record.year is not None:
        doc["year"] = record.year
    return {k: v for k, v in doc.items() if v != ""}


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
        from whoosh.query import Term

        with ix.searcher() as searcher:
            records, built_at = sum(1 for _ in searcher.docs_for_query(Term("kind", "record"))), None
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
    import os

    total = 0
    for base, _dirs, names in os.walk(folder):
        for name in names:
            try:
                total += os.lstat(os.path.join(base, name)).st_size
            except OSError:
                pass
    return total
