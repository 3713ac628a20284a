"""Figures the deck builder renders itself: maths plots and labelled diagrams.

Public API
    catalogue(path)                                 -> list[FigureSpec]   cheap: no rendering, no matplotlib
    render_all(out_dir, cache_dir=None, specs=...) -> list[FigureAsset]  one PNG per figure in out_dir

The catalogue (ids, kinds, topics, titles, prompts, answers, the texts drawn in each diagram)
is data: ``decks/figures.yaml``, read and checked by ``catalogue_yaml.py`` (which also refuses a
diagram whose header or unmasked texts give away a masked label, ``giveaway.py``). The
drawing stays Python: ``plots.draw_*`` / ``diagrams.draw_*``, found by the figure id.

Determinism: every figure is drawn inside ``plots.style_context()`` (Agg, matplotlib defaults +
a fixed style with DejaVu Sans), at a fixed size and dpi, and saved without the "Software"
PNG text chunk, so rendering twice gives byte-identical PNGs.

Caching: a figure's content hash is sha256 over its drawing function's source, its
parameters, the texts it draws, the source of the shared helpers (style, maths, canvas, rasteriser),
RENDER_VERSION and the matplotlib version. The PNG is named
``genai-<id>-<12 hex of the hash>.png``; with a cache_dir, a hit (PNG + sidecar JSON whose
recorded sha256 matches the PNG) is copied instead of redrawn, and matplotlib is not even
imported. A stale file (another hash) has another name and is simply never used.

Ids are permanent (they become card GUIDs): never rename one; add a new figure instead.
Bump RENDER_VERSION to force every figure to be redrawn.
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import io
import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ..errors import InputError
from . import catalogue_yaml
from ..atomic import write_atomic
from . import diagrams, maths, plots
from .catalogue_yaml import ID_RE, MAX_LABELS, MIN_LABELS, Text

RENDER_VERSION = "2026-05-1"

#: padding (PNG pixels) added around a label's rendered text extent to form its mask
MASK_PAD_PX = 6
FILENAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.png$")


@dataclass(frozen=True)
class Label:
    """One Image Occlusion mask: fractions of the image, top measured from the top edge.
    Masks with the same text are one card (a label drawn in several places)."""
    text: str
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class FigureAsset:
    id: str
    kind: str
    filename: str
    title: str
    prompt: str
    answer_html: str
    keywords: tuple[str, ...]
    labels: tuple[Label, ...]
    width: int
    height: int
    topic: str = ""


@dataclass(frozen=True)
class FigureSpec:
    """A figure before rendering: everything a card needs except the PNG and its masks."""
    id: str
    kind: str                      # "plot" | "diagram"
    title: str
    prompt: str
    answer_html: str
    keywords: tuple[str, ...]
    draw: Callable = None          # plots.draw_* / diagrams.draw_*
    params: tuple = ()             # ((name, value), ...) keyword arguments for draw
    topic: str = ""                # a path of decks/topics.yaml: the cards' tag and deck
    texts: tuple[Text, ...] = ()   # a diagram's labels (masked) and visible texts

    def content_hash(self) -> str:
        h = hashlib.sha256()
        texts = json.dumps([[t.key, t.text, t.plain, t.masked] for t in self.texts], ensure_ascii=False)
        for part in (self.id, self.kind, inspect.getsource(self.draw),
                     json.dumps(dict(self.params), sort_keys=True), texts, _support_source(),
                     RENDER_VERSION, _matplotlib_version()):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()

    @property
    def filename(self) -> str:
        return _filename(self.id, self.content_hash())

    @property
    def labels(self) -> tuple[Text, ...]:
        """The masked texts: one Image Occlusion card each."""
        return tuple(t for t in self.texts if t.masked)

    def make(self):
        """Call the drawing function (inside plots.style_context): a Figure, or (Figure, labels)."""
        if self.texts:
            return self.draw(diagrams.Texts(self.texts), **dict(self.params))
        return self.draw(**dict(self.params))


def _filename(figure_id: str, digest: str) -> str:
    return f"genai-{figure_id}-{digest[:12]}.png"


class FigureError(RuntimeError):
    """A figure failed its layout checks (clipped, overlapping or too-small text, bad labels)."""


# ============================================================== catalogue
_TEXT_KEY = re.compile(r'\bt\["([a-z][a-z0-9_]*)"\]')


@functools.lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int, size: int) -> tuple[FigureSpec, ...]:
    specs = []
    for e in catalogue_yaml.load(Path(path)):
        module = plots if e["kind"] == "plot" else diagrams
        name = "draw_" + e["id"][len(e["kind"]) + 1:].replace("-", "_")
        draw = getattr(module, name, None)
        place = f"id {e['id']}"
        if not callable(draw):
            raise InputError(path, place, f"no drawing function {module.__name__}.{name}")
        accepted = set(inspect.signature(draw).parameters) - {"t"}
        unknown = sorted(k for k, _ in e["params"] if k not in accepted)
        if unknown:
            raise InputError(path, place, f"{name} takes no parameter {catalogue_yaml.short(unknown[0])}")
        if e["kind"] == "diagram":  # the keys the drawing reads (t["key"]) are the keys declared
            used = set(_TEXT_KEY.findall(inspect.getsource(draw)))
            declared = {t.key for t in e["texts"]}
            if used != declared:
                missing, extra = sorted(used - declared), sorted(declared - used)
                raise InputError(path, place, f"{name} draws texts {missing} that are not declared"
                                 if missing else f"texts {extra} are declared but {name} does not draw them")
        specs.append(FigureSpec(e["id"], e["kind"], e["title"], e["prompt"], e["answer_html"], e["keywords"],
                                draw, e["params"], e["topic"], e["texts"]))
    return tuple(specs)


def catalogue(path: Path) -> list[FigureSpec]:
    """All figures of the catalogue `path` (the deck folder's figures.yaml, `DeckPaths.figures`), in
    deck order, without rendering anything (matplotlib is not imported). Raises InputError naming the
    file and entry on bad data."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        st = None
    return list(_load(str(path), st.st_mtime_ns if st else 0, st.st_size if st else -1))


# ============================================================== hashing
@functools.lru_cache(maxsize=None)
def _support_source() -> str:
    """Source of everything shared that influences the pixels (not the per-figure draw functions)."""
    parts = [inspect.getsource(maths)]
    for mod in (plots, diagrams):
        for name, obj in sorted(vars(mod).items()):
            if name.startswith("draw_"):
                continue
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == mod.__name__:
                parts.append(inspect.getsource(obj))
            elif name.isupper() and isinstance(obj, (str, int, float, tuple, dict)):
                parts.append(f"{mod.__name__}.{name} = {obj!r}")
    for fn in (_rasterize, _check_layout, _label_boxes, _png_size):
        parts.append(inspect.getsource(fn))
    parts.append(f"MASK_PAD_PX = {MASK_PAD_PX}")
    return "\n".join(parts)


@functools.lru_cache(maxsize=None)
def _matplotlib_version() -> str:
    """From the installed distribution's metadata: no matplotlib import on the cache path, and
    the same answer whether or not matplotlib is already imported."""
    from importlib.metadata import version

    return version("matplotlib")


# ============================================================== rendering
@dataclass(frozen=True)
class _Drawn:
    png: bytes
    width: int
    height: int
    labels: tuple[Label, ...]


def _draw_figure(spec: FigureSpec) -> _Drawn:
    """The one entry point into matplotlib (tests replace it to prove the cache path never draws)."""
    return _rasterize(spec)


def _rasterize(spec: FigureSpec) -> _Drawn:
    with plots.style_context():
        result = spec.make()
        fig, label_texts = result if isinstance(result, tuple) else (result, [])
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=plots.DPI, metadata={"Software": None})
        png = buf.getvalue()
        width, height = _png_size(png)
        renderer = fig.canvas.get_renderer()
        if (renderer.width, renderer.height) != (width, height):
            raise FigureError(f"{spec.id}: renderer {renderer.width}x{renderer.height} != PNG {width}x{height}")
        labels = _label_boxes(spec, label_texts, renderer, width, height)
        _check_layout(spec, fig, renderer, label_texts, labels, width, height)
    return _Drawn(png, width, height, labels)


