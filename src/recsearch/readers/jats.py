"""JATS (NISO Z39.96) articles: the front matter only (SciELO, PMC, publishers' XML).

Each contributor gets the affiliations its `xref ref-type="aff"` point at (or
an `aff` inside the `contrib`); with no pointers, a single affiliation is
everyone's and a single author has them all; otherwise affiliations nobody
points at are the record's.
Keyed `jats-<doi>`, else the PMCID, PMID or publisher id, else a digest.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

from ..record import Author, Record
from .common import clean, doi_url, iso_date, language_name, normalize_doi, unique, year_of
from .errors import RecordError
from .xml import local_name, parse_xml, text_of

ID_PREFIX = "jats-"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def looks_like_jats(head: bytes) -> bool:
    return b"<front" in head or b"article-meta" in head or b"JATS" in head[:2000]


def _all(element: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if element is None else [e for e in element.iter() if local_name(e.tag) == name]


def _child(element: ET.Element | None, *names: str) -> ET.Element | None:
    for name in names:
        element = None if element is None else next((c for c in element if local_name(c.tag) == name), None)
    return element


def _text(element: ET.Element | None, skip: tuple[str, ...] = ()) -> str | None:
    """The element's text, the text of `skip` children (labels, titles) left out."""
    if element is None:
        return None
    parts = []

    def walk(node: ET.Element) -> None:
        if local_name(node.tag) in skip and node is not element:
            if node.tail:
                parts.append(node.tail)
            return
        parts.append(node.text or "")
        for child in node:
            walk(child)
        if node is not element and node.tail:
            parts.append(node.tail)
        if local_name(node.tag) in ("p", "title", "sec", "kwd", "institution", "country", "named-content"):
            parts.append(" ")

    walk(element)
    return clean("".join(parts))


def read_jats(data: bytes, source: str) -> tuple[list[Record], list[tuple[int, str]]]:
    root = parse_xml(data, source)
    articles = [root] if local_name(root.tag) == "article" else _all(root, "article")
    if not articles:
        raise RecordError(source, "not a JATS article: no <article>")
    records, problems = [], []
    for position, article in enumerate(articles, 1):
        try:
            records.append(jats_record(article, source, position))
        except RecordError as exc:
            problems.append((position, exc.problem))
    return records, problems


def _affiliation(aff: ET.Element) -> str | None:
    original = next((i for i in aff if local_name(i.tag) == "institution" and i.get("content-type") == "original"), None)
    if original is not None and _text(original):
        return _text(original)
    return _text(aff, skip=("label", "sup"))


def jats_record(article: ET.Element, source: str, position: int) -> Record:
    front = _child(article, "front")
    meta = _child(front, "article-meta")
    if meta is None:
        raise RecordError(source, "JATS article without <front><article-meta>")
    journal_meta = _child(front, "journal-meta")
    titles = _child(meta, "title-group")
    title = _text(_child(titles, "article-title"))
    subtitle = _text(_child(titles, "subtitle"))
    if not title:
        raise RecordError(source, "JATS article without an <article-title>")
    if subtitle:
        title = f"{title}: {subtitle}"
    affs = {aff.get("id"): _affiliation(aff) for aff in _all(meta, "aff")}
    pointed: set[str] = set()
    authors = []
    for contrib in _all(meta, "contrib"):
        if contrib.get("contrib-type", "author") != "author":
            continue
        name_el = _child(contrib, "name")
        if name_el is not None:
            name = clean(" ".join(filter(None, [_text(_child(name_el, "given-names")), _text(_child(name_el, "surname")),
                                                _text(_child(name_el, "suffix"))])))
        else:
            name = _text(_child(contrib, "collab")) or _text(_child(contrib, "string-name"))
        if not name:
            continue
        ids = [rid for x in _all(contrib, "xref") if x.get("ref-type") == "aff" for rid in (x.get("rid") or "").split()]
        pointed.update(ids)
        own = [_affiliation(a) for a in _all(contrib, "aff")]
        found = unique([affs.get(i) for i in ids] + own)
        authors.append(Author(name, "; ".join(found) or None))
    loose = unique(text for key, text in affs.items() if key not in pointed and not any(
        a.affiliation and text and text in a.affiliation for a in authors))
    if loose and not pointed and (len(authors) == 1 or len(loose) == 1) and not any(a.affiliation for a in authors):
        # No author points at any affiliation: one author has them all, one affiliation is everyone's.
        authors, loose = [Author(a.name, "; ".join(loose)) for a in authors], []
    abstracts = [a for a in _all(meta, "abstract") if a.get("abstract-type") not in ("graphical", "toc", "teaser")]
    ids = {i.get("pub-id-type"): clean(text_of(i)) for i in _all(meta, "article-id") if clean(text_of(i))}
    doi = normalize_doi(ids.get("doi"))
    identifiers = {k: ids[v] for k, v in (("pmid", "pmid"), ("pmcid", "pmc"), ("pmcid", "pmcid"),
                                          ("publisher_id", "publisher-id")) if ids.get(v)}
    date = _date(meta)
    journal = (_text(_child(journal_meta, "journal-title-group", "journal-title"))
               or _text(_child(journal_meta, "journal-title")))
    if doi:
        record_id = ID_PREFIX + doi
    elif identifiers:
        kind, value = next(iter(identifiers.items()))
        record_id = f"{ID_PREFIX}{kind}-{value}"
    else:
        key = "\x1f".join([title, journal or "", date or "", *(a.name for a in authors)])
        record_id = ID_PREFIX + hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()
    return Record(
        id=record_id,
        title=title,
        summary=_text(abstracts[0], skip=("title", "label")) if abstracts else None,
        authors=authors,
        subjects=unique(_text(k) for k in _all(meta, "kwd")),
        journal=journal,
        publisher=_text(_child(journal_meta, "publisher", "publisher-name")),
        issns=unique(_text(i) for i in _all(journal_meta, "issn")),
        date=date,
        year=year_of(date),
        language=language_name(article.get(_XML_LANG)),
        url=doi_url(doi),
        doi=doi,
        identifiers=identifiers,
        source=source,
        position=position,
        affiliation_text="; ".join(loose) or None,
    )


def _date(meta: ET.Element) -> str | None:
    """The publication date: `epub`/`ppub`/`pub` first, then any."""
    dates = _all(meta, "pub-date")
    order = ("epub", "ppub", "pub", "epub-ppub", "collection")
    dates.sort(key=lambda d: order.index(t) if (t := d.get("pub-type") or d.get("date-type")) in order else len(order))
    for d in dates:
        year = _text(_child(d, "year"))
        if year_of(year):
            return iso_date(year, _text(_child(d, "month")), _text(_child(d, "day")))
    return None
