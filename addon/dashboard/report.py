"""Topic-mastery report on the command line (no Qt, no running Anki needed).

    python -m addon.report --collection PATH [--json] [--root TAG] [--days N] [--interview-date YYYY-MM-DD]

Prints a table of every topic under the root tag (default GenAI; matched like Anki's `tag:` search,
Unicode case-insensitive): card buckets (new, learning, young, mature, suspended, buried; exclusive,
they add up to the cards), % mature, true retention with its review count, retrievability (FSRS or
the interval-based estimate), due and overdue, mastery 0–100 and its 12-week trend. `--json` prints
`{"root", "days", "fsrs", "topics": [{"tag", "cards", "new", ..., "retention", "mastery", ...}]}`
with `retention` a fraction or null. With `--interview-date`, the JSON also has `forecast_date`
(and `forecast_days`, 0 for today or a past date) and per topic `readiness` (frequency-weighted
predicted recall on that date, 0–1 or null) and `readiness_advice`; the table a `ready` column
(readiness.py).

A missing, locked (open in Anki or another process), oversized or non-collection file, or anything
but a regular file, gives one line on stderr and exit status 2, never a traceback. The collection is
only read: the report runs on a private copy in a temporary folder (snapshot.py), so the user's
file, its folder and its modification time stay exactly as they were.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from ..core.settings import DEFAULT_DAYS, DEFAULT_ROOT, days_error, root_tag
from .snapshot import SnapshotError, show, snapshot

EXIT_ERROR = 2


class ReportError(Exception):
    pass


def open_collection(copy: Path, path: Path):
    """Open the private copy `copy` (see snapshot.py) of the user's `path` with Anki."""
    try:
        from anki.collection import Collection
    except ImportError:
        raise ReportError("the 'anki' Python package is not installed (pip install anki)") from None
    name = show(path)
    try:
        return Collection(str(copy))
    except Exception as exc:  # noqa: BLE001 - Anki raises DBError / AnkiException subclasses
        text = f"{type(exc).__name__} {exc}".lower()
        if "too new" in text or "toonew" in text:
            raise ReportError(f"{name}: collection was written by a newer Anki version") from None
        detail = _detail(exc).replace(str(copy), "collection") or "no details"
        raise ReportError(f"{name}: cannot open the collection ({type(exc).__name__}: {detail})") from None


