"""Read and check ``decks/figures.yaml``: the figures' texts as data (the drawing stays Python).

Each entry names a figure (its permanent id), its kind (``plot`` / ``diagram``), its topic
(a path of ``decks/topics.yaml``), the card texts (title, prompt, keywords, answer) and, for
a diagram, the texts drawn in the image: ``labels`` (each one becomes an Image Occlusion
card; a label drawn in two places is one card with two masks) and ``visible`` (drawn,
never masked). The drawing function is found by the id: ``plot-top-k-top-p`` ->
``plots.draw_top_k_top_p``. Every problem is an ``InputError`` naming the file and entry;
a diagram whose header or unmasked texts give away a masked label is one of them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import InputError
from .giveaway import giveaways

MIN_LABELS, MAX_LABELS = 5, 10
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
TOPIC_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*(?:::[A-Za-z0-9][A-Za-z0-9_\-]*){1,2}$")
_REQUIRED = ("id", "kind", "topic", "title", "prompt", "keywords", "answer")
_OPTIONAL = ("params", "labels", "visible")


@dataclass(frozen=True)
class Text:
    """A text drawn in a diagram: its matplotlib markup, its plain answer text, masked or not."""
    key: str
    text: str
    plain: str
    masked: bool


def short(value, limit: int = 80) -> str:
    r = repr(value)
    return r if len(r) <= limit else r[: limit - 1] + "…"


def plain_text(text: str) -> str:
    return " ".join(text.split())


def load(path: Path) -> list[dict]:
    """The entries of the catalogue file, checked, in file order."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        raise InputError(str(path), None, "figure catalogue not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(str(path), None, f"cannot read: {e}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark else None
        raise InputError(str(path), place, f"invalid YAML: {getattr(e, 'problem', None) or 'syntax error'}") from None
    if not isinstance(data, dict) or not isinstance(data.get("figures"), list) or not data["figures"]:
        raise InputError(str(path), None, "expected a mapping with a non-empty list 'figures'")
    entries, seen = [], set()
    for i, raw in enumerate(data["figures"]):
        fid = raw.get("id") if isinstance(raw, dict) else None
        place = f"figures[{i}]" + (f" (id {fid})" if isinstance(fid, str) and ID_RE.match(fid) else "")
        entry = _entry(raw, lambda msg: InputError(str(path), place, msg))
        if entry["id"] in seen:
            raise InputError(str(path), place, "duplicate id")
        seen.add(entry["id"])
        entries.append(entry)
    return entries


def _entry(raw, fail) -> dict:
    if not isinstance(raw, dict):
        raise fail("expected a mapping")
    unknown = sorted(set(map(str, raw)) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise fail(f"unknown key {short(unknown[0])}")
    for key in _REQUIRED:
        if key not in raw:
            raise fail(f"{key} is missing")
    for key in ("id", "kind", "topic", "title", "prompt", "answer"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise fail(f"{key} must be a non-empty string")
    fid, kind = raw["id"], raw["kind"]
    if kind not in ("plot", "diagram"):
        raise fail(f"kind must be plot or diagram, not {short(kind)}")
    if not ID_RE.match(fid) or not fid.startswith(kind + "-"):
        raise fail(f"id {short(fid)} must be lowercase words joined by '-' and start with '{kind}-'")
    if not TOPIC_RE.match(raw["topic"]):
        raise fail(f"malformed topic path {short(raw['topic'])} (use GenAI::Top::Sub, no spaces)")
    keywords = raw["keywords"]
    if not isinstance(keywords, list) or not keywords or not all(
            isinstance(k, str) and k.strip() and k == k.lower().strip() for k in keywords):
        raise fail("keywords must be a non-empty list of lowercase phrases")
    params = raw.get("params") or {}
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise fail("params must be a mapping of keyword arguments")
    entry = {"id": fid, "kind": kind, "topic": raw["topic"], "title": raw["title"].strip(),
             "prompt": raw["prompt"].strip(), "keywords": tuple(keywords), "answer_html": raw["answer"],
             "params": tuple(sorted((k, _freeze(v)) for k, v in params.items())), "texts": ()}
    if kind == "plot":
        if raw.get("labels") or raw.get("visible"):
            raise fail("a plot has no labels or visible texts (only diagrams do)")
        return entry
    texts = _texts(raw.get("labels"), True, fail) + _texts(raw.get("visible") or {}, False, fail)
    keys = [t.key for t in texts]
    if len(set(keys)) != len(keys):
        raise fail("a key is used in both labels and visible")
    masked = [t for t in texts if t.masked]
    if not MIN_LABELS <= len(masked) <= MAX_LABELS:
        raise fail(f"{len(masked)} labels, want {MIN_LABELS}..{MAX_LABELS}")
    plains = [t.plain for t in masked]
    if len(set(plains)) != len(plains):
        raise fail("label answers must be unique (draw one label twice instead of repeating it)")
    shown = [("header (prompt)", entry["prompt"])] + [("unmasked image text", t.text) for t in texts if not t.masked]
    problems = giveaways([t.plain for t in masked], shown)
    if problems:
        raise fail(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    entry["texts"] = texts
    return entry


def _texts(mapping, masked: bool, fail) -> tuple[Text, ...]:
    what = "labels" if masked else "visible"
    if not isinstance(mapping, dict) or (masked and not mapping):
        raise fail(f"{what} must be a mapping of key -> text")
    out = []
    for key, value in mapping.items():
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise fail(f"{what}: key {short(key)} must be lowercase letters, digits and _")
        if isinstance(value, dict):
            extra = sorted(set(map(str, value)) - {"text", "answer"})
            if extra or not isinstance(value.get("text"), str):
                raise fail(f"{what}.{key}: expected a text or a mapping with text and answer")
            text, plain = value["text"], value.get("answer")
        else:
            text, plain = value, None
        if not isinstance(text, str) or not text.strip():
            raise fail(f"{what}.{key}: text must be a non-empty string")
        plain = plain_text(text) if plain is None else plain
        if not isinstance(plain, str) or not plain.strip() or "\n" in plain:
            raise fail(f"{what}.{key}: answer must be a single-line string")
        out.append(Text(key, text, plain, masked))
    return tuple(out)


def _freeze(value):
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value
