"""The commands that query an index: search, author, show, similar, history."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import IndexDir, JsonFlag, command_hint, fail, inform, print_json, reports_errors, say, write_output
from . import views
from .terminal import clip, terminal_width, use_color

# Joined to the `recsearch` app by cli.py.
commands = typer.Typer()

ExportFormat = Annotated[str, typer.Option(
    "--format", "-f", metavar="FORMAT",
    help="Output: text (a table), or export as ris, bibtex, csv or jsonl (for Zotero, JabRef, spreadsheets).")]
OutputFile = Annotated[Optional[Path], typer.Option(
    "--output", "-o", metavar="FILE", help="Write the output to FILE instead of stdout.")]
ListOption = Optional[list[str]]


def _json_out(data, output: Path | None) -> None:
    import json

    if output is None:
        print_json(data)
    else:
        write_output(json.dumps(data, ensure_ascii=False, indent=2) + "\n", output, "JSON")


def _export(records, format: str, output: Path | None, json_out: bool) -> bool:
    """Export `records` when an export format is asked for; False for the text output."""
    if format in ("text", "table"):
        if output is not None and not json_out:
            fail("--output writes an export: give --format ris, bibtex, csv or jsonl (or --json)", 2)
        return False
    from ..export import EXPORT_FORMATS, export_records  # only for an export: its libraries cost a start

    if format not in EXPORT_FORMATS:
        fail(f"unknown --format {format!r}: use text, {', '.join(EXPORT_FORMATS)}", 2)
    if json_out:
        fail(f"--json and --format {format} both set the output: give one", 2)
    n = len(records)
    write_output(export_records(records, format), output, f"{n} record{'s' * (n != 1)} as {format}")
    return True


def _remember_hits(index_dir: Path, query: str, hits) -> None:
    from ..search.history import save_last_hits

    try:
        save_last_hits(index_dir, query, [h.id for h in hits])
    except OSError as exc:
        inform(f"recsearch: note: `show N` cannot use these hits: {exc.strerror or exc}")


def _record_id(ix, given: str, index_dir: Path) -> str:
    """`given` as a record id: an id of the index, else N for hit N of the last search."""
    from ..search.history import last_hit

    if given.isdigit() and ix.get(given) is None:
        return last_hit(index_dir, int(given))
    return given


def _split_list(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


@commands.command("search")
@reports_errors
def search_command(
    query: Annotated[list[str], typer.Argument(metavar="QUERY...", help="Query in Whoosh syntax, e.g. 'author:\"perez martinez\" year:>=2019', or #N to reuse history line N.")],
    index_dir: IndexDir = Path("index"),
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many hits to show (at most 1000).")] = 10,
    all_hits: Annotated[bool, typer.Option("--all", help="Every hit, however many (for exports).")] = False,
    match_any: Annotated[bool, typer.Option(
        "--any", help="Match any of the words (OR), best matches first: for long natural-language queries.")] = False,
    year: Annotated[ListOption, typer.Option("--year", metavar="RANGE", help="Only these years: 2020, 2019-2023, 2019- or -2010.")] = None,
    journal: Annotated[ListOption, typer.Option("--journal", metavar="NAME", help="Only this journal (exact name, any case or accents; repeat for several).")] = None,
    subject: Annotated[ListOption, typer.Option("--subject", metavar="SUBJECT", help="Only records with this subject (repeat for several).")] = None,
    language: Annotated[ListOption, typer.Option("--language", metavar="LANGUAGE", help="Only this language, e.g. English.")] = None,
    publisher: Annotated[ListOption, typer.Option("--publisher", metavar="NAME", help="Only this publisher.")] = None,
    sort: Annotated[str, typer.Option("--sort", metavar="ORDER", help="relevance (default), year, -year (newest first), title, author (first author's surname); - reverses.")] = "relevance",
    facet: Annotated[ListOption, typer.Option("--facet", metavar="NAMES", help="Count hits per value of year, journal, subject, language, publisher (comma-separated).")] = None,
    facet_limit: Annotated[int, typer.Option("--facet-limit", metavar="N", help="Values shown per facet.", min=1)] = 10,
    snippets: Annotated[bool, typer.Option("--snippets", help="Show a passage around the matched words of each hit.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Name the fields and words (folded, stemmed or fuzzy-expanded) each hit matched.")] = False,
    format: ExportFormat = "text",
    output: OutputFile = None,
    history: Annotated[Optional[bool], typer.Option(
        "--history/--no-history",
        help="Add this search to the history. Default: only a search shown on a terminal (not --json, "
             "--format or a pipe).")] = None,
    ids: Annotated[bool, typer.Option("--ids", help="Show each hit's id: a column, or on a terminal a line "
                                                    "under the title when ids are long.")] = False,
    unique: Annotated[bool, typer.Option(
        "--unique", help="One hit per work (the groups of `recsearch dedup`): the most complete record, "
                         "with the others' ids; exports keep every source's ids.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Search the records: all words must match, or any with --any.

    Filter with --year, --journal, --subject, --language, --publisher; count
    hits per value with --facet; order with --sort; export with --format.
    #N stands for the records of line N of `recsearch history`; `recsearch
    show N` opens hit N of the last search."""
    from ..search.index import RecordIndex, SearchOptions

    text = " ".join(query)
    filters = {name: values for name, values in (("year", year), ("journal", journal), ("subject", subject),
                                                  ("language", language), ("publisher", publisher)) if values}
    options = SearchOptions(match_any=match_any, filters=filters, sort=sort, facets=_split_list(facet),
                            facet_limit=facet_limit, snippets=snippets, explain=explain)
    with RecordIndex(index_dir) as ix:
        result = ix.search(text, limit=None if all_hits else limit, options=options)
        if unique:
            _collapse_duplicates(ix, result, text, options, None if all_hits else limit)
        entry = None
        shown_here = format in ("text", "table") and not json_out
        # The history is the strategy a person builds: not what scripts and exports run.
        if history if history is not None else shown_here and sys.stdout.isatty():
            from ..search.history import History

            try:
                entry = History(index_dir).append(text, result.total, ix.record_count, match_any, filters)
            except OSError as exc:
                inform(f"recsearch: note: the search history was not saved: {exc.strerror or exc}")
    for note in result.notes:
        inform(f"recsearch: note: {note}")
    if _export(result.records, format, output, json_out):
        if result.facets:
            say(views.facet_text(result.facets, terminal_width(sys.stderr)))
        return
    if json_out:
        data = result.to_dict()
        if entry:
            data["history"] = entry.number
        _json_out(data, output)
        return
    label = f"#{entry.number}: " if entry else ""
    if not result.hits:
        say(f"{label}No records match {text!r}" + (" with these filters." if filters else "."))
    else:
        width = terminal_width()
        typer.echo(views.hit_blocks(result.hits, width, snippets, explain, use_color()) if snippets or explain
                   else views.hit_table(result.hits, width, ids), color=use_color())
        _remember_hits(index_dir, text, result.hits)
    if result.facets:
        typer.echo(("\n" if result.hits else "") + views.facet_text(result.facets, terminal_width()))
    if result.suggestions:
        say("Did you mean:" if result.suggestions[0]["kind"] == "correction" else "Try:")
        width = max(len(s["command"]) for s in result.suggestions)
        for s in result.suggestions:
            unit = ("person", "people") if s["kind"] == "author" else ("hit", "hits")
            say(f"  {s['command']:<{width}}  ({s['hits']:,} {unit[s['hits'] != 1]})")
    if result.hits:
        shown = len(result.hits)
        more = " (more: --limit, --all)" if result.total > shown else ""
        inform(f"{label}{result.total:,} hit{'s' * (result.total != 1)}, {shown:,} shown{more}; "
               f"recsearch show N opens hit N.")


