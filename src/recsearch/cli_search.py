"""The commands that query an index: search, author, show, similar, history."""

from __future__ import annotations

import shlex
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Annotated, Optional

import typer

from .cli_common import IndexDir, JsonFlag, _fail, _print_json, _reports_errors, _say

# Joined to the `recsearch` app by cli.py.
commands = typer.Typer()

ExportFormat = Annotated[str, typer.Option(
    "--format", "-f", metavar="FORMAT",
    help="Output: text (a table), or export as ris, bibtex, csv or jsonl (for Zotero, JabRef, spreadsheets).")]
OutputFile = Annotated[Optional[Path], typer.Option(
    "--output", "-o", metavar="FILE", help="Write the output to FILE instead of stdout.")]
ListOption = Optional[list[str]]


def _first_author(names: list[str]) -> str:
    if not names:
        return ""
    return names[0] + (f" +{len(names) - 1}" if len(names) > 1 else "")


def _clip(text: str | None, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


def _write(text: str, output: Path | None, what: str) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")
    _say(f"recsearch: wrote {what} to {output}")


def _json_out(data, output: Path | None) -> None:
    import json

    if output is None:
        _print_json(data)
    else:
        _write(json.dumps(data, ensure_ascii=False, indent=2) + "\n", output, "JSON")


def _export(records, format: str, output: Path | None, json_out: bool) -> bool:
    """Export `records` when an export format is asked for; False for the text output."""
    from .export import EXPORT_FORMATS, export_records

    if format in ("text", "table"):
        if output is not None and not json_out:
            _fail("--output writes an export: give --format ris, bibtex, csv or jsonl (or --json)", 2)
        return False
    if format not in EXPORT_FORMATS:
        _fail(f"unknown --format {format!r}: use text, {', '.join(EXPORT_FORMATS)}", 2)
    if json_out:
        _fail(f"--json and --format {format} both set the output: give one", 2)
    n = len(records)
    _write(export_records(records, format), output, f"{n} record{'s' * (n != 1)} as {format}")
    return True


def _hit_table(hits) -> str:
    from tabulate import tabulate

    headers = ["#", "Year", "First author", "Title", "Journal"]
    rows = [[n, h.year or "", _first_author(h.authors), h.title, h.journal or ""] for n, h in enumerate(hits, 1)]
    table = tabulate(rows, headers=headers, tablefmt="simple")
    if sys.stdout.isatty():
        # Fit the terminal: clip author and journal, then give the title what is left.
        width = shutil.get_terminal_size((100, 24)).columns
        for row in rows:
            row[2], row[4] = _clip(row[2], 28), _clip(row[4], 24)
        table = tabulate(rows, headers=headers, tablefmt="simple")
        excess = max(len(line) for line in table.splitlines()) - width
        if excess > 0:
            longest = max(len(row[3]) for row in rows)
            for row in rows:
                row[3] = _clip(row[3], max(longest - excess, 20))
            table = tabulate(rows, headers=headers, tablefmt="simple")
    return table


def _hit_blocks(hits, snippets: bool, explain: bool) -> str:
    """One block per hit: title line, authors and journal, snippet, what matched."""
    from .matches import Snippet, render_snippet

    bold = sys.stdout.isatty()
    width = min(shutil.get_terminal_size((100, 24)).columns, 110) if bold else 100
    out = []
    for n, hit in enumerate(hits, 1):
        year = f" ({hit.year})" if hit.year else ""
        out.append(textwrap.fill(f"{n:>2}. {hit.title}{year}", width=width, subsequent_indent="    "))
        byline = " · ".join(v for v in (_first_author(hit.authors), hit.journal, hit.id) if v)
        out.append(f"    {byline}")
        if snippets and hit.snippet:
            s = hit.snippet
            text = render_snippet(Snippet(s["field"], s["text"], [tuple(h) for h in s["highlights"]]), bold)
            out.append(f"    {s['field']}: {text}")
        if explain:
            parts = []
            for m in hit.matched or []:
                words = []
                for word, term in zip(m["words"], m["terms"]):
                    origin = m.get("expanded_from", {}).get(term)
                    words.append(f"{word} (from {origin})" if origin else word)
                parts.append(f"{m['field']}: {', '.join(dict.fromkeys(words))}")
            out.append("    matched: " + ("; ".join(parts) or "no listed field (a filter, #N or a range)"))
        out.append("")
    return "\n".join(out).rstrip()


def _facet_text(facets: dict) -> str:
    from tabulate import tabulate

    out = []
    for name, rows in facets.items():
        out.append(f"{name.capitalize()}")
        if rows:
            table = tabulate([[r["value"], r["count"]] for r in rows], tablefmt="plain")
            out += ["  " + line for line in table.splitlines()]
        else:
            out.append("  (no values)")
        out.append("")
    return "\n".join(out).rstrip()


def _split_list(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


@commands.command("search")
@_reports_errors
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
    history: Annotated[bool, typer.Option("--history/--no-history", help="Add this search to the history.")] = True,
    json_out: JsonFlag = False,
) -> None:
    """Search the records: all words must match, or any with --any.

    Filter with --year, --journal, --subject, --language, --publisher; count
    hits per value with --facet; order with --sort; export with --format.
    #N stands for the records of line N of `recsearch history`."""
    from .search import RecordIndex, SearchOptions

    text = " ".join(query)
    filters = {name: values for name, values in (("year", year), ("journal", journal), ("subject", subject),
                                                  ("language", language), ("publisher", publisher)) if values}
    options = SearchOptions(match_any=match_any, filters=filters, sort=sort, facets=_split_list(facet),
                            facet_limit=facet_limit, snippets=snippets, explain=explain)
    with RecordIndex(index_dir) as ix:
        result = ix.search(text, limit=None if all_hits else limit, options=options)
        entry = None
        if history:
            from .history import History

            try:
                entry = History(index_dir).append(text, result.total, ix.record_count, match_any, filters)
            except OSError as exc:
                _say(f"recsearch: note: the search history was not saved: {exc.strerror or exc}")
    for note in result.notes:
        _say(f"recsearch: note: {note}")
    if _export(result.records, format, output, json_out):
        if result.facets:
            _say(_facet_text(result.facets))
        return
    if json_out:
        data = result.to_dict()
        if entry:
            data["history"] = entry.number
        _json_out(data, output)
        return
    label = f"#{entry.number}: " if entry else ""
    if not result.hits:
        _say(f"{label}No records match {text!r}" + (" with these filters." if filters else "."))
    else:
        typer.echo(_hit_blocks(result.hits, snippets, explain) if snippets or explain else _hit_table(result.hits))
    if result.facets:
        typer.echo(("\n" if result.hits else "") + _facet_text(result.facets))
    if result.suggestions:
        _say("Did you mean:" if result.suggestions[0]["kind"] == "correction" else "Try:")
        width = max(len(s["command"]) for s in result.suggestions)
        for s in result.suggestions:
            _say(f"  {s['command']:<{width}}  ({s['hits']} hit{'s' * (s['hits'] != 1)})")
    if result.hits:
        shown = len(result.hits)
        more = "; more with --limit or --all" if result.total > shown else ""
        _say(f"{label}{result.total} hit{'s' * (result.total != 1)}, {shown} shown{more}.")


@commands.command("similar")
@_reports_errors
def similar_command(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The record to find others like.")],
    index_dir: IndexDir = Path("index"),
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many records to show.")] = 10,
    format: ExportFormat = "text",
    output: OutputFile = None,
    json_out: JsonFlag = False,
) -> None:
    """Records like one record, by its key words.

    The words that set the record apart in its title, subjects, abstract and
    authors, searched for together."""
    from .search import RecordIndex

    with RecordIndex(index_dir) as ix:
        result = ix.similar(record_id, limit=limit)
    if _export(result.records, format, output, json_out):
        return
    if json_out:
        _json_out(result.to_dict(), output)
    elif result.hits:
        typer.echo(_hit_table(result.hits))
    else:
        _say(f"No records are like {record_id}.")


@commands.command("history")
@_reports_errors
def history_command(
    index_dir: IndexDir = Path("index"),
    export: Annotated[Optional[Path], typer.Option(
        "--export", metavar="FILE", help="Write the search strategy (every search, hits, dates) to FILE; - for stdout.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Forget every search.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Past searches, numbered: combine them as '#1 AND #2'.

    --export writes the strategy as run (queries, filters, hit counts, dates),
    as PRISMA-S asks of a systematic review."""
    from tabulate import tabulate

    from .history import History
    from .index import index_stats

    history = History(index_dir)
    if clear:
        n = history.clear()
        _say(f"recsearch: forgot {n} search{'es' * (n != 1)}")
        return
    if export is not None:
        stats = index_stats(index_dir)
        text = history.strategy(stats.location, stats.records)
        if str(export) == "-":
            typer.echo(text, nl=False)
        else:
            _write(text, export, f"the strategy ({len(history.entries())} searches)")
        return
    entries = history.entries()
    if json_out:
        _print_json({"history": [e.to_dict() for e in entries]})
        return
    if not entries:
        _say("No searches yet: each `recsearch search` is added here.")
        return
    rows = []
    for e in entries:
        options = (["--any"] if e.match_any else []) + [
            f"--{k} {shlex.quote(v)}" for k, values in e.filters.items() for v in values]
        rows.append([f"#{e.number}", e.query, " ".join(options), e.hits, e.at.replace("T", " ").replace("+00:00", "Z")])
    typer.echo(tabulate(rows, headers=["#", "Query", "Options", "Hits", "Run (UTC)"], tablefmt="simple"))


@commands.command("author")
@_reports_errors
def author_command(
    name: Annotated[list[str], typer.Argument(metavar="NAME...", help="A name as you remember it: any order, initials, typos, no accents.")],
    index_dir: IndexDir = Path("index"),
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many people to show.")] = 5,
    records: Annotated[bool, typer.Option("--records/--no-records", help="List each person's records.")] = True,
    explain: Annotated[bool, typer.Option("--explain", help="Say why name variants were grouped.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Find an author by name, despite accents, order, initials, typos."""
    from tabulate import tabulate

    from .search import RecordIndex

    text = " ".join(name)
    with RecordIndex(index_dir) as ix:
        # JSON lists every affiliation, so it reads every record.
        matches = ix.authors(text, limit=limit, max_records=None if json_out else 50)
    if json_out:
        _print_json({"query": text, "matches": [m.to_dict() for m in matches]})
        return
    if not matches:
        _say(f"No author names fit {text!r}.")
        return
    width = shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 10_000
    out = []
    for n, match in enumerate(matches, 1):
        count = len(match.records)
        out.append(f"{n}. {match.name}  (score {match.score:.0f}, {count} record{'s' * (count != 1)})")
        if len(match.variants) > 1:
            out.append(f"   variants: {'; '.join(match.variants)}")
        for affiliation in match.affiliations[:5]:
            out.append(f"   affiliation: {_clip(affiliation, width - 16)}")
        if len(match.affiliations) > 5:
            out.append(f"   … {len(match.affiliations) - 5} more affiliations (--json lists all)")
        if explain:
            out += [f"   grouped: {why}" for why in match.why] or ["   grouped: a single name variant"]
        if records and match.record_details:
            rows = [[d["year"] or "", d["id"], _clip(d["title"], max(width - 60, 30))] for d in match.record_details]
            table = tabulate(rows, tablefmt="plain")
            out += ["   " + line for line in table.splitlines()]
        out.append("")
    typer.echo("\n".join(out).rstrip())


def _wrap(label: str, text: str, width: int) -> str:
    return textwrap.fill(text, width=width, initial_indent=f"{label:<11}", subsequent_indent=" " * 11)


@commands.command("show")
@_reports_errors
def show_command(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="Record id, as shown by `search --json` or `show`.")],
    index_dir: IndexDir = Path("index"),
    json_out: JsonFlag = False,
    format: ExportFormat = "text",
    output: OutputFile = None,
) -> None:
    """Show one record in full, or export it.

    Authors are listed with their affiliations."""
    from .search import RecordIndex

    with RecordIndex(index_dir) as ix:
        record = ix.get(record_id)
    if record is None:
        _fail(f"no record with id {record_id!r} in {index_dir}")
    if _export([record], format, output, json_out):
        return
    if json_out:
        _json_out(record.to_dict(), output)
        return
    width = min(shutil.get_terminal_size((100, 24)).columns, 100) if sys.stdout.isatty() else 100
    out = [record.title, "=" * min(len(record.title), width), ""]
    out.append(f"{'Id':<11}{record.id}")
    for label, value in (
        ("Journal", record.journal), ("Publisher", record.publisher), ("Date", record.date),
        ("ISSN", ", ".join(record.issns)), ("Language", record.language), ("DOI", record.doi), ("URL", record.url),
        ("Subjects", "; ".join(record.subjects)), ("Source", f"{record.source}, record {record.position}" if record.position else record.source),
    ):
        if value:
            out.append(_wrap(label, value, width))
    out += ["", f"Authors ({len(record.authors)})"]
    for n, author in enumerate(record.authors, 1):
        out.append(f"{n:>4}. {author.name}")
        if author.affiliation:
            out.append(textwrap.fill(author.affiliation, width=width, initial_indent=" " * 8, subsequent_indent=" " * 8))
    if record.affiliation_text:
        out += ["", "Affiliations (not split per author)"]
        out.append(textwrap.fill(record.affiliation_text, width=width, initial_indent="  ", subsequent_indent="  "))
    if record.summary:
        out += ["", "Abstract", textwrap.fill(record.summary, width=width, initial_indent="  ", subsequent_indent="  ")]
    typer.echo("\n".join(out))
