"""Add-on configuration: defaults and validation (pure Python, no Qt).

`config.json` holds the defaults Anki shows in Tools → Add-ons → Config;
`validate()` turns whatever the user typed there into a safe, complete dict, so
a typo never breaks reviewing (bad values fall back to the default).
"""
from __future__ import annotations

import datetime
import re
from typing import Any

DEFAULTS: dict[str, Any] = {
    "panel_side": "right",
    "shortcut": "Ctrl+Shift+L",
    "show_other_explanations": True,
    "show_related": True,
    "show_prerequisites": True,
    "show_origin": True,
    "show_figures": True,
    "max_related": 8,
    "panel_width": 380,
    "dashboard_root": "GenAI",
    "dashboard_days": 30,
    "interview_date": "",
}
SIDES = ("left", "right")
MAX_RELATED_LIMIT = 50
_SHORTCUT = re.compile(r"^(?:(?:Ctrl|Shift|Alt|Meta)\+){0,3}(?:[A-Z0-9]|F(?:[1-9]|1[0-2])|[;,./'\[\]\\=`-])$")


def validate(raw: Any) -> dict[str, Any]:
    """A complete config: every known key with a valid value (unknown keys dropped)."""
    src = raw if isinstance(raw, dict) else {}
    out = dict(DEFAULTS)
    side = src.get("panel_side")
    if isinstance(side, str) and side.lower() in SIDES:
        out["panel_side"] = side.lower()
    sc = src.get("shortcut")
    if isinstance(sc, str) and _SHORTCUT.match(sc.strip()):
        out["shortcut"] = sc.strip()
    for key in ("show_other_explanations", "show_related", "show_prerequisites", "show_origin", "show_figures"):
        if isinstance(src.get(key), bool):
            out[key] = src[key]
    n = src.get("max_related")
    if isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_RELATED_LIMIT:
        out["max_related"] = n
    w = src.get("panel_width")
    if isinstance(w, int) and not isinstance(w, bool) and 200 <= w <= 1200:
        out["panel_width"] = w
    # topic-mastery dashboard (same rules as dashboard.settings)
    root = src.get("dashboard_root")
    if isinstance(root, str) and root.strip().strip(":") and not any(c.isspace() for c in root.strip()):
        out["dashboard_root"] = root.strip().strip(":")
    days = src.get("dashboard_days")
    if isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= 3650:
        out["dashboard_days"] = days
    out["interview_date"] = interview_date(src.get("interview_date"))
    return out


def interview_date(value: Any) -> str:
    """`YYYY-MM-DD` (a real calendar date) as given, else "" (no interview date: no forecast)."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    return ""
