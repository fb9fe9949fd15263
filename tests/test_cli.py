"""The `recsearch` command as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import REFERENCE, REFERENCE_ID
from recsearch.cli import app

runner = CliRunner()


def run(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env)


@pytest.fixture
def index_dir(seed_dir, tmp_path):
    target = tmp_path / "index"
    result = run("index", seed_dir, "--index", target)
    assert result.exit_code == 0, result.output
    return target


def test_index_summary_and_json(seed_dir, tmp_path):
    result = run("index", seed_dir, "--index", tmp_path / "ix", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"indexed", "failed", "records", "seconds", "added", "updated", "removed", "unchanged",
            "conflicts"} <= set(data)
    assert data["indexed"] == data["records"] == data["added"] == 8 and data["failed"] == []
    result = run("index", seed_dir, "--index", tmp_path / "ix")
    assert "0 added, 0 updated, 0 removed, 8 unchanged; 8 records" in result.stdout


def test_index_reports_bad_files_and_exits_1(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(REFERENCE, folder)
    (folder / "empty.txt").write_text("")
    result = run("index", folder, "--index", tmp_path / "ix")
    assert result.exit_code == 1
    assert f"{folder / 'empty.txt'}: empty file" in result.stderr
    assert "1 added" in result.stdout and "1 failed" in result.stdout


def test_search_table(index_dir):
    result = run("search", "natural", "killer", "--index", index_dir)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["#", "Year", "First", "author", "Title", "Journal"]
    assert "Clara Hernández-Blanco +21" in lines[2] and "2025" in lines[2] and "iScience" in lines[2]
    assert "The phase I RELEASE clinical trial to evaluate the safety of NK cells in COVID-19" in lines[2]


def test_search_json_keys(index_dir):
    result = run("search", 'author:"perez martinez"', "--json", "--history", "--index", index_dir)
    data = json.loads(result.stdout)
    # The keys of the first release stay; later ones are only added (history: its line number).
    assert set(data) == {"query", "total", "hits", "history"}
    assert data["query"] == 'author:"perez martinez"' and data["total"] == 2
    assert set(data["hits"][0]) == {"id", "title", "authors", "year", "journal", "score"}
    assert REFERENCE_ID in [h["id"] for h in data["hits"]]


def test_search_limit(index_dir):
    result = run("search", "year:[2000 TO 2030]", "--limit", "2", "--json", "--index", index_dir)
    data = json.loads(result.stdout)
    assert data["total"] == 8 and len(data["hits"]) == 2


@pytest.mark.parametrize("query", ['foo:bar', 'year:[x TO', '"', 'year:[2025 TO 2019]'])
def test_bad_query_is_one_line_exit_2(index_dir, query):
    result = run("search", query, "--index", index_dir)
    if query == '"':
        assert result.exit_code == 2 and "unclosed quote" in result.stderr
        return
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("recsearch: ")
    assert "Traceback" not in result.output and result.stdout == ""


def test_zero_hits_says_so(index_dir):
    result = run("search", "zzzzqqq", "--index", index_dir)
    assert result.exit_code == 0 and result.stdout == ""
    assert "No records match" in result.stderr


def test_show_text_and_json(index_dir):
    result = run("show", REFERENCE_ID, "--index", index_dir)
    assert result.exit_code == 0
    assert "22. Antonio Pérez-Martínez" in result.stdout
    assert "Hematology Department, Hospital Universitario La Paz" in result.stdout
    data = json.loads(run("show", REFERENCE_ID, "--json", "--index", index_dir).stdout)
    assert {"id", "title", "summary", "authors", "subjects", "journal", "publisher", "issns", "date",
            "year", "language", "url", "source"} <= set(data)
    assert data["authors"][17] == {"name": "Rebeca Pérez de Diego",
                                   "affiliation": "Hospital La Paz Institute for Health Research (IdiPAZ), Madrid, Spain"}


def test_show_unknown_id_exits_1(index_dir):
    result = run("show", "doaj-art-nope", "--index", index_dir)
    assert result.exit_code == 1 and "no record with id" in result.stderr


def test_stats(index_dir):
    data = json.loads(run("stats", "--json", "--index", index_dir).stdout)
    assert data["records"] == 8 and data["years"] == [2013, 2025]
    assert "Records:" in run("stats", "--index", index_dir).stdout


def test_index_env_var(index_dir):
    result = run("search", "natural killer", "--json", env={"RECSEARCH_INDEX": str(index_dir)})
    assert json.loads(result.stdout)["total"] == 1


def test_no_index_is_a_clear_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "recsearch.cli", "search", "x", "--index", str(tmp_path / "none")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    where = tmp_path / "none"
    assert result.stderr.strip() == f"recsearch: no index at {where}: build one with `recsearch index FOLDER --index {where}`"


def test_console_script_end_to_end(tmp_path):
    """The installed command, run from a folder with seeds/, as the README says."""
    exe = shutil.which("recsearch", path=os.path.dirname(sys.executable)) or shutil.which("recsearch")
    assert exe, "the recsearch console script is not installed"
    (tmp_path / "seeds").mkdir()
    shutil.copy(REFERENCE, tmp_path / "seeds")
    done = subprocess.run([exe, "index"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    found = subprocess.run([exe, "search", "hernandez"], cwd=tmp_path, capture_output=True, text=True)
    assert found.returncode == 0 and "Clara Hernández-Blanco" in found.stdout
    assert subprocess.run([exe, "--help"], capture_output=True, text=True).returncode == 0


def test_any_matches_either_word_and_ranks_both_first(index_dir):
    both = json.loads(run("search", "lymphopenia", "zzzqqq", "--index", index_dir, "--json").stdout)
    assert both["total"] == 0
    anyw = json.loads(run("search", "lymphopenia", "zzzqqq", "--any", "--index", index_dir, "--json").stdout)
    assert anyw["total"] >= 1 and REFERENCE_ID in [h["id"] for h in anyw["hits"]]
    many = json.loads(run("search", "natural killer lymphopenia", "--any", "--index", index_dir, "--json", "-n", "50").stdout)
    assert REFERENCE_ID in [h["id"] for h in many["hits"][:3]] and many["total"] > 1


def test_help_keeps_bracketed_defaults_visible():
    # Help is plain text (no Rich markup), so `[...]` in it must show as typed.
    text = " ".join(run("index", "--help").stdout.replace("│", " ").split())
    assert "Default: those of the last run, else seeds/." in text
    assert "Default: the reader of the last run, else auto." in text


@pytest.mark.parametrize("args, says", [
    (["serch", "x"], "No such command 'serch'"),
    (["search"], "Missing argument"),
    (["search", "x", "--bogus"], "No such option: --bogus"),
    (["search", "x", "--color", "always"], "--color is a global option: put it before the command name"),
    (["--color", "sometimes", "search", "x"], "Invalid value for '--color'"),
])
def test_usage_errors_are_one_line_naming_the_help(args, says):
    done = subprocess.run([sys.executable, "-m", "recsearch.cli", *args], capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("recsearch: error: ") and says in lines[0], done.stderr
    assert lines[0].endswith(f"({'recsearch search' if args[0] == 'search' else 'recsearch'} --help)")


def test_an_option_missing_its_values_names_its_command_help():
    done = subprocess.run([sys.executable, "-m", "recsearch.cli", "dedup", "--mark", "SAME", "x"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.strip().endswith("(recsearch dedup --help)"), done.stderr


@pytest.mark.parametrize("args, named", [
    (["search", "x"], "search"),
    (["-q", "--color", "never", "-i", "idx", "search", "x"], "search"),
    (["--index=idx", "author", "Pérez"], "author"),
    (["--help", "search"], None),  # the list of every command
    (["--version"], None),
    (["serch", "x"], None),  # the error names the commands there are
    ([], None),
])
def test_only_the_command_run_is_built_and_the_app_keeps_them_all(args, named, monkeypatch, tmp_path):
    from recsearch.cli import commands

    monkeypatch.chdir(tmp_path)  # no index here: the command fails after parsing, as it should

    assert commands.named_command(args) == named
    every = [c.name for c in app.registered_commands]
    monkeypatch.setattr(sys, "argv", ["recsearch", *args])
    with pytest.raises(SystemExit):
        commands.main()
    assert [c.name for c in app.registered_commands] == every
