"""A field's analysis one distinct word at a time: the terms and positions Whoosh's analyzer
gives, with each word's filters run once and remembered.

A value's words go through the same filters again and again (an abstract repeats
`the`, `patients`, `cells`); here the context-free filters (possessive, folding,
lower case, letter/digit splits, deletion keys), the stop test and the stemmer
run once per distinct word, and only what depends on the word's place (stop
words' renumbering, value gaps) runs per occurrence. `WordPlan.of` accepts
only chains whose every part it knows, so a field with any other analyzer is
indexed by Whoosh itself; tests/test_segment_writer.py checks terms and
positions against Whoosh's analyzers on real records.
"""

from __future__ import annotations

import pickle

from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter, Token
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.lang import stemmer_for_language

from .analysis import (VALUE_SEPARATOR, DeletionKeysFilter, FoldAccentsFilter, LettersDigitsFilter,
                       PossessiveFilter, ValueGapFilter)

# Filters whose output for a word depends on that word alone (its parts' positions
# relative to the word's own).
CONTEXT_FREE = (PossessiveFilter, FoldAccentsFilter, LowercaseFilter, LettersDigitsFilter, DeletionKeysFilter)
CACHED_WORDS = 400_000  # distinct words remembered per plan before the memory starts again
_SHARED: dict = {}  # an analyzer's pickled state: its plan or None


class WordPlan:
    """One field's analyzer, as per-word results plus the position rules around them."""

    def __init__(self, tokenizer, word_filters, stop, stem, gap: int | None):
        self._findall = tokenizer.expression.findall
        self._word_filters = word_filters
        self._stops = stop and (stop.stops, stop.min, stop.max, stop.renumber)
        self._stem = stem and (stemmer_for_language(stem.lang) if stem.lang else stem.stemfn, stem.ignore)
        self._gap = gap
        self._words: dict[str, tuple[int, tuple[tuple[int, str], ...]]] = {}

    @classmethod
    def shared(cls, analyzer) -> WordPlan | None:
        """`of(analyzer)`, one plan (and one memory of words) for every equal analyzer in this process:
        the text fields share one, and a segment starts with the words of the ones before."""
        # Whoosh's own equality is too loose here (two StemFilters of different languages are
        # equal); the pickled state (what the index keeps of it) is exact.
        key = pickle.dumps(analyzer)
        if key not in _SHARED:
            _SHARED[key] = cls.of(analyzer)
        return _SHARED[key]

    @classmethod
    def of(cls, analyzer) -> WordPlan | None:
        """The plan for an analyzer made only of parts it knows, else None."""
        if not isinstance(analyzer, CompositeAnalyzer):
            return None
        tokenizer, *filters = analyzer.items
        if type(tokenizer) is not RegexTokenizer or tokenizer.gaps or tokenizer.expression.groups:
            return None
        word_filters = []
        while filters and type(filters[0]) in CONTEXT_FREE:
            word_filters.append(filters.pop(0))
        stop = filters.pop(0) if filters and type(filters[0]) is StopFilter else None
        stem = filters.pop(0) if filters and type(filters[0]) is StemFilter else None
        gap = filters.pop(0).gap if filters and type(filters[0]) is ValueGapFilter else None
        if filters or (stop is not None and not stop.renumber):
            return None
        plan = cls(tokenizer, word_filters, stop, stem, gap)
        # A separator must reach the gap filter as itself, taking one position, to be a gap.
        if gap is not None and plan._analyze_word(VALUE_SEPARATOR) != (1, ((0, VALUE_SEPARATOR),)):
            return None
        return plan

    def word(self, text: str) -> tuple[int, tuple[tuple[int, str], ...]]:
        """(positions the word takes, its kept terms with their positions within it)."""
        found = self._words.get(text)
        if found is None:
            if len(self._words) >= CACHED_WORDS:
                self._words.clear()
            found = self._words[text] = self._analyze_word(text)
        return found

    def _analyze_word(self, text: str):
        token = Token(positions=True, removestops=True, mode="index")
        token.text, token.pos, token.boost = text, 0, 1.0
        stream = iter([token])
        for part in self._word_filters:
            stream = part(stream)
        parts = [(t.pos, t.text) for t in stream]
        width = max(pos for pos, _ in parts) + 1 if parts else 1  # a word folded to nothing leaves its place empty
        if self._stops:
            stops, shortest, longest, _ = self._stops
            parts = [(pos, word) for pos, word in parts
                     if len(word) >= shortest and (longest is None or len(word) <= longest) and word not in stops]
        if self._stem:
            stem, ignore = self._stem
            parts = [(pos, word if word in ignore else stem(word)) for pos, word in parts]
        return width, tuple(parts)

    def positions(self, value: str) -> tuple[int, dict[str, list[int]]]:
        """(number of tokens, each term's positions) of one value, as Whoosh's analyzer gives them."""
        terms: dict[str, list[int]] = {}
        renumber = self._stops is not None
        gap = self._gap
        at = 0  # the position the tokenizer and the splitting filters give the next word
        last = None  # the last kept token's position, stop words renumbered
        shift = 0  # value gaps so far
        count = 0
        known, word = self._words.get, self.word
        for text in self._findall(value):
            if gap is not None and text == VALUE_SEPARATOR:
                if renumber:
                    last = at if last is None else last + 1
                at += 1
                shift += gap
                continue
            width, parts = known(text) or word(text)
            for offset, term in parts:
                if renumber:
                    last = at + offset if last is None else last + 1
                    pos = last
                else:
                    pos = at + offset
                found = terms.get(term)
                if found is None:
                    terms[term] = [pos + shift]
                else:
                    found.append(pos + shift)
                count += 1
            at += width
        return count, terms

    def frequencies(self, value: str) -> tuple[int, dict[str, int]]:
        """(number of tokens, each term's count) of one value, for fields that keep no positions."""
        terms: dict[str, int] = {}
        count = 0
        gap = self._gap
        word = self.word
        for text in self._findall(value):
            if gap is not None and text == VALUE_SEPARATOR:
                continue
            for _, term in word(text)[1]:
                terms[term] = terms.get(term, 0) + 1
                count += 1
        return count, terms
