"""The text of `recsearch dedup`: the PRISMA counts, the groups with their evidence, the pairs for review."""

from __future__ import annotations

from .terminal import PIPE_CAPS, clip, fit_table, wrap
from ..dedup.run import DedupReport, format_of


def prisma_text(report: DedupReport, width: int | None) -> str:
    """Records per source, duplicates removed, unique works: the numbers a review reports."""
    rows = [[s["source"] or "(no file)", f"{s['records']:,}"] for s in report.sources]
    rows.append(["records identified", f"{report.records:,}"])
    rows.append(["duplicates removed", f"{report.duplicates:,}"])
    rows.append(["unique works", f"{report.works:,}"])
    return fit_table(rows, ["Source", "Records"], width, shrink={0: 20}, caps={0: PIPE_CAPS["value"]},
                     tablefmt="simple", colalign=("left", "right"))


def groups_text(report: DedupReport, width: int | None, limit: int | None,
                titles: dict[str, str] | None = None) -> str:
    """Each group: its number and the title of the work, the evidence, then one line per record
    (id, format, source file)."""
    lines = []
    shown = report.groups if limit is None else report.groups[:limit]
    titles = titles or {}
    for n, group in enumerate(shown, 1):
        title = titles.get(group["lead"])
        if title:  # one line: enough to tell the work, the rest is a `show` away
            lines.append(f"{n:>4}  " + clip(title, PIPE_CAPS["title"] if width is None else max(width - 6, 10)))
        lines += wrap(f"why: {group['reason']} (score {group['score']:.2f})", width, " " * 6,
                      " " * 6 if title else f"{n:>4}  ")
        size = max(len(r) for r in group["records"]) + 1
        for rid in group["records"]:
            mark = "*" if rid == group["lead"] else " "
            head = f"      {rid + mark:<{size}}  {format_of(rid) or '?':<11}  "
            source = report.sources_of.get(rid, "")
            room = None if width is None else max(width - len(head), 10)
            lines.append(head + (clip(source, room) if room else source))
    if shown:
        lines += wrap("* the most complete record, which stands for the work in search --unique and exports",
                      width, "  ")
    if limit is not None and len(report.groups) > limit:
        lines.append(f"{len(report.groups) - limit:,} more group(s): --all lists every one, --json gives them all")
    return "\n".join(lines)


def review_text(report: DedupReport, width: int | None) -> str:
    """The uncertain pairs, each with the reason it was not merged and the commands that decide it."""
    lines = []
    for n, item in enumerate(report.review, 1):
        a, b = item["records"]
        lines += wrap(f"{a} ({format_of(a) or '?'}) and {b} ({format_of(b) or '?'})", width, "    ", f"{n:>3} ")
        lines += wrap(item["reason"], width, "      ", "    ")
        lines += wrap(f"decide: recsearch dedup --mark SAME {a} {b}  (or DIFFERENT)", width, "      ", "    ")
    return "\n".join(lines)
