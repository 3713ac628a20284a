"""The pycmd message codec: what the add-on's webviews send to Python, encoded and parsed here only.

A message is `<channel>:<action>[:<argument>]`. Card templates of any shared deck can call `pycmd`
too, so parsing is strict: a known channel, a known action and an argument of exactly its shape,
anything else is None. Pages get the channel (and the id pattern) from data attributes their HTML
carries (`page_attributes`), so the JavaScript files repeat neither.

- panel (`genai-prep`): `open:<permanent id>`, `browse:<permanent id>`;
- dashboard (`genai-dash`): `study|browse|expand|collapse:<topic index>`, `sort:weak|name`,
  `refresh`, `open` (the overview link), `date:[YYYY-MM-DD]` (empty: clear), `interview:<index>|all`.
"""
from __future__ import annotations

import re
from typing import Any

from .ids import ID_PATTERN

PANEL = "genai-prep"
DASHBOARD = "genai-dash"
_ID_ARG = ID_PATTERN.strip("^$")
_INDEX = r"\d{1,6}"
# channel -> (longest message accepted, {action: argument pattern or None for no argument})
GRAMMAR: dict[str, tuple[int, dict[str, str | None]]] = {
    PANEL: (100, {"open": _ID_ARG, "browse": _ID_ARG}),
    DASHBOARD: (64, {"study": _INDEX, "browse": _INDEX, "expand": _INDEX, "collapse": _INDEX,
                     "sort": "weak|name", "refresh": None, "open": None,
                     "date": r"(?:\d{4}-\d{2}-\d{2})?", "interview": _INDEX + "|all"}),
}


def encode(channel: str, action: str, arg: object = None) -> str:
    return f"{channel}:{action}" + ("" if arg is None else f":{arg}")


def parse(channel: str, message: Any) -> tuple[str, str | None] | None:
    """(action, argument text or None) for a well-formed message of `channel`, else None."""
    longest, actions = GRAMMAR[channel]
    if not isinstance(message, str) or len(message) > longest or not message.startswith(channel + ":"):
        return None
    action, sep, arg = message[len(channel) + 1:].partition(":")
    if action not in actions:
        return None
    pattern = actions[action]
    if pattern is None:
        return (action, None) if not sep else None
    return (action, arg) if sep and re.fullmatch(pattern, arg) else None


def parse_panel(message: Any) -> tuple[str, str] | None:
    """("open"|"browse", permanent id), else None."""
    return parse(PANEL, message)  # type: ignore[return-value]


def parse_dashboard(message: Any) -> tuple[str, object] | None:
    """('study'|'browse'|'expand'|'collapse', index) / ('sort', 'weak'|'name') / ('refresh'|'open', None) /
    ('date', 'YYYY-MM-DD' or '') / ('interview', index or 'all'), else None."""
    parsed = parse(DASHBOARD, message)
    if parsed is None:
        return None
    action, arg = parsed
    if arg is not None and arg.isdigit() and action not in ("date", "sort"):
        return action, int(arg)
    return action, arg


def page_attributes(channel: str) -> str:
    """Attributes for a page's root element: the channel and id pattern its script reads."""
    return f'data-channel="{channel}" data-id-pattern="{ID_PATTERN}"'
