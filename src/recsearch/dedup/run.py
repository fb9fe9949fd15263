"""One `recsearch dedup` run: compare the new records, join the groups, count the works (PRISMA)."""

from __future__ import annotations

import gc
import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..record import Record
from .candidates import Blocking
from .compare import REVIEW, SAME, decide
from .decisions import DIFFERENT, decisions_digest, read_decisions
from .decisions import SAME as MARKED_SAME
from .groups import GroupStore, Groups
from .keys import WorkKeys, work_keys

# The reader behind a record, told by its id: what the table says a record came as.
FORMAT_OF_PREFIX = {"pmid-": "PubMed", "ris-": "RIS", "bib-": "BibTeX", "enx-": "EndNote XML", "cord-": "CORD-19",
                    "doaj-art-": "DOAJ", "crossref-": "Crossref", "datacite-": "DataCite", "jats-": "JATS",
                    "jalc-": "JaLC", "mods-": "MODS", "marcxml-": "MARCXML", "wos-": "Web of Science",
                    "zotero-": "Zotero CSV"}


def format_of(record_id: str) -> str:
    return next((name for prefix, name in FORMAT_OF_PREFIX.items() if record_id.startswith(prefix)), "")


@dataclass
class DedupReport:
    records: int = 0
    works: int = 0
    groups: list[dict] = field(default_factory=list)  # {"records", "reason", "score", "lead"}
    review: list[dict] = field(default_factory=list)  # {"records": [a, b], "reason"}
    sources: list[dict] = field(default_factory=list)  # {"source", "records"}
    compared: int = 0  # records compared in this run (new or changed)
    pairs: int = 0  # candidate pairs decided in this run
    seconds: float = 0.0
    sources_of: dict[str, str] = field(default_factory=dict, repr=False)  # id → source file

    @property
    def duplicates(self) -> int:
        return self.records - self.works

    def to_dict(self) -> dict:
        return {"records": self.records, "works": self.works, "duplicates": self.duplicates,
                "groups": self.groups, "review": self.review, "sources": self.sources,
                "compared": self.compared, "pairs": self.pairs, "seconds": round(self.seconds, 3)}


def _digest(raw: str) -> bytes:
    return hashlib.blake2b(raw.encode("utf-8"), digest_size=12).digest()


def run_dedup(root: str | Path, *, fresh: bool = False, lock_timeout: float = 5.0) -> DedupReport:
    """Deduplicate the index at `root`: only records new or changed since the last run are compared
    (all with `fresh`). The groups are saved with the index generation."""
    started = time.monotonic()
    root = Path(root)
    # A full run makes a few million small objects and frees none of them early: the cycle
    # collector's passes over them cost a tenth of the run and find nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        report = _locked_run(root, fresh, lock_timeout)
    finally:
        if collecting:
            gc.enable()
    report.seconds = time.monotonic() - started
    return report


def _locked_run(root: Path, fresh: bool, lock_timeout: float) -> DedupReport:
    from ..engine.lock import IndexLock
    from ..search.index import RecordIndex

    with IndexLock(root, lock_timeout), RecordIndex(root) as index:
        gen, whoosh_generation = index.generation
        groups_store = GroupStore.of_generation(gen)
        try:
            report = _run(index, groups_store, root, fresh)
            groups_store.set_meta("whoosh_generation", str(whoosh_generation))
            groups_store.commit()
        finally:
            groups_store.close()
    return report


