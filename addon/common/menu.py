"""Menu actions and hook registration of the add-on's features (Qt-thin).

A controller method marked `@on("<hook>")` is appended to `aqt.gui_hooks.<hook>` by `install()`
(`@on("anki:<hook>")`: to `anki.hooks.<hook>`), so the hooks a feature listens to are written next
to their handlers, not in a list elsewhere.
"""
from __future__ import annotations

from typing import Any, Callable


def tools_action(mw, label: str, slot: Callable, shortcut: str | None = None, checkable: bool = False):
    """A Tools-menu action calling `slot`."""
    from aqt.qt import QAction, QKeySequence, qconnect
    action = QAction(label, mw)
    action.setCheckable(checkable)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    qconnect(action.triggered, slot)
    mw.form.menuTools.addAction(action)
    return action


def on(*hooks: str) -> Callable:
    """Mark a controller method as the handler of the named `aqt.gui_hooks` hooks ("anki:<name>": a
    hook of `anki.hooks`)."""
    def mark(fn: Callable) -> Callable:
        fn.gui_hooks = hooks  # type: ignore[attr-defined]
        return fn
    return mark


def install(module: Any, cls: type, mw, web_assets: bool = False) -> Any:
    """Create a feature's controller once per window as `module.controller` (where the GUI tests
    find it), export the web assets if it uses them, and append its marked methods to their hooks."""
    if mw is None or module.controller is not None:
        return module.controller
    from anki import hooks as anki_hooks
    from aqt import gui_hooks
    if web_assets:
        from . import web
        web.export(mw)
    module.controller = controller = cls(mw)
    for name in dir(cls):
        for hook in getattr(getattr(cls, name), "gui_hooks", ()):
            kind, _, hook_name = hook.rpartition(":")
            getattr(anki_hooks if kind == "anki" else gui_hooks, hook_name).append(getattr(controller, name))
    return controller
