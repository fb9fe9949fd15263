"""Did you mean: rescue a search that found nothing or little.

First, words the index does not hold are replaced by the closest words it
does hold (in the same fields). If that finds nothing more and a year was
typed, the other words with `--year` around it; otherwise a relaxed variant
(any word instead of all) and a fuzzy one (`word~`). Each suggestion is a
ready-to-run command with the number of records it finds. The caller bounds
the time; here the cost per word is one walk of the lexicon per first letter
and field, and rapidfuzz comparisons with the words of about its length.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter

import math

from rapidfuzz.distance import OSA

from ..engine.executor import count_matching, matching_docs
from ..engine.schema import DEFAULT_FIELDS, FIELD_ALIASES, is_text_field
from ..engine.years import bare_years, is_year
from ..errors import QueryError
from .facets import describe_filters
from ..engine.analysis import is_stemmed, stem_forms
from ..names import fold_words

_WORD = re.compile(r"[^\W\d_][\w'-]*")
_FIELDED = re.compile(r'([A-Za-z_]\w*):("[^"]*"?|\S+)')
_OPERATORS = {"AND", "OR", "NOT", "TO", "ANDNOT", "ANDMAYBE"}
# Fields whose vocabulary corrects an unfielded word; names are not stemmed,
# so a misspelt surname is corrected from the author field.
_CORRECT_FROM = ("summary", "title", "author")
_CANONICAL = {alias: name for name, aliases in FIELD_ALIASES.items() for alias in aliases}


def _words(text: str):
    """(start, end, word, field or None) for each plain word of a query."""
    fielded = [(m.start(2), m.end(2), _CANONICAL.get(m.group(1), m.group(1))) for m in _FIELDED.finditer(text)]
    for m in _WORD.finditer(text):
        word, end = m.group(), m.end()
        if word in _OPERATORS or text[end:end + 1] in (":", "*", "?", "~", "^") or text[m.start() - 1:m.start()] == "#":
            continue
        field = next((f for s, e, f in fielded if s <= m.start() < e), None)
        yield m.start(), end, word, field


def _known(reader, schema, fieldnames, word: str) -> bool:
    for fieldname in fieldnames:
        if not is_text_field(schema, fieldname):
            return True  # a number, an id: nothing to correct
        terms = [t.text for t in schema[fieldname].analyzer(word, mode="query")]
        if not terms or all((fieldname, t) in reader for t in terms):
            return True
    return False


def _surface(searcher, fieldname: str, term: str, typed: str = "") -> str:
    """A word as records write it whose indexed (stemmed) form is `term`: of those seen in a
    few records, the closest to `typed` (`vacination`: `vaccination`, not `vaccine`), then the commonest."""
    from ..engine.documents import field_text, stored_record
    from ..engine.postings import posting_ids
    from .matches import match_spans

    reader, analyzer = searcher.reader(), searcher.schema[fieldname].analyzer
    seen: Counter = Counter()
    for n, docnum in enumerate(posting_ids(reader, fieldname, term)):
        if n == 10:
            break
        stored = reader.stored_fields(docnum)
        if "record" not in stored:
            continue
        text = field_text(stored_record(stored), fieldname)
        seen.update(text[s:e].lower() for s, e, _ in match_spans(text, analyzer, {term}))
    if not seen:
        return term
    return min(seen, key=lambda form: (OSA.distance(form, typed) if typed else 0, -seen[form], form))


def _close_words(reader, lexicons: dict, fieldname: str, form: str, maxdist: int) -> list[str]:
    """The field's words within `maxdist` edits of `form` sharing its first letter.

    The words of a first letter are read from the lexicon once per rescue (in
    `lexicons`): a rescue compares several forms of several words, and each
    word read from a Whoosh lexicon costs a few microseconds. Only words of
    about the length of `form` are compared, by rapidfuzz, so a word longer
    than any indexed one costs no comparison at all.
    """
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    key = (fieldname, form[:1])
    if key not in lexicons:
        by_length: dict[int, list[str]] = {}
        for btext in reader.expand_prefix(fieldname, form[:1]):
            word = btext.decode("utf-8")
            by_length.setdefault(len(word), []).append(word)
        lexicons[key] = by_length
    by_length = lexicons[key]
    near = [w for n in range(len(form) - maxdist, len(form) + maxdist + 1) for w in by_length.get(n, ())]
    return [w for w, _, _ in process.extract(form, near, scorer=OSA.distance, score_cutoff=maxdist, limit=None)]


def candidates(searcher, word: str, fieldnames, limit: int = 8, lexicons: dict | None = None) -> list[tuple[str, str]]:
    """(field, indexed word) the index holds in `fieldnames` close to `word` (which it does not hold),
    closest first."""
    reader, schema = searcher.reader(), searcher.schema
    lexicons = {} if lexicons is None else lexicons
    typed = "".join(fold_words(word))
    ranked = {}
    for fieldname in fieldnames:
        if not is_text_field(schema, fieldname):
            continue
        for term in [t.text for t in schema[fieldname].analyzer(word, mode="query")][:1]:
            # Indexed words are stems (`natural` is `natur`): a misspelt word
            # keeps its ending, so its shorter forms are compared too.
            forms = [(term, 1 if len(term) <= 4 else 2)]
            # (Walking a lexicon costs: the shorter forms in the largest one only.)
            if fieldname == fieldnames[0] and fieldname != "author" and len(term) >= 5:
                forms += [(term[:-1], 1), (term[:-2], 1)]
            for form, maxdist in forms:
                for candidate in _close_words(reader, lexicons, fieldname, form, maxdist):
                    if candidate == term:
                        continue
                    # A cut ending counts as one edit (a stem drops a suffix whole); a stem is
                    # as close as the closest word it stands for (`natural` for `natur`).
                    distance = min(OSA.distance(f, candidate) + (f != term) for f, _ in forms)
                    if is_stemmed(schema[fieldname].analyzer):
                        distance = min([distance] + [OSA.distance(typed, w) for w in stem_forms(candidate)])
                    # A common word beats a rare one at the same distance, and one a letter
                    # nearer when it is in a hundred times as many records (`childern`: `children`,
                    # 205 records, not the surname `childers`, 1).
                    rank = distance - math.log10(1 + reader.doc_frequency(fieldname, candidate)) / 2
                    if (fieldname, candidate) not in ranked or rank < ranked[(fieldname, candidate)]:
                        ranked[(fieldname, candidate)] = rank
    return sorted(ranked, key=ranked.get)[:limit]


def surface_word(searcher, word: str, fieldname: str, term: str) -> str:
    """A candidate as the records write it (names are indexed as written), in the case `word` was typed."""
    surface = _surface(searcher, fieldname, term, "".join(fold_words(word))) if fieldname != "author" else term
    return surface if word.islower() or not word.isalpha() else surface.capitalize()


def corrections(searcher, word: str, fieldnames, limit: int = 8) -> list[str]:
    """Words the index holds in `fieldnames` close to `word` (which it does not hold), closest first."""
    words = []
    for fieldname, term in candidates(searcher, word, fieldnames, limit):
        surface = surface_word(searcher, word, fieldname, term)
        if surface not in words:
            words.append(surface)
    return words


def _command(text: str, match_any: bool, filters) -> str:
    parts = ["recsearch search", shlex.quote(text)]
    if match_any:
        parts.append("--any")
    if filters:
        parts.append(describe_filters(filters))
    return " ".join(parts)


def _count(index, searcher, text: str, match_any: bool, filters) -> int | None:
    try:
        q = index.prepare(text, match_any, filters, searcher, [], None, set())
    except QueryError:
        return None
    return count_matching(searcher, q)


def rescue(index, searcher, text: str, options, total: int, found: list[dict] | None = None,
           deadline: float | None = None) -> list[dict]:
    """Ready-to-run searches that find more than `total` records, best kind first.

    Suggestions go into `found` as they are made, so a time limit cuts the rest, not them;
    past `deadline` (time.monotonic()) no more are tried."""
    import time

    reader, schema = searcher.reader(), searcher.schema
    found = [] if found is None else found

    def late() -> bool:
        return deadline is not None and time.monotonic() > deadline

    def offer(kind: str, variant: str, match_any: bool, filters=None) -> bool:
        filters = options.filters if filters is None else filters
        if (variant == text and match_any == options.match_any and filters == options.filters) or late():
            return False
        hits = _count(index, searcher, variant, match_any, filters)
        if hits and hits > total:
            found.append({"kind": kind, "query": variant, "any": match_any, "hits": hits,
                          "command": _command(variant, match_any, filters)})
            return True
        return False

    # Each unknown word takes the closest known word with which the query finds
    # something (else the closest): `natral` after `lymphopenia` is `natural`, not `natal`.
    words = list(_words(text))

    def with_choices(extra: dict[int, str]) -> str:
        out, last = [], 0
        for start, end, *_ in words:
            if start in extra:
                out += [text[last:start], extra[start]]
                last = end
        return "".join(out) + text[last:]

    # Candidates are tried as the index holds them (stems: reading records to
    # find how they write a word costs); the chosen ones are then written out.
    unknown: dict[int, list[tuple[str, str]]] = {}
    typed = {start: word for start, end, word, field in words}
    lexicons: dict = {}
    for start, end, word, field in words:
        if late():
            return found
        if not _known(reader, schema, [field] if field else list(DEFAULT_FIELDS), word):
            unknown[start] = candidates(searcher, word, [field] if field else _CORRECT_FROM, lexicons=lexicons)
    picked: dict[int, tuple[str, str]] = {}
    for start, options_here in unknown.items():
        # Words not yet chosen take their closest candidate while this one is tried.
        pending = {s: c[0][1] for s, c in unknown.items() if c and s not in picked}
        for candidate in options_here:
            if late():
                return found
            query = with_choices({**pending, **{s: t for s, (_, t) in picked.items()}, start: candidate[1]})
            if _count(index, searcher, query, options.match_any, options.filters):
                picked[start] = candidate
                break
        else:
            if options_here:
                picked[start] = options_here[0]
    chosen = {start: surface_word(searcher, typed[start], fieldname, term)
              for start, (fieldname, term) in picked.items()}
    if chosen:
        offer("correction", with_choices(chosen), options.match_any)
    if total == 0 and not found and _year_rescue(with_choices(chosen), options, offer):
        return found
    if total == 0 and not found:
        plain = words
        if len(plain) > 1 and not options.match_any:
            offer("any word", text, True)
        fuzzy, last = [], 0
        for start, end, word, field in plain:
            if len(word) >= 3:
                fuzzy += [text[last:end], "~"]
                last = end
        offer("fuzzy", "".join(fuzzy) + text[last:], options.match_any)
    if total == 0 and not late():
        _author_rescue(index, reader, text, found)
    return found


MAX_NAME_WORDS = 5


def name_in_query(reader, text: str) -> str | None:
    """The person a query seems to name (`Zagolski O, 2010`, `author:"zagolski, olaf"`): a few
    words, no operator or other field, years and `et al` aside, of which the author field holds
    every full word, or one when the words are written with capitals."""
    from .syntax import tidy_query

    text = tidy_query(text, False, [])
    for match in reversed(bare_years(text)):
        text = text[:match.start()] + text[match.end():]
    fielded = {m.group(1) for m in _FIELDED.finditer(text)}
    if fielded - {"author", "authors"} or re.search(r"[()#~*?^]", text):
        return None
    name = " ".join(re.sub(r'\b(?:author|authors):|"', " ", text).split()).strip(" ,;")
    words = name.replace(",", " ").split()
    if not words or len(words) > MAX_NAME_WORDS or any(w in _OPERATORS for w in words):
        return None
    if not all(_WORD.fullmatch(w.rstrip(".")) for w in words):
        return None
    full = [w for w in fold_words(name) if len(w) > 1]
    held = [w for w in full if ("author", w) in reader]
    capitals = all(w[:1].isupper() for w in words)
    if not held or (len(held) < len(full) and not capitals):
        return None
    return name


def _author_rescue(index, reader, text: str, found: list[dict]) -> None:
    """A search for a person that found nothing: `recsearch author NAME`, the fuzzy way."""
    name = name_in_query(reader, text)
    if name is None:
        return
    people = index.authors(name, limit=10, max_records=1)
    if people:
        found.append({"kind": "author", "query": name, "any": False, "hits": len(people),
                      "command": f"recsearch author {shlex.quote(name)}"})


def _year_rescue(text: str, options, offer) -> bool:
    """A search that fails because of a year typed in it (`harel 2021 noninferior` for a
    record of 2020): the other words with `--year` a year either side, else without the year."""
    years = bare_years(text)
    if not years or "year" in options.filters:
        return False
    rest = text
    for match in reversed(years):
        rest = rest[:match.start()] + rest[match.end():]
    rest = " ".join(rest.split())
    if not rest:
        return False
    around = [f"{int(m.group(1)) - 1}-{int(m.group(1)) + 1}" for m in years]
    filters = {**options.filters, "year": list(dict.fromkeys(around))}
    return offer("year", rest, options.match_any, filters) or offer("without the year", rest, options.match_any)
