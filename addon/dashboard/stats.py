"""Topic-mastery statistics for a hierarchical tag tree (plain Python + SQL, no Qt).

`compute(col, root=DEFAULT_ROOT, days=30, now=None) -> list[TopicStats]` answers "which topics do
I really know, and what do I study next?" for every tag under `root` (the root itself and every
intermediate level of `a::b::c`), in exactly two SQL statements on Anki's own connection (`raw_rows`;
`build` does the Python part):

1. one aggregate pass over cards ⋈ notes, GROUP BY the note's tag string: card buckets, due /
   overdue counts, retrievability sums;
2. one pass over the recent revlog (15 weeks, only the rows of the root's cards — filtered before any
   join, so another root's reviews cost a rowid-ordered read, not a join — grouped per card and day,
   then ⋈ cards ⋈ notes, GROUP BY tag string): true retention over the window, weekly retention and the
   weekly change of the card states (the 12-week mastery trend).

Both results are small (one row per distinct tag string). The roll-up of `a::b::c` to `a`, `a::b`
and `a::b::c` happens in Python over those rows (`_Tree`: each row goes to the set of its tags' topics, so a
card with several tags under one topic counts once for that topic). There is no per-card Python loop, no window
function (SQLite's are slower than everything else here together) and no per-topic search
(bench/bench_dashboard.py times it on 50,000 cards / 1,000,000 revlog rows).
Definitions (checked against Anki 26.x searches; see tests/test_addon_stats.py):

- buckets, exclusive, as the card-counts graph of Anki's statistics screen (rslib
  stats/graphs/card_counts.rs, "excluding inactive"): suspended = queue -1 (`is:suspended`);
  buried = queue -2 / -3 (`is:buried`); every other card by its type: new = type 0
  (`is:new -is:suspended -is:buried`), learning = type 1 or 3 (`is:learn ...`; Anki's graph shows
  relearning separately), young / mature = type 2 with ivl < 21 / >= 21
  (`is:review -is:learn prop:ivl<21 ...`). new + learning + young + mature + suspended + buried = cards.
- mastery is about the cards being studied: suspended cards are left out of it (neither a gap nor
  knowledge: a card one chose not to study should not keep a topic from "known" forever), buried
  cards (hidden until tomorrow) count by their type, so burying does not move mastery for a day.
  Inputs: active = cards - suspended, seen = active cards not new, mature = active mature cards; % mature and coverage are shares of
  the active cards, and the trend replays the same population (reviews of cards suspended now do
  not move its mature / seen counts). Retention keeps every review (Anki's true retention of the
  topic's search).
- the root tag is matched as Anki's `tag:` search matches it (rslib search/sqlwriter.rs: the SQL
  `regexp` `(?i).* root(::| ).*` on Anki's own connection, Unicode case-insensitive; here once per
  tag string, after a LIKE pre-filter), so `genai::ünïcode` finds `GenAI::Ünïcode`.
- due = `is:due` (review / day-learning queue with due <= today, learning queue with due <= now +
  learn-ahead limit); overdue = review / day-learning queue with due < today, or learning queue
  with due before the start of today.
- true retention (Anki's definition): rated reviews that affect scheduling (ease 1–4, not a
  cram review with factor 0) of cards whose last interval was >= 1 day (lastIvl >= 1, or
  lastIvl <= -86400 s, or a review-type entry); Again = fail, Hard/Good/Easy = pass; only the
  first such review of a card per day counts; young/mature split at lastIvl 21 days (young:
  lastIvl < 21, as Anki's graphs). Window: the last `days` days up to the end of today (as
  `graphs(days=N)`, whose true-retention table counts same-day repeats too).
- retrievability: with FSRS on, Anki's own SQL function
  `extract_fsrs_retrievability(data, due_or_odue, ivl, today, next_day_at, now)` averaged over
  cards with a memory state; with FSRS off an interval-based estimate for review cards,
  R = 1 / (1 + (1/0.9 - 1) * t / ivl) (hyperbolic forgetting curve, 90 % when the elapsed days t
  equal the interval). knowledge = sum of R over the topic's cards (expected cards recalled now).
  Mastery (0–100) and the trend: see MASTERY_* below and addon/config.md.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from ..core import cards, topic_names
from ..core.settings import DEFAULT_ROOT, root_or_default

MATURE_IVL = cards.MATURE_IVL
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
    buried: int = 0
    buried_new: int = 0  # buried cards by type: for the mastery inputs (buried cards are studied)
    buried_mature: int = 0
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
    trend: list[float] = field(default_factory=list)  # mastery, oldest -> newest (this week)
    trend_mature: list[int] = field(default_factory=list)  # mature cards at the same points
    trend_seen: list[int] = field(default_factory=list)  # seen (not new) cards at the same points
    children: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def active(self) -> int:
        """Cards being studied: all but the suspended ones (the mastery population)."""
        return self.cards - self.suspended

    @property
    def seen(self) -> int:
        """Active cards that are not new (buried ones by their type): 0 = topic not started."""
        return self.active - self.new - self.buried_new

    @property
    def active_mature(self) -> int:
        return self.mature + self.buried_mature


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


_RE_META = frozenset("\\.+*?()|[]{}^$#&-~")  # what Rust's regex::escape escapes (also valid in Python)


def _re_escape(s: str) -> str:
    return "".join("\\" + ch if ch in _RE_META else ch for ch in s)


def like_superset(root: str) -> str:
    """A cheap SQL LIKE pre-filter that lets through every tag string `tag_regex` can match: LIKE folds
    ASCII case only, so `_` (one character) stands for each non-ASCII character and for k / s (whose
    case variants include the Kelvin sign and long s); the regexp then runs once per tag string."""
    out = []
    for ch in root:
        if ch in "%_\\":
            out.append("\\" + ch)
        elif not ch.isascii() or ch in "kKsS":
            out.append("_")
        else:
            out.append(ch)
    return "% " + "".join(out) + "%"


def tag_regex(root: str) -> str:
    """The pattern Anki's `tag:<root>` search hands to SQL `regexp` (a literal root, no wildcards):
    Rust regex, `(?i)` = Unicode simple case folding; `notes.tags` is space-padded."""
    return f"(?i).* {_re_escape(root)}(::| ).*"


CARD_SQL = """
select n.tags,
  count(*),
  sum(c.queue >= 0 and c.type = 0),
  sum(c.queue >= 0 and c.type in (1, 3)),
  sum(c.queue >= 0 and c.type = 2 and c.ivl < {mature}),
  sum(c.queue >= 0 and c.type = 2 and c.ivl >= {mature}),
  sum(c.queue = -1),
  sum(c.queue in (-2, -3)),
  sum(c.queue in (-2, -3) and c.type = 0),
  sum(c.queue in (-2, -3) and c.type = 2 and c.ivl >= {mature}),
  sum((c.queue in (2, 3) and c.due <= :today) or (c.queue in (1, 4) and c.due <= :learn_cutoff)),
  sum((c.queue in (2, 3) and c.due < :today) or (c.queue in (1, 4) and c.due < :day_start)),
  sum({r}),
  count({r})
