"""The dashboard's figures as one snapshot, refreshed incrementally after answers (plain Python + SQL,
no Qt).

Cost that follows the root, not the collection: a full computation (`Snapshot.compute`) runs the three
statements of stats.raw_rows and readiness.raw_rows. The card statement matches the root's notes by tag
string (a LIKE pre-filter, then Anki's own `regexp` once per distinct tag string — exactly Anki's
`tag:<root>`); its rows' tag strings go to the other two as a JSON list (`:tagset`), so no note's tags are
matched twice; the recent revlog window is read in rowid order keeping only the root's cards' rows before
any join. The Python roll-up reuses the previous snapshot's trees when the tag strings are the same.

Incremental refresh: answering a card changes only that card (and adds its review), so only the rows of
its note's tag string change. `Snapshot.after_answer` recomputes those rows with the same statements
restricted to the notes of that tag string (`scope`, a JSON list of note ids read by SQLite's
`json_each`: notes and cards by key, reviews by `ix_revlog_cid` with the window as a rowid range), puts
them in place and rebuilds only the topics those tag strings reach (the same sums in the same order as a
full build), so the figures equal a full recomputation at the snapshot's `now` (tests/test_addon_incremental.py).
The root's notes by tag string (`root_notes`) are looked up at the first patch and cached until the
connection reports a change (`total_changes()`, O(1)). Anything else (a note edit, an undo, another day,
FSRS toggled, a snapshot older than MAX_PATCH_AGE) means a full recomputation: the dashboard decides
(dashboard.py).
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from typing import Any

from . import stats
from ..core.settings import root_or_default

# ---------------------------------------------------------------- the statements of stats.raw_rows, by scope
# The same two statements for a few notes given by id (`:scope`, a JSON list: the notes of the tag strings an
# answer touched, Snapshot.after_answer): notes and cards by key, reviews by the cid index with the window as a rowid
# range — a few milliseconds, whatever the size of the collection.
_SCOPE_JOIN = "json_each(:scope) j cross join notes n on n.id = j.value cross join cards c on c.nid = n.id"
CARD_SQL_SCOPE = stats.CARD_SQL.split("from cards c")[0] + "from " + _SCOPE_JOIN + "\ngroup by n.tags\n"
REVLOG_SQL_SCOPE = """
with g as (
  select r.cid as cid, min(r.id) as id, n.tags as tags, c.queue as queue,
    min(case when """ + stats._ELIG + """ then r.id * 4 + (r.ease > 1) * 2 + (r.lastIvl < {mature}) end) as fe,
    sum((r.lastIvl >= {mature}) - (r.ivl >= {mature})) as dm, sum((r.lastIvl != 0) - (r.ivl != 0)) as ds
  from """ + _SCOPE_JOIN + """ cross join revlog r on r.cid = c.id
  where r.id >= :start and r.id < :next_ms
  group by r.cid, (r.id - :day0_ms) / {day}
),
x as (
  select cid, tags, queue, (:next_ms - 1 - id) / {week} as wk, fe is not null as fod, fe / 4 >= :win_start as inwin,
    (fe & 2) / 2 as pass, fe & 1 as young, dm, ds
  from g limit -1
)
select x.tags, """ + ", ".join(c.replace("c.queue", "x.queue") for c in stats._COLS) + """
from x group by x.tags
"""


# For the whole root the window's rows are read in rowid order and only those of the root's cards kept (a
# membership test against the root's card ids, found through the matching tag strings `m`): a range scan
# reads the window's pages once, where the cid index would seek every row, and no other root's review is
# joined to its card and note (stats.REVLOG_SQL joins every review of the window). The same rows and sums as
# stats.REVLOG_SQL and REVLOG_SQL_SCOPE (which wins for a few notes: the incremental refresh).
_WINDOW = "from revlog r where r.id >= :start and r.id < :next_ms"
_M = ("m(tags) as (select tags from notes where tags like :like escape '\\' group by tags "
      "having tags regexp :tag_re)")
assert _WINDOW in stats.REVLOG_SQL and "\nwhere n.tags like" in stats.REVLOG_SQL and stats.REVLOG_SQL.startswith("\nwith g as")
REVLOG_SQL_WINDOW = "\nwith " + _M + ",\n" + stats.REVLOG_SQL[len("\nwith "):].replace(
    _WINDOW, _WINDOW + " and +r.cid in (select c.id from notes n cross join cards c on c.nid = n.id "
    "where n.tags in m)").split("\nwhere n.tags like")[0] + "\ngroup by n.tags\n"  # +r.cid: the window scan, not a
# seek per card (SQLite's own choice, slower by a third on the 50,000-card bench root)
# The root's tag strings are known once the card statement ran (its rows): the revlog statement (and readiness's,
# readiness.TOPIC_SQL_TAGSET) take them as a JSON list (`:tagset`) instead of matching every note's tags again.
TAGSET = "(select value from json_each(:tagset))"
_M_CTE = "\nwith " + _M + ",\n"
assert REVLOG_SQL_WINDOW.startswith(_M_CTE) and "n.tags in m)" in REVLOG_SQL_WINDOW
REVLOG_SQL_TAGSET = "\nwith " + REVLOG_SQL_WINDOW[len(_M_CTE):].replace("n.tags in m)", "n.tags in " + TAGSET + ")")

MAX_PATCH_AGE = 600  # seconds: an older snapshot is recomputed (the figures are "as of" its `now`)
_notes_cache: dict[Any, dict[str, list[int]]] = {}


def change_stamp(col) -> tuple:
    """O(1): changes the moment anything is written on the collection's connection (or it is reopened)."""
    return (id(col), id(col.db), str(getattr(col, "path", "")), col.db.scalar("select total_changes()"))


