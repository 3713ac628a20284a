"""A background computation that runs once at a time and once more when asked while busy (Qt-thin).

Both features recompute in the background (the panel its link index, the dashboard its figures)
after collection changes that can come in bursts: a request while a run is under way is remembered
and served by one more run when it ends, so the last change is always reflected and runs never
overlap. Results arrive on the main thread (Anki's QueryOp).
"""
from __future__ import annotations

from typing import Any, Callable


class BackgroundJob:
    """`start(op, done, failed)`: run `op(col)` in the background unless a run is under way (then
    `again()` is called once after it); `done(result)` / `failed(exc)` run on the main thread."""

    def __init__(self, mw, again: Callable[[], Any]) -> None:
        self.mw = mw
        self.again = again
        self.busy = False
        self.pending = False

    def start(self, op: Callable[[Any], Any], done: Callable[[Any], Any],
              failed: Callable[[Exception], Any]) -> None:
        if self.busy:
            self.pending = True
            return
        self.busy = True
        from aqt.operations import QueryOp

        def success(result: Any) -> None:
            self.busy = False
            done(result)
            if self.pending:
                self.pending = False
                self.again()

        def failure(exc: Exception) -> None:
            self.busy = False
            failed(exc)

        QueryOp(parent=self.mw, op=op, success=success).failure(failure).run_in_background()
