"""The query language: parse what a user typed, refuse what would cost too much,
and expand wildcard, prefix and fuzzy words within bounds."""

from __future__ import annotations

import re
from itertools import islice

from whoosh import qparser
from whoosh import query as wq
from whoosh.analysis import STOP_WORDS
from whoosh.collectors import TimeLimit
from whoosh.qparser import syntax

from ..errors import QueryError
from .schema import DEFAULT_FIELDS, FIELD_ALIASES, FIELD_BOOSTS, RECORDS, known_fields, searchable_fields
from .analysis import LONGEST_ENDING, is_stemmed, stem_forms
from .years import YearSpanPlugin, check_year, with_years
from .nodes import DocSetQuery, combine_fields

# Words one wildcard, prefix or fuzzy term may stand for in one field. Past it
# the query is refused, as Lucene refuses too many clauses: such a term
# matches most of the index and costs seconds.
MAX_EXPANSIONS = 1000
# Postings the expansions of one query may reach, summed over its terms and
# fields: each costs ~1 µs to read, so this keeps a wildcard search near a
# second. Fewer than 1,000 words can still be in most records of a big index
# (`co*` reaches 9.4 million postings at a million records).
MAX_EXPANSION_POSTINGS = 1_000_000
ANY_GROUP = qparser.OrGroup
_FIELD_REF = re.compile(r"(?<![\w.])([A-Za-z_]\w*):(?!//)")
_QUOTED = re.compile(r'"[^"]*"?')


def _check_fields(text: str, schema) -> None:
    """Refuse `foo:bar` for a field we do not have (Whoosh would search the text `foo:bar`)."""
    known = known_fields(schema)
    for match in _FIELD_REF.finditer(_QUOTED.sub(" ", text)):
        if match.group(1) not in known:
            raise QueryError(
                f"unknown field '{match.group(1)}:'; fields are: {', '.join(searchable_fields(schema))}"
            )


def _errors(q) -> list[str]:
    found = [str(q.error)] if getattr(q, "error", None) else []
    if isinstance(q, (wq.NumericRange, wq.TermRange)) and None not in (q.start, q.end) and q.start > q.end:
        found.append(f"range {q.fieldname}:[{q.start} TO {q.end}] is backwards")
    for child in q.children():
        found += _errors(child)
    return found


def _check_years(q, schema) -> None:
    """Refuse a year of fewer than four digits (`year:20`, `year:[20 TO 21]`): it would find nothing."""
    if isinstance(q, wq.NumericRange) and q.fieldname == "year":
        for value in (q.start, q.end):
            check_year(value, f"[{'' if q.start is None else q.start} TO {'' if q.end is None else q.end}]")
    elif isinstance(q, wq.Term) and q.fieldname == "year" and isinstance(q.text, bytes):
        value = schema["year"].from_bytes(q.text)
        check_year(value, str(value))
    elif isinstance(q, (wq.Term, wq.Phrase)) and q.fieldname == "year":
        shown = getattr(q, "text", None) or " ".join(q.words)
        raise QueryError(f"year:{shown!r}: a year is a number such as 2020, or a range such as 2019-2023")
    for child in q.children():
        _check_years(child, schema)


class DropStopWordsPlugin(qparser.Plugin):
    """Drop unfielded stop words before they fan out over the default fields.

    Names keep every word (`de`, `van`), so without this `safety of NK` would
    require an author or language word `of`.
    """

    def filters(self, parser):
        # After explicit field names (100), before the multifield fan-out (110).
        return [(self.drop_stop_words, 105)]

    def drop_stop_words(self, parser, group):
        # A dropped word takes one operator with it, so the operators around it
        # keep their meaning: `cells OR the OR lymphoma` is `cells OR lymphoma`.
        kept = group.empty_copy()
        take_next_operator = False
        for node in group:
            if isinstance(node, syntax.GroupNode):
                kept.append(self.drop_stop_words(parser, node))
                take_next_operator = False
            elif type(node) is syntax.WordNode and node.fieldname is None and node.text.lower() in STOP_WORDS:
                take_next_operator = not self._drop_operator_before(kept)
            elif isinstance(node, syntax.Whitespace):
                kept.append(node)
            elif take_next_operator and isinstance(node, syntax.InfixOperator):
                take_next_operator = False
            else:
                kept.append(node)
                take_next_operator = False
        return kept

    @staticmethod
    def _drop_operator_before(kept) -> bool:
        """Remove the operators just before a dropped word (a NOT, then an infix one); True if an infix one went."""
        def last():
            return next((i for i in range(len(kept) - 1, -1, -1) if not isinstance(kept[i], syntax.Whitespace)), None)

        at = last()
        if at is not None and isinstance(kept[at], syntax.PrefixOperator):
            del kept[at]
            at = last()
        if at is not None and isinstance(kept[at], syntax.InfixOperator):
            del kept[at]
            return True
        return False


