"""Preview of a linked question: Anki's own card previewer, both sides, plus "Open in Browser" (Qt-thin)."""
from __future__ import annotations

from typing import Callable

import aqt
from anki.cards import Card
from aqt.browser.previewer import Previewer
from aqt.qt import QDialogButtonBox, qconnect


class LinkedPreviewer(Previewer):
    """Shows one card with both sides; `search` selects its note in the Browser."""

    def __init__(self, mw, card: Card, search: str | None, on_close: Callable[[], None] | None = None):
        self._fixed_card = card
        self._search = search
        super().__init__(parent=None, mw=mw, on_close=on_close or (lambda: None))

    def card(self) -> Card | None:
        return self._fixed_card

    def card_changed(self) -> bool:
        return False

    def _create_gui(self) -> None:
        super()._create_gui()
        self._show_both_sides = True  # question and answer at once, without touching the user's preference
        self.setWindowTitle("Linked question — preview")
        self.browser_button = self.bbox.addButton("Open in Browser", QDialogButtonBox.ButtonRole.ActionRole)
        self.browser_button.setAutoDefault(False)
        self.browser_button.setEnabled(bool(self._search))
        qconnect(self.browser_button.clicked, self.open_in_browser)

    def open_in_browser(self) -> None:
        if not self._search:
            return
        browser = aqt.dialogs.open("Browser", self.mw)
        browser.search_for(self._search)
