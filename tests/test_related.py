"""Related questions by meaning (builder/related.py + decks/related.yaml): coverage, hubs, curated pairs."""
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from builder import questionset as qs
from builder import related

ROOT = Path(__file__).resolve().parents[1]
DECKS = ROOT / "decks"
DECODING = ["q0210", "q0327", "q0328", "q0333"]


@pytest.fixture(scope="module")
def fresh() -> qs.Result:
    return qs.normalize(qs.DeckPaths(DECKS))


@pytest.fixture(scope="module")
def by_id(fresh) -> dict:
    return {q["id"]: q for q in fresh.qset["questions"]}


@pytest.fixture(scope="module")
def curated(by_id) -> related.Curated:
    return related.load(DECKS / "related.yaml", set(by_id))


@pytest.fixture(scope="module")
def in_degree(by_id) -> Counter:
    return Counter(r for q in by_id.values() for r in q["related"])


def linked(by_id, a: str, b: str) -> bool:
    return b in by_id[a]["related"] or a in by_id[b]["related"]


def test_almost_every_question_has_related(by_id, curated):
    without = {qid for qid, q in by_id.items() if not q["related"]}
    assert without - set(curated.isolated) == set(), "questions without related that are not declared isolated"
    assert len(without) <= 0.03 * len(by_id)
    for qid in curated.isolated:  # declared isolated means really isolated, with a reason
        assert not by_id[qid]["related"] and curated.isolated[qid]


def test_lists_are_short_valid_and_mostly_symmetric(by_id):
    total = mutual = 0
    for qid, q in by_id.items():
        assert len(q["related"]) <= related.MAX_RELATED
        assert len(set(q["related"])) == len(q["related"])
        assert qid not in q["related"] and set(q["related"]) <= set(by_id)
        total += len(q["related"])
        mutual += sum(qid in by_id[r]["related"] for r in q["related"])
    assert mutual >= 0.9 * total


def test_no_question_is_a_hub(by_id, in_degree):
    most, n = in_degree.most_common(1)[0]
    assert n <= related.MAX_IN == 12, f"{most} is in {n} related lists"
    assert in_degree["q0358"] <= 12  # "What are Large Language Models?" was in 46 lists before


def test_distinct_groups_are_linked(fresh, by_id, curated, in_degree):
    """Curation's related-but-different groups link to each other.

    An unlinked group needs a reason: a pair a human removed in related.yaml, or an end that is saturated
    (its own list full and in MAX_IN lists). Pairs alike in wording only are `apart`, not groups here.
    """
    removed = curated.removed()
    groups = fresh.distinct_groups
    assert len(groups) == len(fresh.curation.distinct) > 0

    def saturated(qid: str) -> bool:
        return len(by_id[qid]["related"]) == related.MAX_RELATED and in_degree[qid] >= related.MAX_IN

    def group_linked(g) -> bool:
        return all(linked(by_id, a, b) for i, a in enumerate(g) for b in g[i + 1:])

    ok = [g for g in groups if group_linked(g)]
    decided = [g for g in groups if not group_linked(g) and any(
        frozenset((a, b)) in removed or saturated(a) or saturated(b) for i, a in enumerate(g) for b in g[i + 1:])]
    assert len(ok) / len(groups) >= 0.9
    assert len(ok) + len(decided) == len(groups), "a distinct group is unlinked for no reason"


def test_look_alike_only_pairs_are_kept_apart_without_a_link_bonus(fresh, by_id):
    """`apart` pairs (shared wording, different subjects) stay separate questions and get no related bonus.

    The issue's example: top-k vs top-p sampling must not link to "What are Large Language Models?" just
    because both mention LLMs; the hub's many look-alike pairs are `apart`, not related-but-different."""
    apart = {frozenset(p) for p in fresh.apart_ids}
    assert apart and not apart & {frozenset(p) for p in fresh.distinct_ids}
    assert frozenset(("q0333", "q0358")) in apart
    assert all(a != b for a, b in fresh.apart_ids)  # never merged into one question
    linked_apart = [p for p in apart if linked(by_id, *sorted(p))]
    assert len(linked_apart) <= len(apart) // 2, linked_apart  # linked only where their concepts say so


def test_a_pair_both_distinct_and_apart_is_an_error(tmp_path):
    import shutil
    from builder.errors import InputError
    copy = tmp_path / "decks"
    shutil.copytree(DECKS, copy)
    text = (copy / "curation.yaml").read_text(encoding="utf-8")
    first = next(line for line in text.split("\n")[text.split("\n").index("apart:"):] if line.startswith("  - ["))
    (copy / "curation.yaml").write_text(text.replace("distinct:\n", "distinct:\n" + first + "\n", 1), encoding="utf-8")
    with pytest.raises(InputError, match="both 'distinct'"):
        qs.normalize(qs.DeckPaths(copy))


def test_examples_from_the_review(by_id):
    assert by_id["q0327"]["related"] and by_id["q0356"]["related"]  # beam search, context window
    for qid in DECODING:
        others = set(DECODING) - {qid}
        assert len(others & set(by_id[qid]["related"])) >= 2, (qid, by_id[qid]["related"])
    top_k = by_id["q0333"]["related"]
    assert "q0358" not in top_k
    for rid in top_k:
        assert not any(t.endswith("::Pretraining") for t in by_id[rid]["topics"]), rid
        assert "pre-train" not in by_id[rid]["question"].lower(), rid


def test_curated_additions_and_removals_apply(by_id, curated):
    for a, bs in curated.add.items():
        for b in bs:
            assert b in by_id[a]["related"] and a in by_id[b]["related"]
    for a, bs in curated.remove.items():
        for b in bs:
            assert b not in by_id[a]["related"] and a not in by_id[b]["related"]


def test_generic_concepts_weigh_little(fresh):
    """A shared scope word ("LLMs") alone does not make two questions related."""
    questions = [{"id": "q9001", "question": "What is beam search in LLMs?", "topics": []},
                 {"id": "q9002", "question": "How do LLMs handle multi-turn conversations?", "topics": []},
                 {"id": "q9003", "question": "How does beam search differ from greedy decoding?", "topics": []}]
    taxonomy = qs.load_taxonomy(DECKS / "topics.yaml")
    s = related.score_matrix(questions, {}, taxonomy, set())
    assert s[0][2] > related.MIN_SCORE > s[0][1]


@pytest.mark.parametrize("text, place", [
    ("add: {q0001: [q99999]}\n", "add.q0001[0]"),
    ("remove: {q0001: q0002}\n", "remove.q0001"),
    ("isolated: {q0001: ''}\n", "isolated.q0001"),
    ("add: {q0001: [q0001]}\n", "add.q0001"),
    ("links: {}\n", "'links'"),
    ("add: [\n", "line"),
])
def test_bad_related_yaml_is_one_line_and_exit_2(decks_copy, text, place):
    (decks_copy / "related.yaml").write_text(text, encoding="utf-8")
    before = (decks_copy / "questions.json").read_bytes()
    r = subprocess.run([sys.executable, str(ROOT / "build.py"), "--decks", str(decks_copy), "normalize"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "related.yaml" in lines[0] and place in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert (decks_copy / "questions.json").read_bytes() == before


def test_committed_related_yaml_is_plain_data():
    data = yaml.safe_load((DECKS / "related.yaml").read_text(encoding="utf-8"))
    assert set(data) <= {"add", "remove", "isolated"}
    committed = json.loads((DECKS / "questions.json").read_text(encoding="utf-8"))
    assert {q["id"] for q in committed["questions"]} >= set(data.get("isolated") or {})
