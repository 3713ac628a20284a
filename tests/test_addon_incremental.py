"""The dashboard's incremental refresh after answering cards (addon/rootscan.py) equals a full
recomputation — statistics and interview readiness, FSRS off and on — on the real package imported into
a real collection, cards answered through Anki's scheduler (new, learning, review; pass and fail)."""
from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from anki.collection import Collection

from addon.dashboard import readiness, rootscan, stats

from test_addon_readiness import hist_collection
from test_addon_stats import answer


@pytest.fixture(scope="module", params=[False, True], ids=["sm2", "fsrs"])
def icol(request, built_package, tmp_path_factory):
    dist, _, _ = built_package
    col = hist_collection(dist, tmp_path_factory.mktemp(f"incr-{request.param}"), request.param, seed=9)
    yield col
    col.close()


def full(col, date, now):
    return (stats.compute(col, use_cache=False, now=now),
            readiness.compute(col, "GenAI", date, now=now, use_cache=False))


def test_after_answer_equals_full_recompute(icol):
    col = icol
    rng = random.Random(4)
    now = int(time.time()) + 3600  # after every answer below (answers are timestamped with the clock)
    date = readiness.anki_today(col) + dt.timedelta(days=15)
    snap = rootscan.Snapshot.compute(col, "GenAI", 30, date, now=now)
    assert (snap.topics, snap.ready) == full(col, date, now)
    by_type = {t: col.find_cards(f"tag:GenAI -is:suspended {q}") for t, q in
               (("new", "is:new"), ("learn", "is:learn"), ("review", "is:review -is:learn"))}
    assert all(by_type.values()), {k: len(v) for k, v in by_type.items()}
    answered = 0
    for kind in ("new", "learn", "review", "new", "review"):
        cid = rng.choice(by_type[kind])
        rating = rng.choice((1, 3))  # again / good
        before = [t.to_dict() for t in snap.topics]
        answer(col, cid, rating)
        assert snap.usable(col, "GenAI", 30, date)
        snap.after_answer(col, [cid])
        want_topics, want_ready = full(col, date, now)
        assert snap.topics == want_topics, (kind, cid)
        assert snap.ready == want_ready, (kind, cid)
        answered += [t.to_dict() for t in snap.topics] != before
    assert answered >= 3  # the answers moved the figures (the patch is not a no-op)
    # several answers patched at once (the dashboard batches those since its last refresh)
    cids = rng.sample(by_type["review"], 3)
    for cid in cids:
        answer(col, cid, 3)
    snap.after_answer(col, cids)
    assert (snap.topics, snap.ready) == full(col, date, now)
    # a full recomputation reusing the snapshot's trees (same tag strings) equals one without
    again = rootscan.Snapshot.compute(col, "GenAI", 30, date, now=now, previous=snap)
    assert again._trees is snap._trees
    assert (again.topics, again.ready) == full(col, date, now)
    note = col.get_note(col.get_card(cids[0]).nid)
    note.tags = [*note.tags, "GenAI::Brand_new_topic"]
    col.update_note(note)
    changed = rootscan.Snapshot.compute(col, "GenAI", 30, date, now=now, previous=again)
    assert changed._trees is not again._trees and "genai::brand_new_topic" in changed.ready
    assert (changed.topics, changed.ready) == full(col, date, now)


def test_snapshot_not_usable_after_settings_change(icol):
    col = icol
    date = readiness.anki_today(col) + dt.timedelta(days=15)
    snap = rootscan.Snapshot.compute(col, "GenAI", 30, date)
    assert snap.usable(col, "genai", 30, date)
    assert not snap.usable(col, "GenAI", 31, date)
    assert not snap.usable(col, "GenAI", 30, date + dt.timedelta(days=1))
    assert not snap.usable(col, "Other", 30, date)
    no_date = rootscan.Snapshot.compute(col, "GenAI", 30, None)
    assert no_date.ready == {} and no_date.topics == stats.compute(col, use_cache=False, now=no_date.now_s)


def test_root_notes_cache_follows_changes(built_package, tmp_path):
    from test_addon_readiness import import_package
    dist, _, _ = built_package
    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        import_package(col, dist)
        first = rootscan.root_notes(col, "GenAI")
        assert rootscan.root_notes(col, "GenAI") is first  # cached: nothing changed
        assert sum(map(len, first.values())) == len(col.find_notes("tag:GenAI"))
        nid = first[next(iter(first))][0]
        note = col.get_note(nid)
        note.tags = ["Elsewhere"]
        col.update_note(note)
        second = rootscan.root_notes(col, "GenAI")
        assert nid not in {n for ids in second.values() for n in ids}
        assert sum(map(len, second.values())) == len(col.find_notes("tag:GenAI"))
    finally:
        col.close()
