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
# A word may end in a possessive `'s` (straight or curly), which PossessiveFilter
# drops: `Hodgkin's` is the word `Hodgkin`, not `Hodgkin` and `s`.
TOKEN_PATTERN = r"\w+(?:\.?\w+)*(?:['\u2019][sS]\b)?|\x1f"
_WORD_ONLY = re.compile(r"[\w.]+")
_ALNUM_RUN = re.compile(r"[A-Za-z0-9]+")
_LETTERS_DIGITS = re.compile(r"[a-z]+|[0-9]+")


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


def split_tokens(tokens, split):
    """Tokens with each replaced by the words `split` gives for its text (None: kept as it is;
    none: dropped, its position left empty); extra words take the next positions."""
    shift = 0
    for t in tokens:
        if shift and t.positions:
            t.pos += shift
        parts = split(t.text)
        if parts is None:
            yield t
            continue
        if not parts:  # nothing left of it (punctuation folded away): its position stays empty
            continue
        base = t.pos if t.positions else 0
        for n, part in enumerate(parts):
            t.text = part
            if t.positions:
                t.pos = base + n
            yield t
        shift += len(parts) - 1


class FoldAccentsFilter(Filter):
    """Fold each token to ASCII (`Pérez` → `Perez`, `Łódź` → `Lodz`).

    ASCII tokens pass untouched; others are folded once per distinct token
    (cached). Extra words from transliteration take the next positions.
    """

    def __call__(self, tokens):
        return split_tokens(tokens, lambda text: None if text.isascii() else fold_token(text))


class PossessiveFilter(Filter):
    """Drop a possessive `'s` or `’s` from the end of a word (`Crohn's` → `Crohn`)."""

    def __call__(self, tokens):
        for t in tokens:
            if t.text.endswith(("'s", "\u2019s", "'S", "\u2019S")):
                t.text = t.text[:-2]
            yield t


def letters_digits(word: str) -> list[str]:
    """The letter and digit runs of a folded word (`covid19` → `covid`, `19`), as
    punctuation splits `covid-19`; a word of letters only or digits only is itself."""
    if word.isalpha() or word.isdigit() or not word.isalnum() or not word.isascii():
        return [word]
    return _LETTERS_DIGITS.findall(word)


class LettersDigitsFilter(Filter):
    """Split a word where letters meet digits (`covid19`, `CD56`), so that it is the
    same words as `covid-19` and `CD 56`; the later parts take the next positions."""

    def __call__(self, tokens):
        return split_tokens(tokens, lambda text: None if len(parts := letters_digits(text)) == 1 else parts)


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


# Endings the English stemmer takes off (or changes), to write out the words a stem
# stands for: fuzzy matching compares the typed word with them, not with the stem
# alone (`natral~` is one letter off `natural`, three off its stem `natur`).
# (Endings of one letter are left out: `after` would stand for `afters`, a letter
# nearer to every typo of a word ending in s.)
WORD_ENDINGS = ("es", "ed", "ing", "ies", "ied", "al", "ally", "ation", "ations", "ational",
                "er", "ers", "ly", "ment", "ments", "ness", "ic", "ical", "ity", "ities", "ive", "ous",
                "ize", "ise", "ism", "ist", "ists", "ence", "ance", "ent", "ant", "able", "ible", "ion",
                "ions", "or", "ors", "ful", "ian", "ians")
LONGEST_ENDING = max(map(len, WORD_ENDINGS))


@lru_cache(maxsize=50_000)
def stem_forms(stem: str) -> tuple[str, ...]:
    """The stem and the words of it plus one of WORD_ENDINGS that stem back to it
    (`natur` → `nature`, `natural`...): the words an indexed stem may stand for."""
    from whoosh.lang import stemmer_for_language

    english = stemmer_for_language("en")
    return (stem,) + tuple(w for w in (stem + e for e in WORD_ENDINGS) if english(w) == stem)


def is_stemmed(analyzer) -> bool:
    """Whether a field's analyzer stems its words (text fields; names are not stemmed)."""
    return any(isinstance(part, StemFilter) for part in getattr(analyzer, "items", ()))


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
        | PossessiveFilter()
        | FoldAccentsFilter()
        | LowercaseFilter()
        | LettersDigitsFilter()
        | StopFilter(minsize=1)
        | StemFilter(lang="en")
        | ValueGapFilter()
    )


def name_analyzer():
    """Words of names and codes: folded and lower-cased, every word kept (`de`, `van`)."""
    return (RegexTokenizer(TOKEN_PATTERN) | PossessiveFilter() | FoldAccentsFilter() | LowercaseFilter()
            | LettersDigitsFilter() | ValueGapFilter())


def name_key_analyzer():
    """Typo keys of name words: folded, lower-cased, then their deletion keys."""
    return (RegexTokenizer(TOKEN_PATTERN) | PossessiveFilter() | FoldAccentsFilter() | LowercaseFilter()
            | DeletionKeysFilter())
