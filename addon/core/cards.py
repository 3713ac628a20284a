"""Anki's card types and queues, and what the add-on calls a card's state (stdlib only).

Type: 0 new, 1 learning, 2 review, 3 relearning. Queue: -1 suspended, -2 / -3 buried.
Mature = review card with an interval of at least MATURE_IVL days (Anki's own split).
"""
from __future__ import annotations

TYPE_NEW, TYPE_LEARNING, TYPE_REVIEW, TYPE_RELEARNING = 0, 1, 2, 3
QUEUE_SUSPENDED = -1
QUEUES_BURIED = (-2, -3)
MATURE_IVL = 21
# A linked question's state in the panel (its first card); "unavailable": deleted or changed.
STATES = ("new", "learning", "young", "mature", "suspended", "unavailable")


def card_state(ctype: int, queue: int, ivl: int) -> str:
    if queue == QUEUE_SUSPENDED:
        return "suspended"
    if ctype == TYPE_NEW:
        return "new"
    if ctype in (TYPE_LEARNING, TYPE_RELEARNING):
        return "learning"
    return "mature" if ivl >= MATURE_IVL else "young"
