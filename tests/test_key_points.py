"""Key points: limits, fallback, curated data, export, and the real card back (import into Anki)."""
import copy
import re
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from anki.collection import Collection

from builder import key_points
from builder.errors import InputError
from tests.test_decks import import_into
from tests.test_input_validation import VALID

ROOT = Path(__file__).resolve().parents[1]


def test_limits():
    assert key_points.problem(["One short claim."]) is None
    assert "bullets" in key_points.problem(["a", "b", "c", "d"])
    assert "words" in key_points.problem(["word " * 51])
    assert key_points.problem([]) and key_points.problem(["  "]) and key_points.problem("text")
    # a formula reads as one word
    assert key_points.word_count([r"Divide by \(\sqrt{d_k} \cdot 1 + 2\) first."]) == 4


def test_fallback_is_the_first_sentence():
    html = "<p>LoRA adds low-rank matrices, e.g. A and B, to frozen weights. Only they train.</p><p>More.</p>"
    assert key_points.fallback(html) == ["LoRA adds low-rank matrices, e.g. A and B, to frozen weights."]
    long = "<p>" + " ".join(["word"] * 80) + ".</p>"
    (cut,) = key_points.fallback(long)
    assert key_points.word_count([cut]) <= key_points.MAX_WORDS and cut.endswith("…")
    assert key_points.fallback("<ul><li>First item only</li><li>x</li></ul>") == ["First item only"]


def test_curated_file_is_checked(tmp_path):
    path = tmp_path / "key_points.yaml"
    path.write_text("q1: [A claim.]\nq9: [Other.]\n")
    with pytest.raises(InputError, match="q9: no question has this id"):
        key_points.load(path, {"q1"})
    assert key_points.load(path, {"q1"}, retired_ids={"q9"}) == {"q1": ["A claim."]}  # q9's question retired
    path.write_text("q1: [a, b, c, d]\n")
    with pytest.raises(InputError, match="q1: key points has 4 bullets"):
        key_points.load(path, {"q1"})
    path.write_text("q1: [' A claim. ']\n")
    assert key_points.load(path, {"q1"}) == {"q1": ["A claim."]}


def test_committed_key_points_are_valid_and_reach_the_question_set():
    """Every curated entry names a question of the committed set, within the limits, and normalize
    copied it into questions.json unchanged."""
    qset = json.loads((ROOT / "decks" / "questions.json").read_text(encoding="utf-8"))
    ids = {q["id"] for q in qset["questions"]}
    curated = key_points.load(ROOT / "decks" / "key_points.yaml", ids)
    by_id = {q["id"]: q for q in qset["questions"]}
    for qid, points in curated.items():
        assert by_id[qid].get("key_points") == points, qid
    assert all(q.get("key_points") is None or q["id"] in curated for q in qset["questions"])


def _build(tmp_path: Path, payload: dict, out: Path) -> subprocess.CompletedProcess:
    src = tmp_path / "set.json"
    src.write_text(json.dumps(payload), encoding="utf-8")
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--input", str(src),
                           "--output-dir", str(out), "--cache-dir", str(tmp_path / "cache")],
                          capture_output=True, text=True, cwd=ROOT)


def test_user_set_key_points_validated(tmp_path):
    bad = copy.deepcopy(VALID)
    bad["questions"][0]["key_points"] = ["one " * 30, "two " * 30]
    proc = _build(tmp_path, bad, tmp_path / "out")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "questions[0] (id my-1).key_points: key points has 60 words" in proc.stderr
    assert not (tmp_path / "out" / "genai-interview-prep.apkg").exists()


def test_card_back_shows_key_points_first(tmp_path):
    """Real import: a curated set shows its bullets first; a question without them shows the first
    sentence of its answer; the explanation follows; the export carries the key points."""
    payload = copy.deepcopy(VALID)
    payload["questions"][0]["key_points"] = [r"Temperature divides the logits: \(p_i \propto e^{z_i/T}\).",
                                             "Low T sharpens, high T flattens the distribution."]
    out = tmp_path / "out"
    proc = _build(tmp_path, payload, out)
    assert proc.returncode == 0, proc.stderr
    exported = json.loads((out / "questions.json").read_text(encoding="utf-8"))["questions"]
    assert exported[0]["key_points"] == payload["questions"][0]["key_points"]
    assert "key_points" not in exported[1]
    (tmp_path / "col").mkdir()
    col = Collection(str(tmp_path / "col" / "collection.anki2"))
    try:
        import_into(col, out / "genai-interview-prep.apkg")
        answers = {}
        for nid in col.find_notes('"note:GenAI Interview Prep: Q&A"'):
            note = col.get_note(nid)
            answers[note["ID"]] = note.cards()[0].answer()
        assert set(answers) == {q["id"] for q in payload["questions"]}
        a = answers["my-1"]
        box, expl = a.index('class="qa-key-points"'), a.index('class="qa-explanation"')
        assert box < expl
        assert r"\(p_i \propto e^{z_i/T}\)" in a[box:expl] and "Low T sharpens" in a[box:expl]
        b = answers["my-2"]
        box, expl = b.index('qa-key-points-auto'), b.index('class="qa-explanation"')
        first = key_points.fallback(payload["questions"][1]["answer_html"])[0]
        assert first.split(";")[0] in b[box:expl]
    finally:
        col.close()


