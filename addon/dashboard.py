"""Topic-mastery dashboard (Qt-thin): a dialog with an AnkiWebView, opened from the Tools menu or
from a link on the deck overview screen.

Data: `stats.compute()` in a background QueryOp (cached in stats; recomputed after reviews and
collection operations while the dialog is open). The page is loaded once; later figures replace its
content in place, so the opened nodes (remembered by tag) and the scroll position stay, and the
descendants of a closed node are sent when it is opened. Actions: "Study" creates or refreshes a filtered
deck for the topic through an undoable CollectionOp; "Browse" opens the browser on the topic.
Messages from the page are `genai-dash:<action>[:<index>]`, parsed strictly by
`dashboard_html.parse_message`; topics are referred to by their index in the computed list.
"""
from __future__ import annotations

import json
import time
from typing import Any

import aqt
from aqt import gui_hooks
from aqt.qt import QAction, QDialog, QDialogButtonBox, QTimer, QVBoxLayout, qconnect

from . import config as config_mod
from . import dashboard_html, readiness, rootscan, stats
from .guard import addon_logger, safe

DEFAULT_ROOT = "GenAI"
DEFAULT_DAYS = 30
DECK_PREFIX = "GenAI study::"
STUDY_LIMIT = 100  # due and learning cards per study deck
STUDY_NEW_LIMIT = 20  # new cards after them
PROFILE_DATE_KEY = "genai_interview_date"  # the dashboard's interview date, per profile (overrides the config)


def settings(raw: Any) -> tuple[str, int]:
    """(root tag, retention window days) from the add-on config; invalid values fall back to defaults."""
    src = raw if isinstance(raw, dict) else {}
    root = src.get("dashboard_root")
    if not (isinstance(root, str) and root.strip().strip(":") and not any(c.isspace() for c in root.strip())):
        root = DEFAULT_ROOT
    days = src.get("dashboard_days")
    if not (isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= 3650):
        days = DEFAULT_DAYS
    return root.strip().strip(":"), days


def study_searches(col, tag: str) -> tuple[str, str]:
    """(due and learning cards of the topic, its new cards): the two filters of the study deck."""
    from anki.collection import SearchNode
    topic = col.build_search_string(SearchNode(tag=tag))
    active = "-is:suspended -is:buried"
    return f"{topic} (is:due OR is:learn) {active}", f"{topic} is:new {active}"


def study_deck_name(tag: str) -> str:
    return DECK_PREFIX + tag.replace("::", " › ")


def make_study_deck(col, tag: str):
    """Create or refresh the filtered deck for `tag` (OpChangesWithId; undoable).

    First filter: the topic's due and learning cards, weakest first — lowest FSRS retrievability
    with FSRS on, shortest interval otherwise (Anki 26.x builds invalid SQL for the retrievability
    order without FSRS, and for relative overdueness with any tag search). Second filter: some of
    the topic's new cards in deck order, so a topic with nothing due still has something to study
    and its coverage grows."""
    from anki.decks import DeckId
    name = study_deck_name(tag)
    existing = col.decks.id_for_name(name)
    deck = col.sched.get_or_create_filtered_deck(deck_id=DeckId(existing or 0))
    deck.name = name
    deck.config.reschedule = True
    while len(deck.config.search_terms) < 2:
        deck.config.search_terms.add()
    del deck.config.search_terms[2:]
    due, new = deck.config.search_terms
    due.search, new.search = study_searches(col, tag)
    due.limit, new.limit = STUDY_LIMIT, STUDY_NEW_LIMIT
    fsrs = bool(col.get_config("fsrs", False))
    due.order = due.RETRIEVABILITY_ASCENDING if fsrs else due.INTERVALS_ASCENDING
    new.order = new.ADDED
    return col.sched.add_or_update_filtered_deck(deck)


_safe = safe("genai-prep dashboard")


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
        """Load a whole page (the first time, or when the page is not ready for in-place updates)."""
        self.last_html = body
        self.loaded = False
        self.web.stdHtml(body, context=self)
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


