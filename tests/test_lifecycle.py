"""Removed questions and renamed topics in a learner's collection (real anki Collection).

Package A is imported and studied; package B drops one question, merges another into a
third (its id goes away) and renames a top-level topic. After importing B the old notes
must say they are retired, history must stay, and the add-on's plain functions must find
and fix the leftovers as undoable operations without touching anything else.
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.scheduler.v3 import CardAnswer

from addon import lifecycle
from addon.core import decks as rule
from builder import published
from builder.anki import notes
from builder.export import export_set

ROOT = Path(__file__).resolve().parents[1]
PKG = "genai-interview-prep.apkg"
RETIRED_PKG = "genai-interview-prep-retired.apkg"  # stubs, for collections that hold an earlier version
QA = "GenAI Interview Prep: Q&A"
OLD_TOP, NEW_TOP = "GenAI::Ethics_Safety", "GenAI::Safety_Ethics"


def build(tmp: Path, name: str, data: dict, mtime: int, cache: Path) -> Path:
    src = tmp / f"{name}.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    os.utime(src, (mtime, mtime))
    out = tmp / name
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--input", str(src), "--output-dir",
                           str(out), "--cache-dir", str(cache)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return out / PKG


def import_into(col: Collection, apkg: Path):
    return col.import_anki_package(ImportAnkiPackageRequest(
        package_path=str(apkg), options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)))


def qa_nid(col, qid: str) -> int:
    found = col.find_notes(f'"ID:{qid}" "note:{QA}"')
    assert len(found) == 1, qid
    return found[0]


def answer_all(col, nids: list[int]) -> list[int]:
    """Answer every new card of these notes once (Good) through the scheduler."""
    answered = []
    for nid in nids:
        for card in col.get_note(nid).cards():
            col.decks.select(card.did)
            for _ in range(50):
                queued = col.sched.get_queued_cards(fetch_limit=50).cards
                qc = next((q for q in queued if q.card.id == card.id), None)
                if qc is None:
                    break
                c = col.get_card(qc.card.id)
                c.start_timer()
                col.sched.answer_card(col.sched.build_answer(card=c, states=qc.states, rating=CardAnswer.GOOD))
                answered.append(c.id)
                break
    return answered


@pytest.fixture(scope="module")
def scenario(built_package, tmp_path_factory):
    _, _, cache = built_package
    tmp = tmp_path_factory.mktemp("lifecycle")
    full = json.loads((ROOT / "decks/questions.json").read_text(encoding="utf-8"))["questions"]
    renamed = [q for q in full if q["topics"][0].startswith(OLD_TOP + "::")][:4]
    others = [q for q in full if not any(t.startswith(OLD_TOP) for t in q["topics"])][:16]
    assert len(renamed) >= 2 and len(others) >= 4
    subset = renamed + others
    ids = {q["id"] for q in subset}
    subset = [dict(q, related=[r for r in q["related"] if r in ids]) for q in subset]
    a = export_set({"questions": subset})
    removed, merged_from, merged_into = others[0]["id"], others[1]["id"], others[2]["id"]

    b_questions = []
    for q in json.loads(json.dumps(a["questions"])):
        if q["id"] in (removed, merged_from):
            continue
        if q["id"] == merged_into:
            q["sources"] += next(x for x in a["questions"] if x["id"] == merged_from)["sources"]
        q["topics"] = [NEW_TOP + t[len(OLD_TOP):] if t.startswith(OLD_TOP) else t for t in q["topics"]]
        q["related"] = [r for r in q["related"] if r not in (removed, merged_from)]
        b_questions.append(q)
    old_text = next(q["question"] for q in a["questions"] if q["id"] == merged_from)
    b = {"questions": b_questions,
         "retired": [removed, {"id": merged_from, "replaced_by": merged_into, "question": old_text}]}

    pkg_a = build(tmp, "a", a, 1_800_000_000, cache)
    pkg_b = build(tmp, "b", b, 1_800_086_400, cache)
    col = Collection(str(tmp / "col.anki2"))
    import_into(col, pkg_a)
    studied = [qa_nid(col, q["id"]) for q in renamed[:2]] + [qa_nid(col, i) for i in (removed, merged_from, merged_into)]
    answered = answer_all(col, studied)
    assert len(answered) >= len(studied)
    before = {cid: (c.did, c.ivl, c.due, c.type) for cid in col.find_cards("") for c in [col.get_card(cid)]}
    revlog = col.db.scalar("select count() from revlog")
    result = import_into(col, pkg_b)
    import_into(col, pkg_b.parent / RETIRED_PKG)  # the learner is updating: the stubs mark what left
    # the decks package B itself files each note into: the oracle for "their topic deck"
    fresh = Collection(str(tmp / "fresh.anki2"))
    import_into(fresh, pkg_b)
    home = {(fresh.get_note(fresh.get_card(cid).nid).guid, fresh.get_card(cid).ord): fresh.decks.name(fresh.get_card(cid).did)
            for cid in fresh.find_cards("")}
    yield dict(col=col, fresh=fresh, result=result, removed=removed, merged_from=merged_from, merged_into=merged_into,
               old_text=old_text, answered=answered, before=before, revlog=revlog, home=home, renamed=renamed, b=b,
               pkg_b=pkg_b)
    col.close()
    fresh.close()


def test_removed_and_merged_notes_are_marked_retired(scenario):
    col = scenario["col"]
    for qid in (scenario["removed"], scenario["merged_from"]):
        note = col.get_note(qa_nid(col, qid))
        assert rule.RETIRED_TAG in note.tags and not [t for t in note.tags if t.startswith("GenAI::")], note.tags
        card = note.cards()[0]
        assert "was retired from the deck on" in card.question() and "Retired card" in card.question()
    merged = col.get_note(qa_nid(col, scenario["merged_from"]))
    into = next(q for q in scenario["b"]["questions"] if q["id"] == scenario["merged_into"])
    assert f"merged into {scenario['merged_into']}" in merged["Question"]
    assert notes.esc(into["question"])[:40] in merged["Question"]
    assert notes.esc(scenario["old_text"]) in merged["Question"]  # the learner still recognises it
    assert "removed from the question set" in col.get_note(qa_nid(col, scenario["removed"]))["Question"]
    # the survivor is not retired and was not duplicated
    survivor = col.get_note(qa_nid(col, scenario["merged_into"]))
    assert rule.RETIRED_TAG not in survivor.tags
    assert not [m.name for m in col.models.all_names_and_ids() if m.name.endswith("+")]


def test_history_is_kept(scenario):
    col = scenario["col"]
    assert col.db.scalar("select count() from revlog") == scenario["revlog"]
    for cid in scenario["answered"]:
        c = col.get_card(cid)
        assert (c.did, c.ivl, c.due, c.type) == scenario["before"][cid][:4]
    # every card of A is still there (import never deletes), retired ones included
    assert set(scenario["before"]) <= set(col.find_cards(""))


def test_fresh_collection_gets_no_retired_cards(scenario):
    fresh = scenario["fresh"]  # a new learner imports the deck only
    assert not fresh.find_notes("tag:retired") and not fresh.find_cards("tag:retired")
    stubs = _apkg_notes(scenario["pkg_b"].parent / RETIRED_PKG)
    assert len(stubs) == len(scenario["b"]["retired"]) and all(n[4] == 0 for n in stubs)
    assert lifecycle.misplaced_cards(fresh).count == 0


def test_add_on_finds_retired_notes_and_deletes_them_undoably(scenario):
    col = scenario["col"]
    gone = {scenario["removed"], scenario["merged_from"]}
    expected = {qa_nid(col, q) for q in gone}
    cloze_mid = col.models.id_for_name(lifecycle.CLOZE_NOTETYPE)
    expected |= {nid for nid in col.find_notes(f'"note:{lifecycle.CLOZE_NOTETYPE}"')
                 if col.get_note(nid)["QuestionID"] in gone}
    assert cloze_mid and set(lifecycle.retired_note_ids(col)) == expected
    total = col.note_count()
    lifecycle.delete_retired(col, sorted(expected))
    assert col.note_count() == total - len(expected)
    assert lifecycle.retired_note_ids(col) == []
    assert col.undo_status().undo  # one step, undoable
    col.undo()
    assert col.note_count() == total and set(lifecycle.retired_note_ids(col)) == expected


def test_add_on_moves_misplaced_cards_undoably(scenario):
    col, home = scenario["col"], scenario["home"]

    def deck_of(cid):
        c = col.get_card(cid)
        return col.decks.name(c.did)

    def key(cid):
        c = col.get_card(cid)
        return (col.get_note(c.nid).guid, c.ord)

    live = [cid for cid in col.find_cards("-tag:retired") if key(cid) in home]
    expected = {cid for cid in live if deck_of(cid) != home[key(cid)]}
    renamed_cards = {cid for q in scenario["renamed"] for cid in col.get_note(qa_nid(col, q["id"])).card_ids()}
    assert renamed_cards and renamed_cards <= expected  # the renamed topic's cards stayed behind on import
    moves = lifecycle.misplaced_cards(col)
    assert {cid for cids in moves.by_deck.values() for cid in cids} == expected
    assert all(t == home[key(c)] for t, cids in moves.by_deck.items() for c in cids)
    before = {cid: col.get_card(cid).did for cid in col.find_cards("")}
    lifecycle.move_cards(col, moves)
    assert col.undo_status().undo == lifecycle.MOVE_UNDO_NAME
    after = {cid: col.get_card(cid).did for cid in col.find_cards("")}
    assert {cid for cid in after if after[cid] != before[cid]} == expected  # nothing else moved
    assert all(deck_of(cid) == home[key(cid)] for cid in live)
    assert lifecycle.misplaced_cards(col).count == 0
    for cid in scenario["answered"]:  # moving keeps scheduling
        c = col.get_card(cid)
        assert (c.ivl, c.due, c.type) == scenario["before"][cid][1:4]
    col.undo()
    assert {cid: col.get_card(cid).did for cid in col.find_cards("")} == before


def test_cards_the_learner_filed_elsewhere_are_left_alone(scenario):
    col = scenario["col"]
    moves = lifecycle.misplaced_cards(col)
    target, cids = next(iter(sorted(moves.by_deck.items())))
    cid, home = cids[0], col.get_card(cids[0]).did
    for own in ("My own deck", target + "::Hard ones"):  # outside the package's tree; under its topic deck
        col.set_deck([cid], col.decks.id(own))
        assert cid not in {c for v in lifecycle.misplaced_cards(col).by_deck.values() for c in v}, own
    col.set_deck([cid], home)
    assert cid in lifecycle.misplaced_cards(col).by_deck[target]


# --- the committed deck's record ----------------------------------------------------------------

def _apkg_notes(apkg: Path) -> list[tuple[str, int, str, str, int]]:
    with zipfile.ZipFile(apkg) as z, tempfile.TemporaryDirectory() as d:
        db = Path(d) / "c.anki2"
        db.write_bytes(z.read("collection.anki2"))
        con = sqlite3.connect(db)
        rows = con.execute("select n.guid, n.mid, n.flds, n.tags, (select count() from cards c where c.nid = n.id) "
                           "from notes n").fetchall()
        con.close()
    return rows


def test_record_lists_every_note_the_committed_build_ships(built_package):
    dist, counts, _ = built_package
    from builder.anki import models
    kind_of = {models.QA_MODEL_ID: "qa", models.CLOZE_MODEL_ID: "cloze", models.FIGURE_MODEL_ID: "figure",
               models.IO_MODEL_ID: "io"}
    record = published.load(ROOT / "decks/published.json")
    assert record["guid_namespaces"] == notes.GUID_NS
    shipped = {}
    for guid, mid, flds, tags, ncards in _apkg_notes(dist / PKG):
        if " retired " in tags:
            assert ncards == 0
            continue
        kind = kind_of[mid]
        pid = published.permanent_id(kind, flds.split("\x1f"))
        assert guid == notes.guid(kind, pid)
        shipped[published.key(kind, pid)] = ncards
    assert len(shipped) == sum(counts.values()) - counts["retired"]
    live = {k: v for k, v in record["notes"].items() if "retired" not in v}
    missing = sorted(set(shipped) - set(live))
    assert not missing, f"decks/published.json lacks {missing[:5]}…; run: python3 build.py normalize"
    assert not sorted(set(live) - set(shipped)), "published.json lists notes the build no longer ships"
    assert all(live[k].get("cards", 1) == n for k, n in shipped.items())
    retired = [k for k, v in record["notes"].items() if "retired" in v]
    assert len(_apkg_notes(dist / PKG)) == len(shipped)
    stubs = _apkg_notes(dist / RETIRED_PKG) if retired else []
    assert len(stubs) == len(retired) and all(" retired " in n[3] and n[4] == 0 for n in stubs)


def test_record_update_retires_merges_and_revives():
    record = {"guid_namespaces": {}, "notes": {"qa:q1": {}, "qa:q2": {}, "qa:q3": {}, "cloze:q2-cz-x": {"cards": 3},
                                               "qa:q9": {"retired": 5, "question": "old"}}}
    emitted = {"qa:q1": {}, "qa:q3": {}, "qa:q9": {}, "qa:q4": {}}
    anchors = {"q1": ["000|a", "001|b"], "q2": ["001|b"], "q3": ["002|c"], "q4": ["003|d"], "q9": []}
    new, revived = published.update(record, emitted, notes.GUID_NS, {"q2": {"question": "Old q2?"}}, anchors,
                                    {"q1", "q3", "q4", "q9"}, 100)
    assert revived == ["qa:q9"]
    assert new["notes"]["qa:q2"] == {"retired": 100, "question": "Old q2?", "replaced_by": "q1"}
    assert new["notes"]["cloze:q2-cz-x"] == {"cards": 3, "retired": 100}
    assert new["notes"]["qa:q9"] == {} and new["notes"]["qa:q4"] == {}
    again, _ = published.update(new, emitted, notes.GUID_NS, {}, anchors, {"q1", "q3", "q4", "q9"}, 200)
    assert again == new  # a second normalize changes nothing
    assert published.load_text(published.dumps(new)) == new
    entries = published.retired_entries(new)
    assert {e["id"] for e in entries} == {"q2", "q2-cz-x"}


@pytest.mark.parametrize("retired, message", [
    (["q-live"], "still a question of this set"),
    ([{"id": "q-old", "replaced_by": "nope"}], "points to unknown id"),
    (["q-old", "q-old"], "listed twice"),
    ([{"id": "q-old", "kind": "deck"}], "retired[0]"),
])
def test_bad_retired_lists_are_one_line_errors(tmp_path, retired, message):
    data = {"questions": [{"id": "q-live", "question": "Why?", "answer_html": "<p>Because.</p>",
                           "topics": ["GenAI::LLMs"], "related": [], "figures": [], "sources": []}],
            "retired": retired}
    src = tmp_path / "set.json"
    src.write_text(json.dumps(data))
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--input", str(src), "--output-dir",
                           str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and message in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert not (tmp_path / "out" / PKG).exists()


def test_builder_and_add_on_share_the_deck_rule():
    ctx = notes.Context(questions={}, documents={}, topic_names={"GenAI::Ethics_Safety": "Ethics, bias & safety"})
    deck = ctx.deck_for(["GenAI::Ethics_Safety::Bias", "GenAI::LLMs"])
    assert deck == rule.deck_for(["GenAI::Ethics_Safety::Bias"], ctx.topic_name) == "GenAI Interview Prep::Ethics, bias & safety"
    assert rule.deck_tag(deck) == "deck::Ethics_bias_safety"
    assert rule.deck_for(["GenAI::New_Topic::X"]) == "GenAI Interview Prep::New Topic"


def test_committed_record_retires_every_kind_on_every_card(built_package, tmp_path):
    """Retire one note of each kind through the record (as normalize would) and import the stubs
    over the full deck: every card the learner had shows the retired line, none is added or lost."""
    import genanki
    from builder.anki import package, retired

    dist, _, _ = built_package
    col = Collection(str(tmp_path / "col.anki2"))
    import_into(col, dist / PKG)
    if (dist / RETIRED_PKG).exists():  # an updating learner holds the earlier stubs too
        import_into(col, dist / RETIRED_PKG)
    record = published.load(ROOT / "decks/published.json")
    live = [k for k, v in record["notes"].items() if "retired" not in v]
    pick = {}
    for k in live:  # the note with the most cards of each kind
        kind = k.split(":", 1)[0]
        if record["notes"][k].get("cards", 1) >= record["notes"].get(pick.get(kind, ""), {}).get("cards", 1):
            pick[kind] = k
    assert set(pick) == set(published.KINDS)
    emitted = {k: record["notes"][k] for k in live if k not in pick.values()}
    qid = pick["qa"].split(":", 1)[1]
    old = {qid: {"question": "The old wording?"}}
    new, _ = published.update(record, emitted, notes.GUID_NS, old, {}, set(), 1_900_000_000)
    entries = published.retired_entries(new)
    assert {f"{e['kind']}:{e['id']}" for e in entries} >= set(pick.values())
    ctx = notes.Context(questions={}, documents={}, topic_names={})
    deck = genanki.Deck(package.deck_id(notes.ROOT_DECK), notes.ROOT_DECK)
    for e in entries:
        deck.add_note(retired.stub(e, ctx, {}, 1_800_000_000))
    package._write_apkg(tmp_path / "stubs.apkg", [deck], [], 1_800_000_000)
    cards_before = col.card_count()
    result = import_into(col, tmp_path / "stubs.apkg")
    assert len(result.log.updated) == len(entries) and col.card_count() == cards_before
    for k in pick.values():
        guid = notes.guid(*k.split(":", 1))
        note = col.get_note(col.db.scalar("select id from notes where guid = ?", guid))
        assert note.tags == ["kind::" + ("image" if k.startswith(("io", "figure")) else k.split(":")[0]), "retired"]
        assert len(note.cards()) == record["notes"][k].get("cards", 1)
        for card in note.cards():
            assert "was retired from the deck on 2030-03-17" in card.question(), (k, card.ord)
    assert "The old wording?" in col.get_note(col.db.scalar("select id from notes where guid = ?",
                                                            notes.guid("qa", qid)))["Question"]
    col.close()


def test_normalize_retires_a_merged_question_and_the_build_ships_its_stubs(decks_copy, built_package, tmp_path):
    """The committed path: curation merges two questions -> normalize marks the vanished id (and its
    clozes) retired in published.json with its successor -> the build carries their stubs."""
    import yaml

    _, _, cache = built_package
    qset = json.loads((decks_copy / "questions.json").read_text(encoding="utf-8"))
    record = published.load(decks_copy / "published.json")
    singles = [q for q in qset["questions"] if len(q["sources"]) == 1]
    with_clozes = [q for q in singles if any(k.startswith(f"cloze:{q['id']}-cz-") for k in record["notes"])]
    gone = with_clozes[-1]
    keep = next(q for q in singles if q["id"] < gone["id"] and q["sources"][0]["document"] != gone["sources"][0]["document"])
    cur_path = decks_copy / "curation.yaml"
    cur = yaml.safe_load(cur_path.read_text(encoding="utf-8"))
    cur["merge"].append([f"{q['sources'][0]['document'][:3]}: {q['sources'][0]['question']}" for q in (keep, gone)])
    cur_path.write_text(yaml.safe_dump(cur, allow_unicode=True), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "--decks", str(decks_copy), "normalize",
                           "--cache-dir", str(cache)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    after = published.load(decks_copy / "published.json")
    entry = after["notes"][f"qa:{gone['id']}"]
    assert entry["replaced_by"] == keep["id"] and entry["question"] == gone["question"] and entry["retired"] > 0
    gone_clozes = [k for k in record["notes"] if k.startswith(f"cloze:{gone['id']}-cz-")]
    assert gone_clozes and all("retired" in after["notes"][k] for k in gone_clozes)
    newly = {k for k, v in after["notes"].items() if "retired" in v} - {k for k, v in record["notes"].items() if "retired" in v}
    assert {f"qa:{gone['id']}", *gone_clozes} <= newly
    assert not {k for k in record["notes"] if k not in after["notes"]}  # nothing is ever forgotten

    out = tmp_path / "dist"
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "--decks", str(decks_copy), "build", "--output-dir",
                           str(out), "--cache-dir", str(cache)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert not [t for _, _, _, t, _ in _apkg_notes(out / PKG) if " retired " in t]  # the deck itself has none
    stubs = {guid: ncards for guid, _, _, tags, ncards in _apkg_notes(out / RETIRED_PKG) if " retired " in tags}
    expected = {notes.guid(*k.split(":", 1)) for k, v in after["notes"].items() if "retired" in v}
    assert set(stubs) == expected and not any(stubs.values())
    exported = json.loads((out / "questions.json").read_text(encoding="utf-8"))
    assert {e["id"] for e in exported["retired"]} == {k.split(":", 1)[1] for k, v in after["notes"].items()
                                                      if "retired" in v}
