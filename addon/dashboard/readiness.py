"""Interview readiness (plain Python + SQL, no Qt): how much of each topic you will recall on the
interview date, weighted by how often its questions are asked, and what to study for it.

- **forecast per card** on the date: with FSRS, Anki's own SQL function
  `extract_fsrs_retrievability(data, due, ivl, today, next_day_at, now)` (rslib storage/sqlite.rs)
  called with "today" and "now" moved forward by the days until the date: it evaluates Anki's
  forgetting curve R = (1 + f·t/S)^(−decay), f = 0.9^(−1/decay) − 1, from the card's stored
  stability S, its per-card `decay` (cards.data; FSRS-5's 0.5 when absent) and t = days since the
  last review (`lrt`, else derived from due − ivl). Without FSRS, the interval-based estimate
  stats.py uses today, R = 1 / (1 + (1/0.9 − 1)·t/ivl), with t counted to the date (also, with FSRS on,
  for a review card without a memory state). New cards, and
  cards without an estimate (without FSRS: (re)learning cards), count 0. A date today or in the past
  gives today's values. The shift is whole days from Anki's today (its day rollover), same time of day.
- **weight** of a note: its `asked::<n>` tag (addon/core/weights.py), 1 without one.
- **question**: a Q&A note and the cloze notes made from it (QuestionID) form one question; any other
  note is its own. Its predicted recall = mean over its active (not suspended) cards; it belongs to
  every topic one of its notes is tagged with.
- **readiness** of a topic = Σ weight·recall / Σ weight over its questions (0–1).
- **loss** of a card = weight × (1 − predicted recall): the interview study deck takes the largest.
"""
from __future__ import annotations

import datetime as dt
import html
import re
import time
from dataclasses import asdict, dataclass
from typing import Any

from . import rootscan, stats
from ..core.settings import DEFAULT_ROOT, root_or_default
from ..core.weights import ASKED_TAG
from ..core.notetypes import find_note_types

DAY_S = 86_400
TARGET = 0.8  # predicted recall a question should reach by the date
FREQUENT = 2  # asked by at least this many documents: "frequently asked"
INTERVIEW_LIMIT = 100  # cards per interview study deck
INTERVIEW_DECK = "GenAI interview"


@dataclass
class Readiness:
    tag: str
    readiness: float | None = None  # 0–1, None: no active cards
    questions: int = 0
    weight: int = 0  # Σ weight of its questions
    not_started: int = 0  # questions all of whose active cards are new
    frequent_not_started: int = 0  # ... of them asked by >= FREQUENT documents
    below_target: int = 0  # started questions predicted below TARGET on the date
    advice: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_date(text: Any) -> dt.date | None:
    """`YYYY-MM-DD` -> date, anything else -> None."""
    if not isinstance(text, str) or len(text.strip()) != 10:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def anki_today(col) -> dt.date:
    """The calendar date of Anki's current day (which starts at the rollover hour)."""
    return dt.datetime.fromtimestamp(int(col.sched.day_cutoff) - DAY_S).date()


def days_until(col, date: dt.date) -> int:
    """Whole days from Anki's today to `date`; 0 for today or a past date (= today's values)."""
    return max(0, (date - anki_today(col)).days)


def timing(col, date: dt.date, now: int | None = None) -> dict[str, int]:
    """(today, next_day_at, now) of the forecast: Anki's own, moved forward by the days until `date`."""
    d = days_until(col, date)
    now_s = int(time.time()) if now is None else int(now)
    return dict(today=int(col.sched.today) + d, next_day_at=int(col.sched.day_cutoff) + d * DAY_S,
                now=now_s + d * DAY_S)


def r_expression(col) -> str:
    """SQL for a card's predicted recall at (:today, :next_day_at, :now), NULL without an estimate. With
    FSRS on, a card without a memory state yet (FSRS just turned on without recomputing) falls back to
    the interval estimate rather than counting as forgotten."""
    if stats._fsrs_enabled(col):
        return f"coalesce({stats.R_FSRS}, {stats.R_INTERVAL})"
    return stats.R_INTERVAL


WEIGHT_SQL = ("coalesce(max(1, cast(substr(n.tags, nullif(instr(lower(n.tags), ' " + ASKED_TAG
              + "'), 0) + " + str(len(ASKED_TAG) + 1) + ", 4) as integer)), 1)")
