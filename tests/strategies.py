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
# Words that look like the end or start of an address inside one (from real records).
HARD_WORDS = ["P.O. Box", "P.R. China", "M.D. Anderson", "GmbH", "No.1", "3D", "1st", "2nd", "US", "INSERM US009",
              "University of Georgia", "New Mexico", "(INTA)", "(CNRS)", "AstraZeneca", "NeuroTech", "and", "the",
              "Corresponding author", "Va.", "H3A 2B4", "‡", "#", "a", "b", "USA", "UK"]
EMAILS = ["punam.malik@cchmc.org", "Kenyon.V@upstate.edu", "a.b@mail.163.com", "x@zeus.bwh.harvard.edu"]


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
def hard_affiliations(draw, look_alikes: bool = True) -> str:
    """An affiliation that starts with a capitalised word and has a visible
    end (a country, a word of three letters or more, an acronym, a postcode,
    a full stop, an e-mail address), so the seam between two of them shows;
    inside it, with `look_alikes`, things that look like an end or a start:
    countries, digits, initials, camel-case names, e-mail addresses."""
    head = draw(st.one_of(capitalized(3), st.just("Dept."))) + " " + draw(capitalized())
    noise = [st.sampled_from(CAMEL), st.sampled_from(COUNTRIES), st.sampled_from(HARD_WORDS)] if look_alikes else []
    middle = draw(st.lists(st.one_of(capitalized(), word(), st.integers(0, 99999).map(str), *noise),
                           min_size=0, max_size=6))
    separators = draw(st.lists(st.sampled_from([" ", ", ", ". ", "; "]), min_size=len(middle), max_size=len(middle)))
    body = head + "".join(sep + piece for sep, piece in zip(separators, middle))
    end = draw(st.one_of(
        st.sampled_from(COUNTRIES), capitalized(3), word(3), st.sampled_from(["CNEA", "IL", "UCSD"]),
        st.integers(100, 99999).map(str),
    ))
    end += draw(st.sampled_from(["", "."]))
    if draw(st.booleans()):
        end += " " + draw(st.sampled_from(EMAILS))
    return f"{body}, {end}"


@st.composite
def shared_runs(draw, names: list[str], affiliation) -> list[Author]:
    """Authors as real records have them: some without an affiliation, and
    runs of authors sharing one (the text repeated word for word)."""
    authors: list[Author] = []
    for name in names:
        kind = draw(st.sampled_from(["new", "none", "same"] if authors else ["new", "none"]))
        if kind == "same":
            authors.append(Author(name, authors[-1].affiliation))
        else:
            authors.append(Author(name, draw(affiliation) if kind == "new" else None))
    return authors


@st.composite
def records(draw, affiliation=None) -> Record:
    """A record with visible affiliation ends (or given `affiliation` strategy)."""
    affiliation = affiliations() if affiliation is None else affiliation
    authors = draw(shared_runs(draw(st.lists(person_names(), max_size=60 if draw(st.booleans()) else 4)), affiliation))
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
