"""The retired-notes and move-cards actions inside the REAL Anki desktop, under Xvfb.

A harness add-on imports the built package, files a few cards into a wrong topic deck and retires
a few notes (as a later package would), then triggers the two Tools-menu actions the way a learner
does (the confirmation answered yes): the cards go back through a CollectionOp, Edit → Undo
reverts it, the Browser opens on the retired notes and they are deleted. Any add-on exception fails.
"""
from __future__ import annotations

from anki_gui import launch

HARNESS = r'''
WAIT_TRIES = 300  # 30 s: a loaded 2-core machine can take long to open a webview
WATCHDOG_MS = 60000
IMPORT_SETTLE_MS = 300


def addon_errors():
    from genai_interview_prep import lifecycle_ui
    from genai_interview_prep.panel import controller as hooks
    return list(lifecycle_ui.controller.errors) + list(hooks.controller.errors)


def action(prefix):
    return next(a for a in aqt.mw.form.menuTools.actions() if a.text().startswith(prefix))


@guard
def after_import():
    import aqt.utils
    from genai_interview_prep import lifecycle
    col = aqt.mw.col
    aqt.utils.askUser = lambda *a, **k: True  # the learner confirms
    decks = sorted(n.name for n in col.decks.all_names_and_ids() if n.name.startswith("GenAI Interview Prep::"))
    a, b = decks[0], decks[1]
    cids = list(col.find_cards(f'"deck:{a}" -"deck:{a}::*"'))[:5]
    col.set_deck(cids, col.decks.id_for_name(b))  # as if a topic had been renamed
    result["misplaced"] = sorted(cids)
    result["home"], result["wrong"] = a, b
    result["found"] = sorted(c for v in lifecycle.misplaced_cards(col).by_deck.values() for c in v)
    moved_nids = {col.get_card(c).nid for c in cids}
    nids = [n for n in col.find_notes('"note:GenAI Interview Prep: Q&A"') if n not in moved_nids][:3]
    col.tags.bulk_add(nids, "retired")
    result["retired"] = sorted(nids)
    result["menu"] = [x.text() for x in aqt.mw.form.menuTools.actions() if x.text().startswith("GenAI:")]
    stage("moving")
    action("GenAI: move cards").trigger()
    wait_for(lambda: all(col.decks.name(col.get_card(c).did) == a for c in cids), moved, "cards moved back")


@guard
def moved():
    col = aqt.mw.col
    result["undo_name"] = col.undo_status().undo
    aqt.mw.undo()
    wait_for(lambda: all(col.decks.name(col.get_card(c).did) == result["wrong"] for c in result["misplaced"]),
             undone, "undo")


@guard
def undone():
    col = aqt.mw.col
    result["after_undo"] = sorted({col.decks.name(col.get_card(c).did) for c in result["misplaced"]})
    stage("retired")
    action("GenAI: retired notes").trigger()
    wait_for(lambda: not col.find_notes("tag:retired"), deleted, "retired notes deleted")


@guard
def deleted():
    col = aqt.mw.col
    result["left"] = [n for n in result["retired"] if col.db.scalar("select count() from notes where id = ?", n)]
    browser = aqt.dialogs._dialogs.get("Browser", [None, None])[1]
    result["browser_open"] = browser is not None
    result["browser_search"] = browser.current_search() if browser is not None else None
    result["ok"] = True
    stage("done")
    QTimer.singleShot(1000, finish)  # let the Browser finish its own refresh before Anki quits
'''


def test_real_anki_lifecycle_actions(built_package, tmp_path):
    result, _ = launch(built_package, tmp_path, HARNESS, "lifecycle", 90)
    assert result["menu"] == ["GenAI: retired notes…", "GenAI: move cards to their topic decks…"]
    assert result["found"] == result["misplaced"] and len(result["misplaced"]) == 5
    assert result["undo_name"] == "Move cards to their topic decks"
    assert result["after_undo"] == [result["wrong"]]  # undo put them back where they were
    assert result["browser_open"] and result["browser_search"].startswith("nid:") and result["left"] == []
