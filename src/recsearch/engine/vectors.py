"""The executor's two ways of holding posting lists and scores: Python lists and dicts, and numpy arrays.

Both give the same answers, score for score (tests compare them). Python's
way starts at once and wins on short posting lists; numpy (imported the first
time a query needs it: the import alone costs a CLI search 100-200 ms) wins
on long ones. Scores are sparse: (document, score) for the documents matched.
Document numbers here are a segment's own until `shift` adds its offset.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left


class PythonVectors:
    """Scores as {docnum: score}, document sets as sets."""

    name = "python"

    @staticmethod
    def postings(columns, deleted: frozenset | None):
        ids, weights = columns.ids(), columns.weights()
        if deleted:
            kept = [k for k, d in enumerate(ids) if d not in deleted]
            ids, weights = [ids[k] for k in kept], [weights[k] for k in kept]
        return ids, weights

    @staticmethod
    def ids(columns, deleted: frozenset | None):
        ids = columns.ids()
        return [d for d in ids if d not in deleted] if deleted else ids

    @staticmethod
    def postings_of(columns, wanted: set):
        """The postings of the documents `wanted` only (deleted documents are never wanted)."""
        if len(wanted) * 4 < columns.count:
            # Few wanted: look each up in the sorted ids rather than walk them all.
            ids, weights = columns.ids(), columns.weights()
            found_ids, found_weights = [], []
            for d in sorted(wanted):
                k = bisect_left(ids, d)
                if k < len(ids) and ids[k] == d:
                    found_ids.append(d)
                    found_weights.append(weights[k])
            return found_ids, found_weights
        pairs = [(d, w) for d, w in zip(columns.ids(), columns.weights()) if d in wanted]
        return [d for d, _ in pairs], [w for _, w in pairs]

    @staticmethod
    def field_frequencies(ids, weights, lengths: bytes, norm: list[float], weight: float) -> dict:
        """BM25F's length-normalised frequency of a word in one field: weight * tf / norm(length)."""
        return {d: weight * w / norm[lengths[d]] for d, w in zip(ids, weights)}

    @staticmethod
    def constant_frequencies(ids, weight: float) -> dict:
        return dict.fromkeys(ids, weight)

    @staticmethod
    def add(parts: list[dict]) -> dict:
        if len(parts) == 1:
            return dict(parts[0])
        found: dict = {}
        get = found.get
        for part in parts:
            for d, s in part.items():
                found[d] = get(d, 0.0) + s
        return found

    @staticmethod
    def map(scores: dict, function) -> dict:
        return {d: function(s) for d, s in scores.items()}

    @staticmethod
    def shift(scores: dict, offset: int) -> dict:
        return {d + offset: s for d, s in scores.items()} if offset else scores

    @staticmethod
    def docs(scores: dict) -> set:
        return set(scores)

    @staticmethod
    def doc_set(ids, offset: int = 0) -> set:
        return set(map(offset.__add__, ids) if offset else ids)

    @staticmethod
    def restrict(scores: dict, docs: set) -> dict:
        if len(docs) < len(scores):
            return {d: scores[d] for d in docs if d in scores}
        return {d: s for d, s in scores.items() if d in docs}

    @staticmethod
    def constant(docs: set, value: float) -> dict:
        return dict.fromkeys(docs, value)

    @staticmethod
    def intersect(sets: list[set]) -> set:
        sets = sorted(sets, key=len)
        return sets[0].intersection(*sets[1:])

    @staticmethod
    def union(sets: list[set]) -> set:
        return set().union(*sets)

    @staticmethod
    def minus(docs: set, other: set) -> set:
        return docs - other

    @staticmethod
    def local(docs: set, offset: int, size: int) -> set:
        """The documents of `docs` in the segment at `offset`, numbered in it."""
        if offset == 0 and (not docs or max(docs) < size):
            return docs
        return {d - offset for d in docs if offset <= d < offset + size}

    @staticmethod
    def phrase_scores(word_columns: list, candidates: set, deleted, lengths: bytes, norm, score) -> dict:
        """The scores of the candidate documents holding the words at consecutive positions (a
        segment's own numbers): `score` of each word's frequency, its positions over the length norm."""
        per_word = []
        for columns in word_columns:
            places = [(d, k) for k, d in enumerate(columns.ids()) if d in candidates]
            positions = columns.positions_at([k for _, k in places])
            per_word.append({d: p for (d, _), p in zip(places, positions)})
        found = {}
        first, rest = per_word[0], per_word[1:]
        for doc in candidates:
            if deleted and doc in deleted:
                continue
            later = [set(p[doc]) for p in rest]
            if any(all(start + k in positions for k, positions in enumerate(later, 1)) for start in first[doc]):
                n = norm[lengths[doc]]
                found[doc] = score([len(p[doc]) / n for p in per_word])
        return found

    @staticmethod
    def count(docs) -> int:
        return len(docs)

    @staticmethod
    def top(scores: dict, limit: int | None) -> list[tuple[int, float]]:
        def order(item):
            return -item[1], item[0]

        if limit is None:
            return sorted(scores.items(), key=order)
        return heapq.nsmallest(limit, scores.items(), key=order)

    @staticmethod
    def doc_list(docs) -> list[int]:
        return list(docs)


