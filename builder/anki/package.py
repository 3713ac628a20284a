"""Assemble notes into decks and write byte-stable `.apkg` files.

One package with every note (subdecks per top-level topic), or with `split`
one package per top-level topic or per source document. Deck and model ids
are constants; note/card ids come from a fixed timestamp, and the zip is
written with fixed entry dates, so the same input gives the same bytes.
"""
from __future__ import annotations

import calendar
import errno
import hashlib
import itertools
import json
import os
import re
import sqlite3
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import genanki

from .. import atomic
from .. import cloze as cloze_mod
from .. import figures as figures_mod
from .. import documents
from ..errors import InputError
from ..figures.catalogue_yaml import short
from ..paths import DeckPaths
from . import figlinks, models, notes, retired

PACKAGE_STEM = "genai-interview-prep"
ZIP_DATE = (2026, 1, 1, 0, 0, 0)
def style_epoch() -> int:
    """STYLE_REVISION (YYYYMMDDNN) as a Unix time: the oldest timestamp a package may carry."""
    rev = str(models.STYLE_REVISION)
    y, m, d, n = int(rev[:4]), int(rev[4:6]), int(rev[6:8]), int(rev[8:])
    return calendar.timegm((y, m, d, 0, 0, 0)) + n * 60


def deck_id(name: str) -> int:
    return int(hashlib.sha256(f"genai-deck:{name}".encode()).hexdigest()[:13], 16) + 1


@dataclass
class BuiltNote:
    kind: str  # qa | cloze | figure | io
    note: genanki.Note
    deck: str
    documents: frozenset = frozenset()
    media: tuple[str, ...] = ()


@dataclass
class Build:
    notes: list[BuiltNote] = field(default_factory=list)
    timestamp: int = 0
    cloze_report: object = None  # cloze.Report: curated / rejected counts, candidates dropped per rule

    def counts(self) -> Counter:
        return Counter(n.kind for n in self.notes)


def collect(qset: dict, paths: DeckPaths, media_dir: Path, cache_dir: Path, taxonomy=None,
            progress=None) -> Build:
    """Every note of the build from the deck folder `paths`; figures are rendered (or taken from
    cache) into media_dir."""
    questions = qset["questions"]
    topic_names = {p: taxonomy.name(p) for p in taxonomy.paths} if taxonomy else {}
    ctx = notes.Context(
        questions={q["id"]: q for q in questions},
        documents=documents.titles(paths),
        topic_names=topic_names,
    )
    assets = figures_mod.render_all(media_dir, cache_dir, specs=_figure_catalogue(paths, taxonomy))
    if progress:
        progress("figures")
    ctx.figures = {a.id: a for a in assets}
    curated = figlinks.load_curated(paths.figure_links)
    ctx.figs_by_question, ctx.questions_by_figure = figlinks.link(assets, questions, curated)
    ctx.doc_figure_files = _document_figures(paths.document_figures, media_dir, questions)

    build = Build(timestamp=max(style_epoch(), int((qset.get("revision") or {}).get("timestamp") or 0)))
    for q in sorted(questions, key=lambda q: q["id"]):
        media = tuple(ctx.figures[f].filename for f in ctx.figs_by_question.get(q["id"], []))
        media += tuple(ctx.doc_figure_files[f["ref"]] for f in q.get("figures", []) if f["ref"] in ctx.doc_figure_files)
        build.notes.append(BuiltNote("qa", notes.qa_note(ctx, q), ctx.deck_for(q["topics"]),
                                     frozenset(s["document"] for s in q.get("sources", [])), media))
    if progress:
        progress("Q&A notes")
    build.cloze_report = cloze_mod.generate_report(questions, paths)
    for c in build.cloze_report.notes:
        q = ctx.questions[c.qid]
        build.notes.append(BuiltNote("cloze", notes.cloze_note(ctx, c), ctx.deck_for(q["topics"]),
                                     frozenset(s["document"] for s in q.get("sources", []))))
    if progress:
        progress("cloze notes")
    for a in assets:
        linked = ctx.questions_by_figure.get(a.id, [])
        docs = frozenset(s["document"] for qid in linked for s in ctx.questions[qid].get("sources", []))
        deck = ctx.deck_for(notes.figure_topics(ctx, a))
        if a.kind == "plot":  # "which function is this?" fits an unlabelled plot
            build.notes.append(BuiltNote("figure", notes.figure_note(ctx, a), deck, docs, (a.filename,)))
        else:  # a diagram is recalled mask by mask: Image Occlusion only
            build.notes.append(BuiltNote("io", notes.io_note(ctx, a), deck, docs, (a.filename,)))
    if progress:
        progress("image notes")
    retired.finish(build, ctx, qset)  # deck:: tags; stubs for notes the set retired
    return build


def _figure_catalogue(paths: DeckPaths, taxonomy) -> list:
    """decks/figures.yaml, checked (give-aways included); every topic must be a taxonomy path."""
    path = paths.figures
    specs = figures_mod.catalogue(path)
    if taxonomy is not None:
        known = set(taxonomy.paths)
        for spec in specs:
            if spec.topic not in known:
                raise InputError(str(path), f"id {spec.id}", f"topic {short(spec.topic)} is not a path of topics.yaml")
    return specs


