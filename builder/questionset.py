"""`build.py normalize`: the source documents → one canonical, de-duplicated, topic-tagged question set.

Inputs, all in the deck folder (`--decks`, `builder.paths.DeckPaths`): `sources/*.txt` (the
documents, each listed in `documents.yaml` with its parser and parse hints), `curation.yaml`
(human corrections), `topics.yaml` (taxonomy) and `ids.json` (permanent ids).
Output: `questions.json` in the published schema (`schema.json`) plus
`ids.json` updated with any new ids. Same inputs → byte-identical outputs.

Documented choices:
- primary answer: the source whose answer is longest in plain-text words (a
  full explanation beats a one-liner); ties go to the earlier document;
  `overrides.<id>.primary` in curation.yaml picks another document.
- canonical wording: the source question that is phrased as a question (ends
  with "?"), then the most words (most complete), then the earlier document;
  `overrides.<id>.question` replaces it.
- topics: `builder.topics` rules on the canonical question, the primary
  source's section and answer, best first (the first is the question's main
  topic and decides its subdeck); `overrides.<id>.topics` / `add_topics` /
  `remove_topics` adjust them.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup
from rapidfuzz import fuzz, process

from . import curation as curation_mod
from . import dedupe
from . import documents
from . import key_points
from . import related as related_mod
from .atomic import write_atomic  # noqa: F401 (callers write the set through questionset)
from .errors import InputError
from .fieldcheck import BAD_CHAR
from .holes import formula_holes, strip_hint_suffix
from .ids import IdRegistry, anchor
from .paths import DeckPaths
from .parsers.base import Occurrence, ParseError
from .render import markdown_to_html, text_to_html
from .textkey import Expander, key
from .topics import TopicError, load_taxonomy

FORMAT = "genai-questions/1"
MAX_RELATED = related_mod.MAX_RELATED
STOPWORDS = frozenset(
    "a an and are as at be between by can could do does for from how in into is it its of on or "
    "role s some the their them these this to use used using what when where which why with would "
    "you your explain describe discuss compare contrast concept define definition give tell me "
    "example examples difference differences work works".split()
)


def parse_documents(paths: DeckPaths, progress=None, registry: dict | None = None) -> list[Occurrence]:
    """Every document of sources/, parsed by the module its decks/documents.yaml entry names
    (`registry`: documents.load(paths), when the caller has it already)."""
    out: list[Occurrence] = []
    for path, doc in documents.source_files(paths, registry or documents.load(paths)):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(str(path), None, f"cannot read as UTF-8 text: {e}") from None
        bad = BAD_CHAR.search(text)
        if bad:
            raise InputError(str(path), f"line {text.count(chr(10), 0, bad.start()) + 1}",
                             f"control character U+{ord(bad.group(0)):04X} is not allowed")
        try:
            out.extend(doc.parse(text, paths))
        except ParseError as e:
            raise InputError(str(path), f"line {e.line}" if e.line else None, e.message) from None
        if progress:
            progress(path.name)
    return out


def _apply_curation(occs: list[Occurrence], cur, file: str) -> None:
    for i, rec in enumerate(cur.recover):
        hits = [o for o in occs if o.document.startswith(rec.document) and not o.question
                and key(o.answer_md).startswith(key(rec.answer_starts))]
        if len(hits) != 1:
            raise InputError(file, f"recover[{i}]", f"matches {len(hits)} question-less answers, expected 1")
        source = next((o.document for o in occs if o.document.startswith(rec.source)), None)
        if source is None:
            raise InputError(file, f"recover[{i}]", f"no document {rec.source}")
        hits[0].question, hits[0].recovered_from = rec.question, source
    for i, fx in enumerate(cur.fixes):
        hit = False
        for o in occs:
            if not o.document.startswith(fx.document):
                continue
            attr = {"question": "question", "answer": "answer_md", "section": "section"}[fx.field]
            value = getattr(o, attr)
            if value and fx.find in value:
                setattr(o, attr, value.replace(fx.find, fx.replace))
                hit = True
        if not hit:
            raise InputError(file, f"fixes[{i}]", f"{fx.find!r} is not in any {fx.field} of document {fx.document}")
    for o in occs:
        if not o.question.strip():
            raise InputError(o.document, f"line {o.line}", "question text is missing and no curation 'recover' entry supplies it")


def plain_text(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text(" ", strip=True)


def content_key(expanded: str) -> str:
    return " ".join(w for w in expanded.split() if w not in STOPWORDS)


def _canonical_question(members: list[Occurrence]) -> str:
    """The printed wording phrased as a question, then the most complete; hint suffixes dropped."""
    def score(text: str):
        return (text.endswith("?"), min(len(text.split()), 40))
    texts = [strip_hint_suffix(o.question.strip()) for o in members]
    return max(texts, key=score)  # max keeps the first (earliest document) on ties


RELEVANCE_STEP = 0.05  # relevance scores this close count as a tie, which the longer answer wins


def primary_index(question: str, printed: list[str], answers: list[str], expand: Expander) -> int:
    """The source whose answer is shown first: the one that answers the canonical question.

    relevance = 0.6 × similarity of its printed question to the canonical one (RapidFuzz token
    set ratio of the expanded content words) + 0.4 × share of the canonical question's content
    words found in its answer. Length (plain-text words) only breaks ties, then document order.
    """
    want = set(content_key(expand(question)).split())

    def relevance(k: int) -> float:
        sim = fuzz.token_set_ratio(content_key(expand(printed[k])), " ".join(sorted(want))) / 100
        have = set(content_key(expand(answers[k])).split())
        covered = len(want & have) / len(want) if want else 0.0
        return 0.6 * sim + 0.4 * covered

    def rank(k: int):
        return (round(relevance(k) / RELEVANCE_STEP), len(answers[k].split()), -k)
    return max(range(len(printed)), key=rank)


def _source_entry(o: Occurrence, answer_html: str) -> dict:
    return {
        "document": o.document,
        "number": o.number,
        "section": o.section,
        "question": o.question,
        "answer_html": answer_html,
        "line": o.line,
        **({"recovered_from": o.recovered_from} if o.recovered_from else {}),
    }


def _overlap(a: str, b: str) -> tuple[float, float]:
    """(Jaccard, overlap coefficient) of two content-word sets."""
    sa, sb = set(a.split()), set(b.split())
    if not sa or not sb:
        return 0.0, 0.0
    common = len(sa & sb)
    return common / len(sa | sb), common / min(len(sa), len(sb))


def is_lookalike(sort_score: float, content_a: str, content_b: str, review_threshold: float) -> bool:
    """Could these two questions ask the same thing? (the net `--review` casts)

    Similar wording (token-sort ratio ≥ review threshold), or half of all their
    content words shared, or the shorter question's content words (≥ 80 %) found
    in the longer one with ≥ 30 % shared overall (a title vs. its long form).
    """
    jaccard, overlap = _overlap(content_a, content_b)
    return sort_score >= review_threshold or jaccard >= 0.5 or (overlap >= 0.8 and jaccard >= 0.3)


def review_pairs(result: "Result") -> list[tuple[float, str, str]]:
    """Look-alike pairs of canonical questions not yet decided in curation.yaml.

    A pair is decided when curation merges it (then it is one question) or lists
    it under `distinct` (related-but-different) or `apart` (alike in wording only). Returned best-first as (score, id, id).
    """
    questions, cur = result.qset["questions"], result.curation
    keys = [result.expand(q["question"]) for q in questions]
    ckeys = [content_key(k) for k in keys]
    sort_scores = process.cdist(keys, keys, scorer=fuzz.token_sort_ratio, workers=1)
    decided = result.distinct_ids | result.apart_ids
    out = []
    for i in range(len(questions)):
        for j in range(i + 1, len(questions)):
            s = float(sort_scores[i][j])
            if is_lookalike(s, ckeys[i], ckeys[j], cur.review_threshold):
                a, b = questions[i]["id"], questions[j]["id"]
                if (a, b) not in decided and (b, a) not in decided:
                    out.append((round(s, 1), a, b))
    return sorted(out, key=lambda t: (-t[0], t[1], t[2]))


@dataclass
class Result:
    qset: dict
    registry: IdRegistry
    summary: dict
    curation: curation_mod.Curation
    expand: Expander
    distinct_ids: set[tuple[str, str]]
    distinct_groups: list[list[str]] = field(default_factory=list)  # curation `distinct` groups as ids
    apart_ids: set[tuple[str, str]] = field(default_factory=set)  # curation `apart` pairs (look-alike only)


def _pairs(resolver, groups: list[list[str]], key: str) -> tuple[list[tuple[int, int]], list[list[list[int]]]]:
    """Occurrence pairs that a `distinct` or `apart` group keeps apart, and each group's resolved refs."""
    pairs, refs = [], []
    for gi, group in enumerate(groups):
        resolved = [resolver.resolve(ref, f"{key}[{gi}][{j}]") for j, ref in enumerate(group)]
        refs.append(resolved)
        for x in range(len(resolved)):
            for y in range(x + 1, len(resolved)):
                pairs.extend((a, b) for a in resolved[x] for b in resolved[y])
    return pairs, refs


