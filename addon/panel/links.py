"""Linked explanations of a card: index build and per-card lookup (plain Python, no Qt).

Works on an `anki.collection.Collection` only, so tests and the benchmark run it
without a GUI.

Notes are recognised by **note type** (our four model ids, or their names when a
copy got a new id), never by deck, so moving notes between decks changes
nothing. Notes link to each other by the **permanent id** in their `ID` field
(`q0042`), never by note id: `build_index()` maps every Q&A note's permanent id
to its current note id with one SQL query; the per-card lookup is a few indexed
queries (`notes.id IN (…)`, `cards.nid IN (…)`), all parameterised.

What links where:
- Q&A note: its own OtherExplanations and Figures, and the questions whose ids
  are in its Related field (`qa-id` spans, core/markup.py);
- Cloze note: the Q&A note named in QuestionID (its question, explanation,
  other explanations, figures, related questions);
- Figure / Image Occlusion note: the Q&A notes it illustrates — the builder
  writes `decks/figure_links.yaml` (figure → questions) into the Figure's
  Related field and the IO note's Back Extra field as `qa-id` spans.

A linked note that was deleted (or whose ID was edited away) is "unavailable",
never an error. A note id from the index that no longer matches marks the
index `stale` so the caller rebuilds it.

**Prerequisite rule** (`prerequisite_subject`, `is_prerequisite`): a related
question R is a prerequisite of the current question Q when R is *definitional*
— it starts with "What is/are …", "What does … mean", "Define …", "Definition
(of) …", "Explain the concept of …", "Can you explain what … is" (and a few
variants), its subject does not start with a generic word ("challenges",
"advantages", "types", … in `_GENERIC`) — and every key word of its subject X (words of ≥ 3 characters or
acronyms, not stop words, plural "s" ignored; X ends at the first "?", ",",
";", " and ", " in ", " for ", " with ", " when ", " how ", " used ") occurs in
Q's text. "What is mode collapse?" is a prerequisite of "How can mode collapse
be avoided in GANs?"; "What is latent space?" is not a prerequisite of "What is
a GAN?". Prerequisites are listed before, and not again among, related questions.

Learner state of a linked question (its Q&A note's first card): suspended
(queue −1), new (type 0), learning (type 1 or 3), young (review, interval < 21
days), mature (review, interval ≥ 21 days).
"""
from __future__ import annotations

import html
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from ..core import notetypes
from ..core.notetypes import NoteTypes, find_note_types  # noqa: F401 (the finder, used here and by readiness)
from ..core.cards import card_state
from ..core.ids import ID_RE
from ..core.markup import link_ids, linked_topics
from ..core.messages import parse_panel as parse_pycmd
from ..core.settings import DEFAULT_ROOT

SPECS = notetypes.specs()
MODEL_NAMES = notetypes.model_names()
MODEL_IDS = notetypes.model_ids()
QA_MODEL_ID = MODEL_IDS["qa"]
# Where a note lists the Q&A notes it links to (qa-id spans).
LINK_FIELD = {k: s.link_field for k, s in SPECS.items() if k != "cloze"}
_TAG = re.compile(r"<[^>]*>")
_WS = re.compile(r"\s+")
SQL_CHUNK = 500  # ids per IN (…) query, far below SQLite's variable limit


# ---------------------------------------------------------------- note types and index

@dataclass
class LinkIndex:
    """Permanent question id -> note id of its Q&A note (first by note id when duplicated)."""

    types: NoteTypes
    by_qid: dict[str, int]
    build_seconds: float = 0.0
    stale: bool = False

    def __len__(self) -> int:
        return len(self.by_qid)


def build_index(col) -> LinkIndex:
    """One SQL query over our Q&A notes. Runs in the background (QueryOp) in Anki."""
    started = time.perf_counter()
    types = find_note_types(col)
    by_qid: dict[str, int] = {}
    for mid in types.mids("qa"):
        for nid, flds in col.db.all("select id, flds from notes where mid = ? order by id", mid):
            qid = note_qid(types, mid, flds)
            if qid is not None and qid not in by_qid:
                by_qid[qid] = nid
    return LinkIndex(types, by_qid, time.perf_counter() - started)


