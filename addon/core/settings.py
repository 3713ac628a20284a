"""The add-on's settings: one schema, one validator, used by the panel, the dashboard and the report CLI.

Defaults are `config.json` (what Anki shows in Tools → Add-ons → Config; read here, not repeated);
`validate()` turns whatever the user typed there into a safe, complete dict, so a typo never breaks
reviewing (a bad value falls back to its default). The report CLI checks its options with the same
per-setting checks and says which limit a bad value broke.
"""
from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any, Callable

CONFIG_PATH = Path(__file__).resolve().parents[1] / "config.json"
DEFAULTS: dict[str, Any] = json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
DEFAULT_ROOT: str = DEFAULTS["dashboard_root"]
DEFAULT_DAYS: int = DEFAULTS["dashboard_days"]
SIDES = ("left", "right")
# inclusive limits of the integer settings
LIMITS = {"max_related": (0, 50), "panel_width": (200, 1200), "dashboard_days": (1, 3650)}
SWITCHES = ("show_other_explanations", "show_related", "show_prerequisites", "show_origin", "show_figures")
_SHORTCUT = re.compile(r"^(?:(?:Ctrl|Shift|Alt|Meta)\+){0,3}(?:[A-Z0-9]|F(?:[1-9]|1[0-2])|[;,./'\[\]\\=`-])$")


def panel_side(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) and value.lower() in SIDES else None


def shortcut(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and _SHORTCUT.match(value.strip()) else None


def switch(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def integer(key: str) -> Callable[[Any], int | None]:
    low, high = LIMITS[key]
    return lambda value: value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high \
        else None


def root_tag(value: Any) -> str | None:
    """One tag (no spaces), without leading/trailing `::`; None when empty or not a tag."""
    if not isinstance(value, str):
        return None
    tag = value.strip().strip(":")
    return tag if tag and not any(c.isspace() for c in tag) else None


def root_or_default(root: str | None) -> str:
    """The dashboard root a caller passed, without surrounding spaces or `::`; the default when empty."""
    return (root or DEFAULT_ROOT).strip().strip(":") or DEFAULT_ROOT


def interview_date(value: Any) -> str:
    """`YYYY-MM-DD` (a real calendar date) as given, else "" (no interview date: no forecast)."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    return ""


CHECKS: dict[str, Callable[[Any], Any]] = {
    "panel_side": panel_side, "shortcut": shortcut,
    **{key: switch for key in SWITCHES},
    **{key: integer(key) for key in LIMITS},
    "dashboard_root": root_tag,
    "interview_date": lambda v: interview_date(v) or None,
}


def validate(raw: Any) -> dict[str, Any]:
    """A complete config: every known key with a valid value (unknown keys dropped)."""
    src = raw if isinstance(raw, dict) else {}
    out = dict(DEFAULTS)
    for key, check in CHECKS.items():
        value = check(src.get(key))
        if value is not None:
            out[key] = value
    return out


def dashboard(raw: Any) -> tuple[str, int]:
    """(root tag, retention window days) of the dashboard from the add-on config."""
    cfg = validate(raw)
    return cfg["dashboard_root"], cfg["dashboard_days"]


def days_error(days: int) -> str | None:
    """The report CLI's message for a retention window outside the limits, else None."""
    low, high = LIMITS["dashboard_days"]
    return None if low <= days <= high else f"--days must be between {low} and {high}"
