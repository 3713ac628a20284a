"""Hand-written cloze notes and the reject list for mined ones (`decks/clozes.yaml`).

Where the miner cannot make a good card for an important fact, a person writes
it: tied to its question's permanent id, with its own permanent slug (the
note's id is `<qid>-cz-<slug>`, so it survives re-normalization and edits of
its text). Curated notes obey the same rules as mined ones
(builder/cloze_rules.py); breaking one is a build error naming the entry, not
a silent drop. `reject` lists ids of mined notes a reviewer turned down.

Shape:
    notes:
      q0019:
        - slug: attention-scaling
          text: 'Scaled dot-product attention divides \\(QK^\\top\\) by {{c1::\\(\\sqrt{d_k}\\)::a scaling factor}} …'
          extra: 'Optional back-side explanation (HTML).'
    reject:
      q0220-cz-key-benefits-of-dropout: heading, not a fact
    hints:                       # a reviewer's hint for a mined note whose deletion needs one
      q0049-cz-quantization: an embedding compression technique      # c1
      q0083-cz-input-data-labeled: {c1: kind of data, c2: kind of data}
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import cloze_rules as rules
from . import safeload
from .errors import InputError

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")


@dataclass
class Curated:
    notes: list = field(default_factory=list)  # ClozeNote
    reject: dict[str, str] = field(default_factory=dict)  # mined note id -> why
    hints: dict[str, dict[int, str]] = field(default_factory=dict)  # mined note id -> {cloze number: hint}


def view(note) -> rules.NoteView:
    return rules.NoteView(id=note.id, kind="curated", text=note.text)


def load(path: Path, questions: dict[str, dict], vocab: rules.Vocabulary) -> Curated:
    """Read and check the curated notes; a missing file means none (users' own sets)."""
    from .cloze import ClozeNote, esc  # cloze imports this module

    file = str(path)
    data = safeload.read_optional_mapping(path, "a mapping with 'notes' and 'reject'")
    out = Curated()
    seen: set[str] = set()
    for qid, entries in (data.get("notes") or {}).items():
        qid = str(qid)
        q = questions.get(qid)
        if q is None:
            continue  # a question of the committed set that a user's own set does not have
        if not isinstance(entries, list):
            raise InputError(file, f"notes.{qid}", "must be a list of notes")
        for i, e in enumerate(entries):
            where = f"notes.{qid}[{i}]"
            if not isinstance(e, dict) or not SLUG.match(str(e.get("slug", ""))) or not isinstance(e.get("text"), str):
                raise InputError(file, where, "needs a slug (a-z, 0-9, -) and a text")
            nid = f"{qid}-cz-{e['slug']}"
            if nid in seen:
                raise InputError(file, where, f"duplicate slug {e['slug']!r}")
            seen.add(nid)
            text = e["text"].strip()
            note_view = rules.NoteView(id=nid, kind="curated", text=text, question=q.get("question") or "")
            if not note_view.deletions:
                raise InputError(file, where, "has no {{c1::…}} deletion")
            broken = rules.violations(note_view, vocab)
            if broken:
                raise InputError(file, where, f"breaks the rule {broken[0][0]}: {broken[0][1]}")
            extra = str(e.get("extra") or "").strip()
            back = (f'<div class="qa-cz-context">{extra}</div>' if extra else "")
            back += f'<div class="qa-cz-from">From: <i>{esc(q.get("question") or "")}</i></div>'
            out.notes.append(ClozeNote(nid, qid, "curated", text, back, tuple(q.get("topics") or ()),
                                       q.get("primary_source") or ""))
    for nid, why in (data.get("reject") or {}).items():
        out.reject[str(nid)] = str(why or "")
    for nid, hint in (data.get("hints") or {}).items():
        pairs = hint.items() if isinstance(hint, dict) else [("c1", hint)]
        parsed = {}
        for key, text in pairs:
            m = re.fullmatch(r"c(\d+)", str(key))
            if not m or not isinstance(text, str) or not text.strip() or re.search(r"[{}]|::", text):
                raise InputError(file, f"hints.{nid}", "use 'hint text' or {c1: 'hint text', …} without braces or ::")
            parsed[int(m.group(1))] = text.strip()
        out.hints[str(nid)] = parsed
    return out


def with_hints(text: str, hints: dict[int, str]) -> str:
    """Add `::hint` to the deletions a reviewer asked for (keeps a hint already there)."""
    def put(m: re.Match) -> str:
        num = int(m.group(1))
        if num not in hints or m.group(3):
            return m.group(0)
        return f"{{{{c{num}::{m.group(2)}::{html.escape(hints[num], quote=False)}}}}}"
    return rules.CLOZE.sub(put, text)
