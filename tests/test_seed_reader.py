"""The seed reader on the reference record, the fixtures, and damaged files."""

from __future__ import annotations

import pytest

from conftest import FIXTURE_SEEDS, REFERENCE, REFERENCE_ID
from recsearch.readers import RecordError, parse_seed_text, read_seed_record
from recsearch.record import Author, Record
from recsearch.render import render_seed_record

LA_PAZ = "Hospital La Paz Institute for Health Research (IdiPAZ), Madrid, Spain"
CNIO = "CNIO Pediatric OncoHematology Clinical Research Unit, Madrid, Spain"
TRIALS = "Clinical Trials Unit (UCICEC), University Hospital La Paz, Madrid, Spain"
HISTO = "Histocompatibility, Centro de Transfusión de la Comunidad de Madrid, Madrid, Spain"
UAM = "Faculty of Medicine Universidad Autónoma de Madrid, Madrid, Spain"
TERAV = (
    "Red Española de Terapias Avanzadas (TERAV), Redes de Investigación Cooperativa Orientadas a "
    "Resultados en Salud (RICORS RD21/0017/0024, RICORS RD24/0014/0025, RICORS RD21/0017/0025, "
    "RICORS RD24/0014/0024), Instituto de Salud Carlos III (ISCIII), Madrid, Spain"
)
BASQUE = (
    "Cell Therapy, Stem Cells and Tissues Group, Biobizkaia Health Research Institute, Barakaldo, Spain; "
    "Advanced Therapies Unit, Basque Center of Blood Transfusion and Human Tissues, Osakidetza, "
    f"Galdakao, Spain; {TERAV}; Red de Inmunoterapia del Cáncer “REINCA” (RED2022-134831-T), Madrid, Spain"
)
ICAHN = (
    "Precision Immunology Institute, Icahn School of Medicine at Mount Sinai, New York, NY, USA; "
    "Department of Oncological Sciences, Icahn School of Medicine at Mount Sinai, New York, NY, USA"
)
ISABIAL = "Alicante Institute for Health and Biomedical Research (ISABIAL), Alicante, Spain"

REFERENCE_AUTHORS = [
    Author("Clara Hernández-Blanco", f"Internal Medicine Department, University Hospital La Paz, Madrid, Spain; {LA_PAZ}"),
    Author("Karima Al-Akioui-Sanz", f"{LA_PAZ}; {ISABIAL}; {CNIO}"),
    Author("Lara Herrera", BASQUE),
    Author("Cristina Aguirre-Portolés", f"{LA_PAZ}; {CNIO}"),
    Author("Daniel Lozano-Ojalvo", "Department of Dermatology, Icahn School of Medicine at Mount Sinai, New York, NY, USA; "
           "Food Science Research Institute (CIAL, CSIC-UAM), Madrid, Spain"),
    Author("Leticia Pérez-Rodriguez", ICAHN),
    Author("Jordi Cano-Ochando", f"{ICAHN}; Microbiology National Centre, Instituto de Salud Carlos III, Madrid, Spain"),
    Author("Pilar Guerra-García", f"{LA_PAZ}; {TRIALS}"),
    Author("Alejandro Martín-Quirós", "Emergency Unit, Internal Medicine Department, University Hospital La Paz, Madrid, Spain"),
    Author("José Luis Vicario", HISTO),
    Author("Silvia Santos", BASQUE),
    Author("Miguel Ángel Pérez-Vaquero", BASQUE),
    Author("Miguel Ángel Vesga", BASQUE),
    Author("Alberto M. Borobia", f"{LA_PAZ}; {TRIALS}"),
    Author("Antonio J. Carcas", f"{LA_PAZ}; {TRIALS}; {UAM}"),
    Author("Antonio Balas", HISTO),
    Author("Miguel Ángel Moreno", HISTO),
    Author("Rebeca Pérez de Diego", LA_PAZ),
    Author("Mercedes Gasior", "Hematology Department, Hospital Universitario La Paz, Madrid, Spain"),
    Author("Bernat Soria", f"{ISABIAL}; Institute of Bioengineering, Miguel Hernández University, Elche, Alicante, Spain"),
    Author("Cristina Eguizabal", f"{BASQUE}; Corresponding author"),
    Author("Antonio Pérez-Martínez", f"{LA_PAZ}; {CNIO}; {TERAV}; Pediatric Hemato-Oncology Department, "
           f"University Hospital La Paz, Madrid, Spain; {HISTO}; {UAM}; Corresponding author"),
]


