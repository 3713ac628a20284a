"""The topic-mastery dashboard inside the REAL Anki desktop, under Xvfb.

Reuses the profile set-up and screenshot check of tests/test_addon_gui.py. A harness add-on imports
the built package, creates review history through the scheduler, opens the dashboard from the
Tools menu, reads the rendered tree from the webview and compares it with `stats.compute()`, opens
a closed node (its children arrive on demand), refreshes (the node stays open, the scroll position
stays), clicks "Study" on a topic (JS click -> pycmd -> handler -> CollectionOp), checks the filtered deck, follows
the overview link, photographs the dialog at 800×600, closes and reopens the dialog (the node stays open),
closes the node in the page and quits. Any add-on exception or JavaScript console error fails the test.
"""
from __future__ import annotations

import shutil

from anki_gui import launch, nonblank
from conftest import ROOT, SHOTS

def dashboard_harness(watchdog_ms: int) -> str:
    """The start of every dashboard harness: the add-on's own errors and the waits it needs."""
    return r'''
def addon_errors():
    from genai_interview_prep.dashboard import controller as dashboard
    from genai_interview_prep.panel import controller as hooks
    return list(dashboard.controller.errors) + list(hooks.controller.errors)


WAIT_TRIES = 400  # 40 s: the first dashboard computation on a loaded 2-core machine
WATCHDOG_MS = %d
IMPORT_SETTLE_MS = 300
''' % watchdog_ms


