"""Exports read back by the libraries reference managers' formats are checked with."""

from __future__ import annotations

import csv
import io
import json

import bibtexparser
import rispy
from bibtexparser.middlewares import SeparateCoAuthors
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REFERENCE
from recsearch.export import export_records, family_given, to_bibtex, to_csv, to_jsonl, to_ris
from recsearch.readers import read_seed_record
from recsearch.record import Author, Record
from strategies import records

RIS_LIST_TAGS = [*rispy.LIST_TYPE_TAGS, "AD"]
# Characters that break naive writers: braces, percent, at, quotes, backslashes, line breaks.
HOSTILE = st.text(alphabet="ab {}%@\"'\\\n\t,;=#~é", min_size=1, max_size=30).filter(lambda s: s.strip())


def flat(text):
    return " ".join((text or "").split())


def bib_flat(text):
    return flat(text).replace("{", "(").replace("}", ")").strip()


@st.composite
def hostile_records(draw):
    record = draw(records())
    record.title = draw(HOSTILE) + " " + record.title
    if record.summary is not None:
        record.summary = draw(HOSTILE) + " " + record.summary + draw(HOSTILE)
    if record.journal:
        record.journal = draw(HOSTILE) + record.journal
    return record


def reference():
    return read_seed_record(REFERENCE)


def check_ris(recs: list[Record], text: str) -> None:
    entries = rispy.loads(text, list_tags=RIS_LIST_TAGS)
    assert len(entries) == len(recs)
    for record, entry in zip(recs, entries):
        assert entry["type_of_reference"] == "JOUR"
        assert entry["title"] == flat(record.title)
        assert entry.get("authors", []) == [flat(family_given(a.name)) for a in record.authors]
        assert entry.get("author_address", []) == list(dict.fromkeys(flat(a) for a in record.affiliations))
        assert entry.get("abstract") == (flat(record.summary) or None)
        assert entry.get("secondary_title") == (flat(record.journal) or None)
        assert entry.get("year") == (str(record.year) if record.year else None)
        assert entry.get("keywords", []) == [flat(s) for s in record.subjects]
        assert entry.get("issn") == (" ".join(record.issns) or None)
        assert entry.get("urls", []) == ([record.url] if record.url else [])
        assert entry["accession_number"] == record.id


def check_bibtex(recs: list[Record], text: str) -> None:
    library = bibtexparser.parse_string(text, append_middleware=[SeparateCoAuthors()])
    assert not library.failed_blocks, library.failed_blocks[0].error if library.failed_blocks else ""
    assert len(library.entries) == len(recs)
    assert len({e.key for e in library.entries}) == len(recs)  # keys are unique
    for record, entry in zip(recs, library.entries):
        fields = {k: (v.strip() if isinstance(v, str) else v) for k, v in entry.fields_dict.items()
                  for v in [entry.fields_dict[k].value]}
        assert entry.entry_type == "article"
        assert fields["title"] == bib_flat(record.title)
        names = [n.strip("{}") for n in fields.get("author", [])]
        assert names == [bib_flat(family_given(a.name)) for a in record.authors]
        assert fields.get("abstract") == (bib_flat(record.summary) or None)
        assert fields.get("journal") == (bib_flat(record.journal) or None)
        assert fields.get("year") == (str(record.year) if record.year else None)


@settings(max_examples=60, deadline=None)
@given(st.lists(hostile_records(), min_size=1, max_size=4))
def test_ris_round_trips_through_rispy(recs):
    check_ris(recs, to_ris(recs))


@settings(max_examples=60, deadline=None)
@given(st.lists(hostile_records(), min_size=1, max_size=4))
def test_bibtex_round_trips_through_bibtexparser(recs):
    check_bibtex(recs, to_bibtex(recs))


@settings(max_examples=40, deadline=None)
@given(st.lists(hostile_records(), min_size=1, max_size=4))
def test_csv_and_jsonl_round_trip(recs):
    rows = list(csv.DictReader(io.StringIO(to_csv(recs))))
    assert [r["id"] for r in rows] == [r.id for r in recs]
    assert [r["title"] for r in rows] == [r.title for r in recs]
    assert [r["abstract"] for r in rows] == [r.summary or "" for r in recs]
    assert [r["authors"] for r in rows] == ["; ".join(r.author_names) for r in recs]
    back = [Record.from_dict(json.loads(line)) for line in to_jsonl(recs).splitlines()]
    assert [b.to_dict() for b in back] == [r.to_dict() for r in recs]


def test_reference_record_in_ris_has_every_author_and_affiliation():
    record = reference()
    text = export_records([record], "ris")
    assert text.startswith("TY  - JOUR")  # no `1.` counter line before the record
    check_ris([record], text)
    entry = rispy.loads(text, list_tags=RIS_LIST_TAGS)[0]
    assert entry["authors"][0] == "Hernández-Blanco, Clara"
    assert len(entry["authors"]) == len(record.authors) == 22
    assert entry["secondary_title"] == "iScience" and entry["issn"] == "2589-0042"
    assert entry["doi"] if record.url and "doi.org" in record.url else True


def test_reference_record_in_bibtex():
    record = reference()
    text = export_records([record], "bibtex")
    check_bibtex([record], text)
    entry = bibtexparser.parse_string(text).entries[0]
    assert entry.key == "hernandezblanco2025phase"
    assert "Pérez-Martínez, Antonio" in entry["author"]
    assert "IdiPAZ" in entry["affiliation"]


def test_corporate_author_with_and_stays_one_name():
    record = Record(id="x", title="Report", authors=[Author("Society for Research and Development"),
                                                     Author("Ana García")], year=2020)
    library = bibtexparser.parse_string(to_bibtex([record]), append_middleware=[SeparateCoAuthors()])
    assert [n.strip("{}") for n in library.entries[0]["author"]] == [
        "Society for Research and Development", "García, Ana"]


def test_bibtex_keys_are_distinct_for_same_author_year_word():
    recs = [Record(id=f"r{i}", title="Natural killers", authors=[Author("Ana García")], year=2020) for i in range(3)]
    keys = [e.key for e in bibtexparser.parse_string(to_bibtex(recs)).entries]
    assert keys == ["garcia2020natural", "garcia2020naturala", "garcia2020naturalb"]