@pytest.fixture(scope="module")
def reference():
    return read_seed_record(REFERENCE)


def test_reference_authors_and_affiliations_exact(reference):
    assert len(reference.authors) == 22
    for got, want in zip(reference.authors, REFERENCE_AUTHORS):
        assert got == want
    assert reference.affiliation_text is None
    assert reference.warnings == []


def test_reference_other_fields(reference):
    assert reference.id == REFERENCE_ID
    assert reference.title == "The phase I RELEASE clinical trial to evaluate the safety of NK cells in COVID-19"
    assert reference.summary.startswith("The severity of COVID 19 symptoms")
    assert reference.summary.endswith("is feasible and safe.")
    assert "CD3−/CD56+" in reference.summary and "1×106/kg" in reference.summary
    assert not reference.summary.startswith("Summary:")
    assert reference.subjects == ["Immunology", "Cell biology"]
    assert (reference.journal, reference.publisher) == ("iScience", "Elsevier")
    assert reference.issns == ["2589-0042"]
    assert (reference.date, reference.year, reference.language) == ("2025-02-01", 2025, "English")
    assert reference.url == "http://www.sciencedirect.com/science/article/pii/S2589004224029250"
    assert reference.source == str(REFERENCE)


def fixture(name_start: str):
    return read_seed_record(next(FIXTURE_SEEDS.glob(f"{name_start}_*.txt")))


def test_affiliations_split_on_country_endings():
    record = fixture("001")
    assert [a.affiliation.rsplit(", ", 1)[-1] for a in record.authors] == ["Sweden", "Sweden", "Norway", "Finland", "Sweden"]
    assert record.authors[2] == Author(
        "Kjersti Holt Hanssen", "Norwegian Institute of Bioeconomy Research (NIBIO), P.O. Box 115, NO-1431 Ås, Norway")


def test_digits_that_may_open_an_affiliation_stay_in_kept_whole_text():
    """Found by hypothesis: `…Aa2Antonio Aa` + `3D` + `Aa` + `Aa` reads as `…Aa3` + `DAaAa`; when the
    split then fails, the `3` must stay with the text, not vanish."""
    from recsearch.record import Record
    from recsearch.render import render_seed_record

    affiliations = [None, None, None, "3D", "Aa", "Aa", None]
    record = Record(id="doaj-art-" + "0" * 32, title="A", authors=[Author("Antonio Aa", a) for a in affiliations],
                    date="1950-01-01", year=1950, language="English")
    back = parse_seed_text(render_seed_record(record))
    assert back.author_names == record.author_names
    assert all(a.affiliation is None for a in back.authors)
    assert back.affiliation_text == "3DAaAa"


def test_affiliations_without_countries_split_after_an_acronym():
    """`…Comahue|Grupo`, `…CONICET)|Departamento`, `…CNEA|Instituto`: the last
    one, an acronym before a capitalised word, was once left unsplit."""
    record = fixture("002")
    comahue = "Instituto de Investigaciones en Biodiversidad y Medio Ambiente, CONICET - Universidad Nacional del Comahue"
    assert [a.affiliation for a in record.authors] == [
        comahue, "Grupo de Ecología de Poblaciones de Insectos, IFAB (INTA – CONICET)",
        "Departamento de Fisicoquímica y Control de Calidad. Complejo Tecnológico Pilcaniyeu, CNEA", comahue]
    assert record.affiliation_text is None and record.warnings == []


def round_trip(authors: list[Author]):
    record = Record(id="doaj-art-" + "0" * 32, title="A study", authors=authors, date="2017-01-01", year=2017,
                    language="English")
    back = parse_seed_text(render_seed_record(record))
    assert back.author_names == record.author_names
    return back


def test_unsplittable_affiliations_are_kept_whole_never_guessed():
    """`…CNEA` + `INTA Bariloche…` shows no seam: one cut of two, so nothing is assigned."""
    back = round_trip([
        Author("Lucía B. Zamora-Nasca", "Instituto de Investigaciones en Biodiversidad, Universidad Nacional del Comahue"),
        Author("Daniela Nassini", "Complejo Tecnológico Pilcaniyeu, CNEA"),
        Author("Pablo A. Alvear", "INTA Bariloche, Río Negro"),
    ])
    assert all(a.affiliation is None for a in back.authors)
    assert back.affiliation_text == ("Instituto de Investigaciones en Biodiversidad, Universidad Nacional del "
                                     "ComahueComplejo Tecnológico Pilcaniyeu, CNEAINTA Bariloche, Río Negro")
    assert any("could not be split" in w for w in back.warnings)


