"""Question set + figures + clozes → genanki notes with complete, phone-ready fields.

Everything a learner needs is inside the fields as plain HTML (phones run no
add-ons): the other sources' explanations, related questions by their text,
sources, figure attributions and the permanent id the desktop add-on links by.
GUIDs come from permanent ids only, never from field text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import genanki
from bs4 import BeautifulSoup

from addon.core import decks as deck_rule
from addon.core import markup, notetypes
from addon.core import texsafe
from addon.core import weights

from .. import behavioural, key_points
from ..render import sanitize, text_to_html
from . import models

ROOT_DECK = deck_rule.ROOT_DECK
GUID_NS = notetypes.guid_namespaces()
MAX_RELATED_SHOWN = 8


def guid(kind: str, permanent_id: str) -> str:
    return genanki.guid_for(GUID_NS[kind], permanent_id)


def wrap_tables(fragment: str) -> str:
    """Wide tables scroll inside their own box instead of widening the card."""
    if "<table" not in fragment:
        return fragment
    soup = BeautifulSoup(fragment, "html.parser")
    for table in soup.find_all("table"):
        parent = table.parent
        if parent is not None and parent.name == "div" and "qa-table" in (parent.get("class") or []):
            continue
        wrapper = soup.new_tag("div", attrs={"class": "qa-table"})
        table.wrap(wrapper)
    return str(soup)


def card_html(fragment: str) -> str:
    return sanitize(wrap_tables(fragment))


esc = markup.esc


tag_safe = deck_rule.tag_safe


@dataclass
class Context:
    """Lookups shared by all notes of one build."""

    questions: dict[str, dict]
    documents: dict[str, dict]  # file name -> {slug, title}
    topic_names: dict[str, str]  # path -> display name
    figures: dict[str, object] = field(default_factory=dict)  # figure id -> FigureAsset
    figs_by_question: dict[str, list[str]] = field(default_factory=dict)
    questions_by_figure: dict[str, list[str]] = field(default_factory=dict)
    doc_figure_files: dict[str, str] = field(default_factory=dict)  # ref -> media file name

    def doc_title(self, document: str) -> str:
        return (self.documents.get(document) or {}).get("title") or document

    def doc_slug(self, document: str) -> str:
        slug = (self.documents.get(document) or {}).get("slug")
        return slug or re.sub(r"[^a-z0-9]+", "-", Path(document).stem.lower()).strip("-") or "document"

    def topic_name(self, path: str) -> str:
        return self.topic_names.get(path) or deck_rule.fallback_name(path)

    def deck_for(self, topics: list[str]) -> str:
        """Subdeck per top-level topic: GenAI::Transformers::Attention -> "GenAI Interview Prep::Transformers"."""
        return deck_rule.deck_for(topics, self.topic_name)

    def tags_for(self, q: dict, kind: str) -> list[str]:
        tags = [tag_safe(t) for t in q["topics"]]
        tags += [f"source::{self.doc_slug(s['document'])}" for s in q.get("sources", [])]
        tags.append(f"kind::{kind}")
        tags.append(weights.asked_tag(weights.documents_asking(q.get("sources", []))))
        return sorted(dict.fromkeys(tags))


def _source_line(ctx: Context, s: dict) -> str:
    parts = [f"<b>{esc(ctx.doc_title(s['document']))}</b>"]
    if s.get("section"):
        parts.append(f"§ {esc(s['section'])}")
    if s.get("number"):
        parts.append(f"No. {esc(s['number'])}")
    return ", ".join(parts)


def _figure_block(src: str, caption: str) -> str:
    return (f'<div class="qa-figure"><img src="{esc(src)}" alt="{esc(caption)}">'
            f'<div class="qa-figure-caption">{esc(caption)}</div></div>')


def related_list(ctx: Context, ids: list[str]) -> str:
    """Related questions that open in place to their key points: a learner on a phone (no add-on, no
    JavaScript) can read what each one answers with a tap. The topic and id spans after each question
    are what the desktop add-on reads."""
    items = []
    for rid in ids[:MAX_RELATED_SHOWN]:
        r = ctx.questions.get(rid)
        if r is None:
            continue
        topic = ctx.topic_name(r["topics"][0]) if r.get("topics") else ""
        points = "".join(f"<li>{text_to_html(p)}</li>" for p in key_points.points_of(r)[0])
        items.append(f'<details class="qa-rel"><summary>{r.get("question_html") or esc(r["question"])} '
                     f'{markup.topic_and_id(topic, rid)}</summary>'
                     f'<ul class="qa-rel-points">{points}</ul></details>')
    return f'<div class="qa-rel-list">{"".join(items)}</div>' if items else ""


def qa_fields(ctx: Context, q: dict) -> list[str]:
    primary = q.get("primary_source")
    others, seen = [], {_norm(q["answer_html"])}
    for s in q.get("sources", []):
        body = _norm(s["answer_html"])
        if s["document"] == primary and body in seen:
            continue
        if body in seen:
            continue
        seen.add(body)
        others.append(f'<details><summary>{_source_line(ctx, s)}</summary>'
                      f'<div class="qa-source-question">{esc(s["question"])}</div>{card_html(s["answer_html"])}</details>')
    figures = [_figure_block(ctx.figures[f].filename, ctx.figures[f].title)
               for f in ctx.figs_by_question.get(q["id"], []) if f in ctx.figures]
    attributions = []
    for f in q.get("figures", []):
        if f["ref"] in ctx.doc_figure_files:
            figures.append(_figure_block(ctx.doc_figure_files[f["ref"]], f.get("caption") or f["ref"]))
        credit = esc(f.get("caption") or f["ref"])
        if f.get("source_url"):
            credit += f' — <a href="{esc(f["source_url"])}">{esc(f["source_url"])}</a>'
        elif f.get("source_text"):
            credit += f" — {esc(f['source_text'])}"
        attributions.append(f"<li>{credit}</li>")
    sources = "".join(f"<li>{_source_line(ctx, s)}</li>" for s in q.get("sources", []))
    header = f'<div class="qa-label">Other explanations ({len(others)})</div>' if others else ""
    return [
        q.get("question_html") or esc(q["question"]),
        answer_html(q),
        "".join(figures),
        header + "".join(others),
        related_list(ctx, q.get("related", [])),
        f"<ul>{sources}</ul>" if sources else "",
        sanitize(f"<ul>{''.join(attributions)}</ul>") if attributions else "",
        esc(q["id"]),
    ]


def corrections_html(q: dict) -> str:
    """What the source got wrong and what is right, said openly on the card (never a silent edit)."""
    return "".join(
        f'<div class="qa-correction"><b>Correction:</b> {text_to_html(c["source_said"])} '
        f'→ {text_to_html(c["correct"])}</div>' for c in q.get("corrections") or [])


def answer_html(q: dict) -> str:
    """Key points first (what a learner grades against), any correction, then the full explanation."""
    label = behavioural.EXAMPLE_LABEL if behavioural.is_behavioural(q["question"]) else "Explanation"
    return (key_points.block_html(q) + sanitize(corrections_html(q))
            + f'<div class="qa-explanation"><div class="qa-label">{label}</div>{card_html(q["answer_html"])}</div>')


def _norm(fragment: str) -> str:
    return re.sub(r"\s+", " ", fragment).strip()


class _Note(genanki.Note):
    """A note whose GUID is given (never derived from field text). Every field passes the TeX
    allow-list last, so no field, however assembled, carries a command MathJax would run."""

    def __init__(self, *, fields: list[str], **kwargs):
        super().__init__(fields=[texsafe.neutralize(f) for f in fields], **kwargs)


def qa_note(ctx: Context, q: dict) -> genanki.Note:
    return _Note(model=models.QA_MODEL, fields=qa_fields(ctx, q), tags=ctx.tags_for(q, "qa"),
                 guid=guid("qa", q["id"]), sort_field=q["question"])


def origin_html(ctx: Context, q: dict) -> str:
    return (f'<div class="qa-question">{q.get("question_html") or esc(q["question"])}</div>'
            f'<div class="qa-answer">{answer_html(q)}</div>')


def cloze_note(ctx: Context, c) -> genanki.Note:
    q = ctx.questions[c.qid]
    source = f'<div class="qa-cz-source">Source: <b>{esc(ctx.doc_title(c.document))}</b></div>' if c.document else ""
    fields = [card_html(c.text), card_html(c.back_extra + source), origin_html(ctx, q), esc(c.id), esc(c.qid)]
    return _Note(model=models.CLOZE_MODEL, fields=fields, tags=ctx.tags_for(q, "cloze"),
                 guid=guid("cloze", c.id), sort_field=re.sub(r"<[^>]+>", "", c.text)[:200])


def figure_topics(ctx: Context, fig) -> list[str]:
    """A figure's topic is its own (decks/figures.yaml), not those of the questions it illustrates."""
    return [fig.topic]


