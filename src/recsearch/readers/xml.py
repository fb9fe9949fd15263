"""XML helpers for the XML readers.

Record files are untrusted: the standard library parser never fetches
external entities or DTDs, and the expat it uses (≥ 2.4) refuses entity
expansion blow-ups ("billion laughs").
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .errors import RecordError


def parse_xml(data: bytes, source: str) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        raise RecordError(source, f"invalid XML: {reason} at line {line} column {column}") from None
    except LookupError as exc:  # an encoding the declaration names and Python does not know
        raise RecordError(source, f"invalid XML: {str(exc)[:80]}") from None


def root_name(data: bytes) -> str | None:
    """The local name of the root element, read from the first tag past the prolog."""
    head = data[:8192]
    i = 0
    while True:
        i = head.find(b"<", i)
        if i < 0 or i + 1 >= len(head):
            return None
        if head[i + 1:i + 2] in (b"?", b"!"):
            i += 1
            continue
        end = i + 1
        while end < len(head) and head[end:end + 1] not in b" \t\r\n/>":
            end += 1
        return local_name(head[i + 1:end].decode("utf-8", "replace"))


def local_name(tag: str) -> str:
    """`{namespace}name` or `prefix:name` → `name`."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def text_of(element: ET.Element | None) -> str:
    """All the text inside an element, inline markup (`<i>`, `<sup>`) included."""
    if element is None:
        return ""
    return "".join(element.itertext())
