"""The formats recsearch reads, by `--format` name, with what each is: the registry the
readers and the CLI's help share (kept apart from the readers so that help starts fast)."""

from __future__ import annotations

FORMAT_NAMES = {
    "seed": "VuFind record pages",
    "doaj-json": "DOAJ JSON",
    "doaj-xml": "DOAJ XML",
    "pubmed": "PubMed XML or MEDLINE text",
    "cord19": "the CORD-19 metadata CSV",
    "ris": "RIS",
    "bibtex": "BibTeX",
    "endnote-xml": "EndNote XML",
    "marc": "MARC 21, ISO 2709",
    "marcxml": "MARCXML",
    "crossref": "Crossref JSON",
    "datacite": "DataCite JSON",
    "jats": "JATS XML",
    "oai": "OAI-PMH Dublin Core or arXiv",
    "jalc": "JaLC RDF/XML",
    "mods": "MODS",
    "wos": "Web of Science text",
    "zotero-csv": "Zotero CSV",
}
FORMATS = ("auto", *FORMAT_NAMES)


def formats_help() -> str:
    """`name (what it is)` of every format, for the help of `index`."""
    return ", ".join(f"{name} ({what})" for name, what in FORMAT_NAMES.items())
