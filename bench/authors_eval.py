"""Evaluate fuzzy author lookup on real names, per kind of name variant.

    python bench/authors_eval.py [--targets 300] [--seed 5] [--no-record]

Indexes real records from ../shared/data/raw (PubMed/MEDLINE, CORD-19 and
DataCite names, rendered to the seed format), picks target names, writes
each the way people mistype or reorder it, and reports top-1 accuracy and
mean reciprocal rank per kind. A variant that fits two different people of
the corpus equally (`J. Smith` with both John and Jane Smith present) is
left out as ambiguous and counted apart.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from tabulate import tabulate
from unidecode import unidecode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from common import append_results, median, percentile, timed  # noqa: E402

from recsearch.authors import PARTICLES, parse_name, same_person  # noqa: E402
from recsearch.readers.boundaries import fold_key  # noqa: E402
from recsearch.build import update_index  # noqa: E402
from recsearch.record import Author, Record  # noqa: E402
from recsearch.render import render_seed_record  # noqa: E402
from recsearch.search import RecordIndex  # noqa: E402

SHARED = HERE.parent.parent / "shared" / "data" / "raw"
KINDS = ["accents/case", "order", "initials", "hyphen/compound", "particles", "typos", "typos+no accents", "non-Latin"]


def clean(text):
    return " ".join((text or "").split())


def real_records() -> list[Record]:
    records = []
    for path in sorted(SHARED.glob("pubmed-*/*.xml*")):
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        for cit in ET.fromstring(data).iter("MedlineCitation"):
            names = [clean(f"{a.findtext('ForeName') or ''} {a.findtext('LastName') or ''}")
                     for a in cit.findall(".//AuthorList/Author")]
            title = cit.find(".//ArticleTitle")
            if title is not None and any(names):
                records.append(Record(id=f"pmid-{cit.findtext('PMID')}", title=clean("".join(title.itertext())),
                                      authors=[Author(n) for n in names if n]))
    with open(SHARED / "cord19-metadata-sample" / "metadata_sample.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            names = [clean(n) for n in (row["authors"] or "").split(";") if "," in n and clean(n).split(",")[1].strip()]
            if names and clean(row["title"]):
                records.append(Record(id=f"cord-{row['cord_uid']}", title=clean(row["title"]), authors=[Author(n) for n in names]))
    with gzip.open(SHARED / "fatcat-test-files" / "datacite_1k_records.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            attrs = json.loads(line).get("attributes", {})
            names = [clean(c.get("name")) for c in attrs.get("creators") or []
                     if c.get("nameType") == "Personal" and "," in (c.get("name") or "")]
            titles = attrs.get("titles") or [{}]
            if names and clean(titles[0].get("title")):
                records.append(Record(id=f"datacite-{len(records)}", title=clean(titles[0]["title"]), authors=[Author(n) for n in names]))
    seen, unique = set(), []
    for record in records:
        if record.id not in seen:
            seen.add(record.id)
            unique.append(record)
    return unique


def typo(word: str, rng: random.Random, edits: int) -> str:
    for _ in range(edits):
        i = rng.randrange(1, len(word) - 1)
        op = rng.choice(["swap", "drop", "sub", "add"])
        letter = rng.choice("aeiounrst")
        if op == "swap":
            word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        elif op == "drop":
            word = word[:i] + word[i + 1:]
        elif op == "sub":
            word = word[:i] + letter + word[i + 1:]
        else:
            word = word[:i] + letter + word[i:]
    return word


def split_display(name: str) -> tuple[str, str]:
    """(given, family) as written, cut where `parse_name` cuts."""
    if "," in name:
        family, given = name.split(",", 1)
        return given.strip(), family.strip()
    words = name.split()
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in PARTICLES:
        start -= 1
    if 1 < start < len(words) - 1:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def variants(name: str, rng: random.Random) -> dict[str, str]:
    given, family = split_display(name)
    out = {}
    if not given or len(parse_name(name).family) == 0:
        return out
    folded = unidecode(name)
    out["accents/case"] = rng.choice([folded.lower(), folded.upper(), name.lower()]) if folded != name else name.upper()
    out["order"] = f"{family}, {given}" if "," not in name else f"{given} {family}"
    initials = "".join(w[0] + "." for w in given.replace("-", " ").split() if w[0].isalpha())
    if initials:
        out["initials"] = rng.choice([f"{initials} {family}", f"{family} {initials.replace('.', '')}",
                                      f"{initials.replace('.', ' ').strip()} {family}"])
    family_words = [w for w in family.replace("-", " ").split() if w.lower() not in PARTICLES]
    if "-" in family:
        out["hyphen/compound"] = f"{given} {family.replace('-', ' ')}"
    elif len(family_words) == 2:
        out["hyphen/compound"] = f"{given} {family_words[0]}"
    if any(w.lower() in PARTICLES for w in family.split()):
        out["particles"] = family
    longest = max(family_words or [family], key=len)
    if len(longest) >= 5:
        edits = 1 if len(longest) < 8 else rng.choice([1, 2])
        wrong = typo(longest, rng, edits)
        out["typos"] = f"{given} {family.replace(longest, wrong)}"
        out["typos+no accents"] = unidecode(f"{family.replace(longest, typo(longest, rng, 1))} {given}")
    if any(ord(ch) > 0x2FF for ch in name):
        out["non-Latin"] = unidecode(name)
    return out


def ambiguous(kind: str, query: str, target: str, by_family: dict) -> bool:
    """Could the query stand as well for another person of the corpus?

    Decided from the names alone, not by the scorer under test: the same name
    twice (two people), or for initials another given name with the same
    initials and surname, for one surname of a compound another person with
    that given name and surname, for a bare surname anyone with it.
    """
    t = parse_name(target)
    q = parse_name(query)
    others = {n for w in t.family for n in by_family.get(w, [])} - {target}
    for other in others:
        o = parse_name(other)
        if same_person(o, t):
            continue  # a variant of the same person: found with it
        if fold_key(other) == fold_key(target):
            return True
        if kind == "initials" and o.family == t.family and [g[0] for g in o.given] == [g[0] for g in t.given]:
            return True
        if kind == "hyphen/compound" and o.given == t.given and set(q.family) <= set(o.family):
            return True
        if kind == "particles" and o.family == t.family:
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=300)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit("the shared data (../shared/data/raw) is not here")
    rng = random.Random(args.seed)
    records = real_records()
    work = Path(tempfile.mkdtemp(prefix="recsearch-authors-"))
    (work / "seeds").mkdir()
    for n, record in enumerate(records):
        (work / "seeds" / f"{n:05d}.txt").write_text(render_seed_record(record), encoding="utf-8")
    update_index([work / "seeds"], work / "index")
    names = sorted({a.name for r in records for a in r.authors})
    by_family = defaultdict(list)
    for name in names:
        for word in parse_name(name).family:
            by_family[word].append(name)
    pool = [n for n in names if len(parse_name(n).family[-1:] and parse_name(n).family[-1]) >= 3 and parse_name(n).given]
    targets = rng.sample(pool, min(args.targets, len(pool)))
    # Every name with accents, particles or a compound surname joins, so each kind has cases.
    targets += [n for n in pool if n not in targets and (not n.isascii() or "-" in n
                or any(w.lower() in PARTICLES for w in n.split()))][: args.targets]

    results = defaultdict(list)
    skipped = defaultdict(int)
    latencies = []
    with RecordIndex(work / "index") as ix:
        for target in targets:
            for kind, query in variants(target, rng).items():
                if ambiguous(kind, query, target, by_family):
                    skipped[kind] += 1
                    continue
                seconds, matches = timed(ix.authors, query, 10)
                latencies.append(seconds)
                rank = next((i for i, m in enumerate(matches, 1) if target in m.variants), None)
                results[kind].append(rank)
                if rank != 1 and args.verbose:
                    print(f"{kind}: {query!r} -> {[m.name for m in matches[:3]]} (want {target!r})", file=sys.stderr)
    rows = []
    all_ranks = []
    for kind in KINDS:
        ranks = results.get(kind, [])
        all_ranks += ranks
        if ranks:
            rows.append([kind, len(ranks), f"{sum(r == 1 for r in ranks) / len(ranks):.3f}",
                         f"{sum(1 / r for r in ranks if r) / len(ranks):.3f}", skipped[kind]])
    rows.append(["all", len(all_ranks), f"{sum(r == 1 for r in all_ranks) / len(all_ranks):.3f}",
                 f"{sum(1 / r for r in all_ranks if r) / len(all_ranks):.3f}", sum(skipped.values())])
    table = tabulate(rows, headers=["variant kind", "queries", "top-1", "MRR", "ambiguous, left out"], tablefmt="github")
    note = (f"{len(records)} real records, {len(names)} distinct names; lookup in process "
            f"p50 {median(latencies) * 1000:.1f} ms, p95 {percentile(latencies, 95) * 1000:.1f} ms at this size.")
    print(table)
    print(note)
    if not args.no_record:
        append_results("Author lookup accuracy on real names (bench/authors_eval.py)", table, note)


if __name__ == "__main__":
    main()
