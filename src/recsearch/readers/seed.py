"""Read one captured VuFind record page (the `seeds/` format) into a Record.

The page has a public view (title, truncated summary, `Label: | value |` rows)
and a staff view (`solr_field | value |` rows, from `_version_` on). The staff
view is the source of truth; `spelling` carries what the flattening lost.
See docs: the format note in the shared docs (`seed-format.md`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..record import Author, Record
from . import affiliation_seams, boundaries
from .errors import RecordError, decode_record_bytes

_STAFF_START = re.compile(r"^_version_\s*\|")
_STAFF_ROW = re.compile(r"^([a-z_][A-Za-z0-9_]*) \|(.*)$")
_PUBLIC_ROW = re.compile(r"^([A-Z][A-Za-z ]{0,40}):\s*\|(.*)$")
_TABLE_RULE = re.compile(r"^[-|: ]*-[-|: ]*$")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_WORK_KEY = re.compile(r"AT (\S+) (\S+)")
_DIGIT_LED = re.compile(r"\d+(?:st|nd|rd|th|D)\b")
# A digit-led affiliation (`3D Lab`, `1 Discovery Oncology`), maybe followed by the next.
_DIGITS_MAY_OPEN = re.compile(r"\d+(?:st|nd|rd|th|D| )")


@dataclass
class _Page:
    """The two views of a page as raw label → value text."""

    title_line: str = ""
    public: dict[str, str] = field(default_factory=dict)
    staff: dict[str, str] = field(default_factory=dict)
    last_row_closed: bool = True
    last_row: str = ""
    duplicates: list[str] = field(default_factory=list)


def read_seed_record(path: str | Path) -> Record:
    """Read a seed record file; raise RecordError naming the file and problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordError(str(path), f"cannot read file: {exc.strerror or exc}") from None
    return read_seed_bytes(data, str(path))


def read_seed_bytes(data: bytes, source: str) -> Record:
    """Read the bytes of a seed record file."""
    text, warning = decode_record_bytes(data, source)
    record = parse_seed_text(text, source=source)
    if warning:
        record.warnings.insert(0, warning)
    return record


def _close(value: str) -> tuple[str, bool]:
    """Strip a row's closing `|`; say whether it had one."""
    value = value.rstrip()
    if value.endswith("|"):
        return value[:-1].strip(), True
    return value.strip(), False


def _split_page(text: str) -> _Page:
    page = _Page()
    lines = text.split("\n")
    staff_at = next((i for i, line in enumerate(lines) if _STAFF_START.match(line)), None)
    if staff_at is None:
        return page
    public_lines = lines[:staff_at]
    page.title_line = next((line.strip() for line in public_lines if line.strip()), "")

    label, buf = None, []
    for line in public_lines:
        if label is not None:
            stripped = line.strip()
            if stripped.endswith("|"):
                if stripped[:-1].strip():
                    buf.append(stripped[:-1].strip())
                page.public.setdefault(label, "\n".join(buf))
                label = None
            elif stripped and not _TABLE_RULE.match(stripped):
                buf.append(stripped)
            continue
        m = _PUBLIC_ROW.match(line)
        if m:
            rest = m.group(2).strip()
            if rest.endswith("|"):
                page.public.setdefault(m.group(1).strip(), rest[:-1].strip())
            else:
                label, buf = m.group(1).strip(), [rest] if rest else []
        elif line.startswith("Summary:"):
            page.public.setdefault("Summary", line[len("Summary:"):].strip())

    name, parts = None, []
    closed = True

    def flush() -> None:
        if name is None:
            return
        value, ok = _close("\n".join(parts))
        if name in page.staff:
            page.duplicates.append(name)
        else:
            page.staff[name] = value
        page.last_row_closed, page.last_row = ok, name

    for line in lines[staff_at:]:
        m = _STAFF_ROW.match(line)
        if m and closed:
            flush()
            name, parts = m.group(1), [m.group(2)]
        elif name is not None and not (closed and _TABLE_RULE.match(line)):
            parts.append(line)
        else:
            continue
        closed = line.rstrip().endswith("|")
    flush()
    return page


