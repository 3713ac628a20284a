"""Matching keys for question texts: what "the same wording" means for de-duplication and ids."""
from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def key(text: str) -> str:
    """Lower-case ASCII words only: punctuation, markup and spacing differences vanish."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub(" ", text.lower()).strip()


class Expander:
    """Spells out acronyms so "What is RAG?" and "What is retrieval augmented generation?" compare equal."""

    def __init__(self, synonyms: dict[str, str]):
        self._map = {key(k): key(v) for k, v in synonyms.items()}
        words = sorted(self._map, key=len, reverse=True)
        self._re = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b") if words else None

    def __call__(self, text: str) -> str:
        k = key(text)
        if self._re is None:
            return k
        return self._re.sub(lambda m: self._map[m.group(1)], k)
