"""Facets, filters, sorting, snippets, explain, did-you-mean, similar records and history.

The collection is generated: 120 records rendered to seed files, with journal
and subject values that differ only in case and accents, records without a
year, and a near-copy of the reference record.
"""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from conftest import REFERENCE, REFERENCE_ID, check_top_hits_agree
from recsearch.names import parse_name
from recsearch.ingest.build import update_index
from recsearch.cli import app
from recsearch.errors import QueryError, RecsearchError
from recsearch.engine.documents import facet_key
from recsearch.search.matches import Snippet, render_snippet
from recsearch.readers import read_seed_record
from recsearch.record import Author, Record
from recsearch.render import render_seed_record
from recsearch.search.index import RecordIndex, SearchOptions

JOURNALS = ["Revista Médica de Chile", "REVISTA MEDICA DE CHILE", "iScience", "Acta Oncológica", "Cell Reports"]
SUBJECTS = ["Immunology", "immunology", "Cell biology", "Oncology", "Pediatrics", "Salud pública", "Salud Publica"]
LANGUAGES = ["English", "Spanish", "French"]
TOPICS = ["lymphoma", "leukemia", "vaccine", "influenza", "asthma", "diabetes", "malaria", "tuberculosis"]
FILLER = ["patients", "cohort", "study", "clinical", "outcomes", "hospital", "children", "treatment", "risk"]
PEOPLE = ["Antonio Pérez-Martínez", "María Núñez", "Søren Østergaard", "Zeynep Güçlü", "Rebeca Pérez de Diego",
          "Wei Zhou", "Anna van der Berg", "Łukasz Wiśniewski", "José García", "Ana Álvarez"]
TWIN = "doaj-art-97ba4ac5d1b34a089f0a13af6f6e6833"
runner = CliRunner()


def make_records(n: int = 120, seed: int = 11) -> list[Record]:
    rng = random.Random(seed)
    found = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        year = None if i % 10 == 3 else rng.randint(1995, 2024)
        summary = " ".join(rng.choice(FILLER) for _ in range(40)) + f" {topic} study."
        authors = [Author(name, f"Hospital {rng.randint(1, 9)}, Madrid, Spain")
                   for name in rng.sample(PEOPLE, rng.randint(1, 3))]
        found.append(Record(
            id=f"doaj-art-{i:032x}", title=f"{topic.capitalize()} in {rng.choice(FILLER)} {rng.choice(FILLER)}",
            summary=summary, authors=authors, subjects=rng.sample(SUBJECTS, rng.randint(1, 3)),
            journal=rng.choice(JOURNALS), publisher=rng.choice(["Elsevier", "SciELO", None]),
            date=f"{year}-05-01" if year else None, year=year, language=rng.choice(LANGUAGES),
        ))
    return found


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    folder = tmp_path_factory.mktemp("collection")
    seeds = folder / "seeds"
    seeds.mkdir()
    records = make_records()
    reference = read_seed_record(REFERENCE)
    # A near-copy of the reference record: what `similar` should find first.
    twin = replace(reference, id=TWIN, title="Safety of memory NK cells from convalescent donors in COVID-19",
                   authors=reference.authors[:3])
    for n, record in enumerate(records + [twin]):
        (seeds / f"{n:04d}.txt").write_text(render_seed_record(record), encoding="utf-8")
    shutil.copy(REFERENCE, seeds)
    root = folder / "index"
    report = update_index([seeds], root)
    assert not report.failed
    by_id = {r.id: r for r in records + [twin, reference]}
    return root, by_id


@pytest.fixture
def ix(collection):
    with RecordIndex(collection[0]) as opened:
        yield opened


def all_ids(ix, text, **options):
    return [h.id for h in ix.search(text, limit=None, options=SearchOptions(**options)).hits]


