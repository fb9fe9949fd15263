"""Folding text to ASCII: the one place unidecode is called."""

from __future__ import annotations

from unidecode import unidecode


def fold(text: str) -> str:
    """Case-folded, then transliterated to ASCII (`Pérez` → `perez`, `北京` → `Bei Jing `).

    Case-folding first: unidecode treats the cases of one letter differently (Ξ→Ks, ξ→x).
    """
    return unidecode(text.casefold())


def transliterate(text: str) -> str:
    """Transliterated to ASCII as written, case kept (`Łódź` → `Lodz`).

    For keys that other software makes this way (VuFind's author and title keys,
    BibTeX citation keys): folding the case first would change them for some letters.
    """
    return unidecode(text)
