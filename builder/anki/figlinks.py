"""Which builder-rendered figures illustrate which questions.

A figure illustrates a question when one of the figure's keywords occurs in the
question text (word boundaries, plural endings allowed). A question shows at
most `MAX_PER_QUESTION` figures, the ones with the most keyword hits first
(ties: diagrams before plots, then figure id), so a card never turns into a
gallery.
"""
from __future__ import annotations

import re
from collections import defaultdict

MAX_PER_QUESTION = 2


def _pattern(keyword: str) -> re.Pattern:
    words = [re.escape(w) for w in re.split(r"[\s\-]+", keyword.lower()) if w]
    body = r"[\s\-]*".join(words)
    return re.compile(rf"(?<![a-z0-9]){body}(?:s|es)?(?![a-z0-9])")


def link(figures, questions: list[dict]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Return (question id -> figure ids, figure id -> question ids), both in a stable order."""
    compiled = [(f, [_pattern(k) for k in f.keywords]) for f in figures]
    by_question: dict[str, list[str]] = {}
    by_figure: dict[str, list[str]] = defaultdict(list)
    for q in questions:
        text = q["question"].lower()
        scored = []
        for f, patterns in compiled:
            hits = sum(1 for p in patterns if p.search(text))
            if hits:
                scored.append((-hits, 0 if f.kind == "diagram" else 1, f.id))
        chosen = [fid for _, _, fid in sorted(scored)[:MAX_PER_QUESTION]]
        if chosen:
            by_question[q["id"]] = chosen
            for fid in chosen:
                by_figure[fid].append(q["id"])
    return by_question, {fid: sorted(qids) for fid, qids in by_figure.items()}
