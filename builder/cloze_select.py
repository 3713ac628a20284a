"""Choosing the cloze notes of a question: kinds in turns, per-kind caps, the rules of
builder/cloze_rules.py; a term defined in several questions carded once; the known vocabulary."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from . import cloze_rules as rules
from .cloze_text import KINDS, MAX_PER_QUESTION, Cand, contains, slugify, topic_name


TURN = ("formula", "table", "definition", "enumeration", "acronym", "label")
KIND_CAP = {"formula": 3, "table": 3, "definition": 2, "enumeration": 2, "acronym": 2}


def view(c: Cand, q: dict, names: dict[str, str]) -> rules.NoteView:
    """What the rules see of a candidate (`names`: topic path -> display name)."""
    return rules.NoteView(id=f"{q['id']}-cz-{slugify(c.slug_src)}", kind=c.sub or c.kind, text=c.builder.render(),
                          question=q.get("question") or "",
                          topic_names=tuple(topic_name(t, names) for t in q.get("topics") or ()),
                          list_items=c.meta.get("list_items", 0), lead=c.meta.get("lead", ""),
                          acronym=c.meta.get("acronym", ""))


def select(cands: list[Cand], q: dict, vocab: rules.Vocabulary, dropped: Counter,
           names: dict[str, str]) -> list[Cand]:
    """At most MAX_PER_QUESTION notes that keep every rule, kinds taken in turns, no term carded twice
    in one question. `dropped` counts the candidates each rule turned away."""
    pools: dict[str, list[Cand]] = {}
    seen: set[tuple[str, str]] = set()
    for c in sorted(cands, key=lambda c: (-c.score, c.order)):
        k = (c.kind, slugify(c.slug_src))
        if k in seen:
            continue
        seen.add(k)
        pools.setdefault(c.sub or c.kind, []).append(c)
    chosen: list[Cand] = []
    used_terms: set[str] = set()
    per_kind: dict[str, int] = {}
    progress = True
    while len(chosen) < MAX_PER_QUESTION and progress:
        progress = False
        for pool in TURN:
            queue = pools.get(pool) or []
            while queue and len(chosen) < MAX_PER_QUESTION:
                c = queue.pop(0)
                if per_kind.get(c.kind, 0) >= KIND_CAP[c.kind]:
                    queue.clear()
                    break
                if any(t in used_terms for t in c.terms) or not c.ready():
                    continue
                broken = rules.violations(view(c, q, names), vocab)
                if broken:
                    dropped[broken[0][0]] += 1
                    continue
                chosen.append(c)
                per_kind[c.kind] = per_kind.get(c.kind, 0) + 1
                used_terms.update(c.terms)
                progress = True
                break
    return sorted(chosen, key=lambda c: (KINDS.index(c.kind), c.order))


def dedupe_definitions(per_q: list[tuple[dict, list[Cand]]]) -> None:
    """A term defined in several questions ("Transfer learning is …" four times) is carded once: by the
    question that asks about it, then the one whose answer opens with it, then the smallest id."""
    best: dict[str, tuple] = {}
    for q, cands in per_q:
        for c in cands:
            if c.kind == "definition" and not c.sub and c.ready():
                rank = (not contains(q.get("question") or "", c.slug_src), -round(c.score), str(q["id"]), c.order)
                k = c.terms[0]
                if k not in best or rank < best[k][0]:
                    best[k] = (rank, id(c))
    keep = {v[1] for v in best.values()}
    for i, (q, cands) in enumerate(per_q):
        per_q[i] = (q, [c for c in cands if c.kind != "definition" or c.sub or id(c) in keep])


def vocabulary(topics_yaml: Path, questions: list[dict], per_q, standard: dict[str, dict]) -> rules.Vocabulary:
    """Known terms: the taxonomy's keywords, the standard acronyms and their expansions, what the set
    itself defines ("X is a …") and what its questions ask about ("What is X?")."""
    import yaml
    terms: set[str] = set()
    try:
        data = yaml.safe_load(topics_yaml.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        data = {}
    for t in data.get("topics") or []:
        for kw in (t.get("keywords") or []) + [t.get("name") or ""]:
            terms.add(_term_key(str(kw).rstrip("*")))
    for acr, std in standard.items():
        terms.update((_term_key(acr), _term_key(std["expansion"])))
    for q, cands in per_q:
        for c in cands:
            if c.kind == "definition" and not c.sub:
                terms.add(_term_key(c.slug_src))
        m = _ASKS_ABOUT.match(q.get("question") or "")
        if m:
            terms.add(_term_key(m.group(1)))
    terms.discard("")
    return rules.Vocabulary(frozenset(terms), standard)


_ASKS_ABOUT = re.compile(r"^(?:what (?:is|are)|define|explain(?: the concept of)?|describe)\s+(?:an?\s+|the\s+)?"
                         r"([^?,.]{2,60}?)\s*[?.]?$", re.I)


def _term_key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9][a-z0-9'-]*", rules.plain(text).lower()))
