"""Recover value boundaries that VuFind's flattening lost.

Multi-valued Solr fields reach us twice: space-joined (`author`, `topic`) and
concatenated with nothing between the values (inside `spelling`). Aligning the
two shows exactly where one value ends and the next starts. Affiliations exist
only concatenated, so they are cut where one address visibly ends and the next
begins, and only when the cut count fits the author count.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache

from unidecode import unidecode

_NON_KEY = re.compile(r"[^0-9a-z]")


def fold_key(text: str) -> str:
    """VuFind's author/title key: lower-cased, accents folded, only letters and digits."""
    return _NON_KEY.sub("", unidecode(text).lower())


def align_names(joined: str, concat: str, start: int) -> tuple[list[str], list[int | None], int] | None:
    """Split space-joined names by aligning them with `Name0Name1…` text at `start`.

    A space in `joined` is inside a name when `concat` has a space there too;
    otherwise it is a boundary, where `concat` has the author's affiliation
    number or nothing. Returns (names, numbers, end of the last name) or None
    when the two texts do not align.
    """
    names: list[str] = []
    numbers: list[int | None] = []
    i, j, name_start = 0, start, 0
    n, m = len(joined), len(concat)
    while i < n:
        c = joined[i]
        if c == " " and j < m and concat[j].isspace():
            while j < m and concat[j].isspace():  # `Sultan  GÜÇLÜ`
                j += 1
            i += 1
        elif j < m and concat[j] == c:
            i += 1
            j += 1
        elif c == " ":
            k = j
            while k < m and concat[k].isdigit():
                k += 1
            names.append(joined[name_start:i])
            numbers.append(int(concat[j:k]) if k > j else None)
            j = k
            i += 1
            name_start = i
        else:
            return None
    names.append(joined[name_start:])
    numbers.append(None)
    if not all(names):
        return None
    return names, numbers, j


def last_number(concat: str, pos: int, expected: int) -> tuple[int | None, int]:
    """Read the last author's affiliation number at `pos`.

    Numbers run 0, 1, 2… over the affiliated authors, so only the expected
    next number counts: other digits there open an affiliation (`3D Lab…`),
    and an affiliation may run into the number (`21` + `3D Lab` = `213D Lab`).
    """
    want = str(expected)
    if concat.startswith(want, pos):
        return expected, pos + len(want)
    return None, pos


def split_by_keys(joined: str, keys: list[str]) -> list[str] | None:
    """Split space-joined names so that each name folds to the next author key."""
    tokens = joined.split()
    folded = [fold_key(t) for t in tokens]
    wanted = [fold_key(k) for k in keys]
    if not tokens or not wanted or any(not k for k in wanted):
        return None
    # Depth-first over (token, key) states; each state has at most a few exits.
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[int, int, list[int]]] = [(0, 0, [])]
    while stack:
        i, j, cuts = stack.pop()
        if j == len(wanted):
            if i == len(tokens):
                bounds = [0, *cuts]
                return [" ".join(tokens[a:b]) for a, b in zip(bounds, bounds[1:])]
            continue
        if (i, j) in seen:
            continue
        seen.add((i, j))
        acc = ""
        for e in range(i, len(tokens)):
            acc += folded[e]
            if len(acc) > len(wanted[j]):
                break
            if acc == wanted[j]:
                stack.append((e + 1, j + 1, [*cuts, e + 1]))
    return None


def split_joined_from_end(joined: str, concat: str) -> tuple[list[str], int] | None:
    """Split space-joined values by aligning them with the end of `concat`.

    `topic` = `Immunology Cell biology`, `spelling` ends `…ImmunologyCell
    biology`: the dropped space is the boundary. Returns the values and where
    they start in `concat`, or None when the end of `concat` is not them.
    """
    i, j = len(joined) - 1, len(concat) - 1
    cuts: list[int] = []
    while i >= 0:
        c = joined[i]
        if c == " " and j >= 0 and concat[j].isspace():
            while j >= 0 and concat[j].isspace():
                j -= 1
            i -= 1
        elif j >= 0 and concat[j] == c:
            i -= 1
            j -= 1
        elif c == " ":
            cuts.append(i)
            i -= 1
        else:
            return None
    bounds = [-1, *reversed(cuts), len(joined)]
    values = [joined[a + 1 : b] for a, b in zip(bounds, bounds[1:])]
    if not all(v.strip() for v in values):
        return None
    return values, j + 1


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
    names |= {unidecode(n) for n in names}
    return frozenset(names), tuple(sorted({len(n) for n in names}))


def _address_end(text: str, k: int) -> int:
    """Length of the longest country (or `Corresponding author`) ending at `k`, 0 if none."""
    names, lengths = _address_endings()
    found = 0
    for length in lengths:
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


@lru_cache(maxsize=512)
def _candidates(capitals: str) -> re.Pattern:
    """Where a cut may be: before a capital, a digit, a quote or bracket, or
    right after a full stop (see `_seam` and the country rule)."""
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


def affiliation_cuts(text: str) -> tuple[set[int], set[int]]:
    """Candidate cut positions: (strong: right after a country, `Corresponding
    author` or an e-mail address, with or without a full stop; weak: any
    other visible seam, see `_seam`). Never inside balanced brackets or
    before the `@` of an e-mail address."""
    strong: set[int] = set()
    weak: set[int] = set()
    capitals = "".join(sorted({c for c in text if c.isupper()}))
    inside = _open_brackets(text)
    for m in _candidates(capitals).finditer(text):
        k = m.start()
        if inside is not None and inside(k):
            continue
        a, b = text[k - 1], text[k]
        token_start = text.rfind(" ", 0, k) + 1
        token_end = text.find(" ", k)
        if "@" in text[k: token_end if token_end >= 0 else len(text)]:
            continue  # `Punam.Malik@cchmc.org`
        at = text.rfind("@", token_start, k)
        if at >= 0:
            # `…@cchmc.orgDepartment`, `….edu.Department`, `….cn.the Division`; but
            # `@zeus.bwh.harvard.edu` and `@mail.163.com` go on after their full stops.
            after_stop = a == "."
            if _DOMAIN.fullmatch(text, at, k) and (
                    b.isupper() or _footnote_mark(b) or (b.isdigit() and not after_stop)
                    or (after_stop and text.startswith("the ", k))):
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
    return strong, weak


def _balanced(piece: str) -> bool:
    """No bracket left open or closed too early: `(Idi|PAZ)` is not a seam."""
    depth = 0
    for ch in piece:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def split_affiliations(text: str, count: int) -> list[str] | None:
    """Cut concatenated affiliations into exactly `count` pieces, or None.

    A cut set is used only when it yields exactly `count` pieces with
    balanced brackets; anything less certain returns None (keep it whole).
    """
    found = split_affiliations_weighed(text, count)
    return found[0] if found else None


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
    """`split_affiliations`, also saying how many weak seams (see `_seam`) it cut at."""
    if count <= 0:
        return None
    if count == 1:
        return ([text.strip()], 0) if text.strip() else None
    strong, weak = affiliation_cuts(text)
    confirmed = _confirmed(text, strong)
    for cuts in (strong | weak, strong | weak | confirmed, strong | (weak & confirmed), strong):
        if len(cuts) == count - 1:
            bounds = [0, *sorted(cuts), len(text)]
            pieces = [text[a:b].strip() for a, b in zip(bounds, bounds[1:])]
            if all(pieces) and (not _balanced(text) or all(map(_balanced, pieces))):
                return pieces, len(cuts - strong)
    return None
