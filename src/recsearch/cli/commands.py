"""The `recsearch` command: parses options, calls the library, prints."""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import RecsearchError
from .common import OneLineUsageErrors

app = typer.Typer(
    name="recsearch",
    cls=OneLineUsageErrors,
    help="Fast, offline, accent-blind search over library catalogue records.",
    # --install-completion / --show-completion; typer's completion code is imported anyway.
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help text: docstrings wrap as prose, and brackets are not taken for markup.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

from . import common, terminal  # noqa: E402
from ..formats import FORMATS, formats_help  # noqa: E402
from .common import IndexDir, JsonFlag, fail, print_json, reports_errors, say  # noqa: E402


class Color(str, Enum):
    never = "never"
    auto = "auto"
    always = "always"


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"recsearch {__version__}")
        raise typer.Exit()


@app.callback()
def global_options(
    index_dir: Annotated[Optional[Path], typer.Option(
        "--index", "-i", help="Index directory for the command (env RECSEARCH_INDEX), default ./index; "
                              "also accepted after the command name.")] = None,
    color: Annotated[Color, typer.Option(
        "--color", help="Bold matched words: auto (on a terminal, unless NO_COLOR is set), never or always.")]
        = Color.auto,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress, notes or hints on stderr (errors still show).")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Fast, offline, accent-blind search over library catalogue records.

    Global options go before the command: recsearch -q --color never search lymphoma."""
    # Set on every run: one process may run several commands (the tests do).
    terminal.color_choice = color.value
    common.quiet = quiet


FormatOption = Annotated[Optional[str], typer.Option(
    "--format", metavar="FORMAT",
    help=f"Reader to use: auto (tell by content), {', '.join(FORMATS[1:])}. Remembered for later runs; "
         "--format auto returns to detection. Default: the reader of the last run, else auto.")]
ExcludeOption = Annotated[Optional[list[str]], typer.Option(
    "--exclude", metavar="GLOB",
    help="Leave out files and folders whose name or path matches (repeatable; remembered for later runs; "
         "--exclude '' forgets them).")]
VerboseFlag = Annotated[bool, typer.Option("--verbose", "-v", help="List reader warnings and skipped files.")]


INDEX_HELP = f"""Bring the index up to date with the record files.

Adds new files, re-reads changed ones, removes the records of deleted ones
(unchanged files are not read).

Files may be in any of these formats, told by their content, gzip-compressed
or not: {formats_help()}.
"""


@app.command("index", help=INDEX_HELP)
@reports_errors
def index_command(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Record files or folders. Default: those of the last run, else seeds/."),
    ] = None,
    index_dir: IndexDir = Path("index"),
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild from scratch instead of updating.")] = False,
    add: Annotated[bool, typer.Option("--add", help="Add the files named to the index; remove nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Go ahead even if the sources named would remove "
                                                           "over a tenth of the records.")] = False,
    watch: Annotated[bool, typer.Option("--watch", help="Keep running; apply changes as files arrive.")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between checks with --watch.", min=0.2)] = 2.0,
    json_out: JsonFlag = False,
    verbose: VerboseFlag = False,
    format: FormatOption = None,
    exclude: ExcludeOption = None,
) -> None:
    """Bring the index up to date with the record files (help: INDEX_HELP)."""
    if add and not paths:
        fail("--add needs the files or folders to add", 2)
    report = _run_update(paths or None, index_dir, rebuild, json_out, verbose, format, exclude=exclude, add=add,
                         yes=yes)
    if watch:
        _watch(report.sources, index_dir, interval, json_out, verbose, report.exclude)
    elif report.failed:
        raise typer.Exit(1)


@app.command("add")
@reports_errors
def add_command(
    paths: Annotated[list[Path], typer.Argument(help="Record files or folders to add.")],
    index_dir: IndexDir = Path("index"),
    json_out: JsonFlag = False,
    verbose: VerboseFlag = False,
    format: FormatOption = None,
) -> None:
    """Add record files or folders to the index, removing nothing.

    The paths join the sources the index remembers, so later runs of
    `recsearch index` keep them up to date too."""
    report = _run_update(paths, index_dir, False, json_out, verbose, format, add=True)
    if report.failed:
        raise typer.Exit(1)


def _run_update(paths, index_dir, rebuild, json_out, verbose, format=None, *, exclude=None, add=False, yes=False):
    from ..ingest.build import update_index
    from ..readers import FORMATS
    from ..ingest.sources import DEFAULT_SOURCE
    from ..engine.store import current_generation, current_is_damaged, read_remembered

    if format is not None and format not in FORMATS:
        fail(f"unknown --format {format!r}: use one of {', '.join(FORMATS)}", 2)
    if (not paths and current_generation(index_dir) is None and read_remembered(index_dir) is None
            and not current_is_damaged(index_dir)
            and not Path(DEFAULT_SOURCE).is_dir()):
        fail(f"no {DEFAULT_SOURCE}/ folder here: name the record files or folders to index", 2)
    from .progress import ProgressLine

    line = ProgressLine(sys.stderr) if sys.stderr.isatty() and not json_out and not common.quiet else None

    def confirm(removing: int, total: int) -> bool:
        if yes:
            return True
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            return False
        if line is not None:
            line.pause()  # the timer would redraw over the question while it waits for the answer
        answer = typer.confirm(f"recsearch: the sources named would remove {removing:,} of the {total:,} records "
                               "(the files no longer under them). Go ahead?", default=False, err=True)
        if line is not None and answer:
            line.resume()
        return answer

    try:
        report = update_index(paths, index_dir, rebuild=rebuild, progress=line and line.files, format=format,
                              stage=line and line.stage, exclude=exclude, add=add, confirm=confirm)
    finally:
        if line is not None:
            line.close()
    _print_report(report, index_dir, json_out, verbose)
    return report


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


def _print_report(report, index_dir, json_out: bool, verbose: bool) -> None:
    if json_out:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    for repair in report.repairs:
        say(f"recsearch: repaired the index: {repair}")
    if report.reason:
        say(f"recsearch: rebuilt the whole index: {report.reason}")
    for failure in report.failed:
        where = f"{failure['file']}, record {failure['position']}" if failure.get("position") else failure["file"]
        say(f"recsearch: {where}: {failure['error']}")
    for conflict in report.conflicts:
        kept, skipped = conflict["files"]
        say(f"recsearch: {skipped}: record id {conflict['id']} is already in {kept}; not indexed")
    if verbose:
        for item in report.warnings:
            for warning in item["warnings"]:
                say(f"recsearch: warning: {item['file']}: {warning}")
        for item in report.skipped:
            say(f"recsearch: skipped {item['file']}: {item['reason']}")
    counts = [f"{report.added:,} added", f"{report.updated:,} updated", f"{report.removed:,} removed",
              f"{report.unchanged:,} unchanged"]
    if report.failed:
        counts.append(f"{len(report.failed):,} failed")
    if report.skipped:
        counts.append(f"{len(report.skipped):,} skipped" + ("" if verbose else " (--verbose lists them)"))
    if report.excluded:
        counts.append(f"{report.excluded:,} excluded ({', '.join(report.exclude)})")
    if report.conflicts:
        counts.append(_plural(len(report.conflicts), "conflict"))
    what = "Built" if report.first_build else "Rebuilt" if report.rebuilt else "Updated"
    line = f"{what} {index_dir}: {', '.join(counts)}; {_plural(report.records, 'record')} in {report.seconds:.1f} s"
    if report.format != "auto":
        line += f"; format {report.format} forced (--format auto to tell by content)"
    if report.warnings and not verbose:
        line += f" ({_plural(len(report.warnings), 'file')} read with warnings: --verbose)"
    typer.echo(_fitted(line))


def _fitted(line: str) -> str:
    """A long line wrapped to the terminal, indented under itself (whole in a pipe)."""
    from .terminal import terminal_width, wrap

    return "\n".join(wrap(line, terminal_width(), "  ", ""))


def _watch(sources, index_dir, interval: float, json_out: bool, verbose: bool, exclude=()) -> None:
    """Poll the sources; update once a change has settled for one interval."""
    import time

    from ..ingest.build import update_index
    from ..ingest.sources import escape_name, scan_sources

    say(f"recsearch: watching {', '.join(escape_name(s) for s in sources)} (Ctrl-C to stop)")
    # Files may have arrived since the run's own scan: the first settled scan is applied
    # too, and said only if it changed something.
    applied, seen = None, scan_sources(sources, exclude, index_dir).files
    try:
        while True:
            time.sleep(interval)
            now = scan_sources(sources, exclude, index_dir).files
            if now != applied and now == seen:
                try:
                    report = update_index(sources, index_dir)
                    if applied is not None or report.added or report.updated or report.removed:
                        _print_report(report, index_dir, json_out, verbose)
                    applied = now
                except RecsearchError as exc:  # e.g. another run holds the lock: try again later
                    say(f"recsearch: {exc}")
            seen = now
    except KeyboardInterrupt:
        say("recsearch: stopped watching")


@app.command("stats")
@reports_errors
def stats_command(index_dir: IndexDir = Path("index"), json_out: JsonFlag = False) -> None:
    """Records, authors, years, size and last build of the index."""
    from dataclasses import asdict

    from ..ingest.stats import index_stats
    from ..ingest.sources import escape_name

    stats = index_stats(index_dir)
    if json_out:
        print_json(asdict(stats))
        return
    last = stats.last_run
    years = "none" if not stats.years else str(stats.years[0]) if stats.years[0] == stats.years[1] \
        else f"{stats.years[0]}–{stats.years[1]}"
    rows = [
        ("Records", f"{stats.records:,}"),
        ("Distinct authors", f"{stats.distinct_authors:,}"),
        ("Years", years),
        ("Index size", f"{stats.size_bytes / 1e6:.1f} MB" + (
            f" ({stats.disk_bytes / 1e6:.1f} MB on disk with {_plural(stats.generations - 1, 'older generation')} "
            "still open in a search)" if stats.generations > 1 else "")),
        ("Location", stats.location),
        ("Last change", stats.built_at or "unknown"),
        ("Sources", ", ".join(escape_name(s) for s in stats.sources) or "unknown"),
        ("Format", "auto (told by content)" if stats.format == "auto"
         else f"{stats.format} (forced; --format auto to tell by content)"),
    ]
    if stats.exclude:
        rows.append(("Excluded", ", ".join(stats.exclude)))
    if last:
        what = ", ".join(f"{last.get(k, 0):,} {k}" for k in ("added", "updated", "removed", "unchanged"))
        problems = (f"; {len(last.get('failed', [])):,} failed, {len(last.get('skipped', [])):,} skipped, "
                    f"{_plural(len(last.get('conflicts', [])), 'conflict')}")
        kind = "rebuild" if last.get("rebuilt") else "update"
        rows.append(("Last run", f"{last.get('finished_at', '?')} ({kind}): {what}{problems}"))
    from .terminal import terminal_width
    from .views import labelled_lines

    typer.echo(labelled_lines(rows, terminal_width()))


@app.command("check")
@reports_errors
def check_command(
    index_dir: IndexDir = Path("index"),
    sources: Annotated[bool, typer.Option("--sources/--no-sources", help="Also compare with the source files.")] = True,
    json_out: JsonFlag = False,
) -> None:
    """Verify the index and compare it with the record files.

    Every segment reads, every record the last run indexed is there and nothing
    else, and the source files have not changed since."""
    from ..ingest.check import check_index

    report = check_index(index_dir, sources=sources)
    if json_out:
        print_json(report.to_dict())
    elif report.ok:
        typer.echo(f"Index OK: {report.records} record{'s' * (report.records != 1)} in {report.segments} segment"
                   f"{'s' * (report.segments != 1)}, {report.files} source file{'s' * (report.files != 1)} as indexed")
    else:
        from ..ingest.check import SHOWN, repair_command

        shown: dict[str, int] = {}
        for problem in report.problems:
            shown[problem.what] = shown.get(problem.what, 0) + 1
            if shown[problem.what] <= SHOWN:
                typer.echo(_fitted(f"{problem.what}: {problem.detail}"))
        for what, count in shown.items():
            if count > SHOWN:
                typer.echo(f"{what}: … and {count - SHOWN:,} more like it (--json lists them all)")
        say(f"recsearch: {_plural(len(report.problems), 'problem')} found; {repair_command(report)}")
    if not report.ok:
        raise typer.Exit(1)


def _register_commands() -> None:
    from .dedup_commands import commands as dedup_commands
    from .search_commands import commands

    app.registered_commands += commands.registered_commands + dedup_commands.registered_commands
    order = ["index", "add", "search", "author", "show", "similar", "history", "dedup", "stats", "check"]
    app.registered_commands.sort(key=lambda c: order.index(c.name) if c.name in order else len(order))


_register_commands()


# Global options that take a value (the next argument, unless given as --option=value).
VALUED_GLOBALS = {"--index", "-i", "--color"}


def named_command(args: list[str]) -> str | None:
    """The command `args` run, when they name one and ask for nothing of the others (no help or
    version before it, no shell completion): typer then builds that command alone, not ten."""
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return None
    names = {c.name for c in app.registered_commands}
    k = 0
    while k < len(args):
        if args[k] in ("--help", "-h", "--version", "--"):
            return None
        if args[k].startswith("-"):
            k += 2 if args[k] in VALUED_GLOBALS else 1
            continue
        return args[k] if args[k] in names else None
    return None


def main() -> None:
    everything = app.registered_commands
    name = named_command(sys.argv[1:])
    if name is not None:
        app.registered_commands = [c for c in everything if c.name == name]
    try:
        app()
    except KeyboardInterrupt:
        say("recsearch: interrupted")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("RECSEARCH_DEBUG"):
            raise
        say(f"recsearch: internal error: {exc!r} (set RECSEARCH_DEBUG=1 for the traceback, and please report it)")
        sys.exit(1)
    finally:
        app.registered_commands = everything

