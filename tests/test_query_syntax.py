"""Years typed in a query, strict syntax, bounded cost, stop words between operators.

The collection is the real-shaped fixtures: the reference seed record, the
fixture seed pages and the per-format samples (PubMed XML, MEDLINE, DOAJ,
CORD-19), 28 records from 2001 to 2025.
"""

from __future__ import annotations

import shlex
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import FIXTURE_SEEDS, REFERENCE, REFERENCE_ID, ROOT, check_top_hits_agree, build_mixed_collection, ids
from recsearch.search import index as search_module
from recsearch.engine.analysis import text_analyzer
from recsearch.ingest.build import update_index
from recsearch.cli import app
from recsearch.errors import QueryError
from recsearch.engine.documents import field_text
from recsearch.engine.parse import parse_query
from recsearch.search.syntax import MAX_QUERY_CHARS, MAX_QUERY_WORDS, MAX_WORD_CHARS, SyntaxProblem, check_syntax
from recsearch.engine.nodes import FieldsTerm
from recsearch.engine.scoring import bm25_idf, record_count
from recsearch.search.index import RecordIndex, SearchOptions

FORMATS = ROOT / "tests" / "fixtures" / "formats"
runner = CliRunner()


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    return build_mixed_collection(tmp_path_factory.mktemp("years"))


def words_of(record) -> set[str]:
    """Every analysed word of the record's searched fields (names keep their digits too)."""
    analyzer = text_analyzer()
    found = set()
    for name in ("title", "summary", "author", "affil", "subject", "journal"):
        found.update(t.text for t in analyzer(field_text(record, name)))
    return found


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


# Years in free text

@pytest.mark.parametrize("year", [2013, 2020, 2021, 2022, 2025])
def test_a_bare_year_matches_the_publication_year_or_the_word(ix, collection, year):
    _, records = collection
    expected = {r.id for r in records if r.year == year or str(year) in words_of(r)}
    assert expected  # every year here is held by some record, as year or as word
    assert ids(ix, str(year)) == expected


def test_a_year_in_the_text_is_found_though_the_record_is_of_another_year(ix, collection):
    reference = next(r for r in collection[1] if r.id == REFERENCE_ID)
    assert reference.year == 2025 and "2022" in reference.summary
    assert REFERENCE_ID in ids(ix, "2022 nk")


@pytest.mark.parametrize("query", ["hernandez-blanco 2025 nk", "Hernández-Blanco 2025 NK cells",
                                   "2025 lymphopenia", "covid 2025 release"])
def test_surname_year_word_finds_the_record_first(ix, query):
    result = ix.search(query)
    assert result.hits and result.hits[0].id == REFERENCE_ID


@pytest.mark.parametrize("word,year", [("cancer", 2020), ("cells", 2019), ("patients", 2021), ("nk", 2022)])
def test_a_year_and_words_find_their_intersection(ix, collection, word, year):
    _, records = collection
    with_word = ids(ix, word)
    expected = {r.id for r in records if r.id in with_word and (r.year == year or str(year) in words_of(r))}
    assert expected and ids(ix, f"{word} {year}") == expected


def test_the_year_weighs_as_the_word_once_in_an_abstract_and_never_more(ix, collection):
    searcher = ix.searcher()
    records = record_count(searcher)
    # A record of 2013 that holds no word `2013` scores the word's IDF (tf 1 in a field of
    # length 1, weighted as an abstract): what one `2013` in an abstract of average length gives.
    year_df = sum(1 for r in collection[1] if r.year == 2013)
    idf = bm25_idf(records, max(year_df, searcher.doc_frequency("summary", "2013")))
    result = ix.search("lymphopenia 2013", match_any=True, limit=None)
    year_only = [h.score for h in result.hits if h.year == 2013]
    assert len(year_only) == year_df == 6
    assert year_only == pytest.approx([idf] * 6, abs=1e-4)  # (hit scores are rounded)
    # The rarer word in a title outranks every record matched by the year alone.
    titled = [h for h in result.hits if "lymphopenia" in h.title.lower()]
    assert titled and result.hits[0] == titled[0] and titled[0].score > 2 * idf


def test_a_record_of_the_year_comes_before_one_that_mentions_it(ix, collection):
    # The reference (2025) mentions 2022 in its abstract; as a year, 2022 would weigh more.
    searcher = ix.searcher()
    q = ix.prepare("2022", False, {}, searcher, [], None, set())
    assert isinstance(q, FieldsTerm) and set(q.field_terms) == {"title", "summary", "author", "affil", "subject",
                                                         "journal", "year"}
    mention = ix.search("2022").hits[0]
    assert mention.id == REFERENCE_ID
    records = record_count(searcher)
    as_year = bm25_idf(records, max(1, searcher.doc_frequency("summary", "2022")))
    assert mention.score < as_year


@pytest.mark.parametrize("query", ["cancer 2020", "cancer OR 2020", "2013 OR cells", "title:cells 2019",
                                   "2020 2021", "nk 2025"])