def normalize(paths: DeckPaths, progress=None) -> Result:
    """Build the canonical set and the updated id registry (nothing is written here)."""
    cur = curation_mod.load(paths.curation)
    try:
        taxonomy = load_taxonomy(paths.topics)
    except TopicError as e:
        raise InputError(str(paths.topics), None, str(e)) from None
    registry = IdRegistry.load(paths.ids)
    docs = documents.load(paths)
    occs = parse_documents(paths, progress, docs)
    raw_keys = [key(o.question) for o in occs]  # ids follow the printed text, before curation fixes
    cfile = str(paths.curation)
    _apply_curation(occs, cur, cfile)
    raw_keys = [key(o.question) if not rk else rk for rk, o in zip(raw_keys, occs)]

    expand = Expander(cur.synonyms)
    expanded = [expand(o.question) for o in occs]
    resolver = curation_mod.RefResolver(occs, cfile)
    merges = []
    for gi, group in enumerate(cur.merge):
        idx = []
        for j, ref in enumerate(group):
            idx.extend(resolver.resolve(ref, f"merge[{gi}][{j}]"))
        merges.append(idx)
    distinct_occ, distinct_refs = _pairs(resolver, cur.distinct, "distinct")
    apart_occ, _ = _pairs(resolver, cur.apart, "apart")
    clusters = dedupe.cluster(expanded, cur.merge_threshold, merges, distinct_occ + apart_occ, cfile)
    ids = registry.assign([[anchor(occs[i].document, raw_keys[i]) for i in c] for c in clusters])
    occ_to_id = {i: qid for qid, c in zip(ids, clusters) for i in c}

    questions = []
    dropped = dict.fromkeys(cur.drop_figures, False)  # ref -> seen (each must name a figure)
    for qid, members_idx in zip(ids, clusters):
        members = [occs[i] for i in members_idx]
        ov = cur.overrides.get(qid, {})
        htmls = [markdown_to_html(o.answer_md) for o in members]
        question = ov.get("question") or _canonical_question(members)
        primary = primary_index(question, [o.question for o in members], [plain_text(h) for h in htmls], expand)
        if ov.get("primary"):
            pick = [k for k, o in enumerate(members) if o.document.startswith(str(ov["primary"]))]
            if not pick:
                raise InputError(cfile, f"overrides.{qid}.primary", f"{qid} has no source from document {ov['primary']}")
            primary = pick[0]
        p = members[primary]
        if ov.get("topics"):
            topics = list(ov["topics"])
        else:
            topics = taxonomy.rank(question, p.section, plain_text(htmls[primary])[:600])
        removed = set(ov.get("remove_topics") or [])
        topics = [t for t in dict.fromkeys([*topics, *(ov.get("add_topics") or [])]) if t not in removed]
        for t in topics:
            if not taxonomy.is_valid_path(t):
                raise InputError(cfile, f"overrides.{qid}", f"unknown topic {t!r}")
        if not topics:
            raise InputError(cfile, f"overrides.{qid}", "leaves the question without a topic")
        figures, seen = [], set()
        for o in members:
            for f in o.figures:
                if f.ref in dropped:
                    dropped[f.ref] = True
                elif f.ref not in seen:
                    seen.add(f.ref)
                    figures.append({"ref": f.ref, "caption": f.caption, "source_url": f.source_url,
                                    **({"source_text": f.source_text} if f.source_text else {})})
        questions.append({
            "id": qid,
            "question": question,
            "question_html": text_to_html(question),
            "topics": topics,
            "answer_html": htmls[primary],
            "primary_source": p.document,
            "sources": [_source_entry(o, h) for o, h in zip(members, htmls)],
            "related": [],
            "figures": figures,
        })
    for i, (ref, seen_ref) in enumerate(dropped.items()):
        if not seen_ref:
            raise InputError(cfile, f"drop_figures[{i}]", f"no question has a figure {ref!r}")
    questions.sort(key=lambda q: int(q["id"][1:]))
    distinct_ids = {(occ_to_id[a], occ_to_id[b]) for a, b in distinct_occ}
    apart_ids = {(occ_to_id[a], occ_to_id[b]) for a, b in apart_occ}
    both = {frozenset(p) for p in distinct_ids} & {frozenset(p) for p in apart_ids}
    if both:
        raise InputError(cfile, "apart", f"{' / '.join(sorted(min(both, key=sorted)))} is listed under both "
                         "'distinct' (related) and 'apart' (alike in wording only): keep one")
    known = {q["id"] for q in questions}
    for qid in cur.corrections:
        if qid not in known:
            raise InputError(cfile, f"corrections.{qid}", "no question has this id")
    for q in questions:
        if q["id"] in cur.corrections:
            q["corrections"] = [{k: documents.cite(v, docs, cfile, f"corrections.{q['id']}[{i}].{k}")
                                 for k, v in c.items()} for i, c in enumerate(cur.corrections[q["id"]])]
    curated_points = key_points.load(paths.key_points, known, set(registry.anchors))
    forced = {qid: list(ov.get("related") or []) for qid, ov in cur.overrides.items() if ov.get("related")}
    related_mod.link(questions, curated_points, taxonomy, distinct_ids,
                     related_mod.load(paths.related, known, set(registry.anchors)), forced)
    for q in questions:
        if q["id"] in curated_points:
            q["key_points"] = curated_points[q["id"]]
    qset = {"format": FORMAT, "revision": _revision(questions, paths.questions), "questions": questions}
    summary = {
        "occurrences": len(occs),
        "questions": len(questions),
        "merged": len(occs) - len(questions),
        "topics": len({t for q in questions for t in q["topics"]}),
        "per_document": _per_document(occs),
        "formula_holes": answer_holes(questions),
    }
    groups = [sorted({occ_to_id[i] for ref in g for i in ref}) for g in distinct_refs]
    return Result(qset, registry, summary, cur, expand, distinct_ids, groups, apart_ids)


