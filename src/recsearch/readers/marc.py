"""MARC 21 binary (ISO 2709, `.mrc`), read with pymarc, and the mapping of a
MARC record (binary or MARCXML) to a Record.

The leader says MARC-8 (` `) or UTF-8 (`a`); a record whose leader says
UTF-8 but whose bytes are not is read as MARC-8, with a warning. A record
whose directory does not match its fields is read field by field from the
field terminators, as ruby-marc's forgiving reader does.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from ..record import Author, Record
from .common import add_record, clean, doi_url, given_name_first, iso_date, language_name, normalize_doi, unique, year_of
from .errors import NotBibliographic, RecordError

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ISBD_END = re.compile(r"[\s/:;,=]+$")
# INSPIRE keeps people, institutions, journals, conferences and jobs as MARC records too (980 $a).
_AUTHORITY_COLLECTIONS = {"hepnames", "institution", "journals", "conferences", "experiment", "job", "jobhidden"}
_LEADER = re.compile(rb"^\d{5}[a-z ][a-z][a-z ]{2}[ a]\d{2}\d{5}")


def looks_like_marc(data: bytes) -> bool:
    """An ISO 2709 leader (`01120nam a2200301…`), then directory and field terminators."""
    return bool(_LEADER.match(data[:24])) and b"\x1e" in data[:100000]


def read_marc(data: bytes, source: str) -> tuple[list[Record], list[tuple[int, str]], list[str]]:
    import pymarc

    logging.getLogger("pymarc").addHandler(logging.NullHandler())
    records, problems, warnings = [], [], []
    chunks = [c.strip(b"\r\n ") for c in data.split(b"\x1d")]
    chunks = [c for c in chunks if c]
    if not chunks:
        raise RecordError(source, "no MARC records (record terminator 0x1D) found")
    for position, chunk in enumerate(chunks, 1):
        try:
            marc, warning = _decode(chunk + b"\x1d", pymarc)
        except RecordError as exc:
            problems.append((position, exc.problem))
            continue
        if warning:
            warnings.append(f"record {position}: {warning}")
        add_record((records, problems, warnings), position, "record",
                   lambda: marc_record(marc, source, position, "marc-"), unreadable="MARC record")
    return records, problems, warnings


def _decode(chunk: bytes, pymarc):
    if not _LEADER.match(chunk[:24]):
        raise RecordError("", f"not a MARC record: the leader is {chunk[:24].decode('latin-1')!r}")
    utf8 = chunk[9:10] == b"a"
    try:
        # hide_utf8_warnings: pymarc would write every unknown MARC-8 byte to stderr.
        return pymarc.Record(data=chunk, to_unicode=True, force_utf8=False, utf8_handling="strict",
                             hide_utf8_warnings=True), None
    except UnicodeDecodeError:
        if utf8:
            try:  # a leader saying UTF-8 over MARC-8 bytes is a common cataloguing slip
                return pymarc.Record(data=chunk[:9] + b" " + chunk[10:], to_unicode=True, hide_utf8_warnings=True), \
                    "the leader says UTF-8 but the bytes are not: read as MARC-8"
            except Exception:
                pass
    except Exception:
        pass
    return _by_terminators(chunk, utf8, pymarc), "directory does not match the fields: read by field terminators"


def _by_terminators(chunk: bytes, utf8: bool, pymarc):
    """Fields in directory order, cut at the field terminators instead of the directory's offsets."""
    from pymarc.marc8 import marc8_to_unicode

    def text(raw: bytes) -> str:
        if utf8:
            return raw.decode("utf-8", "replace")
        try:
            return marc8_to_unicode(raw, hide_utf8_warnings=True)
        except Exception:
            return raw.decode("latin-1")

    try:
        base = int(chunk[12:17])
    except ValueError:
        raise RecordError("", "broken MARC leader (no base address)") from None
    directory = chunk[24:base - 1]
    tags = [directory[i:i + 3].decode("latin-1") for i in range(0, len(directory) - 11, 12)]
    fields = chunk[base:].rstrip(b"\x1d").split(b"\x1e")
    record = pymarc.Record(leader=chunk[:24].decode("latin-1"))
    for tag, raw in zip(tags, fields):
        if tag < "010" and tag.isdigit():
            record.add_field(pymarc.Field(tag=tag, data=text(raw)))
            continue
        parts = raw.split(b"\x1f")
        indicators = list(text(parts[0][:2]).ljust(2))
        subfields = [pymarc.Subfield(text(p[:1]), text(p[1:])) for p in parts[1:] if p]
        record.add_field(pymarc.Field(tag=tag, indicators=pymarc.Indicators(*indicators), subfields=subfields))
    if not record.fields:
        raise RecordError("", "MARC record without fields")
    return record


def _value(text: str | None) -> str | None:
    """A subfield's text without control bytes, composed (MARC keeps diacritics as combining marks)."""
    return clean(unicodedata.normalize("NFC", _CONTROLS.sub(" ", text))) if text else None


def _sub(field, *codes: str) -> list[str]:
    return [v for v in (_value(s.value) for s in field.subfields if s.code in codes) if v]


def _name(text: str) -> str:
    """`Serreau, Geneviève.` → `Geneviève Serreau`; an initial keeps its full stop."""
    text = re.sub(r",?\s*\(?\d{4}-(\d{4})?\)?[.,]?$", "", text.strip())  # `Lomax, John Avery, 1867-1948`
    text = re.sub(r"(?<=[^\W\d_]{2})[.,]$|,$", "", text)
    return given_name_first(text)


