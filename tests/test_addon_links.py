"""The add-on's plain logic (addon/panel/links.py, common/sanitize.py, panel/view.py, core/settings.py) against a real
collection into which the BUILT package was imported: links, learner states, prerequisites, cloze and
image origins, the question side, edits / moves / deletions, hostile HTML and the pycmd parser."""
from __future__ import annotations

import re

import pytest
import yaml
from anki.collection import Collection
from anki.scheduler.v3 import CardAnswer

from addon.core import settings as addon_config
from addon.panel import links
from addon.panel import view as panel_html
from addon.common.sanitize import clean

from conftest import ROOT, committed_questions
from test_addon_stats import import_package

CFG = addon_config.validate({})


@pytest.fixture(scope="module")
def col(built_package, tmp_path_factory):
    dist, _counts, _cache = built_package
    folder = tmp_path_factory.mktemp("addon-col")
    c = Collection(str(folder / "collection.anki2"))
    import_package(c, dist)
    yield c
    c.close()


@pytest.fixture(scope="module")
def index(col):
    return links.build_index(col)


def qa_note(col, index, qid):
    return col.get_note(index.by_qid[qid])


def answer(col, nid: int, rating) -> None:
    """Answer the note's first card through the v3 scheduler (ANKI-NOTES.md recipe)."""
    card = col.get_note(nid).cards()[0]
    col.decks.select(card.did)
    states = col._backend.get_scheduling_states(card.id)
    card.start_timer()
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating))


def test_index_covers_every_question(col, index, built_package):
    _dist, counts, _ = built_package
    assert len(index) == counts["qa"] == len(committed_questions())
    assert sorted(set(index.types.kind_by_mid.values())) == ["cloze", "figure", "io", "qa"]
    nid = index.by_qid["q0042"]
    assert links.plain(col.get_note(nid)["ID"]) == "q0042"


def test_related_questions_with_learner_states(col, index):
    note = qa_note(col, index, "q0005")
    rel_ids = links.link_ids(note["Related"])
    assert len(rel_ids) >= 5
    learning, young, mature, suspended = (index.by_qid[r] for r in rel_ids[:4])
    answer(col, learning, CardAnswer.AGAIN)
    answer(col, young, CardAnswer.EASY)
    mature_card = col.get_note(mature).cards()[0]
    col.sched.set_due_date([mature_card.id], "30!")  # review card, interval 30 days
    col.sched.suspend_cards([col.get_note(suspended).cards()[0].id])

    data = links.panel_data(col, index, note, "answer", 8)
    states = {item.qid: item.state for item in data.related + data.prerequisites}
    assert states[rel_ids[0]] == "learning"
    assert states[rel_ids[1]] == "young"
    assert states[rel_ids[2]] == "mature"
    assert states[rel_ids[3]] == "suspended"
    assert states[rel_ids[4]] == "new"
    item = next(i for i in data.related if i.qid == rel_ids[1])
    assert item.available and item.question == links.plain(col.get_note(young)["Question"])
    assert item.topic == "GANs"  # the builder's topic name from the Related list
    # other explanations and figures of the question itself
    assert data.subjects[0].others_html.count("<details>") >= 1
    assert "genai-diagram-gan" in data.subjects[0].figures_html
    html = panel_html.render(data, CFG)
    assert "Other explanations" in html and "Related questions" in html and "Figures" in html
    assert f'data-genai-open="{rel_ids[1]}"' in html
    assert "gp-state-mature" in html and "gp-state-suspended" in html and "gp-state-learning" in html
    # max_related limits the list
    assert len(links.panel_data(col, index, note, "answer", 2).related) == 2


def test_prerequisites_rule(col, index):
    data = links.panel_data(col, index, qa_note(col, index, "q0269"), "answer", 8)  # How does LoRA work?
    assert [p.qid for p in data.prerequisites] == ["q0266"]  # What is LoRA and QLoRA?
    assert "q0266" not in [r.qid for r in data.related]
    assert "Prerequisites" in panel_html.render(data, CFG)
    data = links.panel_data(col, index, qa_note(col, index, "q0134"), "answer", 8)
    assert {"q0132", "q0185"} <= {p.qid for p in data.prerequisites}  # What is fine-tuning …?
    # the rule on its own
    assert links.is_prerequisite("What is mode collapse?", "How can mode collapse be avoided in GANs?")
    assert links.is_prerequisite("Explain the concept of attention mechanisms.", "How do sparse attention mechanisms help?")
    assert not links.is_prerequisite("Explain the concept of attention mechanisms.", "How does sparse attention help?")
    assert not links.is_prerequisite("What is latent space?", "What is a GAN?")
    assert not links.is_prerequisite("What are the challenges in training LLMs?", "What challenges arise when training LLMs?")
    assert not links.is_prerequisite("How does LoRA work?", "What is LoRA?")  # not definitional
    assert not links.is_prerequisite("What is LoRA?", "What is LoRA, briefly?")  # same subject
    assert links.prerequisite_subject("What are Large Language Models?") == {"large", "language"}


