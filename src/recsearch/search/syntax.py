"""Strict query syntax: what Whoosh's parser would silently reinterpret is refused.

An unclosed quote or bracket, a stray or mismatched closing bracket and an
empty field (`title:`) are errors naming what and where (1-based column),
with the corrected query to run. Queries past a size cap are refused too:
parsing and expanding costs grow with their length.
"""

from __future__ import annotations

import re
import shlex

from ..errors import QueryError

# A long search strategy fits easily (the longest Cranfield and CACM questions
# are 266 and 504 characters, 29 and 59 words); past this, parsing alone
# would take a noticeable share of a second.
MAX_QUERY_CHARS = 4000
MAX_QUERY_WORDS = 256
# Whoosh's parser costs the square of a word's length (a 4,000-letter word takes
# over a second to parse); real words, even chemical names and URLs, are shorter.
MAX_WORD_CHARS = 256
_CLOSER = {"(": ")", "[": "]", "{": "}"}
_FIELD = re.compile(r"(?<![\w.])([A-Za-z_]\w*):(?!//)")
_WORDS = re.compile(r'"[^"]*"|[^\s()"]+')


class SyntaxProblem(QueryError):
    """A query refused for its syntax, with the query that would run instead."""

    def __init__(self, message: str, corrected: str | None):
        # One line whatever the query held (a newline typed in it is a space to the parser).
        corrected = " ".join(corrected.split()) if corrected else corrected
        suffix = f"; run: recsearch search {shlex.quote(corrected)}" if corrected and corrected.strip() else ""
        super().__init__(message + suffix)
        self.corrected = corrected


def _blank_quotes(text: str) -> str:
    """`text` with the inside of each closed quote blanked (brackets and colons in a phrase are words)."""
    return re.sub(r'"[^"]*"', lambda m: '"' + " " * (len(m.group()) - 2) + '"', text)


def check_size(text: str) -> None:
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text):,} characters long; at most {MAX_QUERY_CHARS:,} are searched: "
                         "shorten it, or combine shorter searches from the history (#1 OR #2)")
    longest = max(text.split(), key=len, default="")
    if len(longest) > MAX_WORD_CHARS:
        raise QueryError(f"the word '{longest[:20]}…' is {len(longest):,} characters long; words of at most "
                         f"{MAX_WORD_CHARS} are searched")
    words = len(_WORDS.findall(text))
    if words > MAX_QUERY_WORDS:
        raise QueryError(f"the query has {words:,} words and operators; at most {MAX_QUERY_WORDS} are searched: "
                         "shorten it, or combine shorter searches from the history (#1 OR #2)")


def check_brackets(text: str) -> None:
    """Refuse an unclosed quote, an unclosed, stray or mismatched bracket."""
    opened: list[tuple[str, int]] = []
    quote = None
    for at, char in enumerate(text):
        if quote is not None:
            if char == '"':
                quote = None
            continue
        if char == '"':
            quote = at
        elif char in _CLOSER:
            opened.append((char, at))
        elif char in ")]}":
            if not opened:
                raise SyntaxProblem(f"stray closing bracket '{char}' at column {at + 1} of {text!r}",
                                    text[:at] + text[at + 1:])
            start, start_at = opened.pop()
            # A range may close either way (`[a TO b}` is Whoosh's half-open range); a group only with ')'.
            if (start == "(") != (char == ")"):
                want = _CLOSER[start] if start == "(" else "]"
                raise SyntaxProblem(f"'{char}' at column {at + 1} closes the '{start}' of column {start_at + 1} "
                                    f"in {text!r}", text[:at] + want + text[at + 1:])
    if quote is not None:
        # A quote with nothing after it goes; otherwise the phrase is closed at the end.
        closed = text.rstrip() + '"' if text[quote + 1:].strip() else (text[:quote] + text[quote + 1:]).strip()
        raise SyntaxProblem(f"unclosed quote: the '\"' at column {quote + 1} of {text!r} is never closed", closed)
    if opened:
        start, start_at = opened[-1]
        closing = "".join(_CLOSER[c] for c, _ in reversed(opened))
        raise SyntaxProblem(f"unclosed bracket: the '{start}' at column {start_at + 1} of {text!r} is never closed",
                            text.rstrip() + closing)


