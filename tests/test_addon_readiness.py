"""Interview readiness: frequency weights in the package (`asked::<n>` tags), the forecast of each
card's recall on an interview date, readiness per topic and the interview study deck — on the real
package imported into a real collection, with history answered through the scheduler."""
from __future__ import annotations

import json
import re

import pytest
import yaml
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from addon.core import weights

from conftest import ROOT


def import_package(col, dist):
    col.import_anki_package(ImportAnkiPackageRequest(
        package_path=str(dist / "genai-interview-prep.apkg"),
        options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)))


def committed_weights() -> tuple[dict[str, int], dict[str, int]]:
    """(question id -> documents asking it, figure id -> max over its linked questions), from the data."""
    qs = json.loads((ROOT / "decks" / "questions.json").read_text(encoding="utf-8"))["questions"]
    by_q = {q["id"]: len({s["document"] for s in q["sources"]}) for q in qs}
    links = yaml.safe_load((ROOT / "decks" / "figure_links.yaml").read_text(encoding="utf-8"))
    by_fig = {fid: max(by_q[q] for q in qids if q in by_q) for fid, qids in links.items()
              if any(q in by_q for q in qids)}
    return by_q, by_fig


def plain(field: str) -> str:
    return re.sub(r"<[^>]+>", "", field).strip()


@pytest.fixture(scope="module")
def fresh_col(built_package, tmp_path_factory):
    dist, _, _ = built_package
    col = Collection(str(tmp_path_factory.mktemp("ready-col") / "collection.anki2"))
    import_package(col, dist)
    yield col
    col.close()


def test_asked_tags_equal_documents_per_question(fresh_col):
    col = fresh_col
    by_q, by_fig = committed_weights()
    assert set(by_q.values()) - {1}, "the committed set has questions asked by several documents"
    seen = {"qa": 0, "cloze": 0, "figure": 0}
    for nid in col.find_notes("-tag:retired"):  # retired stubs carry no cards and no weight
        note = col.get_note(nid)
        kind = note.note_type()["name"]
        asked = [t for t in note.tags if t.lower().startswith(weights.ASKED_TAG)]
        if kind.endswith(": Q&A"):
            want, seen["qa"] = by_q[plain(note["ID"])], seen["qa"] + 1
        elif kind.endswith(": Cloze"):
            want, seen["cloze"] = by_q[plain(note["QuestionID"])], seen["cloze"] + 1
        else:  # figure / image occlusion: the most asked linked question, or no tag
            fid = plain(note.fields[-1])
            want = by_fig.get(fid)
            seen["figure"] += 1
            if want is None:
                assert asked == [], (fid, asked)
                continue
        assert asked == [weights.asked_tag(want)], (kind, nid, asked, want)
        assert weights.weight_of(note.tags) == want
    assert seen["qa"] == len(by_q) and seen["cloze"] > 0 and seen["figure"] > 0


def test_weight_rule():
    assert weights.documents_asking([]) == 1
    assert weights.documents_asking([{"document": "a"}, {"document": "a"}, {"document": "b"}]) == 2
    assert weights.weight_of(["GenAI::x", "Asked::3", "asked::2"]) == 3
    assert weights.weight_of(["asked::x", "kind::qa"]) == 1


# ------------------------------------------------------------------ forecast per card
import datetime as dt  # noqa: E402

from addon.dashboard import readiness, stats  # noqa: E402
from test_addon_stats import answer, enable_fsrs, make_history  # noqa: E402

AHEAD = 20  # days to the interview in the tests


def hist_collection(dist, folder, fsrs: bool, seed: int):
    col = Collection(str(folder / "collection.anki2"))
    import_package(col, dist)
    make_history(col, seed=seed)
    if fsrs:
        enable_fsrs(col)
    assert bool(col.get_config("fsrs", False)) == fsrs
    return col


@pytest.fixture(scope="module", params=[False, True], ids=["sm2", "fsrs"])
def hcol(request, built_package, tmp_path_factory):
    dist, _, _ = built_package
    col = hist_collection(dist, tmp_path_factory.mktemp(f"ready-{request.param}"), request.param, seed=5)
    yield col
    col.close()


def reference_recall(col, card, days: int, now: int) -> float:
    """The card's recall `days` ahead, computed here from what Anki stores for it (not via the SQL)."""
    if col.get_config("fsrs", False) and card.memory_state is not None:
        decay = card.decay if card.decay is not None else 0.5  # FSRS5_DEFAULT_DECAY
        if card.last_review_time:
            elapsed_days = max(0, now + days * 86400 - card.last_review_time) / 86400
        else:
            due = card.odue or card.due
            elapsed_days = max(0, col.sched.today + days - (due - card.ivl))
        factor = 0.9 ** (-1 / decay) - 1
        return (1 + factor * elapsed_days / card.memory_state.stability) ** (-decay)
    if card.type != 2 or card.ivl <= 0:
        return 0.0
    due = card.odue or card.due
    return 1 / (1 + (1 / 0.9 - 1) * max(0, col.sched.today + days - (due - card.ivl)) / card.ivl)


