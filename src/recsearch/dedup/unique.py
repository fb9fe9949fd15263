"""Duplicates collapsed: one record per work, the most complete, carrying every source's ids."""

from __future__ import annotations

import json
from dataclasses import replace

from ..record import Record
from .groups import GroupStore


def merged(lead: Record, others: list[Record]) -> Record:
    """The lead record with what the others add: their identifiers, a DOI, an abstract it lacks,
    and `records` (every record id of the work) among its identifiers."""
    identifiers = dict(lead.identifiers)
    for other in others:
        for kind, value in other.identifiers.items():
            if kind != "accession":
                identifiers.setdefault(kind, value)
    identifiers["records"] = "; ".join([lead.id] + [o.id for o in others])
    fill = {name: next((getattr(o, name) for o in others if getattr(o, name)), None)
            for name in ("doi", "summary", "volume", "pages", "journal", "year", "date") if not getattr(lead, name)}
    return replace(lead, identifiers=identifiers, **{k: v for k, v in fill.items() if v})


def source_note(record: Record) -> str | None:
    """What an export writes in RIS `N1` / BibTeX `note`: the records and ids of the work."""
    records = record.identifiers.get("records")
    if not records:
        return None
    ids = [f"{k}:{v}" for k, v in record.identifiers.items() if k not in ("records", "accession")]
    ids += [f"doi:{record.doi}"] if record.doi else []
    return f"recsearch dedup: one work in records {records}" + (f" ({', '.join(ids)})" if ids else "")


def collapse(index, groups: GroupStore | None, records: list[Record], limit: int | None = None):
    """`records` (best first) with one per work: [(the work's record, the other records' ids)]."""
    seen: set[str] = set()
    out: list[tuple[Record, list[str]]] = []
    for record in records:
        if record.id in seen:
            continue
        found = groups.group_of(record.id) if groups is not None else None
        if found is None:
            seen.add(record.id)
            out.append((record, []))
        else:
            lead_id, members = found
            seen.update(members)
            lead = index.get(lead_id) or record
            others = [r for r in (index.get(m) for m in members if m != lead.id) if r is not None]
            out.append((merged(lead, others), [o.id for o in others]))
        if limit is not None and len(out) >= limit:
            break
    return out


def unique_library(index, groups: GroupStore | None) -> list[Record]:
    """Every work of the index once (for exporting the deduplicated library)."""
    records = [Record.from_dict(json.loads(raw)) for _, _, _, raw in index.stored_records()]
    return [r for r, _ in collapse(index, groups, records)]
