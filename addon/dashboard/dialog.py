"""The dashboard's dialog: an AnkiWebView whose page is loaded once and then updated in place (Qt-thin)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aqt.qt import QDialog, QDialogButtonBox, QVBoxLayout, qconnect

from ..common import web
from . import view

if TYPE_CHECKING:
    from .controller import DashboardController


class DashboardDialog(QDialog):
    def __init__(self, mw, controller: "DashboardController") -> None:
        super().__init__(mw)
        from aqt.webview import AnkiWebView
        self.controller = controller
        self.setWindowTitle("Topic mastery")
        self.resize(980, 680)
        self.setMinimumSize(640, 480)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.web = AnkiWebView(self, title="genai topic mastery")
        self.web.set_bridge_command(controller.on_message, self)
        layout.addWidget(self.web)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        qconnect(box.rejected, self.reject)
        layout.addWidget(box)
        self.last_html = ""
        self.loaded = False

    def set_html(self, body: str) -> None:
        """Load a whole page (the first time, or when the page is not ready for in-place updates):
        `body` is the root element (view.root), the styles and script come from web/ by URL."""
        self.last_html = body
        self.loaded = False
        self.web.stdHtml(body, context=self, **web.assets(self.controller.mw, *view.ASSETS))
        # AnkiWebView runs evals only once the page's pycmd bridge is up (domDone): the page may
        # send its messages from now on
        self.web.evalWithCallback("window.genaiDash && genaiDash.ready(); 1",
                                  lambda _r: setattr(self, "loaded", True))

    def update(self, cls: str, inner: str) -> None:
        """Replace the page's content in place: the scroll position and the open nodes stay."""
        self.last_html = inner
        self.web.eval(f"window.genaiDash && genaiDash.update({json.dumps(cls)}, {json.dumps(inner)});")

    def fill(self, idx: int, html: str) -> None:
        """Descendants of node `idx`, just opened."""
        self.web.eval(f"window.genaiDash && genaiDash.fill({int(idx)}, {json.dumps(html)});")

    def reject(self) -> None:
        self.controller.dialog_closed(self)
        super().reject()