def _collapse_duplicates(ix, result, text: str, options, limit: int | None) -> None:
    """The hits with one per work, as the last `recsearch dedup` grouped them (dedup/unique.py)."""
    from dataclasses import replace

    from ..dedup.run import saved_groups
    from ..dedup.unique import collapse

    groups = saved_groups(ix)
    if groups is None:
        result.notes.append("no duplicates collapsed: run `recsearch dedup` first")
        return
    # A page of works needs more records than that: duplicates of the hits are among them.
    if limit is not None and result.total > len(result.hits):
        more = ix.search(text, limit=min(limit * 4, 1000), options=options)
        result.records, result.hits = more.records, more.hits
    try:
        works = collapse(ix, groups, result.records, limit)
        # The count is of works too: a reviewer copies it (all hits' ids, not only the page's).
        result.total = groups.works_among(ix.matching_ids(text, options)) if result.total else 0
    finally:
        groups.close()
    scores = {h.id: h.score for h in result.hits}
    result.records = [r for r, _ in works]
    result.hits = [replace(next(h for h in result.hits if h.id == r.id or h.id in others), id=r.id,
                           title=r.title, authors=r.author_names, year=r.year, journal=r.journal,
                           score=max((scores.get(i) or 0 for i in [r.id, *others]), default=None)
                           if scores.get(r.id) is not None or others else scores.get(r.id),
                           duplicates=others)
                   for r, others in works]
    collapsed = sum(len(others) for _, others in works)
    if collapsed:
        result.notes.append(f"{collapsed} duplicate record(s) collapsed into the works shown (recsearch dedup)")


