"""Readers: one module per input format, each yielding Records.

`read_file_records` takes a file's bytes, unpacks gzip, tells the format from
the content (not the file name) and hands it to that format's reader.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from ..record import Record
from .errors import RecordError, decode_record_bytes
from .seed import parse_seed_text, read_seed_bytes, read_seed_record

__all__ = ["FORMATS", "FileRecords", "NotARecordFile", "RecordError", "parse_seed_text", "read_file_records",
           "read_seed_record", "sniff_format"]

from ..formats import FORMATS  # noqa: E402  (the registry: `_READERS` below has a reader for each)
# Caps no real catalogue file or record comes near, so that no input can make a run take
# gigabytes: a file (unpacked) larger than MAX_FILE_BYTES, a gzip file unpacking past it
# (stopped as soon as it does), and a record-page file (one record) larger than
# MAX_RECORD_BYTES are refused with the reason, and not read again until they change.
MAX_FILE_BYTES = 256 << 20
MAX_RECORD_BYTES = 16 << 20
MAX_UNPACKED = MAX_FILE_BYTES
_GUNZIP_CHUNK = 1 << 20
# Files named so are expected to be records: one that is not is an error, not skipped.
RECORD_SUFFIXES = (".txt", ".json", ".jsonl", ".ldj", ".ndjson", ".xml", ".csv", ".nbib", ".medline", ".ris",
                   ".bib", ".mrc", ".marc")
# Lines that only a captured VuFind record page has.
_SEED_MARKS = ("_version_ |", "Main Authors:", "Saved in:", "\nFormat: |")


class NotARecordFile(RecordError):
    """A file in none of the formats recsearch reads (skipped, not failed)."""


@dataclass
class FileRecords:
    """What one file holds: its records, and the records that could not be read."""

    format: str
    records: list[Record] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (position, why)
    warnings: list[str] = field(default_factory=list)


def read_file_records(data: bytes, source: str, format: str = "auto") -> FileRecords:
    """The records in one file's bytes (`source` names the file in errors).

    Raises RecordError when nothing in the file can be read, NotARecordFile
    when auto-detection recognises no format.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}: one of {', '.join(FORMATS)}")
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, source)
    if not data or data.isspace():  # (strip would copy the whole file)
        raise RecordError(source, "empty file")
    found = sniff_format(data) if format == "auto" else format
    if found is None:
        _unrecognised(data, source)
    try:
        result = _READERS[found](data, source)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        # A reader meeting a shape it did not foresee: the file is reported, never a traceback.
        raise RecordError(source, f"unreadable as {found} ({type(exc).__name__}: {str(exc)[:80]})") from None
    if found not in _OWN_IDS:
        number_repeats(result.records)
    return result


# Formats whose ids are the source's own and stay as they were (a repeat is a conflict).
_OWN_IDS = ("seed", "doaj-json", "doaj-xml", "pubmed", "cord19")


def number_repeats(records: list[Record]) -> None:
    """The same id twice in one file (a dump holding a DOI twice): the later copies get `-2`, `-3`…"""
    seen: dict[str, int] = {}
    for record in records:
        seen[record.id] = seen.get(record.id, 0) + 1
        if seen[record.id] > 1:
            record.id = f"{record.id}-{seen[record.id]}"


def _unrecognised(data: bytes, source: str):
    """Fail a file named like a record file (`.txt`, `.xml`…) that is none;
    skip anything else (notes, images, PDFs)."""
    from .unsupported import looks_like

    kind = looks_like(data)
    if kind is not None:
        raise NotARecordFile(source, f"looks like {kind}: not a format recsearch reads")
    name = source.lower().removesuffix(".gz")
    if not name.endswith(RECORD_SUFFIXES):
        raise NotARecordFile(source, "not a record file: skipped")
    decode_record_bytes(data, source)  # says "binary" or "empty" when it is
    raise RecordError(source, f"not a record in a format recsearch reads ({', '.join(FORMATS[1:])})")


def _read_seed(data: bytes, source: str) -> FileRecords:
    if len(data) > MAX_RECORD_BYTES:
        raise RecordError(source, f"a record page of {_mib(len(data))}: larger than the "
                                  f"{_mib(MAX_RECORD_BYTES)} a record may have; not read")
    return FileRecords("seed", [read_seed_bytes(data, source)])


