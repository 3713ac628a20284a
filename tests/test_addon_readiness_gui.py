"""Interview readiness in the REAL Anki desktop under Xvfb: the dashboard's date field (typed in the
page -> pycmd -> stored per profile), the readiness cells and bar it brings, and "Study for the
interview" (JS click -> CollectionOp) building the loss-ordered filtered deck, undoable."""
from __future__ import annotations

import shutil

from anki_gui import launch, nonblank
from conftest import SHOTS
from test_addon_dashboard_gui import dashboard_harness

HARNESS = dashboard_harness(170000) + r'''

@guard
def after_import():
    import datetime as dt
    from anki.scheduler.v3 import CardAnswer
    col = aqt.mw.col
    cids = col.find_cards("tag:GenAI::* -tag:kind::image")[:40]
    for i, cid in enumerate(cids):
        card = col.get_card(cid)
        states = col._backend.get_scheduling_states(card.id)
        card.start_timer()
        col.sched.answer_card(col.sched.build_answer(card=card, states=states,
                                                     rating=CardAnswer.GOOD if i % 3 else CardAnswer.EASY))
    from genai_interview_prep.dashboard import readiness
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    result["profile_before"] = aqt.mw.pm.profile.get(dashboard.PROFILE_DATE_KEY)
    result["date"] = (readiness.anki_today(col) + dt.timedelta(days=30)).isoformat()
    c.action.trigger()
    wait_for(lambda: c.dialog is not None and c.topics and not c.computing and c.dialog.loaded
             and "genai-interview-date" in c.dialog.last_html, set_date, "dashboard")


@guard
def set_date():
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    c.dialog.resize(800, 600)  # the README screenshot's size (as tests/test_addon_dashboard_gui.py)
    c.dialog.web.eval("var d=document.getElementById('genai-interview-date'); d.value='" + result["date"] + "';"
                      "d.dispatchEvent(new Event('change', {bubbles: true}));")
    wait_for(lambda: not c.computing and 'class="ready"' in c.dialog.last_html, read_page, "readiness")


@guard
def read_page():
    from genai_interview_prep.dashboard import readiness, stats
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    result["profile_after"] = aqt.mw.pm.profile.get(dashboard.PROFILE_DATE_KEY)
    import datetime as dt
    ready = readiness.compute(aqt.mw.col, "GenAI", dt.date.fromisoformat(result["date"]))
    result["expected_root"] = ready["genai"].readiness
    result["shown_root"] = next(t.readiness for t in c.topics if t.parent is None)
    js = ("(function(){return {ready: document.querySelectorAll('#genai-dash .tree .ready').length,"
          " rows: document.querySelectorAll('#genai-dash .tree .row').length,"
          " bar: (document.querySelector('#genai-dash .interview')||{}).textContent || '',"
          " width: document.documentElement.scrollWidth, client: document.documentElement.clientWidth};})()")
    def got(dom):
        result["dom"] = dom
        c.dialog.web.eval("window.scrollTo(0, 0);")
        QTimer.singleShot(1200, study)  # painted: the README screenshot, with the date bar and readiness
    c.dialog.web.evalWithCallback(js, guard(got))


@guard
def study():
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    result["png"] = c.dialog.grab().save(str(OUT / "addon-dashboard.png"))
    # answer a card as the reviewer does (CollectionOp + reviewer_did_answer_card): the dashboard patches its
    # snapshot (rootscan.Snapshot.after_answer) instead of recomputing everything
    from aqt import gui_hooks
    from aqt.operations.scheduling import answer_card
    col = aqt.mw.col
    snap, topics = c.snapshot, c.topics
    card = col.get_card(col.find_cards("tag:GenAI is:new")[0])
    states = col._backend.get_scheduling_states(card.id)
    card.start_timer()
    answer_card(parent=aqt.mw, answer=col.sched.build_answer(card=card, states=states, rating=3)) \
        .run_in_background(initiator=aqt.mw.reviewer)
    gui_hooks.reviewer_did_answer_card(aqt.mw.reviewer, card, 3)
    wait_for(lambda: c.topics is not topics and not c.computing and not c.pending,
             lambda: patched(snap), "incremental refresh")


@guard
def patched(snap):
    import datetime as dt
    from genai_interview_prep.dashboard import readiness, stats
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    col = aqt.mw.col
    now = c.snapshot.now_s
    date = dt.date.fromisoformat(result["date"])
    full_t = [t.to_dict() for t in stats.compute(col, now=now, use_cache=False)]
    full_r = {k: r.to_dict() for k, r in readiness.compute(col, "GenAI", date, now=now, use_cache=False).items()}
    result["patch"] = {"same_snapshot": c.snapshot is snap,
                       "topics_equal": [t.to_dict() for t in c.topics] == full_t,
                       "ready_equal": {k: r.to_dict() for k, r in c.snapshot.ready.items()} == full_r}
    c.dialog.web.eval("document.querySelector('button[data-act=\"interview\"][data-arg=\"all\"]').click();")
    wait_for(lambda: c.last_study is not None and "interview" in c.last_study, studied, "interview deck")


@guard
def studied():
    from genai_interview_prep.dashboard import readiness
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    col = aqt.mw.col
    info = dict(c.last_study)
    if "deck_id" in info:
        info["deck_name"] = col.decks.name(info["deck_id"])
        info["cards"] = len(col.find_cards(f"did:{info['deck_id']}"))
        info["undo"] = col.undo_status().undo
    result["study"] = info
    result["ok"] = True
    stage("done")
    finish()
'''


def test_interview_date_and_study_in_real_anki(built_package, tmp_path):
    result, out = launch(built_package, tmp_path, HARNESS, "ready", 200)
    assert result["profile_before"] is None and result["profile_after"] == result["date"]
    assert result["shown_root"] == result["expected_root"] and 0 < result["expected_root"] < 1
    dom = result["dom"]
    assert dom["ready"] == dom["rows"] > 0 and "Readiness" in dom["bar"] and "in 30 days" in dom["bar"], dom
    assert dom["width"] <= dom["client"] + 1, "horizontal scrolling at 800x600 with the interview buttons"
    # an answer in the reviewer: the dashboard's figures patched in place, equal to a full recomputation
    assert result["patch"] == {"same_snapshot": True, "topics_equal": True, "ready_equal": True}, result["patch"]
    s = result["study"]
    assert s.get("deck_name") == "GenAI interview" and s["cards"] > 0, s
    assert s["undo"] == "Study for the interview: GenAI", s
    # screenshot: the dashboard with the interview date set (date bar, readiness column); the README's
    # tests/screenshots/addon-dashboard.png is a committed copy
    path = out / "addon-dashboard.png"
    assert result["png"] and path.exists() and nonblank(path) >= 20
    shots = SHOTS
    shots.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, shots / "addon-dashboard.png")