def test_update_adds_key_points_and_keeps_history(tmp_path):
    """A collection holding the package without key points takes the new one in place: same notes,
    same review history, the new back."""
    from anki.scheduler.v3 import CardAnswer

    payload = copy.deepcopy(VALID)
    out1, out2 = tmp_path / "v1", tmp_path / "v2"
    assert _build(tmp_path, payload, out1).returncode == 0
    (tmp_path / "col").mkdir()
    col = Collection(str(tmp_path / "col" / "collection.anki2"))
    try:
        import_into(col, out1 / "genai-interview-prep.apkg")
        nids = sorted(col.find_notes(""))
        did = col.decks.id_for_name("GenAI Interview Prep")
        col.decks.select(did)
        qc = col.sched.get_queued_cards(fetch_limit=1).cards[0]
        card = col.get_card(qc.card.id)
        card.start_timer()
        col.sched.answer_card(col.sched.build_answer(card=card, states=qc.states, rating=CardAnswer.GOOD))
        reviews = col.db.scalar("select count() from revlog")
        assert reviews == 1
        payload["questions"][0]["key_points"] = ["Temperature rescales the logits before the softmax."]
        src = tmp_path / "set.json"
        st = src.stat()
        src.write_text(json.dumps(payload), encoding="utf-8")
        os.utime(src, (st.st_atime + 5, st.st_mtime + 5))
        proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--input", str(src),
                               "--output-dir", str(out2), "--cache-dir", str(tmp_path / "cache")],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        import_into(col, out2 / "genai-interview-prep.apkg")
        assert sorted(col.find_notes("")) == nids
        assert col.db.scalar("select count() from revlog") == reviews
        nid = col.find_notes('"ID:my-1"')[0]
        assert "Temperature rescales the logits" in col.get_note(nid).cards()[0].answer()
    finally:
        col.close()


# ----------------------------------------------------------------------------- the committed set (issue examples)
def _committed():
    return {q["id"]: q for q in json.loads((ROOT / "decks" / "questions.json").read_text(encoding="utf-8"))["questions"]}


def test_every_committed_question_has_curated_key_points_within_the_limits():
    qs = _committed()
    assert all(q.get("key_points") and key_points.problem(q["key_points"]) is None for q in qs.values())


def test_primary_answer_addresses_the_question():
    """q0053 (metrics for embeddings): an on-topic source, not document 002's generic generation
    metrics; q0061 (MoE and scalability): the source that asks exactly that."""
    qs = _committed()
    q53 = qs["q0053"]
    assert not q53["primary_source"].startswith("002")
    text = key_points.plain_text(q53["answer_html"]).lower()
    assert "cosine similarity" in text and "perplexity" not in text.split("cosine similarity")[0]
    assert qs["q0061"]["primary_source"].startswith("004")


@pytest.mark.parametrize("qid, formula", [
    ("q0233", r"\sqrt{d_k}"), ("q0018", r"O(n^2)"), ("q0054", r"\max"), ("q0266", r"\Delta W = BA"),
    ("q0269", r"W = W_0 + BA"),
])
def test_formulas_lost_in_conversion_are_restored(qid, formula):
    from builder.holes import formula_holes
    q = _committed()[qid]
    assert formula in q["answer_html"]
    assert formula_holes(q["answer_html"]) == []


def test_no_hint_suffixes_or_source_typos_in_questions():
    qs = _committed()
    assert not [q["id"] for q in qs.values() if re.search(r"\?\s*\(", q["question"])]
    assert "architects like" not in qs["q0040"]["question"] and "Stability Diffusion" not in qs["q0244"]["question"]
    assert "these APIs" not in qs["q0143"]["question"]


def test_factual_errors_found_in_the_sources_carry_a_visible_correction():
    from builder.anki.notes import answer_html
    qs = _committed()
    for qid in ("q0100", "q0103", "q0173"):
        assert qs[qid].get("corrections"), qid
        back = answer_html(qs[qid])
        assert back.index("Correction:") < back.index('class="qa-explanation"')
    assert "DALL·E)" not in qs["q0100"]["answer_html"]
