"""Record formats recsearch does not read (yet), told by their content.

A file in none of the formats read is skipped; one of these says what it looks
like ("looks like JATS XML: not a format recsearch reads") instead of failing as
an unknown file would. The table is consulted only after every reader has said
no, so a format that gets a reader simply leaves it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .xml import root_name

_MARC_NS = "http://www.loc.gov/MARC21/slim"


def _xml(roots: tuple[str, ...], *marks: str) -> Callable[[str, bytes], bool]:
    """An XML file whose root element is one of `roots` and whose head holds one of `marks` (if any)."""
    def test(head: str, head_bytes: bytes) -> bool:
        if not head.lstrip().startswith("<") or root_name(head_bytes) not in roots:
            return False
        return not marks or any(mark in head for mark in marks)
    return test


def _pattern(regex: str, flags: int = re.MULTILINE) -> Callable[[str, bytes], bool]:
    compiled = re.compile(regex, flags)
    return lambda head, head_bytes: compiled.search(head) is not None


def _json(*keys: str, need: int = 2) -> Callable[[str, bytes], bool]:
    """A JSON file whose head holds at least `need` of these keys."""
    def test(head: str, head_bytes: bytes) -> bool:
        return head.lstrip()[:1] in "{[" and sum(f'"{key}"' in head for key in keys) >= need
    return test


def _marc21(head: str, head_bytes: bytes) -> bool:
    """ISO 2709: a 24-byte leader of record length, indicator and subfield counts `22`, base
    address, and the entry map `4500`."""
    leader = head_bytes[:24]
    return len(leader) == 24 and leader[:5].isdigit() and leader[10:12] == b"22" and leader[20:24] == b"4500"


# (what it looks like, test of the first 64 KiB as text and as bytes), most specific first.
UNSUPPORTED: list[tuple[str, Callable[[str, bytes], bool]]] = [
    ("JATS XML", _xml(("article",), "JATS", "jats", "<article-meta", "<front>")),
    ("MARCXML", _xml(("collection", "record", "searchRetrieveResponse"), _MARC_NS, "<leader>", "<controlfield")),
    ("MODS XML", _xml(("mods", "modsCollection"))),
    ("EndNote XML", _xml(("xml",), "<ref-type", "<contributors>", "<titles>")),
    ("arXiv OAI-PMH XML", _xml(("OAI-PMH",), "arXiv", "arxiv")),
    ("OAI-PMH XML", _xml(("OAI-PMH",))),
    ("JaLC RDF XML", _xml(("RDF",), "japanlinkcenter", "jalc", "JaLC")),
    ("RDF XML with Dublin Core or PRISM (as JaLC exports)", _xml(("RDF",), "purl.org/dc", "prismstandard")),
    ("DataCite XML", _xml(("resource",), "datacite")),
    ("Crossref XML", _xml(("doi_batch", "crossref_result", "doi_records"))),
    ("Crossref JSON", _json("message-type", "DOI", "container-title", "reference-count", "published-print",
                            "is-referenced-by-count")),
    ("DataCite JSON", _json("doi", "creators", "titles", "publicationYear", "types", "relatedIdentifiers")),
    ("CSL JSON", _json("container-title", "issued", "author", "title", "type", need=3)),
    ("MARC 21 (ISO 2709)", _marc21),
    ("RIS", _pattern(r"^TY  - ")),
    ("BibTeX", _pattern(r"^\s*@(article|book|inproceedings|incollection|misc|phdthesis|mastersthesis|techreport|"
                        r"proceedings|online|report|thesis|string|preamble)\s*[{(]", re.MULTILINE | re.IGNORECASE)),
    ("Web of Science text", _pattern(r"\A\ufeff?FN .*\n(?:VR .*\n)?PT ")),
    ("EndNote/Refer text", _pattern(r"^%0 .+\n(?:%.*\n)*%[TA] ")),
    ("SMART test-collection text", _pattern(r"\A\.I \d+\r?\n\.[TWA]\r?\n")),
]


def looks_like(data: bytes) -> str | None:
    """The record format that an (unpacked) file recsearch cannot read looks like, or None."""
    head_bytes = data[:65536].removeprefix(b"\xef\xbb\xbf")
    head = head_bytes.decode("utf-8", "replace")
    for name, test in UNSUPPORTED:
        if test(head, head_bytes):
            return name
    return None