def test_forecast_equals_anki_retrievability_at_the_date(hcol):
    col, now = hcol, int(__import__("time").time())
    date = readiness.anki_today(col) + dt.timedelta(days=AHEAD)
    rows = readiness.card_forecast(col, "GenAI", date, now=now)
    active = set(col.find_cards("tag:GenAI -is:suspended"))
    assert {r[0] for r in rows} == active
    reviewed = 0
    for cid, _nid, _tags, _w, r, new in rows:
        card = col.get_card(cid)
        assert r == pytest.approx(reference_recall(col, card, AHEAD, now), abs=1e-6), cid
        assert (card.type == 0) == bool(new)
        reviewed += card.type != 0
    assert reviewed > 30
    # today (and any past date): Anki's own current retrievability of each card (FSRS) / today's estimate
    today_rows = {r[0]: r[4] for r in readiness.card_forecast(col, "GenAI", readiness.anki_today(col), now=now)}
    past_rows = {r[0]: r[4] for r in readiness.card_forecast(col, "GenAI", dt.date(2000, 1, 1), now=now)}
    assert today_rows == past_rows
    checked = 0
    for cid, r in today_rows.items():
        card = col.get_card(cid)
        assert r == pytest.approx(reference_recall(col, card, 0, now), abs=1e-6)
        if col.get_config("fsrs", False) and card.memory_state is not None:
            anki_r = col.card_stats_data(cid).fsrs_retrievability  # Anki's card-info figure, computed now
            assert r == pytest.approx(anki_r, abs=2e-3), cid
            checked += 1
    assert checked > 30 or not col.get_config("fsrs", False)
    # forgetting: no card's recall rises by the date, and reviewed ones fall
    fut = {r[0]: r[4] for r in rows}
    assert all(fut[c] <= today_rows[c] + 1e-9 for c in fut)
    assert sum(fut[c] < today_rows[c] for c in fut) > 20


def brute_force_readiness(col, tags: list[str], now: int) -> dict:
    """{tag: (readiness, questions, not started, frequent not started)}, note by note."""
    from anki.collection import SearchNode
    def qkey(note):
        name = note.note_type()["name"]
        if name.endswith(": Q&A"):
            return plain(note["ID"])
        if name.endswith(": Cloze"):
            return plain(note["QuestionID"])
        return note.id
    cards_of: dict = {}
    weight: dict = {}
    for nid in col.find_notes("tag:GenAI"):
        note = col.get_note(nid)
        k = qkey(note)
        weight[k] = max(weight.get(k, 1), weights.weight_of(note.tags))
        cards_of.setdefault(k, []).extend(c for c in note.cards() if c.queue != -1)
    recall = {k: sum(reference_recall(col, c, AHEAD, now) for c in cards) / len(cards)
              for k, cards in cards_of.items() if cards}
    out = {}
    for tag in tags:
        in_topic = {qkey(col.get_note(n)) for n in col.find_notes(col.build_search_string(SearchNode(tag=tag)))}
        num = den = questions = untouched = frequent = 0
        for k in in_topic:
            if k not in recall:
                continue
            num += weight[k] * recall[k]
            den += weight[k]
            questions += 1
            if all(c.type == 0 for c in cards_of[k]):
                untouched += 1
                frequent += weight[k] >= 2
        out[tag] = ((num / den if den else None), questions, untouched, frequent)
    return out


def test_readiness_equals_brute_force(hcol):
    col, now = hcol, int(__import__("time").time())
    date = readiness.anki_today(col) + dt.timedelta(days=AHEAD)
    ready = readiness.compute(col, "GenAI", date, now=now, use_cache=False)
    assert readiness.compute(col, "GenAI", date, now=now) is readiness.compute(col, "GenAI", date, now=now)
    topics = stats.compute(col, use_cache=False)
    assert set(ready) == {stats.fold(t.tag) for t in topics}
    checked = 0
    brute = brute_force_readiness(col, [t.tag for t in topics], now)
    for t in topics:
        r = ready[stats.fold(t.tag)]
        want, questions, untouched, frequent = brute[t.tag]
        assert (r.readiness is None) == (want is None), t.tag
        if want is not None:
            assert r.readiness == pytest.approx(want, abs=1e-4), t.tag
            assert (r.questions, r.not_started, r.frequent_not_started) == (questions, untouched, frequent), t.tag
            assert r.advice
            checked += 1
    assert checked >= 10
    root = ready["genai"]
    assert 0 < root.readiness < 1 and root.frequent_not_started > 0
    assert f"{root.frequent_not_started} frequently asked" in root.advice


