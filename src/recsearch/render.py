"""Render a Record as a captured VuFind record page (the `seeds/` format).

The inverse of `readers.seed`: tests round-trip through it, and benchmarks and
evaluation harnesses use it to turn other data into seed files.
"""

from __future__ import annotations

from .readers.boundaries import fold_key
from .record import Record

_LANGUAGE_CODES = {"English": "eng", "Spanish": "spa", "Portuguese": "por", "French": "fre", "German": "ger"}
_HARVESTED = "2025-01-13T04:19:05Z"


def _row(name: str, value: str) -> str:
    return f"{name} | {value} |"


def _spelling(record: Record) -> str:
    numbered, affiliations = [], []
    for author in record.authors:
        if author.affiliation:
            numbered.append(f"{author.name}{len(affiliations)}")
            affiliations.append(author.affiliation)
        else:
            numbered.append(author.name)
    if record.affiliation_text:
        affiliations.append(record.affiliation_text)
    summary = f"Summary: {record.summary}" if record.summary else ""
    return "".join([
        record.id, _HARVESTED, _LANGUAGE_CODES.get(record.language or "", "und"),
        record.publisher or "", record.journal or "", "".join(record.issns), record.date or "",
        "281", "2", "111698", record.title, *numbered, *affiliations, summary,
        record.url or "", *record.subjects,
    ])


def _title_sort(title: str) -> str:
    words = title.lower().split()
    if words and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(w.strip(".,:;-") for w in words)


def render_seed_record(record: Record) -> str:
    """The text of a seed file holding `record`."""
    names = record.author_names
    summary = record.summary or ""
    teaser = summary[:300] + "..." if len(summary) > 300 else summary
    public = [record.title]
    if summary:
        public.append(f"Summary: {teaser}")
    public.append("Saved in:")
    if names:
        public.append("Main Authors: | " + ", " * (len(names) - 1) + "|")
    public += ["---|---|", "Format: | Article |"]
    if record.language:
        public.append(f"Language: | {record.language} |")
    if record.publisher or record.date:
        public += ["Published: |", *[v for v in (record.publisher, record.date) if v], "|"]
    if record.journal:
        public.append(f"Series: | {record.journal} |")
    public.append("Subjects: | |")
    if record.url:
        public.append(f"Online Access: | {record.url} |")
    public += ["Tags: |", "Add Tag", "No Tags, Be the first to tag this record!", "|"]

    joined = " ".join(names)
    title_key = fold_key(record.title)
    rows: list[tuple[str, str | None]] = [
        ("_version_", "1841544005503942656"),
        ("author", joined or None),
        ("author_facet", joined or None),
        ("author_sort", names[0] if names else None),
        ("collection", "DOAJ"),
        ("description", f"Summary: {summary}" if summary else None),
        ("format", "Article"),
        ("id", record.id),
        ("institution", "Kabale University"),
        ("issn", " ".join(record.issns) or None),
        ("language", record.language),
        ("publishDate", record.date),
        ("publisher", record.publisher),
        ("record_format", "Article"),
        ("series", record.journal),
        ("spelling", _spelling(record)),
        ("spellingShingle", " ".join([*names, record.title, record.journal or "", *record.subjects]).strip()),
        ("title", record.title),
        ("title_full", record.title),
        ("title_short", record.title),
        ("title_sort", _title_sort(record.title)),
        ("topic", " ".join(record.subjects) or None),
        ("url", record.url),
        ("work_keys_str_mv", " ".join(f"AT {fold_key(n)} {title_key}" for n in names) or None),
    ]
    staff = [_row(name, value) for name, value in rows if value is not None]
    staff.insert(1, "---|---|")
    return "\n".join(public + staff)