class NumpyVectors:
    """Scores as (sorted docnums, scores) numpy arrays, document sets as sorted arrays."""

    name = "numpy"

    def __init__(self, size: int = 0):
        import numpy

        self.np = numpy
        self.size = size  # documents in the index (0: unknown): unions are then marks in an array of this size
        self._deleted: dict = {}

    def _deleted_array(self, deleted: frozenset):
        key = id(deleted)
        if key not in self._deleted:
            self._deleted[key] = (deleted, self._array(deleted))
        return self._deleted[key][1]

    def postings(self, columns, deleted: frozenset | None):
        ids, weights = columns.id_array(self.np), columns.weight_array(self.np)
        if deleted:
            keep = ~self._within(ids, self._deleted_array(deleted))
            ids, weights = ids[keep], weights[keep]
        return ids, weights

    def ids(self, columns, deleted: frozenset | None):
        ids = columns.id_array(self.np)
        return ids[~self._within(ids, self._deleted_array(deleted))] if deleted else ids

    def postings_of(self, columns, wanted):
        ids, weights = columns.id_array(self.np), columns.weight_array(self.np)
        keep = self._within(ids, self._array(wanted))
        return ids[keep], weights[keep]

    def _array(self, docs):
        if isinstance(docs, self.np.ndarray):
            return docs
        return self.np.array(sorted(docs), dtype=self.np.int64)

    def _within(self, ids, sorted_docs):
        """A mask of the `ids` (sorted, distinct) found in `sorted_docs`."""
        if not len(sorted_docs) or not len(ids):
            return self.np.zeros(len(ids), dtype=bool)
        if len(ids) > 8 * len(sorted_docs):
            # Few looked for in a long list (the rest of an AND in a common word's postings):
            # find each of them in it, not each posting among them.
            mask = self.np.zeros(len(ids), dtype=bool)
            at = self.np.searchsorted(ids, sorted_docs)
            at = at[at < len(ids)]
            mask[at[ids[at] == sorted_docs[:len(at)]]] = True
            return mask
        at = self.np.searchsorted(sorted_docs, ids)
        at[at == len(sorted_docs)] = 0
        return sorted_docs[at] == ids

    def field_frequencies(self, ids, weights, lengths: bytes, norm, weight: float):
        np = self.np
        table = np.asarray(norm, dtype=np.float64)
        length_bytes = np.frombuffer(lengths, dtype=np.uint8)
        return ids, weight * weights / table[length_bytes[ids]]

    def constant_frequencies(self, ids, weight: float):
        return ids, self.np.full(len(ids), float(weight))

    def add(self, parts: list):
        np = self.np
        parts = [p for p in parts if len(p[0])]
        if not parts:
            return self.empty()
        if len(parts) == 1:
            return parts[0]
        ids = np.concatenate([p[0] for p in parts])
        values = np.concatenate([p[1] for p in parts])
        # bincount adds each document's parts in the order given, as the Python way does.
        if self._dense(len(ids)):
            docs = np.flatnonzero(np.bincount(ids, minlength=self.size))
            return docs, np.bincount(ids, weights=values, minlength=self.size)[docs]
        docs, where = self._groups(ids)
        return docs, np.bincount(where, weights=values, minlength=len(docs))

    def _dense(self, items: int) -> bool:
        """Whether a pass over an array of every document beats sorting `items` numbers: a
        quarter of the index or more (below, the pass costs more than the sort, measured)."""
        return bool(self.size) and items * 4 >= self.size

    def _groups(self, ids):
        """(the distinct ids in order, each id's place among them): a stable sort of sorted runs."""
        np = self.np
        order = np.argsort(ids, kind="stable")
        ordered = ids[order]
        first = np.empty(len(ordered), dtype=bool)
        first[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        where = np.empty(len(ids), dtype=np.int64)
        where[order] = np.cumsum(first) - 1
        return ordered[first], where

    def empty(self):
        return self.np.zeros(0, dtype=self.np.int64), self.np.zeros(0)

    def map(self, scores, function):
        return scores[0], function(scores[1])

    def shift(self, scores, offset: int):
        return (scores[0] + offset, scores[1]) if offset else scores

    def docs(self, scores):
        return scores[0]

    def doc_set(self, ids, offset: int = 0):
        ids = self.np.asarray(ids, dtype=self.np.int64)
        return ids + offset if offset else ids

    def restrict(self, scores, docs):
        keep = self._within(scores[0], self._array(docs))
        return scores[0][keep], scores[1][keep]

    def constant(self, docs, value: float):
        docs = self._array(docs)
        return docs, self.np.full(len(docs), float(value))

    def intersect(self, sets: list):
        sets = sorted((self._array(s) for s in sets), key=len)
        found = sets[0]
        for other in sets[1:]:
            found = found[self._within(found, other)]
        return found

    def union(self, sets: list):
        np = self.np
        sets = [a for a in (self._array(s) for s in sets) if len(a)]
        if not sets:
            return np.zeros(0, dtype=np.int64)
        if len(sets) == 1:
            return sets[0]
        if self._dense(sum(len(part) for part in sets)):
            # Marks in one array of every document: no sort, whatever the parts' sizes.
            marks = np.zeros(self.size, dtype=bool)
            for part in sets:
                marks[part] = True
            return np.flatnonzero(marks)
        return self._groups(np.concatenate(sets))[0]

    def minus(self, docs, other):
        docs = self._array(docs)
        return docs[~self._within(docs, self._array(other))]

    def local(self, docs, offset: int, size: int):
        docs = self._array(docs)
        lo, hi = self.np.searchsorted(docs, [offset, offset + size])
        return docs[lo:hi] - offset

    def phrase_scores(self, word_columns: list, candidates, deleted, lengths: bytes, norm, score):
        """As PythonVectors.phrase_scores: each word's (document, position - its place) pairs, intersected."""
        np = self.np
        candidates = self._array(candidates)
        if deleted:
            candidates = candidates[~self._within(candidates, self._deleted_array(deleted))]
        keys, counts = [], []
        for place, columns in enumerate(word_columns):
            ids = columns.id_array(np)
            keep = self._within(ids, candidates)
            per_posting, positions = columns.position_arrays_of(np, keep)
            owner = ids[keep]
            # In document order, each document's positions rising: sorted and distinct as they are.
            keys.append((np.repeat(owner, per_posting) << 32) + (positions - place))
            counts.append((owner, per_posting))
        found_keys = keys[0]
        for other in keys[1:]:
            found_keys = found_keys[self._within(found_keys, other)]
        docs = np.unique(found_keys >> 32)
        n = np.asarray(norm, dtype=np.float64)[np.frombuffer(lengths, dtype=np.uint8)[docs]]
        # Every found document holds every word: its count is at its place among the word's owners.
        return docs, score([per_posting[np.searchsorted(owner, docs)] / n for owner, per_posting in counts])

    def count(self, docs) -> int:
        return len(docs)

    def top(self, scores, limit: int | None) -> list[tuple[int, float]]:
        np = self.np
        ids, values = scores
        if limit is not None and len(values) > limit:
            # Every document scoring at least the limit-th best, ties included, then ordered.
            kth = np.partition(-values, limit - 1)[limit - 1]
            chosen = np.nonzero(-values <= kth)[0]
            ids, values = ids[chosen], values[chosen]
        order = np.lexsort((ids, -values))
        if limit is not None:
            order = order[:limit]
        return list(zip(ids[order].tolist(), values[order].tolist()))

    def doc_list(self, docs) -> list[int]:
        return self._array(docs).tolist()