class DashboardController:
    def __init__(self, mw) -> None:
        self.mw = mw
        self.log = addon_logger(mw, __name__)
        self.dialog: DashboardDialog | None = None
        self.topics: list[stats.TopicStats] = []
        self.computing = False
        self.pending = False
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

    def settings(self) -> tuple[str, int]:
        mgr = getattr(self.mw, "addonManager", None)
        return settings(mgr.getConfig(__name__) if mgr is not None else None)

    def interview_date(self) -> str:
        """`YYYY-MM-DD` or "": the date set in the dashboard for this profile, else the config's."""
        profile = getattr(self.mw.pm, "profile", None) or {}
        if PROFILE_DATE_KEY in profile:
            return config_mod.interview_date(profile.get(PROFILE_DATE_KEY))
        mgr = getattr(self.mw, "addonManager", None)
        raw = mgr.getConfig(__name__) if mgr is not None else None
        return config_mod.interview_date(raw.get("interview_date") if isinstance(raw, dict) else None)

    def set_interview_date(self, value: str) -> None:
        if getattr(self.mw.pm, "profile", None) is not None:
            self.mw.pm.profile[PROFILE_DATE_KEY] = config_mod.interview_date(value)

    # ------------------------------------------------------------ menu / overview
    @_safe
    def on_main_window_init(self) -> None:
        self.action = QAction("GenAI topic mastery", self.mw)
        qconnect(self.action.triggered, self.open)
        self.mw.form.menuTools.addAction(self.action)

    @_safe
    def on_overview_render(self, overview, content) -> None:
        content.table += ('<div style="margin-top:8px"><a href="#" id="genai-dash-link" '
                          'onclick="pycmd(\'genai-dash:open\');return false;">Topic mastery dashboard</a></div>')

    def on_js_message(self, handled: tuple[bool, Any], message: str, context: Any) -> tuple[bool, Any]:
        if message == "genai-dash:open":
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
        """The whole page (see `show`)."""
        return dashboard_html.page(self._cls(), self.render_inner(loading))

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
        if self.computing:
            self.pending = True
            return
        self.computing = True
        root, days = self.settings()
        from aqt.operations import QueryOp

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

        QueryOp(parent=self.mw, op=op, success=self._computed).failure(self._failed).run_in_background()

    @_safe
    def _computed(self, result) -> None:
        self.computing = False
        self.topics, self.compute_ms = result
        self.show()
        if self.pending:
            self.pending = False
            self.refresh()

    def _failed(self, exc: Exception) -> None:
        self.computing = False
        self.snapshot, self.snapshot_dirty = None, True
        self.errors.append(f"compute: {type(exc).__name__}: {exc}")
        self.log.error("genai-prep dashboard: compute failed: %s", exc)
        if self.dialog is not None:
            self.dialog.set_html(dashboard_html.page(self._cls(), "<p>The topic statistics could not be computed "
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

    @_safe
    def on_answer(self, reviewer=None, card=None, *_args) -> None:
        if card is not None and getattr(card, "id", None):
            self.answered.append(int(card.id))
        else:
            self.snapshot_dirty = True
        self.schedule_refresh(800)

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
        parsed = dashboard_html.parse_message(message)
        if parsed is None:
            self.log.warning("genai-prep dashboard: ignored message %r", str(message)[:60])
            return None
        action, arg = parsed
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
        from aqt.operations import CollectionOp
        from aqt.utils import tooltip

        def done(out) -> None:
            self.last_study = {"tag": tag, "deck_id": int(out.id), "name": study_deck_name(tag)}
            tooltip(f"Filtered deck ready: {study_deck_name(tag)}")
            self.mw.col.decks.select(out.id)
            self.mw.moveToState("overview")

        def failed(exc: Exception) -> None:
            self.last_study = {"tag": tag, "error": str(exc)}
            tooltip(f"Nothing to study in {tag} right now." if "no cards" in str(exc).lower()
                    or "nothing" in str(exc).lower() else f"Could not create the study deck: {exc}")

        CollectionOp(parent=self.dialog or self.mw, op=lambda col: make_study_deck(col, tag)) \
            .success(done).failure(failed).run_in_background()

    @_safe
    def study_interview(self, tag: str | None) -> None:
        """The filtered deck of the cards most at risk on the interview date (readiness.make_interview_deck)."""
        from types import SimpleNamespace

        from aqt.operations import CollectionOp
        from aqt.utils import tooltip
        date = readiness.parse_date(self.interview_date())
        if date is None:
            tooltip("Set the interview date first.")
            return
        root, _days = self.settings()
        name = readiness.interview_deck_name(tag)

        def op(col):
            changes, did = readiness.make_interview_deck(col, root, tag, date)
            return SimpleNamespace(changes=changes, id=did)

        def done(out) -> None:
            self.last_study = {"tag": tag, "deck_id": int(out.id), "name": name, "interview": date.isoformat()}
            tooltip(f"Filtered deck ready: {name}")
            self.mw.col.decks.select(out.id)
            self.mw.moveToState("overview")

        def failed(exc: Exception) -> None:
            self.last_study = {"tag": tag, "error": str(exc), "interview": date.isoformat()}
            tooltip(f"Nothing to study for the interview in {tag or root}." if "no cards" in str(exc).lower()
                    else f"Could not create the study deck: {exc}")

        CollectionOp(parent=self.dialog or self.mw, op=op).success(done).failure(failed).run_in_background()

    @_safe
    def browse(self, tag: str) -> None:
        from anki.collection import SearchNode
        search = self.mw.col.build_search_string(SearchNode(tag=tag))
        aqt.dialogs.open("Browser", self.mw, search=(search,))


controller: DashboardController | None = None


def register(mw) -> DashboardController | None:
    """Register the dashboard's hooks (called once from hooks.register())."""
    global controller
    if mw is None or controller is not None:
        return controller
    controller = c = DashboardController(mw)
    gui_hooks.main_window_did_init.append(c.on_main_window_init)
    gui_hooks.overview_will_render_content.append(c.on_overview_render)
    gui_hooks.webview_did_receive_js_message.append(c.on_js_message)
    gui_hooks.operation_did_execute.append(c.on_operation)
    gui_hooks.reviewer_did_answer_card.append(c.on_answer)
    gui_hooks.profile_will_close.append(c.on_profile_close)
    return c