from cards c join notes n on n.id = c.nid
where n.tags like :like escape '\\'
group by n.tags having n.tags regexp :tag_re
"""

R_FSRS = ("extract_fsrs_retrievability(c.data, case when c.odue != 0 then c.odue else c.due end, c.ivl, "
          ":today, :next_day_at, :now)")
R_INTERVAL = ("(case when c.type = 2 and c.ivl > 0 then 1.0 / (1.0 + {k} * max(0, :today - "
              "((case when c.odue != 0 then c.odue else c.due end) - c.ivl)) / c.ivl) end)").format(k=FALLBACK_K)

NW = TREND_WEEKS - 1 + TREND_RET_WEEKS  # weekly retention buckets 0..NW-1 (0 = the last 7 days); the oldest
# trend point (k = TREND_WEEKS - 1) uses weeks k .. k + TREND_RET_WEEKS - 1
ND = TREND_WEEKS - 1  # weekly state-delta buckets 0..ND-1 (boundaries 1..ND lie in the past)
PACK = 1 << 32  # two counts in one SQL sum: high * PACK + low (fewer aggregates per row)
_ELIG = ("(r.ease between 1 and 4 and not (r.type = 3 and r.factor = 0) "
         "and (r.type = 1 or r.lastIvl >= 1 or r.lastIvl <= -86400))")
# g: one row per card and day. `fe` packs the day's first true-retention review as id*4 + pass*2 +
# young (min() over the eligible rows finds it without a window function or a second pass);
# dm / ds sum (mature before - mature after) and (seen before - seen after) over all of the day's
# rows, from lastIvl / ivl. Anki keeps lastIvl(next review) = ivl(this review), so those deltas
# telescope: the cards' state k weeks ago = the state now + the deltas of the weeks since.
# Output, one row per tag string (each column two packed counts, see _unpack):
#   0, 1        window true retention: young (reviews, passes), mature (reviews, passes)
#   2 .. 2+NW   per week w < NW (0 = the last 7 days): (reviews, passes)
#   _OFF_D ..   per week w < ND: (mature delta, seen delta), signed, of the cards not suspended now
_COLS = (["sum(case when x.inwin and x.young then {P} + x.pass end)",
          "sum(case when x.inwin and not x.young then {P} + x.pass end)"]
         + [f"sum(case when x.wk = {w} and x.fod then {{P}} + x.pass end)" for w in range(NW)]
         + [f"sum(case when x.wk = {w} and c.queue != -1 then x.dm * {{P}} + x.ds end)" for w in range(ND)])
_NCOL = len(_COLS)
_OFF_D = 2 + NW
REVLOG_SQL = """
with g as (
  select r.cid as cid, min(r.id) as id,
    min(case when """ + _ELIG + """ then r.id * 4 + (r.ease > 1) * 2 + (r.lastIvl < {mature}) end) as fe,
    sum((r.lastIvl >= {mature}) - (r.ivl >= {mature})) as dm, sum((r.lastIvl != 0) - (r.ivl != 0)) as ds
  from revlog r where r.id >= :start and r.id < :next_ms
  group by r.cid, (r.id - :day0_ms) / {day}
),
x as (
  select cid, (:next_ms - 1 - id) / {week} as wk, fe is not null as fod, fe / 4 >= :win_start as inwin,
    (fe & 2) / 2 as pass, fe & 1 as young, dm, ds
  from g limit -1 -- keeps x a co-routine: flattened, each x.* expression is re-evaluated per column
)
select n.tags, """ + ", ".join(_COLS) + """
from x join cards c on c.id = x.cid join notes n on n.id = c.nid
where n.tags like :like escape '\\'
group by n.tags having n.tags regexp :tag_re
"""


def _unpack(v: list) -> list[int]:
    """Packed column sums -> plain counts: (high, low) pairs, low signed in the delta columns."""
    out: list[int] = []
    for i, s in enumerate(v):
        if i < _OFF_D:
            out += (s >> 32, s & (PACK - 1))
        else:
            low = ((s + (1 << 31)) & (PACK - 1)) - (1 << 31)
            out += ((s - low) >> 32, low)
    return out


_cache: dict[Any, list[TopicStats]] = {}


def _cache_key(col, root: str, days: int, now: int | None) -> tuple:
    db = col.db
    stamp = db.first("select (select mod from col), (select max(id) from revlog), (select count() from revlog),"
                     " (select max(mod) from cards), (select count() from cards),"
                     " (select max(mod) from notes), (select count() from notes)")
    minute = now if now is not None else int(time.time()) // 60
    return (str(getattr(col, "path", id(col))), tuple(stamp or ()), fold(root), days, minute,
            _fsrs_enabled(col), col.sched.today)


def compute(col, root: str = DEFAULT_ROOT, days: int = 30, now: int | None = None,
            use_cache: bool = True) -> list[TopicStats]:
    """Statistics for `root` and every tag level under it, sorted by tag (case-insensitive)."""
    root = root_or_default(root)
    days = max(1, int(days))
    key = _cache_key(col, root, days, now) if use_cache else None
    if key is not None and key in _cache:
        return _cache[key]
    result = _compute(col, root, days, now)
    if key is not None:
        _cache.clear()  # one collection state at a time is all the dashboard needs
        _cache[key] = result
    return result


def fold(s: str) -> str:
    """Unicode *simple* case folding, char by char, as Rust's regex `(?i)` (so Anki's tag search)
    compares: `Ü`/`ü`, `Σ`/`ς`/`σ`, `ẞ`/`ß`, Kelvin sign/`k` are equal; `ß`/`ss`, `İ`/`i`, `ı`/`I` are not
    (str.casefold() would fold `ß` to `ss`; str.lower() keeps `ς` != `σ`, re.IGNORECASE equates `İ`/`i`)."""
    if s.isascii():
        return s.lower()
    out = []
    for ch in s:
        f = ch.casefold()
        if len(f) != 1:  # a full folding (ß -> ss): the simple one, if any, is the one-char lowercase
            f = ch.lower()
            if len(f) != 1:
                f = ch
        out.append(f)
    return "".join(out)


class _Tree:
    """The topics under the root: case-folded keys `a::b::c` (see `fold`) with their first-seen
    spelling, and the roll-up of per-tag-string rows into every topic a row belongs to (each tag and
    its ancestors up to the root, as a set: a card tagged `GenAI::A::x` and `GenAI::A::y` counts once
    for `GenAI::A` and once for `GenAI`). A tag belongs to the root as for Anki's `tag:<root>`."""

    def __init__(self, root: str):
        self.root_f = fold(root)
        self.prefix = self.root_f + "::"
        self.root_depth = root.count("::")  # parts above the root: not topics
        self.spelling: dict[str, str] = {}
        self._chains: dict[str, tuple[str, ...] | None] = {}  # tag -> it and its ancestors (None: not ours)
        self._nodes: dict[str, tuple[str, ...]] = {}  # tag string -> its topics

    def nodes(self, tags: str) -> tuple[str, ...]:
        got = self._nodes.get(tags)
        if got is None:
            chains = []
            for tag in (tags or "").split():
                chain = self._chains.get(tag, ())
                if chain == ():
                    f = fold(tag)
                    chain = self._chains[tag] = (self._register(tag) if f == self.root_f
                                                 or f.startswith(self.prefix) else None)
                if chain is not None:
                    chains.append(chain)
            got = chains[0] if len(chains) == 1 else tuple(set().union(*chains))
            self._nodes[tags] = got
        return got

    def _register(self, tag: str) -> tuple[str, ...]:
        parts = tag.split("::")
        chain = []
        for i in range(len(parts), self.root_depth, -1):
            spelling = "::".join(parts[:i])
            key = fold(spelling)
            self.spelling.setdefault(key, spelling)
            chain.append(key)
        return tuple(chain)

    def roll_up(self, rows, width: int, only: set[str] | None = None) -> dict[str, list]:
        """{topic key: column sums of its rows} for rows of (tags, v1..v_width), None counting 0; with
        `only`, for those topics only.

        Rows are only collected per topic here and summed column-wise at C speed (zip / sum):
        several times faster than adding a vector per row and topic in Python."""
        groups: dict[str, list] = {}
        nodes = self.nodes
        for row in rows:
            for key in nodes(row[0]):
                if only is not None and key not in only:
                    continue
                group = groups.get(key)
                if group is None:
                    groups[key] = [row]
                else:
                    group.append(row)
        out = {key: [0] * width for key in self.spelling if only is None or key in only}
        for key, group in groups.items():
            cols = zip(*group)
            next(cols)  # the tag string
            out[key] = [sum(filter(None, col)) for col in cols]
        return out