def test_question_side_never_spoils(col, index):
    note = qa_note(col, index, "q0005")
    data = links.panel_data(col, index, note, "question", 8)
    assert data.message == links.REVEAL_MESSAGE
    assert not data.subjects and not data.related and not data.prerequisites
    html = panel_html.render(data, CFG)
    answer_words = links.plain(note["Answer"])[:40]
    assert answer_words not in html and "Reveal the answer" in html and "GANs" in html
    assert "<details" not in html and "data-genai-open" not in html


def test_cloze_shows_its_origin(col, index):
    nid = col.find_notes('"note:GenAI Interview Prep: Cloze" "QuestionID:q0078"')[0]
    cloze = col.get_note(nid)
    data = links.panel_data(col, index, cloze, "answer", 8)
    assert data.kind == "cloze" and [s.qid for s in data.subjects] == ["q0078"]
    origin = qa_note(col, index, "q0078")
    assert data.subjects[0].available and data.subjects[0].answer_html == origin["Answer"]
    html = panel_html.render(data, CFG)
    assert "Made from" in html and links.plain(origin["Question"])[:30] in links.plain(html)


def test_image_cards_show_the_questions_of_their_figure(col, index):
    curated = yaml.safe_load((ROOT / "decks" / "figure_links.yaml").read_text(encoding="utf-8"))
    io_nid = col.find_notes('"note:GenAI Interview Prep: Image Occlusion" "Comments:*diagram-gan*"')[0]
    data = links.panel_data(col, index, col.get_note(io_nid), "answer", 8)
    assert data.kind == "io" and data.own_id == "diagram-gan"
    assert [s.qid for s in data.subjects] == sorted(curated["diagram-gan"])
    assert all(s.available and s.answer_html for s in data.subjects)
    fig_nid = col.find_notes('"note:GenAI Interview Prep: Figure" "ID:plot-sigmoid"')[0]
    data = links.panel_data(col, index, col.get_note(fig_nid), "answer", 8)
    assert data.kind == "figure" and [s.qid for s in data.subjects] == sorted(curated["plot-sigmoid"])
    assert "Questions this figure illustrates" in panel_html.render(data, CFG)


def test_edits_moves_and_deletions(col, index):
    note = qa_note(col, index, "q0002")
    rel_ids = links.link_ids(note["Related"])
    edited, deleted = rel_ids[0], rel_ids[1]
    # edit a linked note's question text
    e = qa_note(col, index, edited)
    e["Question"] = "Edited wording of the linked question?"
    col.update_note(e)
    # move every one of our notes to another deck
    other = col.decks.id("Somewhere else")
    col.set_deck(col.find_cards('"note:GenAI Interview Prep*"'), other)
    # delete a linked note and a cloze's origin
    cloze_nid = col.find_notes(f'"note:GenAI Interview Prep: Cloze" "QuestionID:{deleted}"')
    col.remove_notes([index.by_qid[deleted]])

    data = links.panel_data(col, index, col.get_note(note.id), "answer", 8)  # old index: deletion detected
    items = {i.qid: i for i in data.related + data.prerequisites}
    assert items[edited].question == "Edited wording of the linked question?"
    assert items[deleted].available is False and items[deleted].state == "unavailable"
    assert index.stale is True
    html = panel_html.render(data, CFG)
    assert f"{deleted} — unavailable" in html
    assert links.find_qa_note_id(col, index, deleted) is None

    fresh = links.build_index(col)  # what the add-on does after operation_did_execute
    assert deleted not in fresh.by_qid and len(fresh) == len(committed_questions()) - 1 and not fresh.stale
    data = links.panel_data(col, fresh, col.get_note(note.id), "answer", 8)
    assert {i.qid: i.available for i in data.related}[deleted] is False
    if cloze_nid:
        data = links.panel_data(col, fresh, col.get_note(cloze_nid[0]), "answer", 8)
        assert data.subjects[0].available is False
        assert f"{deleted} — unavailable" in panel_html.render(data, CFG)
    # a note that is not ours
    basic = col.new_note(col.models.by_name("Basic"))
    basic["Front"], basic["Back"] = "x", "y"
    col.add_note(basic, other)
    assert links.panel_data(col, fresh, basic, "answer").kind == "other"


