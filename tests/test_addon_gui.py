"""The add-on inside the REAL Anki desktop, under Xvfb.

A throwaway base folder and profile (made with Anki's own ProfileManager: language set, no first-run
dialog, no update checks, no sync), our add-on installed from the built .ankiaddon, and a small harness
add-on that imports the built package, reviews a question, reveals the answer, reads the panel,
clicks a linked question (the same JS → pycmd → handler path a learner's click takes), photographs
the main window and the preview, and quits. A watchdog inside the harness ends a hung run; a
JavaScript console error in any webview (panel, preview, reviewer) fails the test (tests/anki_gui.py).
"""
from __future__ import annotations

import shutil

from anki_gui import launch, nonblank
from conftest import ROOT, SHOTS, committed_questions

HARNESS = r'''
QID = "q0005"
KEPT = {}  # objects kept between the steps
WAIT_TRIES = 300  # 30 s: a loaded 2-core machine can take long to open a webview
WATCHDOG_MS = 60000
IMPORT_SETTLE_MS = 300


def addon_errors():
    from genai_interview_prep.panel import controller as hooks
    return list(hooks.controller.errors) if hooks.controller is not None else []


@guard
def after_import():
    col = aqt.mw.col
    from anki.decks import DeckId
    deck = col.sched.get_or_create_filtered_deck(deck_id=DeckId(0))
    deck.name = "GUI test"
    deck.config.search_terms[0].search = f'"note:GenAI Interview Prep: Q&A" "ID:{QID}"'
    deck.config.search_terms[0].limit = 5
    did = col.sched.add_or_update_filtered_deck(deck).id
    col.decks.select(did)
    aqt.mw.resize(1280, 780)
    stage("reviewing")
    aqt.mw.moveToState("review")
    wait_for(lambda: getattr(aqt.mw.reviewer, "card", None) is not None and aqt.mw.reviewer.state == "question",
             on_question, "question shown")


def controller():
    from genai_interview_prep.panel import controller as hooks
    return hooks.controller


def panel_ready(side):
    c = controller()
    return (c.panel is not None and c.panel.isVisible() and c.last_data is not None
            and c.last_data.side == side and c.index is not None)


@guard
def on_question():
    wait_for(lambda: panel_ready("question"), read_question_side, "panel on the question side")


@guard
def read_question_side():
    c = controller()
    result["question_side"] = {"data": c.last_data.to_dict(), "html": c.panel.last_html}
    stage("answer")
    aqt.mw.reviewer._showAnswer()
    wait_for(lambda: panel_ready("answer"), read_answer_side, "panel on the answer side")


@guard
def read_answer_side():
    c = controller()
    result["answer_side"] = {"data": c.last_data.to_dict(), "html": c.panel.last_html,
                             "update_ms": c.last_seconds * 1000, "index_size": len(c.index)}
    result["dock"] = {"visible": c.panel.isVisible(), "width": c.panel.width(),
                      "area": str(aqt.mw.dockWidgetArea(c.panel)), "menu_checked": c.action.isChecked(),
                      "shortcut": c.action.shortcut().toString()}
    js = ("(function(){var a=[].slice.call(document.querySelectorAll('[data-genai-open]'));"
          "return {links:a.map(function(x){return x.getAttribute('data-genai-open')}),"
          "text:document.getElementById('genai-root').innerText.slice(0,4000),"
          "weight:getComputedStyle(document.querySelector('.gp-head')).fontWeight};})()")
    c.panel.web.evalWithCallback(js, guard(after_dom))


@guard
def after_dom(dom):
    result["dom"] = dom
    QTimer.singleShot(1500, shoot_main)


@guard
def shoot_main():
    ok = aqt.mw.grab().save(str(OUT / "addon-panel.png"))
    result["panel_png"] = ok
    c = controller()
    target = next((i["qid"] for i in result["answer_side"]["data"]["related"] if i["available"]), None)
    result["clicked"] = target
    stage("click")
    # a real click in the panel page: JS click handler -> pycmd -> Controller.on_message -> previewer
    c.panel.web.eval(f"document.querySelector('[data-genai-open=\"{target}\"]').click();")
    wait_for(lambda: len(c.previewers) > 0, preview_opened, "preview window")


@guard
def preview_opened():
    p = controller().previewers[-1]
    card = p.card()
    result["preview"] = {"title": p.windowTitle(), "visible": p.isVisible(), "note_id": card.nid,
                         "qid": card.note()["ID"], "browser_button": p.browser_button.text(),
                         "both_sides": p._show_both_sides}
    QTimer.singleShot(2000, shoot_preview)


@guard
def shoot_preview():
    p = controller().previewers[-1]
    result["preview_png"] = p.grab().save(str(OUT / "addon-preview.png"))
    def got(text):
        result["preview"]["text"] = text
        c = controller()
        c.action.trigger()  # Tools menu item / shortcut: hide, remembered in the profile
        result["toggle"] = {"hidden": not c.panel.isVisible(), "checked": c.action.isChecked(),
                            "pref": aqt.mw.pm.profile.get("genai_prep_panel_visible")}
        c.action.trigger()
        result["toggle"]["shown_again"] = c.panel.isVisible() and aqt.mw.pm.profile.get("genai_prep_panel_visible")
        p.close()
        edit_a_note()
    p._web.evalWithCallback("document.body.innerText.slice(0,2000)", guard(got))


@guard
def edit_a_note():
    """An edit through Anki's own op (as the editor saves): the index follows by re-reading that note only."""
    from aqt.operations.note import update_note
    c = controller()
    col = aqt.mw.col
    index = c.index
    # a question the card on screen does not link to (a lookup of a vanished id would mark the index
    # stale and rebuild it, which is right but not what this step checks)
    data = result["answer_side"]["data"]
    shown = {QID} | {i["qid"] for i in data["related"] + data["prerequisites"]}
    old = next(q for q in sorted(index.by_qid) if q not in shown)
    note = col.get_note(index.by_qid[old])
    note["ID"] = old + "-edited"
    result["edit"] = {"before": {"type": type(index).__name__, "size": len(index)}, "old": old}
    KEPT["index"] = index
    stage("edit")
    update_note(parent=aqt.mw, note=note).run_in_background()
    wait_for(lambda: old not in c.index.by_qid and not c.building, edited, "index after the edit")


@guard
def edited():
    c = controller()
    e = result["edit"]
    e["after"] = {"same_object": c.index is KEPT["index"],  # patched in place, not replaced by a rebuild
                  "size": len(c.index), "new_id": c.index.by_qid.get(e["old"] + "-edited"),
                  "update_ms": getattr(c.index, "update_seconds", -1) * 1000}
    from genai_interview_prep.panel import link_update
    full = link_update.build_live_index(aqt.mw.col)
    e["equals_full_rebuild"] = c.index.by_qid == full.by_qid
    result["ok"] = True
    stage("done")
    finish()
'''


