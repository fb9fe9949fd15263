"""Author phrases as citations write names: `author:"zagolski o"`, `author:"zagolski, olaf"`.

A phrase in the author field also finds the records of every stored name it
fits: family words as stored, with the given names, or their initials, typed
before them or after them (surname first); a single letter on either side
stands for a name that starts with it. Whoosh's phrase alone needs the words
as stored.
"""

from __future__ import annotations

from whoosh import query as wq

from ..names import name_id
from .nodes import DocSetQuery

# Stored names one phrase may stand for; a phrase of common words past this is left as typed.
MAX_NAMES = 2000


def _same_word(typed: str, stored: str) -> bool:
    if typed == stored:
        return True
    return (len(typed) == 1 and stored.startswith(typed)) or (len(stored) == 1 and typed.startswith(stored))


def _given_fit(given: list[str], stored: list[str]) -> bool:
    """Typed given names fit stored ones: the first with the first, the rest in order after it
    (`c` fits `chien feng`; an initial for each name is not required)."""
    if not given:
        return True
    if not stored or not _same_word(given[0], stored[0]):
        return False
    rest = iter(stored[1:])
    return all(any(_same_word(word, other) for other in rest) for word in given[1:])


def name_fits(words: list[str], stored: list[str]) -> bool:
    """Whether typed name words fit a stored name's words (both folded): family words as
    stored, given names (or initials) before them or, surname first, typed after them."""
    if not any(len(w) > 1 for w in words):
        return False
    splits = [(words[k:], words[:k]) for k in range(len(words))]
    splits += [(words[:k], words[k:]) for k in range(1, len(words))]
    for family, given in splits:
        if any(len(w) == 1 for w in family):
            continue
        for p in range(len(stored) - len(family) + 1):
            if stored[p:p + len(family)] != family:
                continue
            before, after = stored[:p], stored[p + len(family):]
            # A name stored surname first (`Papillon, Joëlle`) has its given names after.
            if _given_fit(given, before) or (not before and _given_fit(given, after)):
                return True
    return False


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
