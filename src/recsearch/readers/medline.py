"""MEDLINE text, PubMed's "PubMed format" download (`.nbib`, `.txt`).

Records are blocks of `TAG - value` lines, each starting with `PMID-`; a
value continues on lines indented by six spaces. `AD` (affiliation) lines
follow the author (`FAU`/`AU`) they belong to.
"""

from __future__ import annotations

import re

from ..record import Author, Record
from .common import clean, given_name_first, doi_url, normalize_doi, language_name, unique, year_of
from .errors import RecordError
from .pubmed import ID_PREFIX

_LINE = re.compile(r"^([A-Z][A-Z0-9]{0,3}) *- ?(.*)$")


def looks_like_medline(text: str) -> bool:
    head = text.lstrip()[:200]
    return bool(re.match(r"PMID- ?\d", head))


def read_medline(text: str, source: str) -> tuple[list[Record], list[tuple[int, str]]]:
    records, problems = [], []
    for position, fields in enumerate(_blocks(text), 1):
        try:
            records.append(medline_record(fields, source, position))
        except RecordError as exc:
            problems.append((position, exc.problem))
    if not records and not problems:
        raise RecordError(source, "no MEDLINE records (`PMID- ` lines) found")
    return records, problems


def _blocks(text: str):
    """Each record as a list of (tag, value), continuation lines joined."""
    fields: list[list[str]] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            continue
        if line.startswith("      ") and fields:
            fields[-1][1] += " " + line.strip()
            continue
        match = _LINE.match(line)
        if not match:
            if fields:
                fields[-1][1] += " " + line.strip()
            continue
        tag, value = match.groups()
        if tag == "PMID" and fields:
            yield [(t, v) for t, v in fields]
            fields = []
        fields.append([tag, value.strip()])
    if fields:
        yield [(t, v) for t, v in fields]


def medline_record(fields: list[tuple[str, str]], source: str, position: int) -> Record:
    values: dict[str, list[str]] = {}
    authors: list[tuple[str, list[str]]] = []  # (name, affiliations)
    early_affiliations: list[str] = []
    short_form_due = False  # an `AU` right after an `FAU` is the same author
    for tag, value in fields:
        values.setdefault(tag, []).append(value)
        if tag == "AU" and short_form_due:
            short_form_due = False
        elif tag in ("FAU", "AU", "CN"):
            authors.append((given_name_first(value) if tag == "FAU" else value, []))
            short_form_due = tag == "FAU"
        elif tag == "AD":
            (authors[-1][1] if authors else early_affiliations).append(value)

    def first(tag: str) -> str | None:
        return clean(values[tag][0]) if tag in values else None

    pmid = first("PMID")
    if not pmid:
        raise RecordError(source, "record without a PMID")
    title = first("TI") or first("BTI")
    if not title:
        raise RecordError(source, f"PMID {pmid}: no title (`TI`)")
    doi = next((v.split()[0] for v in values.get("LID", []) + values.get("AID", []) if v.endswith("[doi]")), None)
    date = first("DP")
    return Record(
        id=ID_PREFIX + pmid,
        title=title,
        summary=first("AB"),
        authors=[Author(clean(name), "; ".join(unique(affs)) or None) for name, affs in authors if clean(name)],
        # `Killer Cells, Natural/*immunology`: the heading, without qualifier and major-topic star.
        subjects=unique([re.sub(r"/.*$", "", v).lstrip("*") for v in values.get("MH", [])] + values.get("OT", [])),
        journal=first("JT") or first("TA"),
        publisher=first("PB"),
        issns=unique(re.sub(r"\s*\(.*\)$", "", v) for v in values.get("IS", [])),
        date=date,
        year=year_of(date),
        volume=first("VI"),
        pages=first("PG"),
        language=language_name(first("LA")),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid.isdigit() else doi_url(doi),
        doi=normalize_doi(doi),
        identifiers={"pmid": pmid, **({"pmcid": first("PMC")} if first("PMC") else {})},
        source=source,
        position=position,
        affiliation_text="; ".join(unique(early_affiliations)) or None,
    )

