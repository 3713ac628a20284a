"""Retired notes and cards left in old topic decks: what Anki's import cannot clean up (Qt-free).

Import never deletes notes and never moves existing cards. The deck package marks
notes that left the deck with the tag `retired` (and a line on the card); it tags
every live note with its subdeck (`deck::…`, addon/core/decks.py). These functions
find both kinds of leftovers and fix them as single undoable operations; the Qt
wiring (menu, confirmation, CollectionOp) is in lifecycle_ui.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .core import decks as rule
from .core import notetypes

CLOZE = notetypes.spec("cloze")
QA = notetypes.spec("qa")
CLOZE_NOTETYPE = CLOZE.name
QA_NOTETYPE = QA.name
RETIRED_SEARCH = f"tag:{rule.RETIRED_TAG}"
DELETE_UNDO_NAME = "Delete retired GenAI notes"
MOVE_UNDO_NAME = "Move cards to their topic decks"


def retired_note_ids(col) -> list[int]:
    """Notes tagged `retired`, plus cloze notes whose question's Q&A note is retired (user sets
    only retire question ids; their clozes' ids are not known to the set)."""
    nids = set(col.find_notes(RETIRED_SEARCH))
    if col.models.by_name(CLOZE_NOTETYPE) and col.models.by_name(QA_NOTETYPE):
        qa = col.find_notes(f'"note:{QA_NOTETYPE}" {RETIRED_SEARCH}')
        gone = {col.get_note(nid)[QA.id_field] for nid in qa}
        if gone:
            rows = col.db.all("select n.id, n.flds from notes n where n.mid = ?",
                              col.models.id_for_name(CLOZE_NOTETYPE))
            at = CLOZE.index(CLOZE.link_field)  # the question id
            nids |= {nid for nid, flds in rows if (flds.split("\x1f") + [""] * len(CLOZE.fields))[at] in gone}
    return sorted(nids)


def delete_retired(col, note_ids: list[int]):
    """Delete the given retired notes (and their cards and history): one undo step."""
    keep = set(retired_note_ids(col))
    return col.remove_notes([nid for nid in note_ids if nid in keep])


@dataclass
class Moves:
    """Cards to move, by target deck name, and what was left alone."""

    by_deck: dict[str, list[int]] = field(default_factory=dict)
    no_deck: int = 0  # the note's subdeck does not exist (deleted or renamed by the learner)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.by_deck.values())


def misplaced_cards(col) -> Moves:
    """Cards in the GenAI deck tree whose subdeck is not the one their note's `deck::` tag names.

    Only cards inside the package's root deck count (a card the learner moved elsewhere is theirs),
    a card in a subdeck of its target stays (the learner's own sorting), cards in filtered decks and
    retired notes are skipped."""
    names = {d.id: d.name for d in col.decks.all_names_and_ids()}
    by_tag: dict[str, str] = {}
    for name in sorted(names.values()):
        if name.startswith(rule.ROOT_DECK + "::"):
            by_tag.setdefault(rule.deck_tag(name).lower(), name)
    moves = Moves()
    rows = col.db.all(
        "select c.id, c.did, n.tags from cards c join notes n on n.id = c.nid "
        "where c.odid = 0 and n.tags like ?", f"% {rule.DECK_TAG}%")
    for cid, did, tags in rows:
        split = tags.split()
        if any(t.lower() == rule.RETIRED_TAG for t in split):
            continue
        current = names.get(did, "")
        if not rule.in_tree(current, rule.ROOT_DECK):
            continue
        tag = rule.deck_tag_of(split)
        if tag is None:
            continue
        target = by_tag.get(tag.lower())
        if target is None:
            moves.no_deck += 1
        elif not rule.in_tree(current, target):
            moves.by_deck.setdefault(target, []).append(cid)
    return moves


def move_cards(col, moves: Moves):
    """Move every card of `moves` to its target deck: one undo step ("Move cards to their topic decks")."""
    pos = col.add_custom_undo_entry(MOVE_UNDO_NAME)
    for target, cids in sorted(moves.by_deck.items()):
        did = col.decks.id_for_name(target)
        if did:
            col.set_deck(cids, did)
    return col.merge_undo_entries(pos)