def test_no_seam_inside_an_email_address():
    """`…45229 Punam.Malik@cchmc.org.`: the full stop before `Malik` is no seam
    (it once was, and with `and.the Division` unseen, two authors got the wrong text)."""
    authors = [
        Author("Chen Li", "From the Departments of Biochemistry and Molecular Biology and."),
        Author("Marthe-Sandrine Eiymo Mwa Mpollo"),
        Author("Caryn S Gonsalves"),
        Author("Stanley M Tahara", "Molecular Microbiology and Immunology, Keck School of Medicine of University of "
               "Southern California, Los Angeles, California 90089 and."),
        Author("Punam Malik", "the Division of Experimental Hematology and Cancer Biology, Cincinnati Children's "
               "Hospital Medical Center, Cincinnati, Ohio 45229 Punam.Malik@cchmc.org."),
        Author("Vijay K Kalra", "From the Departments of Biochemistry and Molecular Biology and vkalra@usc.edu."),
    ]
    assert round_trip(authors).authors == authors


SEMMELWEIS = "1st Department of Pathology and Experimental Cancer Research Semmelweis University, Budapest, Hungary."
MTA = "2nd Department of Pathology, MTA-SE NAP, Brain Metastasis Research Group, Hungarian Academy of Sciences."


def test_last_author_number_before_an_ordinal_is_read_from_a_repeated_address():
    """`…Reiniger10` + `1st Department…`: the address recurs after `…Hungary.`,
    so `10` is the number; `101st Department` (a split that fits the count
    with an unseen seam) once shifted three authors' affiliations."""
    authors = [Author(f"Author {n}", SEMMELWEIS if n % 3 else f"{SEMMELWEIS}; National Institute of Oncology, "
                      "Budapest, Hungary.") for n in range(10)]
    authors[8] = Author("Zoltán Szállási", f"Technical University of Denmark, Lyngby, Denmark.; {MTA}")
    authors.append(Author("Lilla Reiniger", f"{SEMMELWEIS}; {MTA}"))
    assert round_trip(authors).authors == authors


@pytest.mark.parametrize("affiliations", [
    # Initials are no seam: `P.|R. China`, `P.|O. Box`, `M.|D. Anderson`.
    ["Department of Physics, University of Victoria, P.O. Box 1700 STN CSC, Victoria",
     "Department of Surgery, The University of Texas M.D. Anderson Cancer Center, Houston",
     "Department of Urology, Renji Hospital, Shanghai 200025, P.R. China."],
    # After an e-mail address, a state abbreviation, a postcode and a footnote mark.
    ["Unit of Surgical Oncology, University of Naples, 80131 Naples, Italy. landino.fei@tin.it",
     "Private practice, Woodridge, Va.", "Douglas Mental Health University Institute, Verdun, QC, Canada H4H 1R3.",
     "‡Department of Pharmacology, University of Connecticut, Farmington, Connecticut 06030"],
    # A lone capital (`GmbH`) opens no address.
    ["Schwind eye-tech-solutions GmbH, Kleinostheim", "Department of Ophthalmology, Goethe University, Frankfurt"],
    # Camel case (`Neuro|Tech`) looks like a seam; the address after `…Germany`,
    # repeated word for word, confirms the two true ones among the five.
    ["Carl Zeiss Meditec AG, Jena, Germany", *["Institute of NeuroTech, University of Pittsburgh, Pittsburgh"] * 3],
])
def test_seams_that_show_and_look_alikes_that_do_not(affiliations):
    authors = [Author(f"Author {n}", a) for n, a in enumerate(affiliations)]
    authors.insert(1, Author("Unaffiliated Author"))
    assert round_trip(authors).authors == authors


def test_family_given_names_keep_their_comma():
    record = fixture("003")
    assert record.author_names == ["Mitidieri, André Luis", "Guimarães, Letícia Batista", "Mazzutti, Luciana Helena Cajas"]
    assert record.subjects == ["literatura argentina", "autobiografias", "peronismo (argentina)"]