def run_report(*args: str):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "addon.report", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_report_interview_date(built_package, tmp_path):
    dist, _, _ = built_package
    path = tmp_path / "rep.anki2"
    col = hist_collection(dist, tmp_path, fsrs=False, seed=7)
    date = readiness.anki_today(col) + dt.timedelta(days=AHEAD)
    expected = readiness.compute(col, "GenAI", date)
    col.close()
    proc = run_report("--collection", str(path.parent / "collection.anki2"), "--json",
                      "--interview-date", date.isoformat())
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["forecast_date"] == date.isoformat() and data["forecast_days"] == AHEAD
    assert {r["tag"] for r in data["topics"]} == {r.tag for r in expected.values()}
    for row in data["topics"]:
        e = expected[stats.fold(row["tag"])]
        assert row["readiness"] == e.readiness and row["readiness_advice"] == e.advice
    assert any(row["readiness"] for row in data["topics"])
    table = run_report("--collection", str(path.parent / "collection.anki2"), "--interview-date", "1999-01-01")
    assert table.returncode == 0 and "ready" in table.stdout and "(0 days ahead)" in table.stdout
    plain_json = json.loads(run_report("--collection", str(path.parent / "collection.anki2"), "--json").stdout)
    assert "forecast_date" not in plain_json and "readiness" not in plain_json["topics"][0]
    for bad in ("2026-02-30", "tomorrow", "\x1b[31m2026"):
        proc = run_report("--collection", str(path.parent / "collection.anki2"), "--interview-date", bad)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert len(proc.stderr.splitlines()) == 1 and "\x1b" not in proc.stderr, proc.stderr


# ------------------------------------------------------------------ study for the interview
def expected_ranking(col, tag: str, now: int, limit: int) -> list[int]:
    """Loss = weight × (1 − predicted recall), computed card by card here; largest first, ties by card id."""
    from anki.collection import SearchNode
    search = col.build_search_string(SearchNode(tag=tag))
    losses = []
    for cid in col.find_cards(f"{search} -is:suspended -is:buried -deck:filtered"):
        card = col.get_card(cid)
        loss = weights.weight_of(card.note().tags) * (1 - reference_recall(col, card, AHEAD, now))
        if loss > 0:
            losses.append((-loss, cid))
    return [cid for _, cid in sorted(losses)[:limit]]


def test_interview_deck_follows_the_loss_and_undoes(hcol):
    col, now = hcol, int(__import__("time").time())
    date = readiness.anki_today(col) + dt.timedelta(days=AHEAD)
    topics = [t for t in stats.compute(col, use_cache=False) if t.depth == 1]
    topic = max(topics, key=lambda t: t.seen).tag  # the topic with most history
    for tag in (topic, None):
        want = expected_ranking(col, tag or "GenAI", now, readiness.INTERVIEW_LIMIT)
        assert len(want) > 10
        ranked = readiness.ranked_cards(col, "GenAI", tag, date, now=now)
        assert [cid for cid, _ in ranked] == want
        losses = [loss for _, loss in ranked]
        assert losses == sorted(losses, reverse=True)
        kinds = {col.get_card(c).type for c in want}
        before = {cid: (col.get_card(cid).did, col.get_card(cid).due) for cid in want}
        _changes, did = readiness.make_interview_deck(col, "GenAI", tag, date, now=now)
        _changes, again = readiness.make_interview_deck(col, "GenAI", tag, date, now=now)  # a refresh
        assert again == did and col.undo_status().undo == f"Study for the interview: {tag or 'GenAI'}"
        col.undo()  # undoes the refresh only
        assert col.decks.name(did) == readiness.interview_deck_name(tag)
        in_deck = sorted(col.find_cards(f"did:{did}"), key=lambda c: col.get_card(c).due)
        assert in_deck == want, "the deck's positions follow the loss"
        # the scheduler shows the deck's cards of one kind in that order
        col.decks.select(did)
        queued = [q.card.id for q in col.sched.get_queued_cards(fetch_limit=len(want)).cards]
        assert set(queued) == set(want)
        for kind in kinds:
            of_kind = [c for c in queued if col.get_card(c).type == kind]
            if kind != 1:  # intraday learning cards are shown by their due time
                assert of_kind == [c for c in want if c in of_kind], kind
        assert col.undo_status().undo == f"Study for the interview: {tag or 'GenAI'}"
        col.undo()
        assert col.decks.id_for_name(readiness.interview_deck_name(tag)) is None
        assert {cid: (col.get_card(cid).did, col.get_card(cid).due) for cid in want} == before


