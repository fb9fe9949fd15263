"""The `recsearch` command: parses options, calls the library, prints."""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import RecsearchError

app = typer.Typer(
    name="recsearch",
    help="Fast, offline, accent-blind search over library catalogue records.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

IndexDir = Annotated[
    Path,
    typer.Option("--index", "-i", envvar="RECSEARCH_INDEX", help="Index directory (env RECSEARCH_INDEX)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _print_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str, code: int = 1):
    _say(f"recsearch: {message}")
    raise typer.Exit(code)


def _reports_errors(command):
    """Turn our errors into a one-line message and their exit code."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except RecsearchError as exc:
            _fail(str(exc), exc.exit_code)

    return run


@app.command("index")
@_reports_errors
def index_command(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Record files or folders. Default: those of the last run, else seeds/."),
    ] = None,
    index_dir: IndexDir = Path("index"),
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild from scratch instead of updating.")] = False,
    watch: Annotated[bool, typer.Option("--watch", help="Keep running; apply changes as files arrive.")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between checks with --watch.", min=0.2)] = 2.0,
    json_out: JsonFlag = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List reader warnings and skipped files.")] = False,
    format: Annotated[Optional[str], typer.Option(
        "--format", metavar="FORMAT",
        help="Reader to use: auto (tell by content), seed, doaj-json, doaj-xml, pubmed (XML or MEDLINE text), "
             "cord19. Default: the reader of the last run, else auto.")] = None,
) -> None:
    """Bring the index up to date with the record files: adds new files, re-reads
    changed ones, removes records of deleted ones (unchanged files are not read).

    Files may be VuFind record pages (seed), DOAJ JSON or XML, PubMed XML or
    MEDLINE text, or the CORD-19 metadata CSV, gzip-compressed or not.
    """
    from .readers import FORMATS
    from .sources import DEFAULT_SOURCE
    from .store import current_generation

    if format is not None and format not in FORMATS:
        _fail(f"unknown --format {format!r}: use one of {', '.join(FORMATS)}", 2)
    if not paths and current_generation(index_dir) is None and not Path(DEFAULT_SOURCE).is_dir():
        _fail(f"no {DEFAULT_SOURCE}/ folder here: name the record files or folders to index", 2)
    report = _run_update(paths or None, index_dir, rebuild, json_out, verbose, format)
    if watch:
        _watch(report.sources, index_dir, interval, json_out, verbose)
    elif report.failed:
        raise typer.Exit(1)


def _run_update(paths, index_dir, rebuild, json_out, verbose, format=None):
    from .build import update_index

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = typer.progressbar(length=total, label="Indexing", file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    show_progress = sys.stderr.isatty() and not json_out
    try:
        report = update_index(paths, index_dir, rebuild=rebuild, progress=progress if show_progress else None,
                              format=format)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    _print_report(report, index_dir, json_out, verbose)
    return report


def _print_report(report, index_dir, json_out: bool, verbose: bool) -> None:
    if json_out:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    if report.reason:
        _say(f"recsearch: rebuilt the whole index: {report.reason}")
    for failure in report.failed:
        where = f"{failure['file']}, record {failure['position']}" if failure.get("position") else failure["file"]
        _say(f"recsearch: {where}: {failure['error']}")
    for conflict in report.conflicts:
        kept, skipped = conflict["files"]
        _say(f"recsearch: {skipped}: record id {conflict['id']} is already in {kept}; not indexed")
    if verbose:
        for item in report.warnings:
            for warning in item["warnings"]:
                _say(f"recsearch: warning: {item['file']}: {warning}")
        for item in report.skipped:
            _say(f"recsearch: skipped {item['file']}: not a record file in a format recsearch reads")
    counts = [f"{report.added} added", f"{report.updated} updated", f"{report.removed} removed",
              f"{report.unchanged} unchanged"]
    if report.failed:
        counts.append(f"{len(report.failed)} failed")
    if report.skipped:
        n = len(report.skipped)
        counts.append(f"{n} file{'s' * (n != 1)} not in a record format skipped" + ("" if verbose else " (--verbose lists them)"))
    if report.conflicts:
        counts.append(f"{len(report.conflicts)} conflicts")
    what = "Rebuilt" if report.rebuilt else "Updated"
    line = f"{what} {index_dir}: {', '.join(counts)}; {report.records} records in {report.seconds:.1f} s"
    if report.warnings and not verbose:
        n = len(report.warnings)
        line += f" ({n} file{'s' * (n != 1)} read with warnings: --verbose)"
    typer.echo(line)


def _watch(sources, index_dir, interval: float, json_out: bool, verbose: bool) -> None:
    """Poll the sources; update once a change has settled for one interval."""
    import time

    from .build import update_index
    from .sources import scan_sources

    _say(f"recsearch: watching {', '.join(sources)} (Ctrl-C to stop)")
    applied = seen = scan_sources(sources).files
    try:
        while True:
            time.sleep(interval)
            now = scan_sources(sources).files
            if now != applied and now == seen:
                try:
                    _print_report(update_index(sources, index_dir), index_dir, json_out, verbose)
                    applied = now
                except RecsearchError as exc:  # e.g. another run holds the lock: try again later
                    _say(f"recsearch: {exc}")
            seen = now
    except KeyboardInterrupt:
        _say("recsearch: stopped watching")


def _first_author(names: list[str]) -> str:
    if not names:
        return ""
    return names[0] + (f" +{len(names) - 1}" if len(names) > 1 else "")


def _clip(text: str | None, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


@app.command("search")
@_reports_errors
def search_command(
    query: Annotated[list[str], typer.Argument(metavar="QUERY...", help="Query in Whoosh syntax, e.g. 'author:\"perez martinez\" year:[2019 TO 2023]'.")],
    index_dir: IndexDir = Path("index"),
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many hits to show (at most 1000).")] = 10,
    match_any: Annotated[bool, typer.Option(
        "--any", help="Match any of the words (OR), best matches first: for long natural-language queries.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Search the index; plain words must all match (AND), or with --any any of them."""
    from tabulate import tabulate

    from .search import RecordIndex

    text = " ".join(query)
    with RecordIndex(index_dir) as ix:
        result = ix.search(text, limit=limit, match_any=match_any)
    for note in result.notes:
        _say(f"recsearch: note: {note}")
    if json_out:
        _print_json(result.to_dict())
        return
    if not result.hits:
        _say(f"No records match {text!r}.")
        return
    headers = ["#", "Year", "First author", "Title", "Journal"]
    rows = [[n, h.year or "", _first_author(h.authors), h.title, h.journal or ""] for n, h in enumerate(result.hits, 1)]
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
    typer.echo(table)
    if result.total > len(result.hits):
        _say(f"{len(result.hits)} of {result.total} hits shown; more with --limit.")


@app.command("author")
@_reports_errors
def author_command(
    name: Annotated[list[str], typer.Argument(metavar="NAME...", help="A name as you remember it: any order, initials, typos, no accents.")],
    index_dir: IndexDir = Path("index"),
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many people to show.")] = 5,
    records: Annotated[bool, typer.Option("--records/--no-records", help="List each person's records.")] = True,
    explain: Annotated[bool, typer.Option("--explain", help="Say why name variants were grouped.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Find an author by name, tolerant of accents, order, initials and typos."""
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


@app.command("show")
@_reports_errors
def show_command(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="Record id, as shown by `search --json` or `show`.")],
    index_dir: IndexDir = Path("index"),
    json_out: JsonFlag = False,
) -> None:
    """Show one record in full, authors with their affiliations."""
    from .search import RecordIndex

    with RecordIndex(index_dir) as ix:
        record = ix.get(record_id)
    if record is None:
        _fail(f"no record with id {record_id!r} in {index_dir}")
    if json_out:
        _print_json(record.to_dict())
        return
    width = min(shutil.get_terminal_size((100, 24)).columns, 100) if sys.stdout.isatty() else 100
    out = [record.title, "=" * min(len(record.title), width), ""]
    out.append(f"{'Id':<11}{record.id}")
    for label, value in (
        ("Journal", record.journal), ("Publisher", record.publisher), ("Date", record.date),
        ("ISSN", ", ".join(record.issns)), ("Language", record.language), ("URL", record.url),
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


@app.command("stats")
@_reports_errors
def stats_command(index_dir: IndexDir = Path("index"), json_out: JsonFlag = False) -> None:
    """Records, distinct authors, years, size and last build of the index."""
    from dataclasses import asdict

    from .index import index_stats

    stats = index_stats(index_dir)
    if json_out:
        _print_json(asdict(stats))
        return
    last = stats.last_run
    years = f"{stats.years[0]}–{stats.years[1]}" if stats.years else "none"
    rows = [
        ("Records", stats.records),
        ("Distinct authors", stats.distinct_authors),
        ("Years", years),
        ("Index size", f"{stats.size_bytes / 1e6:.1f} MB"),
        ("Location", stats.location),
        ("Last change", stats.built_at or "unknown"),
        ("Sources", ", ".join(stats.sources) or "unknown"),
    ]
    if last:
        what = ", ".join(f"{last.get(k, 0)} {k}" for k in ("added", "updated", "removed", "unchanged"))
        problems = f"; {len(last.get('failed', []))} failed, {len(last.get('conflicts', []))} conflicts"
        kind = "rebuild" if last.get("rebuilt") else "update"
        rows.append(("Last run", f"{last.get('finished_at', '?')} ({kind}): {what}{problems}"))
    for label, value in rows:
        typer.echo(f"{label + ':':<18}{value}")


@app.command("check")
@_reports_errors
def check_command(
    index_dir: IndexDir = Path("index"),
    sources: Annotated[bool, typer.Option("--sources/--no-sources", help="Also compare with the source files.")] = True,
    json_out: JsonFlag = False,
) -> None:
    """Verify the index: every segment reads, every record the last run indexed is
    there and nothing else, and the source files have not changed since."""
    from .check import check_index

    report = check_index(index_dir, sources=sources)
    if json_out:
        _print_json(report.to_dict())
    elif report.ok:
        typer.echo(f"Index OK: {report.records} record{'s' * (report.records != 1)} in {report.segments} segment"
                   f"{'s' * (report.segments != 1)}, {report.files} source file{'s' * (report.files != 1)} as indexed")
    else:
        for problem in report.problems:
            typer.echo(f"{problem.what}: {problem.detail}")
        fixes = list(dict.fromkeys(p.fix for p in report.problems))
        # Rebuilding also covers what an update would fix.
        fix = "recsearch index --rebuild" if "recsearch index --rebuild" in fixes else fixes[0]
        where = "" if str(index_dir) == "index" else f" --index {index_dir}"
        _say(f"recsearch: {len(report.problems)} problem{'s' * (len(report.problems) != 1)} found; "
             f"to repair, run: {fix}{where}")
    if not report.ok:
        raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        _say("recsearch: interrupted")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("RECSEARCH_DEBUG"):
            raise
        _say(f"recsearch: internal error: {exc!r} (set RECSEARCH_DEBUG=1 for the traceback, and please report it)")
        sys.exit(1)


if __name__ == "__main__":
    main()