def test_real_anki_shows_the_panel_and_opens_a_preview(built_package, tmp_path):
    result, out = launch(built_package, tmp_path, HARNESS, "gui", 100)

    # question side: topic and a hint only, nothing from the answer
    q = result["question_side"]
    assert q["data"]["kind"] == "qa" and q["data"]["topic"] == "GANs"
    assert "Reveal the answer" in q["html"] and "data-genai-open" not in q["html"] and "<details" not in q["html"]
    # answer side: other explanations, related questions with states, figures
    a = result["answer_side"]
    data = a["data"]
    _, counts, _ = built_package
    assert data["own_id"] == "q0005" and a["index_size"] == counts["qa"] == len(committed_questions())
    related = [i["qid"] for i in data["related"]]
    import json
    want = json.loads((ROOT / "decks" / "questions.json").read_text(encoding="utf-8"))
    want = next(q["related"] for q in want["questions"] if q["id"] == "q0005")
    # the card's related questions, in their order (prerequisites are listed apart)
    assert related and related == [r for r in want if r in related] and all(i["state"] == "new" for i in data["related"])
    assert "Other explanations" in a["html"] and "Figures" in a["html"] and "genai-diagram-gan" in a["html"]
    assert result["dom"]["links"] == related  # what the webview really holds
    assert result["dom"]["weight"] == "600"  # web/panel.css, served by Anki from the add-on's folder
    assert "Related questions" in result["dom"]["text"].replace("RELATED QUESTIONS", "Related questions")
    assert result["dock"]["visible"] and result["dock"]["menu_checked"] and "RightDockWidgetArea" in result["dock"]["area"]
    assert a["update_ms"] < 200 and result["dock"]["width"] >= 300
    # the preview of the clicked question: both sides, Open in Browser
    p = result["preview"]
    assert result["clicked"] == related[0] and p["qid"] == related[0]
    assert p["visible"] and p["both_sides"] and p["browser_button"] == "Open in Browser"
    assert "What are the key components of a GAN" in p["text"]
    assert result["toggle"] == {"hidden": True, "checked": False, "pref": False, "shown_again": True}
    # an edit in the real app (update_note op + note hooks): the live index is patched, not rebuilt
    e = result["edit"]
    assert e["before"]["type"] == "LiveIndex" and e["after"]["same_object"]
    assert e["after"]["size"] == e["before"]["size"] and e["after"]["new_id"] is not None
    assert e["equals_full_rebuild"] and 0 < e["after"]["update_ms"] < 1000
    # screenshots
    shots = SHOTS
    shots.mkdir(parents=True, exist_ok=True)
    for name, min_colors in (("addon-panel.png", 20), ("addon-preview.png", 5)):
        path = out / name
        assert path.exists(), name
        assert nonblank(path) >= min_colors, f"{name} looks blank"
        shutil.copy(path, shots / name)
