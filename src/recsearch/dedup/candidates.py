"""Which records a record is compared with: those sharing an identifier or its rarest title words.

Never every pair: the DOI's and the title words' posting lists come from the
index, the other identifiers from the group store's key table (the index does
not hold PMIDs and PMCIDs as terms). A title word counts as rare when few
records hold it; a record meets another when they share two of its three
rarest words (one, if it has only one).
"""

from __future__ import annotations

from collections import Counter

from .groups import GroupStore, place_key
from .keys import WorkKeys, is_generic

RAREST = 3
# A word held by more records than this is no evidence of one work (share of the index, at least RARE_FLOOR).
RARE_SHARE = 0.002
RARE_FLOOR = 50
COMMON_FACTOR = 20  # words up to this many times rarer than rare are used, all but one together
MAX_CANDIDATES = 60  # the best-sharing ones, when a record shares rare words with more


class Blocking:
    """Finds the candidates of records in one open index (search.RecordIndex) and its group store."""

    def __init__(self, index, store: GroupStore, ids_by_docnum: dict[int, str], record_count: int):
        self.index = index
        self.store = store
        self.ids_by_docnum = ids_by_docnum
        self.rare_limit = max(RARE_FLOOR, int(record_count * RARE_SHARE))
        self.frequency: dict[str, int] = {}
        self.postings: dict[str, set[int]] = {}  # read once a run: records share their rare words

    def _ids(self, docnums) -> set[str]:
        return {self.ids_by_docnum[d] for d in docnums if d in self.ids_by_docnum}

    def by_identifier(self, keys: WorkKeys, doi: str | None) -> set[str]:
        found = set()
        if doi:
            found |= self._ids(self.index.term_docnums("doi", doi.lower()))
        for key in [*keys.ids, place_key(keys)]:
            if key:
                found.update(self.store.holders(key))
        found.discard(keys.id)
        return found

    def rare_words(self, title: str) -> list[str]:
        """The record's rarest title words that another record also holds (at most RAREST)."""
        scored = []
        for term in set(self.index.field_terms("title", title)):
            count = self.frequency.get(term)
            if count is None:
                count = self.frequency[term] = self.index.term_frequency("title", term)
            if 2 <= count <= self.rare_limit * COMMON_FACTOR:
                scored.append((count, term))
        return [t for _, t in sorted(scored)[:RAREST + 1]]

    def by_title(self, keys: WorkKeys, title: str) -> set[str]:
        if is_generic(keys.title):  # generic titles never meet on their words
            return set()
        words = self.rare_words(title)
        if not words:
            return set()
        frequent = [w for w in words if self.frequency[w] > self.rare_limit]
        if not frequent:
            words = words[:RAREST]
        counts: Counter[int] = Counter()
        for word in words:
            docnums = self.postings.get(word)
            if docnums is None:
                docnums = self.postings[word] = self.index.term_docnums("title", word)
            counts.update(docnums)
        # Only common words (a library on one topic): all but one of the four least common must be shared.
        need = min(2, len(words)) if not frequent else max(1, len(words) - 1)
        best = [d for d, n in counts.most_common() if n >= need]
        found = self._ids(best[: MAX_CANDIDATES + 1])
        found.discard(keys.id)
        return found

    def candidates(self, keys: WorkKeys, title: str, doi: str | None) -> set[str]:
        return self.by_identifier(keys, doi) | self.by_title(keys, title)
