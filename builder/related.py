"""Related questions by meaning: which other questions a learner should see next to this one.

A link means "same concept, contrast pair, prerequisite or next step". It is decided from the
*concepts* a question is about, never from shared filler words:

1. Concepts: the taxonomy keywords (``decks/topics.yaml``, matched by ``builder.topics``) and their
   topics found in the question (weight 1) and its key points (``KEY_POINT_WEIGHT``), the question's
   assigned topics, acronyms in the question, and its content words (``WORD_WEIGHT``). Each concept
   is weighted by its IDF over the whole set, and scope words (taxonomy ``weak_keywords`` and
   ``SCOPE_WORDS``: "llm", "nlp", "ai", ...) by ``SCOPE_WEIGHT`` on top, so they count little.
2. Score of a pair: cosine of the two concept vectors; × ``TOPIC_ONLY`` when they share topics but
   no term, otherwise + ``TOPIC_BONUS`` when both have the same main (most specific) topic;
   + ``DISTINCT_BONUS`` when curation.yaml lists them as related-but-different (`distinct`).
   Outside curation, pairs below ``MIN_SCORE`` are not linked.
3. Hubs: a question that would sit in many lists (the top ``MAX_RELATED`` candidates of many others)
   has its scores divided by ``1 + HUB_DISCOUNT × (popularity / MAX_RELATED − 1)``.
4. Links, in this order: curated additions; curation's `distinct` pairs (best first, one direction
   per pair first -- the question in more such pairs lists the other -- then the reverse where there
   is room); then all pairs best-first, made symmetric while both ends have room (≤ ``MAX_RELATED``)
   and the pair scores at least ``RELATIVE`` × the best score of one of its ends. A question left with
   fewer than ``MIN_LINKS`` links one-way to its best remaining candidates (score ≥ ``FLOOR_SCORE``).
   No question is in more than ``MAX_IN`` lists.
5. ``decks/related.yaml`` (human judgement, data only): ``add`` / ``remove`` links (both directions)
   and ``isolated`` questions that genuinely have no related question (with a reason).

Each list is ordered best-first (curated additions first).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

from . import safeload
from .errors import InputError

MAX_RELATED = 8
MAX_IN = 12
MIN_LINKS = 2
MIN_SCORE = 0.15
FLOOR_SCORE = 0.1
RELATIVE = 0.45
KEY_POINT_WEIGHT = 0.45
WORD_WEIGHT = 0.45
TOPIC_WEIGHT = 0.8
TOPIC_BONUS = 0.12
TOPIC_ONLY = 0.6
DISTINCT_BONUS = 0.15
HUB_DISCOUNT = 0.5
SCOPE_WEIGHT = 0.3  # taxonomy weak keywords and these words say what field a question is in, not its subject
SCOPE_WORDS = frozenset("ai genai llm llm-based nlp model large language generative deploy* deploying "
                        "deployment system systems application applications training train text data".split())
ID_RE = re.compile(r"^q\d{4,}$")
_ACRONYM_RE = re.compile(r"\b([A-Z][A-Za-z0-9-]*[A-Z0-9][A-Za-z0-9-]*)\b")
_WORD_RE = re.compile(r"[a-z][a-z0-9-]+")
GENERIC = frozenset(
    "a about across address after all also an and any approach are as at be been being benefit "
    "benefits between both but by can case cases common commonly could different do does doing "
    "during each effective effectively employ employed ensure especially explain few for from give "
    "have how important impact implement improve in into is it its key like main make may might "
    "more most new not of on one or other over particularly play possible potential practical "
    "primary provide purpose real role some specific such techniques than that the their them "
    "there these they this those through to type types typically under unique use used uses using "
    "various way ways what when where which while who why will with within would you your "
    "compare contrast concept define definition describe difference differences differ discuss "
    "example examples significance tell work works working help helps handle deal dealing "
    "strategies strategy method methods approaches consider considerations world know known "
    "idea ideas name list few alike does did".split()
)


class Curated:
    """The contents of decks/related.yaml."""

    def __init__(self, add=None, remove=None, isolated=None):
        self.add: dict[str, list[str]] = add or {}
        self.remove: dict[str, list[str]] = remove or {}
        self.isolated: dict[str, str] = isolated or {}

    def removed(self) -> set[frozenset]:
        return {frozenset((a, b)) for a, bs in self.remove.items() for b in bs}


def load(path: Path, known_ids: set[str], retired_ids: set[str] = frozenset()) -> Curated:
    """Read and check related.yaml (a missing file is an empty curation)."""
    file = str(path)
    data = safeload.read_optional_mapping(path, "a mapping with keys add, remove, isolated")
    unknown = set(map(str, data)) - {"add", "remove", "isolated"}
    if unknown:
        raise InputError(file, repr(sorted(unknown)[0])[:40], "unknown key (expected add, remove, isolated)")

    def check_id(value, where: str) -> str | None:
        """The id, or None for a question that was retired (its entries are history, not typos)."""
        if not isinstance(value, str) or not ID_RE.match(value):
            raise InputError(file, where, f"{repr(value)[:40]} is not a question id like q0042")
        if value not in known_ids:
            if value in retired_ids:
                return None
            raise InputError(file, where, f"no question has the id {value!r}")
        return value

    out = Curated()
    for section in ("add", "remove"):
        block = data.get(section) or {}
        if not isinstance(block, dict):
            raise InputError(file, section, "must map a question id to a list of ids")
        for qid, others in block.items():
            where = f"{section}.{str(qid)[:20]}"
            if not isinstance(others, list) or not others:
                raise InputError(file, where, "must be a non-empty list of question ids")
            ids = [check_id(o, f"{where}[{i}]") for i, o in enumerate(others)]
            if check_id(qid, where) is None:
                continue
            if qid in ids:
                raise InputError(file, where, "a question cannot be related to itself")
            ids = [i for i in ids if i is not None]
            if ids:
                getattr(out, section)[qid] = ids
    iso = data.get("isolated") or {}
    if not isinstance(iso, dict):
        raise InputError(file, "isolated", "must map a question id to the reason it has no related question")
    for qid, reason in iso.items():
        where = f"isolated.{str(qid)[:20]}"
        if check_id(qid, where) is None:
            continue
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(file, where, "needs a reason (non-empty text)")
        out.isolated[qid] = reason.strip()
    return out


def _words(text: str) -> set[str]:
    out = set()
    for w in _WORD_RE.findall(text.lower()):
        w = w.strip("-")
        if w in GENERIC:
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        if len(w) > 2 and w not in GENERIC:
            out.add(w)
    return out


def concepts(question: dict, points: list[str], taxonomy) -> dict[str, float]:
    """Concept -> raw weight (before IDF) for one question."""
    found: dict[str, float] = {}

    def put(c: str, w: float) -> None:
        found[c] = max(found.get(c, 0.0), w)

    scope = {kw for t in taxonomy.topics for kw in t.weak_keywords} | SCOPE_WORDS
    for text, w in ((question["question"], 1.0), (" ".join(points), KEY_POINT_WEIGHT)):
        for path, kws in taxonomy.match(text).items():
            put("topic:" + path, w)
            for kw in kws:
                put("kw:" + kw, w * (SCOPE_WEIGHT if kw in scope else 1.0))
    for t in question.get("topics", []):
        put("topic:" + t, TOPIC_WEIGHT)
    for a in _ACRONYM_RE.findall(question["question"]):
        a = a.lower().rstrip("s")
        put("kw:" + a, SCOPE_WEIGHT if a in scope else 1.0)
    for w in _words(question["question"]):
        put("w:" + w, WORD_WEIGHT * (SCOPE_WEIGHT if w in scope else 1.0))
    return found


def score_matrix(questions: list[dict], points: dict[str, list[str]], taxonomy,
                 distinct: set[frozenset]) -> list[list[float]]:
    """Pair scores before hub discounting (symmetric)."""
    raw = [concepts(q, points.get(q["id"], []), taxonomy) for q in questions]
    n = len(questions)
    df = Counter(c for r in raw for c in r)
    vecs = []
    for r in raw:
        v = {c: w * math.log(n / df[c]) for c, w in r.items() if df[c] < n}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vecs.append({c: x / norm for c, x in v.items()})
    main = [q["topics"][0] if q.get("topics") and q["topics"][0].count("::") >= 2 else None for q in questions]
    ids = [q["id"] for q in questions]
    s = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            a, b = vecs[i], vecs[j]
            if len(a) > len(b):
                a, b = b, a
            shared = [c for c in a if c in b]
            x = sum(a[c] * b[c] for c in shared)
            if all(c.startswith("topic:") for c in shared):
                x *= TOPIC_ONLY  # the same taxonomy bucket, no shared term: weak evidence
            elif main[i] and main[i] == main[j]:
                x += TOPIC_BONUS
            if frozenset((ids[i], ids[j])) in distinct:
                x += DISTINCT_BONUS
            s[i][j] = s[j][i] = x
    return s


def link(questions: list[dict], points: dict[str, list[str]], taxonomy, distinct_ids, curated: Curated,
         forced: dict[str, list[str]] | None = None) -> None:
    """Fill every question's `related` (ids, best first) by the rules in the module docstring."""
    n = len(questions)
    ids = [q["id"] for q in questions]
    index = {qid: i for i, qid in enumerate(ids)}
    distinct = {frozenset(p) for p in distinct_ids}
    removed = curated.removed()
    s = score_matrix(questions, points, taxonomy, distinct)
    for pair in removed:
        a, b = (index[x] for x in pair)
        s[a][b] = s[b][a] = -1.0
    # hub discount: how many questions would have j among their top candidates
    popularity = Counter()
    for i in range(n):
        top = sorted((j for j in range(n) if j != i and s[i][j] >= MIN_SCORE), key=lambda j: -s[i][j])
        popularity.update(top[:MAX_RELATED])
    factor = [1 + HUB_DISCOUNT * max(0.0, popularity[j] / MAX_RELATED - 1) for j in range(n)]
    adj = [[s[i][j] / math.sqrt(factor[i] * factor[j]) for j in range(n)] for i in range(n)]

    out: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n

    def add(i: int, j: int) -> bool:
        if i == j or j in out[i]:
            return False
        out[i].append(j)
        indeg[j] += 1
        return True

    # curated links first, both directions
    manual = {}
    for src in (forced or {}), curated.add:
        for a, bs in src.items():
            for b in bs:
                if a in index and b in index and frozenset((a, b)) not in removed:
                    manual.setdefault(index[a], []).append(index[b])
                    manual.setdefault(index[b], []).append(index[a])
    for i, js in sorted(manual.items()):
        for j in js:
            add(i, j)
    # curation's related-but-different pairs, best first: first one direction per pair (the question
    # in more such pairs lists the other, sparing its in-degree), then the reverse where there is room
    fan = Counter(x for p in distinct for x in p)
    dpairs = sorted(((adj[index[a]][index[b]], index[a], index[b]) for a, b in map(sorted, distinct)
                     if s[index[a]][index[b]] >= 0), key=lambda t: (-t[0], t[1], t[2]))
    for _, i, j in dpairs:
        if fan[ids[j]] > fan[ids[i]]:
            i, j = j, i
        for x, y in ((i, j), (j, i)):
            if len(out[x]) < MAX_RELATED and indeg[y] < MAX_IN:
                add(x, y)
                break
    for _, i, j in dpairs:
        for x, y in ((i, j), (j, i)):
            if len(out[x]) < MAX_RELATED and indeg[y] < MAX_IN:
                add(x, y)
    # symmetric links, best pairs first; a pair must be close to the best of one of its ends
    best = [max((adj[i][j] for j in range(n) if j != i), default=0.0) for i in range(n)]
    pairs = sorted(((adj[i][j], i, j) for i in range(n) for j in range(i + 1, n)
                    if s[i][j] >= MIN_SCORE and adj[i][j] >= RELATIVE * min(best[i], best[j])),
                   key=lambda t: (-t[0], t[1], t[2]))
    for _, i, j in pairs:
        if (len(out[i]) < MAX_RELATED and len(out[j]) < MAX_RELATED
                and indeg[i] < MAX_IN and indeg[j] < MAX_IN and j not in out[i] and i not in out[j]):
            add(i, j)
            add(j, i)
    # questions left short link one-way to their best remaining candidates
    for i in range(n):
        if len(out[i]) >= MIN_LINKS or ids[i] in curated.isolated:
            continue
        for j in sorted(range(n), key=lambda j: (-adj[i][j], j)):
            if len(out[i]) >= MIN_LINKS or s[i][j] < FLOOR_SCORE:
                break
            if indeg[j] < MAX_IN:
                add(i, j)
    for i, q in enumerate(questions):
        pinned = [j for j in manual.get(i, [])]
        rest = sorted((j for j in out[i] if j not in pinned), key=lambda j: (-adj[i][j], j))
        q["related"] = [ids[j] for j in dict.fromkeys(pinned + rest)][:MAX_RELATED]