class HistoryRef(wq.Query):
    """`#N`: the records line N of the search history finds (resolved by RecordIndex)."""

    fieldname = None

    def __init__(self, number: int):
        self.number = number
        self.boost = 1.0

    def field(self):
        return None

    def __eq__(self, other):
        return type(other) is type(self) and other.number == self.number

    def __hash__(self):
        return hash(("#", self.number))

    def __unicode__(self):
        return f"#{self.number}"

    __str__ = __repr__ = __unicode__

    def estimate_size(self, ixreader):
        return 0

    def matcher(self, searcher, context=None):
        raise QueryError(f"#{self.number} refers to the search history, which this search cannot read")


class HistoryRefNode(syntax.SyntaxNode):
    def __init__(self, number):
        self.number = int(number)

    def r(self):
        return f"#{self.number}"

    def query(self, parser):
        return HistoryRef(self.number)


class HistoryRefPlugin(qparser.TaggingPlugin):
    """Tags `#3` as a reference to line 3 of the search history."""

    expr = r"#(?P<number>\d+)(?![\w.])"
    nodetype = HistoryRefNode
    priority = 0


class FieldsGroup(syntax.GroupNode):
    """One unfielded word spread over the default fields. Not an OrGroup: Whoosh's `OR`
    would merge the word's fields with the next word (`cells OR lymphoma` scored as nine
    separate terms instead of two BM25F words)."""

    qclass = wq.Or
    merging = False


class PhraseWordsParser(qparser.QueryParser):
    """A typed word that analyzes to several (`perez-martinez`, `covid-19`, `covid19`) is a phrase
    of them in each field, as if quoted: Whoosh's default, all of them anywhere in the field,
    finds `author:perez-martinez` in a Perez and a Martinez among 700 authors."""

    def multitoken_query(self, spec, texts, fieldname, termclass, boost):
        field = self.schema[fieldname] if self.schema and fieldname in self.schema else None
        if spec == "default" and termclass is wq.Term and field is not None and field.format.supports("positions"):
            spec = "phrase"
        return super().multitoken_query(spec, texts, fieldname, termclass, boost)


# `-word` is NOT word, as librarians type it (only at the start of a word: `covid-19` is one word).
NOT_OPERATOR = r"(^|(?<=(\s|[()])))(NOT(?=\s)|-(?=[^\s\-+)]))"

_PARSERS: dict[tuple[int, bool], tuple[object, qparser.QueryParser]] = {}


