"""Recover value boundaries that VuFind's flattening lost.

Multi-valued Solr fields reach us twice: space-joined (`author`, `topic`) and
concatenated with nothing between the values (inside `spelling`). Aligning the
two shows exactly where one value ends and the next starts. Affiliations exist
only concatenated: `affiliation_seams` cuts them.
"""

from __future__ import annotations

import re

from ..text import transliterate

_NON_KEY = re.compile(r"[^0-9a-z]")


def fold_key(text: str) -> str:
    """VuFind's author/title key: lower-cased, accents folded, only letters and digits."""
    return _NON_KEY.sub("", transliterate(text).lower())


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
