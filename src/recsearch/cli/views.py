"""The text views of the query commands: hit tables and blocks, facets, history, people, one record.

Each takes `width`, the terminal's (None in a pipe, where lines are not
fitted but record fields are capped), and returns the text to print.
"""

from __future__ import annotations

import re
import shlex

from .terminal import PIPE_CAPS, clip, fit_table, names_cell, wrap

_STYLE = re.compile(r"\x1b\[[0-9;]*m")
PIPE_BLOCK_WIDTH = 100  # hit blocks wrap as prose in a pipe too


def hit_table(hits, width: int | None, ids: bool = False) -> str:
    """Rank, year, first author (+N), title, journal (and id); the title keeps the most room.

    On a terminal, ids too long for a column beside a readable title go on a line of
    their own under it, whole: an id is there to be copied."""
    headers = ["#", "Year", "First author", "Title", "Journal"]
    author_cap = PIPE_CAPS["author"] if width is None else 10_000
    rows = [[n, h.year or "", names_cell(h.authors, author_cap), h.title, h.journal or ""]
            for n, h in enumerate(hits, 1)]
    if ids:
        table = _fitted_hits([row + [hit.id] for row, hit in zip(rows, hits)], headers + ["Id"], width)
        if width is None or _title_keeps_room(table, hits):
            return table
        return _with_id_lines(_fitted_hits(rows, headers, width), hits, width)
    return _fitted_hits(rows, headers, width)


# The title characters an id column may leave at least (and no fewer than the id's),
# else ids go under the titles: a PubMed id leaves 25 at 80 columns, a DataCite DOI 7.
TITLE_ROOM = 24


def _fitted_hits(rows, headers, width):
    caps = {3: PIPE_CAPS["title"], 4: PIPE_CAPS["journal"]}
    # Authors and journal give up room first, the title last.
    return fit_table(rows, headers, width, shrink={2: 16, 4: 10, 3: 20}, drop=(4, 2), caps=caps,
                     tablefmt="simple")


def _columns(table: str) -> list[tuple[int, int]]:
    """(start, width) of each column, from the rule under the headers."""
    rule = table.splitlines()[1]
    return [(m.start(), len(m.group())) for m in re.finditer(r"-+", rule)]


def _title_keeps_room(table: str, hits) -> bool:
    """Whether the table kept every column and left the title its room beside the ids."""
    columns = _columns(table)
    longest = max((len(h.title or "") for h in hits), default=0)
    return len(columns) == 6 and columns[3][1] >= min(longest, max(TITLE_ROOM, columns[5][1]))


def _with_id_lines(table: str, hits, width: int) -> str:
    lines = table.splitlines()
    if len(lines) < 2 + len(hits):  # no hits, or a row on many lines: nothing to place under
        return table
    start = _columns(table)[3][0]
    out = lines[:2]
    for line, hit in zip(lines[2:], hits):
        shown = f"id: {hit.id}"
        out += [line, " " * max(0, min(start, width - len(shown))) + shown]
    return "\n".join(out)


def wrap_styled(text: str, width: int | None, indent: str, first: str) -> list[str]:
    """Wrap text that may hold ANSI styles, measuring only what shows."""
    width = width or PIPE_BLOCK_WIDTH
    lines, line, shown, empty = [], first, len(first), True
    for word in text.split():
        size = len(_STYLE.sub("", word))
        if shown + (not empty) + size > width and not empty:
            lines.append(line)
            line, shown, empty = indent, len(indent), True
        if shown + (not empty) + size <= width:
            line, shown = line + " " * (not empty) + word, shown + (not empty) + size
        else:  # a word longer than a line: cut it
            for i, piece in enumerate(_pieces(word, width - max(len(first), len(indent)))):
                if i:
                    lines.append(line)
                    line, shown = indent, len(indent)
                line, shown = line + piece, shown + len(_STYLE.sub("", piece))
        empty = False
    lines.append(line)
    return [ln.rstrip() for ln in lines]


def _pieces(word: str, room: int) -> list[str]:
    """`word` cut into parts of at most `room` visible characters, styles kept whole."""
    parts, part, shown = [], "", 0
    for token in re.split(r"(\x1b\[[0-9;]*m)", word):
        if _STYLE.fullmatch(token):
            part += token
            continue
        for ch in token:
            if shown == room:
                parts.append(part)
                part, shown = "", 0
            part, shown = part + ch, shown + 1
    parts.append(part)
    return parts


def hit_blocks(hits, width: int | None, snippets: bool, explain: bool, bold: bool) -> str:
    """One block per hit: title line, authors and journal, snippet, what matched, wrapped and indented."""
    from ..search.matches import Snippet, render_snippet

    fit = width or PIPE_BLOCK_WIDTH
    indent = "    "
    out = []
    for n, hit in enumerate(hits, 1):
        year = f" ({hit.year})" if hit.year else ""
        out += wrap(f"{clip(hit.title, PIPE_CAPS['title'])}{year}", fit, indent, f"{n:>2}. ")
        out += wrap(_byline(hit, fit - len(indent)), fit, indent + "  ", indent)
        if snippets and hit.snippet:
            s = hit.snippet
            text = render_snippet(Snippet(s["field"], s["text"], [tuple(h) for h in s["highlights"]]), bold)
            out += wrap_styled(text, fit, indent + "  ", f"{indent}{s['field']}: ")
        if explain:
            parts = []
            for m in hit.matched or []:
                words = []
                for word, term in zip(m["words"], m["terms"]):
                    origin = m.get("expanded_from", {}).get(term)
                    words.append(f"{word} (from {origin})" if origin else word)
                parts.append(f"{m['field']}: {', '.join(dict.fromkeys(words))}")
            text = "; ".join(parts) or "no listed field (a filter, #N or a range)"
            out += wrap(text, fit, indent + "  ", f"{indent}matched: ")
        out.append("")
    return "\n".join(out).rstrip()


