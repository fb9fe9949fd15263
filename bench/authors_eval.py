"""Evaluate fuzzy author lookup on real names, per kind of name variant.

    python bench/authors_eval.py [--targets 300] [--seed 5] [--no-record]

Indexes real records from ../shared/data/raw (PubMed/MEDLINE, CORD-19 and
DataCite names, rendered to the seed format), picks target names, writes
each the way people mistype or reorder it, and reports top-1 accuracy and
mean reciprocal rank per kind. A variant that fits two different people of
the corpus equally (`J. Smith` with both John and Jane Smith present) is
left out as ambiguous and counted apart.

Names with two family words (`Jiménez Merino, Silvia`, `Pérez-Martínez,
Antonio`, `Pérez de Diego, Rebeca`) get kinds of their own ("2 surnames: ..."),
asked for every such name of the corpus; half of them are indexed in display
order without a comma (`Silvia Jiménez Merino`, as catalogue pages show them),
where only the lookup can tell where the given names end.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
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

from recsearch.names import PARTICLES, name_readings, parse_name, same_person_names  # noqa: E402
from recsearch.readers.boundaries import fold_key  # noqa: E402
from recsearch.ingest.build import update_index  # noqa: E402
from recsearch.record import Author, Record  # noqa: E402
from recsearch.render import render_seed_record  # noqa: E402
from recsearch.search.index import RecordIndex  # noqa: E402

SHARED = HERE.parent.parent / "shared" / "data" / "raw"
KINDS = ["accents/case", "order", "initials", "hyphen/compound", "particles", "typos", "typos+no accents", "non-Latin"]
TWO_KINDS = ["2 surnames: 1st only", "2 surnames: 2nd only", "2 surnames: initials+1st", "2 surnames: 1st, given",
             "2 surnames: hyphen/space", "2 surnames: both, initials"]


def clean(text):
    return " ".join((text or "").split())


def real_records() -> tuple[list[Record], dict[str, tuple[str, str]]]:
    """The records, and each name's (given, family) as its source gives them."""
    records = []
    structure: dict[str, tuple[str, str]] = {}
    for path in sorted(SHARED.glob("pubmed-*/*.xml*")):
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        for cit in ET.fromstring(data).iter("MedlineCitation"):
            names = []
            for a in cit.findall(".//AuthorList/Author"):
                given, family = clean(a.findtext("ForeName")), clean(a.findtext("LastName"))
                names.append(clean(f"{given} {family}"))
                if given and family:
                    structure.setdefault(names[-1], (given, family))
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
    for record in records:
        for author in record.authors:
            if "," in author.name:
                family, given = author.name.split(",", 1)
                structure.setdefault(author.name, (given.strip(), family.strip()))
    seen, unique = set(), []
    for record in records:
        if record.id not in seen:
            seen.add(record.id)
            unique.append(record)
    return unique, structure


def family_halves(family: str) -> tuple[str, str] | None:
    """(first surname, the rest) of a family name of two words besides particles:
    `Jiménez Merino` → (`Jiménez`, `Merino`), `Pérez de Diego` → (`Pérez`, `de Diego`)."""
    tokens = family.replace("-", " ").split()
    if sum(t.lower() not in PARTICLES for t in tokens) != 2 or len(tokens) < 2:
        return None
    first = next(i for i, t in enumerate(tokens) if t.lower() not in PARTICLES)
    if first == len(tokens) - 1:
        return None
    return " ".join(tokens[: first + 1]), " ".join(tokens[first + 1:])


def in_display_order(name: str, structure: dict) -> str:
    """Half the comma names with two family words (by a stable hash), as `Given Family`."""
    if "," not in name or name not in structure:
        return name
    given, family = structure[name]
    if not given or not family_halves(family) or hashlib.blake2b(name.encode()).digest()[0] % 2:
        return name
    return f"{given} {family}"


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


def variants(name: str, rng: random.Random, parts: tuple[str, str] | None = None) -> dict[str, str]:
    given, family = parts or split_display(name)
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


def initials_of(given: str) -> str:
    return "".join(w[0] + "." for w in given.replace("-", " ").replace(".", " ").split() if w[0].isalpha())


def two_surname_variants(given: str, family: str, rng: random.Random) -> dict[str, str]:
    """The ways a name with two family words is cited: one of them, initials, hyphen or space."""
    halves = family_halves(family)
    if not halves or not given:
        return {}
    first, rest = halves
    out = {}
    initials = initials_of(given)
    full_given = any(len(w.strip(".")) > 1 for w in given.split())
    if full_given:
        out["2 surnames: 1st only"] = f"{given} {first}"
        out["2 surnames: 2nd only"] = f"{given} {rest}"
        out["2 surnames: 1st, given"] = f"{first}, {given}"
    if initials:
        out["2 surnames: initials+1st"] = rng.choice([f"{initials} {first}", f"{first} {initials.replace('.', '')}",
                                                      f"{first}, {initials}"])
        out["2 surnames: both, initials"] = rng.choice([f"{family}, {initials}", f"{initials} {family}"])
    spaced = family.replace("-", " ")
    out["2 surnames: hyphen/space"] = f"{given} {spaced if '-' in family else '-'.join(family.split())}"
    return out


