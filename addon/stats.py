"""Topic-mastery statistics for a hierarchical tag tree (plain Python + SQL, no Qt).

`compute(col, root="GenAI", days=30, now=None) -> list[TopicStats]` answers "which topics do
I really know, and what do I study next?" for every tag under `root` (the root itself and every
intermediate level of `a::b::c`), in exactly two SQL statements on Anki's own connection:

1. one aggregate pass over cards ⋈ notes, GROUP BY the note's tag string: card buckets, due /
   overdue counts, retrievability sums;
2. one pass over the recent revlog ⋈ cards ⋈ notes (window functions, then GROUP BY tag string):
   true retention over the window, weekly retention and the card states at 12 weekly boundaries
   (the 12-week mastery trend).

Both results are small (one row per distinct tag string, times a few weeks). The roll-up of
`a::b::c` to `a`, `a::b` and `a::b::c` happens in Python over those rows, with a set per row so a
card with several tags under one topic counts once for that topic. There is no per-card Python
loop and no per-topic search.

Definitions (checked against Anki 26.x searches; see tests/test_addon_stats.py):

- buckets, disjoint, by card *type*: new = type 0 (`is:new`); learning = type 1 or 3
  (`is:learn`); young = type 2 with ivl < 21 (`is:review -is:learn prop:ivl<21`); mature =
  type 2 with ivl >= 21 (`is:review -is:learn prop:ivl>=21`). Relearning cards (type 3) count as
  learning only. new + learning + young + mature = cards.
- suspended = queue -1 (`is:suspended`). Suspended cards ARE ALSO counted in their type bucket
  (as Anki's `is:new` / `is:learn` / `is:review` searches do), so `suspended` overlaps the buckets.
- due = `is:due` (review / day-learning queue with due <= today, learning queue with due <= now +
  learn-ahead limit); overdue = review / day-learning queue with due < today, or learning queue
  with due before the start of today.
- true retention (Anki's definition): rated reviews that affect scheduling (ease 1–4, not a
  cram review with factor 0) of cards whose last interval was >= 1 day (lastIvl >= 1, or
  lastIvl <= -86400 s, or a review-type entry); Again = fail, Hard/Good/Easy = pass; only the
  first such review of a card per day counts; young/mature split at lastIvl 21 days. Window: the
  last `days` days up to the end of today (as `graphs(days=N)`).
- retrievability: with FSRS on, Anki's own SQL function
  `extract_fsrs_retrievability(data, due_or_odue, ivl, today, next_day_at, now)` averaged over
  cards with a memory state; with FSRS off an interval-based estimate for review cards,
  R = 1 / (1 + (1/0.9 - 1) * t / ivl) (hyperbolic forgetting curve, 90 % when the elapsed days t
  equal the interval). knowledge = sum of R over the topic's cards (expected cards recalled now).
- mastery (0–100) and the trend: see MASTERY_* below and addon/config.md.
"""
from __future__ import annotations

import re
import time
from operator import add
from dataclasses import asdict, dataclass, field
from typing import Any

MATURE_IVL = 21
TREND_WEEKS = 12
TREND_RET_WEEKS = 4  # retention window used for each weekly trend snapshot
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
# mastery = 100 * (W_RET * retention_hat * coverage + W_MATURE * mature_frac + W_COVERAGE * coverage)
MASTERY_W_RET = 0.5
MASTERY_W_MATURE = 0.3
MASTERY_W_COVERAGE = 0.2
PRIOR_RETENTION = 0.85  # Bayesian prior for retention ...
PRIOR_WEIGHT = 10.0  # ... worth this many reviews
FALLBACK_K = 1 / 0.9 - 1


