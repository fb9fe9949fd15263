"""Fuzzy author lookup: candidate names from the index, people from their variants.

Every distinct author name in the index is a small `name` document (see
`index.name_document`). A lookup finds candidate names through Whoosh (fuzzy
terms on the folded name words), re-ranks them with `names.name_score` (rules
that know how names are written: initials, order, particles, compound and
double surnames), then groups the variants of one person and gathers their records.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..engine.analysis import deletion_keys
from ..engine.documents import record_data
from ..names import PARTICLES, name_id, name_score, parse_name, same_person_names
from ..engine.postings import posting_ids


@dataclass
class AuthorMatch:
    """One person: the name variants seen, their records and affiliations."""

    name: str
    variants: list[str]
    score: float
    records: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    record_details: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"name": self.name, "variants": self.variants, "score": self.score,
                "records": self.records, "affiliations": self.affiliations}


def cluster_names(scored: list[tuple[str, float]], limit: int | None = None) -> list[tuple[list[str], float, list[str]]]:
    """Group scored names into people: (names, best score, reasons), best first.

    Once `limit` people are found, lower-scored names may still join them (as
    variants) but start no new person.
    """
    clusters: list[tuple[list[str], float, list[str]]] = []
    # At equal scores, fuller names seed people first, so that an initial
    # (`A. Pérez-Martínez`) joins the first full name it fits, whatever the
    # order the index gave; the name itself breaks remaining ties.
    ordered = sorted(scored, key=lambda x: (-x[1], -len("".join(parse_name(x[0]).given)), x[0]))
    for name, score in ordered:
        for names, _, why in clusters:
            reason = same_person_names(names[0], name)
            if reason and all(same_person_names(n, name) for n in names[1:]):
                names.append(name)
                why.append(f"{name} ~ {names[0]}: {reason}")
                break
        else:
            if limit is None or len(clusters) < limit:
                clusters.append(([name], score, []))
    return clusters


def lookup_authors(ix, text: str, limit: int = 10, max_records: int | None = 50, candidates: int = 250) -> list[AuthorMatch]:
    """Find the people whose names best fit `text` in an open Whoosh index."""
    query_parts = parse_name(text)
    # Particles find too much alone, but a surname may look like one (`Das`).
    last = query_parts.family[-1:]
    words = [w for w in query_parts.words if len(w) > 1 and (w not in PARTICLES or (w,) == tuple(last))]
    if not words:
        return []
    with ix.searcher() as searcher:
        found: dict[str, float] = {}
        for name in _candidate_names(searcher, words, candidates):
            score = name_score(query_parts, name)
            if score >= 45:
                found[name] = score
        matches = [_gather(searcher, names, score, why, max_records)
                   for names, score, why in cluster_names(list(found.items()), limit)]
    matches.sort(key=lambda m: (-m.score, -len(m.records)))
    return matches


def _word_terms(reader, word: str) -> list[tuple[str, str, float]]:
    """The index terms (field, term, fit) that `word` may stand for in one
    segment: 1 the word itself, 0.9 a longer word it begins (`Hern` →
    `Hernández`), 0.8 a word within about two edits of it (see
    `analysis.deletion_keys`)."""
    # A word many names hold was typed as meant: its typo neighbours (which
    # would mostly re-read its own postings) are left out.
    common = reader.doc_frequency("name_words", word) >= _SURELY_MEANT
    terms = [] if common else [("name_keys", key, 0.8) for key in deletion_keys(word)]
    if len(word) >= 4:
        for i, btext in enumerate(reader.expand_prefix("name_words", word)):
            if i == _MAX_EXPANSIONS:
                break
            if btext != word.encode("utf-8"):
                terms.append(("name_words", btext.decode("utf-8"), 0.9))
    terms.append(("name_words", word, 1.0))
    return [t for t in terms if (t[0], t[1]) in reader]


_MAX_EXPANSIONS = 50
_SURELY_MEANT = 50
# Words past the two rarest join candidate generation only if they are this
# rare (postings to read); common ones are still scored, by name_similarity.
_COMMON_WORD_POSTINGS = 4000


def _candidate_names(searcher, words: list[str], cap: int) -> list[str]:
    """The stored names that fit most of the typed words, at most `cap` of them.

    Posting lists are read directly, unscored: the real ranking is
    `name_similarity`, so Whoosh only has to say which names hold which words.
    A name's coverage is the sum, over the rarer typed words, of its
    best-fitting term; ties go to the shorter name (fewer words left unexplained).
    """
    leaves = searcher.reader().leaf_readers()
    terms = {(word, n): _word_terms(reader, word) for word in set(words) for n, (reader, _) in enumerate(leaves)}
    postings = {word: sum(reader.doc_frequency(f, t) for n, (reader, _) in enumerate(leaves)
                          for f, t, _ in terms[word, n]) for word in set(words)}
    by_rarity = sorted(set(words), key=postings.__getitem__)
    chosen = by_rarity[:2] + [w for w in by_rarity[2:] if postings[w] <= _COMMON_WORD_POSTINGS]
    coverage: Counter[int] = Counter()
    for n, (reader, offset) in enumerate(leaves):
        for word in chosen:
            best: dict[int, float] = {}
            # Terms come in rising fit, so a better fit overwrites a worse one.
            for fieldname, term, fit in terms[word, n]:
                best.update(dict.fromkeys(posting_ids(reader, fieldname, term), fit))
            if offset:
                best = {doc + offset: fit for doc, fit in best.items()}
            coverage.update(best)
    if not coverage:
        return []
    reader = searcher.reader()
    ranked = sorted(coverage, key=coverage.__getitem__, reverse=True)
    if len(ranked) > cap:
        # Order the tier the cut falls in by name length (fewer words left
        # unexplained), looking at a bounded part of it, then cut.
        edge = coverage[ranked[cap - 1]]
        above = [d for d in ranked if coverage[d] > edge]
        tier = [d for d in ranked if coverage[d] == edge][: 4 * cap]
        tier.sort(key=lambda d: reader.doc_field_length(d, "name_words"))
        ranked = (above + tier)[:cap]
    return [searcher.stored_fields(doc)["name"] for doc in ranked]


def _gather(searcher, names: list[str], score: float, why: list[str], max_records: int | None) -> AuthorMatch:
    """The records of one person, newest first.

    Affiliations and how often each variant is used are counted over the
    newest `max_records` records (all when None); older ones give only their ids,
    read from the id column without loading the stored record.
    """
    from ..engine.searching import any_term_query

    ids = {name_id(n): n for n in names}
    q = any_term_query("author_id", ids)
    affiliations: Counter[str] = Counter()
    variants: Counter[str] = Counter()
    records, details = [], []
    results = searcher.search(q, limit=None, sortedby="year", reverse=True)
    id_column = None
    for n, docnum in enumerate(results.docs()):
        if max_records is not None and n >= max_records:
            if id_column is None:
                id_column = searcher.reader().column_reader("id")
            records.append(id_column[docnum])
            continue
        record = record_data(searcher.stored_fields(docnum))
        records.append(record["id"])
        for author in record["authors"]:
            if author["name"] in names:
                variants[author["name"]] += 1
                if author.get("affiliation"):
                    affiliations[author["affiliation"]] += 1
        details.append({"id": record["id"], "year": record.get("year"), "title": record["title"]})
    ordered = [n for n, _ in variants.most_common()]
    ordered += [n for n in names if n not in variants]
    # Shown as the most used variant that is written out in full (`Antonio
    # Pérez-Martínez`, not `A. Pérez-Martínez` or `Pérez-Martínez, Antonio`).
    full = [n for n in ordered if "," not in n and all(len(w) > 1 for w in parse_name(n).given)]
    return AuthorMatch(name=(full or ordered)[0], variants=ordered, score=score, records=records,
                       affiliations=[a for a, _ in affiliations.most_common()], why=why, record_details=details)
