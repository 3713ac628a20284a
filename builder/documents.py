"""The source documents, as listed in decks/documents.yaml: one entry per file in decks/sources/.

    004_c54549c83c6343f4.txt:          # the file's name in sources/; "004" (before "_") is its id,
      slug: 004-top-50-llm-questions   #   the one curation.yaml references use ("004: question text")
      title: Top 50 LLM Interview Questions
      parser: doc004                   # builder/parsers/doc004.py, or a dotted module name
      hints: parse_hints/004.yaml      # optional, relative to the deck folder; given to the parser

A parser module has `parse(text, document)` or, with hints, `parse(text, document, hints)` and
returns `parsers.base.Occurrence`s. A sixth document is a parser module plus an entry here.
Bad entries fail with one line naming documents.yaml and the entry.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from . import safeload
from .errors import InputError, shown
from .paths import DeckPaths

FILE_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]{0,15})_[A-Za-z0-9_.-]{0,100}\.txt$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")
HINTS_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]{0,200}\.(?:yaml|yml|json)$")
FIELDS = ("slug", "title", "parser", "hints")
# a title is what a learner reads on every card: the work's name, not how the file was stored
FORMAT_WORD = re.compile(r"\b(?:markdown|md|pdf|txt|html?|docx?|csv|json|yaml)\b", re.I)
# "Document 003 said …" / "Documents 000 and 001 listed …" in curation text: ids a learner never sees
_DOC_ID = r"(?=[A-Za-z-]*[0-9])[A-Za-z0-9-]{1,16}"  # a document id as curation writes it: it has a digit
CITED = re.compile(rf"\b[Dd]ocuments? ({_DOC_ID}(?:(?:, | and ){_DOC_ID})*)\b")


@dataclass(frozen=True)
class Document:
    file: str    # file name in sources/
    id: str      # the part before "_": how curation refers to the document
    slug: str    # source::<slug> tag
    title: str   # shown on cards
    parser: str  # module name in builder.parsers, or a dotted module name
    hints: str | None = None  # file relative to the deck folder

    def parse(self, text: str, paths: DeckPaths):
        """The document's occurrences, parsed by its module (with its hints when it has any)."""
        module = _module(self.parser)
        if self.hints is None:
            return module.parse(text, self.file)
        hints = safeload.read_file(paths.file(self.hints)) or {}
        if not isinstance(hints, dict):
            raise InputError(str(paths.file(self.hints)), None, "parse hints must be a mapping")
        return module.parse(text, self.file, hints)


def _module(name: str):
    return import_module(name if "." in name else f"builder.parsers.{name}")


def load(paths: DeckPaths) -> dict[str, Document]:
    """file name -> Document, in file-name order."""
    path = paths.documents
    file = str(path)
    data = safeload.read_file(path)
    if not isinstance(data, dict) or not data:
        raise InputError(file, None, "expected a mapping of source file names to {slug, title, parser}")
    out: dict[str, Document] = {}
    ids: dict[str, str] = {}
    for name in sorted(data, key=str):
        entry = data[name]
        m = FILE_RE.match(name) if isinstance(name, str) else None
        if m is None:
            raise InputError(file, shown(name), "key must be a source file name like 004_c54549c83c6343f4.txt")
        if not isinstance(entry, dict):
            raise InputError(file, name, "expected a mapping with slug, title and parser")
        unknown = sorted(str(k) for k in entry if k not in FIELDS)
        if unknown:
            raise InputError(file, f"{name}.{shown(unknown[0])}", f"unknown field (known: {', '.join(FIELDS)})")
        for key in ("slug", "title", "parser"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise InputError(file, f"{name}.{key}", "missing or not a text")
        if not SLUG_RE.match(entry["slug"]):
            raise InputError(file, f"{name}.slug", "use lowercase a-z, 0-9 and -")
        if not MODULE_RE.match(entry["parser"]):
            raise InputError(file, f"{name}.parser", f"{shown(entry['parser'])} is not a module name")
        hints = entry.get("hints")
        if hints is not None and (not isinstance(hints, str) or not HINTS_RE.match(hints)
                                  or ".." in hints.split("/")):
            raise InputError(file, f"{name}.hints", "must be a .yaml or .json file inside the deck folder")
        if FORMAT_WORD.search(entry["title"]):
            raise InputError(file, f"{name}.title", f"names a file format ({FORMAT_WORD.search(entry['title']).group(0)!r}): "
                             "the title is shown on every card")
        doc_id = m.group(1)
        if doc_id in ids:
            raise InputError(file, name, f"id {doc_id} is also the id of {ids[doc_id]}")
        ids[doc_id] = name
        try:
            module = _module(entry["parser"])
        except ImportError as e:
            raise InputError(file, f"{name}.parser", f"cannot import {shown(entry['parser'])}: {e}") from None
        if not callable(getattr(module, "parse", None)):
            raise InputError(file, f"{name}.parser", f"module {shown(entry['parser'])} has no parse function")
        out[name] = Document(name, doc_id, entry["slug"], entry["title"], entry["parser"], hints)
    return out


def cite(text: str, registry: dict[str, Document], file: str, where: str) -> str:
    """Curation text with every "Document 003" / "Documents 000 and 001" replaced by the documents' titles
    (in quotes), as the cards name their sources; an id that is no document is an error."""
    by_id = {d.id: d.title for d in registry.values()}

    def title(m: re.Match) -> str:
        ids = re.split(r", | and ", m.group(1))
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            raise InputError(file, where, f"no document has the id {shown(unknown[0])} (known: {', '.join(by_id)})")
        names = [f"\u201c{by_id[i]}\u201d" for i in ids]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return CITED.sub(title, text)


def titles(paths: DeckPaths) -> dict[str, dict]:
    """file name -> {slug, title}: what the notes show."""
    return {name: {"slug": d.slug, "title": d.title} for name, d in load(paths).items()}


def source_files(paths: DeckPaths, registry: dict[str, Document]) -> list[tuple[Path, Document]]:
    """Every document of sources/ with its entry: each file needs one and each entry needs its file."""
    files = sorted(paths.sources.glob("*.txt")) if paths.sources.is_dir() else []
    if not files:
        raise InputError(str(paths.sources), None, "no source documents (*.txt) found")
    out = []
    for p in files:
        if p.name not in registry:
            raise InputError(str(p), None, f"no entry for this document in {paths.documents.name} "
                                           f"(known: {', '.join(registry)})")
        out.append((p, registry[p.name]))
    missing = sorted(set(registry) - {p.name for p in files})
    if missing:
        raise InputError(str(paths.documents), missing[0], f"no such file in {paths.sources.name}/")
    return out
