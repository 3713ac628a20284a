"""Every data file of a deck folder (`--decks`, default decks/), named in one place.

The CLI makes one `DeckPaths` from `--decks` and hands it down: the parsers' hints,
the schema, the taxonomy, the curated files and the figure catalogue all come from
it, so a copy of the folder is a complete, independent input (tests build from one).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DeckPaths:
    """Where normalize and build read (and normalize writes); tests point it at a copy."""

    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))

    def file(self, relative: str) -> Path:
        """A file named relative to the deck folder (e.g. a hints file listed in documents.yaml)."""
        return self.root / relative

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def documents(self) -> Path:
        return self.root / "documents.yaml"

    @property
    def curation(self) -> Path:
        return self.root / "curation.yaml"

    @property
    def topics(self) -> Path:
        return self.root / "topics.yaml"

    @property
    def ids(self) -> Path:
        return self.root / "ids.json"

    @property
    def questions(self) -> Path:
        return self.root / "questions.json"

    @property
    def published(self) -> Path:
        return self.root / "published.json"

    @property
    def schema(self) -> Path:
        return self.root / "schema.json"

    @property
    def key_points(self) -> Path:
        return self.root / "key_points.yaml"

    @property
    def related(self) -> Path:
        return self.root / "related.yaml"

    @property
    def clozes(self) -> Path:
        return self.root / "clozes.yaml"

    @property
    def acronyms(self) -> Path:
        return self.root / "acronyms.yaml"

    @property
    def figures(self) -> Path:
        """The figure catalogue (figures.yaml)."""
        return self.root / "figures.yaml"

    @property
    def figure_links(self) -> Path:
        return self.root / "figure_links.yaml"

    @property
    def document_figures(self) -> Path:
        """A folder of the documents' own figures (`<ref>.png` …) a user may add."""
        return self.root / "figures"
