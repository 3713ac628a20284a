"""Tools-menu actions for retired notes and misplaced cards (Qt-thin; the logic is lifecycle.py).

"GenAI: retired notes…" opens the Browser on them and offers to delete them; "GenAI: move cards
to their topic decks" moves cards a renamed or merged topic left behind. Both mutate through a
CollectionOp, so Edit → Undo reverts them. After an import that leaves such cards or notes, a
tooltip points to the actions.
"""
from __future__ import annotations

import sys

import aqt

from . import lifecycle
from .common.guard import addon_logger, safe
from .common.menu import install, on, tools_action

_safe = safe("genai-lifecycle")


class LifecycleController:
    def __init__(self, mw) -> None:
        self.mw = mw
        self.log = addon_logger(mw, __name__)
        self.errors: list[str] = []
        self.last_notice = ""

    @on("main_window_did_init")
    @_safe
    def on_main_window_init(self) -> None:
        for label, slot in (("GenAI: retired notes…", self.review_retired),
                            ("GenAI: move cards to their topic decks…", self.offer_moves)):
            tools_action(self.mw, label, slot)

    @_safe
    def review_retired(self, *_args) -> None:
        from aqt.operations import CollectionOp
        from aqt.utils import askUser, tooltip

        nids = lifecycle.retired_note_ids(self.mw.col)
        if not nids:
            tooltip("No retired GenAI notes in this collection.")
            return
        aqt.dialogs.open("Browser", self.mw, search=("nid:" + ",".join(map(str, nids)),))
        if askUser(f"{len(nids)} notes were retired from the GenAI deck (shown in the Browser). "
                   "Delete them with their cards and review history?\n\nEdit → Undo brings them back.",
                   parent=self.mw, defaultno=True):
            CollectionOp(parent=self.mw, op=lambda col: lifecycle.delete_retired(col, nids)) \
                .success(lambda _out: tooltip(f"Deleted {len(nids)} retired notes.")).run_in_background()

    @_safe
    def offer_moves(self, *_args) -> None:
        from aqt.operations import CollectionOp
        from aqt.utils import askUser, tooltip

        moves = lifecycle.misplaced_cards(self.mw.col)
        if not moves.count:
            tooltip("Every GenAI card is in its topic deck.")
            return
        lines = "\n".join(f"  {len(c)} → {deck}" for deck, c in sorted(moves.by_deck.items()))
        if askUser(f"Move {moves.count} cards to their topic decks?\n\n{lines}\n\nEdit → Undo moves them back.",
                   parent=self.mw):
            CollectionOp(parent=self.mw, op=lambda col: lifecycle.move_cards(col, moves)) \
                .success(lambda _out: tooltip(f"Moved {moves.count} cards.")).run_in_background()

    @on("operation_did_execute")
    @_safe
    def on_operation(self, changes, handler) -> None:
        """After an import (notes and decks changed together), point to leftovers once."""
        if not (changes.note_text and changes.deck) or self.mw.col is None:
            return
        from aqt.utils import tooltip

        retired = len(lifecycle.retired_note_ids(self.mw.col))
        moves = lifecycle.misplaced_cards(self.mw.col).count
        parts = ([f"{moves} cards are outside their topic decks"] if moves else []) + \
                ([f"{retired} notes were retired from the deck"] if retired else [])
        notice = "; ".join(parts)
        if notice and notice != self.last_notice:
            tooltip(f"GenAI deck: {notice}. See Tools → GenAI.", period=8000)
        self.last_notice = notice


controller: LifecycleController | None = None  # this window's, set by register()


def register(mw) -> LifecycleController | None:
    """The Tools-menu actions and the after-import notice (once per window, from __init__.py)."""
    return install(sys.modules[__name__], LifecycleController, mw)
