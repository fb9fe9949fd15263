"""Deduplication: the keys and guards on their own, the normalizers' properties, and the command
on a library exported as RIS and EndNote XML plus another database's RIS (tests/fixtures/dedup)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from recsearch.cli import app
from recsearch.dedup.compare import REVIEW, SAME, decide
from recsearch.dedup.groups import Groups
from recsearch.dedup.keys import doi_key, family_key, fold, is_generic, item_kind, page_range, title_key, work_keys
from recsearch.record import Author, Record

FIXTURES = Path(__file__).parent / "fixtures" / "dedup"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def article(**fields) -> Record:
    base = dict(id="a", title="Soil moisture thresholds for seedling survival on scarified boreal plots",
                authors=[Author("Åsa Lindqvist")], journal="Silva Fennica", year=2019, volume="53", pages="221-228")
    base.update(fields)
    return Record(**base)


# Keys

def test_titles_fold_case_accents_markup_and_translation_brackets():
    assert title_key("[Effet de la vitamine D chez l'enfant].") == title_key("Effet de la vitamine D chez l’enfant")
    assert title_key("Natural killer cells &amp; <i>in vitro</i> expansion.") == "natural killer cells and in vitro expansion"
    assert title_key(r"The {\"u}ber $\alpha$-helix") == "the uber alpha helix"
    assert title_key("The α-helix") == "the alpha helix"
    assert title_key("Ice cover in shallow lakes [Eisdecke in flachen Seen]") == "ice cover in shallow lakes"


def test_page_ranges_abbreviated_as_medline_writes_them():
    assert page_range("221-8") == page_range("221-228") == ("221", "228")
    assert page_range("1021-30") == ("1021", "1030")
    assert page_range("pp. 45–52") == ("45", "52")
    assert page_range("e1003") == ("e1003", "e1003")
    assert page_range(None) == ("", "")


def test_family_names_in_either_order_and_medline_initials():
    assert family_key("Pérez-Martínez A") == family_key("Antonio Pérez-Martínez") == "perezmartinez"
    assert family_key("Carneiro de Oliveira RdM") == "carneirodeoliveira"
    assert family_key("Lindqvist, Åsa") == "lindqvist"


def test_notices_and_generic_titles_are_told():
    assert item_kind(title_key("Erratum: Soil moisture thresholds")) == "erratum"
    assert item_kind(title_key("Retraction notice: Soil moisture thresholds")) == "retraction"
    assert item_kind(title_key("Reply to: Soil moisture thresholds")) == "reply"
    assert item_kind(title_key("Comment on: Soil moisture thresholds")) == "comment"
    assert item_kind(title_key("Soil moisture thresholds for seedlings")) == "article"
    assert is_generic(title_key("Editorial")) and is_generic(title_key("Introduction."))
    assert not is_generic(title_key("Soil moisture thresholds for seedlings"))


def test_doi_key_drops_resolver_and_case():
    assert doi_key("https://doi.org/10.14214/SF.10123.") == doi_key("doi:10.14214/sf.10123") == "10.14214/sf.10123"


@given(st.text(max_size=80))
def test_fold_is_idempotent_and_plain(text):
    once = fold(text)
    assert fold(once) == once
    assert all(c.isascii() and (c.isalnum() or c == " ") for c in once)
    assert once == once.strip() and "  " not in once


def _fold_every_step(text: str) -> str:
    """fold() as specified, each step on every text (fold takes shortcuts that must not change the result)."""
    import html
    import re

    from unidecode import unidecode

    greek = dict(zip("αβγδεζηθικλμνξπρστυφχψω", "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu "
                                               "xi pi rho sigma tau upsilon phi chi psi omega".split()))
    text = re.sub(r"<[^>]{0,200}>", " ", html.unescape(html.unescape(text))).casefold()
    text = "".join(greek.get(c, c) for c in text)
    text = re.sub(r"\\([A-Za-z]+)\s*", r"\1 ", re.sub(r"\\[\"'^`~=.uvHckbdrt]\s*\{?\s*([A-Za-z])\}?", r"\1", text))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", unidecode(text).lower().replace("&", " and ")).split())


@given(st.lists(st.sampled_from(["Cell", "GROWTH", " ", "-", ".", "&amp;", "&", "<i>", "</i>", "\\'e", "{\\\"u}",
                                 "\\alpha", "é", "É", "ß", "µ", "Μ", "α", "Ω", "ﬁ", "\u0301", "\u00a0", "北京", "42"]),
                max_size=20).map("".join))
def test_fold_gives_what_every_step_gives(text):
    assert fold(text) == _fold_every_step(text)


@given(st.text(max_size=80))
def test_title_key_ignores_case_and_a_trailing_period(text):
    assert title_key(text.upper() + ".") == title_key(text.lower()) or "[" in text or "(" in text


@given(st.integers(1, 99999), st.integers(0, 99))
def test_abbreviated_ranges_expand_to_the_full_range(first, length):
    last = first + length
    a, b = str(first), str(last)
    if len(a) == len(b):
        shared = next((i for i in range(len(a)) if a[i] != b[i]), len(a) - 1)  # MEDLINE drops the shared digits
        assert page_range(f"{a}-{b[shared:]}") == page_range(f"{a}-{b}") == (a, b)


# Guards

def test_the_same_article_from_another_database_is_merged():
    other = article(id="b", title="SOIL MOISTURE THRESHOLDS FOR SEEDLING SURVIVAL ON SCARIFIED BOREAL PLOTS.",
                    authors=[Author("Lindqvist A")], journal="Silva Fenn", year=2020, pages="221-8")
    decision = decide(work_keys(article()), work_keys(other))
    assert decision.verdict == SAME and "pages" in decision.reason


def test_an_erratum_a_reply_and_a_meeting_abstract_are_not_merged():
    base = work_keys(article())
    for other in (article(id="e", title="Erratum: " + article().title, year=2020, pages="301"),
                  article(id="r", title="Reply to: " + article().title, year=2020, pages="400"),
                  article(id="m", journal="Abstracts of the Nordic Forest Congress", year=2018, volume=None,
                          pages="S12")):
        assert decide(base, work_keys(other)).verdict is None, other.id


def test_a_book_and_its_chapters_sharing_a_doi_go_to_review():
    book = Record(id="book", title="Handbook of applied hydrology", doi="10.1007/978-3-030-1", year=2020)
    chapter = Record(id="ch", title="Chapter 3: Models of growth under stress", doi="10.1007/978-3-030-1", year=2020)
    assert decide(work_keys(book), work_keys(chapter)).verdict == REVIEW


def test_generic_titles_merge_only_when_journal_volume_pages_and_year_agree():
    one = article(title="Editorial", volume="54", pages="1", year=2020)
    assert decide(work_keys(one), work_keys(article(id="b", title="Editorial", volume="55", pages="1",
                                                    year=2021))).verdict is None
    assert decide(work_keys(one), work_keys(article(id="c", title="Editorial.", volume="54", pages="1",
                                                    year=2020))).verdict == SAME


def test_different_dois_are_different_works_unless_all_else_agrees():
    a = work_keys(article(doi="10.1/a"))
    assert decide(a, work_keys(article(id="b", doi="10.1/b", pages="300-310"))).verdict is None
    assert decide(a, work_keys(article(id="c", doi="10.1/c"))).verdict == SAME


def test_groups_refuse_to_join_two_pmids_through_a_record_without_one():
    groups = Groups()
    assert groups.join("x", "bridge", ["pmid:1"], []) is None
    assert groups.join("bridge", "y", [], ["pmid:2"]) is not None
    assert groups.groups() == [["bridge", "x"]]


# The command

@pytest.fixture()
def library(tmp_path: Path) -> Path:
    sources = tmp_path / "sources"
    shutil.copytree(FIXTURES, sources)
    index = tmp_path / "index"
    assert run("index", sources, "--index", index).exit_code == 0
    return index


def test_dedup_json_groups_each_shared_work_once(library: Path):
    result = run("dedup", "--index", library, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["records"] == 14
    assert sum(s["records"] for s in data["sources"]) == data["records"]
    assert data["works"] == data["records"] - sum(len(g["records"]) - 1 for g in data["groups"])
    sizes = sorted(len(g["records"]) for g in data["groups"])
    assert sizes == [2, 2, 3, 3]  # four library works, two of them also in the other database
    assert all(g["reason"] for g in data["groups"])


def test_dedup_table_fits_80_columns_and_gives_prisma_counts(library: Path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = run("dedup", "--index", library, "--review")
    assert result.exit_code == 0
    assert "duplicates removed" in result.stdout and "unique works" in result.stdout
    assert "why: " in result.stdout
    # Each group opens with the title of its work, so a group can be judged without `show`.
    lines = result.stdout.splitlines()
    titled = [lines[i - 1] for i, line in enumerate(lines) if line.lstrip().startswith("why: ")]
    assert titled and all(t[:4].strip().isdigit() and "why:" not in t for t in titled)
    assert any("Natural killer cell counts after infusion" in t for t in titled)


def test_mark_different_splits_a_group_and_survives_a_rebuild(library: Path):
    data = json.loads(run("dedup", "--index", library, "--json").stdout)
    group = next(g for g in data["groups"] if len(g["records"]) == 2)
    a, b = group["records"]
    assert run("dedup", "--index", library, "--mark", "DIFFERENT", a, b).exit_code == 0
    assert run("index", "--index", library, "--rebuild").exit_code == 0
    after = json.loads(run("dedup", "--index", library, "--json").stdout)
    assert not any({a, b} <= set(g["records"]) for g in after["groups"])
    assert after["works"] == data["works"] + 1


def test_mark_rejects_unknown_records_in_one_line(library: Path):
    result = run("dedup", "--index", library, "--mark", "SAME", "nope-1", "nope-2")
    assert result.exit_code == 1 and "no record with id 'nope-1'" in result.output
    assert "Traceback" not in result.output


def test_search_unique_and_unique_export_keep_every_source_id(library: Path):
    run("dedup", "--index", library)
    plain = json.loads(run("search", "killer", "--index", library, "--json").stdout)
    unique = json.loads(run("search", "killer", "--index", library, "--json", "--unique").stdout)
    assert len(plain["hits"]) == 4  # three records of the article and its erratum
    assert len(unique["hits"]) == 2
    merged = next(h for h in unique["hits"] if h.get("duplicates"))
    assert len(merged["duplicates"]) == 2
    ris = run("search", "killer", "--index", library, "--unique", "--format", "ris").stdout
    assert all(i in ris for i in merged["duplicates"])
    library_export = run("dedup", "--index", library, "--format", "bibtex").stdout
    assert library_export.count("@article") == 8 and "one work in records" in library_export


def harvest(library: Path, tmp_path: Path, title: str) -> None:
    """Dedup the library, then index one more record of a work it holds, as another database writes it."""
    run("dedup", "--index", library)
    (tmp_path / "sources" / "more.ris").write_text(
        f"TY  - JOUR\nTI  - {title}\n"
        "AU  - Nowak Z\nPY  - 2018\nJO  - BMC Public Health\nVL  - 18\nSP  - 45-52\nER  - \n", encoding="utf-8")
    assert run("index", "--index", library).exit_code == 0


def test_an_incremental_run_compares_only_new_records(library: Path, tmp_path: Path):
    harvest(library, tmp_path, "Hospital admissions of older adults after an early home visit programme.")
    data = json.loads(run("dedup", "--index", library, "--json").stdout)
    assert data["compared"] == 1
    assert any(len(g["records"]) == 3 and "more.ris" not in g["reason"] for g in data["groups"])


def test_search_unique_counts_works_not_records(library: Path):
    run("dedup", "--index", library)
    everything = json.loads(run("search", "*", "--index", library, "--json", "--all").stdout)
    unique = json.loads(run("search", "*", "--index", library, "--json", "--unique", "--all").stdout)
    works = json.loads(run("dedup", "--index", library, "--json").stdout)["works"]
    assert everything["total"] == 14 and unique["total"] == works == len(unique["hits"]) < 14
    page = json.loads(run("search", "*", "--index", library, "--json", "--unique", "-n", "3").stdout)
    assert page["total"] == works and len(page["hits"]) == 3


@pytest.mark.parametrize("mark", [("MAYBE", "a-1", "a-2"), ("SAME", "a-1", "a-1")])
def test_a_bad_mark_is_a_usage_error(library: Path, mark):
    result = run("dedup", "--index", library, "--mark", *mark)
    assert result.exit_code == 2 and "--mark" in result.output and "Traceback" not in result.output


def test_a_mark_prints_the_counts_not_every_group(library: Path):
    data = json.loads(run("dedup", "--index", library, "--json").stdout)
    a, b = next(g for g in data["groups"] if len(g["records"]) == 2)["records"]
    result = run("dedup", "--index", library, "--mark", "DIFFERENT", a, b)
    assert result.exit_code == 0 and "unique works" in result.stdout and "why: " not in result.stdout


def test_exports_keep_the_pmid_for_the_next_dedup():
    from recsearch.export import to_bibtex, to_ris
    from recsearch.readers import read_file_records

    record = article(identifiers={"pmid": "29225033", "pmcid": "PMC5729011"})
    for text, name in ((to_ris([record]), "x.ris"), (to_bibtex([record]), "x.bib")):
        [back] = read_file_records(text.encode(), name).records
        assert back.identifiers.get("pmid") == "29225033", name
        assert back.identifiers.get("pmcid") == "PMC5729011", name


def test_an_incremental_run_groups_as_a_fresh_run_does(library: Path, tmp_path: Path):
    harvest(library, tmp_path, "HOSPITAL ADMISSIONS OF OLDER ADULTS AFTER AN EARLY HOME VISIT PROGRAMME")
    incremental = json.loads(run("dedup", "--index", library, "--json").stdout)
    fresh = json.loads(run("dedup", "--index", library, "--json", "--fresh").stdout)
    assert incremental["compared"] == 1 and fresh["compared"] == fresh["records"]
    assert incremental["groups"] == fresh["groups"] and incremental["review"] == fresh["review"]


# Blocking: a full run reads the posting lists from the records, an incremental one from the index

def _shared_word_library(folder: Path) -> None:
    """Titles from a small vocabulary (many shared words), one title held by 70 records, copies in capitals."""
    words = ("boreal seedling moisture threshold scarified plots survival cohort lichen nitrogen peatland "
             "drainage spruce pine birch frost canopy gap thinning understorey").split()
    rows = []
    for n in range(260):
        title = " ".join(words[(n * k + k * k) % len(words)] for k in range(1, 7 + n % 4))
        if n % 4 == 0:
            title = "Frost canopy gap thinning in lichen stands"  # more than MAX_CANDIDATES records share it
        if n % 5 == 0:
            title = title.upper()
        rows.append(f"TY  - JOUR\nTI  - {title} {'(Finland)' if n % 7 == 0 else ''}\nAU  - Author{n % 9} A\n"
                    f"PY  - {2000 + n % 6}\nJO  - Silva Fennica\nVL  - {n % 11}\nSP  - {n % 13 + 1}-20\n"
                    + (f"DO  - 10.5555/{'X' if n % 2 else 'x'}{n % 127}\n" if n % 3 else "") + "ER  - \n")
    (folder / "shared.ris").write_text("".join(rows), encoding="utf-8")


def test_bulk_blocking_finds_the_candidates_the_index_lookups_find(tmp_path: Path):
    from recsearch.dedup.candidates import MAX_CANDIDATES, Blocking
    from recsearch.dedup.groups import GroupStore
    from recsearch.search.index import RecordIndex

    (tmp_path / "sources").mkdir()
    _shared_word_library(tmp_path / "sources")
    assert run("index", tmp_path / "sources", "--index", tmp_path / "index").exit_code == 0
    store = GroupStore(tmp_path / "dedup.sqlite")
    with RecordIndex(tmp_path / "index") as index:
        rows = [(docnum, Record.from_dict(json.loads(raw))) for docnum, _, _, raw in index.stored_records()]
        store.put_all((work_keys(r), b"") for _, r in rows)
        ids = {docnum: r.id for docnum, r in rows}
        lookups, bulk = (Blocking(index, store, ids, len(rows)) for _ in range(2))
        bulk.read_all((docnum, r.title, r.doi) for docnum, r in rows)
        found = {r.id: lookups.candidates(work_keys(r), r.title, r.doi) for _, r in rows}
        assert found == {r.id: bulk.candidates(work_keys(r), r.title, r.doi) for _, r in rows}
    store.close()
    assert max(len(c) for c in found.values()) >= MAX_CANDIDATES  # the cut to the best-sharing ones was taken
    assert sum(len(c) for c in found.values()) > 3 * len(found)
