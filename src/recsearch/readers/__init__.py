"""Readers: one module per input format, each yielding Records."""

from .errors import RecordError
from .seed import parse_seed_text, read_seed_record

__all__ = ["RecordError", "parse_seed_text", "read_seed_record"]