def _run(index, groups_store: GroupStore, root: Path, fresh: bool) -> DedupReport:
    report = DedupReport()
    known = {} if fresh else groups_store.digests()
    if fresh:
        groups_store.forget(list(groups_store.digests()))
    ids_by_docnum: dict[int, str] = {}
    sources: Counter[str] = Counter()
    fresh_records: list[tuple[WorkKeys, str, str | None, bytes, int]] = []  # keys, title, doi, digest, docnum
    cache: dict[str, WorkKeys] = {}
    changed = []
    for docnum, rid, source, raw in index.stored_records():
        ids_by_docnum[docnum] = rid
        sources[source] += 1
        report.sources_of[rid] = source
        digest = _digest(raw)
        if known.get(rid) == digest:
            continue
        if rid in known:
            changed.append(rid)
        record = Record.from_dict(json.loads(raw))
        keys = work_keys(record)
        fresh_records.append((keys, record.title, record.doi, digest, docnum))
        cache[rid] = keys
    present = set(ids_by_docnum.values())
    groups_store.forget([rid for rid in known if rid not in present] + changed)
    groups_store.put_all((keys, digest) for keys, _, _, digest, _ in fresh_records)
    report.records = len(present)
    report.compared = len(fresh_records)
    blocking = Blocking(index, groups_store, ids_by_docnum, report.records)
    if len(fresh_records) == report.records:  # every record compared: their posting lists read once, in bulk
        blocking.read_all((docnum, title, doi) for _, title, doi, _, docnum in fresh_records)
    done: set[tuple[str, str]] = set()
    for keys, title, doi, _, _ in fresh_records:
        for other in blocking.candidates(keys, title, doi):
            pair = (keys.id, other) if keys.id <= other else (other, keys.id)
            if pair in done:
                continue
            done.add(pair)
            theirs = cache.get(other) or groups_store.keys_of(other)
            if theirs is None:
                continue
            decision = decide(keys, theirs)
            if decision.verdict:
                groups_store.put_pair(keys.id, other, decision.verdict, decision.reason, decision.score)
    report.pairs = len(done)
    _join(report, groups_store, read_decisions(root), present, cache)
    report.sources = [{"source": s, "records": n} for s, n in sorted(sources.items())]
    groups_store.set_meta("decisions", decisions_digest(read_decisions(root)))
    return report


def _join(report: DedupReport, groups_store: GroupStore, decisions: dict, present: set[str],
          cache: dict[str, WorkKeys]) -> None:
    """Groups from the merged pairs and the people's decisions; refused joins go to review."""
    apart = [p for p, v in decisions.items() if v == DIFFERENT]
    groups = Groups(apart)
    reasons: dict[tuple[str, str], tuple[str, float]] = {}
    review: dict[tuple[str, str], str] = {}
    keys_of = _KeysLoader(groups_store, cache)
    marked = [(a, b, SAME, "marked the same by a person", 1.0) for (a, b), v in decisions.items()
              if v == MARKED_SAME and a in present and b in present]
    pairs = [p for p in groups_store.pairs() if decisions.get((p[0], p[1])) is None]
    # Strongest evidence first: a join refused for a weaker pair leaves the stronger ones standing.
    for a, b, verdict, reason, score in marked + sorted(pairs, key=lambda p: (-p[4], p[0], p[1])):
        if verdict == REVIEW:
            review[(a, b)] = reason
            continue
        ka, kb = keys_of(a), keys_of(b)
        refused = groups.join(a, b, _strong_ids(ka), _strong_ids(kb),
                              clash_ok=reason.startswith(("marked", "different DOIs")))
        if refused:
            review[(a, b)] = f"{reason}, but {refused}"
        else:
            reasons[(a, b)] = (reason, score)
    by_group: dict[str, list[tuple[str, float]]] = {}
    for (a, _), why in reasons.items():
        by_group.setdefault(groups.find(a), []).append(why)
    for members in groups.groups():
        found = by_group.get(groups.find(members[0]), [])
        lead = max(members, key=lambda m: (keys_of(m).completeness if keys_of(m) else 0, m == min(members)))
        report.groups.append({"records": members, "lead": lead,
                              "reason": "; ".join(dict.fromkeys(r for r, _ in found)),
                              "score": min((s for _, s in found), default=1.0)})
    report.review = [{"records": [a, b], "reason": why} for (a, b), why in sorted(review.items())
                     if groups.find(a) != groups.find(b)]
    report.works = report.records - sum(len(g["records"]) - 1 for g in report.groups)
    groups_store.save_groups([g["records"] for g in report.groups], [g["lead"] for g in report.groups])


def _strong_ids(keys: WorkKeys | None) -> list[str]:
    """The ids no two works share: DOI and PMID (a group holds one of each at most)."""
    if keys is None:
        return []
    return ([f"doi:{keys.doi}"] if keys.doi else []) + [k for k in keys.ids if k.startswith("pmid:")]


class _KeysLoader:
    """The keys of a record: those read this run, else the store's (remembered)."""

    def __init__(self, groups_store: GroupStore, cache: dict[str, WorkKeys]):
        self.groups_store, self.cache = groups_store, cache

    def __call__(self, rid: str) -> WorkKeys | None:
        if rid not in self.cache:
            self.cache[rid] = self.groups_store.keys_of(rid)
        return self.cache[rid]


def saved_groups(index) -> GroupStore | None:
    """The groups the last dedup run saved with this index generation (open, read-only), or None."""
    gen, _ = index.generation
    return GroupStore.of_generation(gen, readonly=True)
