"""Queries as people type them: possessives, -word and +word, dangling operators, typos of
stemmed words, citation forms of names, hyphenated words in a field, DOI links, covid19.

The collection is the real-shaped fixtures (the reference seed record, the fixture seed
pages and the per-format samples); the typo ranking is checked on the shared CORD-19
sample (skipped when the shared data is absent).
"""

from __future__ import annotations

import shlex
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner
from whoosh import fields
from whoosh.analysis import LowercaseFilter, RegexTokenizer

from conftest import FIXTURE_SEEDS, REFERENCE, REFERENCE_ID, ROOT, SHARED_DATA, build_mixed_collection, ids
from recsearch.engine.analysis import letters_digits, text_analyzer
from recsearch.ingest.build import update_index
from recsearch.cli import app
from recsearch.engine.parse import parse_query
from recsearch.names import split_name
from recsearch.engine.name_forms import name_fits
from recsearch.search.syntax import tidy_query
from recsearch.search.index import RecordIndex, SearchOptions

FORMATS = ROOT / "tests" / "fixtures" / "formats"
CORD19 = SHARED_DATA / "cord19-metadata-sample" / "metadata_sample.csv"
runner = CliRunner()


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    return build_mixed_collection(tmp_path_factory.mktemp("forms"))


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


# Possessives

@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzÉéñ", min_size=2, max_size=12), st.sampled_from(["'s", "\u2019s", "'S"]))
def test_a_possessive_is_the_word_before_it(word, possessive):
    analyzer = text_analyzer()
    assert [t.text for t in analyzer(f"{word}{possessive} cells")] == [t.text for t in analyzer(f"{word} cells")]


@pytest.mark.parametrize("apostrophe", ["'", "\u2019"])
def test_a_possessive_query_finds_what_the_word_finds(ix, apostrophe):
    # The reference record's abstract says "natural killer (NK) cells".
    assert ids(ix, f"natural killer{apostrophe}s cells") == ids(ix, "natural killer cells") != set()


def test_an_old_index_never_requires_a_word_s():
    """An index whose analyzer keeps `s` (built before possessives were dropped): the query drops it."""
    old = fields.Schema(title=fields.TEXT(analyzer=RegexTokenizer(r"\w+") | LowercaseFilter()))
    assert tidy_query("Hodgkin\u2019s lymphoma", False, []) == "Hodgkin lymphoma"
    assert "s" not in {t for _, t in parse_query(tidy_query("Crohn's disease", False, []), old).all_terms()}


# -word, +word and dangling operators

def test_minus_word_is_not(ix):
    cells, lymphopenia = ids(ix, "cells"), ids(ix, "lymphopenia")
    assert cells & lymphopenia and cells - lymphopenia
    assert ids(ix, "cells -lymphopenia") == cells - lymphopenia
    assert ids(ix, "cells NOT lymphopenia") == cells - lymphopenia
    assert ids(ix, "cells +lymphopenia") == cells & lymphopenia


def test_minus_word_with_any_excludes_from_every_alternative(ix):
    either = ids(ix, "cells covid", match_any=True)
    assert either - ids(ix, "lymphopenia")
    assert ids(ix, "cells covid -lymphopenia", match_any=True) == either - ids(ix, "lymphopenia")


def test_a_hyphen_inside_a_word_is_not_an_operator(ix):
    assert REFERENCE_ID in ids(ix, "covid-19 lymphopenia")


@pytest.mark.parametrize("query, column, corrected", [
    ("lymphoma AND", 10, "lymphoma"),
    ("OR lymphoma", 1, "lymphoma"),
    ("lymphoma NOT", 10, "lymphoma"),
    ("cells AND OR lymphoma", 7, "cells OR lymphoma"),
    ("(cells OR) lymphoma", 8, "(cells ) lymphoma"),
    ("NOT NOT lymphoma", 1, "lymphoma"),  # Whoosh's parser fails on it with an IndexError
    ("cells NOT NOT lymphoma", 7, "cells lymphoma"),
])
def test_a_dangling_operator_is_refused_with_the_query_to_run(collection, query, column, corrected):
    result = run("search", query, "--index", collection[0])
    assert result.exit_code == 2
    assert f"column {column}" in result.output and query in result.output
    assert result.output.strip().endswith(f"run: recsearch search {shlex.quote(corrected)}")
    assert run("search", corrected, "--index", collection[0]).exit_code == 0


def test_plus_with_any_is_refused(collection):
    result = run("search", "natural +killer", "--any", "--index", collection[0])
    assert result.exit_code == 2 and "--any" in result.output


# Typos of stemmed words

@pytest.mark.parametrize("typo", ["natral~", "natrual~", "naturl~"])
def test_fuzzy_reaches_the_word_behind_a_stem(ix, typo):
    assert ids(ix, "natural") <= ids(ix, typo)
    assert ids(ix, "natural killer") <= ids(ix, f"{typo} killer")


def test_did_you_mean_a_stemmed_word(collection):
    result = run("search", "natral kiler", "--index", collection[0])
    assert "Did you mean:" in result.output
    assert "recsearch search 'natural killer'" in result.output


@pytest.fixture(scope="module")
def cord19(tmp_path_factory):
    if not CORD19.exists():
        pytest.skip("the shared CORD-19 sample is absent")
    folder = tmp_path_factory.mktemp("cord19")
    shutil.copy(CORD19, folder / "metadata.csv")
    root = folder / "index"
    assert not update_index([folder / "metadata.csv"], root).failed
    with RecordIndex(root) as opened:
        yield opened