def test_year_queries_score_as_whoosh_does(ix, query):
    searcher = ix.searcher()
    q = ix.prepare(query, False, {}, searcher, [], None, set())
    check_top_hits_agree(searcher, q, limit=None)


def test_a_number_outside_the_years_is_a_word_only(ix):
    assert ids(ix, "1400") == set() and ids(ix, "2200") == set()


@pytest.mark.parametrize("span,option", [("2020-2021", "2020-2021"), ("2015-", "2015-"), ("-2010", "-2010"),
                                         ("2019..2021", "2019..2021")])
def test_year_span_in_the_query_is_the_year_option(ix, span, option):
    in_query = ids(ix, f"year:{span}")
    assert in_query and in_query == ids(ix, "*", filters={"year": [option]})


@pytest.mark.parametrize("args,shown", [(["x", "--year", "20-21"], "20 is not a year"),
                                        (["year:20-21"], "20 is not a year"),
                                        (["year:20"], "20 is not a year"),
                                        (["year:2021-2019"], "backwards"),
                                        (['year:"x y"'], "a year is a number")])
def test_years_that_are_not_years_are_refused_on_one_line(collection, args, shown):
    result = run("search", *args, "--no-history", "--index", collection[0])
    assert result.exit_code == 2
    assert shown in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "internal error" not in result.stderr


def test_a_search_failing_on_its_year_suggests_the_year_filter(ix):
    result = ix.search("hernandez-blanco 2024 nk")
    assert result.total == 0
    best = result.suggestions[0]
    assert best["kind"] == "year" and best["query"] == "hernandez-blanco nk" and best["hits"] == 1
    assert best["command"] == "recsearch search 'hernandez-blanco nk' --year 2023-2025"
    assert not any(s["any"] for s in result.suggestions)


def test_a_misspelt_word_and_a_wrong_year_are_both_rescued(ix):
    best = ix.search("hernandez-blanco 2024 lymphopenai").suggestions[0]
    assert best["kind"] == "year" and best["query"] == "hernandez-blanco lymphopenia"


def test_the_year_rescue_in_the_cli(collection):
    result = run("search", "hernandez-blanco 2026 nk", "--no-history", "--index", collection[0])
    assert result.exit_code == 0
    assert "Try:\n  recsearch search 'hernandez-blanco nk' --year 2025-2027  (1 hit)" in result.stderr


# Strict syntax

@pytest.mark.parametrize("query,what,column,corrected", [
    ('"natural killer cells', "unclosed quote", 1, '"natural killer cells"'),
    ('covid "natural killer', "unclosed quote", 7, 'covid "natural killer"'),
    ("(nk OR covid", "unclosed bracket", 1, "(nk OR covid)"),
    ("nk OR (covid AND (cells)", "unclosed bracket", 7, "nk OR (covid AND (cells))"),
    ("nk OR covid)", "stray closing bracket", 12, "nk OR covid"),
    ("[b0}3(?ROa", "unclosed bracket", 6, "[b0}3(?ROa)"),
    ("year:[2019 TO 2021)", "closes the '['", 19, "year:[2019 TO 2021]"),
    ("title:", "empty field", 1, None),
    ("covid title:", "empty field", 7, "covid"),
    ("title: covid", "empty field", 1, "title:covid"),
    ("(covid title:)", "empty field", 8, "(covid )"),
    ('title:"" covid', "empty phrase", 1, "covid"),
])
def test_broken_syntax_is_refused_with_where_and_the_query_to_run(collection, ix, query, what, column, corrected):
    result = run("search", query, "--no-history", "--index", collection[0])
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and what in line and f"column {column}" in line
    if corrected is None:
        assert "run:" not in line
        return
    assert line.endswith("run: recsearch search " + shlex.quote(corrected))
    if "?" not in corrected:  # (`?ROa` is then refused as a leading wildcard)
        ix.search(corrected)  # the corrected query runs


def test_an_unclosed_phrase_is_not_run_as_words(ix):
    with pytest.raises(QueryError, match="unclosed quote"):
        ix.search('"natural killer cells')
    assert ids(ix, '"natural killer cells"') < ids(ix, "natural killer cells")


@pytest.mark.parametrize("query", ['"a (phrase) with: brackets"', "year:[2019 TO 2021]", "year:{2019 TO 2021]",
                                   "(nk OR covid) AND cells", "http://example.org", "o'brien", "covid-19"])
def test_balanced_syntax_is_accepted(ix, query):
    ix.search(query)


# Every query cheap

def test_a_query_past_the_size_caps_is_refused(ix):
    with pytest.raises(QueryError, match="characters long"):
        ix.search("q" * 5000)
    with pytest.raises(QueryError, match=f"at most {MAX_QUERY_CHARS:,}"):
        ix.search(" OR ".join(["lymphoma"] * 3000))  # 12,000 characters
    with pytest.raises(QueryError, match=f"at most {MAX_QUERY_WORDS}"):
        ix.search(" OR ".join(f"w{i}" for i in range(200)))
    with pytest.raises(QueryError, match=f"words of at most {MAX_WORD_CHARS}"):
        ix.search("covid " + "x" * (MAX_WORD_CHARS + 1))