def _figure_tags(ctx: Context, fig) -> list[str]:
    tags = [tag_safe(t) for t in figure_topics(ctx, fig)]
    docs = {s["document"] for qid in ctx.questions_by_figure.get(fig.id, []) for s in ctx.questions[qid]["sources"]}
    tags += [f"source::{ctx.doc_slug(d)}" for d in docs]
    tags.append("kind::image")
    asked = [weights.documents_asking(ctx.questions[qid].get("sources", []))
             for qid in ctx.questions_by_figure.get(fig.id, [])]
    if asked:  # the most frequently asked of the questions it illustrates
        tags.append(weights.asked_tag(max(asked)))
    return sorted(dict.fromkeys(tags))


def figure_note(ctx: Context, fig) -> genanki.Note:
    related = related_list(ctx, ctx.questions_by_figure.get(fig.id, []))
    fields = [esc(fig.prompt), f'<img src="{esc(fig.filename)}" alt="{esc(fig.kind)}">',
              sanitize(fig.answer_html), related, esc(fig.id)]
    return _Note(model=models.FIGURE_MODEL, fields=fields, tags=_figure_tags(ctx, fig),
                 guid=guid("figure", fig.id), sort_field=fig.prompt)


def _fraction(x: float) -> str:
    """Up to 4 decimals, as Anki's editor writes them."""
    return f"{x:.4f}".rstrip("0").rstrip(".") or "0"


