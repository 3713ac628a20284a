"""Running the REAL Anki desktop with our add-on under Xvfb, for the GUI tests.

`launch()` makes a throwaway base folder and profile with Anki's own ProfileManager
(language set, no first-run dialog, update checks or sync), installs the built
.ankiaddon as a learner would plus a harness add-on, runs Anki under xvfb-run
with a timeout, and returns the harness's result after the checks every run
shares. A harness is `HARNESS_BASE` (result file, error capture including the
JavaScript console of every webview, watchdog, package import) followed by its
own steps, which define WAIT_TRIES, WATCHDOG_MS, IMPORT_SETTLE_MS,
`after_import()` and `addon_errors()`.
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

HARNESS_BASE = r'''
import json, os, random, sys, time, traceback
from pathlib import Path

import aqt
from aqt import gui_hooks
from aqt.qt import QTimer

OUT = Path(os.environ["GENAI_GUI_OUT"])
APKG = os.environ["GENAI_GUI_APKG"]
result = {"stage": "loaded", "errors": [], "js_errors": [], "ok": False}
_started = {"import": False}


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
        result["addon_errors"] = addon_errors()  # defined by each harness
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


def wait_for(cond, then, what, tries=None):
    tries = tries or WAIT_TRIES  # each harness sets WAIT_TRIES (polls of 100 ms)
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


@guard
def on_init():
    old = sys.excepthook
    def excepthook(etype, val, tb):
        result["errors"].append("".join(traceback.format_exception(etype, val, tb)))
        write()
        if old:
            old(etype, val, tb)
    sys.excepthook = excepthook
    handler = getattr(aqt.mw, "errorHandler", None)
    if handler is not None:  # tracebacks Anki would show in its error window
        original = handler.write
        def write_err(data, original=original):
            if "Traceback" in data or "Error" in data:
                result["errors"].append(data[-2000:])
            return original(data)
        handler.write = write_err
    QTimer.singleShot(WATCHDOG_MS, watchdog)
    stage("main window")


@guard
def on_deck_browser(*_args):
    if _started["import"]:
        return
    _started["import"] = True
    stage("importing")
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from aqt.operations import CollectionOp
    req = ImportAnkiPackageRequest(package_path=APKG, options=ImportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=True))
    CollectionOp(parent=aqt.mw, op=lambda col: col.import_anki_package(req)).success(
        lambda _r: QTimer.singleShot(IMPORT_SETTLE_MS, after_import)).run_in_background()


gui_hooks.main_window_did_init.append(on_init)
gui_hooks.deck_browser_did_render.append(on_deck_browser)


# JavaScript console errors of every Anki webview (the add-on's panel, preview and dashboard, and
# Anki's own pages our add-on adds to): Anki only prints them ("JS error ..."), so catch them at
# AnkiWebPage.javaScriptConsoleMessage, which every AnkiWebView's page routes its console through.
from aqt.qt import QWebEnginePage
from aqt.webview import AnkiWebPage

_console_message = AnkiWebPage.javaScriptConsoleMessage
_JS_ERROR = QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel


# Which pages count: the add-on's own webviews (dashboard, panel, preview) and anything that names
# the add-on (its scripts and messages). Anki's own main-window pages race on a loaded machine
# (its reviewer evaluates `_showQuestion` before its page script has loaded; its toolbar reads
# `document.documentElement.offsetHeight` while a page is replaced): those are recorded apart as
# `anki_js_errors` and do not fail the run; the add-on's pages fail it on any console error.
_ADDON_OWNERS = {"DashboardDialog", "LinksPanel", "LinkedPreviewer"}


def _on_console(page, level, msg, line, src):
    try:
        if level == _JS_ERROR or "Uncaught" in str(msg):  # errors, and uncaught exceptions at any level
            view = page.parent()  # the AnkiWebView; its parent: DashboardDialog, LinksPanel, a Previewer...
            owner = view.parent() if view is not None else None
            ours = type(owner).__name__ in _ADDON_OWNERS or "genai" in f"{msg} {src}".lower()
            if not ours:
                result.setdefault("anki_js_errors", []).append(f"{msg} ({str(src)[:80]})"[:300])
                write()
                return _console_message(page, level, msg, line, src)
            result["js_errors"].append({"owner": type(owner).__name__, "window": view.window().windowTitle()
                                        if view is not None else "", "level": getattr(level, "name", str(level)),
                                        "message": str(msg)[:500], "line": line, "source": str(src)[:120]})
            write()
    except Exception:
        result["errors"].append("console capture: " + traceback.format_exc())
    return _console_message(page, level, msg, line, src)


AnkiWebPage.javaScriptConsoleMessage = _on_console

# Test-only: GENAI_GUI_THROW_IN=<class name of a page's context> (e.g. DashboardDialog) adds a
# script that throws to that page, to prove the capture above reports a broken page.
_THROW_IN = os.environ.get("GENAI_GUI_THROW_IN")


def _inject_throw(web_content, context):
    if _THROW_IN and type(context).__name__ == _THROW_IN:
        web_content.body += '<script>throw new Error("genai-gui-injected");</script>'


gui_hooks.webview_will_set_content.append(_inject_throw)
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


def nonblank(path: Path) -> int:
    from PIL import Image
    img = Image.open(path).convert("RGB")
    assert img.width > 300 and img.height > 200
    return len(img.resize((200, 150)).getcolors(maxcolors=100000) or [])



def launch(built_package, tmp_path: Path, harness: str, name: str, seconds: int,
           extra_env: dict[str, str] | None = None, js_errors_expected: bool = False) -> tuple[dict, Path]:
    """Run Anki with the harness; return (result, output folder) after the common assertions
    (no Python error, no add-on error, no JavaScript console error unless `js_errors_expected`)."""
    assert shutil.which("xvfb-run"), "xvfb-run is missing: run the suite with python3 tests/run.py, which installs it"
    dist, _, _ = built_package
    base = tmp_path / "anki-base"
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox", ANKI_SINGLE_INSTANCE_KEY=f"genai-{name}-{uuid.uuid4().hex}",
               GENAI_GUI_OUT=str(out), GENAI_GUI_APKG=str(dist / "genai-interview-prep.apkg"),
               PYTHONDONTWRITEBYTECODE="1", ANKI_NOHIGHDPI="1")
    env.pop("GENAI_GUI_THROW_IN", None)
    env.update(extra_env or {})
    setup = subprocess.run([sys.executable, "-c", PROFILE_SETUP, str(base)], capture_output=True, text=True,
                           env=env, timeout=60)
    assert setup.returncode == 0 and "profile ok" in setup.stdout, setup.stderr
    addons = base / "addons21"
    with zipfile.ZipFile(dist / "genai-interview-prep.ankiaddon") as zf:  # what a learner installs
        zf.extractall(addons / "genai_interview_prep")
    (addons / f"zz_{name}_harness").mkdir(parents=True)
    (addons / f"zz_{name}_harness" / "__init__.py").write_text(HARNESS_BASE + harness)

    cmd = ["timeout", "-k", "5", str(seconds), "xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
           sys.executable, "-c", "import sys, aqt; sys.exit(aqt.run())", "-b", str(base), "-p", "tester"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 30)
    result_file = out / "result.json"
    assert result_file.exists(), f"no result (exit {proc.returncode})\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    result = json.loads(result_file.read_text())
    assert result["errors"] == [], result["errors"]
    assert result.get("addon_errors") == [], result.get("addon_errors")
    if not js_errors_expected:
        assert result["js_errors"] == [], result["js_errors"]
    assert result["ok"] and result["stage"] == "done", (result["stage"], proc.stderr[-3000:])
    return result, out
