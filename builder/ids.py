"""Permanent question ids, kept in `decks/ids.json`.

Every id remembers the printed questions ("anchors": document prefix + matching
key of the printed text) it has stood for. On each normalize a canonical
question takes the id its occurrences' anchors point to; editing answers,
merging, or curating wording never changes it. An id whose question vanished
stays in the registry, and `next` only grows, so ids are never reused.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from rapidfuzz import fuzz

from .errors import InputError

FUZZY_ANCHOR = 90.0  # a reworded printed question still keeps its id above this similarity


def anchor(document: str, question_key: str) -> str:
    return f"{document[:3]}|{question_key}"


class IdRegistry:
    def __init__(self, next_number: int = 1, anchors: dict[str, list[str]] | None = None):
        self.next_number = next_number
        self.anchors: dict[str, list[str]] = anchors or {}

    @classmethod
    def load(cls, path: Path) -> "IdRegistry":
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(int(data["next"]), {str(k): list(v) for k, v in data["ids"].items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InputError(str(path), None, "not a valid id registry (expected {\"next\": N, \"ids\": {...}})") from None

    def dumps(self) -> str:
        data = {"next": self.next_number, "ids": {k: sorted(v) for k, v in sorted(self.anchors.items())}}
        return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"

    def _new_id(self) -> str:
        qid = f"q{self.next_number:04d}"
        self.next_number += 1
        return qid

    def assign(self, clusters: list[list[str]]) -> list[str]:
        """Give each cluster (a list of anchors) an id; clusters are processed in order.

        1. the id most of its anchors already belong to (ties: the oldest id),
        2. else an unclaimed id with a near-identical anchor in the same document,
        3. else a new id.
        """
        owner = {a: qid for qid, anchors in self.anchors.items() for a in anchors}
        taken: set[str] = set()
        result: list[str | None] = [None] * len(clusters)
        # First pass: exact anchors, so a reworded question cannot steal an id still printed elsewhere.
        for ci, anchors in enumerate(clusters):
            votes = Counter(owner[a] for a in anchors if a in owner and owner[a] not in taken)
            if votes:
                qid = min(votes, key=lambda q: (-votes[q], q))
                result[ci] = qid
                taken.add(qid)
        for ci, anchors in enumerate(clusters):
            if result[ci] is None:
                result[ci] = self._fuzzy(anchors, taken) or self._new_id()
                taken.add(result[ci])
            self.anchors[result[ci]] = sorted(set(self.anchors.get(result[ci], [])) | set(anchors))
        return result  # type: ignore[return-value]

    def _fuzzy(self, anchors: list[str], taken: set[str]) -> str | None:
        best, best_score = None, FUZZY_ANCHOR
        for qid in sorted(self.anchors):
            if qid in taken:
                continue
            for old in self.anchors[qid]:
                for new in anchors:
                    if old[:4] == new[:4]:
                        score = fuzz.ratio(old[4:], new[4:])
                        if score >= best_score and (best is None or score > best_score):
                            best, best_score = qid, score
        return best
