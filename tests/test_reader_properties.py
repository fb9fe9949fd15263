"""Property tests: render a generated record to the seed format, read it back."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recsearch.readers import RecordError, parse_seed_text
from recsearch.render import render_seed_record
from strategies import capitalized, hard_affiliations, records, word

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def without_source(record):
    return dataclasses.replace(record, source=None, warnings=[])


@SETTINGS
@given(records())
def test_round_trip_is_exact(record):
    """Names, per-author affiliations, subjects and every field come back unchanged."""
    back = parse_seed_text(render_seed_record(record))
    assert without_source(back) == record
    assert back.warnings == []


# Affiliations with no visible end: splitting may fail, but must lose nothing.
free_affiliations = st.one_of(
    st.lists(st.one_of(capitalized(), word(), st.sampled_from(["(INTA)", "CNEA", "IdiPAZ", "3D", "|"])),
             min_size=1, max_size=6).map(" ".join),
    st.text(min_size=1, max_size=40).map(lambda s: " ".join(s.split())).filter(lambda s: any(c.isalpha() for c in s)),
)


@SETTINGS
@given(records(affiliation=free_affiliations))
def test_names_exact_and_affiliation_text_never_lost(record):
    back = parse_seed_text(render_seed_record(record))
    assert back.author_names == record.author_names
    assert back.subjects == record.subjects and back.summary == record.summary
    written = "".join(a.affiliation for a in record.authors if a.affiliation)
    read = "".join(a.affiliation for a in back.authors if a.affiliation) + (back.affiliation_text or "")
    read, written = read.replace(" ", ""), written.replace(" ", "")
    if back.affiliation_text is not None and read != written:
        # Kept whole when the last author's number could also open the first
        # affiliation (`…Aa2` + `3D Lab`): the digits stay with the text.
        number = read[: len(read) - len(written)]
        assert number.isdigit() and read.endswith(written)
    else:
        assert read == written
    if back.affiliation_text is None:
        # Whatever was assigned went to an author that has an affiliation.
        for ours, theirs in zip(record.authors, back.authors):
            assert (ours.affiliation is None) == (theirs.affiliation is None)


@SETTINGS
@given(records(), st.data())
def test_cut_anywhere_is_a_record_or_a_clear_error(record, data):
    text = render_seed_record(record)
    cut = data.draw(st.integers(0, len(text)))
    try:
        back = parse_seed_text(text[:cut], source="cut.txt")
    except RecordError as exc:
        assert str(exc).startswith("cut.txt: ")
    else:
        assert back.id and back.title


@SETTINGS
@given(records(affiliation=hard_affiliations(look_alikes=False)))
def test_round_trip_with_any_visible_end(record):
    """Affiliations ending in a postcode, an acronym, a lower-case word, a full
    stop or an e-mail address, shared by runs of authors: all assigned."""
    back = parse_seed_text(render_seed_record(record))
    assert without_source(back) == record


@SETTINGS
@given(records(affiliation=hard_affiliations()))
def test_an_assigned_affiliation_is_never_wrong(record):
    """Shared and missing affiliations, with countries, digits, initials,
    camel-case names and e-mail addresses inside them: every author gets
    their own affiliation or none, and what is not assigned is kept whole."""
    back = parse_seed_text(render_seed_record(record))
    assert back.author_names == record.author_names
    for ours, theirs in zip(record.authors, back.authors):
        assert theirs.affiliation in (None, ours.affiliation)
    assigned = sum(1 for a in back.authors if a.affiliation)
    if assigned < sum(1 for a in record.authors if a.affiliation):
        assert assigned == 0 and back.affiliation_text