# one row per card under the root: the weight (SQL reads the first asked:: tag; the builder writes one)
CARDS_SQL = """
select c.id, c.nid, n.tags, {w}, coalesce({r}, 0), c.type = 0
from cards c join notes n on n.id = c.nid
where c.queue != -1 and n.tags in (select tags from notes where tags like :like escape '\\'
                                  group by tags having tags regexp :tag_re)
"""


def card_forecast(col, root: str, date: dt.date, now: int | None = None) -> list[tuple]:
    """[(card id, note id, tags, weight, predicted recall, is new)] of the active cards under `root`."""
    root = root_or_default(root)
    params = dict(timing(col, date, now), like=stats.like_superset(root), tag_re=stats.tag_regex(root))
    sql = CARDS_SQL.format(w=WEIGHT_SQL, r=r_expression(col))
    return col.db.all(*stats._named(sql, params))


def question_keys(col) -> tuple[dict[int, str], list[int]]:
    """(note id -> question id for our Q&A and cloze notes, their note type ids); other notes are their own
    question."""
    types = find_note_types(col)
    out: dict[int, str] = {}
    mids: list[int] = []
    for kind, field_name in (("qa", "ID"), ("cloze", "QuestionID")):
        for mid in types.mids(kind):
            mids.append(mid)
            idx = types.fields_by_mid[mid][field_name]
            for nid, flds in col.db.all("select id, flds from notes where mid = ?", mid):
                parts = flds.split("\x1f")
                qid = _plain(parts[idx]) if idx < len(parts) else ""
                if qid:
                    out[nid] = qid
    return out, mids


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


# Per note (CTE), then: other notes (each its own question) summed per tag string in SQL (kind 0:
# Σ w·recall, Σ w, questions, not started, frequent not started, below target); our Q&A / cloze notes
# one row each (kind 1: note id, weight, Σ R, cards, new cards), joined into questions in Python.
# Notes drive the join (CROSS JOIN keeps them outer: only the root's notes reach cards, by nid index).
TOPIC_SQL = """
with m(tags) as (select tags from notes where tags like :like escape '\\' group by tags having tags regexp :tag_re),
per_note as (
  select n.tags as tags, n.id as nid, n.mid in ({ours}) as ours, {w} as w, sum(coalesce({r}, 0)) as r,
    count(*) as k, sum(c.type = 0) as nw
  from notes n cross join cards c on c.nid = n.id
  where n.tags in m and c.queue != -1
  group by n.id
)
select 0, tags, sum(w * r / k), sum(w), count(*), sum(nw = k), sum(nw = k and w >= {frequent}),
  sum(nw < k and r < {target} * k)
from per_note where not ours group by tags
union all
select 1, tags, nid, w, r, k, nw, 0 from per_note where ours
"""


_cache: dict[Any, dict[str, Readiness]] = {}


def compute(col, root: str, date: dt.date, now: int | None = None, use_cache: bool = True) -> dict[str, Readiness]:
    """{topic key (stats.fold of the tag): Readiness} for the root and every tag level under it; cached
    until the collection changes or the minute turns (the same key as stats.compute's cache)."""
    root = root_or_default(root)
    key = (stats._cache_key(col, root, 0, now), date) if use_cache else None
    if key is not None and key in _cache:
        return _cache[key]
    result = _compute(col, root, date, now)
    if key is not None:
        _cache.clear()
        _cache[key] = result
    return result


def _compute(col, root: str, date: dt.date, now: int | None) -> dict[str, Readiness]:
    qkey, mids = question_keys(col)
    now_s = int(time.time()) if now is None else int(now)
    rows = raw_rows(col, date, now_s, mids, root=root)
    return build(root, date, rows, qkey)


# TOPIC_SQL for a few notes given by id (`:scope`, see rootscan.py: the incremental refresh after an answer).
TOPIC_SQL_SCOPE = TOPIC_SQL.replace(
    "with m(tags) as (select tags from notes where tags like :like escape '\\' group by tags having tags regexp :tag_re),\n"
    "per_note as", "with per_note as").replace(
    "from notes n cross join cards c on c.nid = n.id\n  where n.tags in m and c.queue != -1",
    "from " + rootscan._SCOPE_JOIN + "\n  where c.queue != -1")


# TOPIC_SQL with the root's tag strings given (`:tagset`, a JSON list: stats.raw_rows' card rows) instead of
# matching every note's tags again.
TOPIC_SQL_TAGSET = TOPIC_SQL.replace(
    "with m(tags) as (select tags from notes where tags like :like escape '\\' group by tags having tags regexp :tag_re),\n"
    "per_note as", "with per_note as").replace("where n.tags in m and", "where n.tags in " + rootscan.TAGSET + " and")
