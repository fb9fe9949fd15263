"""Whoosh analysis parts: accent/script folding and multi-value gaps.

Whoosh pickles the schema, analyzers included, into the index, so every class
here is top-level and must keep its import path (`recsearch.analysis.X`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

from ..text import fold

# Separates the values of a multi-valued field (authors, affiliations,
# subjects) in the text handed to Whoosh; the tokenizer keeps it as a token so
# that ValueGapFilter can see it.
VALUE_SEPARATOR = "\x1f"
TOKEN_PATTERN = r"\w+(?:\.?\w+)*|\x1f"
_WORD_ONLY = re.compile(r"[\w.]+")
_ALNUM_RUN = re.compile(r"[A-Za-z0-9]+")


def join_values(values) -> str:
    """Join the values of a multi-valued field for indexing."""
    return f" {VALUE_SEPARATOR} ".join(v for v in values if v)


@lru_cache(maxsize=200_000)
def fold_token(text: str) -> tuple[str, ...]:
    """Case-fold and transliterate one token to ASCII with unidecode.

    A word may become several (`北京` → `bei`, `jing`); apostrophes that
    transliteration adds (`Ульяновск` → `Ul'ianovsk`) are dropped. A query
    term with wildcards is folded but never split.
    """
    folded = fold(text)
    if not _WORD_ONLY.fullmatch(text):
        return (folded,)
    return tuple(_ALNUM_RUN.findall(folded.replace("'", "")))


class FoldAccentsFilter(Filter):
    """Fold each token to ASCII (`Pérez` → `Perez`, `Łódź` → `Lodz`).

    ASCII tokens pass untouched; others are folded once per distinct token
    (cached). Extra words from transliteration take the next positions.
    """

    def __call__(self, tokens):
        shift = 0
        for t in tokens:
            if shift and t.positions:
                t.pos += shift
            if t.text.isascii():
                yield t
                continue
            parts = fold_token(t.text)
            if not parts:
                continue
            base = t.pos if t.positions else 0
            for n, part in enumerate(parts):
                t.text = part
                if t.positions:
                    t.pos = base + n
                yield t
            shift += len(parts) - 1


class ValueGapFilter(Filter):
    """Drop value separators and leave a position gap there, so a phrase
    never matches across two authors or two affiliations."""

    def __init__(self, gap: int = 100):
        self.gap = gap

    def __call__(self, tokens):
        shift = 0
        for t in tokens:
            if t.text == VALUE_SEPARATOR:
                shift += self.gap
                continue
            if shift and t.positions:
                t.pos += shift
            yield t


def deletion_keys(word: str, minsize: int = 4) -> list[str]:
    """The word and every form of it with one letter deleted (`perez` → `erez`, `prez`...).

    Two words share a key when they are at most one substitution, one
    transposition, one insertion and one deletion apart: the lookup behind
    typo-tolerant author search, with no walk over the lexicon.
    """
    if len(word) < minsize:
        return [word]
    keys = dict.fromkeys([word] + [word[:i] + word[i + 1:] for i in range(len(word))])
    return list(keys)


class DeletionKeysFilter(Filter):
    """Replace each token by its deletion keys (see `deletion_keys`)."""

    def __init__(self, minsize: int = 4):
        self.minsize = minsize

    def __call__(self, tokens):
        for t in tokens:
            for key in deletion_keys(t.text, self.minsize):
                t.text = key
                yield t


def text_analyzer():
    """Words of titles, abstracts, subjects and affiliations: folded, lower-cased,
    no stop words, stemmed (`cells` and `cell` are one word; names are not stemmed)."""
    # The gap goes in after StopFilter, which renumbers positions. The stemmer is
    # Snowball English (Porter2), Whoosh's own: its Porter leaves doubled consonants
    # (`splitting` → `splitt`, not `split`; `fitted`, `transmitting`), so those
    # words never met their stem.
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | FoldAccentsFilter()
        | LowercaseFilter()
        | StopFilter(minsize=1)
        | StemFilter(lang="en")
        | ValueGapFilter()
    )


def name_analyzer():
    """Words of names and codes: folded and lower-cased, every word kept (`de`, `van`)."""
    return RegexTokenizer(TOKEN_PATTERN) | FoldAccentsFilter() | LowercaseFilter() | ValueGapFilter()


def name_key_analyzer():
    """Typo keys of name words: folded, lower-cased, then their deletion keys."""
    return RegexTokenizer(TOKEN_PATTERN) | FoldAccentsFilter() | LowercaseFilter() | DeletionKeysFilter()
