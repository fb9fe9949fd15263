"""MARCXML (`<collection>` or a bare `<record>`, with or without the MARC21/slim
namespace, inside SRU or OAI-PMH answers too), read into pymarc records.

A file that is not well-formed (SRU answers with an undeclared `zs:` prefix,
a control byte in one record) is cut into its `<record>` elements, each
parsed alone: the good ones are read, the bad ones reported by position.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..record import Record
from .common import add_record
from .errors import RecordError
from .marc import marc_record
from .xml import local_name

ID_PREFIX = "marcxml-"
_FRAGMENT = re.compile(rb"<((?:[\w.-]+:)?)record(?=[\s>])[^>]*>.*?</\1record\s*>", re.S)
_MARC_NS = b"http://www.loc.gov/MARC21/slim"


def looks_like_marcxml(head: bytes) -> bool:
    return b"<" in head and (b"<datafield" in head or b":datafield" in head or b"<controlfield" in head
                             or b":controlfield" in head or _MARC_NS in head and b"record" in head)


def read_marcxml(data: bytes, source: str) -> tuple[list[Record], list[tuple[int, str]], list[str]]:
    try:
        elements = [e for e in ET.fromstring(data).iter() if _is_marc_record(e)]
        broken = []
    except ET.ParseError as exc:
        elements, broken = _fragments(data, source, exc)
    except LookupError as exc:
        raise RecordError(source, f"invalid XML: {str(exc)[:80]}") from None
    records, problems, warnings = [], list(broken), []
    positions = [p for p, _ in broken]
    position = 0
    for element in elements:
        position += 1
        while position in positions:
            position += 1
        add_record((records, problems, warnings), position, "record",
                   lambda: marc_record(_to_pymarc(element), source, position, ID_PREFIX), unreadable="MARC record")
    if not records and not problems and not warnings:
        raise RecordError(source, "MARCXML without any <record> holding MARC fields")
    return records, sorted(problems), warnings


def _is_marc_record(element: ET.Element) -> bool:
    return local_name(element.tag) == "record" and any(
        local_name(c.tag) in ("controlfield", "datafield", "leader") for c in element)


def _fragments(data: bytes, source: str, error: ET.ParseError):
    """Each `<record>` of a file that does not parse as a whole, parsed alone."""
    elements, broken = [], []
    matches = [m for m in _FRAGMENT.finditer(data) if b"datafield" in m.group(0) or b"controlfield" in m.group(0)]
    if not matches:
        line, column = error.position
        raise RecordError(source, f"invalid XML: {str(error).split(':')[0]} at line {line} column {column}")
    for position, match in enumerate(matches, 1):
        prefix = match.group(1)[:-1]
        declared = b' xmlns:' + prefix + b'="' + _MARC_NS + b'"' if prefix else b""
        try:
            wrapper = ET.fromstring(b"<w" + declared + b">" + match.group(0) + b"</w>")
        except ET.ParseError as exc:
            broken.append((position, f"invalid XML in this record: {str(exc).split(':')[0]}"))
            continue
        elements.append(next(e for e in wrapper.iter() if _is_marc_record(e)))
    return elements, broken


def _to_pymarc(element: ET.Element):
    import pymarc

    leader = next((c.text or "" for c in element if local_name(c.tag) == "leader"), "")
    # INSPIRE and other exports leave the leader out: pymarc's blank one stands in.
    record = pymarc.Record(leader=leader.ljust(24)[:24]) if leader.strip() else pymarc.Record()
    for child in element:
        name, tag = local_name(child.tag), (child.get("tag") or "").strip()
        if name == "controlfield" and tag:
            record.add_field(pymarc.Field(tag=tag, data=child.text or ""))
        elif name == "datafield" and tag:
            subfields = [pymarc.Subfield(s.get("code") or " ", "".join(s.itertext()))
                         for s in child if local_name(s.tag) == "subfield"]
            indicators = pymarc.Indicators((child.get("ind1") or " ")[:1], (child.get("ind2") or " ")[:1])
            record.add_field(pymarc.Field(tag=tag, indicators=indicators, subfields=subfields))
    return record
