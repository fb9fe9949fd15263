"""What two records are compared by: folded titles, pages, identifiers, names, kinds of item.

Every normalizer here is total (any text in, a value out, never an error) and
idempotent, so that the same work read from two databases gives equal keys.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache


from ..names import split_name
from ..record import Record
from ..text import transliterate

_TAGS = re.compile(r"<[^>]{0,200}>")
# `{\"u}`, `\'{e}`, `\c c`: a LaTeX accent on one letter is the letter.
_LATEX_ACCENT = re.compile(r"\\[\"'^`~=.uvHckbdrt]\s*\{?\s*([A-Za-z])\}?")
_LATEX_COMMAND = re.compile(r"\\([A-Za-z]+)\s*")
_BRACKETED = re.compile(r"^\s*\[(.+)\]\s*\.?\s*$", re.S)
_TRAILING_BRACKET = re.compile(r"\s*[\[(][^\[\]()]{3,}[\])]\s*\.?\s*$")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_GREEK = dict(zip("αβγδεζηθικλμνξπρστυφχψω",
                  "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
                  "upsilon phi chi psi omega".split()))
_GREEK_LETTERS = frozenset(_GREEK)
_MARKUP = re.compile(r"[&<\\]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_SUPPLEMENT = re.compile(r"suppl|^s\d")
_ABSTRACT_NUMBER = re.compile(r"^(abstract|abs|p|s)\s?\d")
_HEAD_DIGITS = re.compile(r"([a-z]*)(\d+)")
_OWN_ID = re.compile(r"^(pmid|cord|doaj-art)-(\S+)$")
_PAGE_NUMBER = re.compile(r"[A-Za-z]*\d+")
_DOI = re.compile(r"10\.\d{3,9}/\S+")
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?(?:[a-z]{1,2}\.?)?){1,6}$")

# Titles that name a kind of item, not a work: never enough on their own.
GENERIC_TITLES = frozenset({
    "editorial", "introduction", "reply", "preface", "foreword", "commentary", "comment", "response",
    "erratum", "errata", "corrigendum", "correction", "retraction", "editors note", "editor s note", "letter",
    "letters", "letter to the editor", "letter to editor", "book review", "book reviews", "review", "index",
    "contents", "table of contents", "in this issue", "obituary", "news", "announcement", "announcements",
    "abstracts", "abstract", "acknowledgements", "acknowledgments", "acknowledgement", "reviewers",
    "thank you to our reviewers", "to our reviewers", "conclusion", "conclusions", "discussion", "summary",
    "overview", "guest editorial", "untitled", "authors reply", "author reply", "the authors reply",
    "reply to the letter", "in reply", "reply to comment", "response to comment", "response to letter",
    "notice of retraction", "expression of concern", "case report", "correspondence", "highlights",
    "editorial comment", "invited commentary", "erratum notice", "correction notice", "introduction to the special issue",
    "preface to the special issue", "letter from the editor", "message from the editor", "about the cover",
})

# A title opening (or, for notices, holding) these words is a notice about another item.
_KIND_PATTERNS = [
    ("retraction", re.compile(r"^(retraction( note| notice)?( of| to| for)?|retracted|notice of retraction|"
                              r"withdrawn|withdrawal)\b|\bretraction (note|notice)\b|^\W*retracted article\b")),
    ("erratum", re.compile(r"^(erratum|errata|corrigendum|corrigenda|correction|corrections|addendum|"
                           r"publisher s note|author correction|publisher correction|notice of correction)\b")),
    ("concern", re.compile(r"^expression of concern\b")),
    ("reply", re.compile(r"^(reply|replies|response|responses|in reply|authors reply|author reply|the authors reply|"
                         r"authors response|rebuttal)\b|\b(authors|author s) reply\b|^re\b")),
    ("comment", re.compile(r"^(comment|comments|commentary|letter|letters|invited commentary|editorial comment)\b"
                           r"( (on|to|regarding|re|about|in response to))?\b|^(a )?comment on\b")),
]
# Every notice pattern above needs one of these in the title (or a title opening `re`): the rest are articles.
_NOTICE_WORDS = ("retract", "withdraw", "errat", "corrigend", "correction", "addendum", "publisher s note",
                 "expression of concern", "repl", "respons", "rebuttal", "comment", "letter")
# A venue of meeting abstracts, not of articles.
_MEETING = re.compile(r"\b(abstracts?|congress|meeting|conference|symposium|proceedings|annual scientific|"
                      r"supplement|suppl|poster|workshop|proc)\b")
_SMALL_WORDS = frozenset("of the and for in on a an de la des der die und y e i da do du to".split())


def fold(text: str | None) -> str:
    """Lower case ASCII words separated by single spaces: no accents, punctuation, HTML or LaTeX."""
    if not text:
        return ""
    if text.isascii() and not _MARKUP.search(text):
        # No entity, tag or LaTeX to undo, nothing to transliterate: the long way gives this (a dedup
        # run folds every record's title, journal and names; this is most of them).
        return " ".join(_NOT_WORD.sub(" ", text.lower()).split())
    text = html.unescape(html.unescape(text))
    text = _TAGS.sub(" ", text)
    text = text.casefold()  # casefold, not lower: `µ` (micro) and `Μ` (capital mu) are one letter then
    if not _GREEK_LETTERS.isdisjoint(text):
        text = "".join(_GREEK.get(c, c) for c in text)
    text = _LATEX_ACCENT.sub(r"\1", text)
    text = _LATEX_COMMAND.sub(r"\1 ", text)
    # transliteration maps each character on its own: only the non-ASCII runs need it.
    text = _NON_ASCII.sub(lambda m: transliterate(m.group(0)), text).lower().replace("&", " and ")
    return " ".join(_NOT_WORD.sub(" ", text).split())


# Journals, volumes and names repeat across records: folded once each.
fold_repeated = lru_cache(maxsize=100_000)(fold)


def title_key(title: str | None) -> str:
    """The title folded, without the brackets a translated title comes in or a trailing bracketed translation."""
    text = (title or "").strip()
    text = html.unescape(_TAGS.sub("", text))
    bracketed = _BRACKETED.match(text)
    if bracketed:  # PubMed's `[English title].` of an article in another language
        text = bracketed.group(1)
    else:
        trimmed = _TRAILING_BRACKET.sub("", text)
        if trimmed != text and len(fold(trimmed).split()) >= 3:  # `Title [Titre]`; not `Vitamin D (cholecalciferol)` alone
            text = trimmed
    return fold(text)


def is_generic(key: str) -> bool:
    """A title that names a kind of item ("Editorial", "Reply") or holds fewer than three words."""
    words = key.split()
    return key in GENERIC_TITLES or len(words) < 3 and not any(len(w) > 7 for w in words) or len(key) < 12


def item_kind(key: str) -> str:
    """`erratum`, `retraction`, `concern`, `reply`, `comment` for a notice about another item, else `article`."""
    if not key.startswith("re") and not any(word in key for word in _NOTICE_WORDS):
        return "article"  # the patterns' searches cost more than the whole of the other keys
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(key):
            return kind
    return "article"


def is_meeting_venue(journal_key: str, volume: str | None, pages: str | None) -> bool:
    """A venue that prints meeting abstracts (a congress, a supplement, abstract numbers as pages)."""
    if _MEETING.search(journal_key):
        return True
    return bool(_SUPPLEMENT.search(fold_repeated(volume))) or bool(_ABSTRACT_NUMBER.match(fold(pages)))


def page_range(pages: str | None) -> tuple[str, str]:
    """(first, last) page: `221-8` → (221, 228); `e1003` → (e1003, e1003); `S12-S15` → (s12, s15); none → ('', '')."""
    numbers = _PAGE_NUMBER.findall(transliterate(pages or "").replace("pp.", " ").replace("p.", " "))
    numbers = [n.lower() for n in numbers]
    if not numbers:
        return "", ""
    first, last = numbers[0], numbers[-1] if len(numbers) > 1 else numbers[0]
    head, digits = _HEAD_DIGITS.match(first).groups()
    last_head, last_digits = _HEAD_DIGITS.match(last).groups()
    if len(last_digits) < len(digits) and not last_head:  # `221-8`, `1021-30`: the last page's ending only
        last_digits = digits[: len(digits) - len(last_digits)] + last_digits
        last_head = head
    return head + digits.lstrip("0") or "0", (last_head or head) + (last_digits.lstrip("0") or "0")


def doi_key(doi: str | None) -> str:
    """A DOI lower case, without resolver or `doi:` prefix and trailing punctuation; '' if none."""
    match = _DOI.search(transliterate(doi or "").strip())
    return match.group(0).rstrip(".,;)]").lower() if match else ""


def identifier_keys(record: Record) -> set[str]:
    """`pmid:123`, `pmcid:PMC45`, `arxiv:…`: the identifiers that name one work (not ISBNs: a book's chapters share it)."""
    found = set()
    for kind, value in record.identifiers.items():
        kind, value = kind.lower(), str(value).strip()
        if kind == "accession":  # our own exports carry the record's id: `pmid-123`, `cord-ab12`
            own = _OWN_ID.match(value)
            if not own:
                continue
            kind, value = {"pmid": "pmid", "cord": "cord_uid", "doaj-art": "doaj"}[own.group(1)], own.group(2)
        if kind in ("isbn", "issn", "oai", "control_number", "lccn", "oclc", "accession"):
            continue
        if kind == "pmid":
            value = value.lstrip("0") if value.isdigit() else ""
        elif kind == "pmcid":
            digits = re.sub(r"\D", "", value)
            value = f"PMC{digits}" if digits else ""
        elif kind == "arxiv":
            value = re.sub(r"^arxiv:|v\d+$", "", value.lower())
        if value:
            found.add(f"{kind}:{value.lower()}")
    own = _OWN_ID.match(record.id)
    if own:
        kind = {"pmid": "pmid", "cord": "cord_uid", "doaj-art": "doaj"}[own.group(1)]
        found.add(f"{kind}:{own.group(2).lower()}")
    return found


@lru_cache(maxsize=100_000)
def family_key(name: str | None) -> str:
    """An author's family name folded, letters only (`Pérez-Martínez` → `perezmartinez`)."""
    if not name:
        return ""
    words = name.split()
    if "," in name:
        family = name.split(",", 1)[0]
    elif len(words) > 1 and _INITIALS.match(words[-1]) and not all(_INITIALS.match(w) for w in words[:-1]):
        family = " ".join(words[:-1])  # MEDLINE's `Carneiro de Oliveira RdM`, `Wang YWZCJ`
    else:
        family = split_name(name)[0]
    return re.sub(r"[^a-z]", "", transliterate(family).lower())


def journal_words(journal: str | None) -> list[str]:
    """The journal's words folded, without `of`, `the`, `and`: what abbreviations keep."""
    return [w for w in fold_repeated(journal).split() if w not in _SMALL_WORDS]


def journals_agree(a: list[str], b: list[str]) -> bool:
    """`J Clin Oncol` and `Journal of Clinical Oncology`: every word of the shorter starts its counterpart."""
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) != len(long) and not all(len(w) <= 5 for w in short):
        return False
    return len(short) == len(long) and all(l.startswith(s) or s.startswith(l) for s, l in zip(short, long))


