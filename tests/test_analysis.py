"""Accent and script folding as Whoosh analysis components."""

from __future__ import annotations

import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from unidecode import unidecode

from recsearch.engine.analysis import join_values, name_analyzer, text_analyzer


def tokens(analyzer, text, **kw):
    return [t.text for t in analyzer(text, **kw)]


def test_fold_examples():
    a = name_analyzer()
    assert tokens(a, "Pérez PÉREZ pérez Perez") == ["perez"] * 4
    assert tokens(a, "Łódź Müller Martínez Portolés") == ["lodz", "muller", "martinez", "portoles"]
    assert tokens(a, "Straße Ærø") == ["strasse", "aero"]
    # Text is folded the same way, then stemmed.
    assert tokens(text_analyzer(), "Pérez PÉREZ") == ["perez"] * 2


def test_non_latin_scripts_transliterate_into_words():
    a = name_analyzer()
    assert tokens(a, "北京大学") == ["bei", "jing", "da", "xue"]
    assert tokens(a, "Ульяновск") == ["ulianovsk"]
    assert tokens(a, "Μαρία Παπαδοπούλου") == ["maria", "papadopoulou"]


def test_positions_stay_in_order_after_a_split():
    a = name_analyzer()
    got = [(t.text, t.pos) for t in a("北京 Pérez", positions=True)]
    assert got == [("bei", 0), ("jing", 1), ("perez", 2)]


def test_values_get_a_position_gap():
    a = name_analyzer()
    got = [(t.text, t.pos) for t in a(join_values(["Ana Pérez", "Clara Soto"]), positions=True)]
    assert [t for t, _ in got] == ["ana", "perez", "clara", "soto"]
    assert got[2][1] - got[1][1] > 50


def test_names_keep_particles_text_drops_stop_words():
    assert tokens(name_analyzer(), "Rebeca Pérez de Diego") == ["rebeca", "perez", "de", "diego"]
    # Text drops stop words and is stemmed (`cells` and `cell` are one word).
    assert tokens(text_analyzer(), "the safety of NK cells") == ["safeti", "nk", "cell"]
    assert tokens(text_analyzer(), "cell Cells") == ["cell", "cell"]


def test_wildcard_query_text_is_folded_not_split():
    assert tokens(text_analyzer(), "Pérez-Mart*", tokenize=False, mode="query") == ["perez-mart*"]


# Latin, Greek and Cyrillic letters and digits: unidecode has gaps in rarer
# scripts (Cherokee small letters fold to nothing), which are its own to fix.
letters = st.one_of(
    st.characters(categories=["Lu", "Ll", "Nd"], max_codepoint=0x017F),  # Latin-1 and Extended-A
    st.characters(categories=["Lu", "Ll"], min_codepoint=0x0391, max_codepoint=0x03C9),  # Greek
    st.characters(categories=["Lu", "Ll"], min_codepoint=0x0410, max_codepoint=0x044F),  # Cyrillic
)
words = st.text(letters, min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(words)
def test_folded_form_finds_original(word):
    """Whatever a word folds to, typing its ASCII form yields the same tokens."""
    a = name_analyzer()
    original = tokens(a, word)
    ascii_form = unidecode(word.casefold())
    # An ASCII word ending in `'s` is a possessive (`0ЪΣ` → `0's`): the `s` goes.
    assume(not re.search(r"'s(?!\w)", ascii_form, re.IGNORECASE))
    typed = tokens(a, ascii_form)
    assert original == typed or "".join(original) == "".join(typed)
    assert all(t.isascii() and t == t.lower() for t in original)


@settings(max_examples=300, deadline=None)
@given(words)
def test_folding_is_idempotent_and_case_blind(word):
    a = name_analyzer()
    once = tokens(a, word)
    assert tokens(a, " ".join(once)) == once
    # Letters whose cases are one letter (not `µ`, whose capital is Greek `Μ`).
    assume(word.upper().lower() == word.lower() and word.lower().upper() == word.upper())
    assert tokens(a, word.upper()) == tokens(a, word.lower())
