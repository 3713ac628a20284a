"""The panel's controller: the glue between Anki's reviewer and the plain modules (Qt-thin).

`register()` (from the package's register()) creates it and appends its handlers to Anki's hooks.
Every handler is wrapped by `_safe`: an exception is logged and shown as a short message in the
panel, and never reaches the reviewer. The link index is rebuilt in the background after changes.
"""
from __future__ import annotations

from typing import Any

from aqt.qt import QAction, qconnect

from ..common.guard import accepted, addon_logger, safe
from ..common.jobs import BackgroundJob
from ..common.menu import on, tools_action
from ..core import settings as config_mod
from . import link_update, links
from . import view as panel_html

PROFILE_KEY = "genai_prep_panel_visible"
ERROR_MESSAGE = "The linked-explanations panel hit an error (details in the add-on log). Reviewing is not affected."


def _show_error(controller: "Controller") -> None:
    if controller.panel is not None:
        controller.panel.set_content(panel_html.render_error(ERROR_MESSAGE))


_safe = safe("genai-prep", on_error=_show_error)


class Controller:
    """State of the add-on in one Anki window: config, index, dock, current card."""

    def __init__(self, mw) -> None:
        self.mw = mw
        self.log = addon_logger(mw, __name__)
        self.index: links.LinkIndex | None = None
        self.job = BackgroundJob(mw, again=self.rebuild_index)
        self.panel = None
        self.action: QAction | None = None
        self.current: tuple[Any, str] | None = None  # (card, side)
        self.last_data: links.PanelData | None = None
        self.last_seconds = 0.0
        self.errors: list[str] = []
        self.previewers: list[Any] = []
        self.tracker = link_update.EditTracker()  # notes edited since the last operation (link_update.py)

    @property
    def building(self) -> bool:
        return self.job.busy

    # ------------------------------------------------------------ config / visibility
    def cfg(self) -> dict:
        return config_mod.validate(self.mw.addonManager.getConfig(__name__))

    def wanted_visible(self) -> bool:
        profile = getattr(self.mw.pm, "profile", None) or {}
        return bool(profile.get(PROFILE_KEY, True))

    def set_wanted_visible(self, visible: bool) -> None:
        if getattr(self.mw.pm, "profile", None) is not None:
            self.mw.pm.profile[PROFILE_KEY] = bool(visible)

    # ------------------------------------------------------------ setup
    @on("main_window_did_init")
    @_safe
    def on_main_window_init(self) -> None:
        self.action = tools_action(self.mw, "GenAI linked explanations", self.toggle, self.cfg()["shortcut"],
                                   checkable=True)

    def ensure_panel(self):
        if self.panel is None:
            from .dock import LinksPanel
            cfg = self.cfg()
            self.panel = LinksPanel(self.mw, self.on_message, cfg["panel_width"])
            self.mw.addDockWidget(self.panel.area(cfg["panel_side"]), self.panel)
            self.panel.hide()
            qconnect(self.panel.visibilityChanged, self._on_dock_visibility)
        return self.panel

    def _on_dock_visibility(self, visible: bool) -> None:
        # the dock's own close button: remember that the learner closed it
        if not visible and self.mw.state == "review" and self.panel is not None and not self.panel.isVisible() \
                and not getattr(self, "_hiding", False):
            self.set_wanted_visible(False)
        if self.action is not None:
            self.action.setChecked(self.wanted_visible())

    def _apply_visibility(self) -> None:
        show = self.mw.state == "review" and self.wanted_visible()
        if show:
            panel = self.ensure_panel()
            if not panel.isVisible():
                panel.show()
                from aqt.qt import Qt
                self.mw.resizeDocks([panel], [self.cfg()["panel_width"]], Qt.Orientation.Horizontal)
        elif self.panel is not None:
            self._hiding = True
            try:
                self.panel.hide()
            finally:
                self._hiding = False
        if self.action is not None:
            self.action.setChecked(self.wanted_visible())

    @_safe
    def toggle(self, *_args) -> None:
        self.set_wanted_visible(not self.wanted_visible())
        self._apply_visibility()
        if self.panel is not None and self.panel.isVisible():
            self.refresh()

    # ------------------------------------------------------------ index
    @_safe
    def rebuild_index(self) -> None:
        if self.mw.col is not None:
            self.job.start(link_update.build_live_index, self._index_built, self._index_failed)

    @_safe
    def _index_built(self, index: links.LinkIndex) -> None:
        self.index = index
        self.log.info("genai-prep: index of %d questions built in %.3f s", len(index), index.build_seconds)
        self.refresh()

    def _index_failed(self, exc: Exception) -> None:
        self.errors.append(f"index: {type(exc).__name__}: {exc}")
        self.log.error("genai-prep: index build failed: %s", exc)

    # ------------------------------------------------------------ hooks
    @on("profile_did_open")
    @_safe
    def on_profile_open(self) -> None:
        self.index = None
        self.rebuild_index()
        if self.action is not None:
            self.action.setChecked(self.wanted_visible())

    @on("profile_will_close")
    @_safe
    def on_profile_close(self) -> None:
        self.index = None
        self.current = None
        if self.panel is not None:
            self.panel.hide()
            self.mw.removeDockWidget(self.panel)
            self.panel.cleanup()
            self.panel.deleteLater()
            self.panel = None

    @on("state_did_change")
    @_safe
    def on_state_change(self, new_state: str, old_state: str) -> None:
        self._apply_visibility()

    @on("operation_did_execute")
    @_safe
    def on_operation(self, changes, handler) -> None:
        edited = self.tracker.take(self.mw.col) if self.mw.col is not None else None
        if changes.note or changes.note_text or changes.notetype:
            if edited is not None and not changes.notetype and not self.building \
                    and isinstance(self.index, link_update.LiveIndex):
                link_update.update_index(self.mw.col, self.index, edited)  # a few ms: on the main thread
                self.refresh()
            else:
                self.rebuild_index()

    @on("anki:note_will_flush")
    @_safe
    def on_note_flush(self, note) -> None:
        self.tracker.on_flush(note)  # the notes behind an edit, for the incremental index update

    @on("anki:notes_will_be_deleted")
    @_safe
    def on_notes_deleted(self, col, nids) -> None:
        self.tracker.on_deleted(col, nids)

    @on("sync_did_finish")
    @_safe
    def on_sync_finished(self) -> None:
        self.rebuild_index()

    @on("reviewer_did_show_question")
    @_safe
    def on_show_question(self, card) -> None:
        self.current = (card, "question")
        self.refresh()

    @on("reviewer_did_show_answer")
    @_safe
    def on_show_answer(self, card) -> None:
        self.current = (card, "answer")
        self.refresh()

    @_safe
    def refresh(self) -> None:
        """Render the panel for the current card: a few indexed lookups, done on the main thread."""
        self._apply_visibility()
        if self.panel is None or not self.panel.isVisible() or self.current is None or self.mw.col is None:
            return
        card, side = self.current
        if self.index is None:
            self.panel.set_content(panel_html.render_error("Indexing the linked questions…"))
            if not self.building:
                self.rebuild_index()
            return
        import time
        started = time.perf_counter()
        cfg = self.cfg()
        data = links.panel_data(self.mw.col, self.index, card.note(), side, cfg["max_related"], cfg["dashboard_root"])
        self.panel.set_content(panel_html.render(data, cfg))
        self.last_data = data
        self.last_seconds = time.perf_counter() - started
        if self.index.stale and not self.building:
            self.rebuild_index()

    # ------------------------------------------------------------ clicks in the panel
    @_safe
    def on_message(self, message: str) -> Any:
        action, qid = accepted(self, links.parse_pycmd, message)
        if action == "open":
            self.open_preview(qid)
        return None

    @_safe
    def open_preview(self, qid: str):
        """Preview the Q&A note with permanent id `qid` (the code path a click takes)."""
        from aqt.utils import tooltip

        from .preview import LinkedPreviewer
        if self.index is None or self.mw.col is None:
            tooltip("The linked questions are still being indexed.")
            return None
        nid = links.find_qa_note_id(self.mw.col, self.index, qid)
        if nid is None:
            tooltip(f"{qid}: unavailable (deleted or changed)")
            if self.index.stale:
                self.rebuild_index()
            return None
        cards = self.mw.col.get_note(nid).cards()
        if not cards:
            return None
        previewer = LinkedPreviewer(self.mw, cards[0], links.browser_search(self.index, qid),
                                    on_close=lambda: self._forget(previewer))
        self.previewers.append(previewer)
        previewer.open()
        return previewer

    def _forget(self, previewer) -> None:
        if previewer in self.previewers:
            self.previewers.remove(previewer)


controller: Controller | None = None  # this window's, set by register()
