"""Japan Link Center (JaLC) RDF/XML: one `rdf:Description` per DOI.

JaLC names every person twice, in Latin script and in Japanese (`Gotoh
Shinji`, `後藤 眞二`), one after the other: when the list alternates so, each
pair is one author, named in Latin script. Titles given in both scripts are
kept as one parallel title (`English = 日本語`). JaLC's files are often cut
off before `</rdf:RDF>`: each description is then read on its own.
Keyed `jalc-<doi>`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..record import Author, Record
from .common import clean, doi_url, iso_date, normalize_doi, unique, year_of
from .errors import RecordError
from .xml import local_name, text_of

ID_PREFIX = "jalc-"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_DESCRIPTION = re.compile(rb"<rdf:Description\b.*?</rdf:Description\s*>", re.S)


def looks_like_jalc(root: str, head: bytes) -> bool:
    return root == "RDF" and b"prism" in head and b"rdf:Description" in head


def read_jalc(data: bytes, source: str) -> tuple[list[Record], list[tuple[int, str]]]:
    try:
        descriptions = [e for e in ET.fromstring(data).iter() if local_name(e.tag) == "Description"]
        broken = []
    except ET.ParseError:
        descriptions, broken = _one_by_one(data)
    if not descriptions and not broken:
        raise RecordError(source, "JaLC RDF without any <rdf:Description>")
    records, problems = [], list(broken)
    done = {p for p, _ in broken}
    position = 0
    for element in descriptions:
        position += 1
        while position in done:
            position += 1
        try:
            records.append(jalc_record(element, source, position))
        except RecordError as exc:
            problems.append((position, exc.problem))
    return records, sorted(problems)


def _one_by_one(data: bytes):
    opening = re.search(rb"<rdf:RDF\b[^>]*>", data)
    if not opening:
        raise RecordError("", "not well-formed RDF/XML and no <rdf:RDF> opening tag")
    elements, broken = [], []
    for position, match in enumerate(_DESCRIPTION.finditer(data), 1):
        try:
            wrapper = ET.fromstring(opening.group(0) + match.group(0) + b"</rdf:RDF>")
        except ET.ParseError as exc:
            broken.append((position, f"invalid XML in this description: {str(exc).split(':')[0]}"))
            continue
        elements.append(next(e for e in wrapper if local_name(e.tag) == "Description"))
    return elements, broken


def _values(element: ET.Element, name: str) -> list[str]:
    return [v for v in (clean(text_of(c)) for c in element if local_name(c.tag) == name) if v]


def _latin_first(values: list[str]) -> str | None:
    return next((v for v in values if not _CJK.search(v)), values[0] if values else None)


def _people(element: ET.Element) -> list[Author]:
    people = []
    for creator in (c for c in element if local_name(c.tag) == "creator" and len(c)):
        for person in creator:
            parts = {local_name(p.tag): clean(text_of(p)) for p in person}
            given, family = parts.get("givenName"), parts.get("familyName")
            name = f"{given} {family}" if given and family and not _CJK.search(given + family) else parts.get("name")
            if name:
                people.append(name)
    if not people:  # only the plain `dc:creator` strings
        people = _values(element, "creator")
    native = [bool(_CJK.search(n)) for n in people]
    alternating = len(people) % 2 == 0 and native[0::2] == [False] * (len(people) // 2) and all(native[1::2])
    return [Author(n) for n in (people[0::2] if alternating and people else people)]


def jalc_record(element: ET.Element, source: str, position: int) -> Record:
    doi = normalize_doi(next(iter(_values(element, "doi")), None) or element.get(
        "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"))
    if not doi:
        raise RecordError(source, "description without a DOI")
    titles = unique(_values(element, "title"))
    if not titles:
        raise RecordError(source, f"DOI {doi}: no title")
    latin = [t for t in titles if not _CJK.search(t)]
    other = [t for t in titles if _CJK.search(t)]
    title = " = ".join(([latin[0]] if latin else []) + ([other[0]] if other else []))
    dates = _values(element, "date") + _values(element, "publicationDate")
    date = None
    if dates:
        parts = re.match(r"(\d{4})(?:-(\d\d))?(?:-(\d\d))?", dates[0])
        date = iso_date(*parts.groups()) if parts else None
    return Record(
        id=ID_PREFIX + doi,
        title=title,
        authors=_people(element),
        journal=_latin_first(_values(element, "publicationName")),
        publisher=_latin_first(_values(element, "publisher")),
        issns=unique(_values(element, "issn")),
        date=date,
        year=year_of(date),
        url=doi_url(doi),
        doi=doi,
        source=source,
        position=position,
    )
