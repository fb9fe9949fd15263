"""The JSON shapes registries answer with: one object, a list, a wrapper holding
a list (`{"message": {"items": [...]}}`, `{"data": [...]}`), or JSON Lines."""

from __future__ import annotations

import json

from .errors import RecordError


def json_items(text: str, source: str, unwrap) -> list[tuple[int, object]]:
    """(position, item) for each item, 1-based; a broken JSON line is a RecordError in its place.

    `unwrap(data)` turns a parsed document into its list of items (None: not this format)."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise RecordError(source, "JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            raise RecordError(source, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        items = []
        for position, line in enumerate(lines, 1):
            try:
                found = unwrap(json.loads(line))
            except json.JSONDecodeError as line_exc:
                items.append((position, RecordError(source, f"invalid JSON line: {line_exc.msg}")))
                continue
            except RecursionError:
                items.append((position, RecordError(source, "JSON line nested too deeply")))
                continue
            items += [(position, item) for item in (found if found is not None else [None])]
        return items
    found = unwrap(data)
    if found is None:
        raise RecordError(source, "JSON in a shape this reader does not know")
    return list(enumerate(found, 1))


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def as_text(value) -> str | None:
    """Strings and numbers as text; objects and lists are not text."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None