def check_fields_given(text: str, known: set[str]) -> None:
    """Refuse `title:` with nothing after it (Whoosh drops the field name and searches on)."""
    blanked = _blank_quotes(text)
    for match in _FIELD.finditer(blanked):
        if match.group(1) not in known:
            continue
        after = match.end()
        rest = blanked[after:]
        if rest.startswith('""') and text[after:after + 2] == '""':
            raise SyntaxProblem(f"empty phrase after '{match.group()}' at column {match.start() + 1} of {text!r}",
                                (text[:match.start()] + text[after + 2:]).strip())
        if rest[:1] in ("", " ", "\t", "\n", ")"):
            following = rest.lstrip()
            if following and following[:1] != ")" and not following.startswith(("AND ", "OR ", "NOT ")):
                # `title: covid` : the word after the space was meant.
                corrected = text[:after] + text[after:].lstrip()
            else:
                corrected = " ".join((text[:match.start()] + text[after:]).split())
            raise SyntaxProblem(f"empty field: nothing after '{match.group()}' at column {match.start() + 1} "
                                f"of {text!r}", corrected)


_INFIX = ("AND", "OR", "ANDNOT", "ANDMAYBE")
_TOKENS = re.compile(r'"[^"]*"|[()]|[^\s()"]+')


def check_operators(text: str) -> None:
    """Refuse an operator with nothing to join (`lymphoma AND`, `OR lymphoma`, `lymphoma NOT`):
    Whoosh drops it and searches on, which reads as if it had been applied."""
    tokens = [(m.group(), m.start()) for m in _TOKENS.finditer(text)]
    for n, (token, at) in enumerate(tokens):
        if token not in _INFIX and token != "NOT":
            continue
        before = tokens[n - 1][0] if n else None
        after = tokens[n + 1][0] if n + 1 < len(tokens) else None
        missing = None
        if token == "NOT" and after == "NOT":  # Whoosh's parser fails on it (an IndexError)
            end = tokens[n + 1][1] + 3
            corrected = " ".join((text[:at] + text[end:]).split())
            raise SyntaxProblem(f"'NOT NOT' at column {at + 1} of {text!r} is a double negative: the two cancel",
                                corrected)
        if after in (None, ")") or after in _INFIX:
            missing = "after"
        elif token in _INFIX and (before in (None, "(") or before in _INFIX or before == "NOT"):
            missing = "before"
        if missing:
            corrected = " ".join((text[:at] + text[at + len(token):]).split())
            raise SyntaxProblem(f"'{token}' at column {at + 1} of {text!r} has nothing {missing} it to "
                                "combine", corrected)


# A possessive `'s` (straight or curly) is part of the word before it, as the
# analyzer reads it; taken off here too, so that an index built before the
# analyzer dropped it never requires a word `s`.
_POSSESSIVE = re.compile(r"(?<=[^\W\d_])['\u2019][sS](?![\w'\u2019])")
# How citations list further authors (`Zagolski et al 2010`), not words of a record.
_ET_AL = re.compile(r"(?<![\w:])et\.?\s+al\b\.?", re.IGNORECASE)
# A DOI as a link or with its label (`doi:https://doi.org/10.1/x`, `doi:DOI:10.1/x`).
_DOI_PREFIX = re.compile(r'(?i)(?<![\w.])(doi:"?)\s*(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)')
_PLUS = re.compile(r"(^|(?<=[\s(]))\+(?=[^\s+\-)])")


def _outside_quotes(text: str, change) -> str:
    parts = re.split(r'("[^"]*")', text)
    return "".join(part if part.startswith('"') else change(part) for part in parts)


def tidy_query(text: str, match_any: bool, notes: list[str]) -> str:
    """The query with what is not a word of a record taken off: possessives, `et al`, a DOI's
    link prefix and `+` before a required word. Said in `notes` when a typed word goes."""
    text = _POSSESSIVE.sub("", text)
    text = _DOI_PREFIX.sub(lambda m: m.group(1), text)
    dropped = []
    text = _outside_quotes(text, lambda part: _ET_AL.sub(lambda m: dropped.append(m.group()) or " ", part))
    if dropped:
        notes.append(f"'{dropped[0].strip()}' is left out of the search: citations use it for the other authors")
    plus = _PLUS.search(_blank_quotes(text))
    if plus and match_any:
        raise QueryError(f"'+' at column {plus.start() + 1} of {text!r} makes a word required, which --any "
                         "does not do: join it with AND (word AND (other words))")
    return _outside_quotes(text, lambda part: _PLUS.sub("", part))


def check_syntax(text: str, known_fields: set[str]) -> None:
    """Every strict check, cheapest first; raises QueryError (a SyntaxProblem where a fix is known)."""
    check_size(text)
    check_brackets(text)
    check_fields_given(text, known_fields)
    check_operators(text)
