"""Fuzzy author lookup: name parsing, similarity, clusters, and the index."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import REFERENCE, REFERENCE_ID
from recsearch.authors import NameParts, cluster_names, name_similarity, parse_name, same_person
from recsearch.build import update_index
from recsearch.cli import app
from recsearch.record import Author, Record
from recsearch.render import render_seed_record
from recsearch.search import RecordIndex


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
