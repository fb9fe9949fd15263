"""Records to the formats reference managers import: RIS, BibTeX, CSV, JSON Lines.

RIS is written by `rispy` and BibTeX by `bibtexparser`, the libraries the
tests read the files back with; both are what Zotero and JabRef import.
"""

from __future__ import annotations

import csv
import io
import json
import re

from .dedup.unique import source_note
from .names import split_name
from .record import Record
from .text import transliterate

EXPORT_FORMATS = ("ris", "bibtex", "csv", "jsonl")
CSV_COLUMNS = ("id", "title", "authors", "affiliations", "year", "date", "journal", "publisher", "issn",
               "language", "subjects", "doi", "url", "abstract")
_DOI = re.compile(r"^https?://(?:dx\.)?doi\.org/(10\..+)$", re.IGNORECASE)
_AND = re.compile(r"\band\b", re.IGNORECASE)
_BODIES = frozenset("board group consortium committee collaboration society association network organization "
                    "organisation institute council team investigators alliance foundation".split())
_RIS_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def _flat(text: str | None) -> str:
    """One line: record formats end a value at a line break."""
    return " ".join((text or "").split())


def doi_of(record: Record) -> str | None:
    """The record's DOI, else one its URL resolves."""
    if record.doi:
        return record.doi
    match = _DOI.match(record.url or "")
    return match.group(1) if match else None


def is_organization(name: str) -> bool:
    """`PDQ Pediatric Treatment Editorial Board`, `Society for Research and Development`: a body, not a person."""
    words = set(re.findall(r"[a-z]+", name.lower()))
    return bool(words & _BODIES) or (len(words) > 2 and bool(_AND.search(name)))


def family_given(name: str) -> str:
    """`Antonio Pérez-Martínez` → `Pérez-Martínez, Antonio`, as RIS and BibTeX want names.

    A body keeps its name whole (no comma: RIS and BibTeX readers then take it as one name)."""
    if is_organization(name):
        return name
    family, given, _ = split_name(name)
    return f"{family}, {given}" if given else family


def to_ris(records: list[Record]) -> str:
    import rispy

    class Writer(rispy.RisWriter):
        def set_header(self, count):
            return ""  # no `1.` line before each record: not RIS, and some importers refuse it

    entries = []
    for record in records:
        entry = {"type_of_reference": "JOUR", "title": _flat(record.title),
                 "authors": [_flat(family_given(a.name)) for a in record.authors]}
        # AD: one line per distinct affiliation, in author order.
        affiliations = list(dict.fromkeys(_flat(a) for a in record.affiliations))
        optional = {
            "author_address": affiliations, "abstract": _flat(record.summary),
            "secondary_title": _flat(record.journal), "year": str(record.year or ""),
            "date": _ris_date(record.date), "publisher": _flat(record.publisher),
            "issn": " ".join(record.issns), "language": _flat(record.language),
            "keywords": [_flat(s) for s in record.subjects], "doi": doi_of(record) or "",
            "urls": [record.url] if record.url else [], "accession_number": record.identifiers.get("pmid") or record.id,
            "custom2": record.identifiers.get("pmcid", ""),  # C2, where PubMed's RIS puts the PMCID
            # Says whose number AN is, as PubMed's own RIS does: a reader then knows it for a PMID.
            "name_of_database": "PubMed" if record.identifiers.get("pmid") else "",
            "volume": _flat(record.volume), **_ris_pages(record.pages),
            "notes": [_flat(source_note(record))] if source_note(record) else [],
        }
        entry.update({k: v for k, v in optional.items() if v})
        entries.append(entry)
    return rispy.dumps(entries, implementation=Writer, list_tags=[*rispy.LIST_TYPE_TAGS, "AD"])


def _ris_pages(pages: str | None) -> dict:
    """`221-228` as SP and EP; a single page or article number as SP."""
    first, _, last = _flat(pages).partition("-")
    return {k: v.strip() for k, v in (("start_page", first), ("end_page", last)) if v.strip()}


