"""The Whoosh schema: the fields, which of them a query searches, their boosts and aliases."""

from __future__ import annotations

from whoosh import columns, fields
from whoosh import query as wq

from .analysis import name_analyzer, name_key_analyzer, text_analyzer

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
FACETS = ("year", "journal", "subject", "language", "publisher")
# The term field a filter on each facet matches (year is a numeric range).
KEY_FIELDS = {"journal": "journal_key", "subject": "subject_key", "language": "language_key",
              "publisher": "publisher_key"}
RECORDS = wq.Term("kind", "record")  # matches every record document, not the name documents
# Fields no query names: the stored record, bookkeeping, filter keys, columns, name documents.
HIDDEN_FIELDS = frozenset({"record", "source", "kind", "author_id", "name_id", "name", "name_words", "name_keys",
                           "journal_key", "publisher_key", "language_key", "subject_key", "facets", "sort_title",
                           "sort_author"})


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


def searchable_fields(schema) -> list[str]:
    """The fields a query may name, in the schema's order."""
    return [name for name in schema.names() if name not in HIDDEN_FIELDS]


def known_fields(schema) -> set[str]:
    """The field names a query may use, aliases included."""
    return set(searchable_fields(schema)) | {a for aliases in FIELD_ALIASES.values() for a in aliases}


def is_text_field(schema, fieldname: str) -> bool:
    """Whether `fieldname` holds analysed words (not ids, numbers or columns)."""
    return fieldname in schema and isinstance(schema[fieldname], fields.TEXT)