def test_queries_within_the_caps_run(ix):
    assert ix.search(" OR ".join(["cancer", "cells"] * 60)).total == len(ids(ix, "cancer OR cells"))
    assert ix.search("q" * MAX_WORD_CHARS).total == 0


@pytest.fixture
def no_whoosh_edit_distance(monkeypatch):
    """Fail the test if Whoosh's pure-Python edit distance (or its automaton) is used."""
    from whoosh import reading

    def refuse(*args, **kwargs):
        raise AssertionError("Whoosh's terms_within was used")

    monkeypatch.setattr(reading.IndexReader, "terms_within", refuse)
    monkeypatch.setattr(reading.SegmentReader, "terms_within", refuse)


@pytest.fixture
def comparisons(monkeypatch):
    from rapidfuzz.distance import OSA

    calls = []
    real = OSA.distance

    def counted(a, b, **kwargs):
        calls.append((a, b))
        return real(a, b, **kwargs)

    monkeypatch.setattr(OSA, "distance", counted)
    return calls


def test_did_you_mean_uses_rapidfuzz_not_whoosh(ix, no_whoosh_edit_distance):
    best = ix.search("lymphopenai natral").suggestions[0]
    assert best["query"] == "lymphopenia natural"


def test_a_word_longer_than_any_indexed_word_is_never_compared(ix, no_whoosh_edit_distance, comparisons):
    result = ix.search("lymphopenia " + "b" * MAX_WORD_CHARS)
    assert result.total == 0 and comparisons == []
    ix.search("lymphopenia natral")
    assert comparisons  # an ordinary misspelling is compared


def test_the_time_limit_covers_the_rescue(ix, monkeypatch):
    monkeypatch.setattr(search_module, "RESCUE_TIME_LIMIT", 0.0)
    result = ix.search("lymphopenai natral")
    assert result.suggestions == []
    assert any("stopped after 0 s" in note for note in result.notes)


# Stop words and operators

@pytest.mark.parametrize("query,same_as", [
    ("nk OR the OR cancer", "nk OR cancer"),
    ("the OR nk", "nk"),
    ("nk OR the", "nk"),
    ("nk AND NOT the", "nk"),
    ("cells the OR nk", "cells nk"),
    ("(the OR nk) OR cancer", "nk OR cancer"),
])
def test_a_dropped_stop_word_keeps_the_operators_around_it(ix, query, same_as):
    assert ids(ix, query) == ids(ix, same_as)


def test_or_around_a_stop_word_is_still_or(ix):
    assert ids(ix, "nk OR cancer") != ids(ix, "nk cancer")
    assert ids(ix, "nk OR of OR cancer") == ids(ix, "nk") | ids(ix, "cancer")


def test_an_explicit_or_scores_each_word_as_bm25f(ix, collection):
    q = parse_query("cells OR cancer", ix.schema)
    assert all(isinstance(part, FieldsTerm) for part in q.subqueries)
    explicit = ix.search("cells OR cancer", limit=None).hits
    ranked = ix.search("cells cancer", match_any=True, limit=None).hits
    assert len(explicit) > 5
    assert [(h.id, h.score) for h in explicit] == [(h.id, h.score) for h in ranked]


def test_explain_names_the_year_a_record_matched_by(ix, collection):
    hits = ix.search("2013", limit=None, options=SearchOptions(explain=True, snippets=True)).hits
    assert len(hits) == 6
    for hit in hits:
        assert {"field": "year", "words": ["2013"], "terms": ["2013"]} in hit.matched
        assert hit.snippet is None  # a year has no passage to show
    reference = ix.search("nk 2025", options=SearchOptions(explain=True, snippets=True)).hits[0]
    assert reference.snippet["field"] == "summary" and reference.matched[-1]["field"] == "year"


@pytest.mark.parametrize("query,corrected", [('"', None), ('nk "', "nk"), ('nk " ', "nk")])
def test_a_quote_with_nothing_after_it_is_removed_not_closed(ix, query, corrected):
    with pytest.raises(QueryError, match="unclosed quote") as refused:
        ix.search(query)
    assert refused.value.corrected == corrected or (corrected is None and not refused.value.corrected)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab "()[]{}:', max_size=30).map(lambda t: t.replace("a:", "title:")))
def test_following_the_corrections_always_ends_in_an_accepted_query(text):
    known = {"title", "author", "year"}
    for _ in range(len(text) + 2):
        try:
            check_syntax(text, known)
            return
        except SyntaxProblem as problem:
            assert problem.corrected != text
            if not problem.corrected or not problem.corrected.strip():
                return  # nothing left to run: the message says so without a command
            text = problem.corrected
    raise AssertionError(f"corrections did not converge: {text!r}")
