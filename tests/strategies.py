"""Hypothesis strategies for catalogue records shaped like the real ones."""

from __future__ import annotations

from hypothesis import strategies as st

from recsearch.record import Author, Record

LETTERS = "abcdefghijklmnopqrstuvwxyzáéíóúàèçãõñüöäøåłśźżčřšžğışæœß"
GIVEN = ["Antonio", "María José", "Łukasz", "Zeynep", "Jiří", "Søren", "Chloé", "Iñaki", "Ngũgĩ", "Ólafur", "Anh", "Đorđe"]
PARTICLES = ["de", "da", "van der", "von", "del", "dos"]
COUNTRIES = ["Spain", "USA", "Brazil", "Poland", "Turkey", "Czech Republic", "Germany", "Portugal", "United Kingdom",
             "Mexico", "Chile", "China", "Japan", "Russian Federation", "France", "Italy"]
CAMEL = ["IdiPAZ", "OncoHematology", "iScience", "McGill", "DeBakey", "MacArthur"]


def word(min_size: int = 2) -> st.SearchStrategy[str]:
    return st.text(alphabet=LETTERS, min_size=min_size, max_size=10)


def capitalized(min_size: int = 2) -> st.SearchStrategy[str]:
    # `ß` capitalizes to `SS`: `SSaa` reads as an acronym glued to a word, which no
    # real name or affiliation starts with (and which hides the seam after `USA`).
    return word(min_size).filter(lambda w: len(w[0].upper()) == 1).map(lambda w: w[0].upper() + w[1:])


@st.composite
def person_names(draw) -> str:
    given = draw(st.one_of(st.sampled_from(GIVEN), capitalized(), capitalized(1).map(lambda w: w[0] + ".")))
    family = draw(st.one_of(
        capitalized(),
        st.tuples(capitalized(), capitalized()).map("-".join),  # Pérez-Martínez
        st.tuples(st.sampled_from(PARTICLES), capitalized()).map(" ".join),  # de Diego
        capitalized().map(str.upper),  # GÜÇLÜ
    ))
    form = draw(st.sampled_from(["given family", "family, given", "given middle family"]))
    if form == "family, given":
        return f"{family}, {given}"
    if form == "given middle family":
        return f"{given} {draw(capitalized(1))[0]}. {family}"
    return f"{given} {family}"


@st.composite
def affiliations(draw) -> str:
    """An affiliation whose end is visible: it ends with a country (or a
    `Corresponding author` note) and starts with a capitalized word or a digit."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        words = draw(st.lists(st.one_of(capitalized(), word(), st.sampled_from(CAMEL)), min_size=1, max_size=5))
        if draw(st.booleans()):
            words.append(f"({draw(st.sampled_from(CAMEL))})")
        head = draw(st.one_of(capitalized(3), st.sampled_from(["3D", "1st", "2nd"]))) + " " + draw(capitalized())
        middle = " ".join(words)
        if draw(st.booleans()):
            middle += " | " + draw(capitalized())  # a bar inside a value
        parts.append(f"{head} {middle}, {draw(capitalized())}, {draw(st.sampled_from(COUNTRIES))}")
    if draw(st.booleans()):
        parts.append("Corresponding author")
    return "; ".join(parts)


def phrase(min_words: int = 1, max_words: int = 4) -> st.SearchStrategy[str]:
    return st.lists(word(1), min_size=min_words, max_size=max_words).map(" ".join)


@st.composite
def subjects(draw) -> list[str]:
    items = draw(st.lists(st.one_of(phrase(1, 3), phrase(1, 3).map(str.capitalize)), max_size=5))
    return [s for s in items if s.strip()]


@st.composite
def records(draw, affiliation=None) -> Record:
    """A record with visible affiliation ends (or given `affiliation` strategy)."""
    affiliation = affiliations() if affiliation is None else affiliation
    authors = [
        Author(name, draw(st.one_of(st.none(), affiliation)))
        for name in draw(st.lists(person_names(), max_size=60 if draw(st.booleans()) else 4))
    ]
    year = draw(st.integers(1950, 2030))
    title = draw(phrase(1, 12)).capitalize()
    if draw(st.booleans()):
        title += " | " + draw(phrase(1, 3))
    return Record(
        id="doaj-art-" + draw(st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)),
        title=title,
        summary=draw(st.one_of(st.none(), phrase(5, 60).map(lambda s: s.capitalize() + "."))),
        authors=authors,
        subjects=draw(subjects()),
        journal=draw(st.one_of(st.none(), phrase(1, 4).map(str.title))),
        publisher=draw(st.one_of(st.none(), phrase(1, 3).map(str.title))),
        issns=draw(st.lists(st.from_regex(r"\A\d{4}-\d{3}[\dX]\Z"), max_size=2, unique=True)),
        date=f"{year}-0{draw(st.integers(1, 9))}-01",
        year=year,
        language=draw(st.sampled_from(["English", "Spanish", "Portuguese", None])),
        url=draw(st.one_of(st.none(), word(3).map(lambda w: f"https://example.org/{w.encode('ascii', 'ignore').decode() or 'x'}"))),
    )