def occlusion_field(labels) -> str:
    """Anki's mask syntax: one rect per label, one card per label text (c1, c2, … in drawing
    order; a label drawn twice is two rects of one card), hide all / guess one."""
    number = {text: i for i, text in enumerate(dict.fromkeys(l.text for l in labels), start=1)}
    return "<br>".join(
        f"{{{{c{number[l.text]}::image-occlusion:rect:left={_fraction(l.left)}:top={_fraction(l.top)}"
        f":width={_fraction(l.width)}:height={_fraction(l.height)}:oi=1}}}}"
        for l in labels)


def io_note(ctx: Context, fig) -> genanki.Note:
    related = related_list(ctx, ctx.questions_by_figure.get(fig.id, []))
    labels = "".join(f"<li>{esc(text)}</li>" for text in dict.fromkeys(l.text for l in fig.labels))
    back = sanitize(f"{fig.answer_html}<div class='qa-label'>All labels</div><ul>{labels}</ul>"
                    + (f"<div class='qa-label'>Questions this diagram illustrates</div>{related}" if related else ""))
    fields = [occlusion_field(fig.labels), f'<img src="{esc(fig.filename)}">',
              esc(fig.prompt), back, markup.id_span(fig.id)]  # the give-away-checked header
    return _Note(model=models.IO_MODEL, fields=fields, tags=_figure_tags(ctx, fig),
                 guid=guid("io", fig.id), sort_field=fig.title)