def note_qid(types: NoteTypes, mid: int, flds: str) -> str | None:
    """The permanent id a note contributes to the index: a Q&A note's well-formed ID field, else None."""
    if types.kind_by_mid.get(mid) != "qa":
        return None
    idx = types.fields_by_mid[mid][SPECS["qa"].id_field]
    parts = flds.split("\x1f")
    if idx >= len(parts):
        return None
    qid = plain(parts[idx])
    return qid if ID_RE.match(qid) else None


# ---------------------------------------------------------------- text helpers

def plain(fragment: str) -> str:
    """Fast plain text of a short field (question text, id): tags dropped, entities decoded."""
    return _WS.sub(" ", html.unescape(_TAG.sub(" ", fragment or ""))).strip()


def topic_from_tags(tags: str | list[str], root: str = DEFAULT_ROOT) -> str:
    """Display name of the most specific topic tag under `root` (the dashboard's root tag, matched
    without case as Anki does): "GenAI::Transformers::Self_Attention" -> "Self Attention"."""
    items = tags.split() if isinstance(tags, str) else list(tags)
    prefix = root.casefold() + "::"
    topics = [t for t in items if t.casefold().startswith(prefix)]
    if not topics:
        return ""
    best = max(topics, key=lambda t: (t.count("::"), -items.index(t)))
    return best.split("::")[-1].replace("_", " ")


_STOP = frozenset("""a an the of in on for to and or with without by from at as is are was were be been being do does did
its it this that these those what which who whom how why when where can could you your explain concept
mean means meaning define definition describe term terms between into about such use used using role
model models work works""".split())
# "What are the challenges of X?" asks about X, it does not define "challenges".
_GENERIC = frozenset("""challenge advantage disadvantage benefit limitation drawback difference type kind application
example key main common different component purpose way step strategy technique method approach some best practice
important factor issue problem risk impact effect consideration metric role trend future current recent most
primary potential ethical implication reason""".split())
_DEFINITIONAL = re.compile(
    r"^\s*(?:(?:can|could) you\s+)?(?:"
    r"what\s+(?:is|are|'s)\s+(?:meant\s+by\s+)?"
    r"|what\s+do\s+you\s+(?:mean|understand)\s+by\s+"
    r"|what\s+does\s+(?=.+\s+(?:mean|stand\s+for)\b)"
    r"|define\s+|definition\s+(?:of\s+)?"
    r"|explain\s+(?:what\s+)?(?:the\s+)?(?:concept|idea|notion|term)\s+of\s+"
    r"|explain\s+what\s+"
    r")(?:an?\s+|the\s+)?(?P<subject>.+)$",
    re.IGNORECASE)
