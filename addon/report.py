"""Topic-mastery report on the command line (no Qt, no running Anki needed).

    python -m addon.report --collection PATH [--json] [--root TAG] [--days N]

Prints a table of every topic under the root tag (default GenAI; matched like Anki's `tag:` search,
Unicode case-insensitive): card buckets (new, learning, young, mature, suspended, buried; exclusive,
they add up to the cards), % mature, true retention with its review count, retrievability (FSRS or
the interval-based estimate), due and overdue, mastery 0–100 and its 12-week trend. `--json` prints
`{"root", "days", "fsrs", "topics": [{"tag", "cards", "new", ..., "retention", "mastery", ...}]}`
with `retention` a fraction or null.

A missing, locked (open in Anki or another process) or non-collection file gives one line on
stderr and exit status 2, never a traceback. The collection is only read.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path

EXIT_ERROR = 2


class ReportError(Exception):
    pass


def _precheck(path: Path) -> None:
    """Refuse what Anki would choke on or, worse, turn into a new collection."""
    if not path.exists():
        raise ReportError(f"{path}: collection not found")
    if path.is_dir():
        raise ReportError(f"{path}: is a folder, not a collection file (collection.anki2)")
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise ReportError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if head != b"SQLite format 3\x00":
        raise ReportError(f"{path}: not an Anki collection (not an SQLite database)")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5)
        try:
            has_col = con.execute("select 1 from sqlite_master where type = 'table' and name = 'col'").fetchone()
        finally:
            con.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise ReportError(f"{path}: collection is in use by another program (close Anki first)") from None
        return  # let Anki itself decide (e.g. a WAL file needing recovery)
    except sqlite3.DatabaseError:
        raise ReportError(f"{path}: not an Anki collection (damaged or not a database)") from None
    if not has_col:
        raise ReportError(f"{path}: not an Anki collection (no 'col' table)")


def open_collection(path: Path):
    _precheck(path)
    try:
        from anki.collection import Collection
    except ImportError:
        raise ReportError("the 'anki' Python package is not installed (pip install anki)") from None
    try:
        return Collection(str(path))
    except Exception as exc:  # noqa: BLE001 - Anki raises DBError / AnkiException subclasses
        text = f"{type(exc).__name__} {exc}".lower()
        if "locked" in text or "busy" in text or type(exc).__name__ == "DBError" and not str(exc):
            raise ReportError(f"{path}: collection is in use by another program (close Anki first)") from None
        if "too new" in text or "toonew" in text:
            raise ReportError(f"{path}: collection was written by a newer Anki version") from None
        raise ReportError(f"{path}: cannot open the collection ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0][:120] if str(exc) else 'no details'})") from None


FIELDS = ("tag", "name", "depth", "parent", "cards", "new", "learning", "young", "mature", "suspended", "buried",
          "due", "overdue", "reviews", "passed", "retention", "young_reviews", "mature_reviews", "retrievability",
          "knowledge", "r_source", "mature_pct", "coverage", "mastery", "trend", "trend_mature", "trend_seen",
          "children")


def to_json(topics, root: str, days: int, fsrs: bool) -> dict:
    return {"root": root, "days": days, "fsrs": fsrs,
            "topics": [{k: getattr(t, k) for k in FIELDS} for t in topics]}


SPARK = " ▁▂▃▄▅▆▇█"


def sparkline(values) -> str:
    return "".join(SPARK[min(8, max(0, int(round(v / 100 * 8))))] for v in values)


def _safe_text(s: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in s)


def format_table(topics, days: int) -> str:
    head = (f"{'topic':<44} {'cards':>5} {'new':>5} {'lrn':>4} {'young':>5} {'mat':>5} {'susp':>4} "
            f"{'bur':>4} {'due':>4} {'%mat':>5} {'retention':>12} {'R':>5} {'mastery':>7}  trend(12w)")
    lines = [head, "-" * len(head)]
    for t in topics:
        label = _safe_text("  " * t.depth + t.name)
        if len(label) > 44:
            label = label[:43] + "…"
        ret = f"{t.retention * 100:.0f}% ({t.reviews})" if t.retention is not None else "– (0)"
        r = f"{t.retrievability * 100:.0f}%" if t.retrievability is not None else "–"
        lines.append(f"{label:<44} {t.cards:>5} {t.new:>5} {t.learning:>4} {t.young:>5} {t.mature:>5} "
                     f"{t.suspended:>4} {t.buried:>4} {t.due:>4} {t.mature_pct:>5.1f} {ret:>12} {r:>5} "
                     f"{t.mastery:>7.1f}  {sparkline(t.trend)}")
    lines.append(f"retention: Anki's true retention over the last {days} days (reviews in brackets); "
                 f"R: {'FSRS retrievability' if topics and topics[0].r_source == 'fsrs' else 'interval-based estimate'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m addon.report", description="Topic-mastery report of an Anki collection.")
    ap.add_argument("--collection", required=True, help="path to collection.anki2 (close Anki first)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--root", default="GenAI", help="root tag of the topic tree (default GenAI)")
    ap.add_argument("--days", type=int, default=30, help="retention window in days (default 30)")
    args = ap.parse_args(argv)
    if not 1 <= args.days <= 36500:
        print("error: --days must be between 1 and 36500", file=sys.stderr)
        return EXIT_ERROR
    root = args.root.strip().strip(":")
    if not root or any(ch.isspace() for ch in root):
        print("error: --root must be one tag (no spaces)", file=sys.stderr)
        return EXIT_ERROR
    col = None
    try:
        col = open_collection(Path(args.collection).expanduser())
        from . import stats
        topics = stats.compute(col, root=root, days=args.days, use_cache=False)
        fsrs = stats._fsrs_enabled(col)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - never a traceback
        print(f"error: {args.collection}: {type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}",
              file=sys.stderr)
        return EXIT_ERROR
    finally:
        if col is not None:
            try:
                col.close(downgrade=False)
            except Exception:  # noqa: BLE001
                pass
    if args.json:
        text = json.dumps(to_json(topics, root, args.days, fsrs), ensure_ascii=False, indent=1)
    elif not topics:
        text = f"no cards tagged {root} or below"
    else:
        text = format_table(topics, args.days)
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `... | head`: the reader went away; not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
