"""Error containment shared by the add-on's controllers (Qt-free apart from reading `mw`).

An add-on bug must never break reviewing or the main window: every Qt/hook handler is wrapped by
`safe(...)`, which records the error on the controller (`self.errors`, read by the GUI tests), logs
it to the add-on's log and lets the controller show it its own way.
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Callable


def addon_logger(mw, name: str) -> logging.Logger:
    """Anki's per-add-on logger (the add-on's log file) when available, else a plain logger."""
    mgr = getattr(mw, "addonManager", None)
    if mgr is not None and hasattr(mgr, "get_logger"):
        return mgr.get_logger(name)
    return logging.getLogger(name)


def safe(label: str, on_error: Callable[[Any], None] | None = None) -> Callable:
    """Decorator for controller methods: exceptions are recorded, logged and swallowed (-> None).

    The controller needs `errors` (a list) and `log`; `on_error(self)` may show a short message,
    and its own failure is ignored."""
    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(self, *args: Any, **kwargs: Any):
            try:
                return fn(self, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - contained on purpose, see the module docstring
                self.errors.append(f"{fn.__name__}: {type(exc).__name__}: {exc}")
                self.log.exception("%s: %s failed", label, fn.__name__)
                if on_error is not None:
                    try:
                        on_error(self)
                    except Exception:  # noqa: BLE001
                        pass
                return None
        return wrapper
    return decorate


def accepted(controller: Any, parse: Callable[[Any], Any], message: Any) -> tuple[Any, Any]:
    """(action, argument) = `parse(message)`; a message it refuses (any page, even a shared deck's card,
    can call pycmd) is logged on the controller and ignored: (None, None)."""
    parsed = parse(message)
    if parsed is None:
        controller.log.warning("genai-prep: ignored message %r", str(message)[:60])
        return None, None
    return parsed