def _read_doaj_json(data: bytes, source: str) -> FileRecords:
    from .doaj_json import read_doaj_json

    text, warning = decode_record_bytes(data, source)
    return FileRecords("doaj-json", *read_doaj_json(text, source), [warning] if warning else [])


def _read_doaj_xml(data: bytes, source: str) -> FileRecords:
    from .doaj_xml import read_doaj_xml

    return FileRecords("doaj-xml", *read_doaj_xml(data, source))


def _read_pubmed(data: bytes, source: str) -> FileRecords:
    """PubMed or MEDLINE XML, or MEDLINE text."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        from .pubmed import read_pubmed_xml

        return FileRecords("pubmed", *read_pubmed_xml(data, source))
    from .medline import looks_like_medline, read_medline

    text, warning = decode_record_bytes(data, source)
    if not looks_like_medline(text):
        raise RecordError(source, "neither PubMed XML nor MEDLINE text (no `PMID- ` line at the start)")
    return FileRecords("pubmed", *read_medline(text, source), [warning] if warning else [])


def _read_cord19(data: bytes, source: str) -> FileRecords:
    from .cord19 import read_cord19

    text, warning = decode_record_bytes(data, source)
    return FileRecords("cord19", *read_cord19(text, source), [warning] if warning else [])


def _read_ris(data: bytes, source: str) -> FileRecords:
    from .ris import read_ris

    text, warning = decode_record_bytes(data, source)
    records, problems, warnings = read_ris(text, source)
    return FileRecords("ris", records, problems, [warning] * bool(warning) + warnings)


def _read_bibtex(data: bytes, source: str) -> FileRecords:
    from .bibtex import read_bibtex

    text, warning = decode_record_bytes(data, source)
    records, problems, warnings = read_bibtex(text, source)
    return FileRecords("bibtex", records, problems, [warning] * bool(warning) + warnings)


def _read_endnote_xml(data: bytes, source: str) -> FileRecords:
    from .endnote_xml import read_endnote_xml

    return FileRecords("endnote-xml", *read_endnote_xml(data, source))


def _read_marc(data: bytes, source: str) -> FileRecords:
    from .marc import read_marc

    records, problems, warnings = read_marc(data, source)
    return FileRecords("marc", records, problems, warnings)


def _read_marcxml(data: bytes, source: str) -> FileRecords:
    from .marcxml import read_marcxml

    records, problems, warnings = read_marcxml(data, source)
    return FileRecords("marcxml", records, problems, warnings)


def _read_json_format(name: str):  # and other text formats read by `read_<name>(text, source)`
    def read(data: bytes, source: str) -> FileRecords:
        from importlib import import_module

        text, warning = decode_record_bytes(data, source)
        module = import_module(f".{name}", __name__)
        records, problems, *warnings = getattr(module, f"read_{name}")(text, source)
        return FileRecords(name, records, problems, [warning] * bool(warning) + (warnings[0] if warnings else []))
    return read


def _read_jats(data: bytes, source: str) -> FileRecords:
    from .jats import read_jats

    return FileRecords("jats", *read_jats(data, source))


def _read_oai(data: bytes, source: str) -> FileRecords:
    from .oai import read_oai

    records, problems, warnings = read_oai(data, source)
    return FileRecords("oai", records, problems, warnings)


def _read_jalc(data: bytes, source: str) -> FileRecords:
    from .jalc import read_jalc

    return FileRecords("jalc", *read_jalc(data, source))


def _read_mods(data: bytes, source: str) -> FileRecords:
    from .mods import read_mods

    return FileRecords("mods", *read_mods(data, source))


def _read_zotero_csv(data: bytes, source: str) -> FileRecords:
    from .zotero_csv import read_zotero_csv

    text, warning = decode_record_bytes(data, source)
    return FileRecords("zotero-csv", *read_zotero_csv(text, source), [warning] if warning else [])


_READERS = {"seed": _read_seed, "doaj-json": _read_doaj_json, "doaj-xml": _read_doaj_xml,
            "pubmed": _read_pubmed, "cord19": _read_cord19, "ris": _read_ris,
            "bibtex": _read_bibtex, "endnote-xml": _read_endnote_xml, "marc": _read_marc,
            "marcxml": _read_marcxml, "crossref": _read_json_format("crossref"),
            "datacite": _read_json_format("datacite"), "jats": _read_jats,
            "oai": _read_oai, "jalc": _read_jalc, "mods": _read_mods, "wos": _read_json_format("wos"),
            "zotero-csv": _read_zotero_csv}


def sniff_format(data: bytes) -> str | None:
    """The format of a file's (unpacked) bytes, or None if it is none we read."""
    head_bytes = data[:65536]
    if head_bytes.startswith(b"\xef\xbb\xbf"):
        head_bytes = head_bytes[3:]
    from .marc import looks_like_marc

    if looks_like_marc(head_bytes):
        return "marc"
    head = head_bytes.decode("utf-8", "replace")
    start = head.lstrip()
    # A seed page opens with its title, which may start with `[` or `<`, so
    # the JSON and XML checks say yes or let the others try.
    if start.startswith("<"):
        from .xml import root_name

        root = root_name(head_bytes)
        if root in ("PubmedArticleSet", "MedlineCitationSet", "PubmedArticle", "MedlineCitation"):
            return "pubmed"
        if root == "records":
            return "doaj-xml"
        if root == "xml" and b"<records" in head_bytes:
            return "endnote-xml"
        from .marcxml import looks_like_marcxml

        if root in ("collection", "record", "searchRetrieveResponse", "OAI-PMH") and looks_like_marcxml(head_bytes):
            return "marcxml"
        from .jalc import looks_like_jalc
        from .oai import looks_like_oai

        if looks_like_jalc(root, head_bytes):
            return "jalc"
        if root in ("modsCollection", "mods"):
            return "mods"
        if looks_like_oai(root, head_bytes):
            return "oai"
        from .jats import looks_like_jats

        if root in ("article", "articles", "pmc-articleset") and looks_like_jats(head_bytes):
            return "jats"
    if start[:1] in "{[":
        from .doaj_json import looks_like_doaj_json

        if looks_like_doaj_json(head):
            return "doaj-json"
        from .crossref import looks_like_crossref
        from .datacite import looks_like_datacite

        if looks_like_crossref(head):
            return "crossref"
        if looks_like_datacite(head):
            return "datacite"
    from .medline import looks_like_medline

    if looks_like_medline(head):
        return "pubmed"
    from .ris import looks_like_ris

    if looks_like_ris(head):
        return "ris"
    from .wos import looks_like_wos

    if looks_like_wos(head):
        return "wos"
    from .bibtex import looks_like_bibtex

    if looks_like_bibtex(head):
        return "bibtex"
    from .zotero_csv import looks_like_zotero_csv

    if looks_like_zotero_csv(head):
        return "zotero-csv"
    from .cord19 import looks_like_cord19

    if looks_like_cord19(head):
        return "cord19"
    if any(mark in head for mark in _SEED_MARKS):
        return "seed"
    return None


