"""Render pages in WebKit (the engine of AnkiMobile), via Debian's WebKitGTK, and report what a phone shows.

Run by tests/test_phone_webkit.py with the *system* python3 (python3-gi lives there, not in the venv)
under xvfb-run:  python3 tests/webkit_render.py JOBS.json
JOBS.json: [{"page": "/abs/file.html", "png": "/abs/out.png" or null, "width": 360, "tap": true}, ...]
Prints one JSON line: a list of results {"scrollWidth", "details", "open", "pointsHeight", "error"}.
With "tap", every <summary> receives a click (a tap), which must open its <details> without JavaScript
of the card's own.
"""
import json
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402

MEASURE = """(() => {
  const taps = %s;
  const details = [...document.querySelectorAll('details')];
  if (taps) details.forEach(d => d.querySelector('summary') && d.querySelector('summary').click());
  const points = [...document.querySelectorAll('details[open] .qa-rel-points')];
  return JSON.stringify({
    scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    details: details.length,
    open: details.filter(d => d.open).length,
    pointsHeight: points.length ? Math.min(...points.map(p => p.getBoundingClientRect().height)) : null,
  });
})()"""


def main() -> None:
    jobs = json.loads(open(sys.argv[1], encoding="utf-8").read())
    results: list[dict] = []
    win = Gtk.OffscreenWindow()
    view = WebKit2.WebView()
    win.add(view)
    state = {"i": -1}

    def next_job():
        state["i"] += 1
        if state["i"] >= len(jobs):
            Gtk.main_quit()
            return
        job = jobs[state["i"]]
        win.resize(job.get("width", 360), 740)
        view.set_size_request(job.get("width", 360), 740)
        view.load_uri("file://" + job["page"])

    def measured(v, res, _):
        job = jobs[state["i"]]
        try:
            value = v.evaluate_javascript_finish(res)
            results.append(json.loads(value.to_string()))
        except GLib.Error as e:
            results.append({"error": str(e)})
        if job.get("png"):
            v.get_snapshot(WebKit2.SnapshotRegion.FULL_DOCUMENT, WebKit2.SnapshotOptions.NONE, None, shot, None)
        else:
            next_job()

    def shot(v, res, _):
        v.get_snapshot_finish(res).write_to_png(jobs[state["i"]]["png"])
        next_job()

    def loaded(v, event):
        if event == WebKit2.LoadEvent.FINISHED:
            js = MEASURE % ("true" if jobs[state["i"]].get("tap") else "false")
            GLib.timeout_add(150, lambda: v.evaluate_javascript(js, -1, None, None, None, measured, None) and False)

    view.connect("load-changed", loaded)
    win.show_all()
    GLib.timeout_add_seconds(120, lambda: (results.append({"error": "timeout"}), Gtk.main_quit()))
    next_job()
    Gtk.main()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