def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise FigureError("not a PNG")
    return struct.unpack(">II", png[16:24])


def _label_boxes(spec, label_texts, renderer, width, height) -> tuple[Label, ...]:
    """Each label's rendered text extent + MASK_PAD_PX, as fractions with a top-left origin,
    rounded outwards to 4 decimals and clipped to [0, 1]."""
    import math

    out = []
    for lt in label_texts:
        bb = lt.text.get_window_extent(renderer)  # pixels, origin bottom-left
        x0, x1 = (bb.x0 - MASK_PAD_PX) / width, (bb.x1 + MASK_PAD_PX) / width
        t0, t1 = (height - bb.y1 - MASK_PAD_PX) / height, (height - bb.y0 + MASK_PAD_PX) / height
        left, top = max(0.0, math.floor(x0 * 1e4) / 1e4), max(0.0, math.floor(t0 * 1e4) / 1e4)
        right, bottom = min(1.0, math.ceil(x1 * 1e4) / 1e4), min(1.0, math.ceil(t1 * 1e4) / 1e4)
        out.append(Label(lt.plain, round(left, 4), round(top, 4), round(right - left, 4), round(bottom - top, 4)))
    return tuple(out)


def _overlap(a, b) -> bool:
    """Positive-area intersection of two (x0, y0, x1, y1) rectangles."""
    return min(a[2], b[2]) - max(a[0], b[0]) > 1e-9 and min(a[3], b[3]) - max(a[1], b[1]) > 1e-9


