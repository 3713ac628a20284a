#!/usr/bin/env python3
"""Benchmark interview readiness (addon/readiness.py) at scale: a 50,000-card root alone vs the same
root inside a collection of 300,000 cards / 5,000,000 reviews.

"alone": bench_dashboard.py's cached collection (50,000 cards under GenAI, 1,000,000 revlog rows).
"inside": a copy of it plus 250,000 Basic cards tagged under another root (`Other::…`, 1,000 topics)
with 4,000,000 more revlog rows (cached in .cache/bench/ too). Both with FSRS data on every studied card.

Prints, for each (median of 5, uncached):
- readiness.compute(root="GenAI", date 30 days ahead) — per-card forecast and the weighted roll-up,
- the dashboard refresh with an interview date: stats.compute() + readiness.compute() — target <= 1.0 s,
- and the ratio inside / alone — target <= 1.3x.
Run: .venv/bin/python bench/bench_readiness.py [--fsrs] [--rebuild]
"""
import argparse
import datetime as dt
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_dashboard  # noqa: E402

VERSION = "v1"
EXTRA_CARDS = 250_000
EXTRA_REVLOG = 4_000_000
CHUNK = 25_000  # cards per insert batch (keeps memory small)


def build_inside(src: Path, path: Path) -> None:
    from anki.collection import Collection
    shutil.copy(src, path)
    rng = random.Random(7)
    col = Collection(str(path))
    try:
        mid = col.models.by_name("Basic")["id"]
        did = col.decks.id("Default")
        today, now = col.sched.today, int(time.time())
        next_day_ms = col.sched.day_cutoff * 1000
        base = int(time.time() * 1000) * 10 + 10_000_000
        per_card = EXTRA_REVLOG // EXTRA_CARDS
        for start in range(0, EXTRA_CARDS, CHUNK):
            notes, cards, revlog = [], [], []
            for i in range(start, min(EXTRA_CARDS, start + CHUNK)):
                nid = cid = base + i
                tag_str = f" Other::Area{i % 10}::Topic{i % 1000} "
                notes.append((nid, f"other{i}", mid, now, -1, tag_str, f"Other {i}?\x1fA", f"Other {i}?", 0, 0, ""))
                ago = sorted(rng.sample(range(1, 730), per_card), reverse=True)
                for j, a in enumerate(ago):
                    rid = next_day_ms - a * 86_400_000 + (i % 50_000) * 1000 + rng.randrange(1000)
                    revlog.append((rid, cid, -1, rng.choice((1, 3, 3, 3)), 5, 5, 2500, 5000, 1 if j else 0))
                data = json.dumps({"s": round(rng.uniform(1, 90), 2), "d": 5.0, "dr": 0.9, "decay": 0.5})
                cards.append((cid, nid, did, 0, now, -1, 2, 2, today + rng.randrange(-15, 40), rng.randrange(1, 60),
                              2500, per_card, 0, 0, 0, 0, 0, data))

            def write(notes=notes, cards=cards, revlog=revlog):
                col.db.executemany("insert into notes values (?,?,?,?,?,?,?,?,?,?,?)", notes)
                col.db.executemany("insert into cards values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cards)
                col.db.executemany("insert or ignore into revlog values (?,?,?,?,?,?,?,?,?)", revlog)
            col.db.transact(write)
    finally:
        col.close()


def cached_inside(src: Path, rebuild: bool) -> Path:
    path = bench_dashboard.CACHE / f"readiness-inside-{bench_dashboard.VERSION}-{VERSION}.anki2"
    if rebuild or not path.exists():
        tmp = path.with_suffix(".tmp.anki2")
        started = time.perf_counter()
        build_inside(src, tmp)
        tmp.replace(path)
        print(f"built the 300,000-card collection in {time.perf_counter() - started:.1f} s -> {path}")
    return path


def measure(src: Path, fsrs: bool) -> dict:
    from anki.collection import Collection

    from addon.dashboard import readiness, stats
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "collection.anki2"
        shutil.copy(src, path)
        col = Collection(str(path))
        try:
            col.set_config("fsrs", fsrs)
            date = readiness.anki_today(col) + dt.timedelta(days=30)
            readiness.compute(col, "GenAI", date)  # warm the page cache as the dashboard's first run does
            ready_runs, dash_runs = [], []
            for _ in range(5):
                started = time.perf_counter()
                ready = readiness.compute(col, "GenAI", date, use_cache=False)
                ready_runs.append(time.perf_counter() - started)
                started = time.perf_counter()
                stats.compute(col, use_cache=False)
                readiness.compute(col, "GenAI", date, use_cache=False)
                dash_runs.append(time.perf_counter() - started)
            return {"cards": col.db.scalar("select count() from cards"),
                    "revlog": col.db.scalar("select count() from revlog"),
                    "ready": statistics.median(ready_runs), "dash": statistics.median(dash_runs),
                    "root": ready["genai"].readiness}
        finally:
            col.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fsrs", action="store_true", help="FSRS on (forecast from cards.data)")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    alone_src = bench_dashboard.cached_collection(args.rebuild)
    inside_src = cached_inside(alone_src, args.rebuild)
    alone, inside = measure(alone_src, args.fsrs), measure(inside_src, args.fsrs)
    assert alone["root"] == inside["root"], "the other root must not change GenAI's readiness"
    for name, m in (("alone", alone), ("inside", inside)):
        print(f"{name:>6}: {m['cards']:,} cards, {m['revlog']:,} revlog rows, FSRS {'on' if args.fsrs else 'off'}: "
              f"readiness.compute {m['ready'] * 1000:.0f} ms; dashboard refresh with a date "
              f"(stats + readiness) {m['dash'] * 1000:.0f} ms   target <= 1000 ms")
    ratio = inside["dash"] / alone["dash"]
    print(f"inside / alone: readiness {inside['ready'] / alone['ready']:.2f}x, dashboard refresh {ratio:.2f}x"
          f"   target <= 1.3x")
    ok = alone["dash"] <= 1.0 and inside["dash"] <= 1.0 and ratio <= 1.3
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