def brute_facets(records, name):
    """Counts per folded value, as a user would count them by hand."""
    counts = Counter()
    for r in records:
        values = {"year": [str(r.year)] if r.year else [], "journal": [r.journal] if r.journal else [],
                  "subject": r.subjects, "language": [r.language] if r.language else [],
                  "publisher": [r.publisher] if r.publisher else []}[name]
        counts.update(facet_key(v) for v in values)
    return counts


@pytest.mark.parametrize("query", ["study", "lymphoma OR vaccine", "author:perez", "patients NOT asthma"])
@pytest.mark.parametrize("name", ["year", "journal", "subject", "language", "publisher"])
def test_facet_counts_match_a_brute_force_count(ix, collection, query, name):
    by_id = collection[1]
    result = ix.search(query, limit=None, options=SearchOptions(facets=[name], facet_limit=100))
    expected = brute_facets([by_id[h.id] for h in result.hits], name)
    assert {facet_key(row["value"]): row["count"] for row in result.facets[name]} == dict(expected)
    counts = [row["count"] for row in result.facets[name]]
    assert counts == sorted(counts, reverse=True)


def test_facets_group_case_and_accent_variants(ix):
    result = ix.search("study", limit=5, options=SearchOptions(facets=["journal", "subject"], facet_limit=100))
    journals = [row["value"] for row in result.facets["journal"]]
    assert sum(facet_key(j) == "revista medica de chile" for j in journals) == 1
    subjects = [facet_key(row["value"]) for row in result.facets["subject"]]
    assert subjects.count("immunology") == 1 and subjects.count("salud publica") == 1


def test_facets_cover_every_hit_not_only_the_page(ix):
    page = ix.search("study", limit=3, options=SearchOptions(facets=["language"]))
    assert len(page.hits) == 3 and sum(row["count"] for row in page.facets["language"]) == page.total > 3


@pytest.mark.parametrize("filters, keep", [
    ({"year": ["2000-2010"]}, lambda r: r.year is not None and 2000 <= r.year <= 2010),
    ({"year": ["2015-"]}, lambda r: r.year is not None and r.year >= 2015),
    ({"year": ["-1999"]}, lambda r: r.year is not None and r.year <= 1999),
    ({"year": ["2001"]}, lambda r: r.year == 2001),
    ({"journal": ["revista medica de chile"]}, lambda r: facet_key(r.journal or "") == "revista medica de chile"),
    ({"subject": ["SALUD PÚBLICA"]}, lambda r: "salud publica" in {facet_key(s) for s in r.subjects}),
    ({"language": ["spanish", "French"]}, lambda r: r.language in ("Spanish", "French")),
    ({"journal": ["iScience"], "year": ["2010-2024"]},
     lambda r: r.journal == "iScience" and r.year is not None and 2010 <= r.year <= 2024),
])
def test_filters_keep_exactly_the_matching_records(ix, collection, filters, keep):
    by_id = collection[1]
    everything = all_ids(ix, "study OR natural")
    expected = {i for i in everything if keep(by_id[i])}
    assert expected, "the filter should keep some records"
    assert set(all_ids(ix, "study OR natural", filters=filters)) == expected


def test_filter_on_an_unknown_value_says_what_is_close(ix):
    result = ix.search("study", options=SearchOptions(filters={"journal": ["Revista Medica Chile"]}))
    assert result.total == 0
    assert any("revista medica de chile" in note for note in result.notes)


@pytest.mark.parametrize("bad", ["twenty", "2020-2010", "20x0", ""])
def test_bad_year_filter_is_a_query_error(ix, bad):
    with pytest.raises(QueryError):
        ix.search("study", options=SearchOptions(filters={"year": [bad or " - "]}))


def test_sort_by_year_puts_records_without_one_last(ix, collection):
    by_id = collection[1]
    for order, reverse in (("year", False), ("-year", True)):
        years = [by_id[i].year for i in all_ids(ix, "study", sort=order)]
        dated = [y for y in years if y is not None]
        assert dated == sorted(dated, reverse=reverse)
        assert years[len(dated):] == [None] * (len(years) - len(dated)) and len(dated) < len(years)


