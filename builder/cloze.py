"""Anki cloze notes mined from the normalized question set.

`generate(questions, paths)` turns the answers of `decks/questions.json` into
cloze notes of five kinds. Rule-based and deterministic (same input → same notes
in the same order), no Qt. It reads, from the deck folder `paths`
(`builder.paths.DeckPaths`): `topics.yaml` (topic display names and keywords;
path segments are the fallback), `acronyms.yaml` (standard expansions) and
`clozes.yaml` (curated notes, hints and rejections, `builder/cloze_curated.py`).

Modules: this driver; `cloze_text` (text helpers, the note `Builder` and its hard
`check`, the candidate record); `cloze_html` (reading the answer HTML); one module
of candidates per kind (`cloze_definitions`, `cloze_acronyms`, `cloze_lists`,
`cloze_formulas`, `cloze_tables`); `cloze_select` (choosing a question's notes);
`cloze_rules` (the quality rules) and `cloze_curated` (the hand-written notes).

Where notes come from: the primary answer first, then the other sources'
answers when they differ (ranked lower). Answers (sanitized HTML) are read with
BeautifulSoup, and every note is written from plain text escaped anew, so a
deletion can never sit inside a tag or cross one.

Kinds:
- definition: a sentence opening with a noun-phrase term followed by a defining
  verb ("X is a/an/the …", "X are used/designed …", "X refers to / measures /
  occurs when / involves …") → the term is deleted ("Mode collapse in the context
  of GANs refers to …" deletes "Mode collapse"). A term defined in several
  questions is carded once (the question asking about it wins). Also list items
  "**Label:** description" → "<lead-in> {{c1::Label}}: <first sentence>".
- acronym: "Long Form (ACR)" / "ACR (Long Form)" whose words really spell the
  letters → "In the context of <topic name>, the abbreviation ACR stands for
  {{c1::Long Form}}." (the topic, or its parent when the name would give the
  answer away); one note per acronym in the whole set, trivial ones (AI, API,
  LLM, NLP …) skipped.
- enumeration: a list (or a run of bold-label paragraphs / numbered headings)
  of 2–10 items whose heads are bold labels or short items; the lead-in stays
  visible (with the question in front when the lead-in alone does not name the
  subject, e.g. "Advantages:"); up to six heads deleted, c1…c6. Lists of generic
  facets (Pros/Cons/Definition/Example …) are skipped.
- formula: a display formula or a formula-only paragraph with the sentence that
  names it; the WHOLE formula is the deletion, consecutive formulas whose lead
  is a pronoun ("Its derivative is:") share a note; a formula inside a sentence
  ("models the joint probability \\(P(x,y)\\)") is deleted whole too.
- table: one note per comparison-table row: column headers and the row header
  visible, each short cell (1–8 words) of the row deleted (c1, c2 …).

Hard rules, checked on every candidate before it is kept: 1–6 deletions of 1–8
words (a formula counts as one), ≥ 8 visible words outside math, no deletion of
stopwords/vague words, no deletion whose text (or its core, hyphens and plurals
aside) is visible elsewhere in the note, no `{{`, `}}` or `::` outside the
cloze syntax (`}}` inside a formula becomes `} }`). At most `MAX_PER_QUESTION`
notes per question, kinds taken in turns (formula, table, definition,
enumeration, acronym, label definition) and a term deleted in one of them is
not deleted again; no two notes share a text or an id.

Ids are `<qid>-cz-<slug>` with the slug made only from the deleted terms (the
row header too for table rows): editing another sentence keeps the id,
changing the deleted term changes it. Two kinds deleting the same terms in one
question are told apart by a kind suffix ("-acr").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import behavioural
from . import cloze_curated as curated_mod
from . import cloze_rules as rules
from .cloze_acronyms import acronym_cand, load_standard_acronyms, scan_acronyms
from .cloze_definitions import definition_cands
from .cloze_formulas import formula_cands
from .cloze_html import context_lead, generic_label, parse_html
from .cloze_lists import enumeration_cands
from .cloze_select import dedupe_definitions, select, view, vocabulary
from .cloze_tables import table_cands
from .cloze_text import (KIND_CODE, MAX_PER_QUESTION, SLUG_MAX, Cand, canon, esc, good_sentence,  # noqa: F401
                         slugify, split_sentences, src_line_text, words)
from .paths import DeckPaths


@dataclass(frozen=True)
class ClozeNote:
    id: str
    qid: str
    kind: str
    text: str
    back_extra: str
    topics: tuple[str, ...]
    document: str = ""  # the source document it was mined from (the card shows its title)


@dataclass
class Report:
    """What a cloze run produced and what it turned away (printed in the build summary)."""

    notes: list[ClozeNote]
    dropped: Counter  # rule name -> mined candidates it dropped
    curated: int = 0
    rejected: int = 0


def _sources(q: dict) -> list[tuple[str, str, bool]]:
    """(document, answer_html, is_primary): the primary answer first, then other sources' different answers."""
    srcs = q.get("sources") or []
    primary_doc = q.get("primary_source") or (srcs[0].get("document") if srcs else "") or ""
    primary_html = q.get("answer_html") or ""
    out = [(primary_doc, primary_html, True)] if primary_html else []
    seen = {primary_html}
    for s in srcs:
        h = s.get("answer_html") or ""
        if h and h not in seen:
            seen.add(h)
            out.append((s.get("document") or "", h, False))
    return out


