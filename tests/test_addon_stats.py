"""Topic-mastery statistics (addon/dashboard/stats.py) and the report CLI (addon/dashboard/report.py) against Anki's own
engine, on a real collection WITH HISTORY: the built package imported, a few dozen cards answered
through the v3 scheduler with mixed ratings (some answers backdated with `answered_at_millis`), some
cards made young / mature with the scheduler's own `set_due_date("N!")` (no direct db edits), some
suspended. Counts are checked against `col.find_cards` searches, retention against a separate naive
recomputation from the revlog, retrievability against `col._backend.graphs()`.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest, SearchNode
from anki.scheduler.v3 import CardAnswer

from addon.dashboard import stats

from conftest import ROOT

RATINGS = [CardAnswer.AGAIN, CardAnswer.HARD, CardAnswer.GOOD, CardAnswer.EASY]
DAY_MS = 86_400_000


def import_package(col, dist):
    col.import_anki_package(ImportAnkiPackageRequest(
        package_path=str(dist / "genai-interview-prep.apkg"),
        options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)))


def answer(col, cid: int, rating, at_ms: int | None = None) -> None:
    card = col.get_card(cid)
    col.decks.select(card.did)
    states = col._backend.get_scheduling_states(card.id)
    card.start_timer()
    ans = col.sched.build_answer(card=card, states=states, rating=rating)
    if at_ms is not None:
        ans.answered_at_millis = at_ms
    col.sched.answer_card(ans)


def make_history(col, seed: int = 3) -> dict:
    """A few dozen answers with mixed ratings over ~10 weeks, young and mature cards, suspensions."""
    rng = random.Random(seed)
    cids = col.find_cards("tag:GenAI::* -tag:kind::image")
    rng.shuffle(cids)
    now_ms = int(time.time() * 1000)
    learn, young, mature, susp = cids[:30], cids[30:45], cids[45:65], cids[65:75]
    # new cards answered (some twice the same day: only the first counts for retention)
    for i, cid in enumerate(learn):
        answer(col, cid, rng.choice(RATINGS), now_ms - rng.randrange(0, 60) * DAY_MS - i * 1000)
        if i % 3 == 0:
            answer(col, cid, rng.choice(RATINGS))
    # review cards with a set interval (the scheduler's own set_due_date "N!" sets ivl = N)
    col.sched.set_due_date(young, "5!")
    col.sched.set_due_date(mature, "30!")
    for i, cid in enumerate(young + mature):
        if i % 2 == 0:  # reviews with lastIvl >= 1 day: true-retention reviews, some backdated
            at = now_ms - rng.randrange(0, 25) * DAY_MS - i * 1000 - 120_000  # the repeat stays in the past
            answer(col, cid, rng.choice(RATINGS[1:]) if i % 4 == 0 else rng.choice(RATINGS), at)
            if i % 4 == 0:  # again the same day, still a review: counted by graphs(), not by us
                answer(col, cid, rng.choice(RATINGS), at + 60_000)
    # a few more review cards after the answers, so that mature cards remain
    col.sched.set_due_date(mature[::3], "40!")
    col.sched.set_due_date(susp, "25!")
    relearning = col.find_cards("tag:GenAI is:learn is:review")  # lapsed review cards (type 3)
    for cid in mature[2:]:  # at least two, whatever the random ratings gave: lapse review cards
        if len(relearning) >= 2:
            break
        if col.get_card(cid).type == 2 and col.get_card(cid).queue == 2:
            answer(col, cid, RATINGS[0])
            relearning = col.find_cards("tag:GenAI is:learn is:review")
    suspended = susp[:5] + learn[:3] + cids[200:204] + young[1:3]
    relearning = [c for c in relearning if c not in suspended]  # one of each state, never both
    col.sched.suspend_cards(suspended + relearning[:1])
    # buried cards of every type, by the user (queue -3) and by the scheduler's sibling burying (-2)
    col.sched.bury_cards(susp[5:7] + learn[3:5] + cids[204:207] + young[3:4] + relearning[1:2], manual=True)
    col.sched.bury_cards(cids[207:209] + mature[1:2], manual=False)
    return {"learn": learn, "young": young, "mature": mature, "susp": susp}


@pytest.fixture(scope="module")
def hist_col(built_package, tmp_path_factory):
    dist, _, _ = built_package
    folder = tmp_path_factory.mktemp("stats-col")
    col = Collection(str(folder / "collection.anki2"))
    import_package(col, dist)
    make_history(col)
    yield col
    col.close()


def tag_search(tag: str) -> str:
    return SearchNode(tag=tag)


def count(col, tag: str, extra: str) -> int:
    search = col.build_search_string(SearchNode(tag=tag))
    return len(col.find_cards(f"{search} {extra}" if extra else search))


TYPES = {"new": "is:new", "learning": "is:learn", "young": "is:review -is:learn prop:ivl<21",
         "mature": "is:review -is:learn prop:ivl>=21"}
ACTIVE = "-is:suspended -is:buried"


def test_counts_match_anki_searches(hist_col):
    col = hist_col
    # the history holds suspended and buried cards of every type (relearning ones too)
    for state in ("is:suspended", "is:buried"):
        for search in [*TYPES.values(), "is:learn is:review"]:
            assert col.find_cards(f"tag:GenAI {state} {search}"), (state, search)
    assert col.find_cards("tag:GenAI is:buried-manually") and col.find_cards("tag:GenAI is:buried-sibling")
    topics = stats.compute(col, use_cache=False)
    by_tag = {t.tag: t for t in topics}
    used = {t for n in col.find_notes("tag:GenAI::*") for t in col.get_note(n).tags if t.startswith("GenAI::")}
    levels = {"::".join(t.split("::")[:k]) for t in used for k in range(1, t.count("::") + 2)}
    assert "GenAI" in by_tag and len(topics) == len(levels) + ("GenAI" not in levels)  # every tag level, once
    assert by_tag["GenAI"].cards == len(col.find_cards("tag:GenAI"))
    for t in topics:  # exclusive buckets: the stacked bar adds up to the topic's cards
        assert t.new + t.learning + t.young + t.mature + t.suspended + t.buried == t.cards, t.tag
    # every topic whose counts are non-trivial, plus a sample of the rest
    interesting = [t for t in topics if t.learning or t.young or t.mature or t.suspended or t.buried]
    assert len(interesting) >= 10 and sum(bool(t.buried) for t in topics) >= 5
    for t in interesting + topics[::7]:
        assert t.cards == count(col, t.tag, ""), t.tag
        for bucket, search in TYPES.items():
            assert getattr(t, bucket) == count(col, t.tag, f"{search} {ACTIVE}"), (t.tag, bucket)
        assert t.suspended == count(col, t.tag, "is:suspended"), t.tag
        assert t.buried == count(col, t.tag, "is:buried"), t.tag
        assert t.due == count(col, t.tag, "is:due"), t.tag
        # the mastery population: cards not suspended, buried ones by type
        assert t.active == count(col, t.tag, "-is:suspended"), t.tag
        assert t.seen == count(col, t.tag, "-is:suspended -is:new"), t.tag
        assert t.active_mature == count(col, t.tag, f"-is:suspended {TYPES['mature']}"), t.tag
    root = by_tag["GenAI"]
    assert root.learning > 0 and root.young > 0 and root.mature > 0 and root.suspended > 0 and root.buried > 0
    # the same buckets as the card-counts graph of Anki's statistics screen ("excluding inactive")
    for t in interesting[:12] + [root]:
        c = col._backend.graphs(search=col.build_search_string(SearchNode(tag=t.tag)), days=1).card_counts
        c = c.excluding_inactive
        assert (t.new, t.learning, t.young, t.mature, t.suspended, t.buried) == (
            c.newCards, c.learn + c.relearn, c.young, c.mature, c.suspended, c.buried), t.tag
    # children roll up: intermediate levels exist and list their children
    parents = [t for t in topics if t.children]
    assert parents and all(by_tag[c].parent == t.tag for t in parents for c in t.children)


def counts_for_retention(ease: int, rtype: int, last_ivl: int, factor: int) -> bool:
    """Anki's true-retention rule for one revlog row: a rated review that affects scheduling, of a
    card whose last interval was at least a day."""
    if not 1 <= ease <= 4 or (rtype == 3 and factor == 0):
        return False
    return rtype == 1 or last_ivl >= 1 or last_ivl <= -86400


def naive_retention(col, tag: str, days: int) -> tuple[int, int]:
    """Anki's True Retention for the cards under `tag`, recomputed row by row from the revlog."""
    low = tag.lower()
    next_day = col.sched.day_cutoff
    start_ms = (next_day - days * 86400) * 1000
    rows = col.db.all("select r.id, r.cid, r.ease, r.type, r.lastIvl, r.factor, n.tags from revlog r "
                      "join cards c on c.id = r.cid join notes n on n.id = c.nid order by r.id")
    seen_days: set[tuple[int, int]] = set()
    passed = total = 0
    for rid, cid, ease, rtype, last_ivl, factor, tags in rows:
        if not any(t.lower() == low or t.lower().startswith(low + "::") for t in tags.split()):
            continue
        if not counts_for_retention(ease, rtype, last_ivl, factor):
            continue
        day = (rid // 1000 - next_day) // 86400
        if (cid, day) in seen_days:
            continue
        seen_days.add((cid, day))
        if rid < start_ms or rid >= next_day * 1000:
            continue
        total += 1
        passed += ease > 1
    return passed, total


def test_retention_matches_naive_recomputation(hist_col):
    col = hist_col
    for days in (30, 7, 365):
        topics = stats.compute(col, days=days, use_cache=False)
        checked = 0
        for t in topics:
            passed, total = naive_retention(col, t.tag, days)
            assert (t.passed, t.reviews) == (passed, total), (t.tag, days)
            assert t.retention == (round(passed / total, 4) if total else None)
            checked += total > 0
        assert checked >= 5


def test_retention_against_anki_graphs(hist_col):
    """Anki's own true-retention table (month) counts every eligible review; ours only the first of
    each card's day. After adding back exactly those same-day repeats, all four figures agree."""
    col = hist_col
    root = next(t for t in stats.compute(col, days=30, use_cache=False) if t.tag == "GenAI")
    month = col._backend.graphs(search="tag:GenAI", days=30).true_retention.month
    next_ms = col.sched.day_cutoff * 1000
    cids = set(col.find_cards("tag:GenAI"))
    first, repeats = set(), {"yp": 0, "yf": 0, "mp": 0, "mf": 0}
    for rid, cid, ease, rtype, last_ivl, factor in col.db.all(
            "select id, cid, ease, type, lastIvl, factor from revlog order by id"):
        if cid not in cids or not counts_for_retention(ease, rtype, last_ivl, factor):
            continue
        day = (rid - next_ms) // DAY_MS
        if (cid, day) not in first:
            first.add((cid, day))
        elif next_ms - 30 * DAY_MS <= rid < next_ms:
            repeats[("y" if last_ivl < 21 else "m") + ("p" if ease > 1 else "f")] += 1
    assert sum(repeats.values()) >= 3  # the history has same-day repeats, so this checks the rule
    assert (month.young_passed, month.young_failed, month.mature_passed, month.mature_failed) == (
        root.young_passed + repeats["yp"], root.young_reviews - root.young_passed + repeats["yf"],
        root.mature_passed + repeats["mp"], root.mature_reviews - root.mature_passed + repeats["mf"])


def test_mastery_and_trend(hist_col):
    topics = stats.compute(hist_col, use_cache=False)
    for t in topics:
        assert 0 <= t.mastery <= 100
        assert len(t.trend) == stats.TREND_WEEKS and t.trend[-1] == t.mastery
        assert all(0 <= v <= 100 for v in t.trend)
    root = next(t for t in topics if t.tag == "GenAI")
    assert root.mastery > 0
    assert root.trend[0] < root.trend[-1]  # the history was created during the last weeks
    untouched = [t for t in topics if t.cards and not t.seen]
    assert untouched and all(t.mastery == 0 for t in untouched)
    # the formula, recomputed over the cards not suspended (Anki's searches), buried ones by type
    col = hist_col
    active = len(col.find_cards("tag:GenAI -is:suspended"))
    seen = len(col.find_cards("tag:GenAI -is:suspended -is:new"))
    mature = len(col.find_cards("tag:GenAI -is:suspended is:review -is:learn prop:ivl>=21"))
    assert active < root.cards and mature > root.mature  # suspended cards left out, buried mature ones in
    r_hat = (root.passed + stats.PRIOR_RETENTION * stats.PRIOR_WEIGHT) / (root.reviews + stats.PRIOR_WEIGHT)
    expected = 100 * (0.5 * r_hat * seen / active + 0.3 * mature / active + 0.2 * seen / active)
    assert root.mastery == pytest.approx(expected, abs=0.06)
    assert root.coverage == pytest.approx(seen / active, abs=1e-4)
    assert root.mature_pct == pytest.approx(100 * mature / active, abs=0.06)


def test_interval_fallback_without_fsrs(hist_col):
    assert not hist_col.get_config("fsrs", False)
    root = next(t for t in stats.compute(hist_col, use_cache=False) if t.tag == "GenAI")
    assert root.r_source == "interval"
    assert root.r_cards == len(hist_col.find_cards("tag:GenAI is:review -is:learn"))
    assert 0.5 < root.retrievability <= 1.0 and 0 < root.knowledge <= root.r_cards


def test_cache_is_invalidated_by_reviews(built_package, tmp_path):
    dist, _, _ = built_package
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        import_package(col, dist)
        first = stats.compute(col)
        assert stats.compute(col) is first  # cached
        cid = col.find_cards("tag:GenAI::Transformers")[0]
        answer(col, cid, CardAnswer.GOOD)
        second = stats.compute(col)
        assert second is not first
        t = next(t for t in second if t.tag == "GenAI::Transformers")
        assert t.learning == 1
    finally:
        col.close()


def enable_fsrs(col) -> None:
    """Turn FSRS on the way the deck options screen does (recomputes every card's memory state)."""
    from anki import deck_config_pb2
    did = col.decks.id("Default")
    cur = col.decks.get_deck_configs_for_update(did)
    req = deck_config_pb2.UpdateDeckConfigsRequest(
        target_deck_id=did, configs=[c.config for c in cur.all_config], removed_config_ids=[],
        mode=deck_config_pb2.UpdateDeckConfigsMode.UPDATE_DECK_CONFIGS_MODE_NORMAL,
        card_state_customizer=cur.card_state_customizer, limits=cur.current_deck.limits,
        new_cards_ignore_review_limit=cur.new_cards_ignore_review_limit, fsrs=True,
        apply_all_parent_limits=cur.apply_all_parent_limits)
    col.decks.update_deck_configs(req)


def test_fsrs_retrievability_matches_anki_graphs(built_package, tmp_path):
    dist, _, _ = built_package
    col = Collection(str(tmp_path / "fsrs.anki2"))
    try:
        import_package(col, dist)
        make_history(col, seed=11)
        enable_fsrs(col)
        assert col.get_config("fsrs", False)
        topics = stats.compute(col, use_cache=False)
        checked = 0
        for t in topics:
            if t.r_cards < 3:
                continue
            g = col._backend.graphs(search=col.build_search_string(SearchNode(tag=t.tag)), days=30)
            hist = g.retrievability.retrievability
            n = sum(hist.values())
            assert t.r_source == "fsrs"
            assert t.r_cards == n, t.tag
            assert t.retrievability == pytest.approx(g.retrievability.average / 100, abs=0.01), t.tag
            assert t.knowledge == pytest.approx(g.retrievability.sum_by_card, rel=0.01, abs=0.05), t.tag
            checked += 1
        assert checked >= 3
    finally:
        col.close()


ODD_TAGS = ["GenAI::Über_Äpfel", "GenAI::<img_src=x_onerror=alert(1)>", "GenAI::\"q'&amp;", "GenAI::a::b::c::d", "genai::lower",
            "GenAI::%_like", "GenAIX::not_ours", "other::GenAI"]


def test_fault_cases_raise_nothing(built_package, tmp_path):
    dist, _, _ = built_package
    col = Collection(str(tmp_path / "odd.anki2"))
    try:
        assert stats.compute(col, use_cache=False) == []  # empty collection
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = "q", "a"
        note.tags = ["unrelated"]
        col.add_note(note, col.decks.id("Default"))
        assert stats.compute(col, use_cache=False) == []  # none of our notes, no reviews at all
        for i, tag in enumerate(ODD_TAGS):
            n = col.new_note(col.models.by_name("Basic"))
            n["Front"], n["Back"] = f"odd {i}", "a"
            n.tags = [tag]
            col.add_note(n, col.decks.id("Default"))
        topics = {t.tag.lower(): t for t in stats.compute(col, use_cache=False)}
        assert "genai::über_äpfel" in topics and topics["genai::über_äpfel"].cards == 1
        assert "genai::<img_src=x_onerror=alert(1)>" in topics and "genai::\"q'&amp;" in topics
        assert "genai::a::b::c" in topics and topics["genai::a"].cards == 1
        assert "genaix::not_ours" not in topics and "other::genai" not in topics
        assert topics["genai"].cards == len(col.find_cards("tag:GenAI"))
        for key in ("genai::über_äpfel", "genai::%_like"):
            tag = topics[key].tag
            assert topics[key].cards == count(col, tag, "")
        # another root, deleted notes, FSRS on with no reviews
        assert [t.tag for t in stats.compute(col, root="other", use_cache=False)] == ["other", "other::GenAI"]
        col.remove_notes([n.id])
        import_package(col, dist)
        answer(col, col.find_cards("tag:GenAI::Transformers")[0], CardAnswer.AGAIN)
        col.remove_notes(col.find_cards("tag:GenAI::Transformers")[:0] or
                         [col.get_card(c).nid for c in col.find_cards("tag:GenAI::Transformers")])
        topics = stats.compute(col, use_cache=False)
        assert all(t.tag.lower() != "genai::transformers" for t in topics)
        enable_fsrs(col)
        assert stats.compute(col, use_cache=False)
    finally:
        col.close()


UNICODE_TAGS = ["GenAI::Ünïcode::Äpfel", "GenAI::Ünïcode::Öl", "GenAI::Ünïcode", "GenAI::Σίσυφος::x",
                "GenAI::Straße", "GenAI::İstanbul", "GenAI::\u212aelvin", "GenAI::ǅemal",
                "GenAI::\u017fpin"]
UNICODE_ROOTS = ["genai::ünïcode", "GENAI::ÜNÏCODE", "GenAI::Ünïcode", "genai::ünïcode::äpfel", "genai::σίσυφοσ",
                 "GENAI::ΣΊΣΥΦΟΣ", "genai::straße", "GENAI::STRAẞE", "genai::strasse", "genai::istanbul",
                 "GENAI::İSTANBUL", "genai::kelvin", "genai::ǆemal", "GENAI::ǄEMAL", "genai::ünïcod",
                 "genai::spin", "GENAI::SPIN"]


def test_root_matches_like_anki_tag_search(tmp_path):
    """The root is found exactly when Anki's own `tag:` search finds it: Unicode case-insensitive
    (simple case folding: ß/ẞ, final sigma, Kelvin sign, titlecase ǅ; not ß/ss, İ/i), whole tag levels."""
    col = Collection(str(tmp_path / "uni.anki2"))
    try:
        for i, tag in enumerate(UNICODE_TAGS):
            n = col.new_note(col.models.by_name("Basic"))
            n["Front"], n["Back"] = f"u {i}", "a"
            n.tags = [tag]
            col.add_note(n, col.decks.id("Default"))
        found = 0
        for root in UNICODE_ROOTS:
            oracle = col.find_cards(col.build_search_string(SearchNode(tag=root)))
            topics = stats.compute(col, root=root, use_cache=False)
            if not oracle:
                assert topics == [], root
                continue
            found += 1
            tops = [t for t in topics if t.depth == root.count("::")]
            assert len(tops) == 1 and tops[0].cards == len(oracle), root
            assert stats.fold(tops[0].tag) == stats.fold(root), root
            for t in topics:
                assert t.cards == count(col, t.tag, ""), (root, t.tag)
        assert found >= 12
        assert len(stats.compute(col, root="genai::ünïcode", use_cache=False)) == 3  # the root and 2 children
        assert stats.compute(col, root="genai::strasse", use_cache=False) == []  # Anki: ß is not ss
    finally:
        col.close()


# ---------------------------------------------------------------- report CLI

def run_report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "addon.report", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_report_json_and_table(built_package, tmp_path):
    dist, _, _ = built_package
    path = tmp_path / "rep.anki2"
    col = Collection(str(path))
    import_package(col, dist)
    make_history(col, seed=5)
    expected = {t.tag: t for t in stats.compute(col, use_cache=False)}
    col.close()
    proc = run_report("--collection", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) >= {"topics"}
    rows = data["topics"]
    assert {r["tag"] for r in rows} == set(expected)
    for r in rows:
        assert {"tag", "cards", "new", "learning", "young", "mature", "suspended", "reviews", "retention",
                "mastery", "trend", "trend_mature", "trend_seen", "due", "overdue"} <= set(r)
        e = expected[r["tag"]]
        assert (r["cards"], r["mature"], r["reviews"], r["mastery"]) == (e.cards, e.mature, e.reviews, e.mastery)
        assert r["retention"] is None or 0 <= r["retention"] <= 1
    assert any(r["retention"] is not None for r in rows)
    table = run_report("--collection", str(path), "--days", "7")
    assert table.returncode == 0 and "GenAI" in table.stdout and "mastery" in table.stdout.lower()
    piped = subprocess.run(f'"{sys.executable}" -m addon.report --collection "{path}" | head -n 2', shell=True,
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "Traceback" not in piped.stderr and len(piped.stdout.splitlines()) == 2
    sub = json.loads(run_report("--collection", str(path), "--json", "--root", "GenAI::Transformers").stdout)
    assert sub["topics"] and all(r["tag"].startswith("GenAI::Transformers") for r in sub["topics"])


def test_report_errors(tmp_path):
    missing = run_report("--collection", str(tmp_path / "nope.anki2"))
    assert missing.returncode != 0 and "Traceback" not in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1 and "not found" in missing.stderr
    junk = tmp_path / "junk.anki2"
    junk.write_bytes(b"this is not a database" * 100)
    bad = run_report("--collection", str(junk))
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert "not an Anki collection" in bad.stderr
    empty_db = tmp_path / "other.sqlite"
    import sqlite3
    con = sqlite3.connect(empty_db)
    con.execute("create table t (x)")
    con.commit()
    con.close()
    other = run_report("--collection", str(empty_db))
    assert other.returncode != 0 and "not an Anki collection" in other.stderr and "Traceback" not in other.stderr
    # locked: another process (here: this one) holds the collection open
    path = tmp_path / "locked.anki2"
    col = Collection(str(path))
    try:
        locked = run_report("--collection", str(path), "--json")
        assert locked.returncode != 0 and "Traceback" not in locked.stderr
        assert len(locked.stderr.strip().splitlines()) == 1 and "in use" in locked.stderr
    finally:
        col.close()
    d = run_report("--collection", str(tmp_path))
    assert d.returncode != 0 and "Traceback" not in d.stderr
    assert run_report("--collection", str(path), "--days", "0").returncode != 0
