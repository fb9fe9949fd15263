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


def check_syntax(text: str, known_fields: set[str]) -> None:
    """Every strict check, cheapest first; raises QueryError (a SyntaxProblem where a fix is known)."""
    check_size(text)
    check_brackets(text)
    check_fields_given(text, known_fields)
