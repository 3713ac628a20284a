"""Grouping printed questions that ask the same thing.

Rules, in order:
1. identical wording (after `textkey.key` + acronym expansion) is one question;
2. wording at least `merge_threshold` similar (RapidFuzz token-sort ratio) is one
   question, unless curation lists the pair as `distinct` or `apart`;
3. curation `merge` groups are one question whatever their wording.
A `distinct` or `apart` pair is never joined, not even through a third question; a
`merge` that would join one is an error in the curation file.
"""
from __future__ import annotations

from rapidfuzz import fuzz, process

from .errors import InputError


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))
        self.members = {i: {i} for i in range(n)}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)


def similarity_matrix(texts: list[str]):
    """Pairwise token-sort similarity (0–100) of matching keys, computed in C by RapidFuzz."""
    return process.cdist(texts, texts, scorer=fuzz.token_sort_ratio, workers=1)


def cluster(expanded: list[str], threshold: float, merges: list[list[int]],
            distinct: list[tuple[int, int]], file: str) -> list[list[int]]:
    """Return clusters of occurrence indices, each sorted, ordered by first member."""
    n = len(expanded)
    uf = _UnionFind(n)
    apart: dict[int, set[int]] = {}
    for a, b in distinct:
        apart.setdefault(a, set()).add(b)
        apart.setdefault(b, set()).add(a)

    def allowed(a: int, b: int) -> bool:
        ma, mb = uf.members[uf.find(a)], uf.members[uf.find(b)]
        return not any(apart.get(x, set()) & mb for x in ma)

    for gi, group in enumerate(merges):
        for other in group[1:]:
            if not allowed(group[0], other):
                raise InputError(file, f"merge[{gi}]", "joins questions that a 'distinct' or 'apart' entry keeps apart")
            uf.union(group[0], other)

    scores = similarity_matrix(expanded)
    edges = []
    for i in range(n):
        row = scores[i]
        for j in range(i + 1, n):
            s = 100.0 if expanded[i] == expanded[j] else float(row[j])
            if s >= threshold:
                edges.append((-s, i, j))
    for _, i, j in sorted(edges):
        if allowed(i, j):
            uf.union(i, j)
    groups = [sorted(m) for m in uf.members.values()]
    return sorted(groups, key=lambda g: g[0])