HARNESS = dashboard_harness(170000) + r'''

@guard
def after_import():
    from anki.scheduler.v3 import CardAnswer
    col = aqt.mw.col
    rng = random.Random(5)
    cids = col.find_cards("tag:GenAI::* -tag:kind::image")
    rng.shuffle(cids)
    now_ms = int(time.time() * 1000)
    ratings = [CardAnswer.AGAIN, CardAnswer.HARD, CardAnswer.GOOD, CardAnswer.EASY]
    def answer(cid, rating, at_ms=None):
        card = col.get_card(cid)
        states = col._backend.get_scheduling_states(card.id)
        card.start_timer()
        ans = col.sched.build_answer(card=card, states=states, rating=rating)
        if at_ms is not None:
            ans.answered_at_millis = at_ms
        col.sched.answer_card(ans)
    # about twelve weeks of study, replayed in time order: each card is answered when it falls due
    # (its interval after the previous answer), Again brings it back ten minutes later. Each
    # top-level topic gets its own skill level, and some topics are left untouched, so the tree
    # shows strong, weak and unstarted topics with real trends.
    tops = sorted({t.split("::")[1] for c in cids for t in col.get_card(c).note().tags
                   if t.startswith("GenAI::") and t.count("::") >= 1})
    skill = {top: rng.choice([0.55, 0.7, 0.8, 0.9, 0.97]) for top in tops}
    untouched = set(rng.sample(tops, 3))
    day = 86_400_000
    studied = 0
    for i, cid in enumerate(cids):
        tags = [t for t in col.get_card(cid).note().tags if t.startswith("GenAI::")]
        top = tags[0].split("::")[1]
        if top in untouched or studied >= 700:
            continue
        studied += 1
        p = skill[top]
        at = now_ms - rng.randrange(10, 84) * day + i * 1000
        while at < now_ms - 60_000:
            r = rng.random()
            rating = ratings[0] if r > p else (ratings[1] if r > p - 0.1 else
                                               (ratings[3] if r < 0.15 else ratings[2]))
            answer(cid, rating, at)
            card = col.get_card(cid)
            at += 600_000 if card.queue in (1, 3) else max(1, card.ivl) * day + rng.randrange(0, 3) * day
    col.sched.set_due_date(cids[300:310], "0")  # a few due today
    col.sched.suspend_cards(cids[310:316])
    stage("history")
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    aqt.mw.resize(1100, 760)
    c.action.trigger()  # Tools -> GenAI topic mastery
    wait_for(lambda: c.dialog is not None and c.topics and not c.computing and c.dialog.loaded
             and "genai-dash" in c.dialog.last_html and "tree" in c.dialog.last_html, read_dom, "dashboard data")


ROWS_JS = ("(function(sel, rows){rows=rows||[].slice.call(document.querySelectorAll(sel));"
           "return rows.map(function(r){return {idx: r.getAttribute('data-idx'), tag: r.getAttribute('data-tag'),"
           "mastery: r.querySelector('.mastery').textContent, ret: r.querySelector('.ret').textContent,"
           "cards: r.querySelector('.cards').textContent, weak: r.classList.contains('weak'),"
           "name: r.querySelector('.name').textContent,"
           "cut: r.querySelector('.name').scrollWidth > r.querySelector('.name').clientWidth + 1,"
           "bar: r.querySelectorAll('.bar .seg').length, svg: r.querySelectorAll('svg.spark polyline').length}});})")


# the rows shown below node idx: the items after it, up to the next one at its depth or above
BELOW_JS = ("(function(idx){var n=document.querySelector('.item.node[data-idx=\"'+idx+'\"]'), out=[];"
            "if(!n) return out; var d=+n.getAttribute('data-depth');"
            "for(var e=n.nextElementSibling; e && +e.getAttribute('data-depth')>d; e=e.nextElementSibling)"
            " out.push(e.querySelector('.row'));"
            "return n.hasAttribute('data-lazy') ? [] : out;})")


def dom_wait(js, then, what):
    """Poll a JS condition in the dashboard page; call then(value) once it is truthy."""
    from genai_interview_prep.dashboard import controller as dashboard
    left = [WAIT_TRIES]
    def got(value):
        if value:
            guard(then)(value)
        elif left[0] <= 0:
            fail(f"timed out waiting for {what}")
        else:
            left[0] -= 1
            QTimer.singleShot(100, lambda: dashboard.controller.dialog.web.evalWithCallback(js, got))
    dashboard.controller.dialog.web.evalWithCallback(js, got)


@guard
def read_dom():
    from genai_interview_prep.dashboard import stats
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    c.dialog.resize(800, 600)
    expected = stats.compute(aqt.mw.col, root="GenAI", days=30)
    result["expected"] = [{"tag": t.tag, "parent": t.parent, "depth": t.depth, "mastery": round(t.mastery),
                           "reviews": t.reviews, "cards": t.cards, "retention": t.retention, "due": t.due}
                          for t in expected]
    result["menu_text"] = c.action.text()
    from genai_interview_prep.dashboard import view as dashboard_html
    result["weak_tags"] = [c.topics[i].tag for i in dashboard_html.weakest(c.topics)
                           if dashboard_html.is_weak(c.topics[i])]
    # wait until the tree is in the page (its closed nodes included): the first render can lag the dialog
    js = ("(function(){if (!document.querySelector('#genai-dash .item.node[data-lazy]')) return null;"
          "return {rows: " + ROWS_JS + "('#genai-dash .tree .row'),"
          "lazy: [].map.call(document.querySelectorAll('#genai-dash .item.node[data-lazy]'),"
          " function(k){return k.getAttribute('data-idx');}),"
          "next: document.querySelectorAll('#genai-dash .next li').length,"
          "width: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,"
          "display: getComputedStyle(document.querySelector('#genai-dash .row')).display};})()")
    dom_wait(js, after_dom, "dashboard tree")


@guard
def after_dom(dom):
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    result["dom"] = dom
    # open a closed node: its children arrive on demand (expand:<i> -> render_children -> fill)
    # the one holding the weakest topic, so the highlight is on screen too
    lazy = [int(i) for i in dom["lazy"]]
    weak_parent = "::".join(result["weak_tags"][0].split("::")[:2]) if result["weak_tags"] else None
    idx = next((i for i in lazy if c.topics[i].tag == weak_parent), lazy[0])
    result["expanded_tag"] = c.topics[idx].tag
    c.dialog.web.eval(f"document.querySelector('.item.node[data-idx=\"{idx}\"] > .row').click();")
    dom_wait(BELOW_JS + f"({idx}).length", lambda _n: read_children(idx), "children")


@guard
def read_children(idx):
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    def got(rows):
        result["children_rows"] = rows
        # a refresh (as after a review) keeps the open node and the scroll position
        c.dialog.web.eval("window.scrollTo(0, 120);")
        c.refresh()
        wait_for(lambda: not c.computing, lambda: QTimer.singleShot(800, check_after_refresh), "refresh")
    c.dialog.web.evalWithCallback(f"(function(){{var rows = {BELOW_JS}({idx});"
                                  f" return {ROWS_JS}(null, rows);}})()", guard(got))
    result["expanded_idx"] = idx


@guard
def check_after_refresh():
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    idx = result["expanded_idx"]
    js = (f"(function(){{var d=document.querySelector('.item.node[data-idx=\"{idx}\"]');"
          f"return {{open: !!(d && d.classList.contains('open')), kids: {BELOW_JS}({idx}).length,"
          f" scroll: window.scrollY}};}})()")
    def got(state):
        result["after_refresh"] = state
        c.dialog.web.eval("window.scrollTo(0, 0);")
        QTimer.singleShot(1200, shoot)
    c.dialog.web.evalWithCallback(js, guard(got))


@guard
def shoot():
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    result["png"] = c.dialog.grab().save(str(OUT / "addon-dashboard.png"))
    # Study: a topic rendered in the opened node, clicked in the page (JS click -> pycmd -> handler -> CollectionOp)
    rows = [int(r["idx"]) for r in result["children_rows"]]
    idx = next((i for i in rows if not c.topics[i].children and c.topics[i].new >= 3), rows[0])
    result["study_tag"] = c.topics[idx].tag
    stage("study")
    c.dialog.web.eval(f"document.querySelector('.tree button.study[data-idx=\"{idx}\"]').click();")
    wait_for(lambda: c.last_study is not None and c.last_study.get("tag") == result["study_tag"], studied,
             "filtered deck")


@guard
def studied():
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    col = aqt.mw.col
    info = dict(c.last_study)
    if "deck_id" in info:
        deck = col.decks.get(info["deck_id"])
        info["dyn"] = bool(deck and deck.get("dyn"))
        info["deck_name"] = deck["name"] if deck else None
        info["cards"] = col.db.scalar("select count() from cards where did = ?", info["deck_id"])
        info["undo"] = col.undo_status().undo
    result["study"] = info
    stage("overview")
    wait_for(lambda: aqt.mw.state == "overview", check_overview, "overview")


@guard
def check_overview():
    def got(found):
        result["overview_link"] = found
        before = len(result["errors"])
        aqt.mw.overview.web.eval("document.getElementById('genai-dash-link').click();")
        QTimer.singleShot(800, done)
    QTimer.singleShot(600, lambda: aqt.mw.overview.web.evalWithCallback(
        "!!document.getElementById('genai-dash-link')", guard(got)))


@guard
def done():
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    result["dialog_visible_after_link"] = c.dialog is not None and c.dialog.isVisible()
    # closed and opened again: the figures are cached, so the whole page loads at once (before the
    # page's pycmd bridge is up) with the node opened earlier still open
    c.dialog.reject()
    stage("reopen")
    c.action.trigger()
    wait_for(lambda: c.dialog is not None and c.dialog.loaded and not c.computing and not c.pending,
             lambda: QTimer.singleShot(800, reopened), "reopened dashboard")


@guard
def reopened():
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    idx = result["expanded_idx"]
    node = f"document.querySelector('.item.node[data-idx=\"{idx}\"]')"
    def got(state):
        result["reopened"] = state
        # closing the node in the page removes its rows there; the add-on marks it lazy again
        c.dialog.web.eval(f"{node}.querySelector('.row .name').click();")
        gone = (f"(function(){{var n={node}, nx=n.nextElementSibling; return !n.classList.contains('open')"
                f" && !(nx && +nx.getAttribute('data-depth') > +n.getAttribute('data-depth'));}})()")
        dom_wait(gone, lambda _v: wait_for(lambda: idx in c.lazy, collapsed, "collapse message"), "closed node")
    c.dialog.web.evalWithCallback(f"(function(){{var d={node}; return {{open: !!(d && d.classList.contains('open')),"
                                  f" kids: {BELOW_JS}({idx}).length}};}})()", guard(got))


@guard
def collapsed():
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    result["collapsed"] = {"open_tag": c.topics[result["expanded_idx"]].tag in c.open_tags,
                           "lazy": result["expanded_idx"] in c.lazy}
    result["ok"] = True
    stage("done")
    finish()
'''


