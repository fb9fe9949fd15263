"""OAI-PMH answers (`GetRecord`, `ListRecords`) holding Dublin Core (`oai_dc`) or
arXiv's `arXivRaw` and `arXiv` metadata; also a bare `<oai_dc:dc>` record.

Keyed `oai-<metadata format>-<OAI identifier>` (`oai-arxivraw-arxiv.org:1810.09584`),
so the same item harvested in two formats gives two records. Deleted records
(`<header status="deleted">`) are skipped.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET

from ..record import Author, Record
from .common import clean, doi_url, given_name_first, iso_date, language_name, normalize_doi, unique, year_of
from .errors import NotBibliographic, RecordError
from .xml import local_name, parse_xml, text_of

_FORMATS = ("dc", "arXivRaw", "arXiv", "oai_dc")


def looks_like_oai(root: str, head: bytes) -> bool:
    return root in ("OAI-PMH", "dc") and (b"arXiv" in head or b"purl.org/dc/elements" in head)


def read_oai(data: bytes, source: str) -> tuple[list[Record], list[tuple[int, str]], list[str]]:
    root = parse_xml(data, source)
    items = [r for r in root.iter() if local_name(r.tag) == "record" and _child(r, "header") is not None]
    if not items and local_name(root.tag) == "dc":
        items = [root]
    if not items:
        raise RecordError(source, "OAI-PMH answer without any <record>")
    records, problems, warnings = [], [], []
    for position, item in enumerate(items, 1):
        try:
            records.append(oai_record(item, source, position))
        except NotBibliographic as exc:
            warnings.append(f"record {position}: {exc.problem}")
        except RecordError as exc:
            problems.append((position, exc.problem))
    return records, problems, warnings


def _child(element: ET.Element | None, name: str) -> ET.Element | None:
    return None if element is None else next((c for c in element if local_name(c.tag) == name), None)


def _values(element: ET.Element, name: str) -> list[str]:
    return [v for v in (clean(text_of(e)) for e in element.iter() if local_name(e.tag) == name) if v]


def oai_record(item: ET.Element, source: str, position: int) -> Record:
    header = _child(item, "header")
    if header is not None and header.get("status") == "deleted":
        raise NotBibliographic(source, "deleted in the repository: skipped")
    identifier = clean(text_of(_child(header, "identifier"))) if header is not None else None
    metadata = _child(item, "metadata") if header is not None else None
    content = item if header is None else next(iter(metadata), None) if metadata is not None else None
    if content is None:
        raise RecordError(source, "OAI record without <metadata>")
    kind = local_name(content.tag)
    if kind not in _FORMATS:
        raise RecordError(source, f"OAI metadata in a format recsearch does not read (<{kind}>)")
    record = _arxiv(content, source) if kind.startswith("arXiv") else _dublin_core(content, source)
    key = (identifier or "").removeprefix("oai:")
    if not key:
        key = hashlib.blake2b("\x1f".join([record.title, *record.author_names]).encode(), digest_size=8).hexdigest()
    record.id = f"oai-{('dc' if kind == 'oai_dc' else kind).lower()}-{key.lower()}"
    record.position = position
    if identifier:
        record.identifiers.setdefault("oai", identifier)
    return record


def _split_authors(text: str) -> list[Author]:
    """`A, B (MIT) and C`: names parted by commas and `and`, outside brackets; a bracket is an affiliation."""
    from .bibtex import decode_latex

    parts, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    names = [n for part in parts for n in re.split(r"\s+and\s+(?![^()]*\))", part)]
    authors = []
    for name in names:
        affiliation = re.search(r"\(([^()]*)\)\s*$", name)
        bare = name[:affiliation.start()] if affiliation else name
        bare = decode_latex(bare)
        if bare:
            authors.append(Author(bare, clean(affiliation.group(1)) if affiliation else None))
    return authors


def _arxiv(content: ET.Element, source: str) -> Record:
    from .bibtex import decode_latex

    def first(name: str) -> str | None:
        values = _values(content, name)
        return values[0] if values else None

    title = decode_latex(first("title"))
    if not title:
        raise RecordError(source, "arXiv record without a title")
    if _values(content, "keyname"):  # the `arXiv` format: <authors><author><keyname/><forenames/>
        authors = [Author(clean(" ".join(_values(a, "forenames") + _values(a, "keyname") + _values(a, "suffix"))),
                          "; ".join(_values(a, "affiliation")) or None)
                   for a in content.iter() if local_name(a.tag) == "author"]
    else:
        authors = _split_authors(first("authors") or "")
    dates = [d for v in content.iter() if local_name(v.tag) == "version" for d in _values(v, "date")]
    date = _date(dates[0] if dates else first("created") or first("datestamp"))
    doi = normalize_doi((first("doi") or "").split()[0] if first("doi") else None)
    arxiv_id = first("id")
    return Record(
        id="", title=title, summary=first("abstract"), authors=authors,
        subjects=(first("categories") or "").split(), journal=first("journal-ref"),
        date=date, year=year_of(date), url=f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else doi_url(doi),
        doi=doi, identifiers={"arxiv": arxiv_id} if arxiv_id else {}, source=source,
    )


def _dublin_core(content: ET.Element, source: str) -> Record:
    titles = _values(content, "title")
    if not titles:
        raise RecordError(source, "Dublin Core record without a <dc:title>")
    creators = _values(content, "creator")
    identifiers = _values(content, "identifier") + _values(content, "relation")
    doi = next((d for d in map(normalize_doi, identifiers) if d), None)
    urls = [i for i in identifiers if i.startswith("http")]
    dates = _values(content, "date")
    date = _date(dates[0]) if dates else None
    found = {}
    for value in identifiers:
        if value.lower().startswith(("urn:isbn:", "isbn:")):
            found.setdefault("isbn", value.split(":")[-1])
        elif re.match(r"(?i)^(?:arxiv:|https?://arxiv\.org/abs/)", value):
            found.setdefault("arxiv", re.sub(r"(?i)^(?:arxiv:|https?://arxiv\.org/abs/)", "", value))
    languages = _values(content, "language")
    return Record(
        id="", title=titles[0], summary=" ".join(_values(content, "description")) or None,
        authors=[Author(given_name_first(c) if c.count(",") == 1 else c) for c in creators],
        subjects=unique(_values(content, "subject")), journal=(_values(content, "source") or [None])[0],
        publisher=(_values(content, "publisher") or [None])[0], date=date, year=year_of(date),
        language=language_name(languages[0]) if languages else None,
        url=urls[0] if urls else doi_url(doi), doi=doi, identifiers=found, source=source,
    )


def _date(text: str | None) -> str | None:
    """`2018-10-22`, `Mon, 22 Oct 2018 22:41:50 GMT`, `2018` → ISO."""
    if not text:
        return None
    full = re.search(r"(1[5-9]\d\d|20\d\d)-(\d\d)(?:-(\d\d))?", text)
    if full:
        return iso_date(*full.groups())
    named = re.search(r"(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(1[5-9]\d\d|20\d\d)", text)
    if named:
        return iso_date(named.group(3), named.group(2), named.group(1))
    return iso_date(year_of(text)) if year_of(text) else None