HOSTILE = ('<details><summary onclick="pycmd(\'genai-prep:open:q0001\')">x</summary>'
           '<script>pycmd("evil")</script><img src="x.png" onerror="alert(1)">'
           '<a href="javascript:alert(2)">j</a><iframe src="https://evil.example"></iframe>'
           '<img src="https://tracker.example/p.gif"><div style="position:fixed" class="qa-x evil">d</div>'
           '<svg onload="alert(3)"></svg><style>body{display:none}</style><!-- <script> --></details>')


def test_hostile_html_in_a_field_is_cleaned(col, index):
    note = qa_note(col, index, "q0010")
    note["OtherExplanations"] = HOSTILE
    note["Question"] = 'Question <img src=x onerror="alert(4)"><script>alert(5)</script>?'
    col.update_note(note)
    data = links.panel_data(col, index, col.get_note(note.id), "answer", 8)
    html = panel_html.render(data, CFG)
    lowered = html.lower()
    for bad in ("<script", "onerror", "onclick", "onload", "javascript:", "<iframe", "<svg", "<style>body",
                "tracker.example", "position:fixed", "evil"):
        assert bad not in lowered, bad
    assert '<img src="x.png"/>' in html and 'class="qa-x"' in html
    # cleaner on its own
    assert clean('<a href="https://ok.example/a">ok</a>').startswith('<a href="https://ok.example/a"')
    assert clean('<img src="../../etc/passwd">') == ""
    assert clean("<p>a<b>b</b><unknown>c</unknown></p>") == "<p>a<b>b</b>c</p>"
    # linked question text is escaped, not interpreted
    item = links.Linked(qid="q0001", available=True, question='<img src=x onerror=alert(1)>', state="new")
    rendered = panel_html.render(links.PanelData(kind="qa", side="answer", related=[item]), CFG)
    assert "&lt;img" in rendered and "<img" not in rendered


def test_pycmd_parser_accepts_only_namespaced_well_formed_messages():
    assert links.parse_pycmd("genai-prep:open:q0042") == ("open", "q0042")
    assert links.parse_pycmd("genai-prep:open:rag-1.b_2") == ("open", "rag-1.b_2")
    for bad in ("open:q0042", "genai-prep:open:", "genai-prep:open:q0042 ", "genai-prep:open:q0042;drop",
                "genai-prep:open:q00\n42", "genai-prep:delete:q0042", "genai-prep:open:../x",
                'genai-prep:open:q0042"', "GENAI-PREP:open:q0042", "genai-prep:open:-x", "ans", "",
                None, 42, "genai-prep:open:" + "a" * 90):
        assert links.parse_pycmd(bad) is None, bad
    index = links.LinkIndex(links.NoteTypes({1: "qa"}, {1: {"ID": 7}}), {})
    assert links.browser_search(index, "q_1") == '(mid:1) "ID:q\\_1"'
    assert links.browser_search(index, 'q1" OR "x') is None


def test_config_validation():
    assert addon_config.validate(None) == addon_config.DEFAULTS
    cfg = addon_config.validate({"panel_side": "LEFT", "max_related": 3, "shortcut": "Ctrl+Alt+K",
                                 "show_figures": False, "bogus": 1})
    assert cfg["panel_side"] == "left" and cfg["max_related"] == 3 and cfg["shortcut"] == "Ctrl+Alt+K"
    assert cfg["show_figures"] is False and "bogus" not in cfg
    bad = addon_config.validate({"panel_side": "top", "max_related": -1, "shortcut": "rm -rf",
                                 "show_related": "yes", "panel_width": True})
    assert {k: bad[k] for k in ("panel_side", "max_related", "shortcut", "show_related", "panel_width")} == \
        {k: addon_config.DEFAULTS[k] for k in ("panel_side", "max_related", "shortcut", "show_related", "panel_width")}
    import json
    assert json.loads((ROOT / "addon" / "config.json").read_text()) == addon_config.DEFAULTS
    # sections can be switched off
    data = links.PanelData(kind="qa", side="answer", related=[links.Linked("q0001", True, "Q?", "T", "new")])
    assert "Related questions" not in panel_html.render(data, {**addon_config.DEFAULTS, "show_related": False})