def _check_layout(spec, fig, renderer, label_texts, labels, width, height) -> None:
    """Refuse figures with clipped artists, text below MIN_FONT_PT, bad or overlapping labels."""
    from matplotlib.text import Text

    problems = []
    tight = fig.get_tightbbox(renderer)  # inches
    w_in, h_in = width / plots.DPI, height / plots.DPI
    tol = 0.5 / plots.DPI
    if tight.x0 < -tol or tight.y0 < -tol or tight.x1 > w_in + tol or tight.y1 > h_in + tol:
        problems.append(f"content {tight.bounds} exceeds the {w_in}x{h_in} in canvas (clipped)")
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    small = sorted({t.get_text() for t in texts if t.get_fontsize() < plots.MIN_FONT_PT})
    if small:
        problems.append(f"text below {plots.MIN_FONT_PT} pt: {small}")
    if spec.kind == "diagram":
        names = [lb.text for lb in labels]
        distinct = list(dict.fromkeys(names))
        if not MIN_LABELS <= len(distinct) <= MAX_LABELS:
            problems.append(f"{len(distinct)} labels, want {MIN_LABELS}..{MAX_LABELS}")
        if any(not n.strip() for n in names):
            problems.append(f"label texts must be non-empty: {names}")
        if spec.texts:  # what is drawn is exactly what figures.yaml declares (the give-away check read that)
            declared = {t.plain for t in spec.texts if t.masked}
            if set(distinct) != declared:
                problems.append(f"drawn labels {sorted(set(distinct))} != declared labels {sorted(declared)}")
            shown = {t.get_text() for t in texts} - {lt.text.get_text() for lt in label_texts}
            visible = {t.text for t in spec.texts if not t.masked}
            if shown != visible:
                problems.append(f"unmasked texts drawn {sorted(shown)} != declared visible texts {sorted(visible)}")
        rects = [(lb.left, lb.top, lb.left + lb.width, lb.top + lb.height) for lb in labels]
        for i in range(len(rects)):
            for j in range(i + 1, len(rects)):
                if _overlap(rects[i], rects[j]):
                    problems.append(f"masks overlap: {names[i]!r} / {names[j]!r}")
        for lt in label_texts:
            if lt.container is not None:
                tb, pb = lt.text.get_window_extent(renderer), lt.container.get_window_extent(renderer)
                if tb.x0 < pb.x0 + 4 or tb.x1 > pb.x1 - 4 or tb.y0 < pb.y0 + 4 or tb.y1 > pb.y1 - 4:
                    problems.append(f"label {lt.plain!r} does not fit its box")
        label_artists = {id(lt.text) for lt in label_texts}
        others = []
        for t in texts:
            if id(t) in label_artists:
                continue
            bb = t.get_window_extent(renderer)
            others.append((t.get_text(), (bb.x0 / width, (height - bb.y1) / height,
                                          bb.x1 / width, (height - bb.y0) / height)))
        for name, r in others:
            for lname, lr in zip(names, rects):
                if _overlap(r, lr):
                    problems.append(f"text {name!r} overlaps the mask of {lname!r}")
        for i in range(len(others)):
            for j in range(i + 1, len(others)):
                if _overlap(others[i][1], others[j][1]):
                    problems.append(f"texts overlap: {others[i][0]!r} / {others[j][0]!r}")
    if problems:
        raise FigureError(f"{spec.id}: " + "; ".join(problems))


