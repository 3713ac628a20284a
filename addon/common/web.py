"""The add-on's web assets (`web/*.css`, `web/*.js`): served to Anki's webviews, inlined for plain pages.

Inside Anki the files are exported through the media server (`setWebExports`) and the webviews
load them by URL (`/_addons/<add-on folder>/web/<file>`); the plain renderers (tests, previews
without Anki) read the same files and inline them, so a page looks the same either way.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
EXPORTS = r"web/.*\.(css|js)"
JQUERY = "js/vendor/jquery.min.js"  # what AnkiWebView loads when a page names no scripts of its own


def export(mw) -> None:
    """Let Anki's media server serve web/*.css and web/*.js (idempotent)."""
    mw.addonManager.setWebExports(__name__, EXPORTS)


def url(mw, name: str) -> str:
    return f"/_addons/{mw.addonManager.addonFromModule(__name__)}/web/{name}"


def assets(mw, *names: str) -> dict[str, list[str]]:
    """`css=` and `js=` for `AnkiWebView.stdHtml`: the named files by URL (Anki's own scripts kept)."""
    return {"css": [url(mw, n) for n in names if n.endswith(".css")],
            "js": [JQUERY] + [url(mw, n) for n in names if n.endswith(".js")]}


@lru_cache(maxsize=None)
def read(name: str) -> str:
    return (WEB_DIR / name).read_text(encoding="utf-8")


def inline(*names: str) -> tuple[str, str]:
    """(`<style>…</style>`, `<script>…</script>`) of the named files, for a self-contained page."""
    style = "".join(f"<style>{read(n)}</style>" for n in names if n.endswith(".css"))
    script = "".join(f"<script>{read(n)}</script>" for n in names if n.endswith(".js"))
    return style, script

