"""DOAJ article JSON (`bibjson`): API responses, the data dump, Elasticsearch hits.

One file may hold one article, a JSON array of them (the data dump's
`article_batch_N.json`), an API search response (`{"results": [...]}`), or
JSON Lines (one article or Elasticsearch hit per line).
"""

from __future__ import annotations

import json

from ..record import Author, Record
from .common import given_name_first, clean, doi_url, normalize_doi, iso_date, language_name, unique, year_of
from .errors import RecordError

ID_PREFIX = "doaj-art-"  # as VuFind keys DOAJ articles, so the same article keeps one id


def looks_like_doaj_json(head: str) -> bool:
    return head.lstrip()[:1] in "{[" and '"bibjson"' in head


def read_doaj_json(text: str, source: str) -> tuple[list[Record], list[tuple[int, str]]]:
    """Records and (position, problem) for the articles that could not be read."""
    records, problems = [], []
    for position, item in _articles(text, source):
        try:
            records.append(doaj_article_record(item, source, position))
        except (RecordError, ValueError, TypeError, AttributeError, KeyError) as exc:
            problems.append((position, getattr(exc, "problem", None) or f"not a DOAJ article ({exc})"))
    return records, problems


def _articles(text: str, source: str):
    """(position, article dict) for each article in the file, 1-based."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise RecordError(source, "JSON nested too deeply to be a DOAJ article") from None
    except json.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            raise RecordError(source, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        yield from _json_lines(lines)
        return
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise RecordError(source, "JSON holds neither an article nor a list of articles")
    for position, item in enumerate(data, 1):
        yield position, item


def _json_lines(lines: list[str]):
    for position, line in enumerate(lines, 1):
        try:
            yield position, json.loads(line)
        except json.JSONDecodeError as exc:
            yield position, RecordError("", f"invalid JSON line: {exc.msg}")
        except RecursionError:
            yield position, RecordError("", "JSON line nested too deeply")


def doaj_article_record(item, source: str, position: int) -> Record:
    """One DOAJ article (or an Elasticsearch hit wrapping one) as a Record."""
    if isinstance(item, RecordError):
        raise item
    if not isinstance(item, dict):
        raise RecordError(source, "not a JSON object")
    if isinstance(item.get("_source"), dict):
        item = item["_source"]
    bib = item.get("bibjson")
    if not isinstance(bib, dict):
        raise RecordError(source, "no `bibjson` object")
    article_id = clean(item.get("id"))
    if not article_id:
        raise RecordError(source, "no article `id`")
    title = clean(_text(bib.get("title")))
    if not title:
        raise RecordError(source, f"article {article_id} has no title")
    journal = bib.get("journal") if isinstance(bib.get("journal"), dict) else {}
    index = item.get("index") if isinstance(item.get("index"), dict) else {}
    identifiers = [i for i in _list(bib.get("identifier")) if isinstance(i, dict)]
    issns = unique([i.get("id") for i in identifiers if str(i.get("type", "")).lower() in ("pissn", "eissn", "issn")]
                   + _list(journal.get("issns")) + _list(index.get("issn")))
    doi = next((i.get("id") for i in identifiers if str(i.get("type", "")).lower() == "doi"), None)
    links = [link for link in _list(bib.get("link")) if isinstance(link, dict) and link.get("url")]
    fulltext = next((link["url"] for link in links if link.get("type") == "fulltext"), None)
    languages = _list(journal.get("language")) or _list(index.get("language"))
    date = iso_date(bib.get("year"), bib.get("month")) or clean(index.get("date"))
    subjects = unique(_list(bib.get("keywords"))
                      + [s.get("term") for s in _list(bib.get("subject")) if isinstance(s, dict)])
    authors = [Author(given_name_first(name), clean(_text(a.get("affiliation"))))
               for a in _list(bib.get("author")) if isinstance(a, dict) and (name := clean(_text(a.get("name"))))]
    return Record(
        id=article_id if article_id.startswith(ID_PREFIX) else ID_PREFIX + article_id,
        title=title,
        summary=clean(_text(bib.get("abstract"))),
        authors=authors,
        subjects=subjects,
        journal=clean(_text(journal.get("title"))),
        publisher=clean(_text(journal.get("publisher"))) or clean(_text(_first(index.get("publisher")))),
        issns=issns,
        date=date,
        year=year_of(date),
        volume=clean(_text(journal.get("volume"))),
        pages="-".join(p for p in (clean(_text(bib.get(k))) for k in ("start_page", "end_page")) if p) or None,
        language=language_name(_text(_first(languages))),
        url=clean(fulltext) or doi_url(doi),
        doi=normalize_doi(doi),
        identifiers={"doaj": article_id.removeprefix(ID_PREFIX)},
        source=source,
        position=position,
    )


def _list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first(value):
    values = _list(value)
    return values[0] if values else None


def _text(value) -> str | None:
    """A JSON value as text: numbers become text, objects and lists are ignored."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None