def _compute(col, root: str, days: int, now: int | None) -> list[TopicStats]:
    now_s = int(time.time()) if now is None else int(now)
    fsrs = _fsrs_enabled(col)
    card_rows, rev_rows = raw_rows(col, days, now_s, fsrs, root=root)
    return build(root, fsrs, card_rows, rev_rows)


def raw_rows(col, days: int, now_s: int, fsrs: bool, scope: str | None = None,
             root: str = DEFAULT_ROOT) -> tuple[dict[str, tuple], dict[str, tuple]]:
    """({tag string: CARD_SQL row}, {tag string: REVLOG_SQL row}): the two SQL statements, rows in tag-string
    order. For the whole root (`scope` None) the notes are matched by their tag strings (one pass over
    the notes' tags) and the revlog window is read in rowid order, keeping the root's cards' rows; for
    `scope` (a JSON list of note ids, see rootscan.py: the notes of a few tag strings) notes, cards and
    reviews are read by key and index only — the same rows for those tag strings."""
    from .rootscan import CARD_SQL_SCOPE, REVLOG_SQL_SCOPE, REVLOG_SQL_TAGSET
    today = int(col.sched.today)
    next_day_at = int(col.sched.day_cutoff)
    day_start = next_day_at - 86400
    learn_ahead = col.get_config("collapseTime", 1200)
    try:
        learn_ahead = int(learn_ahead)
    except (TypeError, ValueError):
        learn_ahead = 1200
    card_sql = (CARD_SQL if scope is None else CARD_SQL_SCOPE).format(mature=MATURE_IVL,
                                                                      r=R_FSRS if fsrs else R_INTERVAL)
    match = dict(tag_re=tag_regex(root), like=like_superset(root)) if scope is None else dict(scope=scope)
    params = dict(today=today, next_day_at=next_day_at, now=now_s, learn_cutoff=now_s + learn_ahead,
                  day_start=day_start, **match)
    cards = {row[0]: tuple(row) for row in col.db.all(*_named(card_sql, params))}

    next_ms = next_day_at * 1000
    win_start = next_ms - days * DAY_MS
    start = min(win_start, next_ms - NW * WEEK_MS)
    day0_ms = next_ms - (today + 1 + 36500) * DAY_MS  # any day boundary far in the past keeps divisions >= 0
    rparams = dict(start=start, next_ms=next_ms, win_start=win_start, day0_ms=day0_ms, **match)
    revlog_sql = REVLOG_SQL_SCOPE
    if scope is None:  # the root's tag strings: those of the card rows (a note without cards has no reviews)
        revlog_sql = REVLOG_SQL_TAGSET
        rparams = dict(start=start, next_ms=next_ms, win_start=win_start, day0_ms=day0_ms,
                       tagset=json.dumps(list(cards)))
    revlog_sql = revlog_sql.format(week=WEEK_MS, day=DAY_MS, mature=MATURE_IVL, P=PACK)
    revs = {row[0]: tuple(row) for row in col.db.all(*_named(revlog_sql, rparams))}
    return cards, revs


