"""Fuzzy author lookup: name parsing, similarity, clusters, and the index."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import FIXTURE_SEEDS, REFERENCE, REFERENCE_ID
from recsearch.names import NameParts, name_readings, name_score, name_similarity, parse_name, same_person
from recsearch.search.authors import cluster_names
from recsearch.ingest.build import update_index
from recsearch.cli import app
from recsearch.record import Author, Record
from recsearch.render import render_seed_record
from recsearch.search.index import RecordIndex


@pytest.mark.parametrize("name, given, family", [
    ("Antonio Pérez-Martínez", ("antonio",), ("perez", "martinez")),
    ("Pérez-Martínez, Antonio", ("antonio",), ("perez", "martinez")),
    ("A. Pérez-Martínez", ("a",), ("perez", "martinez")),
    ("Perez-Martinez A", ("a",), ("perez", "martinez")),
    ("Perez-Martinez AJ", ("a", "j"), ("perez", "martinez")),
    ("Antonio J. Carcas", ("antonio", "j"), ("carcas",)),
    ("Rebeca Pérez de Diego", ("rebeca",), ("perez", "de", "diego")),
    ("Ludwig van Beethoven", ("ludwig",), ("van", "beethoven")),
    ("Miguel Ángel Vesga", ("miguel", "angel"), ("vesga",)),
    ("Vesga", (), ("vesga",)),
    ("Иванов, Олег", ("oleg",), ("ivanov",)),
    # Typed in capitals: a three-letter word with a vowel is a name, not initials.
    ("FROST, JOE", ("joe",), ("frost",)),
    ("ANA PEREZ-MARTINEZ", ("ana",), ("perez", "martinez")),
    ("SMITH JA", ("j", "a"), ("smith",)),
])
def test_parse_name(name, given, family):
    assert parse_name(name) == NameParts(given, family)


def score(query, name):
    return name_similarity(parse_name(query), parse_name(name))


def test_similarity_prefers_the_right_person():
    assert score("perez martinez", "Antonio Pérez-Martínez") > score("perez martinez", "Leticia Pérez-Rodriguez")
    assert score("Antonio Pérez", "Antonio Pérez-Martínez") > score("Antonio Pérez", "Miguel Ángel Pérez-Vaquero")
    assert score("A. Perez-Martinez", "Antonio Pérez-Martínez") > score("A. Perez-Martinez", "Alberto M. Borobia")
    assert score("Hernadez-Blanco", "Clara Hernández-Blanco") > 75
    assert score("Martinez, Antonio Perez", "Antonio Pérez-Martínez") == 100
    # A given name alone does not make a match.
    assert score("Antonio", "Antonio Balas") < 45


def test_same_person_needs_surname_and_compatible_given_names():
    p = parse_name
    assert same_person(p("A. Pérez-Martínez"), p("Antonio Pérez-Martínez"))
    assert same_person(p("Pérez-Martínez, Antonio"), p("Antonio Pérez-Martínez"))
    assert same_person(p("Antonio J. Carcas"), p("A. J. Carcas"))
    assert not same_person(p("Antonio Balas"), p("Antonio Pérez-Martínez"))
    assert not same_person(p("Miguel Ángel Moreno"), p("Miguel Ángel Vesga"))
    assert not same_person(p("Ana Pérez-Martínez"), p("Antonio Pérez-Martínez"))
    assert not same_person(p("Leticia Pérez-Rodriguez"), p("Antonio Pérez-Martínez"))


def test_clusters_group_variants_only():
    clusters = cluster_names([("Antonio Pérez-Martínez", 90), ("A. Pérez-Martínez", 88),
                              ("Pérez-Martínez, Antonio", 87), ("Leticia Pérez-Rodriguez", 60)])
    assert [names for names, _, _ in clusters] == [
        ["Antonio Pérez-Martínez", "A. Pérez-Martínez", "Pérez-Martínez, Antonio"], ["Leticia Pérez-Rodriguez"]]
    assert "initials fit" in clusters[0][2][0]


@pytest.fixture
def reference_index(tmp_path):
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / REFERENCE.name).write_bytes(REFERENCE.read_bytes())
    update_index([folder], tmp_path / "index")
    with RecordIndex(tmp_path / "index") as ix:
        yield ix


@pytest.mark.parametrize("query, person", [
    ("perez martinez", "Antonio Pérez-Martínez"),
    ("A. Perez-Martinez", "Antonio Pérez-Martínez"),
    ("Martinez, Antonio Perez", "Antonio Pérez-Martínez"),
    ("Perez-Martinez A", "Antonio Pérez-Martínez"),
    ("Antonio Perez", "Antonio Pérez-Martínez"),
    ("hernandez blanco", "Clara Hernández-Blanco"),
    ("Hernadez-Blanco", "Clara Hernández-Blanco"),
    ("Hernandez-Blnaco", "Clara Hernández-Blanco"),
    ("hernadez blnaco", "Clara Hernández-Blanco"),
    ("perez de diego", "Rebeca Pérez de Diego"),
    ("Vesga", "Miguel Ángel Vesga"),
    ("PORTOLES", "Cristina Aguirre-Portolés"),
    ("carcas a j", "Antonio J. Carcas"),
])
def test_reference_record_authors_found_first(reference_index, query, person):
    matches = reference_index.authors(query)
    assert matches[0].name == person
    assert matches[0].records == [REFERENCE_ID]


def test_match_carries_affiliations(reference_index):
    match = reference_index.authors("Gasior")[0]
    assert match.affiliations == ["Hematology Department, Hospital Universitario La Paz, Madrid, Spain"]


def person_records() -> list[Record]:
    base = dict(journal="Forests", language="English", summary="Seedlings on scarified soil.")
    return [
        Record(id="doaj-art-a1", title="Pine invasion in steppe", year=2019, date="2019-01-01",
               authors=[Author("Antonio Pérez-Martínez", "Universidad de Concepción, Concepción, Chile"),
                        Author("Олег Иванов")], **base),
        Record(id="doaj-art-a2", title="Grazing and pines", year=2020, date="2020-01-01",
               authors=[Author("Pérez-Martínez, Antonio", "Universidad de Concepción, Concepción, Chile")], **base),
        Record(id="doaj-art-a3", title="Seed banks after fire", year=2021, date="2021-01-01",
               authors=[Author("A. Pérez-Martínez", "Instituto de Ecología, Santiago, Chile"),
                        Author("Ana Pérez-Martínez")], **base),
        Record(id="doaj-art-a4", title="Soil fungi", year=2022, date="2022-01-01",
               authors=[Author("Leticia Pérez-Rodriguez"), Author("Ludwig van Beethoven")], **base),
    ]


@pytest.fixture
def variant_index(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    for n, record in enumerate(person_records()):
        (folder / f"{n}.txt").write_text(render_seed_record(record), encoding="utf-8")
    update_index([folder], tmp_path / "index")
    return folder, tmp_path / "index"


def test_variants_of_one_person_are_one_match(variant_index):
    _, root = variant_index
    with RecordIndex(root) as ix:
        match = ix.authors("antonio perez martinez")[0]
    assert set(match.variants) == {"Antonio Pérez-Martínez", "Pérez-Martínez, Antonio", "A. Pérez-Martínez"}
    assert set(match.records) == {"doaj-art-a1", "doaj-art-a2", "doaj-art-a3"}
    assert match.affiliations == ["Universidad de Concepción, Concepción, Chile", "Instituto de Ecología, Santiago, Chile"]


@pytest.mark.parametrize("query, first", [
    ("Ivanov", "Олег Иванов"), ("oleg ivanov", "Олег Иванов"),  # transliteration
    ("van beethoven", "Ludwig van Beethoven"), ("Beethoven, L.", "Ludwig van Beethoven"),  # particles
    ("Ana Perez Martinez", "Ana Pérez-Martínez"),  # not merged with Antonio
])
def test_variant_kinds(variant_index, query, first):
    _, root = variant_index
    with RecordIndex(root) as ix:
        assert ix.authors(query)[0].name == first


def test_name_documents_follow_the_records(variant_index):
    folder, root = variant_index
    (folder / "3.txt").unlink()
    update_index([folder], root)
    with RecordIndex(root) as ix:
        assert all(m.name != "Ludwig van Beethoven" for m in ix.authors("beethoven"))
    record = person_records()[0]
    record.authors = [Author("Zofia Wiśniewska")]
    (folder / "0.txt").write_text(render_seed_record(record), encoding="utf-8")
    update_index([folder], root)
    with RecordIndex(root) as ix:
        assert ix.authors("wisniewska")[0].records == ["doaj-art-a1"]
        assert all("Иванов" not in m.variants for m in ix.authors("ivanov"))
        match = ix.authors("antonio perez martinez")[0]
        assert set(match.records) == {"doaj-art-a2", "doaj-art-a3"}


def test_author_cli_json(variant_index):
    _, root = variant_index
    result = CliRunner().invoke(app, ["author", "A. Perez-Martinez", "--json", "--index", str(root)])
    data = json.loads(result.stdout)
    assert data["query"] == "A. Perez-Martinez"
    assert set(data["matches"][0]) == {"name", "variants", "score", "records", "affiliations"}
    result = CliRunner().invoke(app, ["author", "perez martinez", "--explain", "--index", str(root)])
    assert "grouped: A. Pérez-Martínez ~ " in result.stdout or "grouped: Pérez-Martínez, Antonio ~ " in result.stdout
    empty = CliRunner().invoke(app, ["author", "zzyzx", "--index", str(root)])
    assert empty.exit_code == 0 and "No author names fit" in empty.stderr


# Names with two family words, cited by one of them (issue 17): Spanish,
# Portuguese and Latin American names, and their neighbours of the same surnames.
def two_surname_records() -> list[Record]:
    base = dict(journal="Revista Médica de Chile", language="Spanish", summary="Cohorte de pacientes.")
    people = [
        ["Silvia Jiménez Merino", "José Jiménez", "María Jiménez López", "Ana Jiménez"],
        ["Jiménez Merino, Silvia", "Silvia Merino Jiménez", "Jorge Merino"],
        ["S. Jiménez-Merino", "Paulina Lima Rocha", "Carlos Lima", "Lima, Fernanda", "Paulo Lima Santos"],
        ["John Michael Humphries Choptiany", "Sarah Humphries", "Humphries, David J."],
        ["Miguel Pérez", "Laura Pérez-García", "Pedro Hernández", "Clara Martínez", "Rebeca Morales"],
        ["Ana Pérez de Diego", "José Luis Pérez", "Luis Hernández-Blanco", "Antonio Martínez"],
        ["Alberto Hussni, Carlos", "Campailla, Alberto", "Patricia Conde Muiño", "Muñoz, Patricia"],
    ]
    return [Record(id=f"doaj-art-s{n}", title=f"Estudio {n}", year=2015 + n, date=f"{2015 + n}-01-01",
                   authors=[Author(name) for name in names], **base) for n, names in enumerate(people)]


@pytest.fixture(scope="module")
def two_surname_index(tmp_path_factory):
    """The reference record, the fixture records and these, in one index."""
    tmp = tmp_path_factory.mktemp("two-surnames")
    folder = tmp / "records"
    folder.mkdir()
    for path in [REFERENCE, *FIXTURE_SEEDS.glob("*.txt")]:
        (folder / path.name).write_bytes(path.read_bytes())
    for n, record in enumerate(two_surname_records()):
        (folder / f"two_{n}.txt").write_text(render_seed_record(record), encoding="utf-8")
    update_index([folder], tmp / "index")
    return tmp / "index"


@pytest.mark.parametrize("query, person", [
    # The reference record's people, by given name and first surname, among others of those surnames.
    ("Antonio Perez", "Antonio Pérez-Martínez"),
    ("Rebeca Perez", "Rebeca Pérez de Diego"),
    ("Clara Hernandez", "Clara Hernández-Blanco"),
    ("Silvia Jiménez", "Silvia Jiménez Merino"),
    ("silvia jimenez", "Silvia Jiménez Merino"),
    ("Jiménez, Silvia", "Silvia Jiménez Merino"),
    ("Jimenez Merino, S", "Silvia Jiménez Merino"),
    ("Silvia Jimenez-Merino", "Silvia Jiménez Merino"),
    ("Paulina Lima", "Paulina Lima Rocha"),
    ("P. Lima", "Paulina Lima Rocha"),
    ("John Michael Humphries", "John Michael Humphries Choptiany"),
    ("J. M. Humphries", "John Michael Humphries Choptiany"),
    # The second surname alone fits too, behind a person cited by it first.
    ("Silvia Merino", "Silvia Merino Jiménez"),
    ("Paulina Rocha", "Paulina Lima Rocha"),
    ("Patricia Muiño", "Patricia Conde Muiño"),  # an exact surname before a near one (Muñoz)
    # A typed initial stands for a given name, never for a surname (Campailla).
    ("Alberto, C.", "Alberto Hussni, Carlos"),
])
def test_one_surname_of_two_finds_the_person(two_surname_index, query, person):
    result = CliRunner().invoke(app, ["author", query, "--json", "--index", str(two_surname_index)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["matches"][0]["name"] == person


def test_first_surname_fits_better_than_second(two_surname_index):
    with RecordIndex(two_surname_index) as ix:
        first = [m.name for m in ix.authors("Silvia Jiménez")]
        second = [m.name for m in ix.authors("Silvia Merino")]
    assert first.index("Silvia Jiménez Merino") < first.index("Silvia Merino Jiménez")
    assert second.index("Silvia Merino Jiménez") < second.index("Silvia Jiménez Merino")
    # Other people of the surname come after, however their names are written.
    assert first.index("Silvia Jiménez Merino") < min(first.index(n) for n in ("José Jiménez", "Ana Jiménez"))


def test_variants_with_two_surnames_are_one_person_and_others_stay_apart(two_surname_index):
    with RecordIndex(two_surname_index) as ix:
        match = ix.authors("Silvia Jiménez Merino")[0]
        others = {n for m in ix.authors("Silvia Jiménez Merino")[1:] for n in m.variants}
    assert set(match.variants) == {"Silvia Jiménez Merino", "Jiménez Merino, Silvia", "S. Jiménez-Merino"}
    assert set(match.records) == {"doaj-art-s0", "doaj-art-s1", "doaj-art-s2"}
    assert {"Silvia Merino Jiménez", "José Jiménez", "María Jiménez López"} <= others
    assert any("same surname 'jimenez merino'" in why for why in match.why)


@pytest.mark.parametrize("name, readings", [
    ("Silvia Jiménez Merino", [(("silvia", "jimenez"), ("merino",)), (("silvia",), ("jimenez", "merino"))]),
    ("John Michael Humphries Choptiany", [(("john", "michael", "humphries"), ("choptiany",)),
                                          (("john", "michael"), ("humphries", "choptiany"))]),
    # Where the name says where the family name starts, it is read one way only.
    ("Jiménez Merino, Silvia", [(("silvia",), ("jimenez", "merino"))]),
    ("Antonio Pérez-Martínez", [(("antonio",), ("perez", "martinez"))]),
    ("Rebeca Pérez de Diego", [(("rebeca",), ("perez", "de", "diego"))]),
    ("Antonio J. Carcas", [(("antonio", "j"), ("carcas",))]),
    ("Jean-Pierre Dupont", [(("jean", "pierre"), ("dupont",))]),
    ("Perez Martinez AJ", [(("a", "j"), ("perez", "martinez"))]),
    # A patronymic last: the official East Slavic order (family first) is read too.
    ("ЗАЯЦ НИКОЛАЙ АЛЕКСЕЕВИЧ", [(("zaiats", "nikolai"), ("alekseevich",)),
                                 (("nikolai", "alekseevich"), ("zaiats",))]),
    ("Dmitri Dmitriyevich Shostakovich", [(("dmitri", "dmitriyevich"), ("shostakovich",))]),
    # A typed apostrophe splits, the one transliteration adds for the soft sign does not.
    ("М.В. Добровольская", [(("m", "v"), ("dobrovolskaia",))]),
    ("Mary O'Brien", [(("mary",), ("o", "brien"))]),
])
def test_name_readings(name, readings):
    assert [(r.given, r.family) for r in name_readings(name)] == readings


GIVEN_NAMES = ["Silvia", "Paulina", "Rebeca", "Antonio", "Clara", "Joaquim", "Fernanda", "Guillermo", "Inês"]
SURNAMES = ["Jiménez", "Merino", "Lima", "Rocha", "Pérez", "Martínez", "Hernández", "Blanco", "Gonçalves",
            "Oliveira", "Castillo", "Vásquez", "Moreira", "Quintero"]


@st.composite
def two_surname_people(draw):
    given, other_given = draw(st.lists(st.sampled_from(GIVEN_NAMES), min_size=2, max_size=2, unique=True))
    first, second, third = draw(st.lists(st.sampled_from(SURNAMES), min_size=3, max_size=3, unique=True))
    form = draw(st.sampled_from(["{g} {a} {b}", "{g} {a}-{b}", "{a} {b}, {g}", "{a}-{b}, {g}"]))
    rival = draw(st.sampled_from(["{g} {a}", "{g} {a} {c}", "{a}, {g}", "{g} {c} {a}"]))
    return (given, first, form.format(g=given, a=first, b=second),
            rival.format(g=other_given, a=first, c=third), f"{given} {second} {first}")


@given(two_surname_people())
@settings(max_examples=200, deadline=None)
def test_given_name_and_first_surname_fit_the_person_best(people):
    """`Given First` fits `Given First Second` (written any way) better than anyone else of
    surname First with another given name, and better than `Given Second First`."""
    given_name, first, target, rival, reversed_name = people
    query = parse_name(f"{given_name} {first}")
    score = name_score(query, target)
    assert score > name_score(query, rival)
    assert score > name_score(query, reversed_name)
    assert score >= 85


@pytest.mark.parametrize("query, stored", [
    ("Dobrovolskaia", "М.В. Добровольская"),
    ("M V Dobrovolskaya", "М.В. Добровольская"),
    ("Zaiats", "ЗАЯЦ НИКОЛАЙ АЛЕКСЕЕВИЧ"),
    ("Nikolai Zaiats", "ЗАЯЦ НИКОЛАЙ АЛЕКСЕЕВИЧ"),
])
def test_cyrillic_names_are_found_by_their_transliterated_surname(query, stored):
    # The stored name against another person of a similar given name: the surname decides.
    assert name_score(parse_name(query), stored) >= 70
    assert name_score(parse_name(query), stored) > name_score(parse_name(query), "Nikolai Zayas")


def test_a_middle_name_left_out_fits_better_than_a_given_name_as_an_initial():
    query = parse_name("Mathias Diaz")
    assert name_score(query, "Mathias Gabriel Diaz Ogás") > name_score(query, "M. Diaz-Ricart")
    assert name_score(parse_name("John Smith"), "John Michael Smith") > name_score(parse_name("John Smith"),
                                                                                  "J. Smith")
