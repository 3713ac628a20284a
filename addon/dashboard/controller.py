"""Topic-mastery dashboard (Qt-thin): a dialog with an AnkiWebView, opened from the Tools menu or
from a link on the deck overview screen.

Data: `stats.compute()` in a background QueryOp (cached in stats; recomputed after reviews and
collection operations while the dialog is open). The page is loaded once; later figures replace its
content in place, so the opened nodes (remembered by tag) and the scroll position stay, and the
descendants of a closed node are sent when it is opened. Actions: "Study" creates or refreshes a filtered
deck for the topic through an undoable CollectionOp; "Browse" opens the browser on the topic.
Messages from the page are `<action>[:<index>]` on the dashboard's channel, parsed strictly by
core/messages.py; topics are referred to by their index in the computed list. The dialog is
dialog.py, the page view.py (+ web/dashboard.*), the study deck study.py.
"""
from __future__ import annotations

import time
from typing import Any

import aqt
from aqt.qt import QAction, QTimer, qconnect

from ..common.guard import accepted, addon_logger, safe
from ..common.jobs import BackgroundJob
from ..common.menu import on, tools_action
from ..core import messages
from ..core import settings as core_settings
from . import readiness, rootscan, stats
from . import view as dashboard_html
from .dialog import DashboardDialog
from .study import make_study_deck, study_deck_name

PROFILE_DATE_KEY = "genai_interview_date"  # the dashboard's interview date, per profile (overrides the config)


_safe = safe("genai-prep dashboard")
OPEN_MESSAGE = messages.encode(messages.DASHBOARD, "open")  # the overview screen's link


