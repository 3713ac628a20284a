"""The panel's id index updated incrementally (addon/link_update.py) equals a full rebuild
(links.build_index) after edits, adds and deletes on a real collection with the built package imported;
the edit tracker hands over exactly the single-note operations reported by Anki's own hooks."""
from __future__ import annotations

import pytest
from anki.collection import Collection
from anki import hooks  # noqa: I001 - after anki.collection (anki.hooks alone is a circular import)

from addon.panel import link_update, links
from test_addon_stats import import_package


@pytest.fixture()
def col(built_package, tmp_path):
    dist, _counts, _cache = built_package
    c = Collection(str(tmp_path / "collection.anki2"))
    import_package(c, dist)
    yield c
    c.close()


@pytest.fixture()
def tracker():
    t = link_update.EditTracker()
    hooks.note_will_flush.append(t.on_flush)
    hooks.notes_will_be_deleted.append(t.on_deleted)
    yield t
    hooks.note_will_flush.remove(t.on_flush)
    hooks.notes_will_be_deleted.remove(t.on_deleted)


def assert_equal_to_rebuild(col, live):
    full = links.build_index(col)
    assert live.by_qid == full.by_qid
    assert sorted(live.qid_by_nid) == sorted(n for nids in live.nids_by_qid.values() for n in nids)


def step(col, live, tracker):
    """What the add-on does after an operation: update from the tracked notes, or rebuild."""
    ids = tracker.take(col)
    assert ids is not None, col.undo_status()
    link_update.update_index(col, live, ids)
    assert_equal_to_rebuild(col, live)
    return ids


def test_incremental_index_equals_full_rebuild(col, tracker):
    live = link_update.build_live_index(col)
    assert_equal_to_rebuild(col, live)
    assert len(live) > 100
    qids = sorted(live.by_qid)
    first, second, third = (col.get_note(live.by_qid[q]) for q in qids[:3])

    # edit: a new id for the first note (its old id disappears)
    old = links.plain(first["ID"])
    first["ID"] = "q9999"
    col.update_note(first)
    assert step(col, live, tracker) == {first.id}
    assert "q9999" in live.by_qid and old not in live.by_qid

    # edit: the second note takes the third's id: a duplicate, the lower note id wins (as build_index)
    second["ID"] = links.plain(third["ID"])
    col.update_note(second)
    step(col, live, tracker)
    assert live.by_qid[links.plain(third["ID"])] == min(second.id, third.id)

    # delete the winner of the duplicate: the other note carries the id again
    winner = min(second.id, third.id)
    col.remove_notes([winner])
    assert step(col, live, tracker) == {winner}
    assert live.by_qid[links.plain(third["ID"])] == max(second.id, third.id)

    # add: a new Q&A note (a copy of another's fields with a fresh id)
    model = col.models.get(links.QA_MODEL_ID)
    new = col.new_note(model)
    for name in ("Question", "Answer"):
        new[name] = "A question added by hand?"
    new["ID"] = "q_added.1"
    col.add_note(new, col.decks.id("Default"))
    assert step(col, live, tracker) == {new.id}
    assert live.by_qid["q_added.1"] == new.id

    # edit: a malformed id carries none
    new["ID"] = "not an id!"
    col.update_note(new)
    step(col, live, tracker)
    assert "q_added.1" not in live.by_qid

    # an edit of another note type changes nothing, and is still a single-note step
    other = col.get_note(col.find_notes("-tag:retired -note:*Q&A*")[0])
    other.tags = [*other.tags, "extra"]
    col.update_note(other)
    step(col, live, tracker)


def test_bulk_operations_ask_for_a_rebuild(col, tracker):
    live = link_update.build_live_index(col)
    qid = sorted(live.by_qid)[0]
    nid = live.by_qid[qid]
    col.find_and_replace(note_ids=[nid], search=qid, replacement="qzzzz", field_name="ID")
    assert tracker.take(col) is None  # find and replace: no hook saw the note
    note = col.get_note(nid)
    note["Answer"] = note["Answer"] + " edited"
    note.fields_check()  # the editor checks fields while typing: reported, not saved ...
    col.find_and_replace(note_ids=[nid], search="qzzzz", replacement=qid, field_name="ID")
    assert tracker.take(col) is None  # ... so a bulk step after it still asks for a rebuild
    col.update_note(note)
    col.undo()
    assert tracker.take(col) is None  # an undo
    live = link_update.build_live_index(col)
    assert_equal_to_rebuild(col, live)