def test_real_anki_dashboard(built_package, tmp_path):
    result, out = launch(built_package, tmp_path, HARNESS, "dash", 200)

    # the page holds the root and its children (closed nodes send theirs on demand), with the numbers
    # stats.compute() gives
    expected = {e["tag"]: e for e in result["expected"]}
    import json

    from builder.topics import load_taxonomy
    used = {t for q in json.loads((ROOT / "decks" / "questions.json").read_text())["questions"] for t in q["topics"]}
    assert set(expected) == {"GenAI"} | {"::".join(t.split("::")[:k]) for t in used for k in range(2, t.count("::") + 2)}
    rows = result["dom"]["rows"]
    assert {r["tag"] for r in rows} == {t for t, e in expected.items() if e["depth"] <= 1} and len(rows) == len(set(
        r["tag"] for r in rows))
    assert len(result["dom"]["lazy"]) >= 10
    kids = result["children_rows"]
    assert {r["tag"] for r in kids} == {t for t, e in expected.items() if e["parent"] == result["expanded_tag"]}
    for r in rows + kids:
        e = expected[r["tag"]]
        assert int(r["mastery"]) == e["mastery"], r
        assert r["cards"] == str(e["cards"]), r
        assert f"({e['reviews']})" in r["ret"], r
        assert r["svg"] == 1 and r["bar"] >= 1
    assert sum(e["reviews"] for e in expected.values()) > 0
    # a refresh (as after every review) updates in place: the opened node stays open, the page does not jump
    after = result["after_refresh"]
    assert after["open"] and after["kids"] == len(kids) and after["scroll"] >= 100, after
    shown = {r["tag"] for r in rows + kids}
    assert set(result["weak_tags"]) & shown  # the opened node holds the weakest topic
    assert {r["tag"] for r in rows + kids if r["weak"]} == set(result["weak_tags"]) & shown
    assert result["dom"]["next"] == 5
    assert result["dom"]["width"] <= result["dom"]["client"] + 1, "horizontal scrolling at 800x600"
    assert result["dom"]["display"] == "grid"  # web/dashboard.css, served by Anki from the add-on's folder
    # learners read the taxonomy's names, whole: no tag segments, nothing cut off at 800 px
    tax = load_taxonomy(ROOT / "decks" / "topics.yaml")
    for r in rows + kids:
        want = "GenAI" if r["tag"] == "GenAI" else tax.name(r["tag"])
        assert r["name"].strip() == want and not r["cut"], r
    # Study this topic: a filtered deck with cards, undoable
    s = result["study"]
    assert s.get("dyn") and s["cards"] > 0 and result["study_tag"].split("::")[-1] in s["deck_name"], s
    assert s["undo"], s
    # the overview link opens (or raises) the dashboard
    assert result["overview_link"] is True and result["dialog_visible_after_link"]
    # opened again: the node is still open with its rows; closing it in the page closes it in the add-on
    assert result["reopened"] == {"open": True, "kids": len(kids)}, result["reopened"]
    assert result["collapsed"] == {"open_tag": False, "lazy": True}
    assert result["menu_text"] == "GenAI topic mastery"
    # screenshot
    path = out / "addon-dashboard.png"
    assert path.exists() and nonblank(path) >= 20
    shots = SHOTS  # (the README's dashboard picture, with an interview date, comes from
    shots.mkdir(parents=True, exist_ok=True)  # tests/test_addon_readiness_gui.py)
    shutil.copy(path, shots / "addon-dashboard-mastery.png")


