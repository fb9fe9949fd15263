"""Why a record matched: the words of a query found in each field, and a snippet.

The query's terms are analysed forms (folded, stemmed); each field of a hit is
analysed again with the field's own analyzer, so the words shown are the
record's words as written (`Pérez` for the typed `perez`, `treatments` for
`treatment`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.documents import field_text
from ..record import Record

# The field a snippet is taken from, first that matched.
SNIPPET_ORDER = ("summary", "title", "affil", "subject", "author", "journal", "publisher")
SNIPPET_CHARS = 220


def match_spans(text: str, analyzer, words: set[str]) -> list[tuple[int, int, str]]:
    """Character spans of the words of `text` whose analysed form is in `words`, with that form."""
    spans = []
    for token in analyzer(text, chars=True, mode="index"):
        if token.text in words:
            span = (token.startchar, token.endchar, token.text)
            if not spans or spans[-1][:2] != span[:2]:  # a word folded into several tokens
                spans.append(span)
    return spans


@dataclass
class FieldMatch:
    field: str
    words: list[str]  # as written in the record
    terms: list[str]  # the indexed form each of `words` matched
    spans: list[tuple[int, int]] = field(default_factory=list, repr=False)

    def to_dict(self, origins: dict[tuple[str, str], str] | None = None) -> dict:
        data = {"field": self.field, "words": self.words, "terms": self.terms}
        expanded = {t: origins[(self.field, t)] for t in self.terms if origins and (self.field, t) in origins}
        if expanded:
            data["expanded_from"] = expanded
        return data


def matched_fields(record: Record, words: dict[str, set[str]], schema) -> list[FieldMatch]:
    """The fields of `record` holding words of the query, with the words as written."""
    found = []
    for fieldname, terms in words.items():
        if fieldname not in schema or not getattr(schema[fieldname], "analyzer", None):
            continue
        text = field_text(record, fieldname)
        if not text:
            continue
        spans = match_spans(text, schema[fieldname].analyzer, terms)
        if spans:
            # One entry per word and case: `Cancer` and `cancer` are one word.
            pairs = list({(text[s:e].lower(), term): (text[s:e], term) for s, e, term in reversed(spans)}.values())
            pairs.reverse()
            found.append(FieldMatch(fieldname, [w for w, _ in pairs], [t for _, t in pairs],
                                    [(s, e) for s, e, _ in spans]))
    if record.year is not None and "year" in schema and schema["year"].to_bytes(record.year) in words.get("year", ()):
        found.append(FieldMatch("year", [str(record.year)], [str(record.year)], []))  # a typed year
    found.sort(key=lambda m: SNIPPET_ORDER.index(m.field) if m.field in SNIPPET_ORDER else 99)
    return found


@dataclass
class Snippet:
    field: str
    text: str
    highlights: list[tuple[int, int]]  # spans of `text` to show in bold

    def to_dict(self) -> dict:
        return {"field": self.field, "text": self.text, "highlights": [list(s) for s in self.highlights]}


def make_snippet(record: Record, matches: list[FieldMatch], width: int = SNIPPET_CHARS) -> Snippet | None:
    """A passage of about `width` characters around the most matched words of the best field."""
    matches = [m for m in matches if m.spans]  # (a year has no passage)
    if not matches:
        return None
    best = matches[0]
    text = field_text(record, best.field)
    spans = best.spans
    # The window holding the most matches; cut at spaces.
    start = max(((s, sum(1 for t, _ in spans if s <= t and t < s + width)) for s, _ in spans),
                key=lambda item: item[1])[0]
    start = max(0, start - width // 4)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    passage = text[start:end]
    highlights = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix)
    return Snippet(best.field, prefix + passage + suffix, [(s + shift, e + shift) for s, e in highlights])


def render_snippet(snippet: Snippet, bold: bool) -> str:
    """The snippet's text, its matched words in bold (ANSI) when `bold`."""
    if not bold:
        return snippet.text
    out, last = [], 0
    for s, e in snippet.highlights:
        out += [snippet.text[last:s], "\x1b[1m", snippet.text[s:e], "\x1b[0m"]
        last = e
    out.append(snippet.text[last:])
    return "".join(out)