assert "json_each(:tagset)" in TOPIC_SQL_TAGSET and "regexp" not in TOPIC_SQL_TAGSET


def raw_rows(col, date: dt.date, now_s: int, mids: list[int], scope: str | None = None,
             root: str = DEFAULT_ROOT, tagset: str | None = None) -> dict[tuple, tuple]:
    """{(0, tag string) | (1, note id): TOPIC_SQL row} of the root's notes (`scope` None: matched by tag
    string, or by `tagset`, the JSON list of the root's tag strings when known) or of the notes in `scope`
    (JSON list of note ids, rootscan.py), in the statement's order."""
    if scope is None and tagset is not None:
        sql = TOPIC_SQL_TAGSET.format(ours=",".join(str(int(m)) for m in mids) or "0", w=WEIGHT_SQL,
                                      r=r_expression(col), frequent=FREQUENT, target=TARGET)
        params = dict(timing(col, date, now_s), tagset=tagset)
        return {(row[0], row[1] if row[0] == 0 else row[2]): tuple(row)
                for row in col.db.all(*stats._named(sql, params))}
    sql = (TOPIC_SQL if scope is None else TOPIC_SQL_SCOPE).format(
        ours=",".join(str(int(m)) for m in mids) or "0", w=WEIGHT_SQL, r=r_expression(col), frequent=FREQUENT,
        target=TARGET)
    match = (dict(like=stats.like_superset(root), tag_re=stats.tag_regex(root)) if scope is None
             else dict(scope=scope))
    params = dict(timing(col, date, now_s), **match)
    return {(row[0], row[1] if row[0] == 0 else row[2]): tuple(row) for row in col.db.all(*stats._named(sql, params))}


def build(root: str, date: dt.date, rows: dict[tuple, tuple], qkey: dict[int, str],
          tree: "stats._Tree | None" = None, only: set[str] | None = None,
          previous: dict[str, Readiness] | None = None) -> dict[str, Readiness]:
    """Readiness per topic from the rows of `raw_rows` (Python only: questions joined, the roll-up);
    `tree`, `only` and `previous` as for stats.build."""
    tree = tree if tree is not None else stats._Tree(root)
    if only is None or previous is None:
        only = None
    acc: dict[str, list] = {}  # topic -> [Σ w·R, Σ w, questions, not started, frequent not started, below]
    qs: dict[Any, list] = {}  # our questions: [weight, Σ R, cards, new cards, set of tag strings]
    for kind, tags, a, b, c, d, e, f in rows.values():
        if kind == 0:
            for key in tree.nodes(tags):
                if only is not None and key not in only:
                    continue
                v = acc.get(key)
                if v is None:
                    acc[key] = [a, b, c, d, e, f]
                else:
                    v[0] += a; v[1] += b; v[2] += c; v[3] += d; v[4] += e; v[5] += f  # noqa: E702
            continue
        q = qs.get(k := qkey.get(a, a))
        if q is None:
            qs[k] = [b, c, d, e, {tags}]
        else:
            q[0] = max(q[0], b)
            q[1] += c
            q[2] += d
            q[3] += e
            q[4].add(tags)
    for w, r_sum, n, new, tagsets in qs.values():
        topics = tree.nodes(next(iter(tagsets))) if len(tagsets) == 1 else \
            set().union(*(tree.nodes(t) for t in tagsets))
        recall = r_sum / n
        untouched = new == n
        v = (w * recall, w, 1, int(untouched), int(untouched and w >= FREQUENT), int(not untouched and recall < TARGET))
        for key in topics:
            if only is not None and key not in only:
                continue
            a = acc.get(key)
            if a is None:
                acc[key] = list(v)
            else:
                for i in range(6):
                    a[i] += v[i]
    out: dict[str, Readiness] = {}
    for key, spelling in tree.spelling.items():
        if only is not None and key not in only and key in previous:
            out[key] = previous[key]
            continue
        a = acc.get(key)
        r = Readiness(tag=spelling)
        if a is not None and a[1]:
            r.readiness = round(a[0] / a[1], 4)
            r.weight, r.questions, r.not_started, r.frequent_not_started, r.below_target = a[1], a[2], a[3], a[4], a[5]
        r.advice = advice(r, date)
        out[key] = r
    return out