def test_sort_by_author_uses_the_first_authors_surname(ix, collection):
    by_id = collection[1]
    ids = all_ids(ix, "study", sort="author")
    keys = [parse_name(by_id[i].authors[0].name).family for i in ids]
    assert keys == sorted(keys)
    # `Antonio Pérez-Martínez` sorts under P, not A; `Anna van der Berg` under van der Berg.
    firsts = [by_id[i].authors[0].name for i in ids]
    assert firsts.index("Ana Álvarez") < firsts.index("Wei Zhou")
    assert firsts.index("José García") < firsts.index("Antonio Pérez-Martínez")


def test_sort_by_title_ignores_case_accents_and_a_leading_article(ix, collection):
    by_id = collection[1]

    def key(record_id):
        title = facet_key(by_id[record_id].title)
        return title[4:] if title.startswith("the ") else title

    titles = [key(i) for i in all_ids(ix, "study", sort="title")]
    assert titles == sorted(titles) and "phase i release" in " ".join(titles)
    assert [key(i) for i in all_ids(ix, "study", sort="-title")] == sorted(titles, reverse=True)


def test_sorted_hits_are_the_same_set_as_ranked_hits(ix):
    assert set(all_ids(ix, "lymphoma", sort="year")) == set(all_ids(ix, "lymphoma"))


def test_snippet_highlights_the_folded_words_as_written(ix):
    hit = ix.search("lymphopenia perez", options=SearchOptions(snippets=True, explain=True)).hits[0]
    assert hit.id == REFERENCE_ID
    snippet = hit.snippet
    assert snippet["field"] == "summary"
    marked = [snippet["text"][s:e] for s, e in snippet["highlights"]]
    assert marked and all(w.lower() == "lymphopenia" for w in marked)
    fields = {m["field"]: m["words"] for m in hit.matched}
    assert "Pérez-Martínez" in " ".join(fields["author"]) or "Pérez" in fields["author"]
    assert "lymphopenia" in fields["summary"]


def test_explain_names_fuzzy_expansions(ix):
    hit = ix.search("author:hernadez~", options=SearchOptions(explain=True)).hits[0]
    author = next(m for m in hit.matched if m["field"] == "author")
    assert "Hernández" in author["words"]
    assert author["expanded_from"] == {"hernandez": "hernadez~1"}


def test_snippet_is_bold_on_a_terminal_and_plain_in_a_pipe():
    snippet = Snippet("summary", "…the lymphopenia of NK cells", [(5, 16)])
    assert render_snippet(snippet, bold=False) == "…the lymphopenia of NK cells"
    assert render_snippet(snippet, bold=True) == "…the \x1b[1mlymphopenia\x1b[0m of NK cells"


def test_misspelt_words_are_corrected_from_the_index(ix):
    result = ix.search("lymphopenai natral")
    assert result.total == 0
    best = result.suggestions[0]
    assert best["kind"] == "correction" and best["query"] == "lymphopenia natural" and best["hits"] == 2  # the reference and its copy
    assert best["command"] == "recsearch search 'lymphopenia natural'"


def test_a_misspelt_name_is_corrected_from_the_author_field(ix):
    best = ix.search("author:wisnievski").suggestions[0]
    assert best["query"] == "author:wisniewski" and best["hits"] > 0


def test_without_a_correction_a_relaxed_and_a_fuzzy_variant_are_offered(ix):
    result = ix.search("lymphoma malaria")  # every record is about one topic only
    assert result.total == 0
    kinds = {s["kind"]: s for s in result.suggestions}
    assert kinds["any word"]["any"] is True
    assert kinds["any word"]["hits"] == len(all_ids(ix, "lymphoma OR malaria"))
    assert "--any" in kinds["any word"]["command"]


def test_a_good_query_gets_no_suggestions(ix):
    assert ix.search("lymphoma").suggestions == []


