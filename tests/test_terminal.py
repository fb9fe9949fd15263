"""The terminal side: every view fits 80 columns, hits by number, global options, progress, history rules."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from conftest import REFERENCE_ID, SHARED_DATA
from recsearch.cli import app
from recsearch.cli.terminal import fit_table
from terminal_support import long_records_xml, run_on_terminal, shown_lines

runner = CliRunner()


def run(*args, env=None, input=None):
    return runner.invoke(app, [str(a) for a in args], env=env, input=input)


@pytest.fixture(scope="module")
def long_index(tmp_path_factory):
    """The seeds plus PubMed records long in every field (130 authors, a 300-character title...)."""
    from conftest import FIXTURE_SEEDS, REFERENCE

    base = tmp_path_factory.mktemp("long")
    sources = base / "records"
    sources.mkdir()
    shutil.copy(REFERENCE, sources)
    for path in FIXTURE_SEEDS.glob("*.txt"):
        shutil.copy(path, sources)
    (sources / "long.xml").write_text(long_records_xml(), encoding="utf-8")
    result = run("index", sources, "--index", base / "index")
    assert result.exit_code == 0, result.output
    return base / "index"


@pytest.fixture
def index_copy(long_index, tmp_path):
    target = tmp_path / "index"
    # Searches of other tests on the shared index leave their last hits and history there.
    shutil.copytree(long_index, target, ignore=shutil.ignore_patterns("last_hits.json", "history.jsonl"))
    return target


def assert_fits(text: str, columns: int = 80):
    lines = shown_lines(text)
    too_long = [line for line in lines if len(line) > columns]
    assert not too_long, f"{len(too_long)} lines over {columns} columns, e.g. {too_long[0]!r}"
    return lines


VIEWS = [
    ["search", "lymphoma"],
    ["search", "lymphoma", "--ids"],
    ["search", "lymphoma", "--snippets", "--explain"],
    ["search", "lymphoma OR killer", "--facet", "year,journal,subject,publisher,language", "-n", "2"],
    ["history"],
    ["author", "garcia perez", "--explain"],
    ["show", "pmid-90000001"],
    ["similar", "pmid-90000002", "--ids"],
    ["stats"],
]


def test_every_view_fits_80_columns_on_a_terminal(index_copy, tmp_path):
    for args in VIEWS:
        code, text = run_on_terminal([*args, "--index", index_copy], cwd=tmp_path)
        assert code == 0, text
        lines = assert_fits(text)
        assert len([line for line in lines if line.strip()]) >= 2, (args, text)


def test_the_table_gives_the_title_the_most_room(index_copy, tmp_path):
    code, text = run_on_terminal(["search", "lymphoma", "--index", index_copy], cwd=tmp_path)
    lines = shown_lines(text)
    header = next(line for line in lines if line.startswith("#"))
    rule = lines[lines.index(header) + 1]
    widths = [len(dashes) for dashes in rule.split()]
    number, year, author, title, journal = widths
    assert title > 2 * max(author, journal) and title >= 35
    hit = next(line for line in lines if "+129" in line)
    # The first author, clipped, keeps the count of the others.
    assert re.search(r"  María [^+]*… \+129  ", hit)


def test_a_pipe_is_not_clipped_to_a_width_but_no_column_is_unbounded(long_index):
    result = run("search", "lymphoma", "--no-history", "--index", long_index)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    rows = [line for line in lines if "Long-term outcome" in line]
    assert len(rows) == 3
    # Wider than any terminal: titles are not cut to fit one...
    assert "a population-based cohort study across twelve European countries" in rows[0]
    # ...but 130 authors, a 260-character collective name and a 190-character journal are bounded.
    assert "María José García-Pérez +129" in result.stdout
    assert max(len(line) for line in lines) < 3 + 4 + 40 + 300 + 80 + 10
    assert "Writing Committee for the Internatio… +3" in result.stdout


def test_snippet_and_explain_lines_wrap_indented(index_copy, tmp_path):
    code, text = run_on_terminal(["search", "lymphoma", "--snippets", "--explain", "-n", "1",
                                  "--index", index_copy], cwd=tmp_path)
    lines = assert_fits(text)
    start = next(i for i, line in enumerate(lines) if line.startswith("    summary: "))
    assert lines[start + 1].startswith("      ") and lines[start + 1].strip()
    assert any(line.startswith("    matched: ") for line in lines)


def test_fit_table_shrinks_authors_and_journal_before_the_title():
    rows = [[1, 2020, "Antonio Pérez-Martínez +21", "A title of some length " * 4, "Revista médica de Chile"]]
    headers = ["#", "Year", "First author", "Title", "Journal"]
    table = fit_table([list(r) for r in rows], headers, 80, shrink={2: 12, 4: 10, 3: 20}, tablefmt="simple")
    line = table.splitlines()[2]
    assert len(line) <= 80 and "+21" in line
    assert "Antonio Pérez-Martínez +21" not in line and "Revista médica de Chile" not in line
    wide = fit_table([list(r) for r in rows], headers, 200, shrink={2: 12, 4: 10, 3: 20}, tablefmt="simple")
    assert "Antonio Pérez-Martínez +21" in wide and "Revista médica de Chile" in wide


# Item 10: hits by number.

def test_show_and_similar_take_the_number_of_a_hit_of_the_last_search(index_copy):
    hits = json.loads(run("search", "lymphoma", "--json", "--index", index_copy).stdout)["hits"]
    missing = run("show", "2", "--index", index_copy)
    assert missing.exit_code == 1 and "no search shown yet" in missing.stderr
    assert run("search", "lymphoma", "--index", index_copy).exit_code == 0
    shown = run("show", "2", "--json", "--index", index_copy)
    assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == hits[1]["id"]
    by_number = json.loads(run("similar", "1", "--json", "--index", index_copy).stdout)
    by_id = json.loads(run("similar", hits[0]["id"], "--json", "--index", index_copy).stdout)
    assert by_number == by_id and by_number["total"] >= 1
    # Ids still work, and a number past the hits shown says so.
    assert run("show", REFERENCE_ID, "--index", index_copy).exit_code == 0
    past = run("show", "9", "--index", index_copy)
    assert past.exit_code == 1 and "showed 3 hits: there is no hit 9" in past.stderr


def test_ids_option_adds_an_id_column(long_index):
    result = run("search", "lymphoma", "--ids", "--no-history", "--index", long_index)
    assert result.stdout.splitlines()[0].split()[-1] == "Id"
    assert "pmid-90000001" in result.stdout


# Item 11: conventions.

def test_version_and_completion():
    from recsearch import __version__

    result = run("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"recsearch {__version__}"
    help_text = run("--help").stdout
    assert "--install-completion" in help_text and "--show-completion" in help_text
    # What the installed bash completion asks the program for.
    import os
    import subprocess
    import sys

    env = dict(os.environ, _RECSEARCH_COMPLETE="complete_bash", COMP_WORDS="recsearch search --fac",
               COMP_CWORD="2")
    done = subprocess.run([sys.executable, "-c", "import sys; sys.argv[0] = 'recsearch'\n"
                           "from recsearch.cli import main; main()"], env=env, capture_output=True, text=True)
    assert done.stdout.split() == ["--facet", "--facet-limit"]


def test_index_before_the_command_name(long_index, tmp_path):
    before = run("--index", long_index, "search", "lymphoma", "--json")
    assert before.exit_code == 0 and json.loads(before.stdout)["total"] == 3
    # Before the command beats the environment; after it beats before.
    env = run("--index", long_index, "stats", "--json", env={"RECSEARCH_INDEX": str(tmp_path / "none")})
    assert env.exit_code == 0 and json.loads(env.stdout)["records"] == 11
    after = run("--index", long_index, "stats", "--index", tmp_path / "none")
    assert after.exit_code == 1 and "none" in after.stderr


def test_quiet_leaves_out_notes_but_not_errors(index_copy):
    loud = run("search", "lymphoma", "--index", index_copy)
    assert "3 hits, 3 shown" in loud.stderr
    quiet = run("-q", "search", "lymphoma", "--index", index_copy)
    assert quiet.exit_code == 0 and quiet.stderr == "" and "Long-term outcome" in quiet.stdout
    error = run("-q", "search", "year:[x TO", "--index", index_copy)
    assert error.exit_code == 2 and error.stderr.startswith("recsearch: ")


BOLD = "\x1b[1m"


def test_color_auto_always_never_and_no_color(long_index, tmp_path):
    args = ["search", "lymphoma", "--snippets", "-n", "1", "--no-history", "--index", long_index]
    assert BOLD not in run(*args).stdout  # a pipe
    assert BOLD in run("--color", "always", *args).stdout
    assert BOLD in run_on_terminal(args, cwd=tmp_path)[1]
    assert BOLD not in run_on_terminal(args, cwd=tmp_path, env={"NO_COLOR": "1"})[1]
    assert BOLD not in run_on_terminal(["--color", "never", *args], cwd=tmp_path)[1]
    assert run("--color", "sometimes", *args).exit_code == 2


# Item 12: progress stages.

def test_index_progress_shows_each_stage(tmp_path):
    from conftest import FIXTURE_SEEDS

    code, text = run_on_terminal(["index", FIXTURE_SEEDS, "--index", tmp_path / "ix"], cwd=tmp_path)
    assert code == 0, text
    lines = assert_fits(text)  # the progress line and the summary after it
    assert any(line.startswith("Built ") for line in lines)
    for label in ("Scanning the sources", "Reading files", "Writing the index"):
        assert label in text
    assert "files (100%)" in text
    writing = [part for part in shown_lines(text) if part.startswith("Writing the index")]
    assert writing and not any("%" in part for part in writing)


def test_update_index_names_its_stages_in_order(seed_dir, tmp_path):
    from recsearch.ingest.build import update_index

    stages, counts = [], []
    update_index([seed_dir], tmp_path / "ix", progress=lambda done, total: counts.append((done, total)),
                 stage=stages.append)
    assert stages == ["scanning", "reading", "writing"]
    assert counts[-1] == (len(list(seed_dir.iterdir())),) * 2


def test_progress_line_after_reading_is_not_stuck_at_100_percent():
    import io

    from recsearch.cli.progress import ProgressLine

    line = ProgressLine(io.StringIO())
    try:
        line.stage("reading")
        line.files(40, 40)
        assert "40 of 40 files (100%)" in line.text()
        line.stage("writing")
        assert line.text().startswith("Writing the index") and "%" not in line.text()
    finally:
        line.close()


# Item 13: history is what a person searched.

def history_count(root) -> int:
    return len(json.loads(run("history", "--json", "--index", root).stdout)["history"])


def test_scripts_and_exports_are_not_added_to_the_history(index_copy, tmp_path):
    run("search", "lymphoma", "--index", index_copy)  # stdout not a terminal
    run("search", "lymphoma", "--json", "--index", index_copy)
    run("search", "lymphoma", "--format", "ris", "-o", tmp_path / "x.ris", "--index", index_copy)
    assert history_count(index_copy) == 0
    run("search", "lymphoma", "--json", "--history", "--index", index_copy)
    assert history_count(index_copy) == 1
    code, text = run_on_terminal(["search", "lymphoma", "--index", index_copy], cwd=tmp_path)
    assert code == 0 and "#2: 3 hits" in text
    code, text = run_on_terminal(["search", "lymphoma", "--no-history", "--index", index_copy], cwd=tmp_path)
    assert history_count(index_copy) == 2


def test_history_clear_asks_on_a_terminal_and_refuses_in_a_pipe(index_copy, tmp_path):
    run("search", "lymphoma", "--history", "--index", index_copy)
    refused = run("history", "--clear", "--index", index_copy)
    assert refused.exit_code == 1 and "--yes" in refused.stderr and history_count(index_copy) == 1
    code, text = run_on_terminal(["history", "--clear", "--index", index_copy], cwd=tmp_path, typed="n\n")
    assert code == 1 and "Forget 1 search of " in text and history_count(index_copy) == 1
    code, text = run_on_terminal(["history", "--clear", "--index", index_copy], cwd=tmp_path, typed="y\n")
    assert code == 0 and "forgot 1 search\n" in text and history_count(index_copy) == 0
    run("search", "lymphoma", "--history", "--index", index_copy)
    assert run("history", "--clear", "--yes", "--index", index_copy).exit_code == 0
    assert history_count(index_copy) == 0


# Item 14: wording.

def test_plurals_and_absolute_paths_in_messages(index_copy, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run("search", "title:burkitt", "--history", "--index", index_copy)
    out = tmp_path / "one.txt"
    result = run("history", "--export", out, "--index", index_copy)
    assert f"wrote the strategy (1 search) to {out.absolute()}" in result.stderr
    assert "\n    3 hits, run " in out.read_text()
    run("search", "id:pmid-90000003", "--history", "--index", index_copy)
    assert "\n    1 hit, run " in run("history", "--export", "-", "--index", index_copy).stdout
    missing = run("show", "doaj-art-none", "--index", "index")
    assert str(tmp_path / "index") in missing.stderr
    bad = run("search", "#7", "--index", index_copy)
    assert f"recsearch history --index {index_copy.absolute()}" in bad.stderr
    # From a folder with no index, the hint names the folder it looked in.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    nowhere = run("search", "lymphoma")
    assert nowhere.exit_code == 1
    assert f"build one with `recsearch index FOLDER --index {elsewhere / 'index'}`" in nowhere.stderr
    refused = run("history", "--clear", "--index", index_copy)
    assert f"run recsearch history --clear --yes --index {index_copy.absolute()}" in refused.stderr


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data/raw is not here")
def test_real_samples_fit_80_columns(tmp_path):
    """The views over real PubMed and DOAJ records (long journal names, many authors, affiliations)."""
    sources = [SHARED_DATA / name for name in ("pubmed-search-exports", "doaj-api-jaod-fixtures")]
    sources = [s for s in sources if s.is_dir()]
    result = run("index", *sources, "--index", tmp_path / "ix")
    assert result.exit_code in (0, 1), result.output
    for args in (["search", "cancer", "--facet", "journal,subject", "-n", "20"],
                 ["search", "cancer", "--snippets", "--explain"], ["author", "smith"]):
        code, text = run_on_terminal([*args, "--index", tmp_path / "ix"], cwd=tmp_path)
        assert code == 0, text
        assert_fits(text)


# Trial A13: --ids at 80 columns keeps the author, the journal and the title's room.

def _datacite_hits(n: int):
    from recsearch.search.index import Hit

    return [Hit(id=f"datacite-10.1594/pangaea.{682903 + i}", title=f"Continuous meteorological observations at "
                f"station Neumayer ({i}) with radiation and upper air soundings", authors=[f"König-Langlo, Gert {i}",
                "Loose, Bernd"], year=2008, journal="PANGAEA - Data Publisher for Earth & Environmental Science",
                score=1.0) for i in range(n)]


def test_long_ids_go_under_their_titles_at_80_columns():
    from recsearch.cli.views import hit_table

    hits = _datacite_hits(12)
    text = hit_table(hits, 80, ids=True)
    lines = assert_fits(text)
    assert lines[0].split() == ["#", "Year", "First", "author", "Title", "Journal"]
    title_start = lines[0].index("Title")
    for n, hit in enumerate(hits):
        row, under = lines[2 + 2 * n], lines[3 + 2 * n]
        assert row.split()[0] == str(n + 1) and "König-Langlo" in row and "PANGAEA" in row
        assert len(row[title_start:].split("  ")[0]) >= 30  # the title keeps the most room (40 here)
        assert under.strip() == f"id: {hit.id}" and under.index("id:") == title_start  # whole, copyable


def test_short_ids_stay_a_column_at_80_columns_and_long_ones_in_a_pipe():
    from dataclasses import replace

    from recsearch.cli.views import hit_table

    hits = [replace(hit, id=f"pmid-{9000000 + n}", title="Investigations of a coronavirus outbreak")
            for n, hit in enumerate(_datacite_hits(3))]
    lines = assert_fits(hit_table(hits, 80, ids=True))
    assert lines[0].split()[-1] == "Id" and len(lines) == 2 + len(hits) and lines[2].endswith("pmid-9000000")
    piped = hit_table(_datacite_hits(3), None, ids=True).splitlines()
    assert piped[0].split()[-1] == "Id" and piped[2].endswith("datacite-10.1594/pangaea.682903")