@dataclass
class TopicStats:
    tag: str
    name: str
    depth: int
    parent: str | None
    cards: int = 0
    new: int = 0
    learning: int = 0
    young: int = 0
    mature: int = 0
    suspended: int = 0
    due: int = 0
    overdue: int = 0
    reviews: int = 0  # true-retention reviews in the window
    passed: int = 0
    young_reviews: int = 0
    young_passed: int = 0
    mature_reviews: int = 0
    mature_passed: int = 0
    retention: float | None = None
    retrievability: float | None = None  # mean R over cards that have one
    knowledge: float = 0.0  # sum of R: expected number of cards recalled now
    r_cards: int = 0  # cards with an R value
    r_source: str = "fsrs"  # "fsrs" or "interval"
    mature_pct: float = 0.0
    coverage: float = 0.0
    mastery: float = 0.0
    trend: list[float] = field(default_factory=list)  # oldest -> newest (this week)
    children: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def mastery_score(retention_pass: float, retention_n: float, mature: float, seen: float, cards: float) -> float:
    """0–100. retention_hat = (pass + PRIOR_RETENTION*PRIOR_WEIGHT) / (n + PRIOR_WEIGHT)."""
    if cards <= 0:
        return 0.0
    coverage = max(0.0, min(1.0, seen / cards))
    mature_frac = max(0.0, min(1.0, mature / cards))
    r_hat = (retention_pass + PRIOR_RETENTION * PRIOR_WEIGHT) / (retention_n + PRIOR_WEIGHT)
    score = 100.0 * (MASTERY_W_RET * r_hat * coverage + MASTERY_W_MATURE * mature_frac
                     + MASTERY_W_COVERAGE * coverage)
    return round(max(0.0, min(100.0, score)), 1)


def _fsrs_enabled(col) -> bool:
    try:
        return bool(col.get_config("fsrs", False))
    except Exception:  # noqa: BLE001
        return False


def _topics_of(tags: str, root_l: str) -> dict[str, str]:
    """{lowercase topic key: spelling} for every prefix, under the root, of the tags in `tags`."""
    out: dict[str, str] = {}
    prefix = root_l + "::"
    for tag in tags.split():
        low = tag.lower()
        if low != root_l and not low.startswith(prefix):
            continue
        parts = tag.split("::")
        for i in range(1, len(parts) + 1):
            sub = "::".join(parts[:i])
            key = sub.lower()
            if key == root_l or key.startswith(prefix):
                out.setdefault(key, sub)
    return out


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


CARD_SQL = """
select n.tags,
  count(*),
  sum(c.type = 0),
  sum(c.type in (1, 3)),
  sum(c.type = 2 and c.ivl < {mature}),
  sum(c.type = 2 and c.ivl >= {mature}),
  sum(c.queue = -1),
  sum((c.queue in (2, 3) and c.due <= :today) or (c.queue in (1, 4) and c.due <= :learn_cutoff)),
  sum((c.queue in (2, 3) and c.due < :today) or (c.queue in (1, 4) and c.due < :day_start)),
  sum({r}),
  count({r})
from cards c join notes n on n.id = c.nid
where n.tags like :like escape '\\'
group by n.tags
"""

R_FSRS = ("extract_fsrs_retrievability(c.data, case when c.odue != 0 then c.odue else c.due end, c.ivl, "
          ":today, :next_day_at, :now)")
R_INTERVAL = ("(case when c.type = 2 and c.ivl > 0 then 1.0 / (1.0 + {k} * max(0, :today - "
              "((case when c.odue != 0 then c.odue else c.due end) - c.ivl)) / c.ivl) end)").format(k=FALLBACK_K)

NW = TREND_WEEKS + TREND_RET_WEEKS  # weekly retention buckets 0..NW-1 (0 = the last 7 days)
_ELIG = ("(r.ease between 1 and 4 and not (r.type = 3 and r.factor = 0) "
         "and (r.type = 1 or r.lastIvl >= 1 or r.lastIvl <= -86400))")
_WIN = "x.id >= :win_start"
# One row per tag string. Columns 0-3: window retention (young fail/pass, mature fail/pass);
# then per week w < NW: passes, reviews (first eligible review of the card that day only);
# then the trend-boundary histograms: for j = 1..11 the (mature, seen) deltas of rows with lo = j,
# for j = 0..10 those of rows with hi = j. A row is the first review after boundary k exactly for
# lo <= k <= hi (and hi >= lo - 1 always), so delta_k = sum_{j<=k} lo_hist[j] - sum_{j<k} hi_hist[j].
_COLS = ([f"sum(case when {_WIN} then x.yf end)", f"sum(case when {_WIN} then x.yp end)",
          f"sum(case when {_WIN} then x.mf end)", f"sum(case when {_WIN} then x.mp end)"]
         + [c for w in range(NW) for c in (f"sum(case when x.wk = {w} then x.yp + x.mp end)",
                                            f"sum(case when x.wk = {w} then x.fod end)")]
         + [c for j in range(1, TREND_WEEKS) for c in (f"sum(case when x.lo = {j} then x.dm end)",
                                                        f"sum(case when x.lo = {j} then x.ds end)")]
         + [c for j in range(0, TREND_WEEKS - 1) for c in (f"sum(case when x.hi = {j} then x.dm end)",
                                                            f"sum(case when x.hi = {j} then x.ds end)")])