def build(root: str, fsrs: bool, card_rows: dict[str, tuple], rev_rows: dict[str, tuple],
          tree: "_Tree | None" = None, only: set[str] | None = None,
          previous: list[TopicStats] | None = None) -> list[TopicStats]:
    """The topics from the raw rows of `raw_rows` (Python only: the roll-up and the derived figures).
    `tree`: a _Tree of the same root kept from an earlier build of the same tag strings (its cache of
    each tag string's topics saves the folding); a new one by default. With `only` (topic keys) and
    `previous` (the earlier build from that tree), only those topics are recomputed (the same sums in
    the same order as a full build), the others are taken from `previous`."""
    tree = tree if tree is not None else _Tree(root)
    cards = tree.roll_up(card_rows.values(), 13, only)
    revs = tree.roll_up(rev_rows.values(), _NCOL, only)
    kept = {fold(t.tag): t for t in previous} if only is not None and previous is not None else None

    topics: dict[str, TopicStats] = {}
    names = topic_names.load()  # the taxonomy's display names shipped with the add-on
    for key, spelling in tree.spelling.items():
        if kept is not None and key not in only and key in kept:
            topics[key] = kept[key]
            continue
        parts = spelling.split("::")
        t = topics[key] = TopicStats(tag=spelling, name=topic_names.display_name(spelling, names), depth=len(parts) - 1,
                                     parent="::".join(parts[:-1]) if len(parts) > 1 else None,
                                     r_source="fsrs" if fsrs else "interval")
        (t.cards, t.new, t.learning, t.young, t.mature, t.suspended, t.buried, t.buried_new, t.buried_mature,
         t.due, t.overdue, r_sum, t.r_cards) = cards.get(key, [0] * 13)  # a topic first seen by the revlog statement (notes edited between)
        v = _unpack(revs[key])  # the last roll-up knows every topic
        t.young_reviews, t.young_passed, t.mature_reviews, t.mature_passed = v[:4]
        t.reviews = t.young_reviews + t.mature_reviews
        t.passed = t.young_passed + t.mature_passed
        t.retention = round(t.passed / t.reviews, 4) if t.reviews else None
        t.knowledge = round(r_sum, 2)
        t.retrievability = round(r_sum / t.r_cards, 4) if t.r_cards else None
        active, seen, mature = t.active, t.seen, t.active_mature  # suspended cards left out (see above)
        t.mature_pct = round(100.0 * mature / active, 1) if active else 0.0
        t.coverage = round(seen / active, 4) if active else 0.0
        t.mastery = mastery_score(t.passed, t.reviews, mature, seen, active)
        t.trend, t.trend_mature, t.trend_seen = _trend(t, v)

    for t in topics.values():
        if t.parent is not None and fold(t.parent) in topics:
            parent = topics[fold(t.parent)]
            if kept is None or kept.get(fold(t.parent)) is not parent:  # a kept topic keeps its children
                parent.children.append(t.tag)
    for t in topics.values():
        t.children.sort(key=str.lower)
    return sorted(topics.values(), key=lambda t: t.tag.lower())


