"""The dock beside the reviewer: one AnkiWebView whose content is swapped by JS (Qt-thin)."""
from __future__ import annotations

import json
from typing import Callable

import aqt
from aqt.qt import QDockWidget, Qt, QWidget
from aqt.webview import AnkiWebView

from ..common import web
from . import view

OBJECT_NAME = "genaiPrepLinksPanel"


class LinksPanel(QDockWidget):
    """Dock widget; `set_content(html)` replaces the page body (no page reload)."""

    def __init__(self, parent: QWidget, on_message: Callable[[str], object], width: int = 380):
        super().__init__("Linked explanations", parent)
        self.setObjectName(OBJECT_NAME)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.web = AnkiWebView(parent=self, title="genai linked explanations")
        self.web.set_bridge_command(on_message, self)
        self.web.stdHtml(view.root_html(), context=self, **web.assets(aqt.mw, *view.ASSETS))
        self.web.setMinimumWidth(200)
        self.setWidget(self.web)
        self.resize(width, self.height())
        self.last_html = ""

    def set_content(self, html: str) -> None:
        if html == self.last_html:
            return
        self.last_html = html
        self.web.eval(f"genaiRender({json.dumps(html)});")

    def area(self, side: str) -> Qt.DockWidgetArea:
        return Qt.DockWidgetArea.LeftDockWidgetArea if side == "left" else Qt.DockWidgetArea.RightDockWidgetArea

    def cleanup(self) -> None:
        self.web.cleanup()