_SUBJECT_END = re.compile(
    r"\?|,|;|:|\.(?:\s|$)|\s(?:and|in|for|with|when|how|used|mean|means|stand|is|are|work|works|differ|compared?)\b",
    re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*")


def _key(word: str) -> str:
    w = word.lower()
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w


def words(text: str) -> set[str]:
    return {_key(w) for w in _WORD.findall(text or "")}


def prerequisite_subject(question: str) -> frozenset[str]:
    """Key words of X when `question` is definitional ("What is X?"), else an empty set."""
    m = _DEFINITIONAL.match(plain(question))
    if not m:
        return frozenset()
    subject = _SUBJECT_END.split(m.group("subject"), maxsplit=1)[0]
    first = _WORD.findall(subject)[:1]
    if not first or _key(first[0]) in _GENERIC:
        return frozenset()
    keys = set()
    for w in _WORD.findall(subject):
        k = _key(w)
        if k in _STOP:
            continue
        if len(k) >= 3 or (w.isupper() and len(w) >= 2):
            keys.add(k)
    return frozenset(keys)


def is_prerequisite(candidate_question: str, current_question: str) -> bool:
    subject = prerequisite_subject(candidate_question)
    if not subject:
        return False
    current = words(plain(current_question))
    if not subject <= current:
        return False
    # "What is X?" is not a prerequisite of another "What is X?" (a near-duplicate).
    return prerequisite_subject(current_question) != subject


# ---------------------------------------------------------------- per-card lookup

@dataclass
class Linked:
    """A linked question in the panel's lists."""

    qid: str
    available: bool
    question: str = ""  # plain text
    topic: str = ""
    state: str = "unavailable"
    note_id: int = 0
    card_id: int = 0


@dataclass
class Subject(Linked):
    """A Q&A note the card is about: the card's own note, a cloze's origin, a figure's questions."""

    question_html: str = ""  # raw field HTML: the view sanitizes it
    answer_html: str = ""
    others_html: str = ""
    figures_html: str = ""


@dataclass
class PanelData:
    kind: str  # qa | cloze | io | figure | other
    side: str  # question | answer
    topic: str = ""
    own_id: str = ""
    subjects: list[Subject] = field(default_factory=list)
    prerequisites: list[Linked] = field(default_factory=list)
    related: list[Linked] = field(default_factory=list)
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


REVEAL_MESSAGE = "Reveal the answer to see linked explanations."
NOT_OURS_MESSAGE = "This card is not from the GenAI Interview Prep decks."


def _chunks(items: list[int]):
    for i in range(0, len(items), SQL_CHUNK):
        yield items[i:i + SQL_CHUNK]


def fetch_notes(col, nids: list[int]) -> dict[int, tuple[int, list[str], str, str, int]]:
    """note id -> (model id, fields, tags, state, first card id) for existing notes; parameterised IN (…)."""
    out: dict[int, tuple[int, list[str], str, str, int]] = {}
    unique = sorted(set(int(n) for n in nids))
    for chunk in _chunks(unique):
        marks = ",".join("?" * len(chunk))  # only placeholders: values are bound, never pasted
        rows = col.db.all(
            "select n.id, n.mid, n.flds, n.tags, c.type, c.queue, c.ivl, c.id from notes n "
            f"join cards c on c.nid = n.id where n.id in ({marks}) order by n.id, c.ord", *chunk)
        for nid, mid, flds, tags, ctype, queue, ivl, cid in rows:
            if nid not in out:
                out[nid] = (mid, flds.split("\x1f"), tags, card_state(ctype, queue, ivl), cid)
    return out


def _resolve(col, index: LinkIndex, qids: list[str]) -> dict[str, tuple[int, list[str], str, str, int, int]]:
    """qid -> (mid, fields, tags, state, card id, note id) for linked Q&A notes that still exist and match."""
    wanted = {qid: index.by_qid[qid] for qid in qids if qid in index.by_qid}
    rows = fetch_notes(col, list(wanted.values()))
    out = {}
    for qid, nid in wanted.items():
        row = rows.get(nid)
        if row is None:  # deleted since the index was built
            index.stale = True
            continue
        mid, fields, tags, state, cid = row
        if index.types.kind_by_mid.get(mid) != "qa" or plain(index.types.field(mid, fields, SPECS["qa"].id_field)) != qid:
            index.stale = True  # note type changed or its ID edited
            continue
        out[qid] = (mid, fields, tags, state, cid, nid)
    return out


def panel_data(col, index: LinkIndex, note, side: str, max_related: int = 8, root: str = DEFAULT_ROOT) -> PanelData:
    """Everything the panel shows for one card (`note` = the card's note, `side` question|answer;
    topics are named from the tags under `root`, the dashboard's root tag)."""
    types = index.types
    kind = types.kind_by_mid.get(note.mid)
    if kind is None:
        return PanelData(kind="other", side=side, message=NOT_OURS_MESSAGE)
    fields = list(note.fields)
    data = PanelData(kind=kind, side=side, topic=topic_from_tags(note.tags, root))
    own = types.field(note.mid, fields, SPECS[kind].id_field)
    if kind == "io":  # a qa-id span in Comments
        ids = link_ids(own)
        data.own_id = ids[0] if ids else ""
    else:
        data.own_id = plain(own)
    if side != "answer":  # never spoil the answer: topic only
        data.message = REVEAL_MESSAGE
        return data

    # 1. subjects: the Q&A note(s) this card is about
    if kind == "qa":
        subject_ids = [data.own_id] if ID_RE.match(data.own_id) else []
        own = {data.own_id: (note.mid, fields, " ".join(note.tags), "", 0, note.id)} if subject_ids else {}
        resolved = own
    else:
        if kind == "cloze":
            qid = plain(types.field(note.mid, fields, SPECS["cloze"].link_field))
            subject_ids = [qid] if ID_RE.match(qid) else []
        else:
            subject_ids = link_ids(types.field(note.mid, fields, LINK_FIELD[kind]))
        resolved = _resolve(col, index, subject_ids)
    for qid in subject_ids:
        row = resolved.get(qid)
        if row is None:
            data.subjects.append(Subject(qid=qid, available=False))
            continue
        mid, f, tags, state, cid, nid = row
        data.subjects.append(Subject(
            qid=qid, available=True, question_html=types.field(mid, f, "Question"),
            answer_html=types.field(mid, f, "Answer"), others_html=types.field(mid, f, "OtherExplanations"),
            figures_html=types.field(mid, f, "Figures"), topic=topic_from_tags(tags, root), state=state,
            note_id=nid, card_id=cid))
    if kind != "qa" and not data.topic and data.subjects:
        data.topic = next((s.topic for s in data.subjects if s.topic), "")

    # 2. related questions of the subjects, split into prerequisites and the rest
    related_ids: list[str] = []
    topics: dict[str, str] = {}
    subject_set = set(subject_ids)
    for qid in subject_ids:
        row = resolved.get(qid)
        if row is None:
            continue
        rel = types.field(row[0], row[1], "Related")
        topics.update(linked_topics(rel))
        for rid in link_ids(rel):
            if rid not in subject_set and rid not in related_ids:
                related_ids.append(rid)
    if not related_ids or max_related <= 0:
        return data
    linked = _resolve(col, index, related_ids)
    current_text = " ".join(plain(s.question_html) for s in data.subjects if s.available)
    for rid in related_ids:
        row = linked.get(rid)
        if row is None:
            item = Linked(qid=rid, available=False, topic=topics.get(rid, ""))
            target = data.related
        else:
            mid, f, tags, state, cid, nid = row
            text = plain(types.field(mid, f, "Question"))
            item = Linked(qid=rid, available=True, question=text, topic=topics.get(rid) or topic_from_tags(tags, root),
                          state=state, note_id=nid, card_id=cid)
            target = data.prerequisites if is_prerequisite(text, current_text) else data.related
        if len(target) < max_related:
            target.append(item)
    return data


# ---------------------------------------------------------------- messages from the panel webview

def find_qa_note_id(col, index: LinkIndex, qid: str) -> int | None:
    """Current note id of the Q&A note with permanent id `qid` (verified), else None."""
    if not ID_RE.match(qid or ""):
        return None
    row = _resolve(col, index, [qid]).get(qid)
    return row[5] if row else None


def browser_search(index: LinkIndex, qid: str) -> str | None:
    """A Browser search for one permanent id, built only from a validated id and numeric model ids."""
    if not ID_RE.match(qid or "") or not index.types.mids("qa"):
        return None
    mids = " OR ".join(f"mid:{int(m)}" for m in index.types.mids("qa"))
    term = qid.replace("_", "\\_")  # "_" is a one-character wildcard in Anki field searches
    return f'({mids}) "ID:{term}"'
