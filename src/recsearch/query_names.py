"""Author phrases as citations write names: `author:"zagolski o"`, `author:"zagolski, olaf"`.

A phrase in the author field also finds the records of every stored name it
fits: its words in order, or with the words it starts with moved to the end
(surname first), where a single letter on either side stands for a word that
starts with it (an initial). Whoosh's phrase alone needs the words as stored.
"""

from __future__ import annotations

from whoosh import query as wq

from .authors import name_id
from .postings import DocSetQuery

# Stored names one phrase may stand for; a phrase of common words past this is left as typed.
MAX_NAMES = 2000


def _same_word(typed: str, stored: str) -> bool:
    if typed == stored:
        return True
    return (len(typed) == 1 and stored.startswith(typed)) or (len(stored) == 1 and typed.startswith(stored))


def _in_order(words: list[str], stored: list[str], at_end: bool) -> bool:
    starts = [len(stored) - len(words)] if at_end else range(len(stored) - len(words) + 1)
    return any(start >= 0 and all(_same_word(w, stored[start + i]) for i, w in enumerate(words))
               for start in starts)


def name_fits(words: list[str], stored: list[str]) -> bool:
    """Whether typed name words fit a stored name's words (both folded): in order, with
    initials; or surname first (`zagolski olaf`), the surname then ending the stored name."""
    if not any(len(w) > 1 for w in words):
        return False
    if _in_order(words, stored, at_end=False):
        return True
    return any(_in_order(words[cut:] + words[:cut], stored, at_end=True) for cut in range(1, len(words)))


def _stored_words(schema, name: str) -> list[str]:
    return [t.text for t in schema["author"].analyzer(name, mode="index")]


def _fitting_names(searcher, words: list[str]) -> list[str] | None:
    """The stored names the phrase fits, or None when its full words are in too many names."""
    full = [w for w in dict.fromkeys(words) if len(w) > 1]
    reader = searcher.reader()
    if any(("name_words", w) not in reader for w in full):
        return []
    q = wq.And([wq.Term("kind", "name")] + [wq.Term("name_words", w) for w in full])
    docnums = list(q.docs(searcher))
    if len(docnums) > MAX_NAMES:
        return None
    names = (reader.stored_fields(d).get("name") for d in docnums)
    return [n for n in names if n and name_fits(words, _stored_words(searcher.schema, n))]


def with_name_forms(q: wq.Query, searcher) -> wq.Query:
    """Each author phrase of `q`, also as the records of the stored names it fits."""
    if isinstance(q, wq.Phrase) and q.fieldname == "author" and "name_words" in searcher.schema:
        names = _fitting_names(searcher, list(q.words))
        if names:
            ids = sorted({name_id(n) for n in names})
            label = '"' + " ".join(q.words) + '"'
            return wq.Or([q, DocSetQuery("author_id", ids, boost=q.boost, label=label)])
        return q
    if q.children():
        return q.apply(lambda child: with_name_forms(child, searcher))
    return q
