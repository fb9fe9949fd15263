"""RIS, the tagged format every reference manager and database exports.

`rispy` maps tags to fields and joins values; it finds no record whose tag
line has one space (`TY - JOUR`) or that lacks its closing `ER`, and keeps
only the first of a repeated single-valued tag (`AD` per author). So records
are cut here first (BOM, CRLF, junk lines between records, numbered `1.`
lines, a missing `ER`), each handed to rispy in canonical form, and the order
of the tags is kept to pair each `AD` with the author line it follows.
"""

from __future__ import annotations

import hashlib
import re

from ..record import Author, Record
from .common import accession, add_record, clean, doi_url, given_name_first, iso_date, language_name, normalize_doi, unique, year_of
from .errors import NotBibliographic, RecordError

# `TY  - JOUR`, `TY - JOUR`, `ER  -`, `SP  -` (empty): a tag, spaces, a dash.
_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])[ \t]{1,3}-(?:[ \t](.*))?[ \t]*$")
_SNIFF = re.compile(r"(?m)^\ufeff?[ \t]*TY[ \t]{1,3}-[ \t]?\S")
_ISSN = re.compile(r"\b(\d{4}-?\d{3}[\dXx])\b")
_ISBN = re.compile(r"\b(97[89][\d-]{10,14}|\d[\d-]{8,11}[\dXx])\b")
_DATE = re.compile(r"(1[5-9]\d\d|20\d\d)(?:[/-](\d{1,2})?(?:[/-](\d{1,2})?)?)?")
_DOI_IN = re.compile(r"10\.\d{3,9}/\S+")
# Tags read as lists, so that a repeated one is not dropped.
_LIST_TAGS = ["A1", "A2", "A3", "A4", "AU", "KW", "N1", "UR", "AD", "SN", "DO", "L1", "L2", "L3", "AN", "C2",
              "TI", "T1", "ST", "BT", "CT", "JO", "JF", "JA", "J2", "J1", "T2", "PY", "Y1", "DA", "LA", "M3"]
_AUTHOR_TAGS = ("AU", "A1")
ID_PREFIX = "ris-"


def looks_like_ris(text: str) -> bool:
    """A `TY  - ` line opening a record, and another tag line after it."""
    match = _SNIFF.search(text)
    return bool(match) and any(_TAG_LINE.match(line) for line in text[match.end():].splitlines()[1:20])


def read_ris(text: str, source: str) -> tuple[list[Record], list[tuple[int, str]], list[str]]:
    records, problems, warnings = [], [], []
    for position, block in enumerate(ris_blocks(text), 1):
        add_record((records, problems, warnings), position, "record", lambda: ris_record(block, source, position))
    if not records and not problems and not warnings:
        raise RecordError(source, "no RIS records (`TY  - ` lines) found")
    return records, problems, warnings


def ris_blocks(text: str):
    """Each record as a list of [tag, [lines]], from `TY` to `ER` (or the next `TY`, or the end)."""
    block: list[list] | None = None
    for line in re.split(r"\r\n|\r|\n", text):
        line = line.lstrip("\ufeff").rstrip()
        match = _TAG_LINE.match(line)
        if match:
            tag, value = match.group(1), (match.group(2) or "").strip()
            if tag == "TY":
                if block:
                    yield block
                block = [["TY", [value]]]
            elif block is None:
                continue
            elif tag == "ER":
                yield block
                block = None
            else:
                block.append([tag, [value] if value else []])
        elif block is not None and line.strip():
            # A value going on: indented, or not (EndNote's keywords, one a line).
            block[-1][1].append(line.strip())
    if block:
        yield block


def _canonical(block: list[list]) -> str:
    lines = []
    for tag, values in block:
        values = values or [""]
        lines.append(f"{tag}  - {values[0]}")
        lines.extend(values[1:])
    return "\n".join(lines + ["ER  - ", ""])


