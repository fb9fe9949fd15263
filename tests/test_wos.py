"""Web of Science field-tagged text: per-author addresses from C1, UT ids."""

from __future__ import annotations

from recsearch.readers import read_file_records, sniff_format

# The shape of a "Plain text file" export (Full Record); our own words.
EXPORT = """\ufeffFN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Okafor, CN
   Lindqvist, A
   Silva, MR
AF Okafor, Chidi N.
   Lindqvist, Anna
   Silva, Maria R.
TI Sleep and shift work in hospital
   nurses: a cohort
SO JOURNAL OF OCCUPATIONAL HEALTH
LA English
DT Article
DE shift work; sleep
ID NIGHT WORK; FATIGUE
AB Our own words about sleep.
C1 [Okafor, Chidi N.; Silva, Maria R.] Univ Lagos, Dept Nursing, Lagos, Nigeria.
   [Lindqvist, Anna] Karolinska Inst, Stockholm, Sweden.
RP Okafor, CN (corresponding author), Univ Lagos, Lagos, Nigeria.
SN 1341-9145
EI 1348-9585
PD MAR 15
PY 2020
VL 62
DI 10.1002/1348-9585.12145
PM 32780563
UT WOS:000512345600001
ER

PT J
AU Nakamura, K
TI Coral bleaching
SO MARINE ECOLOGY PROGRESS SERIES
C1 Kyoto Univ, Kyoto, Japan.
PY 2019
ER

PT J
AU Nobody, N
ER

EF
"""


def test_web_of_science_export():
    found = read_file_records(EXPORT.encode("utf-8"), "savedrecs.txt")
    assert found.format == "wos" and sniff_format(EXPORT.encode()) == "wos"
    first, second = found.records
    assert first.title == "Sleep and shift work in hospital nurses: a cohort"
    assert [(a.name, a.affiliation) for a in first.authors] == [
        ("Chidi N. Okafor", "Univ Lagos, Dept Nursing, Lagos, Nigeria"),
        ("Anna Lindqvist", "Karolinska Inst, Stockholm, Sweden"),
        ("Maria R. Silva", "Univ Lagos, Dept Nursing, Lagos, Nigeria")]
    assert first.id == "wos-000512345600001" and first.identifiers == {"wos": "000512345600001", "pmid": "32780563"}
    assert first.doi == "10.1002/1348-9585.12145" and first.date == "2020-03-15"
    assert first.issns == ["1341-9145", "1348-9585"] and first.subjects == ["shift work", "sleep", "NIGHT WORK", "FATIGUE"]
    assert second.authors[0].affiliation == "Kyoto Univ, Kyoto, Japan" and second.id.startswith("wos-")
    assert found.problems == [(3, "record without a title (`TI`)")]