def ambiguous(kind: str, query: str, target: str, by_family: dict, parts: tuple[str, str] | None = None) -> bool:
    """Could the query stand as well for another person of the corpus?

    Decided from the names alone, not by the scorer under test: the same name
    twice (two people), or for initials another given name with the same
    initials and surname, for one surname of a compound another person with
    that given name and surname, for a bare surname anyone with it.
    """
    t = parse_name(f"{parts[1]}, {parts[0]}") if parts else parse_name(target)
    q = parse_name(query)
    others = {n for w in t.family for n in by_family.get(w, [])} - {target}
    for other in others:
        if same_person_names(other, target):
            continue  # a variant of the same person: found with it
        if fold_key(other) == fold_key(target):
            return True
        if kind.startswith("2 surnames"):
            if any(two_surname_rival(kind, q, t, o) for o in name_readings(other)):
                return True
            continue
        o = parse_name(other)
        if kind == "initials" and o.family == t.family and [g[0] for g in o.given] == [g[0] for g in t.given]:
            return True
        if kind == "hyphen/compound" and o.given == t.given and set(q.family) <= set(o.family):
            return True
        if kind == "particles" and o.family == t.family:
            return True
    return False


def two_surname_rival(kind: str, q, t, o) -> bool:
    """Does the other name `o` fit the query `q` at least as well as the target `t`, by the names
    alone: the same given names (or initials, for the initials kinds) and every typed family word?"""
    bare = [w for w in o.family if w not in PARTICLES]
    initials = [g[0] for g in o.given]
    if "initials" in kind:
        # `J.` stands as well for `J. J.` as for `Jorge`, `J. A.` as well for `J.` (as `same_person` has it).
        typed_initials = [g[0] for g in q.given]
        given_fit = bool(initials) and all(a == b for a, b in zip(initials, typed_initials))
    else:
        # `Silvia` for `Silvia` or for `S.`.
        given_fit = o.given == t.given or all(len(g) == 1 for g in o.given) and initials == [g[0] for g in t.given]
    typed = [w for w in q.words if w not in PARTICLES and w not in t.given and len(w) > 1]
    return given_fit and bool(bare) and all(w in o.family for w in typed)


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
    records, structure = real_records()
    original_names = sorted({a.name for r in records for a in r.authors})
    indexed = {n: in_display_order(n, structure) for n in original_names}
    for name in original_names:
        if indexed[name] != name:
            structure[indexed[name]] = structure[name]
    for record in records:
        record.authors = [Author(indexed[a.name], a.affiliation) for a in record.authors]
    work = Path(tempfile.mkdtemp(prefix="recsearch-authors-"))
    (work / "seeds").mkdir()
    for n, record in enumerate(records):
        (work / "seeds" / f"{n:05d}.txt").write_text(render_seed_record(record), encoding="utf-8")
    update_index([work / "seeds"], work / "index")
    names = sorted({a.name for r in records for a in r.authors})
    by_family = defaultdict(list)
    for name in names:
        for word in {w for reading in name_readings(name) for w in reading.family}:
            by_family[word].append(name)
    # Targets are drawn from the names as the sources write them, so that the
    # other kinds ask what they asked before names were put in display order.
    pool = [n for n in original_names if len(parse_name(n).family[-1:] and parse_name(n).family[-1]) >= 3 and parse_name(n).given]
    targets = rng.sample(pool, min(args.targets, len(pool)))
    # Every name with accents, particles or a compound surname joins, so each kind has cases.
    targets += [n for n in pool if n not in targets and (not n.isascii() or "-" in n
                or any(w.lower() in PARTICLES for w in n.split()))][: args.targets]
    two_targets = [n for n in pool if n in structure and family_halves(structure[n][1])]

    results = defaultdict(list)
    skipped = defaultdict(int)
    latencies = []
    cases = [(target, kind, query) for target in targets
             for kind, query in variants(target, rng, structure.get(target)).items()]
    for target in two_targets:
        own = random.Random(f"{args.seed}:{target}")  # apart from `rng`: the other kinds' draws stay as they were
        cases += [(target, kind, query) for kind, query in two_surname_variants(*structure[target], own).items()]
    with RecordIndex(work / "index") as ix:
        for original, kind, query in cases:
            target = indexed[original]
            if ambiguous(kind, query, target, by_family, structure.get(target)):
                skipped[kind] += 1
                continue
            seconds, matches = timed(ix.authors, query, 10)
            latencies.append(seconds)
            rank = next((i for i, m in enumerate(matches, 1) if target in m.variants), None)
            results[kind].append(rank)
            if rank != 1 and args.verbose:
                print(f"{kind}: {query!r} -> {[m.name for m in matches[:3]]} (want {target!r})", file=sys.stderr)
    rows = []
    for group, label in ((KINDS, "all"), (TWO_KINDS, "all 2 surnames")):
        all_ranks = []
        for kind in group:
            ranks = results.get(kind, [])
            all_ranks += ranks
            if ranks:
                rows.append([kind, len(ranks), f"{sum(r == 1 for r in ranks) / len(ranks):.3f}",
                             f"{sum(1 / r for r in ranks if r) / len(ranks):.3f}", skipped[kind]])
        if all_ranks:
            rows.append([label, len(all_ranks), f"{sum(r == 1 for r in all_ranks) / len(all_ranks):.3f}",
                         f"{sum(1 / r for r in all_ranks if r) / len(all_ranks):.3f}", sum(skipped[k] for k in group)])
    table = tabulate(rows, headers=["variant kind", "queries", "top-1", "MRR", "ambiguous, left out"], tablefmt="github")
    shown = sum(indexed[n] != n for n in original_names)
    note = (f"{len(records)} real records, {len(names)} distinct names ({shown} with two family words "
            f"indexed in display order); lookup in process "
            f"p50 {median(latencies) * 1000:.1f} ms, p95 {percentile(latencies, 95) * 1000:.1f} ms at this size.")
    print(table)
    print(note)
    if not args.no_record:
        append_results("Author lookup accuracy on real names (bench/authors_eval.py)", table, note)


if __name__ == "__main__":
    main()
