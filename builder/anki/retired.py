"""Retired-note stubs and the `deck::` tag: what a package tells collections about notes that left.

A stub keeps the old note's GUID and note type (fields and templates untouched),
carries the tag `retired` instead of its topic tags, and says on the card, in
plain HTML any client shows, that it was retired, when, and what replaced it.
Stubs have no cards: an existing note is updated in place (its cards and review
history stay until the learner deletes it), while a collection that never had
the note gets only an invisible cardless note, never a retired card to study.
Their modification time is newer than any earlier package so Anki takes them.
"""
from __future__ import annotations

import time

import genanki

from addon.core import decks as deck_rule
from addon.core import markup

from . import models, notes

KIND_TAG = {"qa": "kind::qa", "cloze": "kind::cloze", "figure": "kind::image", "io": "kind::image"}
MODEL = {"qa": models.QA_MODEL, "cloze": models.CLOZE_MODEL, "figure": models.FIGURE_MODEL, "io": models.IO_MODEL}
HOW_TO_DELETE = ("Delete it when you like: on the desktop Tools → GenAI: retired notes…, "
                 "or search <code>tag:retired</code> in the Browser.")


class RetiredNote(genanki.Note):
    """A cardless note with its own modification time."""

    mod = 0

    @property
    def cards(self):
        return []

    def write_to_db(self, cursor, timestamp, deck_id, id_gen):
        super().write_to_db(cursor, max(int(timestamp), self.mod), deck_id, id_gen)


def _date(ts: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def reason(entry: dict, ctx: notes.Context, retired_by_id: dict[str, dict]) -> str:
    """Why the note left, as HTML: merged into / removed / cards reworked."""
    def question(qid: str) -> str:
        q = ctx.questions.get(qid)
        return f"{qid} “{q.get('question_html') or notes.esc(q['question'])}”" if q else notes.esc(qid)

    if entry["kind"] == "qa":
        if entry.get("replaced_by"):
            return f"it was merged into {question(entry['replaced_by'])}."
        return "it was removed from the question set."
    if entry["kind"] == "cloze":
        parent = entry["id"].split("-cz-", 1)[0]
        if parent in ctx.questions:
            return f"the cloze cards of {question(parent)} were reworked; that question is still in the deck."
        gone = retired_by_id.get(parent) or {}
        if gone.get("replaced_by"):
            return f"its question {notes.esc(parent)} was merged into {question(gone['replaced_by'])}."
        return f"its question {notes.esc(parent)} was removed from the question set."
    return "this figure was removed from the deck."


def stub(entry: dict, ctx: notes.Context, retired_by_id: dict[str, dict], timestamp: int) -> genanki.Note:
    kind, pid = entry["kind"], entry["id"]
    when = int(entry.get("retired") or timestamp)
    line = (f'<div class="qa-retired"><b>Retired card.</b> This {"question" if kind == "qa" else "card"} '
            f"was retired from the deck on {_date(when)}: {reason(entry, ctx, retired_by_id)} {HOW_TO_DELETE}</div>")
    old = notes.esc(entry.get("question") or pid)
    cards = max(1, int(entry.get("cards") or 1))
    if kind == "qa":
        fields = [f"{line}<div>{old}</div>", line, "", "", "", "", "", notes.esc(pid)]
    elif kind == "cloze":
        # one deletion per card the learner has, hidden: the card shows only the line
        hidden = "".join(f"{{{{c{i}::retired}}}}" for i in range(1, cards + 1))
        fields = [f'{line}<span style="display:none">{hidden}</span>', "", "", notes.esc(pid),
                  notes.esc(pid.split("-cz-", 1)[0])]
    elif kind == "figure":
        fields = [line, "", line, "", notes.esc(pid)]
    else:
        masks = "<br>".join(f"{{{{c{i}::image-occlusion:rect:left=0:top=0:width=.01:height=.01:oi=1}}}}"
                            for i in range(1, cards + 1))
        fields = [masks, "", line, line, markup.id_span(pid)]
    note = RetiredNote(model=MODEL[kind], fields=fields, tags=[deck_rule.RETIRED_TAG, KIND_TAG[kind]],
                       guid=notes.guid(kind, pid), sort_field=f"retired: {entry.get('question') or pid}"[:200])
    note.mod = max(int(timestamp) + 1, when)
    return note


def finish(build, ctx: notes.Context, qset: dict) -> None:
    """Tag every note with its subdeck (`deck::…`) and append the stubs of the set's retired notes."""
    from . import package
    from ..published import normalized_retired

    for n in build.notes:
        n.note.tags = sorted({*n.note.tags, deck_rule.deck_tag(n.deck)})
    entries = normalized_retired(qset.get("retired"))
    by_id = {e["id"]: e for e in entries if e["kind"] == "qa"}
    for e in entries:  # package.select() puts them into every split package
        build.notes.append(package.BuiltNote("retired", stub(e, ctx, by_id, build.timestamp), notes.ROOT_DECK))
