"""BibTeX and BibLaTeX (`.bib`), parsed by bibtexparser 2.

Names are split with bibtexparser's own BibTeX rules before LaTeX is decoded
(pylatexenc), so braces still protect a body's name (`{World Health
Organization}`) and `M{\\"u}ller` becomes `Müller` only after. `@string`
macros are resolved by the parser, month macros here.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import unicodedata
from functools import lru_cache

from ..record import Author, Record
from .common import add_record, clean, doi_url, iso_date, language_name, normalize_doi, unique, year_of
from .errors import NotBibliographic, RecordError

_SNIFF = re.compile(r"(?mi)^[ \t]*@[ \t]*(?!string\b|comment\b|preamble\b)[a-z]+[ \t]*[{(][^,\s{}()]*[ \t]*,")
_ISO_DATE = re.compile(r"(1[5-9]\d\d|20\d\d)(?:-(\d\d))?(?:-(\d\d))?")
_CONTAINERS = ("journaltitle", "journal", "booktitle", "series", "howpublished", "school", "institution")
# Entries that are a whole book or volume: their `booktitle` is their own title.
_VOLUMES = ("book", "collection", "proceedings", "mvbook", "mvcollection", "mvproceedings", "reference")
ID_PREFIX = "bib-"


def looks_like_bibtex(text: str) -> bool:
    """An `@type{key,` entry at the start of a line."""
    return bool(_SNIFF.search(text))


@lru_cache(maxsize=1)
def _latex():
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def decode_latex(value: str | None) -> str | None:
    """`M{\\"u}ller` → `Müller`, `{P}i` → `Pi`, `\\&` → `&`; HTML entities and NFD too."""
    if value is None:
        return None
    text = str(value)
    if "\\" in text or "{" in text or "$" in text:
        try:
            text = _latex().latex_to_text(text)
        except Exception:  # pylatexenc gives up on unbalanced input: keep the text, braces dropped
            text = text.replace("{", "").replace("}", "")
    if "&" in text:
        text = html.unescape(text)
    return clean(unicodedata.normalize("NFC", text))


def read_bibtex(text: str, source: str) -> tuple[list[Record], list[tuple[int, str]], list[str]]:
    import bibtexparser
    from bibtexparser import model
    from bibtexparser.middlewares import ResolveStringReferencesMiddleware
    # The parser logs each entry it gives up on; those are reported here, by position.
    logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
    try:
        # Values are unwrapped here, not by the parser, so that a `#` joining pieces is told
        # from one inside braces (`{http://example.org/#part}`).
        library = bibtexparser.parse_string(text, parse_stack=[ResolveStringReferencesMiddleware(True)])
    except Exception as exc:  # the splitter raises on input it cannot cut into blocks
        raise RecordError(source, f"unreadable BibTeX: {str(exc)[:80]}") from None
    macros = {k.lower(): _value(v.value, {}) for k, v in library.strings_dict.items() if isinstance(v.value, str)}
    records, problems, warnings, position = [], [], [], 0
    for block in library.blocks:
        entry = block if isinstance(block, model.Entry) else getattr(block, "ignore_error_block", None)
        if isinstance(block, model.ParsingFailedBlock) and not isinstance(entry, model.Entry):
            position += 1
            problems.append((position, f"unreadable entry: {str(block.error)[:80]}"))
            continue
        if not isinstance(entry, model.Entry):
            continue  # @string, @comment, @preamble, text between entries
        position += 1
        add_record((records, problems, warnings), position, "entry",
                   lambda: bibtex_record(entry, source, position, macros))
    if not records and not problems and not warnings:
        raise RecordError(source, "no BibTeX entries (`@article{key,` …) found")
    return records, problems, warnings


def bibtex_record(entry, source: str, position: int, macros: dict[str, str] | None = None) -> Record:
    fields = {f.key.lower(): _value(f.value, macros or {}) for f in entry.fields if isinstance(f.value, str)}

    def get(*names: str) -> str | None:
        return next((v for v in (decode_latex(fields.get(n)) for n in names) if v), None)

    kind = entry.entry_type.lower()
    title = get("title") or (get("booktitle", "maintitle") if kind in _VOLUMES else None)
    authors = _names(fields.get("author")) or _names(fields.get("editor"))
    if not title and not authors:
        raise NotBibliographic(source, f"entry {entry.key!r} has no title and no authors: not indexed")
    if not title:
        raise RecordError(source, f"entry {entry.key!r}: no title")
    # A volume's booktitle may repeat its own title; a journal named like the article is still its journal.
    container = next((v for name in _CONTAINERS if (v := get(name)) and (v != title or "journal" in name)), None)
    date = _date(fields)
    dois = [d for d in (normalize_doi(decode_latex(fields.get(n))) for n in ("doi", "url")) if d]
    identifiers = {}
    for kind_name, names in (("isbn", ("isbn",)), ("pmid", ("pmid",)), ("pmcid", ("pmcid",))):
        value = get(*names)
        if value:
            identifiers[kind_name] = value
    if (get("archiveprefix", "eprinttype") or "").lower() == "arxiv" and get("eprint"):
        identifiers["arxiv"] = get("eprint")
    keywords = re.split(r"\s*[;,]\s*", get("keywords", "keyword") or "")
    url = get("url")
    raw = "\x1f".join([entry.entry_type.lower(), entry.key, *(f"{f.key}\x1e{f.value}" for f in entry.fields)])
    return Record(
        id=ID_PREFIX + hashlib.blake2b(raw.encode("utf-8"), digest_size=8).hexdigest(),
        title=title,
        summary=get("abstract"),
        authors=authors,
        subjects=unique(keywords),
        journal=container,
        publisher=get("publisher", "organization"),
        issns=unique(re.findall(r"\d{4}-?\d{3}[\dXx]", get("issn") or "")),
        date=date,
        year=year_of(date),
        volume=get("volume"),
        pages=get("pages"),
        language=language_name(get("language", "langid")),
        url=url or doi_url(dois[0] if dois else None),
        doi=dois[0] if dois else None,
        identifiers=identifiers,
        source=source,
        position=position,
        affiliation_text=get("affiliation", "affiliations"),
    )


def _value(raw: str, macros: dict[str, str]) -> str:
    """A field as written: `{…}` or `"…"` unwrapped, `ann # "Public Health"` joined with
    its macros resolved (bibtexparser 2 leaves a `#` concatenation as written)."""
    pieces, depth, quoted, current = [], 0, False, []
    for ch in raw:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            pieces.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    pieces.append("".join(current).strip())
    out = []
    for piece in pieces:
        if len(piece) >= 2 and (piece[0], piece[-1]) in (("{", "}"), ('"', '"')):
            out.append(piece[1:-1])
        else:
            out.append(macros.get(piece.lower(), piece))
    return "".join(out)


def _names(value: str | None) -> list[Author]:
    """BibTeX names, `and`-separated; `and others` dropped; a braced body kept whole."""
    if not value or not value.strip():
        return []
    from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts, split_multiple_persons_names

    authors = []
    for person in split_multiple_persons_names(value):
        person = person.strip()
        if not person or person.lower() == "others":
            continue
        if person.startswith("{") and person.endswith("}") and person.count("{") == 1:
            name = decode_latex(person)  # `{World Health Organization}`: a body, never `Organization, W. H.`
        else:
            try:
                parts = parse_single_name_into_parts(person)
                name = decode_latex(" ".join(parts.first + parts.von + parts.last + parts.jr))
            except InvalidNameError:
                name = decode_latex(person)
        if name:
            authors.append(Author(name))
    return authors


def _date(fields: dict) -> str | None:
    """BibLaTeX `date` (`2009-03`, `2009-03-15/2009-04-01`), else `year` and `month` (`apr`, `4`, `April`)."""
    match = _ISO_DATE.search(fields.get("date") or "")
    if match:
        return iso_date(*match.groups())
    year = decode_latex(fields.get("year"))
    month = decode_latex(fields.get("month"))
    day = decode_latex(fields.get("day"))
    return iso_date(year, month, day) if year_of(year) else None