def marc_record(marc, source: str, position: int, prefix: str) -> Record:
    """A pymarc Record as a Record; ids are `<prefix><003>-<001>` (the control number), else a digest."""
    def fields(*tags: str):
        return [f for f in marc.get_fields(*tags)]

    def first(tag: str, *codes: str) -> str | None:
        return next((v for f in fields(tag) for v in _sub(f, *codes)), None)

    title_field = next(iter(fields("245")), None) or next(iter(fields("246", "242", "130", "240")), None)
    title = None
    if title_field is not None:  # `Ten years at NIH :` `$b advancing health…` → `Ten years at NIH: advancing health…`
        parts = [(s.code, _ISBD_END.sub("", _value(s.value) or "")) for s in title_field.subfields if s.code in "abnp"]
        title = "".join((": " if code == "b" else ". " if code in "np" else " ") + text
                        for code, text in parts if text).lstrip(":. ")
        title = _ISBD_END.sub("", clean(title) or "") or None
    if not title:
        kinds = {v.lower() for f in fields("980") for v in _sub(f, "a")} & _AUTHORITY_COLLECTIONS
        if kinds or str(marc.leader)[6:7] in ("z", "q"):
            what = f"an INSPIRE {'/'.join(sorted(kinds)).upper()} record" if kinds else "an authority record"
            raise NotBibliographic(source, f"{what}, not a bibliographic one: skipped")
        raise RecordError(source, "MARC record without a title (245 $a)")
    authors = []
    for field in fields("100", "700", "110", "710", "111", "711"):
        names = _sub(field, "a") + (_sub(field, "b") if field.tag in ("110", "710") else [])
        if not names:
            continue
        name = _name(names[0]) if field.tag in ("100", "700") else ". ".join(n.rstrip(".") for n in names)
        authors.append(Author(name, "; ".join(unique(_sub(field, "u"))) or None))
    subjects = []
    for field in fields(*(f"6{n:02d}" for n in range(100))):
        parts = [_ISBD_END.sub("", p).rstrip(".") for p in _sub(field, "a", "x", "y", "z", "v")]
        if parts:
            subjects.append(" -- ".join(parts))
    control = {f.tag: _value(f.data) for f in marc.fields if f.is_control_field()}
    fixed = next((f.data or "" for f in marc.fields if f.tag == "008" and f.is_control_field()), "")  # by position
    date = _date([v for tag in ("260", "264", "269") for f in fields(tag) for v in _sub(f, "c")], fixed)
    identifiers = {}
    isbns = [re.sub(r"[^\dXx]", "", v.split()[0]) for f in fields("020") for v in _sub(f, "a")]
    if isbns:
        identifiers["isbn"] = isbns[0]
    for field in fields("035"):
        for value in _sub(field, "a"):
            if value.startswith("(OCoLC)"):
                identifiers.setdefault("oclc", re.sub(r"^\(OCoLC\)\D*", "", value))
    lccn = first("010", "a")
    if lccn:
        identifiers["lccn"] = lccn
    for field in fields("037"):
        if any(s.lower() == "arxiv" for s in _sub(field, "9")) and _sub(field, "a"):
            identifiers["arxiv"] = _sub(field, "a")[0].removeprefix("arXiv:")
    doi = next((normalize_doi(v) for f in fields("024") if any(s.lower() == "doi" for s in _sub(f, "2"))
                for v in _sub(f, "a") if normalize_doi(v)), None)
    urls = [u for f in fields("856") for u in _sub(f, "u")]
    doi = doi or next((d for d in map(normalize_doi, urls) if d), None)
    language = first("041", "a") or (fixed[35:38] if len(fixed) >= 38 and fixed[35:38].strip(" |") else None)
    number = control.get("001")
    if number:
        record_id = prefix + "-".join(re.sub(r"[^\w.-]+", "_", p).lower() for p in (control.get("003"), number) if p)
        identifiers["control_number"] = number
    else:
        import hashlib

        content = "\x1f".join(str(f) for f in marc.fields)
        record_id = prefix + hashlib.blake2b(content.encode("utf-8"), digest_size=8).hexdigest()
    journal = first("773", "t", "p") or first("490", "a") or first("440", "a")
    return Record(
        id=record_id,
        title=title,
        summary=" ".join(v for f in fields("520") for v in _sub(f, "a", "b")) or None,
        authors=authors,
        subjects=unique(subjects),
        journal=_ISBD_END.sub("", journal) if journal else None,
        publisher=_ISBD_END.sub("", first("260", "b") or first("264", "b") or "") or None,
        issns=unique(v.split()[0] for tag in ("022", "773") for f in fields(tag) for v in _sub(f, "x" if tag == "773" else "a")),
        date=date,
        year=year_of(date),
        language=language_name(language[:3] if language else None),
        url=urls[0] if urls else doi_url(doi),
        doi=doi,
        identifiers=identifiers,
        source=source,
        position=position,
    )


def _date(values: list[str], fixed: str) -> str | None:
    """An ISO date from 260/264/269 $c (`c1995.`, `2011-03-03`, `197-?`), else 008's first date."""
    for value in values:
        full = re.search(r"(1[5-9]\d\d|20\d\d)-(\d\d)(?:-(\d\d))?", value)
        if full:
            return iso_date(*full.groups())
        if year_of(value):
            return str(year_of(value))
    return str(year_of(fixed[7:11])) if len(fixed) >= 11 and year_of(fixed[7:11]) else None
