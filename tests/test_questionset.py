"""The normalized question set: counts, cleanliness, de-duplication, determinism and permanent ids."""
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from builder import questionset as qs
from builder.textkey import key
from conftest import source_documents

ROOT = Path(__file__).resolve().parents[1]
DECKS = ROOT / "decks"


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads((DECKS / "questions.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fresh() -> qs.Result:
    return qs.normalize(qs.DeckPaths(DECKS))


def test_every_printed_question_is_parsed(fresh):
    """Every source document yields questions and each one reaches the summary. How many a document
    prints is checked once, against the document itself, in tests/test_parse_doc00N.py."""
    per_doc = fresh.summary["per_document"]
    assert sorted(per_doc) == source_documents() and all(n > 0 for n in per_doc.values()), per_doc
    assert fresh.summary["occurrences"] == sum(per_doc.values())


def test_every_occurrence_reaches_the_set_exactly_once(committed, fresh):
    per_doc = Counter(s["document"] for q in committed["questions"] for s in q["sources"])
    assert dict(per_doc) == fresh.summary["per_document"]


def test_committed_set_is_up_to_date(fresh):
    """Fails when sources, curation, topics or code changed without `build.py normalize`."""
    assert qs.dumps(fresh.qset) == (DECKS / "questions.json").read_text(encoding="utf-8"), \
        "decks/questions.json is stale: run python3 build.py normalize"
    assert fresh.registry.dumps() == (DECKS / "ids.json").read_text(encoding="utf-8")


def test_normalize_is_deterministic_and_idempotent(decks_copy):
    paths = qs.DeckPaths(decks_copy)
    outputs = []
    for _ in range(2):
        r = qs.normalize(paths)
        qs.write_atomic(paths.ids, r.registry.dumps())
        qs.write_atomic(paths.questions, qs.dumps(r.qset))
        outputs.append((paths.questions.read_bytes(), paths.ids.read_bytes()))
    assert outputs[0] == outputs[1]


# --- cleanliness of every answer -------------------------------------------------------------

def all_answers(qset):
    for q in qset["questions"]:
        yield q["id"], "answer_html", q["answer_html"]
        for i, s in enumerate(q["sources"]):
            yield q["id"], f"sources[{i}]", s["answer_html"]


DEBRIS = {
    "page header": re.compile(r"ARBAAZ|Interview\s*Questions\s*\d", re.I),
    "ligature": re.compile("[\ufb00-\ufb06]"),
    "filler": re.compile(r"\b(lorem|ipsum|dolor sit|consectetuer|adipiscing|feugiat|accumsan|nonummy)\b", re.I),
    "bare $ math": re.compile(r"\$\$|\$(?=[A-Za-z\\{(|^_])"),
    "answer marker": re.compile(r"^(<p>)?\s*(\*\*)?(Answer|Ans)\s*[:\-]", re.I),
    "figure placeholder": re.compile(r"\d+\\?_fig\\?_\d+|Image Source:", re.I),
    "chunk separator": re.compile(r"(^|\n)---(\n|$)"),
}


@pytest.mark.parametrize("name", sorted(DEBRIS))
def test_no_debris_in_any_answer(committed, name):
    pattern = DEBRIS[name]
    bad = [(qid, where, pattern.search(html).group(0)) for qid, where, html in all_answers(committed)
           if pattern.search(html)]
    assert not bad, bad[:5]


def test_no_overlap_repetition(committed):
    """A chunk overlap left in place shows up as the same 6+ words twice in a row."""
    rep = re.compile(r"\b((?:\w+\W+){6,}?)\1", re.U)
    bad = []
    for qid, where, html in all_answers(committed):
        text = qs.plain_text(html)
        m = rep.search(text)
        if m and len(m.group(1)) > 30:
            bad.append((qid, where, m.group(1)))
    assert not bad, bad[:5]


def test_answers_and_questions_are_non_empty(committed):
    for q in committed["questions"]:
        assert q["question"].strip() and len(qs.plain_text(q["answer_html"])) > 20, q["id"]
        for s in q["sources"]:
            assert s["question"].strip(), (q["id"], s["document"], s["line"])
            assert qs.plain_text(s["answer_html"]).strip(), (q["id"], s["document"], s["line"])


def test_math_is_mathjax(committed):
    formulas = [h for _, _, h in all_answers(committed) if "\\(" in h or "\\[" in h]
    assert len(formulas) >= 10
    for h in formulas:
        assert h.count("\\(") == h.count("\\)") and h.count("\\[") == h.count("\\]")
    softmax = next(q for q in committed["questions"] if "softmax function" in q["question"].lower())
    assert "\\frac{e^{x_i}}{\\sum_{j=1}^n e^{x_j}}" in softmax["answer_html"]


# --- de-duplication -------------------------------------------------------------------------

def find(committed, doc_prefix, text):
    hits = [q for q in committed["questions"]
            if any(s["document"].startswith(doc_prefix) and key(s["question"]).startswith(key(text))
                   for s in q["sources"])]
    assert len(hits) == 1, (doc_prefix, text, [h["id"] for h in hits])
    return hits[0]


def test_duplicates_are_merged_with_all_their_sources(committed):
    q = find(committed, "000", "What is the difference between generative and discriminative models")
    docs = [s["document"][:3] for s in q["sources"]]
    assert {"000", "001", "004"} <= set(docs)
    # each source keeps its own answer
    answers = {s["document"][:3]: s["answer_html"] for s in q["sources"]}
    assert answers["000"] != answers["004"]
    # the mirrored block of 001 and document 000 are one question each
    assert find(committed, "001", "How does self-attention work") is find(committed, "000", "How does self-attention work")


def test_same_question_twice_in_one_document_is_one(committed):
    q = find(committed, "001", "In what ways does Gemini")
    assert sum(s["document"].startswith("001") for s in q["sources"]) >= 2


def test_no_two_canonical_questions_ask_the_same_thing(fresh):
    """Every look-alike pair is either merged or reviewed as `distinct` in curation.yaml."""
    pending = qs.review_pairs(fresh)
    assert not pending, f"{len(pending)} unreviewed look-alike pairs, e.g. {pending[:5]}"


def test_distinct_pairs_are_linked_as_related(committed, fresh):
    """Linked one way or both, unless related.yaml removes the pair or one end is saturated (list full, MAX_IN lists)."""
    from builder import related
    by_id = {q["id"]: q for q in committed["questions"]}
    removed = related.load(DECKS / "related.yaml", set(by_id)).removed()
    indeg = Counter(r for q in committed["questions"] for r in q["related"])
    full = {qid for qid, q in by_id.items() if len(q["related"]) == qs.MAX_RELATED and indeg[qid] >= related.MAX_IN}
    assert fresh.distinct_ids
    for a, b in fresh.distinct_ids:
        assert a != b
        assert (b in by_id[a]["related"] or a in by_id[b]["related"] or frozenset((a, b)) in removed
                or {a, b} & full), (a, b)


def test_related_ids_exist_and_are_not_self(committed):
    ids = {q["id"] for q in committed["questions"]}
    with_related = 0
    for q in committed["questions"]:
        assert q["id"] not in q["related"]
        assert set(q["related"]) <= ids
        with_related += bool(q["related"])
    assert with_related > len(ids) / 3


def test_lost_question_is_recovered(committed):
    q = find(committed, "000", "What is Masked language-image modeling")
    src = next(s for s in q["sources"] if s["document"].startswith("000"))
    assert src["recovered_from"].startswith("001_")
    assert "Masked language-image modeling is a training technique" in src["answer_html"]


# --- topics ---------------------------------------------------------------------------------

def test_every_question_has_valid_topics(committed):
    from builder.topics import load_taxonomy
    tax = load_taxonomy(DECKS / "topics.yaml")
    tops = Counter()
    for q in committed["questions"]:
        assert 1 <= len(q["topics"]) <= 3, q["id"]
        for t in q["topics"]:
            assert tax.is_valid_path(t) and t.count("::") <= 2, (q["id"], t)
            tops[t.split("::")[1]] += 1
    assert len(tops) >= 10 and min(tops.values()) >= 3, tops


# --- permanent ids --------------------------------------------------------------------------

def id_by_source(qset):
    return {(s["document"], key(s["question"]), s["line"]): q["id"] for q in qset["questions"] for s in q["sources"]}


def normalize_into(paths):
    r = qs.normalize(paths)
    qs.write_atomic(paths.ids, r.registry.dumps())
    qs.write_atomic(paths.questions, qs.dumps(r.qset))
    return r.qset


def test_ids_survive_answer_and_wording_edits(decks_copy, committed):
    paths = qs.DeckPaths(decks_copy)
    doc = paths.sources / "004_c54549c83c6343f4.txt"
    text = doc.read_text(encoding="utf-8")
    text = text.replace("Ans - Beam search is a search algorithm",
                        "Ans - Beam search (edited) is a heuristic search algorithm")
    text = text.replace("Q6. What are Sequence-to-Sequence Models?", "Q6. What are sequence to sequence models ?")
    doc.write_text(text, encoding="utf-8")
    cur = yaml.safe_load(paths.curation.read_text())
    first = committed["questions"][0]
    cur.setdefault("overrides", {})[first["id"]] = {"question": "Reworded by curation?"}
    paths.curation.write_text(yaml.safe_dump(cur, allow_unicode=True))
    new = normalize_into(paths)
    before = {q["id"]: q for q in committed["questions"]}
    after = {q["id"]: q for q in new["questions"]}
    assert set(before) == set(after)
    beam = next(q for q in new["questions"] if "beam search" in q["question"].lower() and
                any(s["document"].startswith("004") for s in q["sources"]))
    assert beam["id"] in before and "(edited)" in json.dumps(beam)
    assert after[first["id"]]["question"] == "Reworded by curation?"
    seq = [q for q in new["questions"] if any(s["question"] == "What are sequence to sequence models ?" for s in q["sources"])]
    assert len(seq) == 1 and seq[0]["id"] in before


def test_new_questions_get_new_ids_and_ids_are_never_reused(decks_copy, committed):
    paths = qs.DeckPaths(decks_copy)
    registry = json.loads(paths.ids.read_text())
    doc = paths.sources / "002_1256667a82fe0131.txt"
    original = doc.read_text(encoding="utf-8")
    # remove "25. Embeddings in Zero-Shot Learning" (printed only in 002): its id is retired
    start = original.index("## 25. Embeddings in Zero-Shot Learning")
    end = original.index("### **Advanced-Level LLM Questions")
    removed_id = find(committed, "002", "Embeddings in Zero-Shot Learning")["id"]
    renumbered = original[:start] + original[end:]
    doc.write_text(renumbered, encoding="utf-8")
    points = yaml.safe_load(paths.key_points.read_text(encoding="utf-8"))
    points.pop(removed_id, None)  # key points of a retired question would name an unknown id
    paths.key_points.write_text(yaml.safe_dump(points, allow_unicode=True), encoding="utf-8")
    cur = yaml.safe_load(paths.curation.read_text(encoding="utf-8"))  # and so would its text fixes
    cur["fixes"] = [f for f in cur["fixes"] if not (f["document"] == "002" and f["find"] in original[start:end])]
    paths.curation.write_text(yaml.safe_dump(cur, allow_unicode=True), encoding="utf-8")
    after_removal = normalize_into(paths)
    assert removed_id not in {q["id"] for q in after_removal["questions"]}
    # add a brand-new question
    marker = "### **Advanced-Level LLM Questions"
    doc.write_text(renumbered.replace(marker, "# 26. What is speculative decoding in LLM inference?\n\n"
                   "A small draft model proposes several tokens that the large model verifies in one pass.\n\n"
                   + marker), encoding="utf-8")
    after_add = normalize_into(paths)
    new_q = next(q for q in after_add["questions"] if q["question"].startswith("What is speculative decoding"))
    assert int(new_q["id"][1:]) == registry["next"] and new_q["id"] != removed_id
    survivors = {k: v for k, v in id_by_source(committed).items() if v != removed_id and k[0].startswith("000")}
    assert all(id_by_source(after_add).get(k) == v for k, v in survivors.items())


def test_curation_typo_fixes_are_applied(committed):
    text = json.dumps(committed, ensure_ascii=False)
    assert "Part 7: Ilms" not in text and "OpenAl" not in text
    assert "Part 7: LLMs" in text and "Azure OpenAI Services" in text


# --- formulas lost in conversion (builder/holes.py, curation fixes and drop_figures) ---------

def test_no_formula_hole_is_left(fresh, committed):
    assert fresh.summary["formula_holes"] == []
    captions = [f["caption"] for q in committed["questions"] for f in q["figures"]]
    assert not [c for c in captions if c.split(":")[0] == "Formula"]
    restored = find(committed, "003", "How does LoRA work?")["sources"][0]["answer_html"]
    assert r"only \(A\) and \(B\) are updated" in restored


def test_holes_come_back_without_the_formula_fixes(decks_copy):
    """Without the math fixes, the detector reports every formula hole the review found (images too)."""
    paths = qs.DeckPaths(decks_copy)
    cur = yaml.safe_load(paths.curation.read_text(encoding="utf-8"))
    cur["fixes"] = [f for f in cur["fixes"] if not (f["document"] == "003" and "$" in f.get("replace", ""))]
    dropped = cur.pop("drop_figures")
    paths.curation.write_text(yaml.safe_dump(cur, allow_unicode=True), encoding="utf-8")
    holes = qs.normalize(paths).summary["formula_holes"]
    findings = yaml.safe_load((ROOT / "docs" / "review" / "qa-findings.yaml").read_text(encoding="utf-8"))
    reviewed = {qid for qid, f in findings.items() if f["kind"] == "formula_hole"}
    assert reviewed and reviewed <= {qid for qid, _, _ in holes}
    assert len([h for h in holes if "only an image remains" in h[2]]) == len(dropped)


def test_drop_figures_must_name_a_figure(decks_copy):
    paths = qs.DeckPaths(decks_copy)
    cur = yaml.safe_load(paths.curation.read_text(encoding="utf-8"))
    cur["drop_figures"].append("003_ch99_q1_fig1")
    paths.curation.write_text(yaml.safe_dump(cur, allow_unicode=True), encoding="utf-8")
    with pytest.raises(qs.InputError, match="003_ch99_q1_fig1"):
        qs.normalize(paths)