def _document_figures(folder: Path, media_dir: Path, questions: list[dict]) -> dict[str, str]:
    """Documents' own figures dropped into decks/figures/<ref>.<png|jpg|jpeg|gif|svg|webp> by a user."""
    if not folder.is_dir():
        return {}
    wanted = {f["ref"] for q in questions for f in q.get("figures", [])}
    found = {}
    for path in sorted(folder.iterdir()):
        if path.stem in wanted and path.suffix.lower() in {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}:
            safe = re.sub(r"[^A-Za-z0-9_.-]", "-", f"docfig-{path.stem}{path.suffix.lower()}")
            atomic.write_atomic(media_dir / safe, path.read_bytes(), sync=False)
            found[path.stem] = safe
    return found


UNSOURCED = "no-source"  # under --split source: the package of notes without a source document


RETIRED_STEM = f"{PACKAGE_STEM}-retired"


def select(build: Build, split: str | None) -> dict[str, list[BuiltNote]]:
    """Package name -> its notes; every note lands in exactly one package.

    `topic`: one package per subdeck (top-level topic). `source`: one per document, a note going
    to its first source document by name (clozes share their question's sources, figures those
    of the questions they illustrate); notes without any source go to `<stem>-no-source`.

    Retired stubs go to a package of their own, `<stem>-retired`, for learners updating from an
    earlier version only: Anki gives every note at least one card when it checks a database, so a
    stub in a collection that never had the note would turn into a retired card to study.
    """
    stubs = [n for n in build.notes if n.kind == "retired"]
    live = [n for n in build.notes if n.kind != "retired"]
    if split is None:
        out = {PACKAGE_STEM: live}
    else:
        groups: dict[str | None, list[BuiltNote]] = {}
        for n in live:
            groups.setdefault(split_key(n, split), []).append(n)
        names = package_names(groups)
        out = {names[k]: groups[k] for k in sorted(groups, key=names.__getitem__)}
        assert len(out) == len(groups) and sum(map(len, groups.values())) == len(live), "split lost notes"
    if stubs:
        if RETIRED_STEM in out:  # a topic or document literally named "retired"
            raise InputError(RETIRED_STEM, None, "a split package would take the retired notes' file name")
        out[RETIRED_STEM] = stubs
    return out


def split_key(n: BuiltNote, split: str) -> str | None:
    """The subdeck (`topic`) or first source document by name (`source`, None without one)."""
    if split == "topic":
        return n.deck.split("::", 1)[1] if "::" in n.deck else n.deck
    return min(n.documents) if n.documents else None


def package_names(keys) -> dict:
    """A file stem per split key, unique even on case-insensitive file systems.

    A readable ASCII slug of the key (accents dropped); when keys share a slug, or it comes out
    empty (e.g. a name in another script) or long, `--` and a short hash of the exact key are added.
    Slugs never contain `--`, so a hashed name never equals a plain one.
    """
    slugs = {k: UNSOURCED if k is None else _slug(k) for k in keys}
    seen = Counter(slugs.values())
    names = {}
    for k, slug in slugs.items():
        if not slug or seen[slug] > 1 or len(slug) > 60:
            digest = hashlib.sha256(("" if k is None else k).encode("utf-8")).hexdigest()[:8]
            slug = f"{slug[:60].rstrip('-')}--{digest}" if slug else f"-{digest}"
        names[k] = f"{PACKAGE_STEM}-{slug}"
    if len(set(names.values())) != len(names):  # a 32-bit hash clash between same-slug keys
        raise ValueError(f"package names clash: {sorted(names.values())}")
    return names


def _slug(text: str) -> str:
    text = re.sub(r"\.txt$", "", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def write_package(path: Path, built: list[BuiltNote], media_dir: Path, timestamp: int) -> None:
    """Write one .apkg to `path` (a temporary file of an `atomic.Outputs` transaction)."""
    deck_names = sorted({n.deck for n in built} | {notes.ROOT_DECK})
    decks = {name: genanki.Deck(deck_id(name), name,
                                description="Generative-AI / LLM interview prep" if name == notes.ROOT_DECK else "")
             for name in deck_names}
    for n in built:
        decks[n.deck].add_note(n.note)
    for m in models.MODELS:  # every package carries every note type, so links resolve the same way
        decks[notes.ROOT_DECK].add_model(m)
    media = sorted({f for n in built for f in n.media})
    _write_apkg(Path(path), [decks[d] for d in deck_names], [media_dir / f for f in media], timestamp)


def _write_apkg(target: Path, decks: list, media_files: list[Path], timestamp: int) -> None:
    package = genanki.Package(decks, media_files=[str(p) for p in media_files])
    with atomic.scratch_file(".anki2") as dbfile:
        try:
            conn = sqlite3.connect(dbfile)
            try:
                package.write_to_db(conn.cursor(), timestamp, itertools.count(int(timestamp) * 1000))
                conn.commit()
                conn.execute("VACUUM")
            finally:
                conn.close()
        except sqlite3.OperationalError as e:  # "database or disk is full": say which file, like an OSError
            full = "full" in str(e)
            raise OSError(errno.ENOSPC if full else errno.EIO,
                          os.strerror(errno.ENOSPC) if full else f"sqlite: {e}", str(dbfile)) from None
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            _add(zf, "collection.anki2", dbfile.read_bytes())
            _add(zf, "media", json.dumps({str(i): p.name for i, p in enumerate(media_files)}).encode())
            for i, p in enumerate(media_files):
                _add(zf, str(i), p.read_bytes(), compress=False)


def _add(zf: zipfile.ZipFile, name: str, data: bytes, compress: bool = True) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)