def test_similar_finds_the_near_copy_first(ix):
    result = ix.similar(REFERENCE_ID, limit=5)
    ids = [h.id for h in result.hits]
    assert ids[0] == TWIN and REFERENCE_ID not in ids
    with pytest.raises(RecsearchError, match="no record") as raised:
        ix.similar("doaj-art-nope")
    assert raised.value.exit_code == 1


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def search_ids(root, *args):
    result = run("search", *args, "--all", "--json", "--no-history", "--index", root)
    assert result.exit_code == 0, result.output
    return {h["id"] for h in json.loads(result.stdout)["hits"]}


@pytest.fixture
def history_index(collection, tmp_path):
    root = tmp_path / "index"
    shutil.copytree(collection[0], root)
    return root


def test_history_numbers_searches_and_combines_them(history_index):
    root = history_index
    lymphoma, spanish, asthma = (search_ids(root, q, *extra) for q, *extra in
                                 (("lymphoma",), ("study", "--language", "Spanish"), ("asthma",)))
    for args in (["lymphoma"], ["study", "--language", "Spanish"], ["asthma"]):
        assert run("search", *args, "--history", "--index", root).exit_code == 0
    listed = run("history", "--json", "--index", root)
    entries = json.loads(listed.stdout)["history"]
    assert [e["number"] for e in entries] == [1, 2, 3]
    assert entries[1]["filters"] == {"language": ["Spanish"]} and entries[0]["hits"] == len(lymphoma)

    assert search_ids(root, "#1 AND #2") == lymphoma & spanish
    assert search_ids(root, "#1 OR #3") == lymphoma | asthma
    assert search_ids(root, "#2 NOT #1") == spanish - lymphoma
    assert search_ids(root, "(#1 OR #3) AND #2") == (lymphoma | asthma) & spanish
    # A line that itself names earlier lines.
    assert run("search", "#1 OR #3", "--history", "--index", root).exit_code == 0
    assert search_ids(root, "#4 AND NOT #3") == lymphoma
    # With words and filters.
    assert search_ids(root, "#2 cohort", "--year", "2010-") <= spanish


def test_history_reference_to_a_missing_line_is_exit_2(history_index):
    result = run("search", "#7 AND lymphoma", "--index", history_index)
    assert result.exit_code == 2 and "#7 is not in the search history" in result.stderr


def test_history_export_writes_the_strategy(history_index, tmp_path):
    run("search", "lymphoma", "--year", "2000-2010", "--history", "--index", history_index)
    run("search", "#1 AND asthma", "--history", "--index", history_index)
    out = tmp_path / "strategy.txt"
    result = run("history", "--export", out, "--index", history_index)
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "Records in the index now: 122" in text
    assert "#1  lymphoma   [filters: --year 2000-2010]" in text
    assert "#2  #1 AND asthma" in text
    assert text.count(", run ") == 2
    assert run("history", "--clear", "--yes", "--index", history_index).exit_code == 0
    assert json.loads(run("history", "--json", "--index", history_index).stdout) == {"history": []}


def test_cli_search_with_facets_snippets_and_export(history_index, tmp_path):
    result = run("search", "lymphopenia", "--snippets", "--explain", "--facet", "year,journal",
                 "--index", history_index)
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout  # not a terminal: no bold
    assert "summary: " in result.stdout and "matched: " in result.stdout
    assert "Year\n  2025" in result.stdout and "Journal\n  iScience" in result.stdout
    out = tmp_path / "hits.ris"
    result = run("search", "lymphoma", "--all", "--format", "ris", "-o", out, "--index", history_index)
    assert result.exit_code == 0 and "wrote 15 records as ris" in result.stderr
    assert out.read_text(encoding="utf-8").count("ER  - ") == 15


def test_cli_json_goes_to_the_output_file(history_index, tmp_path):
    out = tmp_path / "hits.json"
    result = run("search", "lymphoma", "--json", "-o", out, "--no-history", "--index", history_index)
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["total"] == 15