def test_unaffiliated_author_has_no_number():
    record = fixture("004")
    assert record.authors == [Author("Sultan GÜÇLÜ"), Author("Meral UYSAL", "Ankara University")]


def test_affiliation_starting_with_digit_after_last_author_number():
    record = fixture("005")
    assert record.authors[0].affiliation.startswith("3D Forest Lab, ")
    assert record.authors[1].name == "Butenko Оlesia Y."  # a Cyrillic О, as in the source


def test_pipes_inside_values():
    record = fixture("006")
    assert record.title == "Pipes | bars: reading tabular captures of catalogue pages"
    assert "value holding a bar" not in record.summary and "the bar character | as" in record.summary
    assert record.authors[0].affiliation.startswith("USDA Forest Service | Rocky Mountain")


def test_sixty_authors():
    record = fixture("007")
    assert len(record.authors) == 60
    assert record.authors[48].name == "Ødegård Van der Berg"
    assert [a.affiliation is None for a in record.authors] == [n % 3 == 2 for n in range(60)]
    assert record.authors[58].affiliation == "Department 59, Institute of Health, City 58, Netherlands"


def reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def test_crlf_and_bom_read_the_same(tmp_path, reference):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"\xef\xbb\xbf" + reference_text().replace("\n", "\r\n").encode("utf-8"))
    again = read_seed_record(path)
    assert again.authors == reference.authors and again.subjects == reference.subjects


def test_windows_1252_is_decoded_with_a_warning(tmp_path):
    text = reference_text().replace("“REINCA”", "REINCA")
    path = tmp_path / "cp1252.txt"
    path.write_bytes(text.replace("−", "-").replace("×", "x").replace("’", "'").replace("“", '"').replace("”", '"').encode("cp1252"))
    record = read_seed_record(path)
    assert record.authors[0].name == "Clara Hernández-Blanco"
    assert "decoded as Windows-1252" in record.warnings[0]


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"Just a title\nSummary: nothing else here", "no staff view"),
    ],
)
def test_bad_files_raise_record_error_naming_file(tmp_path, content, problem):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(RecordError) as err:
        read_seed_record(path)
    assert problem in str(err.value)
    assert str(path) in str(err.value)


def test_truncated_record_is_an_error():
    text = reference_text()
    with pytest.raises(RecordError, match="truncated"):
        parse_seed_text(text[: text.index("spelling |") + 500])
    with pytest.raises(RecordError, match="no `id` row"):
        parse_seed_text(text[: text.index("id | doaj-art")])


def test_missing_rows_fall_back_to_public_view():
    kept = [line for line in reference_text().split("\n")
            if not line.startswith(("publishDate |", "publisher |", "series |", "description |", "language |"))]
    record = parse_seed_text("\n".join(kept))
    assert (record.date, record.year, record.publisher, record.journal) == ("2025-02-01", 2025, "Elsevier", "iScience")
    assert record.summary.endswith("single center clinical trial was c...")
    assert any("truncated public summary" in w for w in record.warnings)


def test_author_keys_split_names_without_spelling():
    kept = [line for line in reference_text().split("\n") if not line.startswith("spelling |")]
    record = parse_seed_text("\n".join(kept))
    assert record.author_names == [a.name for a in REFERENCE_AUTHORS]
    assert all(a.affiliation is None for a in record.authors)


def test_spelling_splits_names_without_author_keys():
    kept = [line for line in reference_text().split("\n") if not line.startswith("work_keys_str_mv |")]
    record = parse_seed_text("\n".join(kept))
    assert record.authors == REFERENCE_AUTHORS


def test_author_count_mismatch_is_warned_and_affiliations_withheld():
    text = reference_text().replace("Main Authors: | , ", "Main Authors: | , , ")
    record = parse_seed_text(text)
    assert len(record.authors) == 22
    assert any("page shows 23" in w for w in record.warnings)
    assert all(a.affiliation is None for a in record.authors)
    assert record.affiliation_text.startswith("Internal Medicine Department")


def test_duplicate_rows_keep_the_first():
    text = reference_text().replace("\nurl | ", "\nid | doaj-art-other |\nurl | ")
    record = parse_seed_text(text)
    assert record.id == REFERENCE_ID
    assert "duplicate `id` row ignored" in record.warnings
