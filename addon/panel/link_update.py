"""Incremental update of the panel's id index (links.LinkIndex) after note edits (plain Python, no Qt).

`links.build_index` reads every Q&A note (about 1 s on 50,000 notes, in the background). After an edit of
one note the index changes at most for that note's old and new permanent id, so `LiveIndex` keeps, next to
`by_qid` (id -> the first Q&A note carrying it, by note id, exactly as `build_index`), which note carries
which id; `update_index` re-reads only the given notes (one indexed query) and fixes the ids they had and
have. Added, edited and deleted notes all work the same way: a note that is gone or no longer a Q&A note
with a well-formed ID simply carries no id.

Which notes changed: `EditTracker` collects the notes Anki's own hooks report (`note_will_flush` for
adds and updates, `notes_will_be_deleted`) and hands them over after an operation only when the operation
is one of the single-note steps those hooks always see (undo label "Add Note", "Update Note",
"Delete Note" — the editor, the add dialog, the reviewer's delete). Anything else that changes notes (an
import, find and replace, a note type change, an undo, a sync) makes the caller rebuild the whole index.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from . import links


@dataclass
class LiveIndex(links.LinkIndex):
    """A LinkIndex that knows every Q&A note's id (`qid_by_nid`) and every id's notes (`nids_by_qid`)."""

    qid_by_nid: dict[int, str] = field(default_factory=dict)
    nids_by_qid: dict[str, set[int]] = field(default_factory=dict)
    update_seconds: float = 0.0


def build_live_index(col) -> LiveIndex:
    """The full index (same `by_qid` as links.build_index) plus the per-note map. Runs in the background."""
    started = time.perf_counter()
    types = links.find_note_types(col)
    qid_by_nid: dict[int, str] = {}
    nids_by_qid: dict[str, set[int]] = {}
    by_qid: dict[str, int] = {}
    for mid in types.mids("qa"):
        for nid, flds in col.db.all("select id, flds from notes where mid = ? order by id", mid):
            qid = links.note_qid(types, mid, flds)
            if qid is not None:
                qid_by_nid[nid] = qid
                nids_by_qid.setdefault(qid, set()).add(nid)
    for qid, nids in nids_by_qid.items():
        by_qid[qid] = min(nids)
    return LiveIndex(types, by_qid, time.perf_counter() - started, qid_by_nid=qid_by_nid, nids_by_qid=nids_by_qid)


def update_index(col, index: LiveIndex, nids) -> LiveIndex:
    """Re-read the notes `nids` (edited, added or deleted) and fix the index in place; returns it."""
    started = time.perf_counter()
    nids = sorted({int(n) for n in nids})
    touched: set[str] = set()
    for nid in nids:
        old = index.qid_by_nid.pop(nid, None)
        if old is not None:
            index.nids_by_qid.get(old, set()).discard(nid)
            touched.add(old)
    for chunk in range(0, len(nids), links.SQL_CHUNK):
        part = nids[chunk:chunk + links.SQL_CHUNK]
        marks = ",".join("?" * len(part))
        for nid, mid, flds in col.db.all(f"select id, mid, flds from notes where id in ({marks})", *part):
            qid = links.note_qid(index.types, mid, flds)
            if qid is not None:
                index.qid_by_nid[nid] = qid
                index.nids_by_qid.setdefault(qid, set()).add(nid)
                touched.add(qid)
    for qid in touched:
        carriers = index.nids_by_qid.get(qid)
        if carriers:
            index.by_qid[qid] = min(carriers)
        else:
            index.nids_by_qid.pop(qid, None)
            index.by_qid.pop(qid, None)
    index.stale = False
    index.update_seconds = time.perf_counter() - started
    return index


class EditTracker:
    """Notes reported by Anki's note hooks since the last operation (see the module docstring)."""

    def __init__(self) -> None:
        self.notes: list = []  # Note objects (an added note gets its id once the add is done)
        self.deleted: set[int] = set()

    def on_flush(self, note) -> None:
        self.notes.append(note)

    def on_deleted(self, _col, nids) -> None:
        self.deleted.update(int(n) for n in nids)

    def take(self, col) -> set[int] | None:
        """The note ids to update after the operation just done, or None when the whole index must be
        rebuilt (the operation is not a single-note add / update / delete, or no note was reported)."""
        notes, deleted = self.notes, self.deleted
        if not notes and not deleted:  # most operations (answers, …) touch no note: no undo lookup
            return None
        self.notes, self.deleted = [], set()
        try:
            label = col.undo_status().undo
            tr = col.tr
            single = label in (tr.actions_add_note(), tr.actions_update_note(), tr.studying_delete_note())
        except Exception:  # noqa: BLE001 - no undo information: be safe
            single = False
        ids = {int(n.id) for n in notes if getattr(n, "id", 0)} | deleted
        return ids if single and ids else None