@pytest.mark.parametrize("typo, meant", [("childern", "children"), ("vacination", "vaccination")])
def test_a_correction_prefers_the_common_word_and_its_closest_form(cord19, typo, meant):
    reader = cord19.searcher().reader()
    stem = [t.text for t in text_analyzer()(meant)][0]
    # The word meant is common here; the suggestion must be it, as written.
    assert reader.doc_frequency("title", stem) + reader.doc_frequency("summary", stem) > 50
    suggestions = cord19.search(typo, limit=3).suggestions
    assert suggestions and suggestions[0]["kind"] == "correction"
    assert suggestions[0]["query"] == meant


def test_covid19_is_covid_19(cord19):
    assert ids(cord19, "covid19") == ids(cord19, "covid-19") == ids(cord19, '"covid 19"')
    assert len(ids(cord19, "covid19")) > 100


@given(st.text(alphabet="abcxyz0189", min_size=1, max_size=10))
def test_letters_and_digits_split_as_punctuation_splits_them(word):
    parts = letters_digits(word)
    assert "".join(parts) == word
    assert all(p.isalpha() or p.isdigit() for p in parts)
    assert all(a.isalpha() != b.isalpha() for a, b in zip(parts, parts[1:]))


# Citation forms of names

def test_et_al_is_left_out_and_said(ix, collection):
    assert ids(ix, "Hernandez-Blanco et al 2025") == ids(ix, "Hernandez-Blanco 2025") != set()
    assert ids(ix, "Hernandez-Blanco et al. 2025") == ids(ix, "Hernandez-Blanco 2025")
    result = run("search", "Hernandez-Blanco et al 2025", "--index", collection[0])
    assert result.exit_code == 0 and result.output.count("et al") >= 1


def _cited_forms(given: str, family: str) -> list[str]:
    initials = " ".join(w[0] for w in given.split())
    return [f"{family}, {given}", f"{family} {initials}", f"{family} {given}", f"{family}, {initials}"]


def test_citation_forms_of_every_author_find_their_records(ix, collection):
    tried = 0
    for record in collection[1]:
        for author in record.authors[:3]:
            family, given, initials_only = split_name(author.name)
            if not given or initials_only or "," in author.name or not given[:1].isalpha():
                continue
            found = ids(ix, f'author:"{given} {family}"')
            assert record.id in found
            for form in _cited_forms(given, family):
                assert found <= ids(ix, f'author:"{form}"'), form
            tried += 1
    assert tried >= 20


def test_the_issue_forms_of_perez_martinez(ix):
    found = ids(ix, 'author:"antonio perez-martinez"')
    assert found
    for form in ("perez-martinez, antonio", "perez-martinez a", "Pérez-Martínez A", "perez-martinez antonio"):
        assert found <= ids(ix, f'author:"{form}"'), form


def test_name_fits_in_order_or_surname_first():
    assert name_fits(["zagolski", "o"], ["olaf", "zagolski"])
    assert name_fits(["zagolski", "olaf"], ["olaf", "zagolski"])
    assert name_fits(["olaf", "zagolski"], ["zagolski", "o"])
    assert not name_fits(["zagolski", "p"], ["olaf", "zagolski"])
    assert name_fits(["li", "c"], ["chien", "feng", "li"])
    assert not name_fits(["o", "z"], ["olaf", "zagolski"])  # initials alone are not a name
    # Two family words typed in the other order are another person.
    assert not name_fits(["perez", "martinez"], ["juan", "martinez", "perez"])


def test_a_failed_name_search_suggests_the_author_lookup(collection):
    result = run("search", "Perez-Martinez Q, 2025", "--index", collection[0])
    assert "No records match" in result.output
    assert "recsearch author 'Perez-Martinez Q'" in result.output


def test_a_failed_topic_search_does_not_suggest_the_author_lookup(collection):
    result = run("search", "lymphopenia pneumothorax", "--index", collection[0])
    assert "recsearch author" not in result.output


# A hyphenated word in a field is a phrase

@pytest.mark.parametrize("field, word", [("author", "perez-martinez"), ("title", "covid-19"),
                                         ("summary", "sars-cov-2"), ("author", "hernandez-blanco")])
def test_a_hyphenated_word_in_a_field_is_its_phrase(ix, field, word):
    assert ids(ix, f"{field}:{word}") == ids(ix, f'{field}:"{word}"') != set()


def test_a_hyphenated_surname_never_matches_two_authors(ix, collection):
    for record in collection[1]:
        if record.id in ids(ix, "author:perez-martinez"):
            assert any("rez-mart" in n.lower() or "rez mart" in n.lower()
                       for n in (a.replace("é", "e").replace("í", "i") for a in record.author_names))


# DOIs as links

def test_a_doi_link_or_label_finds_the_record(ix, collection):
    record = next(r for r in collection[1] if r.doi)
    plain = ids(ix, f"doi:{record.doi}")
    assert plain == {record.id}
    for form in (f"https://doi.org/{record.doi}", f"http://dx.doi.org/{record.doi}", f"doi.org/{record.doi}",
                 f"DOI:{record.doi.upper()}", f'"https://doi.org/{record.doi}"'):
        assert ids(ix, f"doi:{form}") == plain, form
