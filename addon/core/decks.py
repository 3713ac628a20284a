"""Which subdeck a note belongs to: the one rule the builder files cards by and the add-on checks.

The builder puts every note into `<root>::<display name of its main topic's top level>` and tags
it `deck::<that subdeck, tag-safe>`. The tag is what the add-on reads: a note's topic tags are
an unordered set (the main topic is not recoverable from them) and the display names live in the
builder's taxonomy, so the note carries its subdeck as a tag. Anki never moves existing cards on
import; comparing a card's deck with this tag finds the cards a renamed or merged topic left behind.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Optional

ROOT_DECK = "GenAI Interview Prep"
DECK_TAG = "deck::"
RETIRED_TAG = "retired"


def tag_safe(text: str) -> str:
    """Anki tags hold no spaces; `::` stays (hierarchy)."""
    return re.sub(r"[^A-Za-z0-9_:\-]+", "_", text).strip("_")


def fallback_name(path: str) -> str:
    """Display name of a topic the taxonomy does not name: its last segment, underscores as spaces."""
    return path.split("::")[-1].replace("_", " ")


def top_level(path: str) -> str:
    """`GenAI::Transformers::Attention` -> `GenAI::Transformers` (a one-segment path stays)."""
    parts = path.split("::")
    return "::".join(parts[:2]) if len(parts) > 1 else parts[0]


def deck_for(topics: list[str], name_of: Optional[Callable[[str], str]] = None) -> str:
    """Subdeck of a note whose main (first) topic is topics[0]."""
    top = top_level(topics[0])
    return f"{ROOT_DECK}::{(name_of or fallback_name)(top)}"


def deck_tag(deck_name: str) -> str:
    """`GenAI Interview Prep::Ethics, bias & safety` -> `deck::Ethics_bias_safety`."""
    rel = deck_name[len(ROOT_DECK) + 2:] if deck_name.startswith(ROOT_DECK + "::") else deck_name
    return DECK_TAG + "::".join(tag_safe(part) or "_" for part in rel.split("::"))


def in_tree(deck_name: str, parent: str) -> bool:
    """True for `parent` itself and every deck below it."""
    return deck_name == parent or deck_name.startswith(parent + "::")


def deck_tag_of(tags: Iterable[str]) -> Optional[str]:
    """The note's one `deck::` tag (None when it has none or several)."""
    found = [t for t in tags if t.lower().startswith(DECK_TAG)]
    return found[0] if len(found) == 1 else None
