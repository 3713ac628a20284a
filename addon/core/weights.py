"""How often a question is asked: the interview-frequency weight, shared by builder and add-on.

The builder tags every note of a question with `asked::<n>`, n = how many of the source documents
ask it (distinct `sources[].document`, at least 1); the dashboard reads the tag back to weight the
interview readiness. A tag (not a field) survives updates and needs no note-type change; a note
without the tag (another deck, an older package) weighs 1.
"""
from __future__ import annotations

import re
from typing import Iterable

ASKED_TAG = "asked::"
_ASKED = re.compile(r"^asked::(\d{1,4})$", re.IGNORECASE)


def documents_asking(sources: Iterable[dict]) -> int:
    """Distinct documents among a question's sources (at least 1: a question exists in some document)."""
    return max(1, len({s.get("document") for s in sources if isinstance(s, dict) and s.get("document")}))


def asked_tag(n: int) -> str:
    return f"{ASKED_TAG}{max(1, int(n))}"


def weight_of(tags: Iterable[str]) -> int:
    """A note's weight from its tags: the largest `asked::<n>`, 1 without one."""
    found = [int(m.group(1)) for t in tags if (m := _ASKED.match(t))]
    return max([1, *found])