def ris_record(block: list[list], source: str, position: int) -> Record:
    import rispy

    if not block[0][1] or not block[0][1][0]:
        block[0][1] = ["GEN"]
    try:
        entries = rispy.loads(_canonical(block), list_tags=_LIST_TAGS)
    except Exception as exc:  # rispy raises its own and plain errors on what it refuses
        raise RecordError(source, f"unreadable RIS record: {str(exc)[:80]}") from None
    if len(entries) != 1:
        raise RecordError(source, "unreadable RIS record")
    entry = entries[0]

    def values(*names: str) -> list[str]:
        found = []
        for name in names:
            # Tags rispy does not map (`BT`, `CT`, `J1`, `L3`) it keeps under `unknown_tag`.
            value = (entry.get(rispy.TAG_KEY_MAPPING[name]) if name in rispy.TAG_KEY_MAPPING
                     else entry.get("unknown_tag", {}).get(name))
            found += [clean(v) for v in (value if isinstance(value, list) else [value]) if clean(v)]
        return found

    def first(*names: str) -> str | None:
        found = values(*names)
        return found[0] if found else None

    kind = (first("TY") or "GEN").upper()
    title = first("TI", "T1", "CT") or (first("BT") if kind in ("BOOK", "EBOOK") else None) or first("ST", "BT")
    authors, addresses = _authors(block)
    if not title and not authors:
        # rispy's and EndNote's test stubs, a DOI alone: nothing to find a work by.
        raise NotBibliographic(source, "no title and no authors: not indexed")
    if not title:
        raise RecordError(source, "no title (`TI`, `T1`, `CT`, `BT` or `ST`)")
    container = first("JF", "JO", "T2", "JA", "J2", "J1", "BT") if kind not in ("BOOK", "EBOOK") else first("T3", "T2")
    date_text = first("PY", "Y1", "DA")
    date = _date(values("DA", "PY", "Y1"))
    dois = [d for d in (normalize_doi(v) for v in values("DO", "M3", "UR", "L3", "N1") if _DOI_IN.search(v)) if d]
    issns, identifiers = [], {}
    for value in values("SN"):
        found = _ISSN.findall(value) if not re.search(r"97[89]-?\d", value) else []
        issns += [i if "-" in i else f"{i[:4]}-{i[4:]}" for i in found]
        if not found and _ISBN.search(value):
            identifiers.setdefault("isbn", _ISBN.search(value).group(1))
    for value in values("AN"):
        database = " ".join(str(entry.get(k, "")) for k in ("name_of_database", "database_provider"))
        identifiers.setdefault(*accession(value, database))
    pmcid = next((v for v in values("C2") if v.upper().startswith("PMC")), None)
    if pmcid:
        identifiers["pmcid"] = pmcid
    urls = [u.strip() for v in values("UR") for u in v.split(";") if u.strip().startswith(("http", "www"))]
    # `KW  - a; b` in one line (EBSCO, Mendeley); Ovid stars a major heading (`*athlete`).
    subjects = [k.strip().lstrip("*") for v in values("KW") for k in (v.split(";") if ";" in v else [v])]
    key = "\x1f".join(f"{tag}\x1e{chr(10).join(vals)}" for tag, vals in block)
    return Record(
        id=ID_PREFIX + hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest(),
        title=title,
        summary=first("AB", "N2"),
        authors=authors,
        subjects=unique(subjects),
        journal=container,
        publisher=first("PB"),
        issns=unique(issns),
        date=date or clean(date_text),
        year=year_of(date or date_text),
        volume=first("VL"),
        pages="-".join(values("SP")[:1] + values("EP")[:1]) or None,
        language=language_name(first("LA")),
        url=urls[0] if urls else doi_url(dois[0] if dois else None),
        doi=dois[0] if dois else None,
        identifiers=identifiers,
        source=source,
        position=position,
        affiliation_text=addresses or None,
    )


def _authors(block: list[list]) -> tuple[list[Author], str]:
    """`AU`/`A1` names in order (secondary `A2`… only when there are none), and
    the record's addresses. `AD` lines go to authors only when they alternate
    with the names (`AU a, AD x, AU b, AD y`) or there is one author: one `AD`
    after a list of names is everyone's (EndNote, Mendeley, Scopus)."""
    tags = _AUTHOR_TAGS if any(t in _AUTHOR_TAGS for t, _ in block) else ("A2", "A3", "A4")
    found: list[list] = []
    paired, loose, previous = [], [], None
    for tag, vals in block:
        if tag in tags:
            for value in vals:
                names = value.split(";") if value.count(";") and "," in value else [value]
                found += [[given_name_first(n.strip()), None] for n in names if clean(n)]
        elif tag == "AD" and vals:
            if previous in tags and found:
                paired.append((len(found) - 1, list(vals)))
            elif previous == "AD" and paired and paired[-1][0] == len(found) - 1:
                paired[-1][1].extend(vals)
            else:
                loose += vals
        previous = tag
    if len(found) == 1:  # a single author: every address is theirs
        found[0][1] = clean("; ".join(unique([v for _, vals in paired for v in vals] + loose))) or None
        loose = []
    elif len(paired) >= 2:
        for index, vals in paired:
            found[index][1] = clean("; ".join(vals))
    else:
        loose = [v for _, vals in paired for v in vals] + loose
    return [Author(clean(name), aff) for name, aff in found if clean(name)], "; ".join(unique(loose))


def _date(values: list[str]) -> str | None:
    """`2020/03/05/`, `2020///`, `2020-03-05`, `2014//Spring`, `March 5, 2020`: the fullest ISO date found."""
    best = None
    for value in values:
        match = _DATE.search(value)
        if match:
            month = match.group(2)
            if month is None:
                named = re.search(r"[A-Za-z]{3,}", value)
                month = named.group(0) if named else None
                day = re.search(r"(?<!\d)(\d{1,2})(?!\d)", value.replace(match.group(1), "")) if month else None
                found = iso_date(match.group(1), month, day.group(1) if day else None)
            else:
                found = iso_date(match.group(1), month, match.group(3))
            if found and (best is None or len(found) > len(best)):
                best = found
    return best