def root_notes(col, root: str) -> dict[str, list[int]]:
    """{tag string: [note ids]} of the notes Anki's `tag:<root>` finds, tag strings in SQL (binary) order."""
    root = root_or_default(root)
    key = (change_stamp(col), stats.fold(root))
    got = _notes_cache.get(key)
    if got is None:
        rows = col.db.all("select tags, group_concat(id) from notes where tags like ? escape '\\' "
                          "group by tags having tags regexp ?", stats.like_superset(root), stats.tag_regex(root))
        got = {tags: [int(x) for x in ids.split(",")] for tags, ids in rows}
        _notes_cache.clear()
        _notes_cache[key] = got
    return got


def scope(groups: dict[str, list[int]], tags: list[str] | None = None) -> str:
    """The note ids of `groups` (only those of `tags` when given) as the JSON list the SQL reads."""
    keys = groups if tags is None else [t for t in tags if t in groups]
    return json.dumps(sorted(nid for t in keys for nid in groups[t]), separators=(",", ":"))


@dataclass
class Snapshot:
    """One full computation of the dashboard's figures and the raw rows they were built from."""

    root: str
    days: int
    date: dt.date | None
    now_s: int
    today: int
    fsrs: bool
    groups: dict[str, list[int]] | None  # the root's notes by tag string: found at the first patch
    card_rows: dict[str, tuple]
    rev_rows: dict[str, tuple]
    ready_rows: dict[Any, tuple] = field(default_factory=dict)
    qkeys: tuple[dict[int, str], list[int]] = field(default_factory=lambda: ({}, []))
    topics: list = field(default_factory=list)  # list[stats.TopicStats]
    ready: dict = field(default_factory=dict)  # {topic key: readiness.Readiness}
    seconds: float = 0.0
    _trees: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def compute(cls, col, root: str, days: int, date: dt.date | None, now: int | None = None,
                previous: "Snapshot | None" = None) -> "Snapshot":
        """Statistics and (with a date) readiness of the root. `previous`: the last snapshot (of any state):
        when the new rows carry exactly the same tag strings, its trees (each tag string's topics and the
        topics' spellings, which depend on nothing else) are reused instead of folding every tag again."""
        from . import readiness
        started = time.perf_counter()
        root = root_or_default(root)
        days = max(1, int(days))
        now_s = int(time.time()) if now is None else int(now)
        fsrs = stats._fsrs_enabled(col)
        card_rows, rev_rows = stats.raw_rows(col, days, now_s, fsrs, root=root)
        snap = cls(root=root, days=days, date=date, now_s=now_s, today=int(col.sched.today), fsrs=fsrs,
                   groups=None, card_rows=card_rows, rev_rows=rev_rows)
        if date is not None:
            snap.qkeys = readiness.question_keys(col)
            snap.ready_rows = readiness.raw_rows(col, date, now_s, snap.qkeys[1], root=root,
                                                 tagset=json.dumps(list(card_rows)))  # the root's tag strings
        if previous is not None and previous._trees is not None and stats.fold(previous.root) == stats.fold(root) \
                and previous.card_rows.keys() == card_rows.keys() \
                and [k for k in previous.ready_rows if k[0] == 0] == [k for k in snap.ready_rows if k[0] == 0] \
                and [r[1] for k, r in previous.ready_rows.items() if k[0] == 1] \
                == [r[1] for k, r in snap.ready_rows.items() if k[0] == 1]:
            snap._trees = previous._trees  # same tag strings in the same order: the same topics and spellings
            snap._build(reuse=True)
        else:
            snap._build()
        snap.seconds = time.perf_counter() - started
        return snap

    def _build(self, tags: list[str] | None = None, reuse: bool = False) -> None:
        """Topics and readiness from the raw rows. With `tags` (the tag strings whose rows were just
        recomputed, the set of rows unchanged), only the topics they reach are rebuilt: the trees (each tag
        string's topics, first spellings) are kept from the last build, the other topics reused."""
        from . import readiness
        only_s = only_r = None
        if reuse and self._trees is not None:
            pass  # every topic rebuilt, with the trees of an earlier snapshot of the same tag strings
        elif tags is None or self._trees is None:
            self._trees = (stats._Tree(self.root), stats._Tree(self.root))
        else:
            ts, tr = self._trees
            only_s = set().union(*(ts.nodes(t) for t in tags))
            qk = self.qkeys[0]
            questions = {qk.get(n, n) for t in tags for n in self.groups[t]}
            rtags = set(tags) | {row[1] for k, row in self.ready_rows.items()
                                 if k[0] == 1 and qk.get(k[1], k[1]) in questions}  # a question's other notes
            only_r = set().union(*(tr.nodes(t) for t in rtags))
        self.topics = stats.build(self.root, self.fsrs, self.card_rows, self.rev_rows, tree=self._trees[0],
                                  only=only_s, previous=self.topics)
        self.ready = (readiness.build(self.root, self.date, self.ready_rows, self.qkeys[0], tree=self._trees[1],
                                      only=only_r, previous=self.ready) if self.date is not None else {})

    def usable(self, col, root: str, days: int, date: dt.date | None) -> bool:
        """Whether `after_answer` may patch this snapshot (same settings, same day, same FSRS mode)."""
        root = root_or_default(root)
        return (stats.fold(root) == stats.fold(self.root) and max(1, int(days)) == self.days and date == self.date
                and int(col.sched.today) == self.today and stats._fsrs_enabled(col) == self.fsrs)

    def after_answer(self, col, card_ids) -> "Snapshot":
        """The snapshot after these cards were answered (nothing else changed): the rows of their notes'
        tag strings recomputed (same SQL, same `now`), the topics rebuilt. Patches in place; returns self."""
        from . import readiness
        started = time.perf_counter()
        ids = sorted({int(c) for c in card_ids})
        if not ids:
            return self
        if self.groups is None:  # answers change no tags: the notes found now are those of the snapshot
            self.groups = root_notes(col, self.root)
        marks = ",".join("?" * len(ids))
        rows = col.db.all(f"select n.tags from cards c join notes n on n.id = c.nid where c.id in ({marks})", *ids)
        tags = sorted({t for (t,) in rows if t in self.groups})
        if tags:
            sc = scope(self.groups, tags)
            card_rows, rev_rows = stats.raw_rows(col, self.days, self.now_s, self.fsrs, sc)
            same = {t for t in tags if t in self.card_rows} == set(card_rows)
            _replace(self.card_rows, tags, card_rows)
            _replace(self.rev_rows, tags, rev_rows)
            if self.date is not None:
                ready_rows = readiness.raw_rows(col, self.date, self.now_s, self.qkeys[1], sc)
                nids = {nid for t in tags for nid in self.groups[t]}
                old = [k for k in self.ready_rows if (k[0] == 0 and k[1] in tags) or (k[0] == 1 and k[1] in nids)]
                same = same and set(old) == set(ready_rows)
                _replace(self.ready_rows, old, ready_rows)
            # the same card and readiness rows (only values changed; a review row may be new): the topics
            # and their spellings stay, only those the tag strings reach are rebuilt
            self._build(tags if same else None)
        self.seconds = time.perf_counter() - started
        return self


def _replace(rows: dict, keys, new: dict) -> None:
    """Rows of `keys` replaced by `new` in place (order kept; a key without a new row removed, a new key
    inserted where a full computation would put it: rows are in key order within their kind)."""
    keys = set(keys)
    for k in keys - set(new):
        rows.pop(k, None)
    missing = [k for k in new if k not in rows]
    for k, v in new.items():
        if k in rows:
            rows[k] = v
    if missing:
        merged = dict(rows)
        merged.update({k: new[k] for k in missing})
        ordered = sorted(merged, key=_order)
        rows.clear()
        rows.update((k, merged[k]) for k in ordered)


def _order(key) -> tuple:
    if isinstance(key, tuple):  # readiness rows: (kind, tag string or note id)
        return (key[0], key[1] if key[0] == 0 else 0, key[1] if key[0] == 1 else 0)
    return (0, key, 0)
