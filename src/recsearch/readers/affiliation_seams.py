"""Cut the concatenated affiliations of a seed record's `spelling` into one per author.

The affiliations of a record reach us only concatenated, in author order
(`…Madrid, SpainHospital La Paz…`). They are cut where one address visibly
ends and the next begins, and only when the cut count fits the number of
affiliated authors; anything less certain is left whole.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache

from ..text import transliterate


@lru_cache(maxsize=1)
def _address_endings() -> tuple[frozenset[str], tuple[int, ...]]:
    """Country names (English, their common and official forms, and five
    languages) plus usual short forms: the words an address ends with."""
    import pycountry

    names: set[str] = set()
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names.add(value)
                # "Korea, Republic of" is written "Republic of Korea".
                if ", " in value:
                    head, tail = value.split(", ", 1)
                    names.add(f"{tail} {head}")
                    names.add(head)
    for lang in ("es", "pt", "fr", "de", "it"):
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:
            continue
        names |= {tr.gettext(n) for n in list(names)}
    names |= {
        "USA", "U.S.A.", "U.S.A", "US", "U.S.", "UK", "U.K.", "England", "Scotland",
        "Wales", "Northern Ireland", "PR China", "P.R. China", "P. R. China",
        "People's Republic of China", "Korea", "South Korea", "Republic of Korea",
        "Russia", "Iran", "Taiwan", "Vietnam", "Turkey", "Czech Republic",
        "The Netherlands", "Holland", "Syria", "Laos", "Tanzania", "Venezuela",
        "Bolivia", "Moldova", "Macedonia", "North Macedonia", "Ivory Coast",
        "Kosovo", "Hong Kong", "Macau", "Macao", "Palestine", "Brunei",
        "Corresponding author", "Corresponding Author", "corresponding author",
    }
    names |= {transliterate(n) for n in names}
    by_end: dict[str, set[int]] = {}
    for name in names:
        by_end.setdefault(name[-2:], set()).add(len(name))
    return frozenset(names), {end: tuple(sorted(lengths)) for end, lengths in by_end.items()}


def _address_end(text: str, k: int) -> int:
    """Length of the longest country (or `Corresponding author`) ending at `k`, 0 if none."""
    names, by_end = _address_endings()
    found = 0
    for length in by_end.get(text[k - 2:k], ()) if k >= 2 else ():
        s = k - length
        if s < 0:
            break
        if text[s:k] in names and (s == 0 or not text[s - 1].isalpha()):  # `98195USA`
            found = length
    return found


def _word_before(text: str, k: int) -> str:
    start = k
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    return text[start:k]


def _ends_word(text: str, k: int, before_digit: bool) -> bool:
    """The text before the full stop at `k` may end an address: a word
    (`Sciences`, `Va`, `CA`; before a digit not `No` as in `No.1 Road`), a
    closing bracket (`(ACTA).`) or a postal code (`02115.`, `H3A 2B4.`); not
    the initial of `P.O. Box` or `M.D. Anderson`."""
    start = k
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    run = text[start:k]
    if not run:
        return k > 0 and text[k - 1] == ")"
    if run.isalpha():
        return len(run) >= 3 or (len(run) == 2 and (run.isupper() or not before_digit))
    return len(run) >= 3


def _seam(text: str, k: int) -> bool:
    """A visible seam between two addresses: `MadridHospital`, `Inc.)Dept`,
    `USA.Department`, `Sciences.1st`, `02115.the Department`, `77030;Dept`,
    `IL|Department`, `02115|Department`, but not `McGowan` (too short a word before it), `P.O. Box` or `GmbH`."""
    a, b = text[k - 1], text[k]
    if a == ".":
        if b.islower():
            return _LOWER_OPENING.match(text, k) is not None and _ends_word(text, k - 1, False)
        return (b.isalnum() or _footnote_mark(b)) and _ends_word(text, k - 1, b.isdigit())
    if a == ";":
        return b.isupper()
    if not b.isupper():
        return False
    if a == ")":
        return True
    if a.islower():
        if k + 1 < len(text) and text[k + 1] in " ,;":
            return False  # `GmbH,`: a lone capital opens no address
        word = _word_before(text, k)
        return len(word) >= 3 or word.isupper()
    if a.isdigit():
        # `…Boston, MA 02115|Department`: a postcode, not `3D` or `H3A`.
        digits = k
        while digits > 0 and text[digits - 1].isdigit():
            digits -= 1
        return k - digits >= 3 and text[k + 1:k + 3].isalpha() and text[k + 1:k + 3].islower()
    if a.isupper():
        # `…Chicago, IL|Department`, `…CNEA|Instituto`: a capitalised word of
        # three letters or more after a whole acronym; not `UN|Sa,` or `UPR AGI|Rs`.
        word = _word_before(text, k)
        return (len(word) >= 2 and word.isupper() and text[k + 1:k + 3].isalpha()
                and text[k + 1:k + 3].islower())
    return False


_LOWER_OPENING = re.compile(r"(?:the|an|[a-z]) ")  # `…and.the Division`, a label `…Australia.b CSL`


def _footnote_mark(ch: str) -> bool:
    """`‡`, `#`, `⊥`, `×`: marks that label an address (`…States.‡Department`)."""
    return ch in "†‡§¶#*⊥×∞" or unicodedata.category(ch) in ("So", "Sm")


_DOMAIN = re.compile(r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[a-z]{2,24}\.?")
_BRACKETS = re.compile(r"[()\[\]]")


@lru_cache(maxsize=1)
def _candidates() -> re.Pattern:
    """Where a cut may be: before a capital, a digit, a quote or bracket, or
    right after a full stop (see `_seam` and the country rule)."""
    # Every capital letter of the scripts addresses are written in, as one class.
    capitals = "".join(chr(c) for r in ((0x41, 0x2000), (0x2C00, 0x2D30), (0xA640, 0xA800), (0xFF21, 0xFF3B))
                       for c in range(*r) if chr(c).isupper())
    return re.compile(rf"(?<=\S)(?=[{re.escape(capitals)}0-9\"“«(\['])|(?<=\.)(?=[^\s.,;:)\]-])")


def _open_brackets(text: str):
    """A function telling whether position k is inside brackets, or None if
    the brackets of `text` do not balance (then nothing is known)."""
    if not _balanced(text):
        return None
    marks = [(m.start(), 1 if m.group() in "([" else -1) for m in _BRACKETS.finditer(text)]
    if not marks:
        return lambda k: False
    positions, depths, depth = [], [], 0
    for at, step in marks:
        depth += step
        positions.append(at)
        depths.append(depth)

    def inside(k: int) -> bool:
        i = bisect_right(positions, k - 1)
        return i > 0 and depths[i - 1] > 0
    return inside


def _email_seam(text: str, k: int) -> bool | None:
    """At `k` in or after an e-mail address: True if it ends there (a strong
    seam), False if it goes on; None if no address is near."""
    token_start = text.rfind(" ", 0, k) + 1
    token_end = text.find(" ", k)
    if "@" in text[k: token_end if token_end >= 0 else len(text)]:
        return False  # `Punam.Malik@cchmc.org`
    at = text.rfind("@", token_start, k)
    if at < 0:
        return None
    # `…@cchmc.orgDepartment`, `….edu.Department`, `….cn.the Division`; but
    # `@zeus.bwh.harvard.edu` and `@mail.163.com` go on after their full stops.
    after_stop, b = text[k - 1] == ".", text[k]
    return _DOMAIN.fullmatch(text, at, k) is not None and (
        b.isupper() or _footnote_mark(b) or (b.isdigit() and not after_stop)
        or (after_stop and text.startswith("the ", k)))


@lru_cache(maxsize=16)
def affiliation_cuts(text: str) -> tuple[frozenset[int], frozenset[int]]:
    """Candidate cut positions: (strong: right after a country, `Corresponding
    author` or an e-mail address, with or without a full stop; weak: any
    other visible seam, see `_seam`). Never inside balanced brackets or
    before the `@` of an e-mail address."""
    strong: set[int] = set()
    weak: set[int] = set()
    inside = _open_brackets(text)
    has_at = "@" in text
    for m in _candidates().finditer(text):
        k = m.start()
        if inside is not None and inside(k):
            continue
        a, b = text[k - 1], text[k]
        if has_at:
            email = _email_seam(text, k)
            if email is not None:
                if email:
                    strong.add(k)
                continue
        if _seam(text, k):
            weak.add(k)
        if not a.isalpha() and a not in ".)":
            continue
        if a == "." and not b.isupper():
            fits = 1  # `…Chile.uBiome`, `…States.⊥Department`: a country and a full stop end an address
        elif b.isdigit():
            fits = 3  # `INSERM US009` is not `US` + `009…`
        elif b in "\"“«(['":
            fits = 1
        elif b.isupper():
            # `USAPrecision` cuts after USA, not after US (`A;` starts no
            # word); `USACNIO` is left alone, since `US|ACNIO` fits as well.
            fits = 1 if a.islower() or a == "." or (k + 1 < len(text) and text[k + 1].islower()) else 0
            if not fits and k + 1 < len(text) and text[k + 1] == ".":
                fits = 3  # `USA|S. J. Quinney…`, but not `U|S.`
        else:
            fits = 0
        if fits and (_address_end(text, k) >= fits or (a == "." and _address_end(text, k - 1) >= fits)):
            strong.add(k)
    return frozenset(strong), frozenset(weak)


def _balanced(piece: str) -> bool:
    """No bracket left open or closed too early: `(Idi|PAZ)` is not a seam."""
    depth = 0
    for m in _BRACKETS.finditer(piece):
        depth += 1 if m.group() in "([" else -1
        if depth < 0:
            return False
    return depth == 0


def _confirmed(text: str, strong: set[int], width: int = 20) -> set[int]:
    """Where an address opens that also opens the text or follows a strong
    seam: authors sharing an address repeat it word for word. Confirms weak
    seams (`Institute of Neuro|Informatics` opens no address) and finds
    invisible ones (`…CNEA|Instituto de Investigaciones…`)."""
    inside = _open_brackets(text)
    found: set[int] = set()
    for opening in {text[k:k + width] for k in (0, *strong)}:
        if len(opening) < width:
            continue
        at = text.find(opening, 1)
        while at >= 0:
            before = text[at - 1]
            if (before.isalnum() or before in ".)") and not (inside and inside(at)):
                found.add(at)
            at = text.find(opening, at + 1)
    return found


def split_affiliations_weighed(text: str, count: int) -> tuple[list[str], int] | None:
    """Cut concatenated affiliations into exactly `count` pieces, with how many weak seams
    (see `_seam`) it cut at; or None.

    A cut set is used only when it yields exactly `count` pieces with
    balanced brackets; anything less certain returns None (keep it whole).
    """
    if count <= 0:
        return None
    if count == 1:
        return ([text.strip()], 0) if text.strip() else None
    strong, weak = affiliation_cuts(text)

    def tiers():
        yield strong | weak
        confirmed = _confirmed(text, strong)  # only when all seams together do not fit
        yield strong | weak | confirmed
        yield strong | (weak & confirmed)
        yield strong
    for cuts in tiers():
        if len(cuts) == count - 1:
            bounds = [0, *sorted(cuts), len(text)]
            pieces = [text[a:b].strip() for a, b in zip(bounds, bounds[1:])]
            if all(pieces) and (not _balanced(text) or all(map(_balanced, pieces))):
                return pieces, len(cuts - strong)
    return None