def test_cli_refuses_mixed_outputs_and_unknown_formats(history_index):
    assert run("search", "lymphoma", "--json", "--format", "ris", "--index", history_index).exit_code == 2
    bad = run("search", "lymphoma", "--format", "endnote", "--index", history_index)
    assert bad.exit_code == 2 and "unknown --format 'endnote'" in bad.stderr
    assert run("search", "lymphoma", "--sort", "color", "--index", history_index).exit_code == 2
    assert run("search", "lymphoma", "--facet", "color", "--index", history_index).exit_code == 2


def test_cli_did_you_mean_goes_to_stderr(history_index):
    result = run("search", "lymphopenai", "--index", history_index)
    assert result.exit_code == 0 and result.stdout == ""
    assert "Did you mean:" in result.stderr and "recsearch search lymphopenia" in result.stderr


def test_show_and_similar_export(history_index):
    bib = run("show", REFERENCE_ID, "--format", "bibtex", "--index", history_index)
    assert bib.exit_code == 0 and bib.stdout.startswith("@article{hernandezblanco2025phase,")
    similar = run("similar", REFERENCE_ID, "-n", "3", "--json", "--index", history_index)
    assert json.loads(similar.stdout)["hits"][0]["id"] == TWIN


def test_counts_and_history_sets_hold_across_segments(tmp_path):
    """An index updated three times has several segments: document numbers carry offsets."""
    from recsearch.engine.executor import matching_docs

    seeds, root = tmp_path / "seeds", tmp_path / "index"
    seeds.mkdir()
    records = make_records(90, seed=3)
    for part in range(3):
        for n, record in enumerate(records[part * 30:(part + 1) * 30]):
            (seeds / f"{part}-{n:03d}.txt").write_text(render_seed_record(record), encoding="utf-8")
        update_index([seeds], root)
    (seeds / "0-000.txt").unlink()  # a deleted document in the first segment
    update_index([seeds], root)
    with RecordIndex(root) as ix:
        searcher = ix.searcher()
        assert len(searcher.leaf_searchers()) > 1
        for text in ["study", "lymphoma OR asthma", "patients NOT vaccine", "author:garcia study", '"in patients"',
                     "title:lymphoma OR affil:madrid", "cohort risk children", "study year:[2000 TO 2015]",
                     "risk year:{2005 TO 2020}", '"in patients" study', "*", "author:* study", "subject:*",
                     "lymphoma OR *", "issn:*", "*:*", "NOT lymphoma", "NOT (a* OR b*)", "study NOT author:garcia NOT risk"]:
            q = ix.prepare(text, False, {}, searcher, [], None, set())
            assert matching_docs(searcher, q) == set(searcher.docs_for_query(q)), text
            check_top_hits_agree(searcher, q, limit=None)  # Whoosh ranks exactly only unlimited
        # `*` is served from field lengths, not Whoosh's Every (every posting list of a field: 10 s at 100k);
        # NOT inside an AND by set difference, not Whoosh's inverse matcher (one Python call per document).
        from recsearch.engine.executor import top_hits

        for text in ["*", "author:* study", "subject:*", "patients NOT vaccine", "NOT lymphoma", "NOT (a* OR b*)"]:
            assert top_hits(searcher, ix.prepare(text, False, {}, searcher, [], None, set()), 10) is not None, text
        lymphoma = set(all_ids(ix, "lymphoma"))
        from recsearch.search.history import History

        History(root).append("lymphoma", len(lymphoma), 89)
        assert set(all_ids(ix, "#1 OR asthma")) == lymphoma | set(all_ids(ix, "asthma"))


