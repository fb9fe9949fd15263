"""The catalogue record every reader yields and every other module consumes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Author:
    """One author, in record order, with the affiliation the record gives them."""

    name: str
    affiliation: str | None = None


@dataclass
class Record:
    """A bibliographic record, as read from any source format."""

    id: str
    title: str
    summary: str | None = None
    authors: list[Author] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    journal: str | None = None
    publisher: str | None = None
    issns: list[str] = field(default_factory=list)
    date: str | None = None
    year: int | None = None
    # Where in the journal: volume as given, pages as given (`221-8`, `e1003`); deduplication compares them.
    volume: str | None = None
    pages: str | None = None
    language: str | None = None
    url: str | None = None
    # Lower case, no resolver prefix (`10.1038/nature12373`).
    doi: str | None = None
    # Other identifiers the source gives, by kind: `pmid`, `pmcid`, `isbn`, `arxiv`, `accession`...
    identifiers: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    # Which record of its source file this is (1-based), for files holding many.
    position: int | None = None
    # The record's affiliation text when it could not be split per author with
    # confidence: kept whole (and searchable) rather than assigned wrongly.
    affiliation_text: str | None = None
    # What the reader doubted while reading: shown to the user, never indexed.
    warnings: list[str] = field(default_factory=list)

    @property
    def author_names(self) -> list[str]:
        return [a.name for a in self.authors]

    @property
    def affiliations(self) -> list[str]:
        """Every affiliation text the record holds, assigned or not."""
        found = [a.affiliation for a in self.authors if a.affiliation]
        if self.affiliation_text:
            found.append(self.affiliation_text)
        return found

    def to_dict(self) -> dict:
        """The `show --json` shape (plus `affiliation_text`)."""
        data = asdict(self)
        data.pop("warnings")
        data["authors"] = [{"name": a.name, "affiliation": a.affiliation} for a in self.authors]
        data["identifiers"] = dict(self.identifiers)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Record:
        data = dict(data)
        data["authors"] = [Author(a["name"], a.get("affiliation")) for a in data.get("authors", [])]
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})