def answer_holes(questions: list[dict]) -> list[tuple[str, str, str]]:
    """(id, document, snippet) for every answer sentence that lost its formula (see builder/holes.py),
    and every formula that only an image attribution stands for (drop it with `drop_figures` once restored)."""
    found = []
    for q in questions:
        for f in q["figures"]:  # a formula that survives only as an image attribution
            if f["caption"].split(":")[0] == "Formula":
                found.append((q["id"], f["ref"][:3], f"only an image remains: {f['caption']!r}"))
        seen: set[str] = set()
        for s in q["sources"]:
            for snippet in formula_holes(s["answer_html"]):
                if snippet not in seen:
                    seen.add(snippet)
                    found.append((q["id"], s["document"], snippet))
    return found


def _revision(questions: list[dict], previous: Path) -> dict:
    """Content hash + the time that content first appeared.

    Anki updates an imported note only when the package's modification time is
    newer than the note's, so a changed set needs a newer timestamp, while an
    unchanged set must keep its old one (re-runs stay byte-identical).
    """
    digest = hashlib.sha256(json.dumps(questions, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    old = {}
    if previous.exists():
        try:
            old = json.loads(previous.read_text(encoding="utf-8")).get("revision") or {}
        except (ValueError, AttributeError):
            old = {}
    if old.get("sha256") == digest and isinstance(old.get("timestamp"), int):
        return {"sha256": digest, "timestamp": old["timestamp"]}
    return {"sha256": digest, "timestamp": max(int(time.time()), int(old.get("timestamp") or 0) + 1)}


def _per_document(occs: list[Occurrence]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in occs:
        counts[o.document] = counts.get(o.document, 0) + 1
    return counts


def dumps(qset: dict) -> str:
    """Diff-friendly, deterministic JSON: one key per line, stable order, real UTF-8."""
    return json.dumps(qset, indent=1, ensure_ascii=False) + "\n"


def load_questions(path: Path) -> dict:
    """The committed set, read with the same limits and character checks as a user's file."""
    from . import safeload, validate

    data = safeload.read_file(path)
    validate.check_strings(data, str(path))
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise InputError(str(path), None, "not a question set (no 'questions' list)")
    return data
