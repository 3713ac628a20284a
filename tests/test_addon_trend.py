"""The topic roll-up and the 12-week mastery trend of addon/dashboard/stats.py.

- `_Tree` weights: random tag sets over a small tree, rolled up, must equal a brute-force count of the
  topics each row belongs to (a note with several tags under one topic counts once there).
- The trend replays real history: cards answered through the v3 scheduler at chronological, backdated
  times over the last 14 weeks (Again / Hard / Good / Easy, relearning, repeats on one day). At each
  weekly boundary the mature and seen counts must equal the state given by each card's last review
  before that boundary, and the mastery points must equal the formula on a row-by-row recomputation
  of the 4-week true retention before it.
"""
from __future__ import annotations

import random
import time

import pytest
from anki.collection import Collection, SearchNode
from anki.scheduler.v3 import CardAnswer

from addon.dashboard import stats

from test_addon_stats import answer, counts_for_retention, import_package

DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS


def brute_topics(tags: str, root: str) -> set[str]:
    out = set()
    for tag in tags.split():
        parts = tag.lower().split("::")
        depth = root.count("::") + 1
        if "::".join(parts[:depth]) != root.lower():
            continue
        out.update("::".join(parts[:i]) for i in range(depth, len(parts) + 1))
    return out


@pytest.mark.parametrize("root", ["GenAI", "GenAI::A"])
def test_tree_roll_up_counts_each_row_once_per_topic(root):
    rng = random.Random(5)
    nodes = ["GenAI", "GenAI::A", "GenAI::A::x", "GenAI::A::x::deep", "GenAI::A::y", "GenAI::B", "GenAI::B::z",
             "genai::a::X", "GenAI::Ab", "GenAI::A-b", "GenAIx::no", "other::GenAI::A", "GenAI::B::z"]
    rows, expected = [], {}
    for i in range(400):
        tags = " " + " ".join(rng.sample(nodes, rng.randint(0, 4))) + " "
        vec = [rng.randint(0, 9), rng.randint(-3, 3), rng.choice([None, 1, 7])]
        rows.append([tags] + vec)
        for key in brute_topics(tags, root):
            cur = expected.setdefault(key, [0, 0, 0])
            for j, v in enumerate(vec):
                cur[j] += v or 0
    tree = stats._Tree(root.lower())
    got = tree.roll_up(rows, 3)
    assert got == expected
    assert set(tree.spelling) == set(expected)
    assert tree.spelling["genai::a::x"] in ("GenAI::A::x", "genai::a::X")  # first spelling seen wins


@pytest.fixture(scope="module")
def chrono_col(built_package, tmp_path_factory):
    """A fresh import, then ~50 cards answered in time order at backdated moments of the last 14 weeks."""
    dist, _, _ = built_package
    col = Collection(str(tmp_path_factory.mktemp("trend-col") / "collection.anki2"))
    import_package(col, dist)
    rng = random.Random(17)
    multi = [c for c in col.find_cards("tag:GenAI::* -tag:kind::image")
             if sum(t.lower().startswith("genai::") for t in col.get_card(c).note().tags) > 1]
    single = list(col.find_cards("(tag:GenAI::Transformers* OR tag:GenAI::RAG*) -tag:kind::image"))
    cids = list(dict.fromkeys(rng.sample(multi, 20) + rng.sample(single, 30)))
    now_ms = int(time.time() * 1000)
    weights = [0.15, 0.1, 0.45, 0.3]
    for n, cid in enumerate(cids):
        at = now_ms - rng.randrange(70, 98) * DAY_MS + n * 1000
        for _ in range(rng.randint(1, 9)):
            rating = rng.choices([CardAnswer.AGAIN, CardAnswer.HARD, CardAnswer.GOOD, CardAnswer.EASY], weights)[0]
            answer(col, cid, rating, at)
            if rng.random() < 0.15:  # a repeat the same day: not a first review of the day
                answer(col, cid, rng.choice([CardAnswer.AGAIN, CardAnswer.GOOD]), at + 60_000)
                at += 60_000
            at += rng.randrange(1, 20) * DAY_MS
            if at >= now_ms - DAY_MS:
                break
    col.sched.suspend_cards(cids[:4])
    yield col
    col.close()


def naive_points(col, tag: str) -> list[tuple[int, int, int, int]]:
    """(mature, seen, retention passes, retention reviews) at boundaries k = 0..11, from the revlog row by row.
    Mature and seen count the cards not suspended now (the mastery population), retention every review."""
    search = col.build_search_string(SearchNode(tag=tag))
    cids = set(col.find_cards(search))
    next_ms = col.sched.day_cutoff * 1000
    rows = [r for r in col.db.all("select id, cid, ease, type, lastIvl, ivl, factor from revlog order by id")
            if r[1] in cids]
    cards = {cid: col.get_card(cid) for cid in col.find_cards(f"{search} -is:suspended")}
    first_of_day: list[tuple[int, bool]] = []
    seen_days = set()
    for rid, cid, ease, rtype, last_ivl, ivl, factor in rows:
        if not counts_for_retention(ease, rtype, last_ivl, factor):
            continue
        day = (rid - next_ms) // DAY_MS
        if (cid, day) not in seen_days:
            seen_days.add((cid, day))
            first_of_day.append((rid, ease > 1))
    points = []
    for k in range(stats.TREND_WEEKS):
        b = next_ms - k * WEEK_MS
        mature = seen = 0
        for cid, card in cards.items():
            mine = [r for r in rows if r[1] == cid]
            if any(r[0] >= b for r in mine):
                before = [r for r in mine if r[0] < b]
                mature += bool(before) and before[-1][5] >= 21
                seen += bool(before) and before[-1][5] != 0
            else:
                mature += card.type == 2 and card.ivl >= 21
                seen += card.type != 0
        lo = b - stats.TREND_RET_WEEKS * WEEK_MS
        window = [ok for rid, ok in first_of_day if lo <= rid < b]
        points.append((mature, seen, sum(window), len(window)))
    return points


def test_trend_replays_the_review_history(chrono_col):
    col = chrono_col
    topics = stats.compute(col, use_cache=False)
    checked = 0
    for t in topics:
        if not t.reviews and not t.seen:
            continue
        points = naive_points(col, t.tag)
        for k, (mature, seen, passes, reviews) in enumerate(points):
            i = stats.TREND_WEEKS - 1 - k
            assert (t.trend_mature[i], t.trend_seen[i]) == (mature, seen), (t.tag, k)
            if k:
                assert t.trend[i] == stats.mastery_score(passes, reviews, mature, seen, t.active), (t.tag, k)
            else:
                assert t.trend[i] == t.mastery
        checked += 1
    root = next(t for t in topics if t.tag == "GenAI")
    # the history really moves: cards were new 12 weeks ago, some are mature now, retention varies
    assert root.trend_seen[0] < root.trend_seen[-1] and root.trend_mature[0] < root.trend_mature[-1]
    assert root.mature > 0 and 0 < root.trend[0] < root.trend[-1]
    assert checked >= 8
