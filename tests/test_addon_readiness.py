"""Interview readiness: frequency weights in the package (`asked::<n>` tags), the forecast of each
card's recall on an interview date, readiness per topic and the interview study deck — on the real
package imported into a real collection, with history answered through the scheduler."""
from __future__ import annotations

import json
import re

import pytest
import yaml
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from addon.core import weights

from conftest import ROOT


def import_package(col, dist):
    col.import_anki_package(ImportAnkiPackageRequest(
        package_path=str(dist / "genai-interview-prep.apkg"),
        options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)))


def committed_weights() -> tuple[dict[str, int], dict[str, int]]:
    """(question id -> documents asking it, figure id -> max over its linked questions), from the data."""
    qs = json.loads((ROOT / "decks" / "questions.json").read_text(encoding="utf-8"))["questions"]
    by_q = {q["id"]: len({s["document"] for s in q["sources"]}) for q in qs}
    links = yaml.safe_load((ROOT / "decks" / "figure_links.yaml").read_text(encoding="utf-8"))
    by_fig = {fid: max(by_q[q] for q in qids if q in by_q) for fid, qids in links.items()
              if any(q in by_q for q in qids)}
    return by_q, by_fig


def plain(field: str) -> str:
    return re.sub(r"<[^>]+>", "", field).strip()


@pytest.fixture(scope="module")
def fresh_col(built_package, tmp_path_factory):
    dist, _, _ = built_package
    col = Collection(str(tmp_path_factory.mktemp("ready-col") / "collection.anki2"))
    import_package(col, dist)
    yield col
    col.close()


def test_asked_tags_equal_documents_per_question(fresh_col):
    col = fresh_col
    by_q, by_fig = committed_weights()
    assert set(by_q.values()) - {1}, "the committed set has questions asked by several documents"
    seen = {"qa": 0, "cloze": 0, "figure": 0}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        kind = note.note_type()["name"]
        asked = [t for t in note.tags if t.lower().startswith(weights.ASKED_TAG)]
        if kind.endswith(": Q&A"):
            want, seen["qa"] = by_q[plain(note["ID"])], seen["qa"] + 1
        elif kind.endswith(": Cloze"):
            want, seen["cloze"] = by_q[plain(note["QuestionID"])], seen["cloze"] + 1
        else:  # figure / image occlusion: the most asked linked question, or no tag
            fid = plain(note.fields[-1])
            want = by_fig.get(fid)
            seen["figure"] += 1
            if want is None:
                assert asked == [], (fid, asked)
                continue
        assert asked == [weights.asked_tag(want)], (kind, nid, asked, want)
        assert weights.weight_of(note.tags) == want
    assert seen["qa"] == len(by_q) and seen["cloze"] > 0 and seen["figure"] > 0


def test_weight_rule():
    assert weights.documents_asking([]) == 1
    assert weights.documents_asking([{"document": "a"}, {"document": "a"}, {"document": "b"}]) == 2
    assert weights.weight_of(["GenAI::x", "Asked::3", "asked::2"]) == 3
    assert weights.weight_of(["asked::x", "kind::qa"]) == 1
