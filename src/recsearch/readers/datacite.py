"""DataCite DOI records: the REST API's JSON:API (`{"data": …}`, one or a list),
JSON Lines of its items, or the flat DataCite JSON (attributes at the top).

Keyed by DOI (`datacite-<doi>`). Creators are people (`Family, Given`) or
bodies (`nameType: Organizational`), kept whole.
"""

from __future__ import annotations

import re

from ..record import Author, Record
from .common import clean, given_name_first, iso_date, language_name, normalize_doi, unique, year_of
from .errors import NotBibliographic, RecordError
from .json_items import as_list, as_text, json_items

ID_PREFIX = "datacite-"


def looks_like_datacite(head: str) -> bool:
    return head.lstrip()[:1] in "{[" and '"creators"' in head and ('"titles"' in head or '"attributes"' in head)


def _unwrap(data):
    if isinstance(data, dict) and "data" in data:
        return as_list(data["data"])
    if isinstance(data, dict):
        return [data]
    return data if isinstance(data, list) else None


def read_datacite(text: str, source: str) -> tuple[list[Record], list[tuple[int, str]], list[str]]:
    records, problems, warnings = [], [], []
    for position, item in json_items(text, source, _unwrap):
        try:
            if isinstance(item, RecordError):
                raise item
            records.append(datacite_record(item, source, position))
        except NotBibliographic as exc:
            warnings.append(f"record {position}: {exc.problem}")
        except (RecordError, TypeError, AttributeError, ValueError) as exc:
            problems.append((position, getattr(exc, "problem", None) or f"not a DataCite record ({exc})"))
    if not records and not problems and not warnings:
        raise RecordError(source, "no DataCite records found")
    return records, problems, warnings


def _name(value) -> str | None:
    return clean(as_text(value.get("name"))) if isinstance(value, dict) else clean(as_text(value))


_PACKED_PERSON = re.compile(r"\s*([^,;()]+,[^,;()]+?)\s*(?:\(([^()]+)\))?\s*")


def _packed_people(name: str) -> list[tuple[str, str | None]] | None:
    """Several people in one creator name, as some repositories deposit them:
    `Howell, Bryan (Duke University); Lad, Shivanan P. (Duke University)`, or None."""
    parts = name.split(";")
    if len(parts) < 2:
        return None
    people = [_PACKED_PERSON.fullmatch(part) for part in parts]
    if not all(people):
        return None
    return [(given_name_first(m.group(1)), clean(m.group(2))) for m in people]


def datacite_record(item, source: str, position: int) -> Record:
    if not isinstance(item, dict):
        raise RecordError(source, "not a JSON object")
    attributes = item.get("attributes") if isinstance(item.get("attributes"), dict) else item
    doi = normalize_doi(as_text(attributes.get("doi")) or as_text(item.get("id")))
    if not doi:
        raise RecordError(source, "record without a DOI")
    titles = [t for t in as_list(attributes.get("titles")) if isinstance(t, dict) and clean(as_text(t.get("title")))]
    main = [t for t in titles if not t.get("titleType")] or titles
    if not main:
        if not as_list(attributes.get("creators")) and not attributes.get("publisher"):
            # Registered and never described (DataCite keeps such DOIs `findable`).
            raise NotBibliographic(source, f"DOI {doi} has no metadata (no title, creators or publisher): skipped")
        raise RecordError(source, f"DOI {doi}: no title")
    title = clean(as_text(main[0]["title"]))
    subtitle = next((clean(as_text(t["title"])) for t in titles if t.get("titleType") == "Subtitle"), None)
    if subtitle:
        title = f"{title}: {subtitle}"
    authors = []
    for creator in as_list(attributes.get("creators")):
        if not isinstance(creator, dict):
            continue
        given, family = clean(as_text(creator.get("givenName"))), clean(as_text(creator.get("familyName")))
        name = clean(as_text(creator.get("name")))
        affiliation = "; ".join(unique(_name(a) for a in as_list(creator.get("affiliation")))) or None
        if given and family:
            name = f"{given} {family}"
        elif name and creator.get("nameType") != "Organizational" and "," in name:
            people = _packed_people(name)
            if people:
                authors += [Author(person, own or affiliation) for person, own in people]
                continue
            name = given_name_first(name)
        if name:
            authors.append(Author(name, affiliation))
    descriptions = [d for d in as_list(attributes.get("descriptions")) if isinstance(d, dict)]
    abstract = next((as_text(d.get("description")) for d in descriptions if d.get("descriptionType") == "Abstract"),
                    None) or next((as_text(d.get("description")) for d in descriptions), None)
    dates = [d for d in as_list(attributes.get("dates")) if isinstance(d, dict)]
    date_text = next((as_text(d.get("date")) for d in dates if d.get("dateType") == "Issued"), None)
    date = _date(date_text) or (str(attributes["publicationYear"]) if year_of(as_text(attributes.get("publicationYear"))) else None)
    container = attributes.get("container") if isinstance(attributes.get("container"), dict) else {}
    identifiers, issns = {}, []
    for ident in as_list(attributes.get("identifiers")) + as_list(attributes.get("alternateIdentifiers")):
        if isinstance(ident, dict):
            kind = (as_text(ident.get("identifierType") or ident.get("alternateIdentifierType")) or "").lower()
            value = clean(as_text(ident.get("identifier") or ident.get("alternateIdentifier")))
            if value and kind and kind != "doi":
                identifiers.setdefault(kind, value)
    for related in as_list(attributes.get("relatedIdentifiers")):
        if isinstance(related, dict) and related.get("relatedIdentifierType") == "ISSN" and related.get("relationType") == "IsPartOf":
            issns.append(clean(as_text(related.get("relatedIdentifier"))))
    return Record(
        id=ID_PREFIX + doi,
        title=title,
        summary=clean(abstract),
        authors=authors,
        subjects=unique(_subject(s) for s in as_list(attributes.get("subjects"))),
        journal=clean(as_text(container.get("title"))),
        publisher=_name(attributes.get("publisher")),
        issns=unique(issns),
        date=date,
        year=year_of(date),
        language=language_name(as_text(attributes.get("language"))),
        url=clean(as_text(attributes.get("url"))) or f"https://doi.org/{doi}",
        doi=doi,
        identifiers=identifiers,
        source=source,
        position=position,
    )


def _subject(value) -> str | None:
    return clean(as_text(value.get("subject"))) if isinstance(value, dict) else clean(as_text(value))


def _date(text: str | None) -> str | None:
    """`2019`, `2019-09-09`, `2019-09-09T13:26:25Z`, `2015-06-20/2015-08-23` → ISO date."""
    if not text or not year_of(text[:4]):
        return None
    parts = text[:10].split("-")
    return iso_date(parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None)
