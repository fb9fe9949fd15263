"""`recsearch dedup`: the command (joined to the app by cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import IndexDir, JsonFlag, command_hint, fail, inform, print_json, reports_errors, write_output
from .terminal import terminal_width

commands = typer.Typer()


@commands.command("dedup")
@reports_errors
def dedup_command(
    index_dir: IndexDir = Path("index"),
    review: Annotated[bool, typer.Option("--review", help="List the uncertain pairs (not merged), with the reason.")] = False,
    mark: Annotated[Optional[tuple[str, str, str]], typer.Option(
        "--mark", metavar="SAME|DIFFERENT ID ID",
        help="Record your decision about two records; kept across rebuilds, used by every later run.")] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="Compare every record again, not only the new ones.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many groups to list.", min=0)] = 20,
    all_groups: Annotated[bool, typer.Option("--all", help="List every group.")] = False,
    format: Annotated[str, typer.Option(
        "--format", "-f", metavar="FORMAT",
        help="text (the groups), or export the unique works as ris, bibtex, csv or jsonl, every source's ids kept.")] = "text",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE",
                                                   help="Write the export to FILE instead of stdout.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Group the records that are the same work, found in several sources.

    Same DOI, PMID or other identifier, or a title that agrees with year,
    first author, journal, volume and pages; guards keep errata, replies,
    meeting abstracts, book chapters and generic titles apart. Uncertain pairs
    are listed with --review. Prints the PRISMA counts: records per source,
    duplicates removed, unique works. Only new records are compared again."""
    from ..dedup.run import run_dedup

    if mark and any(mark):
        _mark(index_dir, *mark)
    report = run_dedup(index_dir, fresh=fresh)
    if mark and any(mark) and not json_out and format in ("text", "table"):
        # A decision among many (often from a script): the counts it leads to, not every group again.
        from .dedup_views import prisma_text

        typer.echo(prisma_text(report, terminal_width()))
        return
    if format not in ("text", "table"):
        _export_unique(index_dir, format, output, json_out)
        return
    if output is not None:
        fail("--output writes an export: give --format ris, bibtex, csv or jsonl", 2)
    if json_out:
        data = report.to_dict()
        data["sources"] = report.sources
        print_json(data)
        return
    from .dedup_views import groups_text, prisma_text, review_text

    width = terminal_width()
    if report.groups:
        from ..search.index import RecordIndex

        shown = report.groups if all_groups else report.groups[:limit]
        with RecordIndex(index_dir) as ix:
            leads = {g["lead"]: ix.get(g["lead"]) for g in shown}
        titles = {rid: record.title for rid, record in leads.items() if record is not None}
        typer.echo(groups_text(report, width, None if all_groups else limit, titles))
        typer.echo("")
    typer.echo(prisma_text(report, width))
    if review:
        typer.echo("")
        typer.echo(review_text(report, width) if report.review else "No pairs to review.")
    elif report.review:
        inform(f"{len(report.review):,} uncertain pair(s) not merged: "
               f"{command_hint('recsearch dedup --review', index_dir)} lists them")
    inform(f"recsearch: {report.compared:,} new or changed record(s) compared ({report.pairs:,} candidate pairs) "
           f"in {report.seconds:.1f} s")


def _mark(index_dir: Path, verdict: str, a: str, b: str) -> None:
    from ..search.index import RecordIndex
    from ..dedup.decisions import record_decision

    if verdict.upper() not in ("SAME", "DIFFERENT"):
        fail(f"--mark takes SAME or DIFFERENT, then two record ids, not {verdict!r}", 2)
    if a == b:
        fail(f"--mark needs two different records, not {a!r} twice", 2)
    with RecordIndex(index_dir) as ix:
        for rid in (a, b):
            if ix.get(rid) is None:
                fail(f"no record with id {rid!r} in {Path(index_dir).absolute()}")
    record_decision(Path(index_dir), verdict, a, b)
    inform(f"recsearch: recorded: {a} and {b} are {verdict.lower()}; kept in "
           f"{Path(index_dir).absolute() / 'dedup-decisions.jsonl'}")


def _export_unique(index_dir: Path, format: str, output: Path | None, json_out: bool) -> None:
    from ..export import EXPORT_FORMATS, export_records
    from ..search.index import RecordIndex
    from ..dedup.run import saved_groups
    from ..dedup.unique import unique_library

    if format not in EXPORT_FORMATS:
        fail(f"unknown --format {format!r}: use text, {', '.join(EXPORT_FORMATS)}", 2)
    if json_out:
        fail(f"--json and --format {format} both set the output: give one", 2)
    with RecordIndex(index_dir) as ix:
        groups = saved_groups(ix)
        try:
            records = unique_library(ix, groups)
        finally:
            if groups is not None:
                groups.close()
    write_output(export_records(records, format), output, f"{len(records):,} unique works as {format}")
