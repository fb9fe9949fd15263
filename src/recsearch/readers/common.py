"""Small helpers the structured readers share: text clean-up, dates, languages, DOIs."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from .errors import NotBibliographic, RecordError

_SPACE = re.compile(r"\s+")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def clean(text: str | None) -> str | None:
    """Collapse runs of white space; None for nothing left."""
    if text is None:
        return None
    text = _SPACE.sub(" ", str(text)).strip()
    return text or None


def year_of(text: str | None) -> int | None:
    match = _YEAR.search(text or "")
    return int(match.group(1)) if match else None


def iso_date(year: str | int | None, month: str | int | None = None, day: str | int | None = None) -> str | None:
    """`2008`, `2008-04` or `2008-04-09` from parts; month names (`Apr`) allowed."""
    y = year_of(str(year)) if year else None
    if y is None:
        return None
    m = _month(month)
    if m is None:
        return str(y)
    try:
        d = int(str(day)) if day else None
    except ValueError:
        d = None
    return f"{y}-{m:02d}-{d:02d}" if d and 1 <= d <= 31 else f"{y}-{m:02d}"


def _month(month: str | int | None) -> int | None:
    if month is None:
        return None
    text = str(month).strip().lower()
    if text.isdigit():
        number = int(text)
        return number if 1 <= number <= 12 else None
    return _MONTHS.get(text[:3])


@lru_cache(maxsize=512)
def language_name(code: str | None) -> str | None:
    """`EN`, `eng`, `fre` → `English`, `English`, `French`; names pass through."""
    code = clean(code)
    if not code:
        return None
    if len(code) in (2, 3) and code.isalpha():
        import pycountry

        lower = code.lower()
        found = (pycountry.languages.get(alpha_2=lower) if len(lower) == 2
                 else pycountry.languages.get(alpha_3=lower) or pycountry.languages.get(bibliographic=lower))
        if found is not None:
            # `Spanish; Castilian` → `Spanish`
            return found.name.split(";")[0].strip()
    return code[:1].upper() + code[1:]


_DOI_PREFIX = re.compile(r"^(?:(?:https?://)?(?:dx\.|www\.)?doi\.org/|doi:\s*|info:doi/)", re.I)
# Publishers' own resolvers: `http://doi.acm.org/10.1145/…`, `https://doi.wiley.com/10.1002/…`.
_DOI_HOST = re.compile(r"^https?://[^/\s]*\bdoi\b[^/\s]*/(?=10\.)", re.I)


def normalize_doi(doi: str | None) -> str | None:
    """`https://doi.org/10.1038/ABC`, `doi:10.1038/abc` → `10.1038/abc`; None if not a DOI."""
    doi = clean(doi)
    if not doi:
        return None
    doi = _DOI_HOST.sub("", _DOI_PREFIX.sub("", doi)).strip()
    doi = doi.split()[0] if doi else doi
    from urllib.parse import unquote

    doi = unquote(doi) if "%" in doi else doi
    return doi.lower() if re.match(r"10\.\d{3,9}/\S", doi) else None


def doi_url(doi: str | None) -> str | None:
    doi = clean(doi)
    if not doi:
        return None
    doi = _DOI_PREFIX.sub("", doi)
    return f"https://doi.org/{doi}"


def unique(values) -> list[str]:
    """Non-empty cleaned values, first occurrence kept, order kept."""
    kept, seen = [], set()
    for value in values:
        value = clean(value)
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            kept.append(value)
    return kept


def given_name_first(name: str) -> str:
    """`Hernández-Blanco, Clara` → `Clara Hernández-Blanco`, as the other formats write names."""
    if "," in name:
        family, given = name.split(",", 1)
        return f"{given.strip()} {family.strip()}".strip()
    return name.strip()


def accession(value: str, database: str = "") -> tuple[str, str]:
    """An accession number as (kind, value): `WOS:000…`, `ISI:000…` → `wos`, `2-s2.0-…` → `scopus`,
    digits from PubMed/MEDLINE → `pmid`, anything else `accession`."""
    if value.upper().startswith(("WOS:", "ISI:")):  # ISI: the older Web of Science prefix
        return "wos", value[4:]
    if value.startswith("2-s2.0-"):
        return "scopus", value
    if value.isdigit() and re.search(r"pubmed|medline|\bnlm\b", database, re.I):
        return "pmid", value
    return "accession", value


# What a reader's record-making may raise on a field in a shape its format does not allow.
UNREADABLE = (ValueError, TypeError, AttributeError, IndexError)


def add_record(found: tuple[list, list, list], position: int, label: str, make: Callable[[], object],
               unreadable: str | None = None) -> None:
    """Make one record of a file and file it in (records, problems, warnings): a record that
    is not bibliographic is a warning, a bad one a problem; with `unreadable` (what a record
    is called), an UNREADABLE error is a problem too rather than the whole file's."""
    records, problems, warnings = found
    try:
        record = make()
    except NotBibliographic as exc:
        warnings.append(f"{label} {position}: {exc.problem}")
        return
    except RecordError as exc:
        problems.append((position, exc.problem))
        return
    except UNREADABLE as exc:
        if unreadable is None:
            raise
        problems.append((position, f"unreadable {unreadable} ({type(exc).__name__}: {str(exc)[:60]})"))
        return
    records.append(record)


def read_csv_rows(text: str, source: str, required: tuple[str, ...], kind: str,
                  make: Callable[[dict, str, int], object]) -> tuple[list, list[tuple[int, str]]]:
    """The records of a CSV file with a header, one per row made by `make(row, source, position)`,
    and the problems of the rows that are not one. `kind` names the file in the refusal of a
    file without the `required` columns."""
    import csv
    import io

    csv.field_size_limit(1 << 27)  # abstracts can be long; a record file is not a bomb at 128 MB
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise RecordError(source, f"not a {kind}: no {', '.join(missing)} column")
    records, problems = [], []
    try:
        for position, row in enumerate(reader, 1):
            try:
                records.append(make(row, source, position))
            except RecordError as exc:
                problems.append((position, exc.problem))
    except csv.Error as exc:
        problems.append((len(records) + len(problems) + 1, f"broken CSV ({exc}); the rest of the file is not read"))
    return records, problems


def read_each(items, source: str, make: Callable[[object, str, int], object],
              nothing_found: str) -> tuple[list, list[tuple[int, str]]]:
    """The records made by `make(item, source, position)` of each item, and the problems of the
    items that are not one; a file with neither is refused with `nothing_found`."""
    records, problems = [], []
    for position, item in enumerate(items, 1):
        try:
            records.append(make(item, source, position))
        except RecordError as exc:
            problems.append((position, exc.problem))
    if not records and not problems:
        raise RecordError(source, nothing_found)
    return records, problems
