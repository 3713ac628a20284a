"""PanelData → HTML for the panel's webview (plain Python, no Qt).

Every piece of text is escaped with `html.escape`; field HTML (explanations,
figures) goes through the allow-list cleaner in `common/sanitize.py`. Links carry only a
validated permanent id in `data-genai-open`; the page script (web/panel.js) turns a
click into the namespaced message `open:<id>` of the panel's channel (core/messages.py).
"""
from __future__ import annotations

import html

from ..common import web
from ..common.sanitize import clean
from ..core import messages, texsafe
from ..core.cards import STATES
from ..core.ids import ID_RE
from .links import Linked, PanelData

KIND_LABEL = {"qa": "Question", "cloze": "Cloze", "io": "Image occlusion", "figure": "Figure", "other": ""}

ASSETS = ("panel.css", "panel.js")  # web/: styles, and the script that swaps the content and sends clicks


def esc(text) -> str:
    """Escaped text, refused TeX commands made inert: the panel typesets its whole page."""
    return html.escape(texsafe.neutralize_text(str(text or "")), quote=True)


def root_html() -> str:
    """The panel's root element; `genaiRender(html)` (web/panel.js) swaps its content. It carries the
    message channel and the id pattern the script checks clicks with."""
    return (f"<div id='genai-root' class='genai-root' {messages.page_attributes(messages.PANEL)}>"
            f"<div class='gp-msg'>{esc('Linked explanations appear here while you review.')}</div></div>")


def page_body() -> str:
    """The whole page with its styles and script inlined (outside Anki, which loads them by URL)."""
    style, script = web.inline(*ASSETS)
    return style + root_html() + script


def _state(state: str) -> str:
    s = state if state in STATES else "unavailable"
    return f'<span class="gp-state gp-state-{s}">{esc(s)}</span>'


def _linked_item(item: Linked) -> str:
    if not item.available or not ID_RE.match(item.qid):
        return f'<li class="gp-unavailable">{esc(item.qid)} — unavailable</li>'
    topic = f'<span class="gp-topic">· {esc(item.topic)}</span>' if item.topic else ""
    return (f'<li><a class="gp-link" href="#" data-genai-open="{esc(item.qid)}" title="{esc(item.qid)}">'
            f'{esc(item.question)}</a>{topic}{_state(item.state)}</li>')


def render(data: PanelData, cfg: dict) -> str:
    """HTML fragment for `genai-root` (escaped / sanitized throughout)."""
    out = [f'<div class="gp-head">{esc(data.topic or "GenAI Interview Prep")}'
           f' <span class="gp-kind">{esc(KIND_LABEL.get(data.kind, ""))}</span></div>']
    if data.message:
        out.append(f'<div class="gp-msg">{esc(data.message)}</div>')
    if data.side != "answer" or data.kind == "other":
        return "".join(out)
    available = [s for s in data.subjects if s.available]
    if data.kind != "qa" and cfg.get("show_origin", True) and data.subjects:
        label = "Made from" if data.kind == "cloze" else "Questions this figure illustrates"
        out.append(f'<div class="gp-section">{esc(label)}</div>')
        for s in data.subjects:
            if not s.available:
                out.append(f'<div class="gp-origin gp-unavailable">{esc(s.qid)} — unavailable</div>')
                continue
            out.append(f'<div class="gp-origin gp-block" data-qid="{esc(s.qid)}">'
                       f'<div class="gp-q"><a class="gp-link" href="#" data-genai-open="{esc(s.qid)}">'
                       f'{clean(s.question_html)}</a>{_state(s.state)}</div>'
                       f'<details><summary>Explanation</summary>{clean(s.answer_html)}</details></div>')
    if cfg.get("show_other_explanations", True):
        out += _blocks("Other explanations", "gp-others", [(s.others_html, s.qid) for s in available])
    if cfg.get("show_prerequisites", True) and data.prerequisites:
        out.append('<div class="gp-section">Prerequisites</div><ul class="gp-list gp-prereq">'
                   + "".join(_linked_item(i) for i in data.prerequisites) + "</ul>")
    if cfg.get("show_related", True) and data.related:
        out.append('<div class="gp-section">Related questions</div><ul class="gp-list gp-related">'
                   + "".join(_linked_item(i) for i in data.related) + "</ul>")
    if cfg.get("show_figures", True):
        out += _blocks("Figures", "gp-figures", [(s.figures_html, None) for s in available])
    if len(out) == 1 + bool(data.message):
        out.append('<div class="gp-msg">No linked explanations for this card.</div>')
    return "".join(out)


def _blocks(label: str, cls: str, parts: list[tuple[str, str | None]]) -> list[str]:
    """A section of cleaned field HTML, one block per non-empty (html, question id or None) part."""
    blocks = [f'<div class="gp-block {cls}"' + (f' data-qid="{esc(qid)}"' if qid else "") + f">{clean(html_)}</div>"
              for html_, qid in parts if html_.strip()]
    return [f'<div class="gp-section">{esc(label)}</div>', *blocks] if blocks else []


def render_error(message: str) -> str:
    return f'<div class="gp-error">{esc(message)}</div>'