def parse_seed_text(text: str, source: str = "<text>") -> Record:
    """Parse the text of a captured record page into a Record."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise RecordError(source, "empty file")
    page = _split_page(text)
    if not page.staff:
        raise RecordError(source, "not a VuFind record page: no staff view (`_version_ |` row)")
    if not page.last_row_closed:
        raise RecordError(source, f"truncated record: the `{page.last_row}` row is cut off")
    staff, public = page.staff, page.public
    record_id = staff.get("id", "").strip()
    if not record_id:
        raise RecordError(source, "no `id` row: cannot key the record")
    title = next(
        (v for v in (staff.get(k, "") for k in ("title", "title_full", "title_short")) if v.strip()),
        page.title_line,
    ).strip()
    if not title:
        raise RecordError(source, "no title")

    warnings = [f"duplicate `{name}` row ignored" for name in page.duplicates]
    summary = staff.get("description", "").strip()
    if summary.startswith("Summary:"):
        summary = summary[len("Summary:"):].strip()
    if not summary and public.get("Summary"):
        summary = public["Summary"]
        warnings.append("no `description` row: abstract taken from the truncated public summary")

    published = [line for line in public.get("Published", "").split("\n") if line.strip()]
    date = staff.get("publishDate") or next((p for p in published if _YEAR.search(p)), None)
    publisher = staff.get("publisher") or next((p for p in published if p != date), None)
    year_match = _YEAR.search(date or "")
    urls = (staff.get("url") or public.get("Online Access", "")).split()

    record = Record(
        id=record_id,
        title=title,
        summary=summary or None,
        journal=staff.get("series") or public.get("Series") or None,
        publisher=publisher or None,
        issns=staff.get("issn", "").split(),
        date=date or None,
        year=int(year_match.group(1)) if year_match else None,
        language=staff.get("language") or public.get("Language") or None,
        url=urls[0] if urls else None,
        source=source,
        warnings=warnings,
    )
    spelling = staff.get("spelling", "")
    record.subjects, tail_start = _read_subjects(staff, public, spelling, record)
    abstract_at = _abstract_start(spelling, tail_start, staff, urls)
    _read_authors(staff, public, spelling, abstract_at, record)
    return record


def _read_subjects(staff: dict, public: dict, spelling: str, record: Record) -> tuple[list[str], int]:
    """Subjects, and where they start in `spelling` (its length if unknown)."""
    topic = " ".join(staff.get("topic", "").split())
    listed = [s.strip() for s in public.get("Subjects", "").split("\n") if s.strip()]
    if not topic:
        return listed, len(spelling)
    aligned = boundaries.split_joined_from_end(topic, spelling) if spelling else None
    if aligned:
        return aligned
    if listed and " ".join(listed) == topic:
        return listed, len(spelling)
    record.warnings.append("subjects could not be told apart: kept as one")
    return [topic], len(spelling)


def _abstract_start(spelling: str, end: int, staff: dict, urls: list[str]) -> int | None:
    """Where the abstract starts in `spelling`: it is followed by the url(s)."""
    head = spelling[:end]
    for url in reversed(urls):
        if head.endswith(url):
            head = head[: -len(url)]
    description = staff.get("description", "").strip()
    if description:
        if head.endswith(description):
            return len(head) - len(description)
        found = spelling.find(description)
        return found if found >= 0 else None
    return len(head)


def _author_keys(staff: dict) -> list[str]:
    """Author keys from `work_keys_str_mv`, in order, for the first title key."""
    pairs = _WORK_KEY.findall(staff.get("work_keys_str_mv", ""))
    if not pairs:
        return []
    first_title = pairs[0][1]
    return [a for a, t in pairs if t == first_title]


def _expected_count(public: dict) -> int | None:
    for label in ("Main Authors", "Main Author"):
        if label in public:
            return public[label].count(",") + 1
    return None


def _read_authors(staff: dict, public: dict, spelling: str, abstract_at: int | None, record: Record) -> None:
    joined = " ".join((staff.get("author") or staff.get("author_facet") or "").split())
    if not joined:
        return
    expected = _expected_count(public)
    keys = _author_keys(staff)
    by_keys = boundaries.split_by_keys(joined, keys) if keys else None
    aligned = _align_in_spelling(joined, spelling, record.title) if spelling else None

    # Names from the alignment carry affiliation numbers; from the keys, none.
    trusted = aligned is not None
    if aligned and by_keys and aligned[0] != by_keys:
        record.warnings.append("author boundaries in `spelling` and the author keys disagree")
        trusted = len(aligned[0]) == expected and len(by_keys) != expected
    if aligned and trusted:
        names = aligned[0]
    elif by_keys:
        names = by_keys
    else:
        names = [joined]
        if expected != 1:
            record.warnings.append("could not split the author list: kept as one name")
    if expected is not None and expected != len(names):
        record.warnings.append(f"found {len(names)} authors where the page shows {expected}")
        trusted = False

    if aligned is None or abstract_at is None:
        record.authors = [Author(name) for name in names]
        return
    _, numbers, aff_start = aligned
    expected_number = max((n for n in numbers[:-1] if n is not None), default=-1) + 1
    last, after = boundaries.last_number(spelling, aff_start, expected_number)
    readings = [([*numbers[:-1], last], after)]
    if last is not None and _DIGIT_LED.match(spelling, aff_start):
        # `…Name1` + `1st Lab…`: the digits may open the first affiliation of
        # an unaffiliated last author. Second choice, used only if it splits
        # with fewer guessed (weak) seams than the first.
        readings.append(([*numbers[:-1], None], aff_start))
    regions = [spelling[start:abstract_at].strip() if abstract_at >= start else "" for _, start in readings]
    chosen = _choose_split(readings, regions, trusted)
    if chosen:
        numbers, affiliations = chosen
        record.authors = [Author(name, affiliations.get(num)) for name, num in zip(names, numbers)]
        return
    numbers = readings[0][0]
    # Digits read as the last author's number that may open the first
    # affiliation stay with the text when other authors are numbered: a stray
    # number in kept-whole text is better than a lost one. The affiliations are
    # concatenated, so no word boundary need follow (`…Aa3` + `DAa…` may be
    # `…Aa` + `3D` + `Aa…`).
    keep_digits = (last is not None and _DIGITS_MAY_OPEN.match(spelling, aff_start)
                   and any(n is not None for n in numbers[:-1]))
    region = (spelling[aff_start:abstract_at].strip() if abstract_at >= aff_start else "") if keep_digits else regions[0]
    ids = {n for n in numbers if n is not None}
    record.authors = [Author(name) for name in names]
    record.affiliation_text = region or None
    if trusted and ids and region:
        record.warnings.append(f"affiliations could not be split among {len(ids)} authors: kept whole")


def _choose_split(readings, regions, trusted: bool):
    """(numbers, {number: affiliation}) of the one reading that splits with
    confidence, or None (keep the affiliations whole).

    With one reading, any split of the right count will do. With two (the
    last author's number may be the start of the first affiliation), an
    affiliation cannot start in lower case (`st Hospital…`), and otherwise
    only a split at strong seams alone, from exactly one reading, counts.
    """
    splits = []
    for (numbers, _), region in zip(readings, regions):
        ids = sorted({i for i in numbers if i is not None})
        found = affiliation_seams.split_affiliations_weighed(region, len(ids)) if trusted and ids else None
        splits.append((numbers, dict(zip(ids, found[0])), found[1]) if found else None)
    if len(readings) == 2 and regions[1] and not any(n is not None for n in readings[1][0]):
        readings, splits = readings[:1], splits[:1]  # text left over with no author to hold it
    if len(readings) == 1:
        return splits[0][:2] if splits[0] else None
    if regions[0][:1].islower():
        return splits[1][:2] if splits[1] else None
    confirmed = [r for r in (0, 1) if _opening_recurs(regions[r], regions[0])]
    if len(confirmed) == 1:
        found = splits[confirmed[0]]
        return found[:2] if found else None
    sure = [found for found in splits if found and found[2] == 0 and len(found[1]) > 1]
    return sure[0][:2] if len(sure) == 1 else None


def _opening_recurs(region: str, text: str) -> bool:
    """Whether the first affiliation of `region` opens another one of `text`
    too (at a seam): authors sharing an address repeat it word for word, so
    `1st Department of Pathology…` found again after `…Hungary.` shows that
    `10` + `1st Department…` is a number and an address, not `101st…`."""
    opening = region[:24]
    if len(opening) < 24:
        return False
    strong, weak = affiliation_seams.affiliation_cuts(text)
    at = text.find(opening, 1)
    while at >= 0:
        if at in strong or at in weak:
            return True
        at = text.find(opening, at + 1)
    return False


def _align_in_spelling(joined: str, spelling: str, title: str) -> tuple[list[str], list[int | None], int] | None:
    """Align the author list in `spelling`, right after the title if possible."""
    starts = []
    at = spelling.find(title)
    if at >= 0:
        starts.append(at + len(title))
    first = joined.split(" ", 1)[0]
    at = spelling.find(first)
    while at >= 0 and len(starts) < 20:
        starts.append(at)
        at = spelling.find(first, at + 1)
    for start in starts:
        aligned = boundaries.align_names(joined, spelling, start)
        if aligned is not None:
            return aligned
    return None