_CACHED = (words, canon, split_sentences, generic_label, src_line_text, good_sentence, context_lead, esc)


def generate(questions: list[dict], paths: DeckPaths) -> list[ClozeNote]:
    """Cloze notes for a question set (see the module docstring for the rules)."""
    return generate_report(questions, paths).notes


def _topic_names(path: Path) -> dict[str, str]:
    """path → display name, from the taxonomy in the deck folder's topics.yaml."""
    from .topics import TopicError, load_taxonomy
    try:
        taxonomy = load_taxonomy(path)
    except (TopicError, OSError):
        return {}
    return {p: taxonomy.name(p) for p in taxonomy.paths}


def generate_report(questions: list[dict], paths: DeckPaths, reject_nothing: bool = False) -> Report:
    """Mined notes that keep every rule, after the curated ones of `clozes.yaml` (which win a
    duplicate), minus the notes it rejects."""
    for f in _CACHED:  # the caches only serve one run; start cold so memory stays bounded
        f.cache_clear()
    names = _topic_names(paths.topics)
    standard = load_standard_acronyms(paths.acronyms)
    # nothing is mined from a behavioural question's answer: it is one candidate's story (builder/behavioural.py)
    parsed = [(q, [] if behavioural.is_behavioural(q["question"])
               else [(doc, parse_html(h), prim) for doc, h, prim in _sources(q)]) for q in questions]
    owner = scan_acronyms(parsed)
    owned: dict[str, list[tuple]] = {}
    for key in sorted(owner):
        owned.setdefault(owner[key][0], []).append(owner[key])
    per_q: list[tuple[dict, list[Cand]]] = []
    for q, roots in parsed:
        cands: list[Cand] = []
        for doc, root, primary in roots:
            start = len(cands)
            cands += definition_cands(q, root, doc, primary)
            cands += enumeration_cands(q, root, doc, primary)
            cands += formula_cands(q, root, doc, primary)
            cands += table_cands(q, root, doc, primary)
            for c in cands[start:]:
                c.document = doc
        for _, acr, lf, sent, doc in owned.get(q["id"], []):
            c = acronym_cand(q, acr, lf, sent, doc, standard, names)
            if c:
                c.document = doc
                cands.append(c)
        for i, c in enumerate(cands):
            c.order = i
        per_q.append((q, cands))
    dedupe_definitions(per_q)
    vocab = vocabulary(paths.topics, questions, per_q, standard)
    curation = curated_mod.load(paths.clozes, {str(q["id"]): q for q in questions}, vocab)
    report = Report([], Counter())
    dedupe = rules.Deduper()
    seen_id: set[str] = set()
    for note in curation.notes:
        dedupe.add(curated_mod.view(note))
        seen_id.add(note.id)
    notes_by_q: dict[str, list[ClozeNote]] = {}
    for note in curation.notes:
        notes_by_q.setdefault(note.qid, []).append(note)
    report.curated = len(curation.notes)
    for q, cands in per_q:
        topics = tuple(q.get("topics") or ())
        slugs: dict[str, str] = {}
        for c in select(cands, q, vocab, report.dropped, names):
            slug = slugify(c.slug_src)
            if slugs.get(slug, c.kind) != c.kind:  # same terms deleted by two kinds: the later kind says so
                code = KIND_CODE[c.kind]
                slug = f"{slugify(c.slug_src, SLUG_MAX - len(code) - 1)}-{code}"
            slugs.setdefault(slug, c.kind)
            nid = f"{q['id']}-cz-{slug}"
            if nid in curation.reject and not reject_nothing:
                report.rejected += 1
                continue
            nv = view(c, q, names)
            nv.id = nid
            if nid in curation.hints:
                nv = rules.NoteView(id=nid, kind=nv.kind, text=curated_mod.with_hints(nv.text, curation.hints[nid]),
                                    question=nv.question, topic_names=nv.topic_names,
                                    list_items=nv.list_items, lead=nv.lead, acronym=nv.acronym)
            if nid in seen_id or dedupe.duplicate_of(nv):
                report.dropped["duplicate"] += 1
                continue
            dedupe.add(nv)
            seen_id.add(nid)
            notes_by_q.setdefault(str(q["id"]), []).append(
                ClozeNote(nid, str(q["id"]), c.kind, nv.text, c.back, topics, c.document))
    order = {str(q["id"]): i for i, q in enumerate(questions)}
    report.notes = [n for qid in sorted(notes_by_q, key=lambda k: order.get(k, len(order)))
                    for n in notes_by_q[qid]]
    return report
