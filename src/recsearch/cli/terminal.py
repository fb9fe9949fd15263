"""How output meets the terminal: its width, colour, and tables and lines fitted to it.

On a terminal every view fits its width; in a pipe nothing is clipped to a
width, but record fields still have a cap (`PIPE_CAPS`), so one record with
700 characters of authors cannot make a column unbounded.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap

# The widest a record field gets in a pipe (characters), where no terminal sets one.
PIPE_CAPS = {"author": 40, "title": 300, "journal": 80, "value": 200, "text": 300}
MIN_WIDTH = 40  # narrower terminals get 40-column output rather than nothing
color_choice = "auto"  # never | auto | always, set by `--color`


def terminal_width(stream=None) -> int | None:
    """The width to fit on `stream` (stdout): the terminal's, or None in a pipe."""
    stream = stream or sys.stdout
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    # COLUMNS first (as shutil does), then the terminal's own size.
    return max(shutil.get_terminal_size((80, 24)).columns, MIN_WIDTH)


def prose_width(stream=None) -> int | None:
    """The width to wrap prose to: the terminal's, or in a pipe COLUMNS if set (`show | less`)."""
    width = terminal_width(stream)
    if width is None:
        columns = os.environ.get("COLUMNS", "")
        if columns.isdigit() and int(columns):
            return max(int(columns), MIN_WIDTH)
    return width


def use_color(stream=None) -> bool:
    """Bold and colour on `stream`: `--color always`, or auto on a terminal without NO_COLOR."""
    if color_choice == "always":
        return True
    if color_choice == "never" or os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def clip(text: str | None, width: int) -> str:
    """`text` cut to `width` characters, the cut marked with an ellipsis."""
    text = text or ""
    if "\n" in text or "\t" in text:  # one cell, one line
        text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def names_cell(names: list[str], width: int) -> str:
    """The first author within `width`, then `+N` for the others."""
    if not names:
        return ""
    more = f" +{len(names) - 1}" if len(names) > 1 else ""
    return clip(names[0], max(width - len(more), 4)) + more


def wrap(text: str, width: int | None, indent: str = "", first: str | None = None) -> list[str]:
    """`text` wrapped to `width` (None: one line), every line after the first indented."""
    first = indent if first is None else first
    if width is None:
        return [first + text]
    return textwrap.wrap(text, width=max(width, len(indent) + 10), initial_indent=first,
                         subsequent_indent=indent, break_on_hyphens=False) or [first.rstrip()]


def fit_table(rows: list[list], headers: list[str], width: int | None, shrink: dict[int, int],
              drop: tuple[int, ...] = (), caps: dict[int, int] | None = None, **tabulate_args) -> str:
    """A tabulate table whose lines are at most `width` long.

    `shrink` maps the columns that may be clipped to their narrowest width; all
    but the last give up room first (the widest of them first), the last one
    keeps the most. Columns in `drop` are left out, in that order, if the
    table still does not fit. `caps` bounds columns in a pipe (`width` None).
    """
    import tabulate as tabulate_module
    from tabulate import tabulate

    # Headers padded by two spaces (tabulate's default) would take room the titles need.
    tabulate_module.MIN_PADDING = 0
    rows = [[("" if v is None else v) for v in row] for row in rows]
    if width is None:
        for col, cap in (caps or {}).items():
            for row in rows:
                row[col] = clip(str(row[col]), cap)
        return tabulate(rows, headers=headers, **tabulate_args)
    cols = list(range(len(headers)))
    order = list(shrink)
    while True:
        table = _render(rows, headers, cols, tabulate_args)
        excess = max((len(line) for line in table.splitlines()), default=0) - width
        if excess <= 0:
            return table
        if not _shrink(rows, [c for c in order if c in cols], shrink, excess):
            droppable = [c for c in drop if c in cols]
            if not droppable:
                return table
            cols.remove(droppable[0])


def _render(rows, headers, cols, tabulate_args) -> str:
    from tabulate import tabulate

    return tabulate([[row[c] for c in cols] for row in rows], headers=[headers[c] for c in cols], **tabulate_args)


def _shrink(rows, order, floors, excess) -> bool:
    """Take `excess` characters from the columns of `order`; False if none can give more."""
    widths = {c: max((len(str(row[c])) for row in rows), default=0) for c in order}
    # The last column of `order` gives up room only when the others are at their floor.
    tiers = [order[:-1], order[-1:]] if len(order) > 1 else [order]
    taken = 0
    for tier in tiers:
        while taken < excess:
            open_cols = [c for c in tier if widths[c] > floors[c]]
            if not open_cols:
                break
            widest = max(open_cols, key=lambda c: widths[c])
            widths[widest] -= 1
            taken += 1
        if taken >= excess:
            break
    if not taken:
        return False
    for row in rows:
        for c in order:
            cell = str(row[c])
            if len(cell) > widths[c]:
                row[c] = _clip_cell(cell, widths[c])
    return True


def _clip_cell(cell: str, width: int) -> str:
    # An author cell keeps its `+N`: the count is what says there are more.
    head, sep, count = cell.rpartition(" +")
    if sep and count.isdigit() and width > len(count) + 6:
        return clip(head, width - len(count) - 2) + f" +{count}"
    return clip(cell, width)
