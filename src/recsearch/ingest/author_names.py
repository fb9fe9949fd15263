"""The index's one small document per distinct author name, kept as records come and go."""

from __future__ import annotations

from ..engine.documents import name_document, record_data
from ..engine.manifest_draft import ManifestDraft
from ..engine.searching import docs_holding
from ..names import name_id


class AuthorNames:
    """Keeps one `kind:name` document per distinct author name in the index.

    A name's document is written when the name is first met; the names met
    are remembered by their 64-bit keys in the draft manifest's scratch
    table, on disk: a million records hold over a million distinct names.
    """

    def __init__(self, searcher, draft: ManifestDraft):
        self.before = searcher  # the index as it was before this run (None: empty)
        self.draft = draft
        self.dropped: set[str] = set()  # names of the records replaced or removed
        self.gone_docs: set[int] = set()  # those records' documents in `before`

    def record_written(self, record, writer) -> None:
        for name in record.author_names:
            key = name_id(name)
            if not self.draft.first_time(int(key, 16)):
                continue
            if self.before is None or not docs_holding(self.before, "name_id", key):
                writer.add_document(**name_document(name))

    def record_replaced(self, record_id: str) -> None:
        """The record with this id, as the index held it, goes away."""
        if self.before is None:
            return
        for docnum in docs_holding(self.before, "id", record_id):
            self.gone_docs.add(docnum)
            self.dropped.update(a["name"] for a in record_data(self.before.stored_fields(docnum))["authors"])

    def remove_unheld(self, writer) -> None:
        """Delete the documents of names no record holds any more."""
        for name in self.dropped:
            key = name_id(name)
            if self.draft.seen(int(key, 16)):  # written this run
                continue
            # Only the records' numbers are read: not their stored fields.
            if not docs_holding(self.before, "author_id", key) - self.gone_docs:
                writer.delete_by_term("name_id", key)
