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
           "read_records", "read_seed_record", "sniff_format"]

FORMATS = ("auto", "seed", "doaj-json", "doaj-xml", "pubmed", "cord19")
MAX_UNPACKED = 2 << 30  # a gzip file unpacking past 2 GiB is refused, not read into memory
# Files named so are expected to be records: one that is not is an error, not skipped.
RECORD_SUFFIXES = (".txt", ".json", ".jsonl", ".ldj", ".ndjson", ".xml", ".csv", ".nbib", ".medline")
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
    if not data.strip():
        raise RecordError(source, "empty file")
    found = sniff_format(data) if format == "auto" else format
    if found is None:
        _unrecognised(data, source)
    return _READERS[found](data, source)


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


_READERS = {"seed": _read_seed, "doaj-json": _read_doaj_json, "doaj-xml": _read_doaj_xml,
            "pubmed": _read_pubmed, "cord19": _read_cord19}


def read_records(data: bytes, source: str, format: str = "auto") -> list[Record]:
    """Only the records of a file (see `read_file_records`)."""
    return read_file_records(data, source, format).records


def sniff_format(data: bytes) -> str | None:
    """The format of a file's (unpacked) bytes, or None if it is none we read."""
    head_bytes = data[:65536]
    if head_bytes.startswith(b"\xef\xbb\xbf"):
        head_bytes = head_bytes[3:]
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
    if start[:1] in "{[":
        from .doaj_json import looks_like_doaj_json

        if looks_like_doaj_json(head):
            return "doaj-json"
    from .medline import looks_like_medline

    if looks_like_medline(head):
        return "pubmed"
    from .cord19 import looks_like_cord19

    if looks_like_cord19(head):
        return "cord19"
    if any(mark in head for mark in _SEED_MARKS):
        return "seed"
    return None


def _gunzip(data: bytes, source: str) -> bytes:
    """Unpack gzip (all members), refusing what would unpack past MAX_UNPACKED."""
    parts, size = [], 0
    while data:
        unpacker = zlib.decompressobj(wbits=31)
        try:
            part = unpacker.decompress(data, MAX_UNPACKED - size + 1)
        except zlib.error as exc:
            raise RecordError(source, f"broken gzip file ({exc})") from None
        size += len(part)
        if size > MAX_UNPACKED:
            raise RecordError(source, f"gzip file unpacks to more than {MAX_UNPACKED >> 30} GiB: not read")
        if not unpacker.eof:
            raise RecordError(source, "truncated gzip file")
        parts.append(part)
        data = unpacker.unused_data.lstrip(b"\x00")
    return b"".join(parts)