_NCOL = len(_COLS)
_OFF_LO = 4 + 2 * NW  # lo histogram: 2 columns per j = 1..11
_OFF_HI = _OFF_LO + 2 * (TREND_WEEKS - 1)  # hi histogram: 2 columns per j = 0..10
REVLOG_SQL = """
with rv as (
  select r.id, r.cid, r.lastIvl, r.ease, """ + _ELIG + """ as elig,
    lag(r.id) over w as prev_id,
    max(case when """ + _ELIG + """ then r.id end) over (w rows between unbounded preceding and 1 preceding) as prev_el
  from revlog r where r.id >= :start
  window w as (partition by r.cid order by r.id)
),
x as materialized (
  select y.*, c.nid as nid,
    y.fod and y.young and y.ease = 1 as yf, y.fod and y.young and y.ease > 1 as yp,
    y.fod and not y.young and y.ease = 1 as mf, y.fod and not y.young and y.ease > 1 as mp,
    (y.lastIvl >= {mature}) - (c.type = 2 and c.ivl >= {mature}) as dm,
    (y.lastIvl != 0) - (c.type != 0) as ds
  from (
    select id, cid, lastIvl, ease,
      (elig and (prev_el is null or (prev_el - :day0_ms) / {day} != (id - :day0_ms) / {day})) as fod,
      (lastIvl < {mature} and lastIvl > -86400 * {mature}) as young,
      (:next_ms - 1 - id) / {week} as wk,
      max(1, (:next_ms - id + {week} - 1) / {week}) as lo,
      case when prev_id is null then {kmax} else min({kmax}, (:next_ms - prev_id + {week} - 1) / {week} - 1) end as hi
    from rv
  ) y join cards c on c.id = y.cid
)
select n.tags, """ + ", ".join(_COLS) + """
from x join notes n on n.id = x.nid
where n.tags like :like escape '\\'
group by n.tags
"""


_cache: dict[Any, list[TopicStats]] = {}


def _cache_key(col, root: str, days: int, now: int | None) -> tuple:
    db = col.db
    stamp = db.first("select (select mod from col), (select max(id) from revlog), (select count() from revlog),"
                     " (select max(mod) from cards), (select count() from cards),"
                     " (select max(mod) from notes), (select count() from notes)")
    minute = now if now is not None else int(time.time()) // 60
    return (str(getattr(col, "path", id(col))), tuple(stamp or ()), root.lower(), days, minute,
            _fsrs_enabled(col), col.sched.today)


def compute(col, root: str = "GenAI", days: int = 30, now: int | None = None,
            use_cache: bool = True) -> list[TopicStats]:
    """Statistics for `root` and every tag level under it, sorted by tag (case-insensitive)."""
    root = (root or "GenAI").strip().strip(":") or "GenAI"
    days = max(1, int(days))
    key = _cache_key(col, root, days, now) if use_cache else None
    if key is not None and key in _cache:
        return _cache[key]
    result = _compute(col, root, days, now)
    if key is not None:
        _cache.clear()  # one collection state at a time is all the dashboard needs
        _cache[key] = result
    return result