def _ris_date(date: str | None) -> str:
    """RIS dates are YYYY/MM/DD/ (parts may be empty)."""
    match = _RIS_DATE.match(date or "")
    if not match:
        return ""
    year, month, day = match.groups()
    return f"{year}/{month or ''}/{day or ''}/"


def _bibtex_value(text: str) -> str:
    # Braces group in BibTeX: an unbalanced one breaks the file, so none pass.
    # A backslash before the closing brace would escape it: a space keeps it apart.
    value = _flat(text).replace("{", "(").replace("}", ")")
    return value + " " if value.endswith("\\") else value


def bibtex_authors(record: Record) -> str:
    """`Family, Given and Family, Given`; a body's name in braces, so it stays one name."""
    names = [(_bibtex_value(family_given(a.name)), is_organization(a.name)) for a in record.authors]
    return " and ".join("{" + n + "}" if body or _AND.search(n) else n for n, body in names)


def bibtex_key(record: Record, taken: set[str]) -> str:
    """`perezmartinez2025natural`: first author's family name, year, first title word."""
    family = split_name(record.authors[0].name)[0] if record.authors else "anon"
    words = [w for w in re.findall(r"[a-z0-9]+", transliterate(record.title).lower()) if w not in ("a", "an", "the")]
    base = re.sub(r"[^a-z0-9]", "", transliterate(family).lower()) + str(record.year or "") + (words[0] if words else "")
    key, n = base or "record", 0
    while key in taken:
        n += 1
        key = f"{base}{chr(ord('a') + n - 1) if n <= 26 else n}"
    taken.add(key)
    return key


def to_bibtex(records: list[Record]) -> str:
    import bibtexparser
    from bibtexparser import model

    taken: set[str] = set()
    entries = []
    for record in records:
        values = {
            "title": record.title,
            "journal": record.journal, "year": str(record.year) if record.year else None,
            "volume": record.volume, "pages": record.pages,
            "abstract": record.summary, "issn": ", ".join(record.issns) or None,
            "publisher": record.publisher, "language": record.language,
            "keywords": ", ".join(record.subjects) or None, "doi": doi_of(record), "url": record.url,
            "pmid": record.identifiers.get("pmid"), "pmcid": record.identifiers.get("pmcid"),
            # Not a standard field; JabRef keeps it, Zotero puts it in Extra.
            "affiliation": " and ".join(dict.fromkeys(_flat(a) for a in record.affiliations)) or None,
            "note": source_note(record),  # a deduplicated work: the ids of every source (dedup/unique.py)
        }
        fields = [model.Field(k, _bibtex_value(v)) for k, v in values.items() if v]
        if record.authors:
            fields.insert(1, model.Field("author", bibtex_authors(record)))
        entries.append(model.Entry("article", bibtex_key(record, taken), fields))
    return bibtexparser.write_string(bibtexparser.Library(entries))


def to_csv(records: list[Record]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow([
            r.id, r.title, "; ".join(r.author_names), " | ".join(r.affiliations), r.year or "", r.date or "",
            r.journal or "", r.publisher or "", "; ".join(r.issns), r.language or "", "; ".join(r.subjects),
            doi_of(r) or "", r.url or "", r.summary or "",
        ])
    return out.getvalue()


def to_jsonl(records: list[Record]) -> str:
    return "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in records)


def export_records(records: list[Record], fmt: str) -> str:
    """`records` in one of EXPORT_FORMATS."""
    writers = {"ris": to_ris, "bibtex": to_bibtex, "csv": to_csv, "jsonl": to_jsonl}
    if fmt not in writers:
        from .errors import QueryError

        raise QueryError(f"unknown --format {fmt!r}: use one of table, {', '.join(EXPORT_FORMATS)}")
    return writers[fmt](records)