def _trend(t: TopicStats, v: list) -> tuple[list[float], list[int], list[int]]:
    """Mastery, mature and seen cards (of the cards not suspended now) at the end of each of the last
    TREND_WEEKS weeks, oldest first.
    `v` is the topic's unpacked revlog vector: window (reviews, passes) young and mature, then
    (reviews, passes) per week, then (mature delta, seen delta) per week.

    At boundary k (k weeks before the end of today): retention over weeks k..k+TREND_RET_WEEKS-1,
    states = now + the telescoped deltas of weeks 0..k-1 (see REVLOG_SQL)."""
    scores, matures, seens = [], [], []
    dm = ds = 0
    for k in range(TREND_WEEKS):  # newest first, reversed at the end
        if k:
            dm += v[2 * _OFF_D + 2 * (k - 1)]
            ds += v[2 * _OFF_D + 2 * (k - 1) + 1]
        mature_then = min(t.active, max(0, t.active_mature + dm))
        seen_then = min(t.active, max(0, t.seen + ds))
        if k == 0:
            score = t.mastery
        else:
            n = sum(v[4 + 2 * w] for w in range(k, k + TREND_RET_WEEKS))
            p = sum(v[5 + 2 * w] for w in range(k, k + TREND_RET_WEEKS))
            score = mastery_score(p, n, mature_then, seen_then, t.active)
        scores.append(score)
        matures.append(mature_then)
        seens.append(seen_then)
    return scores[::-1], matures[::-1], seens[::-1]


_PARAM = re.compile(r":([a-z_][a-z0-9_]*)")


def _named(sql: str, params: dict[str, Any]) -> tuple:
    """Anki's DBProxy binds positional parameters only: `:name` -> `?N` (SQLite numbered), args in order."""
    names: list[str] = []

    def repl(m: re.Match) -> str:
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"?{names.index(m.group(1)) + 1}"
    return (_PARAM.sub(repl, sql), *[params[n] for n in names])