def test_a_parallel_build_indexes_the_same_records(tmp_path, monkeypatch):
    """Many files are indexed by one writer process per core, each closing a segment
    every few documents; searches rank the same records at the same scores."""
    import recsearch.engine.writers as writers
    from recsearch.ingest.check import check_index
    from recsearch.engine.store import open_index

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    records = make_records(60, seed=5)
    for n, record in enumerate(records):
        (seeds / f"{n:03d}.txt").write_text(render_seed_record(record), encoding="utf-8")
    phrase = '"' + " ".join(records[0].summary.split()[2:5]) + '"'
    monkeypatch.setattr(writers, "PARALLEL_FROM", 1)
    monkeypatch.setattr(writers, "SEGMENT_DOCS", 7)
    monkeypatch.setattr(writers, "BATCH_DOCS", 5)
    monkeypatch.setattr(writers.os, "cpu_count", lambda: 2)
    parallel = update_index([seeds], tmp_path / "parallel")
    monkeypatch.setattr(writers, "PARALLEL_FROM", 10**9)
    serial = update_index([seeds], tmp_path / "serial")
    assert parallel.added == serial.added == 60 and not parallel.failed
    assert check_index(tmp_path / "parallel").ok
    segments = open_index(tmp_path / "parallel")._segments()
    # Segments close at the first batch of 5 documents that reaches 7.
    assert len(segments) >= 6 and max(s.doc_count_all() for s in segments) <= 10
    with RecordIndex(tmp_path / "parallel") as a, RecordIndex(tmp_path / "serial") as b:
        for text in ["study", "lymphoma OR asthma", "author:garcia", "affil:madrid", phrase]:
            hits_a = [(h.id, h.score) for h in a.search(text, limit=None).hits]
            hits_b = [(h.id, h.score) for h in b.search(text, limit=None).hits]
            assert hits_a and dict(hits_a) == dict(hits_b), text
            assert [score for _, score in hits_a] == [score for _, score in hits_b], text
        assert [m.name for m in a.authors("perez martinez")] == [m.name for m in b.authors("perez martinez")]
    # The parallel-built index takes updates as any other.
    (seeds / "000.txt").unlink()
    monkeypatch.setattr(writers, "PARALLEL_FROM", 1)
    again = update_index([seeds], tmp_path / "parallel")
    assert again.removed == 1 and check_index(tmp_path / "parallel").ok


def test_posting_lists_of_many_blocks_read_whole_are_whoosh_own(tmp_path):
    """Words in more than one block of postings: the columns read whole (`postings.term_columns`)
    give Whoosh's own ids, weights and positions; `posting_ids` leaves deleted documents out."""
    from recsearch.engine.postings import deleted_docs, posting_ids, term_columns
    from recsearch.engine.vectors import NumpyVectors

    numpy = NumpyVectors().np
    seeds, root = tmp_path / "seeds", tmp_path / "index"
    seeds.mkdir()
    for n, record in enumerate(make_records(600, seed=5)):
        (seeds / f"{n:03d}.txt").write_text(render_seed_record(record), encoding="utf-8")
    update_index([seeds], root)
    (seeds / "007.txt").unlink()
    update_index([seeds], root)
    long_lists = 0
    with RecordIndex(root) as ix:
        for sub, _ in ix.searcher().leaf_searchers():
            reader = sub.reader()
            deleted = deleted_docs(reader) or frozenset()
            for text, info in list(reader.iter_field("summary")):
                columns = term_columns(reader, "summary", text, with_values=True)
                theirs, m = [], reader.postings("summary", text)
                while m.is_active():
                    theirs.append((m.id(), m.weight(), m.value_as("positions")))
                    m.next()
                ours = list(zip(columns.ids(), columns.weights(), columns.positions()))
                assert [p for p in ours if p[0] not in deleted] == theirs, text
                assert list(posting_ids(reader, "summary", text)) == [p[0] for p in theirs]
                assert columns.id_array(numpy).tolist() == columns.ids()
                assert columns.weight_array(numpy).tolist() == columns.weights()
                every = columns.positions()
                for keep in (numpy.ones(columns.count, bool), numpy.arange(columns.count) % 3 == 1):
                    counts, positions = columns.position_arrays_of(numpy, keep)
                    chosen = [p for p, kept in zip(every, keep) if kept]
                    assert counts.tolist() == [len(p) for p in chosen]
                    assert positions.tolist() == [p for ps in chosen for p in ps]
                long_lists += info.doc_frequency() > 512
    assert long_lists > 5  # words spanning three blocks and more were compared
