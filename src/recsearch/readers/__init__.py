"""Readers: one module per input format, each yielding Records."""

from __future__ import annotations

from ..record import Record
from .errors import RecordError
from .seed import parse_seed_text, read_seed_bytes, read_seed_record

__all__ = ["RecordError", "parse_seed_text", "read_records", "read_seed_record"]


def read_records(data: bytes, source: str) -> list[Record]:
    """The records in one file's bytes (`source` names the file in errors)."""
    return [read_seed_bytes(data, source)]