# ============================================================== cache + output
def _sidecar(cache_dir: Path, filename: str) -> Path:
    return cache_dir / (filename[: -len(".png")] + ".json")


def _load_cached(cache_dir: Path, filename: str, digest: str) -> _Drawn | None:
    png_path, meta_path = cache_dir / filename, _sidecar(cache_dir, filename)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        png = png_path.read_bytes()
    except (OSError, ValueError):
        return None
    try:
        if meta.get("hash") != digest or meta.get("png_sha256") != hashlib.sha256(png).hexdigest():
            return None
        labels = tuple(Label(**lb) for lb in meta["labels"])
        return _Drawn(png, int(meta["width"]), int(meta["height"]), labels)
    except (KeyError, TypeError, ValueError):
        return None


def _store(cache_dir: Path, filename: str, digest: str, drawn: _Drawn) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(cache_dir / filename, drawn.png, sync=False)  # a cache: checked by hash when read
    meta = {"hash": digest, "png_sha256": hashlib.sha256(drawn.png).hexdigest(), "width": drawn.width,
            "height": drawn.height, "labels": [lb.__dict__ for lb in drawn.labels]}
    write_atomic(_sidecar(cache_dir, filename),
                 (json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8"), sync=False)


def render_all(out_dir: Path, cache_dir: Path | None = None, *, specs: list[FigureSpec],
               only: Iterable[str] | None = None) -> list[FigureAsset]:
    """Write one PNG per figure of `specs` (a `catalogue()`, or per id in `only`) into out_dir;
    return the assets. With cache_dir, figures whose content hash is already cached are copied,
    not redrawn."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache_dir = Path(cache_dir) if cache_dir is not None else None
    specs = list(specs)
    if only is not None:
        wanted = set(only)
        unknown = wanted - {s.id for s in specs}
        if unknown:
            raise KeyError(f"unknown figure ids: {sorted(unknown)}")
        specs = [s for s in specs if s.id in wanted]
    assets = []
    for spec in specs:
        digest = spec.content_hash()
        filename = _filename(spec.id, digest)
        drawn = _load_cached(cache_dir, filename, digest) if cache_dir is not None else None
        if drawn is None:
            drawn = _draw_figure(spec)
            if cache_dir is not None:
                _store(cache_dir, filename, digest, drawn)
        write_atomic(out_dir / filename, drawn.png, sync=False)
        assets.append(FigureAsset(spec.id, spec.kind, filename, spec.title, spec.prompt, spec.answer_html,
                                  tuple(spec.keywords), drawn.labels if spec.kind == "diagram" else (),
                                  drawn.width, drawn.height, spec.topic))
    return assets


__all__ = ["FigureAsset", "FigureError", "FigureSpec", "Label", "RENDER_VERSION", "Text",
           "catalogue", "render_all"]