@dataclass
class WorkKeys:
    """One record reduced to what deduplication compares."""

    id: str
    title: str  # title_key
    year: int | None = None
    family: str = ""  # first author
    families: tuple[str, ...] = ()  # the first five authors
    name_words: tuple[str, ...] = ()  # every word of the first author's name (names given in either order)
    journal: list[str] = field(default_factory=list)
    issns: frozenset = frozenset()
    volume: str = ""
    first_page: str = ""
    last_page: str = ""
    doi: str = ""
    ids: frozenset = frozenset()
    kind: str = "article"
    meeting: bool = False
    source: str = ""
    completeness: int = 0  # how many fields the record fills: the most complete one stands for its work

    def to_row(self) -> list:
        return [self.id, self.title, self.year, self.family, list(self.families), self.journal, sorted(self.issns),
                self.volume, self.first_page, self.last_page, self.doi, sorted(self.ids), self.kind, self.meeting,
                self.source, self.completeness, list(self.name_words)]

    @classmethod
    def from_row(cls, row: list) -> WorkKeys:
        (rid, title, year, family, families, journal, issns, volume, first, last, doi, ids, kind, meeting, source,
         completeness, name_words) = row
        return cls(rid, title, year, family, tuple(families), tuple(name_words), journal, frozenset(issns), volume,
                   first, last, doi, frozenset(ids), kind, meeting, source, completeness)


def work_keys(record: Record) -> WorkKeys:
    key = title_key(record.title)
    first, last = page_range(record.pages)
    journal = journal_words(record.journal)
    filled = sum(bool(v) for v in (record.summary, record.doi, record.journal, record.year, record.volume,
                                   record.pages, record.issns, record.subjects, record.identifiers))
    return WorkKeys(
        id=record.id, title=key, year=record.year,
        family=family_key(record.authors[0].name) if record.authors else "",
        families=tuple(family_key(a.name) for a in record.authors[:5]),
        name_words=tuple(fold_repeated(record.authors[0].name).split()) if record.authors else (),
        journal=journal, issns=frozenset(re.sub(r"[^0-9x]", "", i.lower()) for i in record.issns),
        volume=fold_repeated(record.volume), first_page=first, last_page=last,
        doi=doi_key(record.doi), ids=frozenset(identifier_keys(record)), kind=item_kind(key),
        meeting=is_meeting_venue(" ".join(journal), record.volume, record.pages),
        source=record.source or "", completeness=filled + len(record.authors[:3]),
    )
