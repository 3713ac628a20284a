"""The dashboard's study deck: a filtered deck of one topic's weakest cards (Qt-free; needs anki).

"Study" on a topic creates or refreshes `GenAI study::<topic>` through an undoable CollectionOp
(dashboard/controller.py); the interview decks are readiness.py's.
"""
from __future__ import annotations

DECK_PREFIX = "GenAI study::"
STUDY_LIMIT = 100  # due and learning cards per study deck
STUDY_NEW_LIMIT = 20  # new cards after them


def study_searches(col, tag: str) -> tuple[str, str]:
    """(due and learning cards of the topic, its new cards): the two filters of the study deck."""
    from anki.collection import SearchNode
    topic = col.build_search_string(SearchNode(tag=tag))
    active = "-is:suspended -is:buried"
    return f"{topic} (is:due OR is:learn) {active}", f"{topic} is:new {active}"


def study_deck_name(tag: str) -> str:
    return DECK_PREFIX + tag.replace("::", " › ")


def make_study_deck(col, tag: str):
    """Create or refresh the filtered deck for `tag` (OpChangesWithId; undoable).

    First filter: the topic's due and learning cards, weakest first — lowest FSRS retrievability
    with FSRS on, shortest interval otherwise (Anki 26.x builds invalid SQL for the retrievability
    order without FSRS, and for relative overdueness with any tag search). Second filter: some of
    the topic's new cards in deck order, so a topic with nothing due still has something to study
    and its coverage grows."""
    from anki.decks import DeckId
    name = study_deck_name(tag)
    existing = col.decks.id_for_name(name)
    deck = col.sched.get_or_create_filtered_deck(deck_id=DeckId(existing or 0))
    deck.name = name
    deck.config.reschedule = True
    while len(deck.config.search_terms) < 2:
        deck.config.search_terms.add()
    del deck.config.search_terms[2:]
    due, new = deck.config.search_terms
    due.search, new.search = study_searches(col, tag)
    due.limit, new.limit = STUDY_LIMIT, STUDY_NEW_LIMIT
    fsrs = bool(col.get_config("fsrs", False))
    due.order = due.RETRIEVABILITY_ASCENDING if fsrs else due.INTERVALS_ASCENDING
    new.order = new.ADDED
    return col.sched.add_or_update_filtered_deck(deck)