def make_parser(schema, match_any: bool = False) -> qparser.QueryParser:
    """AND between words by default; with `match_any`, OR, ranked (long natural-language queries).

    Parsers are kept per schema: building one costs more than parsing a query."""
    key = (id(schema), match_any)
    if key in _PARSERS and _PARSERS[key][0] is schema:
        return _PARSERS[key][1]
    group = ANY_GROUP if match_any else qparser.AndGroup
    parser = PhraseWordsParser(None, schema, group=group)
    parser.remove_plugin_class(qparser.OperatorsPlugin)
    parser.add_plugin(qparser.OperatorsPlugin(Not=NOT_OPERATOR))
    parser.add_plugin(qparser.MultifieldPlugin(DEFAULT_FIELDS, fieldboosts=FIELD_BOOSTS, group=FieldsGroup))
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.add_plugin(qparser.GtLtPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    parser.add_plugin(DropStopWordsPlugin())
    parser.add_plugin(HistoryRefPlugin())
    parser.add_plugin(YearSpanPlugin())
    _PARSERS[key] = (schema, parser)
    return parser


def parse_query(text: str, schema, match_any: bool = False) -> wq.Query:
    """Parse a user query (its syntax checked and tidied by `search.syntax`) or raise QueryError
    with a one-line reason."""
    if not text.strip():
        raise QueryError("empty query: give some words to search for")
    _check_fields(text, schema)
    try:
        # Words become BM25F FieldsTerms before normalizing, which would flatten them together.
        q = combine_fields(make_parser(schema, match_any).parse(text, normalize=False), set(DEFAULT_FIELDS))
        if match_any:
            q = _exclusions_apart(q)
        q = with_years(q, schema).normalize()
    except (QueryError, TimeLimit):
        raise
    except Exception as exc:  # the parser's own failures, whatever their type
        raise QueryError(f"cannot parse query: {exc}") from None
    _check_years(q, schema)
    errors = _errors(q)
    if errors:
        raise QueryError(f"bad query: {errors[0]}")
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        raise QueryError("nothing to search for: the query has only stop words or punctuation")
    _refuse_costly(q)
    return _every_record(q)


def _exclusions_apart(q: wq.Query) -> wq.Query:
    """With --any, `a b -c` is (a OR b) NOT c: an OR of the words with `NOT c` as one
    more alternative would find every record without `c`."""
    if q.children():
        q = q.apply(_exclusions_apart)
    if isinstance(q, wq.Or):
        kept = [c for c in q.subqueries if not isinstance(c, wq.Not)]
        banned = [c.query for c in q.subqueries if isinstance(c, wq.Not)]
        if kept and banned:
            return wq.AndNot(wq.Or(kept, boost=q.boost) if len(kept) > 1 else kept[0],
                             wq.Or(banned) if len(banned) > 1 else banned[0])
    return q


def _every_record(q: wq.Query) -> wq.Query:
    """A bare `*` (anything in any default field) as one set of every document: it means every
    record, and six per-field sets of a million documents each cost seconds to add up."""
    if isinstance(q, wq.Or) and q.subqueries and all(isinstance(c, wq.Every) for c in q.subqueries):
        return wq.Every(None, boost=q.boost)
    return q.apply(_every_record) if q.children() else q


def _refuse_costly(q: wq.Query) -> None:
    """Refuse terms that would walk every word of the index."""
    if isinstance(q, wq.Wildcard) and q.text[:1] in "*?":
        raise QueryError(f"'{q.text}': a word cannot start with * or ? (that reads every word of the index); "
                         "give its first letters, e.g. 'immun*'")
    if isinstance(q, wq.FuzzyTerm):
        # As Lucene's AUTO fuzziness: short words have too many neighbours.
        if q.maxdist > 2:
            raise QueryError(f"'{q.text}~{q.maxdist}': at most 2 letters off (~2)")
        if len(q.text) < 3 or (q.maxdist == 2 and len(q.text) < 6):
            raise QueryError(f"'{q.text}~{q.maxdist}': fuzzy search needs 3 letters or more for ~1, 6 or more for ~2")
    for child in q.children():
        _refuse_costly(child)


def bound_expansions(q: wq.Query, reader, notes: list[str],
                     origins: dict[tuple[str, str], str] | None = None, _spent: list[int] | None = None) -> wq.Query:
    """Expand wildcard, prefix and fuzzy terms against the index.

    A few expansions stay scored terms; more become one constant-score set of
    documents (`DocSetQuery`); past MAX_EXPANSIONS words in a field, or past
    MAX_EXPANSION_POSTINGS postings in the whole query, the query is refused.
    """
    spent = [0] if _spent is None else _spent
    if isinstance(q, wq.MultiTerm):
        fieldname = q.field()
        if fieldname not in reader.schema:
            return wq.NullQuery
        if isinstance(q, wq.FuzzyTerm):
            # The first letter as typed: it cuts the walk over the lexicon
            # several times over, and few typos are in the first letter. A
            # prefix longer than the word (`word~2/99`) is the whole word.
            prefix = min(max(q.prefixlength, 1), len(q.text))
            q = wq.FuzzyTerm(q.fieldname, q.text, boost=q.boost, maxdist=q.maxdist, prefixlength=prefix)
            words = _words_within(q, reader)
        else:
            words = (text for _, text in q.expanded_terms(reader))
        found = list(islice(words, MAX_EXPANSIONS + 1))
        label = _query_text(q)
        if len(found) > MAX_EXPANSIONS:
            raise QueryError(f"'{label}' stands for more than {MAX_EXPANSIONS:,} different words in {fieldname}: "
                             "give more letters (or fewer ~ edits) to narrow it")
        field = reader.schema[fieldname]
        # Prefix and wildcard walks give bytes, fuzzy walks give text.
        words = sorted({field.from_bytes(b) if isinstance(b, bytes) else b for b in found})
        for word in words:
            spent[0] += reader.doc_frequency(fieldname, word)
            if spent[0] > MAX_EXPANSION_POSTINGS:
                raise QueryError(f"'{label}' matches too much to search quickly (its words are in over "
                                 f"{MAX_EXPANSION_POSTINGS:,} record fields): give more letters (or fewer ~ edits) "
                                 "to narrow it")
        if origins is not None:
            origins.update(((fieldname, word), label) for word in words)
        if len(words) > _SCORED_EXPANSIONS:
            return DocSetQuery(fieldname, words, boost=q.boost, label=label)
        terms = [wq.Term(fieldname, word, boost=q.boost) for word in words]
        return wq.Or(terms) if len(terms) > 1 else (terms[0] if terms else wq.NullQuery)
    if q.children():
        return q.apply(lambda child: bound_expansions(child, reader, notes, origins, spent))
    return q


def _words_within(q: wq.FuzzyTerm, reader):
    return words_within(reader, q.fieldname, q.text, q.maxdist, q.prefixlength)


def words_within(reader, fieldname: str, text: str, maxdist: int, prefix: int = 1):
    """The field's words within `maxdist` edits of `text` sharing its first `prefix` letters:
    Whoosh's `terms_within` (restricted Damerau-Levenshtein), with the distance computed by
    rapidfuzz and only for words of a length within `maxdist` of the word's. (Whoosh builds an
    automaton of the word, which takes seconds for a word of a few thousand letters.)"""
    from rapidfuzz.distance import OSA

    field = reader.schema[fieldname]
    # A stemmed field holds stems (`natur`): a stem is within reach when one of the words
    # it stands for is (`natural`, for `natral~`), so stems shorter by an ending are looked at.
    stemmed = is_stemmed(field.analyzer)
    shortest, longest = len(text) - maxdist - (LONGEST_ENDING if stemmed else 0), len(text) + maxdist
    for btext in reader.expand_prefix(fieldname, text[:prefix]):
        # A word's length in bytes is at least its length in letters (the same in ASCII).
        if len(btext) < shortest or (len(btext) > longest and btext.isascii()):
            continue
        word = field.from_bytes(btext)
        if OSA.distance(word, text, score_cutoff=maxdist) <= maxdist:
            yield word
        elif stemmed and _begins_near(word, text, maxdist) and any(
                OSA.distance(form, text, score_cutoff=maxdist) <= maxdist for form in stem_forms(word)):
            yield word


def _begins_near(stem: str, text: str, maxdist: int) -> bool:
    """Whether `text` begins with letters within `maxdist` edits of `stem` (a cheap test
    before writing out the words of the stem)."""
    from rapidfuzz.distance import OSA

    return any(OSA.distance(stem, text[:len(stem) + k], score_cutoff=maxdist) <= maxdist
               for k in range(-maxdist, maxdist + 1) if len(stem) + k > 0)


_SCORED_EXPANSIONS = 20  # up to this many, each expansion is scored like a typed word


def records_only(q: wq.Query) -> wq.Query:
    """`q`, restricted to record documents where it could match a name document.

    Name documents hold none of the searchable fields, so only a query that
    matches by absence (`NOT x`, `*`) can reach them; intersecting every query
    with `kind:record` would double its cost. (An intersection, not a filter:
    Whoosh builds a filter's whole document set on every search.)
    """
    def reaches_names(node: wq.Query) -> bool:
        return isinstance(node, (wq.Not, wq.Every)) or any(reaches_names(c) for c in node.children())

    return wq.And([q, RECORDS]) if reaches_names(q) else q


def _query_text(q: wq.MultiTerm) -> str:
    if isinstance(q, wq.FuzzyTerm):
        return f"{q.text}~{q.maxdist}"
    if isinstance(q, wq.Prefix):
        return f"{q.text}*"
    if isinstance(q, wq.TermRange):
        return f"[{q.start or ''} TO {q.end or ''}]"
    return getattr(q, "text", str(q))