class DashboardController:
    def __init__(self, mw) -> None:
        self.mw = mw
        self.log = addon_logger(mw, __name__)
        self.dialog: DashboardDialog | None = None
        self.topics: list[stats.TopicStats] = []
        self.job = BackgroundJob(mw, again=self.refresh)
        self.sort = "weak"
        self.compute_ms: float | None = None
        self.errors: list[str] = []
        self.action: QAction | None = None
        self.last_study: dict[str, Any] | None = None
        self.timer: QTimer | None = None
        self.open_tags: set[str] | None = None  # tree nodes the learner opened (kept across refreshes)
        self.lazy: set[int] = set()  # closed nodes of the current page whose children are not sent yet
        self.forecast_days: int | None = None  # days to the interview date of the figures shown
        self.snapshot: rootscan.Snapshot | None = None  # raw rows of the figures shown (incremental refresh)
        self.answered: list[int] = []  # cards answered since the snapshot (patched in, see rootscan.py)
        self.snapshot_dirty = True  # something else changed since: the next refresh recomputes everything

    @property
    def computing(self) -> bool:
        return self.job.busy

    @property
    def pending(self) -> bool:
        return self.job.pending

    def settings(self) -> tuple[str, int]:
        mgr = getattr(self.mw, "addonManager", None)
        return core_settings.dashboard(mgr.getConfig(__name__) if mgr is not None else None)

    def interview_date(self) -> str:
        """`YYYY-MM-DD` or "": the date set in the dashboard for this profile, else the config's."""
        profile = getattr(self.mw.pm, "profile", None) or {}
        if PROFILE_DATE_KEY in profile:
            return core_settings.interview_date(profile.get(PROFILE_DATE_KEY))
        mgr = getattr(self.mw, "addonManager", None)
        raw = mgr.getConfig(__name__) if mgr is not None else None
        return core_settings.interview_date(raw.get("interview_date") if isinstance(raw, dict) else None)

    def set_interview_date(self, value: str) -> None:
        if getattr(self.mw.pm, "profile", None) is not None:
            self.mw.pm.profile[PROFILE_DATE_KEY] = core_settings.interview_date(value)

    # ------------------------------------------------------------ menu / overview
    @on("main_window_did_init")
    @_safe
    def on_main_window_init(self) -> None:
        self.action = tools_action(self.mw, "GenAI topic mastery", self.open)

    @on("overview_will_render_content")
    @_safe
    def on_overview_render(self, overview, content) -> None:
        content.table += ('<div style="margin-top:8px"><a href="#" id="genai-dash-link" '
                          f'onclick="pycmd(\'{OPEN_MESSAGE}\');return false;">Topic mastery dashboard</a></div>')

    @on("webview_did_receive_js_message")
    def on_js_message(self, handled: tuple[bool, Any], message: str, context: Any) -> tuple[bool, Any]:
        if message == OPEN_MESSAGE:
            from aqt.overview import Overview
            if isinstance(context, Overview):
                self.open()
                return True, None
        return handled

    # ------------------------------------------------------------ dialog
    @_safe
    def open(self, *_args) -> DashboardDialog | None:
        if self.mw.col is None:
            return None
        if self.dialog is None:
            self.dialog = DashboardDialog(self.mw, self)
            self.dialog.set_html(self.render_html(loading=True))
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        self.snapshot_dirty = True
        self.refresh()
        return self.dialog

    def dialog_closed(self, dialog) -> None:
        if dialog is self.dialog:
            self.dialog = None

    def render_html(self, loading: bool = False) -> str:
        """The page's root element with its content (see `show`)."""
        return dashboard_html.root(self._cls(), self.render_inner(loading))

    def render_inner(self, loading: bool = False) -> str:
        root, days = self.settings()
        if loading and not self.topics:
            return "<p>Computing topic statistics…</p>"
        if self.open_tags is None:
            self.open_tags = dashboard_html.default_open(self.topics)
        lazy: set[int] = set()
        date = self.interview_date()
        root_topic = next((t for t in self.topics if t.parent is None), None)
        bar = dashboard_html.interview_bar(date, self.forecast_days, root_topic)
        inner = dashboard_html.render_inner(self.topics, sort=self.sort, days=days, root=root,
                                            computed_ms=self.compute_ms, open_tags=self.open_tags, lazy=lazy,
                                            interview=bar)
        self.lazy = lazy
        return inner

    def _cls(self) -> str:
        from aqt.theme import theme_manager
        return "night" if theme_manager.night_mode else "day"

    def show(self) -> None:
        """Show the current figures: in place when the page is up, else as a new page."""
        if self.dialog is None:
            return
        if self.dialog.loaded:
            self.dialog.update(self._cls(), self.render_inner())
        else:
            self.dialog.set_html(self.render_html())

    @_safe
    def refresh(self, *_args) -> None:
        if self.mw.col is None or self.dialog is None:
            return
        if self.job.busy:  # the job calls refresh() again when done: keep the answers for that run
            self.job.pending = True
            return
        root, days = self.settings()
        date = readiness.parse_date(self.interview_date())
        snap, answered, dirty = self.snapshot, self.answered, self.snapshot_dirty
        self.answered, self.snapshot_dirty = [], False

        def op(col):
            started = time.perf_counter()
            if snap is not None and not dirty and snap.usable(col, root, days, date) \
                    and time.time() - snap.now_s < rootscan.MAX_PATCH_AGE:
                new = snap.after_answer(col, answered)  # only the answered cards' tag strings recomputed
            else:  # statistics and readiness on the interview date, the root's notes found once
                new = rootscan.Snapshot.compute(col, root, days, date, previous=snap)
            self.snapshot = new
            topics, ready = new.topics, new.ready
            ahead = readiness.days_until(col, date) if date is not None else None
            for t in topics:
                r = ready.get(stats.fold(t.tag))
                t.readiness = None if r is None else r.readiness
                t.readiness_advice = "" if r is None else r.advice
            self.forecast_days = ahead
            return topics, (time.perf_counter() - started) * 1000

        self.job.start(op, self._computed, self._failed)

    @_safe
    def _computed(self, result) -> None:
        self.topics, self.compute_ms = result
        self.show()

    def _failed(self, exc: Exception) -> None:
        self.snapshot, self.snapshot_dirty = None, True
        self.errors.append(f"compute: {type(exc).__name__}: {exc}")
        self.log.error("genai-prep dashboard: compute failed: %s", exc)
        if self.dialog is not None:
            self.dialog.set_html(dashboard_html.root(self._cls(), "<p>The topic statistics could not be computed "
                                                     "(details in the add-on log).</p>"))

    def schedule_refresh(self, delay_ms: int = 400) -> None:
        if self.dialog is None:
            return
        if self.timer is None:
            self.timer = QTimer(self.mw)
            self.timer.setSingleShot(True)
            qconnect(self.timer.timeout, self.refresh)
        self.timer.start(delay_ms)

    # ------------------------------------------------------------ hooks: keep it fresh
    @on("operation_did_execute")
    @_safe
    def on_operation(self, changes, handler) -> None:
        if handler is self:
            return
        if changes.card or changes.note or changes.tag or changes.deck or changes.study_queues \
                or changes.browser_table:
            col = self.mw.col
            answered = col is not None and col.undo_status().undo == col.tr.actions_answer_card()
            if not (answered and self.answered):  # anything but the answers on_answer recorded
                self.snapshot_dirty = True
            self.schedule_refresh()

    @on("reviewer_did_answer_card")
    @_safe
    def on_answer(self, reviewer=None, card=None, *_args) -> None:
        if card is not None and getattr(card, "id", None):
            self.answered.append(int(card.id))
        else:
            self.snapshot_dirty = True
        self.schedule_refresh(800)

    @on("profile_will_close")
    @_safe
    def on_profile_close(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog = None
        self.topics = []
        self.snapshot, self.answered, self.snapshot_dirty = None, [], True
        self.open_tags = None
        self.lazy = set()

    # ------------------------------------------------------------ page messages
    @_safe
    def on_message(self, message: str) -> Any:
        action, arg = accepted(self, messages.parse_dashboard, message)
        if action == "refresh":
            self.snapshot_dirty = True  # the learner asked: everything recomputed at this minute
            self.refresh()
        elif action == "sort":
            self.sort = arg
            self.show()
        elif action in ("expand", "collapse"):
            if isinstance(arg, int) and 0 <= arg < len(self.topics):
                self.toggled(arg, action == "expand")
        elif action == "date":
            self.set_interview_date(arg)
            self.refresh()
        elif action == "interview":
            if arg == "all":
                self.study_interview(None)
            elif isinstance(arg, int) and 0 <= arg < len(self.topics):
                self.study_interview(self.topics[arg].tag)
        elif action in ("study", "browse"):
            if not isinstance(arg, int) or not 0 <= arg < len(self.topics):
                return None
            tag = self.topics[arg].tag
            (self.study if action == "study" else self.browse)(tag)
        return None

    def toggled(self, idx: int, opened: bool) -> None:
        """Remember the node's state; send the descendants of a node opened in the page (closing a node
        removes them there, so it is lazy again)."""
        tag = self.topics[idx].tag
        if self.open_tags is None:
            self.open_tags = set()
        if not opened:
            self.open_tags.discard(tag)
            if self.topics[idx].children:
                self.lazy.add(idx)
            return
        self.open_tags.add(tag)
        if idx in self.lazy and self.dialog is not None:
            self.lazy.discard(idx)
            lazy: set[int] = set()
            kids = dashboard_html.render_children(self.topics, idx, self.sort, self.open_tags, lazy)
            self.lazy |= lazy
            self.dialog.fill(idx, kids)

    @_safe
    def study(self, tag: str) -> None:
        self._make_deck(lambda col: make_study_deck(col, tag), {"tag": tag}, study_deck_name(tag),
                        f"Nothing to study in {tag} right now.")

    @_safe
    def study_interview(self, tag: str | None) -> None:
        """The filtered deck of the cards most at risk on the interview date (readiness.make_interview_deck)."""
        from types import SimpleNamespace

        from aqt.utils import tooltip
        date = readiness.parse_date(self.interview_date())
        if date is None:
            tooltip("Set the interview date first.")
            return
        root, _days = self.settings()

        def op(col):
            changes, did = readiness.make_interview_deck(col, root, tag, date)
            return SimpleNamespace(changes=changes, id=did)

        self._make_deck(op, {"tag": tag, "interview": date.isoformat()}, readiness.interview_deck_name(tag),
                        f"Nothing to study for the interview in {tag or root}.")

    def _make_deck(self, op, record: dict, name: str, nothing: str) -> None:
        """Create or refresh a filtered deck through an undoable CollectionOp, then show its overview;
        what happened is kept in `last_study` (read by the GUI tests)."""
        from aqt.operations import CollectionOp
        from aqt.utils import tooltip

        def done(out) -> None:
            self.last_study = {**record, "deck_id": int(out.id), "name": name}
            tooltip(f"Filtered deck ready: {name}")
            self.mw.col.decks.select(out.id)
            self.mw.moveToState("overview")

        def failed(exc: Exception) -> None:
            self.last_study = {**record, "error": str(exc)}
            text = str(exc).lower()
            tooltip(nothing if "no cards" in text or "nothing" in text else f"Could not create the study deck: {exc}")

        CollectionOp(parent=self.dialog or self.mw, op=op).success(done).failure(failed).run_in_background()

    @_safe
    def browse(self, tag: str) -> None:
        from anki.collection import SearchNode
        search = self.mw.col.build_search_string(SearchNode(tag=tag))
        aqt.dialogs.open("Browser", self.mw, search=(search,))


controller: DashboardController | None = None  # this window's, set by register()