def _gunzip(data: bytes, source: str) -> bytearray:
    """Unpack gzip (all members). A first pass only counts, so that a file unpacking past
    MAX_UNPACKED (a small file may unpack to gigabytes) is refused without holding any of
    it; the second fills a buffer of the exact size."""
    size = 0
    for part in _unpacked_parts(data, source):
        size += len(part)
        if size > MAX_UNPACKED:
            raise RecordError(source, f"gzip file unpacks to more than {_mib(MAX_UNPACKED)}: not read")
    out = bytearray(size)
    filled = 0
    for part in _unpacked_parts(data, source):
        out[filled:filled + len(part)] = part
        filled += len(part)
    return out


def _unpacked_parts(data: bytes, source: str):
    """The unpacked bytes of every gzip member in turn, a few megabytes at a time."""
    view = memoryview(data)
    pos = 0  # the end of the input handed to the unpacker
    while pos < len(view):
        unpacker = zlib.decompressobj(wbits=31)
        while not unpacker.eof:
            chunk = unpacker.unconsumed_tail
            if not chunk:
                if pos >= len(view):
                    raise RecordError(source, "truncated gzip file")
                chunk = view[pos:pos + _GUNZIP_CHUNK]
                pos += len(chunk)
            try:
                yield unpacker.decompress(chunk, 4 * _GUNZIP_CHUNK)
            except zlib.error as exc:
                raise RecordError(source, f"broken gzip file ({exc})") from None
        # What the member did not use starts the next member (after any NUL padding).
        pos -= len(unpacker.unused_data) + len(unpacker.unconsumed_tail)
        while pos < len(view) and view[pos] == 0:
            pos += 1


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MiB" if size >= 1 << 20 else f"{size:,} bytes"
