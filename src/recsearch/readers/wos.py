"""Web of Science field-tagged plain text (`FN Clarivate…`, `PT J` … `ER`, `EF`).

A tag is two characters and a space; a value goes on in lines indented by
three spaces, one name or address a line. `C1 [Family, Given; …] Address`
gives each address its authors (the `AF` full names), so affiliations are
per author; an address without brackets is the record's. Keyed
`wos-<UT accession number>`, else a digest.
"""

from __future__ import annotations

import hashlib
import re

from ..record import Author, Record
from .common import clean, doi_url, given_name_first, iso_date, language_name, normalize_doi, read_each, unique, year_of
from .errors import RecordError

_TAG = re.compile(r"^([A-Z][A-Z0-9]) (.*)$|^([A-Z][A-Z0-9])$")
ID_PREFIX = "wos-"


def looks_like_wos(text: str) -> bool:
    head = text.lstrip("\ufeff \r\n")[:4000]
    return bool(re.match(r"(FN |VR |PT [A-Z]\s)", head)) and bool(re.search(r"(?m)^PT [A-Z]\s*$", head))


def read_wos(text: str, source: str) -> tuple[list[Record], list[tuple[int, str]]]:
    return read_each(_blocks(text), source, wos_record, "no Web of Science records (`PT` … `ER`) found")


def _blocks(text: str):
    """Each record as {tag: [lines]}, from `PT` to `ER`."""
    fields: dict[str, list[str]] | None = None
    tag = None
    for line in re.split(r"\r\n|\r|\n", text.lstrip("\ufeff")):
        if line.startswith("   ") and fields is not None and tag:
            fields[tag].append(line.strip())
            continue
        match = _TAG.match(line.rstrip())
        if not match:
            continue
        tag, value = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), "")
        if tag == "PT":
            if fields:
                yield fields
            fields = {}
        if fields is None:
            continue
        if tag == "ER":
            yield fields
            fields, tag = None, None
            continue
        fields.setdefault(tag, []).append(value.strip())
    if fields:
        yield fields


def wos_record(fields: dict[str, list[str]], source: str, position: int) -> Record:
    def joined(tag: str, sep: str = " ") -> str | None:
        return clean(sep.join(fields.get(tag, []))) if fields.get(tag) else None

    title = joined("TI")
    if not title:
        raise RecordError(source, "record without a title (`TI`)")
    full = [given_name_first(n) for n in fields.get("AF", [])]
    short = [given_name_first(n) for n in fields.get("AU", [])]
    names = full or short or [clean(n) for n in fields.get("CA", [])]
    by_name: dict[str, list[str]] = {}
    loose = []
    for people, address in _addresses(fields.get("C1", [])):
        if people:
            for person in people:
                by_name.setdefault(given_name_first(person).casefold(), []).append(address)
        else:
            loose.append(address)
    authors = [Author(n, "; ".join(unique(by_name.get(n.casefold(), []))) or None) for n in names if n]
    if len(authors) == 1 and loose and not authors[0].affiliation:
        authors, loose = [Author(authors[0].name, "; ".join(unique(loose)))], []
    year = joined("PY")
    date = iso_date(year, *(_month_day(joined("PD") or ""))) if year_of(year) else None
    doi = normalize_doi(joined("DI"))
    identifiers = {}
    accession = joined("UT")
    if accession:
        identifiers["wos"] = accession.removeprefix("WOS:").removeprefix("ISI:")
    for tag, kind in (("PM", "pmid"), ("BN", "isbn")):
        if joined(tag):
            identifiers[kind] = joined(tag)
    if accession:
        record_id = ID_PREFIX + identifiers["wos"].lower()
    else:
        key = "\x1f".join(f"{t}\x1e{chr(10).join(v)}" for t, v in fields.items())
        record_id = ID_PREFIX + hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()
    keywords = [k.strip() for tag in ("DE", "ID") for k in (joined(tag) or "").split(";")]
    return Record(
        id=record_id,
        title=title,
        summary=joined("AB"),
        authors=authors,
        subjects=unique(keywords),
        journal=joined("SO") or joined("SE"),
        publisher=joined("PU"),
        issns=unique(v for tag in ("SN", "EI") for v in fields.get(tag, [])),
        date=date,
        year=year_of(year),
        language=language_name(joined("LA")),
        url=doi_url(doi),
        doi=doi,
        identifiers=identifiers,
        source=source,
        position=position,
        affiliation_text="; ".join(unique(loose)) or None,
    )


def _addresses(lines: list[str]):
    """(names, address) for each `C1` address: `[A, B; C, D] Univ X` → ([`A, B`, `C, D`], `Univ X`)."""
    for line in lines:
        match = re.match(r"^\[([^\]]*)\]\s*(.*)$", line)
        if match:
            yield [n.strip() for n in match.group(1).split(";") if n.strip()], clean(match.group(2)).rstrip(".")
        elif clean(line):
            yield [], clean(line).rstrip(".")


def _month_day(text: str) -> tuple[str | None, str | None]:
    """`MAR 15`, `MAR`, `SPR`, `2019 MAR` → (month, day)."""
    month = re.search(r"\b(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)", text.upper())
    day = re.search(r"\b([0-3]?\d)\b", text)
    return (month.group(1) if month else None), (day.group(1) if day and month else None)
