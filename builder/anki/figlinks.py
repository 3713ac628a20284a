"""Which builder-rendered figures illustrate which questions.

For our question set the links are curated data (`decks/figure_links.yaml`,
figure id -> question ids). For a set that contains none of those ids (a
user's own), a figure illustrates a question when one of its keywords occurs in
the question text (word boundaries, plural endings allowed); a question then
shows at most `MAX_PER_QUESTION` figures, most keyword hits first (ties:
diagrams before plots, then figure id), so a card never turns into a gallery.
"""
from __future__ import annotations

import re
from collections import defaultdict

MAX_PER_QUESTION = 2


def _pattern(keyword: str) -> re.Pattern:
    words = [re.escape(w) for w in re.split(r"[\s\-]+", keyword.lower()) if w]
    body = r"[\s\-]*".join(words)
    return re.compile(rf"(?<![a-z0-9]){body}(?:s|es)?(?![a-z0-9])")


def link(figures, questions: list[dict], curated: dict[str, list[str]] | None = None
         ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Return (question id -> figure ids, figure id -> question ids), both in a stable order."""
    ids = {q["id"] for q in questions}
    if curated and any(qid in ids for qids in curated.values() for qid in qids):
        return _curated(figures, ids, curated)
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


def _curated(figures, ids: set[str], curated: dict[str, list[str]]):
    known = {f.id for f in figures}
    by_question: dict[str, list[str]] = defaultdict(list)
    by_figure: dict[str, list[str]] = {}
    for fid in sorted(curated):
        if fid not in known:
            continue
        qids = sorted(q for q in curated[fid] if q in ids)
        by_figure[fid] = qids
        for qid in qids:
            by_question[qid].append(fid)
    return dict(by_question), by_figure


def load_curated(path) -> dict[str, list[str]]:
    """figure id -> question ids from decks/figure_links.yaml (missing file: no curated links)."""
    from .. import safeload
    from ..errors import InputError
    data = safeload.read_optional_mapping(path, "a mapping of figure id -> list of question ids")
    if not all(isinstance(v, list) for v in data.values()):
        raise InputError(str(path), None, "expected a mapping of figure id -> list of question ids")
    return {str(k): [str(x) for x in v] for k, v in data.items()}