# ------------------------------------------------------------------ dashboard page
def test_dashboard_messages_and_readiness_cells():
    from addon.dashboard import view as dh
    assert dh.parse_message("genai-dash:date:2026-12-24") == ("date", "2026-12-24")
    assert dh.parse_message("genai-dash:date:") == ("date", "")
    assert dh.parse_message("genai-dash:interview:3") == ("interview", 3)
    assert dh.parse_message("genai-dash:interview:all") == ("interview", "all")
    for bad in ("genai-dash:date:2026-1-1", "genai-dash:date:x", "genai-dash:interview:", "genai-dash:interview:-1",
                "genai-dash:interview:all2", "genai-dash:date:2026-12-24\n"):
        assert dh.parse_message(bad) is None, bad
    root = stats.TopicStats(tag="GenAI", name="GenAI", depth=0, parent=None, cards=4, new=2,
                            children=["GenAI::A"])
    leaf = stats.TopicStats(tag="GenAI::A", name="A", depth=1, parent="GenAI", cards=4, new=2)
    topics = [root, leaf]
    plain_page = dh.render_inner(topics, interview=dh.interview_bar("", None))
    assert 'class="ready"' not in plain_page and 'data-act="interview"' not in plain_page
    assert 'id="genai-interview-date" value=""' in plain_page
    for t, r in ((root, 0.42), (leaf, 0.61)):
        t.readiness, t.readiness_advice = r, "<b>3 frequently asked</b> questions not started"
    page = dh.render_inner(topics, interview=dh.interview_bar("2026-12-24", 20, root), open_tags={"GenAI"})
    assert "Readiness 42%</b> (in 20 days)" in page and 'value="2026-12-24"' in page
    assert '<small class="ready"' in page and ">61%</small>" in page
    assert 'data-act="interview" data-idx="1"' in page and 'data-act="interview" data-arg="all"' in page
    assert "<b>3 frequently" not in page and "&lt;b&gt;3 frequently" in page  # advice is escaped
    assert "ready 61%" in dh.next_reason(leaf)


def test_fault_cases(built_package, tmp_path):
    """No reviews; FSRS turned on without memory states; a deck without weights; a date in the past."""
    dist, _, _ = built_package
    col = Collection(str(tmp_path / "fresh.anki2"))
    try:
        import_package(col, dist)
        date = readiness.anki_today(col) + dt.timedelta(days=AHEAD)
        ready = readiness.compute(col, "GenAI", date)
        assert all(r.readiness == 0 for r in ready.values() if r.questions)
        assert all(r.not_started == r.questions for r in ready.values())
        assert "not started" in ready["genai"].advice
        with pytest.raises(ValueError):  # a topic without cards: nothing to study, nothing changed
            readiness.make_interview_deck(col, "GenAI", "GenAI::no_such_topic", date)
        # history answered without FSRS, then FSRS switched on without recomputing memory states
        make_history(col, seed=9)
        col.set_config("fsrs", True)
        now = int(__import__("time").time())
        rows = readiness.card_forecast(col, "GenAI", date, now=now)
        for cid, *_rest, r, _new in rows:
            card = col.get_card(cid)
            assert card.memory_state is None
            assert r == pytest.approx(reference_recall(col, card, AHEAD, now), abs=1e-9)
        assert sum(r[4] > 0 for r in rows) > 20
        # a past date: today's values
        assert readiness.card_forecast(col, "GenAI", dt.date(1999, 1, 1), now=now) == \
            readiness.card_forecast(col, "GenAI", readiness.anki_today(col), now=now)
    finally:
        col.close()
    # notes without asked:: tags (another deck) weigh 1
    other = Collection(str(tmp_path / "other.anki2"))
    try:
        for i in range(3):
            n = other.new_note(other.models.by_name("Basic"))
            n["Front"], n["Back"] = f"q{i}", "a"
            n.tags = ["Bio::Cells"]
            other.add_note(n, other.decks.id("Default"))
        rows = readiness.card_forecast(other, "Bio", readiness.anki_today(other))
        assert [r[3] for r in rows] == [1, 1, 1]
        r = readiness.compute(other, "Bio", readiness.anki_today(other))["bio::cells"]
        assert (r.readiness, r.questions, r.weight, r.frequent_not_started) == (0, 3, 3, 0)
        assert r.advice == "3 questions not started"
    finally:
        other.close()
