#!/usr/bin/env python3
"""Benchmark the topic-mastery dashboard data (addon/stats.py) on a large synthetic collection.

Collection: 50,000 notes / cards (Basic), 305 topics in 3 levels under GenAI (5 × 6 × 9 leaves, each
note tagged with one or two leaves), 1,000,000 revlog rows spread over two years (about 25 reviews
for each of 40,000 studied cards; 10,000 cards stay new), inserted with executemany inside
`col.db.transact`; the collection's creation date is set 800 days back so that every day number
is positive, as in a real collection with that much history. The built file is cached in .cache/bench/ under a version key, so reruns only
copy it.

Prints
- full dashboard data time: `stats.compute()` uncached (median of 5; first run too) — target <= 1.0 s,
- its ratio to one bare SQL pass over revlog joined with cards on the same collection — target <= 2x,
- its speed-up over calling `col._backend.graphs(search="tag:X")` once per topic — target >= 10x
  (graphs() is timed on a sample of topics and extrapolated to all of them, as stated in the output),
- peak extra memory of compute(): tracemalloc peak (Python allocations) and the ru_maxrss growth of
  the process (includes SQLite's page cache) — target <= 200 MB.
Run: .venv/bin/python bench/bench_dashboard.py [--fsrs] [--sample 20] [--rebuild]
"""
import argparse
import json
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VERSION = "v2"
CACHE = ROOT / ".cache" / "bench"
N_CARDS = 50_000
N_NEW = 10_000
N_REVLOG = 1_000_000
L1, L2, L3 = 5, 6, 9
DAY_MS = 86_400_000


def leaves() -> list[str]:
    return [f"GenAI::Area{a}::Field{a}_{b}::Topic{a}_{b}_{c}" for a in range(L1) for b in range(L2) for c in range(L3)]


