"""The add-on inside the REAL Anki desktop, under Xvfb.

A throwaway base folder and profile (made with Anki's own ProfileManager: language set, no first-run
dialog, no update checks, no sync), our add-on installed from the built .ankiaddon, and a small harness
add-on that imports the built package, reviews a question, reveals the answer, reads the panel,
clicks a linked question (the same JS → pycmd → handler path a learner's click takes), photographs
the main window and the preview, and quits. A watchdog inside the harness ends a hung run.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

HARNESS = r'''
import json, os, sys, time, traceback
from pathlib import Path

import aqt
from aqt import gui_hooks
from aqt.qt import QTimer

OUT = Path(os.environ["GENAI_GUI_OUT"])
APKG = os.environ["GENAI_GUI_APKG"]
QID = "q0005"
result = {"stage": "loaded", "errors": [], "ok": False}
_started = {"review": False}


def write():
    (OUT / "result.json").write_text(json.dumps(result, indent=1, default=str))


def stage(name):
    result["stage"] = name
    write()


def fail(msg):
    result["errors"].append(msg)
    finish()


def finish():
    result["done"] = True
    try:
        from genai_interview_prep import hooks
        if hooks.controller is not None:
            result["addon_errors"] = list(hooks.controller.errors)
    except Exception as e:
        result["errors"].append(f"finish: {e!r}")
    write()
    QTimer.singleShot(200, aqt.mw.unloadProfileAndExit)


def guard(fn):
    def wrapper(*a, **k):
        try:
            return fn(*a, **k)
        except Exception:
            fail(traceback.format_exc())
    return wrapper


def watchdog():
    result["errors"].append(f"watchdog: stuck at stage {result['stage']}")
    write()
    os._exit(3)


_old_hook = sys.excepthook


def excepthook(etype, val, tb):
    result["errors"].append("".join(traceback.format_exception(etype, val, tb)))
    write()
    if _old_hook:
        _old_hook(etype, val, tb)


@guard
def on_init():
    sys.excepthook = excepthook
    handler = getattr(aqt.mw, "errorHandler", None)
    if handler is not None:  # tracebacks Anki would show in its error window
        original = handler.write
        def write_err(data, original=original):
            if "Traceback" in data or "Error" in data:
                result["errors"].append(data[-2000:])
            return original(data)
        handler.write = write_err
    QTimer.singleShot(60000, watchdog)
    stage("main window")


@guard
def on_deck_browser(*_args):
    if _started["review"]:
        return
    _started["review"] = True
    stage("importing")
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from aqt.operations import CollectionOp
    req = ImportAnkiPackageRequest(package_path=APKG, options=ImportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=True))
    CollectionOp(parent=aqt.mw, op=lambda col: col.import_anki_package(req)).success(
        lambda _r: QTimer.singleShot(300, start_review)).run_in_background()


@guard
def start_review():
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


def wait_for(cond, then, what, tries=100):
    def poll(n=[0]):
        try:
            ok = cond()
        except Exception:
            ok = False
        if ok:
            guard(then)()
        elif n[0] >= tries:
            fail(f"timed out waiting for {what}")
        else:
            n[0] += 1
            QTimer.singleShot(100, poll)
    QTimer.singleShot(100, poll)


def controller():
    from genai_interview_prep import hooks
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
          "text:document.getElementById('genai-root').innerText.slice(0,4000)};})()")
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
        result["ok"] = True
        stage("done")
        p.close()
        finish()
    p._web.evalWithCallback("document.body.innerText.slice(0,2000)", guard(got))


gui_hooks.main_window_did_init.append(on_init)
gui_hooks.deck_browser_did_render.append(on_deck_browser)
'''

PROFILE_SETUP = r'''
import sys
from pathlib import Path
from aqt.profiles import ProfileManager
base = Path(sys.argv[1])
pm = ProfileManager(ProfileManager.get_created_base_folder(str(base)))
pm.setupMeta()
pm.setLang("en_US")
pm.set_update_check(False)
pm.set_check_for_addon_updates(False)
pm.create("tester")
pm.load("tester")
pm.profile["autoSync"] = False
pm.profile["syncMedia"] = False
pm.profile["syncKey"] = None
pm.set_last_loaded_profile_name("tester")
pm.save()
print("profile ok")
'''


def _nonblank(path: Path) -> int:
    from PIL import Image
    img = Image.open(path).convert("RGB")
    assert img.width > 300 and img.height > 200
    return len(img.resize((200, 150)).getcolors(maxcolors=100000) or [])


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run (tests/run.py installs it)")
def test_real_anki_shows_the_panel_and_opens_a_preview(built_package, tmp_path):
    dist, _, _ = built_package
    base = tmp_path / "anki-base"
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox", ANKI_SINGLE_INSTANCE_KEY=f"genai-gui-{uuid.uuid4().hex}",
               GENAI_GUI_OUT=str(out), GENAI_GUI_APKG=str(dist / "genai-interview-prep.apkg"),
               PYTHONDONTWRITEBYTECODE="1", ANKI_NOHIGHDPI="1")
    setup = subprocess.run([sys.executable, "-c", PROFILE_SETUP, str(base)], capture_output=True, text=True,
                           env=env, timeout=60)
    assert setup.returncode == 0 and "profile ok" in setup.stdout, setup.stderr
    addons = base / "addons21"
    with zipfile.ZipFile(dist / "genai-interview-prep.ankiaddon") as zf:  # what a learner installs
        zf.extractall(addons / "genai_interview_prep")
    (addons / "zz_gui_harness").mkdir(parents=True)
    (addons / "zz_gui_harness" / "__init__.py").write_text(HARNESS)

    cmd = ["timeout", "-k", "5", "100", "xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
           sys.executable, "-c", "import sys, aqt; sys.exit(aqt.run())", "-b", str(base), "-p", "tester"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=130)
    result_file = out / "result.json"
    assert result_file.exists(), f"no result (exit {proc.returncode})\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    result = json.loads(result_file.read_text())
    assert result["errors"] == [], result["errors"]
    assert result.get("addon_errors") == [], result.get("addon_errors")
    assert result["ok"] and result["stage"] == "done", (result["stage"], proc.stderr[-3000:])

    # question side: topic and a hint only, nothing from the answer
    q = result["question_side"]
    assert q["data"]["kind"] == "qa" and q["data"]["topic"] == "GANs"
    assert "Reveal the answer" in q["html"] and "data-genai-open" not in q["html"] and "<details" not in q["html"]
    # answer side: other explanations, related questions with states, figures
    a = result["answer_side"]
    data = a["data"]
    assert data["own_id"] == "q0005" and a["index_size"] == 358
    related = [i["qid"] for i in data["related"]]
    assert related[:3] == ["q0002", "q0012", "q0099"] and all(i["state"] == "new" for i in data["related"])
    assert "Other explanations" in a["html"] and "Figures" in a["html"] and "genai-diagram-gan" in a["html"]
    assert result["dom"]["links"] == related  # what the webview really holds
    assert "Related questions" in result["dom"]["text"].replace("RELATED QUESTIONS", "Related questions")
    assert result["dock"]["visible"] and result["dock"]["menu_checked"] and "RightDockWidgetArea" in result["dock"]["area"]
    assert a["update_ms"] < 200 and result["dock"]["width"] >= 300
    # the preview of the clicked question: both sides, Open in Browser
    p = result["preview"]
    assert result["clicked"] == related[0] and p["qid"] == related[0]
    assert p["visible"] and p["both_sides"] and p["browser_button"] == "Open in Browser"
    assert "What are the key components of a GAN" in p["text"]
    assert result["toggle"] == {"hidden": True, "checked": False, "pref": False, "shown_again": True}
    # screenshots
    shots = ROOT / "dist" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for name, min_colors in (("addon-panel.png", 20), ("addon-preview.png", 5)):
        path = out / name
        assert path.exists(), name
        assert _nonblank(path) >= min_colors, f"{name} looks blank"
        shutil.copy(path, shots / name)