def advice(r: Readiness, date: dt.date) -> str:
    """One line: what it would take to be ready for this topic on the date."""
    if r.readiness is None:
        return "no cards to study"
    parts = []
    if r.frequent_not_started:
        parts.append(f"{r.frequent_not_started} frequently asked question{'s' * (r.frequent_not_started != 1)} "
                     f"(in {FREQUENT}+ documents) not started")
    rest = r.not_started - r.frequent_not_started
    if rest:
        parts.append(f"{rest} {'other ' if r.frequent_not_started else ''}question{'s' * (rest != 1)} not started")
    if r.below_target:
        parts.append(f"{r.below_target} started question{'s' * (r.below_target != 1)} predicted below "
                     f"{TARGET:.0%} on {date.isoformat()}")
    return " · ".join(parts) if parts else f"on track: every question predicted at {TARGET:.0%} or more"


# ------------------------------------------------------------------ study for the interview
def interview_deck_name(tag: str | None) -> str:
    return INTERVIEW_DECK + ("::" + tag.replace("::", " › ") if tag else "")


def ranked_cards(col, root: str, tag: str | None, date: dt.date, now: int | None = None,
                 limit: int = INTERVIEW_LIMIT, own_deck: int = 0) -> list[tuple[int, float]]:
    """[(card id, loss)] of the topic's (or the whole root's) active, unburied cards outside filtered
    decks (except `own_deck`, the deck being refreshed), largest loss = weight × (1 − predicted recall)
    first (ties: card id), at most `limit`."""
    from anki.collection import SearchNode
    search = col.build_search_string(SearchNode(tag=tag or root))
    outside = f"(-deck:filtered OR did:{int(own_deck)})" if own_deck else "-deck:filtered"
    allowed = set(col.find_cards(f"{search} -is:suspended -is:buried {outside}"))
    scored = [(cid, w * (1.0 - r)) for cid, _nid, _tags, w, r, _new in card_forecast(col, root, date, now)
              if cid in allowed]
    scored.sort(key=lambda x: (-x[1], x[0]))
    return [x for x in scored[:limit] if x[1] > 0]


def make_interview_deck(col, root: str, tag: str | None, date: dt.date, now: int | None = None):
    """Create or refresh the filtered deck of the cards with the largest loss, in loss order; one undo step.

    A filtered deck cannot sort by a computed value: it is built from an explicit `cid:` list, then
    the positions Anki gave its cards (their `due` inside the filtered deck, which orders its queue;
    Anki restores the home `due` from `odue` when the deck is emptied) are handed out again in loss
    order, and the changes merged into one undo entry. Anki positions only cards whose due is > 0: new
    cards at home position 0 (as imported from genanki packages) first get positions 1.. in loss
    order with Anki's own reposition (they were all tied at 0), so every card can be ordered.
    Returns (OpChanges, deck id); raises ValueError when there is nothing to study."""
    from anki.decks import DeckId
    name = interview_deck_name(tag)
    existing = col.decks.id_for_name(name) or 0
    ranked = ranked_cards(col, root, tag, date, now, own_deck=existing)
    if not ranked:
        raise ValueError("no cards to study for the interview")
    undo = col.add_custom_undo_entry(f"Study for the interview: {tag or root}")
    if existing:
        col.sched.empty_filtered_deck(DeckId(existing))  # its cards home first (positions restored)
    unplaced = [c.id for c in map(col.get_card, (cid for cid, _ in ranked)) if c.type == 0 and c.due <= 0]
    if unplaced:
        col.sched.reposition_new_cards(unplaced, starting_from=1, step_size=1, randomize=False,
                                       shift_existing=False)
    deck = col.sched.get_or_create_filtered_deck(deck_id=DeckId(existing))
    deck.name = name
    deck.config.reschedule = True
    while len(deck.config.search_terms) < 1:
        deck.config.search_terms.add()
    del deck.config.search_terms[1:]
    term = deck.config.search_terms[0]
    term.search = "cid:" + ",".join(str(cid) for cid, _ in ranked)
    term.limit = len(ranked)
    term.order = term.ADDED
    did = col.sched.add_or_update_filtered_deck(deck).id
    rank = {cid: i for i, (cid, _) in enumerate(ranked)}
    cards = [col.get_card(cid) for cid in col.find_cards(f"did:{did}")]
    slots = sorted(c.due for c in cards)
    cards.sort(key=lambda c: rank.get(c.id, len(rank)))
    for card, slot in zip(cards, slots):
        card.due = slot
    col.update_cards(cards)
    return col.merge_undo_entries(undo), int(did)