def build(path: Path) -> None:
    from anki.collection import Collection

    rng = random.Random(42)
    col = Collection(str(path))
    col.crt = int(time.time()) - 800 * 86400  # created before the two years of history: days >= 0
    col.close()
    col = Collection(str(path))
    try:
        mid = col.models.by_name("Basic")["id"]
        did = col.decks.id("Default")
        today = col.sched.today
        next_day_ms = col.sched.day_cutoff * 1000
        now = int(time.time())
        tags = leaves()
        base = int(time.time() * 1000) * 10
        notes, cards, revlog = [], [], []
        per_card = N_REVLOG // (N_CARDS - N_NEW)
        for i in range(N_CARDS):
            nid = cid = base + i
            chosen = rng.sample(tags, 1 if rng.random() < 0.7 else 2)
            tag_str = " " + " ".join(chosen) + " kind::qa "
            front = f"Synthetic question {i}?"
            notes.append((nid, f"bench{i}", mid, now, -1, tag_str, f"{front}\x1fAnswer {i}", front, 0, 0, ""))
            if i < N_NEW:
                cards.append((cid, nid, did, 0, now, -1, 0, 0, i, 0, 0, 0, 0, 0, 0, 0, 0, ""))
                continue
            days = sorted(rng.sample(range(1, 730), per_card), reverse=True)  # days ago, oldest first
            last_ivl = 0
            lapses = 0
            for j, ago in enumerate(days):
                gap = (days[j] - days[j + 1]) if j + 1 < len(days) else rng.randrange(1, 120)
                ease = 1 if rng.random() < 0.13 else rng.choice((2, 3, 3, 3, 4))
                rtype = 0 if j == 0 else (2 if ease == 1 and rng.random() < 0.3 else 1)
                rid = next_day_ms - ago * DAY_MS + (i % 50_000) * 1000 + rng.randrange(1000)
                revlog.append((rid, cid, -1, ease, gap, last_ivl, 2500, rng.randrange(2000, 20000), rtype))
                lapses += ease == 1
                last_ivl = gap
            ivl = last_ivl
            ctype, queue = (2, 2) if rng.random() < 0.9 else (3, 1)
            due = today + rng.randrange(-15, 40) if queue == 2 else now + rng.randrange(-3600, 3600)
            if rng.random() < 0.03:
                queue = -1
            data = json.dumps({"s": round(ivl * rng.uniform(0.6, 1.6), 2) + 0.5, "d": round(rng.uniform(2, 9), 2),
                               "dr": 0.9, "decay": 0.5})
            cards.append((cid, nid, did, 0, now, -1, ctype, queue, due, ivl, 2500, len(days), lapses, 0, 0, 0, 0,
                          data))

        def write():
            col.db.executemany("insert into notes values (?,?,?,?,?,?,?,?,?,?,?)", notes)
            col.db.executemany("insert into cards values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cards)
            col.db.executemany("insert or ignore into revlog values (?,?,?,?,?,?,?,?,?)", revlog)
            col.db.executemany("insert or ignore into tags (tag, usn, collapsed, config) values (?, -1, 0, null)",
                               [(t,) for t in set(tags) | {"kind::qa"}])
        col.db.transact(write)
    finally:
        col.close()


def cached_collection(rebuild: bool) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"dashboard-{VERSION}.anki2"
    if rebuild or not path.exists():
        tmp = CACHE / f"dashboard-{VERSION}.tmp.anki2"
        for p in CACHE.glob(f"dashboard-{VERSION}.tmp.anki2*"):
            p.unlink()
        started = time.perf_counter()
        build(tmp)
        tmp.replace(path)
        print(f"built synthetic collection in {time.perf_counter() - started:.1f} s -> {path}")
    return path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fsrs", action="store_true", help="turn FSRS on (retrievability from cards.data)")
    ap.add_argument("--sample", type=int, default=20, help="topics on which graphs() is timed")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    from anki.collection import Collection

    from addon.dashboard import stats

    src = cached_collection(args.rebuild)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "collection.anki2"
        shutil.copy(src, path)
        col = Collection(str(path))
        try:
            if args.fsrs:
                col.set_config("fsrs", True)
            n_cards = col.db.scalar("select count() from cards")
            n_rev = col.db.scalar("select count() from revlog")

            started = time.perf_counter()
            topics = stats.compute(col, use_cache=False)
            first = time.perf_counter() - started
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                topics = stats.compute(col, use_cache=False)
                runs.append(time.perf_counter() - started)
            full = statistics.median(runs)
            stats.compute(col)  # fills the cache
            started = time.perf_counter()
            stats.compute(col)
            cached = time.perf_counter() - started

            bare_runs = []
            for _ in range(5):
                started = time.perf_counter()
                col.db.first("select count(), sum(r.ease), sum(c.ivl) from revlog r join cards c on c.id = r.cid")
                bare_runs.append(time.perf_counter() - started)
            bare = statistics.median(bare_runs)

            rng = random.Random(1)
            sample = rng.sample(topics, min(args.sample, len(topics)))
            started = time.perf_counter()
            for t in sample:
                col._backend.graphs(search=f'"tag:{t.tag}"', days=30)
            per_graph = (time.perf_counter() - started) / len(sample)
            graphs_all = per_graph * len(topics)

            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()
            stats.compute(col, use_cache=False)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
        finally:
            col.close()

    root = next(t for t in topics if t.tag == "GenAI")
    print(f"collection: {n_cards:,} cards, {n_rev:,} revlog rows, {len(topics)} topics "
          f"(3 levels under GenAI), FSRS {'on' if args.fsrs else 'off'}")
    print(f"root: mastery {root.mastery}, retention {root.retention} over {root.reviews} reviews, "
          f"R {root.retrievability} ({root.r_source})")
    print(f"full dashboard data (stats.compute, uncached): median {full * 1000:.0f} ms of 5 "
          f"(first run {first * 1000:.0f} ms; cached {cached * 1000:.1f} ms)   target <= 1000 ms")
    print(f"bare SQL pass over revlog joined with cards: {bare * 1000:.0f} ms -> ratio {full / bare:.2f}x"
          f"   target <= 2x")
    print(f"graphs() per topic: {per_graph * 1000:.1f} ms (timed on {len(sample)} topics, extrapolated to "
          f"{len(topics)}: {graphs_all:.1f} s) -> speed-up {graphs_all / full:.1f}x   target >= 10x")
    print(f"peak extra memory of compute(): tracemalloc {peak / 2**20:.1f} MB, ru_maxrss growth "
          f"{rss_growth:.1f} MB   target <= 200 MB")
    ok = full <= 1.0 and full / bare <= 2 and graphs_all / full >= 10 and max(peak / 2**20, rss_growth) <= 200
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