def _detail(exc: BaseException) -> str:
    """The first line of an exception's message, printable and at most 120 characters."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    text = text if text.isprintable() else repr(text)[1:-1]
    return text if len(text) <= 120 else text[:119] + "…"


FIELDS = ("tag", "name", "depth", "parent", "cards", "new", "learning", "young", "mature", "suspended", "buried",
          "due", "overdue", "reviews", "passed", "retention", "young_reviews", "mature_reviews", "retrievability",
          "knowledge", "r_source", "mature_pct", "coverage", "mastery", "trend", "trend_mature", "trend_seen",
          "children")


def to_json(topics, root: str, days: int, fsrs: bool, forecast: tuple | None = None) -> dict:
    """`forecast` = (date, days ahead, {topic key: readiness.Readiness}) or None."""
    out = {"root": root, "days": days, "fsrs": fsrs,
           "topics": [{k: getattr(t, k) for k in FIELDS} for t in topics]}
    if forecast is not None:
        from .stats import fold
        date, ahead, ready = forecast
        out["forecast_date"], out["forecast_days"] = date.isoformat(), ahead
        for t, row in zip(topics, out["topics"]):
            r = ready.get(fold(t.tag))
            row["readiness"] = None if r is None else r.readiness
            row["readiness_advice"] = "" if r is None else r.advice
    return out


SPARK = " ▁▂▃▄▅▆▇█"


def sparkline(values) -> str:
    return "".join(SPARK[min(8, max(0, int(round(v / 100 * 8))))] for v in values)


def _safe_text(s: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in s)


def format_table(topics, days: int, forecast: tuple | None = None) -> str:
    from .stats import fold
    ready = forecast[2] if forecast else None
    head = (f"{'topic':<44} {'cards':>5} {'new':>5} {'lrn':>4} {'young':>5} {'mat':>5} {'susp':>4} "
            f"{'bur':>4} {'due':>4} {'%mat':>5} {'retention':>12} {'R':>5} {'mastery':>7}"
            + (f" {'ready':>5}" if ready is not None else "") + "  trend(12w)")
    lines = [head, "-" * len(head)]
    for t in topics:
        label = _safe_text("  " * t.depth + t.name)
        if len(label) > 44:
            label = label[:43] + "…"
        ret = f"{t.retention * 100:.0f}% ({t.reviews})" if t.retention is not None else "– (0)"
        r = f"{t.retrievability * 100:.0f}%" if t.retrievability is not None else "–"
        lines.append(f"{label:<44} {t.cards:>5} {t.new:>5} {t.learning:>4} {t.young:>5} {t.mature:>5} "
                     f"{t.suspended:>4} {t.buried:>4} {t.due:>4} {t.mature_pct:>5.1f} {ret:>12} {r:>5} "
                     f"{t.mastery:>7.1f}" + (f" {_ready(ready, fold(t.tag)):>5}" if ready is not None else "")
                     + f"  {sparkline(t.trend)}")
    lines.append(f"retention: Anki's true retention over the last {days} days (reviews in brackets); "
                 f"R: {'FSRS retrievability' if topics and topics[0].r_source == 'fsrs' else 'interval-based estimate'}")
    if forecast:
        lines.append(f"ready: frequency-weighted predicted recall on {forecast[0].isoformat()} "
                     f"({forecast[1]} days ahead)")
    return "\n".join(lines)


def _ready(ready: dict, key: str) -> str:
    r = ready.get(key)
    return "–" if r is None or r.readiness is None else f"{r.readiness * 100:.0f}%"


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def _read(path: Path, root: str, days: int, date=None):
    """(topics, fsrs, forecast or None) computed on a private copy of the collection; the user's file is
    only read."""
    from . import readiness, stats
    with snapshot(path) as copy:
        col = open_collection(copy, path)
        try:
            forecast = None
            if date is not None:
                forecast = (date, readiness.days_until(col, date), readiness.compute(col, root, date))
            return stats.compute(col, root=root, days=days, use_cache=False), stats._fsrs_enabled(col), forecast
        finally:
            try:
                col.close(downgrade=False)
            except Exception:  # noqa: BLE001
                pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m addon.report", description="Topic-mastery report of an Anki collection.")
    ap.add_argument("--collection", required=True, help="path to collection.anki2 (close Anki first)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--root", default=DEFAULT_ROOT, help=f"root tag of the topic tree (default {DEFAULT_ROOT})")
    ap.add_argument("--days", type=int, default=DEFAULT_DAYS, help=f"retention window in days (default {DEFAULT_DAYS})")
    ap.add_argument("--interview-date", metavar="YYYY-MM-DD",
                    help="forecast: readiness per topic on this date (today's values for a past date)")
    args = ap.parse_args(argv)
    date = None
    if args.interview_date is not None:
        from .readiness import parse_date
        date = parse_date(args.interview_date)
        if date is None:
            print(f"error: --interview-date {repr(args.interview_date[:80])}: expected a date YYYY-MM-DD",
                  file=sys.stderr)
            return EXIT_ERROR
    if days_error(args.days):
        print(f"error: {days_error(args.days)}", file=sys.stderr)
        return EXIT_ERROR
    root = root_tag(args.root)
    if root is None:
        print("error: --root must be one tag (no spaces)", file=sys.stderr)
        return EXIT_ERROR
    path = Path(args.collection).expanduser()
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)  # `finally` still removes the private copy
    except (ValueError, OSError):  # not the main thread
        previous = None
    try:
        topics, fsrs, forecast = _read(path, root, args.days, date)
    except (ReportError, SnapshotError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - never a traceback
        print(f"error: {show(path)}: {type(exc).__name__}: {_detail(exc)}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if args.json:
        text = json.dumps(to_json(topics, root, args.days, fsrs, forecast), ensure_ascii=False, indent=1)
    elif not topics:
        text = f"no cards tagged {show(root)} or below"
    else:
        text = format_table(topics, args.days, forecast)
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `... | head`: the reader went away; not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