THROW_HARNESS = dashboard_harness(130000) + r'''

@guard
def after_import():
    from genai_interview_prep.dashboard import controller as dashboard
    c = dashboard.controller
    c.action.trigger()
    wait_for(lambda: c.dialog is not None and c.topics and not c.computing and c.dialog.loaded, settle,
             "dashboard")


@guard
def settle():
    def done():
        result["ok"] = True
        stage("done")
        finish()
    QTimer.singleShot(1000, done)
'''


def test_a_javascript_error_in_the_dashboard_fails_the_harness(built_package, tmp_path):
    """The console capture can fail: the harness (not the add-on) adds a script that throws to the
    dashboard page, and the run reports exactly that error, from that webview, and no other (the
    dashboard's own script, which runs first, raises nothing even when the page loads before the
    pycmd bridge is up, as it does here)."""
    result, _ = launch(built_package, tmp_path, THROW_HARNESS, "throw", 160,
                       extra_env={"GENAI_GUI_THROW_IN": "DashboardDialog"}, js_errors_expected=True)
    errors = result["js_errors"]
    assert errors and all(e["message"] == "Uncaught Error: genai-gui-injected" for e in errors), errors
    assert {(e["owner"], e["window"], e["level"]) for e in errors} == {
        ("DashboardDialog", "Topic mastery", "ErrorMessageLevel")}, errors
