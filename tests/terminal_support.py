"""Run recsearch on a pseudo-terminal of a given width, and records long in every field."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

STYLE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# Names of the shapes real author lists have: accents, particles, compound surnames, initials only.
_FAMILIES = ["García-Pérez", "Nguyễn", "van der Berg", "Øster", "Łukasiewicz", "O'Brien", "de Souza Lima",
             "Müller-Lüdenscheidt", "Ivanova", "Papadopoulos", "Al-Hashimi", "Kowalczyk", "Yamamoto"]
_GIVEN = ["María José", "Thi Hoa", "Anna", "Søren", "Jan", "Siobhán", "João Pedro", "K", "Elena", "Dimitrios",
          "Fatima", "Agnieszka", "Hiroshi"]


def run_on_terminal(args, cwd: Path, columns: int = 80, env: dict | None = None, typed: str = ""):
    """Exit code and what a terminal `columns` wide shows (stdout and stderr, CRLF undone)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "RECSEARCH_INDEX")}
    full_env.update({"COLUMNS": str(columns), "TERM": "xterm"}, **(env or {}))
    proc = subprocess.Popen([sys.executable, "-m", "recsearch.cli", *map(str, args)], cwd=cwd, env=full_env,
                            stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    if typed:
        os.write(master, typed.encode())
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    code = proc.wait(timeout=120)
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def shown_lines(text: str) -> list[str]:
    """Every line as it shows, each part of a line rewritten in place (progress) on its own."""
    out = []
    for line in text.split("\n"):
        out += [STYLE.sub("", part) for part in line.split("\r")]
    return out


def _author(n: int, affiliation: str) -> str:
    return (f"<Author ValidYN=\"Y\"><LastName>{_FAMILIES[n % len(_FAMILIES)]}</LastName>"
            f"<ForeName>{_GIVEN[n % len(_GIVEN)]}</ForeName><AffiliationInfo><Affiliation>{affiliation}"
            f"</Affiliation></AffiliationInfo></Author>")


def long_records_xml() -> str:
    """A PubMed XML set of three records with every field long: 130 authors, a 280-character title..."""
    affiliation = ("Department of Paediatric Haematology, Oncology and Stem Cell Transplantation, University "
                   "Children's Hospital, Faculty of Medicine, Universidad Autónoma de Madrid, Calle de "
                   "Arzobispo Morcillo 4, 28029 Madrid, Spain; and Instituto de Investigación Sanitaria "
                   "Hospital La Paz (IdiPAZ), Madrid, Spain.")
    journal = ("Zentralblatt für Bakteriologie, Mikrobiologie und Hygiene. Serie A, Medizinische Mikrobiologie, "
               "Infektionskrankheiten und Parasitologie = International journal of microbiology and hygiene")
    title = ("Long-term outcome, late effects and quality of life of children, adolescents and young adults "
             "treated for mature B-cell non-Hodgkin lymphoma and Burkitt leukaemia according to the "
             "international inter-group protocols: a population-based cohort study across twelve European "
             "countries, 1996-2016")
    collective = ("Writing Committee for the International Paediatric Non-Hodgkin Lymphoma Collaborative "
                  "Group of the European Intergroup for Childhood Non-Hodgkin Lymphoma and the Children's "
                  "Oncology Group, on behalf of the Investigators of the Inter-B-NHL ritux 2010 Trial")
    mesh = "".join(f"<MeshHeading><DescriptorName>{d}</DescriptorName></MeshHeading>" for d in (
        "Lymphoma, B-Cell", "Burkitt Lymphoma", "Antineoplastic Combined Chemotherapy Protocols",
        "Quality of Life", "Adolescent", "Child", "Humans", "Cohort Studies", "Europe"))
    keyword = ("paediatric mature B-cell non-Hodgkin lymphoma treated with rituximab added to the standard "
               "LMB chemotherapy, long-term follow-up of cardiac and gonadal toxicity")

    def article(pmid: int, authors: str, subject: str, summary: str) -> str:
        return f"""<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>
<Article PubModel="Print"><Journal><ISSN IssnType="Print">0174-3031</ISSN><JournalIssue CitedMedium="Print">
<PubDate><Year>2019</Year><Month>03</Month></PubDate></JournalIssue><Title>{journal}</Title></Journal>
<ArticleTitle>{title} (part {pmid % 10})</ArticleTitle>
<Abstract><AbstractText>{summary}</AbstractText></Abstract>
<AuthorList CompleteYN="Y">{authors}</AuthorList><Language>eng</Language></Article>
<MeshHeadingList>{mesh}</MeshHeadingList>
<KeywordList Owner="NOTNLM"><Keyword>{subject}</Keyword></KeywordList></MedlineCitation></PubmedArticle>
"""

    summary = ("Our own words for the test suite: children treated for lymphoma were followed for twenty "
               "years after chemotherapy; lymphoma survivors reported their quality of life, and "
               "the late effects of treatment on heart, fertility and schooling were measured. ") * 2
    many = "".join(_author(n, affiliation) for n in range(130))
    first_collective = (f"<Author ValidYN=\"Y\"><CollectiveName>{collective}</CollectiveName></Author>"
                        + "".join(_author(n, affiliation) for n in range(3)))
    return ("<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n"
            + article(90000001, many, keyword, summary)
            + article(90000002, first_collective, keyword + ", " + keyword, summary)
            + article(90000003, _author(0, affiliation * 3), keyword, summary)
            + "</PubmedArticleSet>\n")
