"""Whether two records are one work: identifiers first, then title and what agrees with it, behind guards.

A pair is `same` (merged, with the evidence), `review` (uncertain: listed for a
person, never merged) or None (different works). The guards stop the merges
that title words alone would make: a notice and the item it is about, a meeting
abstract and the later article, a book and its chapters, generic titles.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from .keys import WorkKeys, is_generic, journals_agree

SAME, REVIEW = "same", "review"
# Title similarity (0-100) at which titles read as one: near-equal, and close enough
# when much else agrees. Chosen on bench/dedup_eval.py's labelled pairs.
NEAR_EQUAL = 95.0
CLOSE = 88.0
SUBTITLE = 97.0  # one title is the other plus a subtitle (databases drop it)
REVIEW_FLOOR = 80.0
# Identifiers of which a work has one: two that differ are two works. A database's own record
# numbers (`cord_uid`, `wos`, `scopus`, `doaj`) are not: one database may hold a work twice.
WORK_IDS = frozenset({"pmid", "pmcid", "arxiv"})


@dataclass(frozen=True)
class Decision:
    verdict: str | None  # SAME, REVIEW or None
    reason: str
    score: float


DIFFERENT = Decision(None, "", 0.0)


def title_similarity(a: str, b: str) -> float:
    """0-100: the plain ratio, or the ratio of the shorter title to the longer's start (a dropped subtitle)."""
    if a == b:
        return 100.0
    plain = fuzz.ratio(a, b)
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short.split()) >= 4 and long.startswith(short[: max(len(short) - 2, 1)]):
        return max(plain, SUBTITLE - 0.5)
    return plain


def families_agree(a: WorkKeys, b: WorkKeys) -> bool | None:
    """First authors agree (spelling and particles tolerated, or one first author among the other's first five);
    None when either has no authors."""
    if not a.family or not b.family:
        return None
    if a.family == b.family or a.family.endswith(b.family) or b.family.endswith(a.family):
        return True
    if fuzz.ratio(a.family, b.family) >= 85:
        return True
    if a.family in b.families or b.family in a.families:
        return True
    # `Jiajun Li` read as family `Jiajun` by one database: the family name among the other's name words.
    return a.family in b.name_words or b.family in a.name_words


def _agreement(a: WorkKeys, b: WorkKeys) -> tuple[list[str], list[str]]:
    """What agrees and what contradicts, besides the title, in words for the reason."""
    agree, clash = [], []
    if a.year and b.year:
        gap = abs(a.year - b.year)
        (agree if gap <= 1 else clash).append("year" if gap == 0 else f"years {a.year}/{b.year}")
    authors = families_agree(a, b)
    if authors is not None:
        (agree if authors else clash).append("first author" if authors else "first authors")
    if (a.issns & b.issns) or journals_agree(a.journal, b.journal):
        agree.append("journal")
    if a.volume and b.volume:
        (agree if a.volume == b.volume else clash).append("volume" if a.volume == b.volume else "volumes")
    if a.first_page and b.first_page and a.first_page[0].isdigit() == b.first_page[0].isdigit():
        same = a.first_page == b.first_page
        (agree if same else clash).append("pages" if same else "pages differ")
    return agree, clash


def _kinds_clash(a: WorkKeys, b: WorkKeys) -> str | None:
    if a.kind != b.kind:
        notice = a if a.kind != "article" else b
        return f"one is a {notice.kind} notice"
    if a.meeting != b.meeting:
        return "one is a meeting abstract"
    return None


def decide(a: WorkKeys, b: WorkKeys) -> Decision:
    """The decision for one pair of records (see the module docstring)."""
    shared = sorted(a.ids & b.ids) + ([f"doi:{a.doi}"] if a.doi and a.doi == b.doi else [])
    clashing_ids = sorted(k.split(":")[0] for k in a.ids for j in b.ids
                          if k.split(":")[0] == j.split(":")[0] and k != j and k.split(":")[0] in WORK_IDS)
    similarity = title_similarity(a.title, b.title)
    agree, clash = _agreement(a, b)
    kinds = _kinds_clash(a, b)
    if shared:
        label = "same " + ", ".join(s.split(":")[0].upper() for s in shared)
        if kinds and similarity < 100:
            return Decision(REVIEW, f"{label}, but {kinds}", 0.5)
        if clashing_ids:
            return Decision(REVIEW, f"{label}, but different {', '.join(dict.fromkeys(clashing_ids)).upper()}", 0.5)
        generic = is_generic(a.title) or is_generic(b.title)
        if similarity < 75 and not generic and a.title and b.title and not (a.title in b.title or b.title in a.title):
            # A book and its chapters, a journal issue and its articles share a container DOI.
            return Decision(REVIEW, f"{label}, but the titles differ (a book and its chapter?)", 0.5)
        if len(clash) >= 2:
            return Decision(REVIEW, f"{label}, but {' and '.join(clash)} differ", 0.5)
        return Decision(SAME, label, 1.0)
    if similarity < REVIEW_FLOOR or not a.title or not b.title:
        return DIFFERENT
    if kinds:
        return DIFFERENT  # an erratum, a reply, a meeting abstract: its own item, though its title is the article's
    if clashing_ids or (a.doi and b.doi):
        # Two identifiers of one kind that differ: two works, unless everything else agrees.
        all_agree = similarity >= NEAR_EQUAL and not clash and {"volume", "pages"} <= set(agree) and len(agree) >= 4
        if all_agree:
            return Decision(SAME, "different DOIs, but title, " + ", ".join(agree) + " agree", 0.9)
        if similarity >= NEAR_EQUAL and not clash and len(agree) >= 2:
            return Decision(REVIEW, "same title, but different " + ("DOIs" if a.doi and b.doi else
                                                                   ", ".join(dict.fromkeys(clashing_ids)).upper()),
                            round(similarity / 200, 3))
        return DIFFERENT
    generic = is_generic(a.title) or is_generic(b.title)
    what = "same title" if similarity == 100 else f"title {similarity:.0f}%"
    reason = what + (", " + ", ".join(agree) if agree else "")
    score = round(similarity / 100 * (0.6 + 0.1 * min(len(agree), 4)), 3)
    if generic:
        # A generic title is no evidence: only journal, volume, pages and year all agreeing are.
        if not clash and {"journal", "volume", "pages", "year"} <= set(agree):
            return Decision(SAME, reason, score)
        return DIFFERENT
    if clash:
        if similarity >= NEAR_EQUAL and len(agree) >= 2 and len(clash) == 1 and clash[0].startswith("years"):
            return Decision(REVIEW, f"{what}, {', '.join(agree)} agree, but {clash[0]}", score)
        return DIFFERENT
    words = len(a.title.split())
    if similarity >= NEAR_EQUAL and (len(agree) >= 2 or (len(agree) == 1 and words >= 6 and agree[0] != "journal")):
        return Decision(SAME, reason, score)
    if similarity >= CLOSE and len(agree) >= 3:
        return Decision(SAME, reason, score)
    if similarity >= CLOSE and agree:
        return Decision(REVIEW, reason + " (too little else agrees)", score)
    if similarity >= NEAR_EQUAL:
        return Decision(REVIEW, what + ", nothing else to compare", score)
    return DIFFERENT
