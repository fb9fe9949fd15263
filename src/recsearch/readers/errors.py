"""What every reader raises, and the byte-level checks they share."""

from __future__ import annotations

from ..errors import RecsearchError


class RecordError(RecsearchError):
    """A record file that cannot be read: names the file and the problem."""

    def __init__(self, source: str, problem: str):
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class NotBibliographic(RecordError):
    """A record that describes no work (a person, an institution, an empty DOI): skipped, not failed."""


def decode_record_bytes(data: bytes, source: str) -> tuple[str, str | None]:
    """Decode a record file as UTF-8, falling back to Windows-1252 with a warning.

    Raises RecordError for empty and binary files.
    """
    if not data or data.isspace():  # (strip would copy the whole file)
        raise RecordError(source, "empty file")
    if b"\x00" in data[:65536]:
        raise RecordError(source, "binary file (NUL bytes), not a text record")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        where = exc.start
    try:
        text = data.decode("cp1252")
        encoding = "Windows-1252"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        encoding = "Latin-1"
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\r\n\f")
    if controls > len(text[:4096]) // 20:
        raise RecordError(source, "binary file, not a text record")
    return text, f"not valid UTF-8 (byte {where}): decoded as {encoding}"
