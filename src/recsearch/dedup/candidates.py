"""Which records a record is compared with: those sharing an identifier or its rarest title words.

Never every pair: the DOI's and the title words' posting lists come from the
index, the other identifiers from the group store's key table (the index does
not hold PMIDs and PMCIDs as terms). A title word counts as rare when few
records hold it; a record meets another when they share two of its three
rarest words (one, if it has only one).

When every record is compared (a first or `--fresh` run), `read_all` builds
the title words' and DOIs' posting lists once from the records themselves, as
the index's analyzers make them: reading a posting list from the index costs
about a millisecond, and a full run would read one for each record's words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import combinations

from .groups import GroupStore, place_key
from .keys import WorkKeys, is_generic

RAREST = 3
# A word held by more records than this is no evidence of one work (share of the index, at least RARE_FLOOR).
RARE_SHARE = 0.002
RARE_FLOOR = 50
COMMON_FACTOR = 20  # words up to this many times rarer than rare are used, all but one together
MAX_CANDIDATES = 60  # the best-sharing ones, when a record shares rare words with more
# The title analyzer's tokenizer (recsearch.analysis.TOKEN_PATTERN): its filters act on one token at a
# time, so a title's words are its tokens' words, each token analyzed once a run.
_TOKEN = re.compile(r"\w+(?:\.?\w+)*|\x1f")


class Blocking:
    """Finds the candidates of records in one open index (search.RecordIndex) and its group store."""

    def __init__(self, index, store: GroupStore, ids_by_docnum: dict[int, str], record_count: int):
        self.index = index
        self.store = store
        self.ids_by_docnum = ids_by_docnum
        self.rare_limit = max(RARE_FLOOR, int(record_count * RARE_SHARE))
        self.frequency: dict[str, int] = {}
        self.postings: dict[str, set[int]] = {}  # read from the index once a run: records share their rare words
        self.words_of_token: dict[str, list[str]] = {}
        self.word_sets: dict[str, frozenset[str]] = {}
        # Filled by read_all: every live record's title words and DOIs, and the store's identifier keys.
        self.title_holders: dict[str, list[int]] | None = None
        self.title_sets: dict[str, set[int]] = {}
        self.doi_holders: dict[str, list[int]] | None = None
        self.key_holders: dict[str, list[str]] | None = None

    def read_all(self, records: Iterable[tuple[int, str, str | None]]) -> None:
        """Posting lists of the titles' words and the DOIs from (docnum, title, DOI) of every live record."""
        titles: dict[str, list[int]] = {}
        dois: dict[str, list[int]] = {}
        for docnum, title, doi in records:
            for word in self.title_word_set(title):
                titles.setdefault(word, []).append(docnum)
            if doi:
                for term in set(self.index.field_terms("doi", doi)):
                    dois.setdefault(term, []).append(docnum)
        self.title_holders, self.doi_holders = titles, dois
        self.key_holders = self.store.all_holders()

    def title_words(self, title: str) -> list[str]:
        """The title's index terms, as the title field's analyzer makes them."""
        words = []
        for token in _TOKEN.findall(title or ""):
            # An ASCII token's words are its lower-case form's: the analyzer lower-cases before anything else.
            key = token.lower() if token.isascii() else token
            found = self.words_of_token.get(key)
            if found is None:
                found = self.words_of_token[key] = self.index.field_terms("title", key)
            words.extend(found)
        return words

    def title_word_set(self, title: str) -> frozenset[str]:
        """`title_words` as a set, kept for the run: read_all and rare_words both need it."""
        found = self.word_sets.get(title)
        if found is None:
            found = self.word_sets[title] = frozenset(self.title_words(title))
        return found

    def _ids(self, docnums) -> set[str]:
        return {self.ids_by_docnum[d] for d in docnums if d in self.ids_by_docnum}

    def by_identifier(self, keys: WorkKeys, doi: str | None) -> set[str]:
        found = set()
        if doi:
            if self.doi_holders is None:
                found |= self._ids(self.index.term_docnums("doi", doi.lower()))
            else:
                found |= self._ids(self.doi_holders.get(doi.lower(), ()))
        for key in [*keys.ids, place_key(keys)]:
            if key:
                found.update(self.store.holders(key) if self.key_holders is None else self.key_holders.get(key, ()))
        found.discard(keys.id)
        return found

    def rare_words(self, title: str) -> list[str]:
        """The record's rarest title words that another record also holds (at most RAREST)."""
        scored = []
        for term in self.title_word_set(title):
            count = self.frequency.get(term)
            if count is None:
                count = self.frequency[term] = self.index.term_frequency("title", term)
            if 2 <= count <= self.rare_limit * COMMON_FACTOR:
                scored.append((count, term))
        return [t for _, t in sorted(scored)[:RAREST + 1]]

    def _index_postings(self, word: str) -> set[int]:
        docnums = self.postings.get(word)
        if docnums is None:
            docnums = self.postings[word] = self.index.term_docnums("title", word)
        return docnums

    def _postings(self, word: str) -> set[int]:
        if self.title_holders is None:
            return self._index_postings(word)
        docnums = self.title_sets.get(word)
        if docnums is None:
            docnums = self.title_sets[word] = set(self.title_holders.get(word, ()))
        return docnums

    def by_title(self, keys: WorkKeys, title: str) -> set[str]:
        if is_generic(keys.title):  # generic titles never meet on their words
            return set()
        words = self.rare_words(title)
        if not words:
            return set()
        frequent = [w for w in words if self.frequency[w] > self.rare_limit]
        if not frequent:
            words = words[:RAREST]
        # Only common words (a library on one topic): all but one of the four least common must be shared.
        need = min(2, len(words)) if not frequent else max(1, len(words) - 1)
        sets = [self._postings(w) for w in words]
        sharing = set().union(*(set.intersection(*some) for some in combinations(sets, need)))
        if len(sharing) > MAX_CANDIDATES + 1:
            sharing = self._best_sharing(words, need)
        found = self._ids(sharing)
        found.discard(keys.id)
        return found

    def _best_sharing(self, words: list[str], need: int) -> list[int]:
        """The records sharing the most of `words`, ties in the index's posting order (MAX_CANDIDATES + 1)."""
        counts: Counter[int] = Counter()
        for word in words:
            counts.update(self._index_postings(word))
        best = [d for d, n in counts.most_common() if n >= need]
        return best[: MAX_CANDIDATES + 1]

    def candidates(self, keys: WorkKeys, title: str, doi: str | None) -> set[str]:
        return self.by_identifier(keys, doi) | self.by_title(keys, title)
