"""Key points: the short answer a learner grades a Q&A card against.

At most `MAX_BULLETS` bullets and `MAX_WORDS` words in all, shown first on the
card's back, before the full explanation. The committed set takes them from
`decks/key_points.yaml` (curated, keyed by permanent id); a user's set may
carry `key_points` per question. A question without them shows the first
sentence of its answer instead (`fallback`), so every back starts short.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from . import behavioural, safeload
from .errors import InputError
from .render import sanitize, text_to_html

MAX_BULLETS = 3
MAX_WORDS = 50
_MATH = re.compile(r"\\\(.+?\\\)|\\\[.+?\\\]", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\\(\"'])")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|etc|vs|approx|cf|al|Dr|Mr|Mrs|Fig|No)\.$", re.I)


def word_count(points: list[str]) -> int:
    """Words a learner reads; a formula counts as one word."""
    return sum(len(_MATH.sub(" F ", p).split()) for p in points)


def problem(points: object) -> str | None:
    """Why `points` is not a valid key-point list, or None."""
    if not isinstance(points, list) or not points:
        return "must be a non-empty list of strings"
    if len(points) > MAX_BULLETS:
        return f"has {len(points)} bullets (at most {MAX_BULLETS})"
    for i, p in enumerate(points):
        if not isinstance(p, str) or not p.strip():
            return f"bullet {i + 1} must be non-empty text"
    n = word_count(points)
    if n > MAX_WORDS:
        return f"has {n} words (at most {MAX_WORDS})"
    return None


def load(path: Path, known_ids: set[str], retired_ids: set[str] = frozenset()) -> dict[str, list[str]]:
    """The curated key points, checked: known ids only (an id whose question was retired is skipped:
    its entry is history, not a typo), each list within the limits."""
    file = str(path)
    data = safeload.read_optional_mapping(path, "a mapping of question id -> list of key points")
    out: dict[str, list[str]] = {}
    for qid, points in data.items():
        if str(qid) in retired_ids and str(qid) not in known_ids:
            continue
        if str(qid) not in known_ids:
            raise InputError(file, str(qid)[:40], "no question has this id")
        why = problem(points)
        if why:
            raise InputError(file, str(qid), f"key points {why}")
        out[str(qid)] = [p.strip() for p in points]
    return out


def plain_text(fragment: str) -> str:
    text = re.sub(r"<[^>]+>", " ", fragment)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def fallback(answer_html: str) -> list[str]:
    """The first sentence of the answer (cut at `MAX_WORDS` words): a user's set without key points."""
    first = re.search(r"<(p|li)>(.*?)</\1>", answer_html, re.S)
    text = plain_text(first.group(2) if first else answer_html)
    parts = [s for s in _SENTENCE_END.split(text) if s]
    sentence = ""
    for part in parts:  # re-join splits after abbreviations ("e.g. BERT")
        sentence = f"{sentence} {part}".strip()
        if not _ABBREV.search(sentence):
            break
    words = sentence.split()
    if word_count([sentence]) > MAX_WORDS:
        sentence = " ".join(words[:MAX_WORDS - 1]).rstrip(",;:") + " …"
    return [sentence] if sentence else []


def points_of(q: dict) -> tuple[list[str], bool]:
    """(key points, curated?) for a question."""
    if q.get("key_points"):
        return list(q["key_points"]), True
    return fallback(q.get("answer_html") or ""), False


def block_html(q: dict) -> str:
    """The key-points box shown first on the back (empty when there is nothing to show)."""
    points, curated = points_of(q)
    if not points:
        return ""
    items = "".join(f"<li>{text_to_html(p)}</li>" for p in points)
    cls = "qa-key-points" if curated else "qa-key-points qa-key-points-auto"
    label = behavioural.POINTS_LABEL if behavioural.is_behavioural(q["question"]) else "Key points"
    return sanitize(f'<div class="{cls}"><div class="qa-label">{label}</div><ul>{items}</ul></div>')