def _byline(hit, room: int) -> str:
    """Authors · journal · id on one line of `room`: the journal, then the authors, are clipped, never the id."""
    author, journal = names_cell(hit.authors, PIPE_CAPS["author"]), clip(hit.journal, PIPE_CAPS["journal"])
    over = len(" · ".join(v for v in (author, journal, hit.id) if v)) - room
    if over > 0 and journal:
        journal = clip(journal, max(len(journal) - over, 10))
        over = len(" · ".join(v for v in (author, journal, hit.id) if v)) - room
    if over > 0 and author:
        author = names_cell(hit.authors, max(len(author) - over, 12))
    return " · ".join(v for v in (author, journal, hit.id) if v)


def facet_text(facets: dict, width: int | None) -> str:
    """Each facet's values and counts, a value clipped to what the terminal leaves it."""
    out = []
    for name, rows in facets.items():
        out.append(name.capitalize())
        if not rows:
            out.append("  (no values)")
        else:
            count_width = max(len(str(r["count"])) for r in rows)
            room = PIPE_CAPS["value"] if width is None else width - 2 - 2 - count_width
            values = [clip(r["value"], room) for r in rows]
            value_width = max(len(v) for v in values)
            out += [f"  {v:<{value_width}}  {r['count']:>{count_width}}" for v, r in zip(values, rows)]
        out.append("")
    return "\n".join(out).rstrip()


def history_table(entries, width: int | None) -> str:
    """The numbered searches: query, options, hits, when; options shrink before the query."""
    rows = []
    for e in entries:
        options = (["--any"] if e.match_any else []) + [
            f"--{k} {shlex.quote(v)}" for k, values in e.filters.items() for v in values]
        rows.append([f"#{e.number}", e.query, " ".join(options), e.hits,
                     e.at.replace("T", " ").replace("+00:00", "Z")])
    return fit_table(rows, ["#", "Query", "Options", "Hits", "Run (UTC)"], width, shrink={2: 8, 1: 16},
                     caps={1: PIPE_CAPS["text"], 2: PIPE_CAPS["value"]}, tablefmt="simple")


def people_text(matches, width: int | None, records: bool, explain: bool) -> str:
    """`recsearch author`: each person with variants, affiliations, why grouped, and records."""
    fit = width or 10_000
    out = []
    for n, match in enumerate(matches, 1):
        count = len(match.records)
        tail = f"  (score {match.score:.0f}, {count} record{'s' * (count != 1)})"
        name_room = (width - len(tail) - len(f"{n}. ")) if width else PIPE_CAPS["text"]
        out.append(f"{n}. {clip(match.name, max(name_room, 12))}{tail}")
        if len(match.variants) > 1:
            out += wrap("; ".join(match.variants), width, " " * 13, "   variants: ")
        label = "   affiliation: "
        room = (width - len(label)) if width else PIPE_CAPS["text"]
        for affiliation in match.affiliations[:5]:
            out.append(label + clip(affiliation, room))
        if len(match.affiliations) > 5:
            out.append(f"   … {len(match.affiliations) - 5} more affiliations (--json lists all)")
        if explain:
            for why in match.why or ["a single name variant"]:
                out += wrap(why, width, " " * 12, "   grouped: ")
        if records and match.record_details:
            rows = [[d["year"] or "", d["id"], d["title"]] for d in match.record_details]
            table = fit_table(rows, ["", "", ""], fit - 3 if width else None, shrink={2: 12},
                              caps={2: PIPE_CAPS["title"]}, tablefmt="plain")
            out += ["   " + line for line in table.splitlines()]
        out.append("")
    return "\n".join(out).rstrip()


def record_text(record, width: int | None) -> str:
    """`recsearch show`: one record in full, each line wrapped to the terminal (or COLUMNS; else 100)."""
    width = min(width, 100) if width else 100

    def labelled(label: str, value: str) -> list[str]:
        return wrap(value, width, " " * 11, f"{label:<11}")

    out = wrap(record.title, width)
    out += ["=" * min(len(record.title), width), ""]
    out += labelled("Id", record.id)
    for label, value in (
        ("Journal", record.journal), ("Publisher", record.publisher), ("Date", record.date),
        ("ISSN", ", ".join(record.issns)), ("Language", record.language), ("DOI", record.doi), ("URL", record.url),
        ("Subjects", "; ".join(record.subjects)),
        ("Source", f"{record.source}, record {record.position}" if record.position else record.source),
    ):
        if value:
            out += labelled(label, value)
    out += ["", f"Authors ({len(record.authors)})"]
    for n, author in enumerate(record.authors, 1):
        out += wrap(author.name, width, " " * 6, f"{n:>4}. ")
        if author.affiliation:
            out += wrap(author.affiliation, width, " " * 8)
    if record.affiliation_text:
        out += ["", "Affiliations (not split per author)", *wrap(record.affiliation_text, width, "  ")]
    if record.summary:
        out += ["", "Abstract", *wrap(record.summary, width, "  ")]
    return "\n".join(out)


def labelled_lines(rows: list[tuple[str, object]], width: int | None, label_width: int = 18) -> str:
    """`Label:   value` lines (stats), a long value wrapped under itself."""
    out = []
    for label, value in rows:
        out += wrap(str(value), width, " " * label_width, f"{label + ':':<{label_width}}")
    return "\n".join(out)
