"""Updating a learner's collection after a topic rename and a merge (real build, real anki import).

Package A is the committed set; package B is built from a copy of decks/ whose taxonomy renames one
leaf (Vector_Databases -> Vector_Search) and merges another into its parent (Hallucination ->
Evaluation). Between the imports the learner reviews cards through the scheduler and marks a note.
After importing B: the same notes and cards, the review history untouched, every note carries
exactly B's topic tags: no old topic tag is left behind, because Anki's importer replaces an updated
note's tags with the package's (rslib/src/import_export/package/apkg/import/notes.rs `update_note`
stores the incoming note whole). The same rule drops tags the learner added to an updated note.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.scheduler.v3 import CardAnswer

from conftest import ROOT

PKG = "genai-interview-prep.apkg"
OLD_LEAF, NEW_LEAF = "GenAI::Retrieval::Vector_Databases", "GenAI::Retrieval::Vector_Search"
MERGED, INTO = "GenAI::Evaluation::Hallucination", "GenAI::Evaluation"


def _run(*args: str) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), *args], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def _changed_decks(tmp: Path) -> Path:
    decks = tmp / "decks"
    shutil.copytree(ROOT / "decks", decks)
    data = yaml.safe_load((decks / "topics.yaml").read_text(encoding="utf-8"))
    topics = []
    for t in data["topics"]:
        if t["path"] == OLD_LEAF:
            t = {**t, "path": NEW_LEAF}
        if t["path"] == MERGED:
            parent = next(p for p in topics if p["path"] == INTO)
            parent["keywords"] = parent["keywords"] + t["keywords"]
            continue
        topics.append(t)
    data["topics"] = topics
    (decks / "topics.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    _run("--decks", str(decks), "normalize")
    return decks


def _import(col: Collection, apkg: Path) -> None:
    col.import_anki_package(ImportAnkiPackageRequest(
        package_path=str(apkg), options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)))


def _topic_tags(col: Collection) -> dict[str, list[str]]:
    """qid -> the GenAI:: tags of its Q&A note."""
    out = {}
    for nid in col.find_notes('"note:GenAI Interview Prep: Q&A"'):
        note = col.get_note(nid)
        out[note["ID"]] = sorted(t for t in note.tags if t.startswith("GenAI::"))
    return out


def test_topic_rename_and_merge_move_tags_and_keep_history(built_package, tmp_path):
    dist_a, _, cache = built_package
    set_a = {q["id"]: q for q in json.loads((ROOT / "decks" / "questions.json").read_text())["questions"]}
    renamed = [i for i, q in set_a.items() if OLD_LEAF in q["topics"]]
    merged = [i for i, q in set_a.items() if MERGED in q["topics"]]
    assert renamed and merged  # the change touches real notes

    (tmp_path / "col").mkdir()
    col = Collection(str(tmp_path / "col" / "collection.anki2"))
    try:
        _import(col, dist_a / PKG)
        before_tags = _topic_tags(col)
        # learners read names, not tag segments: subdecks are the top-level topics' display names,
        # a note sits in the subdeck of its first topic, related questions carry their topic's name
        from builder.topics import load_taxonomy
        tax = load_taxonomy(ROOT / "decks" / "topics.yaml")
        tops = {tax.name(p) for p in tax.top_levels()}
        subdecks = {n.split("::")[1] for n in (d.name for d in col.decks.all_names_and_ids()) if n.count("::") == 1}
        assert subdecks and subdecks <= tops
        names = {tax.name(p) for p in tax.paths}
        seen_lines = 0
        for nid in col.find_notes('"note:GenAI Interview Prep: Q&A"')[:40]:
            note = col.get_note(nid)
            first = set_a[note["ID"]]["topics"][0]
            deck = col.decks.name(note.cards()[0].did)
            assert deck.split("::")[1] == tax.name(tax.top_level(first)), (note["ID"], deck)
            shown = re.findall(r'<span class="qa-topic">· ([^<]*)</span>', note["Related"])
            assert all(html.unescape(t) in names for t in shown), shown
            seen_lines += len(shown)
        assert seen_lines > 0
        assert all(OLD_LEAF in before_tags[i] for i in renamed)
        # the learner studies cards of the renamed and the merged topic, and marks one note
        cids = [c for tag in (OLD_LEAF, MERGED) for c in col.find_cards(f'"tag:{tag}"')[:3]]
        for cid in cids:
            card = col.get_card(cid)
            states = col._backend.get_scheduling_states(card.id)
            card.start_timer()
            col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))
        marked = col.get_card(cids[0]).nid
        col.tags.bulk_add([marked], "marked")
        revlog = col.db.all("select * from revlog order by id")
        cards = col.db.all("select id, nid, did, type, queue, due, ivl, factor, reps, lapses from cards order by id")
        notes = col.db.list("select id from notes order by id")
        assert len(revlog) == len(cids)

        # later, the author publishes B (Anki updates a note only when the package's copy is newer)
        time.sleep(1.1)
        decks_b = _changed_decks(tmp_path)
        set_b = {q["id"]: q for q in json.loads((decks_b / "questions.json").read_text())["questions"]}
        assert all(NEW_LEAF in set_b[i]["topics"] and OLD_LEAF not in set_b[i]["topics"] for i in renamed)
        _run("--decks", str(decks_b), "build", "--output-dir", str(tmp_path / "dist_b"), "--cache-dir", str(cache))
        _import(col, tmp_path / "dist_b" / PKG)

        assert col.db.all("select * from revlog order by id") == revlog  # history untouched
        assert col.db.all("select id, nid, did, type, queue, due, ivl, factor, reps, lapses from cards order by id") \
            == cards  # same cards, same scheduling, same decks
        assert col.db.list("select id from notes order by id") == notes  # updated in place, nothing added
        after = _topic_tags(col)
        for qid, q in set_b.items():
            assert after[qid] == sorted(q["topics"]), qid  # exactly the new topic tags
        every_tag = {t for nid in notes for t in col.get_note(nid).tags}
        assert not any(t == OLD_LEAF or t.startswith(OLD_LEAF + "::") or t == MERGED for t in every_tag)
        assert any(t == NEW_LEAF for t in every_tag)
        assert not col.find_notes(f'"tag:{OLD_LEAF}"') and not col.find_notes(f'"tag:{MERGED}"')
        # Anki replaces an updated note's tags with the package's: that is what removes the old topic
        # tags, and it also drops tags the learner added to that note ("marked" here; known limit)
        assert "marked" not in col.get_note(marked).tags
    finally:
        col.close()
