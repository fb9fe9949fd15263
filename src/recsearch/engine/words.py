"""The words a query looks for, per field: what explanations, snippets and suggestions show."""

from __future__ import annotations

from whoosh import query as wq

from .nodes import DocSetQuery, FieldsTerm


def query_words(q: wq.Query, found: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """The analysed words a query looks for, per field (negated parts left out)."""
    found = {} if found is None else found
    if isinstance(q, wq.Not):
        return found
    if isinstance(q, FieldsTerm):
        for fieldname, text in q.field_terms.items():
            found.setdefault(fieldname, set()).add(text)
    elif isinstance(q, DocSetQuery):
        found.setdefault(q.fieldname, set()).update(q.words)
    elif isinstance(q, wq.Term):
        found.setdefault(q.fieldname, set()).add(q.text)
    elif isinstance(q, wq.Phrase):
        found.setdefault(q.fieldname, set()).update(q.words)
    else:
        for child in q.children():
            query_words(child, found)
    return found