def _compute(col, root: str, days: int, now: int | None) -> list[TopicStats]:
    now_s = int(time.time()) if now is None else int(now)
    today = int(col.sched.today)
    next_day_at = int(col.sched.day_cutoff)
    day_start = next_day_at - 86400
    learn_ahead = col.get_config("collapseTime", 1200)
    try:
        learn_ahead = int(learn_ahead)
    except (TypeError, ValueError):
        learn_ahead = 1200
    root_l = root.lower()
    like = "% " + _like_escape(root) + "%"
    fsrs = _fsrs_enabled(col)
    params = dict(today=today, next_day_at=next_day_at, now=now_s, learn_cutoff=now_s + learn_ahead,
                  day_start=day_start, like=like)

    topics: dict[str, TopicStats] = {}
    r_sum: dict[str, float] = {}

    def topic(key: str, spelling: str) -> TopicStats:
        t = topics.get(key)
        if t is None:
            parts = spelling.split("::")
            parent = "::".join(parts[:-1]) if len(parts) > 1 else None
            t = topics[key] = TopicStats(tag=spelling, name=parts[-1], depth=len(parts) - 1, parent=parent,
                                         r_source="fsrs" if fsrs else "interval")
            r_sum[key] = 0.0
        return t

    card_sql = CARD_SQL.format(mature=MATURE_IVL, r=R_FSRS if fsrs else R_INTERVAL)
    rows = col.db.all(*_named(card_sql, params))
    tagsets: dict[str, dict[str, str]] = {}
    for tags, n, new, lrn, young, mature, susp, due, overdue, rsum, rcount in rows:
        found = tagsets[tags] = _topics_of(tags or "", root_l)
        for key, spelling in found.items():
            t = topic(key, spelling)
            t.cards += n
            t.new += new or 0
            t.learning += lrn or 0
            t.young += young or 0
            t.mature += mature or 0
            t.suspended += susp or 0
            t.due += due or 0
            t.overdue += overdue or 0
            r_sum[key] += rsum or 0.0
            t.r_cards += rcount or 0

    # revlog pass
    next_ms = next_day_at * 1000
    win_start = next_ms - days * DAY_MS
    trend_start = next_ms - (TREND_WEEKS + TREND_RET_WEEKS) * WEEK_MS
    start = min(win_start, trend_start)
    day0_ms = next_ms - (today + 1 + 36500) * DAY_MS  # any day boundary far in the past keeps divisions >= 0
    rparams = dict(start=start, next_ms=next_ms, win_start=win_start, like=like, day0_ms=day0_ms)
    revlog_sql = REVLOG_SQL.format(week=WEEK_MS, day=DAY_MS, kmax=TREND_WEEKS - 1, mature=MATURE_IVL)
    acc: dict[str, list[int]] = {}
    for row in col.db.all(*_named(revlog_sql, rparams)):
        tags = row[0]
        found = tagsets.get(tags)
        if found is None:
            found = tagsets[tags] = _topics_of(tags or "", root_l)
        vec = [v or 0 for v in row[1:]]
        for key in found:
            if key in topics:
                cur = acc.get(key)
                acc[key] = vec if cur is None else list(map(add, cur, vec))
    zero = [0] * _NCOL
    for key, t in topics.items():
        v = acc.get(key, zero)
        t.young_reviews, t.young_passed = v[0] + v[1], v[1]
        t.mature_reviews, t.mature_passed = v[2] + v[3], v[3]

    for key, t in topics.items():
        t.reviews = t.young_reviews + t.mature_reviews
        t.passed = t.young_passed + t.mature_passed
        t.retention = round(t.passed / t.reviews, 4) if t.reviews else None
        t.knowledge = round(r_sum[key], 2)
        t.retrievability = round(r_sum[key] / t.r_cards, 4) if t.r_cards else None
        t.mature_pct = round(100.0 * t.mature / t.cards, 1) if t.cards else 0.0
        seen = t.cards - t.new
        t.coverage = round(seen / t.cards, 4) if t.cards else 0.0
        t.mastery = mastery_score(t.passed, t.reviews, t.mature, seen, t.cards)
        v0 = acc.get(key, zero)
        trend = []
        for k in range(TREND_WEEKS - 1, -1, -1):  # oldest first
            if k == 0:
                trend.append(t.mastery)
                continue
            p = sum(v0[4 + 2 * w] for w in range(k, k + TREND_RET_WEEKS))
            n = sum(v0[5 + 2 * w] for w in range(k, k + TREND_RET_WEEKS))
            dm = sum(v0[_OFF_LO + 2 * (j - 1)] for j in range(1, k + 1)) - sum(v0[_OFF_HI + 2 * j] for j in range(k))
            ds = sum(v0[_OFF_LO + 2 * (j - 1) + 1] for j in range(1, k + 1)) - sum(v0[_OFF_HI + 2 * j + 1]
                                                                                 for j in range(k))
            mature_then = t.mature + dm
            seen_then = seen + ds
            trend.append(mastery_score(p, n, max(0, mature_then), max(0, seen_then), t.cards))
        t.trend = trend

    for key, t in topics.items():
        if t.parent is not None and t.parent.lower() in topics:
            topics[t.parent.lower()].children.append(t.tag)
    for t in topics.values():
        t.children.sort(key=str.lower)
    return sorted(topics.values(), key=lambda t: t.tag.lower())


_PARAM = re.compile(r":([a-z_][a-z0-9_]*)")


def _named(sql: str, params: dict[str, Any]) -> tuple:
    """Anki's DBProxy binds positional parameters only: `:name` -> `?N` (SQLite numbered), args in order."""
    names: list[str] = []

    def repl(m: re.Match) -> str:
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"?{names.index(m.group(1)) + 1}"
    return (_PARAM.sub(repl, sql), *[params[n] for n in names])
