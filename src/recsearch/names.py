"""Author names: how they split into given and family words, and how well two fit.

Parsing (`parse_name`, the readings of a name whose given names may end in
two places), the similarity of a typed name to a stored one, and whether two
stored names are one person. `authors` uses them to look people up.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from .text import fold

PARTICLES = frozenset("de da das do dos del della der den di du la le van von ten ter y e bin ibn al el".split())
_SPLIT = re.compile(r"[^a-z0-9]+")
_INITIALS = re.compile(r"^[A-Z]{1,3}$")


def name_id(name: str) -> str:
    """A stable key for one exact name string (the index's `name_id` and `author_id` terms)."""
    return hashlib.blake2b(name.encode("utf-8"), digest_size=8).hexdigest()


def fold_words(text: str) -> list[str]:
    """Folded words; an apostrophe typed splits (`O'Brien`), one that transliteration adds
    does not (`Добровольская` → `dobrovolskaia`, as the search index folds it)."""
    typed = _TYPED_APOSTROPHES.sub(" ", text.casefold())
    return [w for w in _SPLIT.split(fold(typed).lower().replace("'", "")) if w]


_TYPED_APOSTROPHES = re.compile("['\u2019]")


@dataclass(frozen=True)
class NameParts:
    """A name as folded words: given names (initials as one letter) and family words."""

    given: tuple[str, ...]
    family: tuple[str, ...]

    @property
    def words(self) -> tuple[str, ...]:
        return self.given + self.family


def split_name(name: str) -> tuple[str, str, bool]:
    """A name as written, split into (family, given, initials-only given): `Antonio Pérez-Martínez`
    → (`Pérez-Martínez`, `Antonio`), `Rebeca Pérez de Diego` → (`Pérez de Diego`, `Rebeca`)."""
    name = " ".join(name.split())
    # In a name typed all in capitals, `JOE` is a name; `JA` stays initials.
    shouting = name.isupper()
    if "," in name:
        family, given = name.split(",", 1)
        return family.strip(), given.strip(), False
    raw = name.split(" ")
    if len(raw) > 1 and _is_initials(raw[-1], shouting) and not _is_initials(raw[0], shouting):
        # `Perez-Martinez A`, `Pérez-Martínez AJ`: surname first, initials last.
        return " ".join(raw[:-1]), raw[-1], True
    if len(raw) == 1:
        return name, "", False
    # Family name: the last word, with the particles before it, and the word
    # before those (`Pérez de Diego`) while a given name is left, unless that
    # word is an initial (`Gabriela C de Carvalho`).
    start = len(raw) - 1
    while start > 1 and raw[start - 1].lower() in PARTICLES:
        start -= 1
    if start < len(raw) - 1 and start > 1 and not _is_initials(raw[start - 1], shouting):
        start -= 1
    return " ".join(raw[start:]), " ".join(raw[:start]), False


@lru_cache(maxsize=100_000)
def parse_name(name: str) -> NameParts:
    """Split `Antonio Pérez-Martínez`, `Pérez-Martínez, Antonio`, `Perez-Martinez A`,
    `A. J. Carcas`, `Rebeca Pérez de Diego`, `Ludwig van Beethoven`."""
    shouting = " ".join(name.split()).isupper()
    family, given, initials_last = split_name(name)
    if initials_last:
        return NameParts(tuple(given.replace(".", "").lower()), tuple(fold_words(family)))
    return NameParts(_given_words(given, shouting) if given else (), tuple(fold_words(family)))


def _is_initials(word: str, shouting: bool = False) -> bool:
    bare = word.replace(".", "")
    if not _INITIALS.match(bare):
        return False
    return not (shouting and len(bare) == 3 and not word.endswith(".") and _VOWELS.search(bare))


_VOWELS = re.compile("[AEIOUY]")
# East Slavic patronymics, transliterated: -ovich, -evich, -ovna, -evna, -ichna (Ukrainian -ovych, -ivna).
_PATRONYMIC = re.compile(r"(?:ov|ev|yev|iev)(?:ich|ych|na)|ichna|ivna|inichna")


def _is_patronymic(word: str) -> bool:
    folded = "".join(fold_words(word))
    return len(folded) > 6 and _PATRONYMIC.search(folded[-6:]) is not None and not folded.isdigit()


def _given_words(text: str, shouting: bool = False) -> tuple[str, ...]:
    words: list[str] = []
    for word in text.replace(".", ". ").split():
        bare = word.strip(".-")
        if bare and _is_initials(bare, shouting) and (word.endswith(".") or len(bare) > 1 and bare.isupper()):
            words += list(bare.lower())  # `A.`, `AJ`
        else:
            words += fold_words(word)
    return tuple(words)


def _ratio(a: str, b: str) -> float:
    """rapidfuzz's similarity, 0-100. Imported at the first comparison, not with the module
    (every search imports this module; few compare names), then bound in its place."""
    global _ratio
    from rapidfuzz.fuzz import ratio

    _ratio = ratio
    return ratio(a, b)


@lru_cache(maxsize=200_000)
def _word_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return 0.8 if a[0] == b[0] else 0.0  # an initial fits a given name, less than the name itself
    return _ratio(a, b) / 100


def name_similarity(query: NameParts, candidate: NameParts) -> float:
    """How well a typed name fits a stored one, 0-100.

    Word order is free (`Martinez, Antonio Perez`); every candidate word is
    matched with the query word that fits it best (typos through rapidfuzz,
    initials against given names). Family words weigh twice given words,
    particles half; a candidate whose family name nothing fits scores low.
    Family words after the first one typed weigh little when left out (the
    first surname alone is how Spanish and Portuguese names are cited); the
    ones before it weigh in full (the second surname alone is a weaker fit).
    """
    q_words = query.words
    if not q_words or not candidate.words:
        return 0.0
    weights, scores = [], []
    family_fit = 0.0
    fits = {}
    for role, words in (("given", candidate.given), ("family", candidate.family)):
        for i, word in enumerate(words):
            best = max(_fit(q, word, role) for q in q_words)
            if role == "given" and len(word) == 1:
                best = min(best, 0.9 if word in q_words else _FULL_FOR_INITIAL)
            fits[role, i] = best
    surnames = [i for i, w in enumerate(candidate.family) if w not in PARTICLES or i == len(candidate.family) - 1]
    typed_at = [i for i in surnames if fits["family", i] >= 0.75]
    for role, words in (("given", candidate.given), ("family", candidate.family)):
        for i, word in enumerate(words):
            best = fits[role, i]
            particle = role == "family" and i not in surnames
            weight = 0.5 if particle else (2.0 if role == "family" else 1.0)
            if role == "family" and best < 0.75 and typed_at:
                # Left out: a particle, a surname after the first one typed, or one before it.
                weight = _LATER_PARTICLE if particle else _LATER_SURNAME if i > typed_at[0] else _EARLIER_SURNAME
            if role == "given" and best < 0.75 and any(fits["given", j] >= 0.75 for j in range(i)):
                weight = _LATER_GIVEN  # a middle name left out: `Mathias Diaz` for Mathias Gabriel Diaz
            if not particle and role == "family":
                family_fit = max(family_fit, best)
            weights.append(weight)
            scores.append(weight * (best if best >= 0.75 else 0.0))
    covered = sum(scores) / sum(weights)
    # Every word the user typed should fit something; initials count less.
    family = set(candidate.family)
    fits = [max(_fit(q, c, "family" if c in family else "given") if len(c) > 1 or len(q) == 1
                else min(_word_similarity(q, c), _FULL_FOR_INITIAL) for c in candidate.words) for q in q_words]
    q_weights = [0.5 if len(q) == 1 else 1.0 for q in q_words]
    typed = sum(w * (f if f >= 0.75 else 0.0) for w, f in zip(q_weights, fits)) / sum(q_weights)
    score = 100 * (0.55 * covered + 0.45 * typed)
    if _family_order_swapped(q_words, candidate.family):
        score -= _SWAPPED_FAMILY  # `Jiménez Merino` typed, `Merino Jiménez` stored
    if any(w in family and w not in PARTICLES for w in query.family):
        score = min(100.0, score + _EXACT_SURNAME)  # `Muiño` typed: Conde Muiño before Muñoz
    return round(score * (1.0 if family_fit >= 0.8 else 0.4), 2)


def _fit(q: str, word: str, role: str) -> float:
    """`_word_similarity`, but a typed initial stands for a given name, never a surname
    (`Alberto, C.` is not Campailla, Alberto)."""
    if role == "family" and len(q) == 1 and len(word) > 1:
        return 0.0
    return _word_similarity(q, word)


def _family_order_swapped(q_words: tuple[str, ...], family: tuple[str, ...]) -> bool:
    """Whether two family words the query holds come in it in the other order."""
    places = []
    for word in family:
        if word in PARTICLES:
            continue
        fit, place = max((_word_similarity(q, word), -i) for i, q in enumerate(q_words))
        if fit >= 0.8 and len(word) > 1:
            places.append(-place)
    return any(a > b for a, b in zip(places, places[1:]))


_SWAPPED_FAMILY = 3.0
_EXACT_SURNAME = 2.0
# The weight of a family word left out when another was typed: after the
# first one typed (`Jiménez` for Jiménez Merino), before it (`Merino`: half a
# typed surname's weight), a particle (`Pérez Diego`, `Almeida` for de Almeida).
_LATER_SURNAME = 0.25
_LATER_PARTICLE = 0.1
_EARLIER_SURNAME = 1.0
# A given name after the first one typed, left out: middle names are seldom cited (half
# weight, so that a surname read as a middle name still fits less than a first surname).
_LATER_GIVEN = 0.5
# A full given name typed fits a stored initial (`Rodrigo` for `R.`) less than
# the name itself would, and less than an initial typed for it.
_FULL_FOR_INITIAL = 0.75


@lru_cache(maxsize=100_000)
def name_readings(name: str) -> tuple[NameParts, ...]:
    """The ways a stored name may split into given and family words.

    Written without a comma, `Silvia Jiménez Merino` may be Silvia of the
    Jiménez Merino or Silvia Jiménez of the Merino (as `John Michael Smith`),
    and `Заяц Николай Алексеевич` family name first: position cannot tell, so
    each is read and the typed name picks.
    """
    parts = parse_name(name)
    readings = [parts]
    family, given, initials_last = split_name(name)
    tokens = given.split()
    if "," not in name and len(tokens) == 2 and _is_patronymic(family) and not _is_patronymic(tokens[1]):
        # `Заяц Николай Алексеевич`: the official East Slavic order, family name first (or
        # Anna Maria Rabinovich: a surname in -ovich; the typed name picks).
        readings.append(NameParts(tuple(fold_words(f"{tokens[1]} {family}")), tuple(fold_words(tokens[0]))))
        return tuple(readings)
    if "," in name or initials_last or " " in family or len(tokens) < 2:
        return tuple(readings)
    last = tokens[-1]
    # Particles before the moved word go with it (`Rodrigo de Almeida Vaucher`).
    cut = len(tokens) - 1
    while cut > 1 and tokens[cut - 1].lower() in PARTICLES:
        cut -= 1
    moved = tuple(w for t in tokens[cut:] for w in fold_words(t))
    shouting = " ".join(name.split()).isupper()
    if (moved and parts.given[-len(moved):] == moved and not _is_initials(last.strip(".-"), shouting)
            and "." not in last and all(len(w) > 1 for w in moved) and moved[-1] not in PARTICLES
            and not _is_patronymic(last)):
        readings.append(NameParts(parts.given[: -len(moved)], moved + parts.family))
    return tuple(readings)


def name_score(query: NameParts, name: str) -> float:
    """`name_similarity` of the stored name's best-fitting reading (see `name_readings`)."""
    return max(name_similarity(query, reading) for reading in name_readings(name))


def _given_compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """`A.` ~ `Antonio`, `Antonio J.` ~ `Antonio José`, `Antonio` ~ `Antonio José`."""
    if not a or not b:
        return True
    for x, y in zip(a, b):
        if len(x) == 1 or len(y) == 1:
            if x[0] != y[0]:
                return False
        elif _ratio(x, y) < 85:
            return False
    return True


def same_person_names(a: str, b: str) -> str | None:
    """`same_person` for two stored names, over the readings of each (see `name_readings`)."""
    for x in name_readings(a):
        for y in name_readings(b):
            reason = same_person(x, y)
            if reason:
                return reason
    return None


def same_person(a: NameParts, b: NameParts) -> str | None:
    """Why two names are taken as one person, or None. Never on a shared surname alone."""
    family_a = [w for w in a.family[:-1] if w not in PARTICLES] + list(a.family[-1:])
    family_b = [w for w in b.family[:-1] if w not in PARTICLES] + list(b.family[-1:])
    if not family_a or family_a != family_b and _ratio(" ".join(family_a), " ".join(family_b)) < 92:
        return None
    if not _given_compatible(a.given, b.given):
        return None
    if not a.given or not b.given:
        return f"same surname '{' '.join(family_a)}', one has no given name"
    initials = any(len(w) == 1 for w in a.given + b.given)
    how = "initials fit the given names" if initials else "same given names"
    return f"same surname '{' '.join(family_a)}', {how}"