@commands.command("similar")
@reports_errors
def similar_command(
    record_id: Annotated[str, typer.Argument(metavar="ID|N", help="The record to find others like: its id, or N for hit N of the last search.")],
    index_dir: IndexDir = Path("index"),
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many records to show.")] = 10,
    ids: Annotated[bool, typer.Option("--ids", help="Show each record's id: a column, or on a terminal a line "
                                                    "under the title when ids are long.")] = False,
    format: ExportFormat = "text",
    output: OutputFile = None,
    json_out: JsonFlag = False,
) -> None:
    """Records like one record, by its key words.

    The words that set the record apart in its title, subjects, abstract and
    authors, searched for together."""
    from ..search.index import RecordIndex

    with RecordIndex(index_dir) as ix:
        record_id = _record_id(ix, record_id, index_dir)
        result = ix.similar(record_id, limit=limit)
        like = ix.get(record_id)
    if _export(result.records, format, output, json_out):
        return
    if json_out:
        _json_out(result.to_dict(), output)
    elif result.hits:
        typer.echo(views.hit_table(result.hits, terminal_width(), ids))
        _remember_hits(index_dir, f"similar {record_id}", result.hits)
        shown = len(result.hits)
        more = " (more: --limit)" if result.total > shown else ""
        inform(f"Records like {record_id} ({clip(like.title, 50)}): {result.total:,} hit"
               f"{'s' * (result.total != 1)}, {shown:,} shown{more}; recsearch show N opens hit N.")
    else:
        say(f"No records are like {record_id}.")


@commands.command("history")
@reports_errors
def history_command(
    index_dir: IndexDir = Path("index"),
    export: Annotated[Optional[Path], typer.Option(
        "--export", metavar="FILE", help="Write the search strategy (every search, hits, dates) to FILE; - for stdout.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Forget every search (asks first on a terminal).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --clear: do not ask (needed in a pipe).")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Past searches, numbered: combine them as '#1 AND #2'.

    A search is added when it is shown on a terminal, or with `search
    --history`. --export writes the strategy as run (queries, filters, hit
    counts, dates), as PRISMA-S asks of a systematic review."""
    from ..search.history import History
    from ..ingest.stats import index_stats

    history = History(index_dir)
    if clear:
        _clear_history(history, index_dir, yes)
        return
    if export is not None:
        stats = index_stats(index_dir)
        text = history.strategy(stats.location, stats.records)
        if str(export) == "-":
            typer.echo(text, nl=False)
        else:
            n = len(history.entries())
            write_output(text, export, f"the strategy ({n} search{'es' * (n != 1)})")
        return
    entries = history.entries()
    if json_out:
        print_json({"history": [e.to_dict() for e in entries]})
        return
    if not entries:
        say("No searches yet: a search shown on a terminal is added here (any search with --history).")
        return
    typer.echo(views.history_table(entries, terminal_width()))


def _clear_history(history, index_dir: Path, yes: bool) -> None:
    n = len(history.entries())
    searches = f"{n} search{'es' * (n != 1)}"
    if n and not yes:
        if not sys.stdin.isatty():
            fail(f"history --clear would forget {searches}; nothing is asked in a pipe: to confirm, run "
                  f"{command_hint('recsearch history --clear --yes', index_dir)}")
        if not typer.confirm(f"Forget {searches} of {history.path}?", default=False, err=True):
            fail("the history is kept")
    history.clear()
    inform(f"recsearch: forgot {searches}")


@commands.command("author")
@reports_errors
def author_command(
    name: Annotated[list[str], typer.Argument(metavar="NAME...", help="A name as you remember it: any order, initials, typos, no accents.")],
    index_dir: IndexDir = Path("index"),
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many people to show.")] = 5,
    records: Annotated[bool, typer.Option("--records/--no-records", help="List each person's records.")] = True,
    explain: Annotated[bool, typer.Option("--explain", help="Say why name variants were grouped.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Find an author by name, despite accents, order, initials, typos."""
    from ..search.index import RecordIndex

    text = " ".join(name)
    with RecordIndex(index_dir) as ix:
        # JSON lists every affiliation, so it reads every record.
        matches = ix.authors(text, limit=limit, max_records=None if json_out else 50)
    if json_out:
        print_json({"query": text, "matches": [m.to_dict() for m in matches]})
        return
    if not matches:
        say(f"No author names fit {text!r}.")
        return
    typer.echo(views.people_text(matches, terminal_width(), records, explain))


@commands.command("show")
@reports_errors
def show_command(
    record_id: Annotated[str, typer.Argument(metavar="ID|N", help="Record id (`search --ids` shows them), or N for hit N of the last search.")],
    index_dir: IndexDir = Path("index"),
    json_out: JsonFlag = False,
    format: ExportFormat = "text",
    output: OutputFile = None,
) -> None:
    """Show one record in full, or export it.

    Authors are listed with their affiliations."""
    from ..search.index import RecordIndex

    with RecordIndex(index_dir) as ix:
        record = ix.get(_record_id(ix, record_id, index_dir))
    if record is None:
        fail(f"no record with id {record_id!r} in {Path(index_dir).absolute()}")
    if _export([record], format, output, json_out):
        return
    if json_out:
        _json_out(record.to_dict(), output)
        return
    from .terminal import prose_width

    typer.echo(views.record_text(record, prose_width()))
