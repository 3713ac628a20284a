"""PanelData → HTML for the panel's webview (plain Python, no Qt).

Every piece of text is escaped with `html.escape`; field HTML (explanations,
figures) goes through the allow-list cleaner in `sanitize.py`. Links carry only a
validated permanent id in `data-genai-open`; the page script (`PAGE_JS`) turns a
click into the namespaced message `genai-prep:open:<id>`.
"""
from __future__ import annotations

import html

from ..core import texsafe
from ..core.cards import STATES
from ..core.ids import ID_RE
from .links import Linked, PanelData
from ..common.sanitize import clean

KIND_LABEL = {"qa": "Question", "cloze": "Cloze", "io": "Image occlusion", "figure": "Figure", "other": ""}

PAGE_CSS = """
body.genai-panel{margin:0;padding:8px 10px;font-size:13px;line-height:1.4}
.gp-head{font-weight:600;margin-bottom:6px}
.gp-kind{opacity:.7;font-weight:400}
.gp-msg{opacity:.8;margin:8px 0}
.gp-section{margin:10px 0 4px;font-weight:600;text-transform:uppercase;font-size:11px;letter-spacing:.04em;opacity:.75}
.gp-list{list-style:none;padding:0;margin:0}
.gp-list li{margin:4px 0;padding:4px 6px;border-radius:4px;background:rgba(127,127,127,.08)}
.gp-link{cursor:pointer;text-decoration:none}
.gp-link:hover{text-decoration:underline}
.gp-topic{opacity:.7;font-size:11px;margin-left:4px}
.gp-state{font-size:10px;padding:0 5px;border-radius:8px;margin-left:4px;border:1px solid rgba(127,127,127,.5)}
.gp-state-new{color:#2563eb}.gp-state-learning{color:#dc2626}.gp-state-young{color:#16a34a}
.gp-state-mature{color:#15803d;font-weight:600}.gp-state-suspended{color:#a16207}
.gp-unavailable{opacity:.6;font-style:italic}
.gp-origin{border-left:3px solid rgba(127,127,127,.4);padding-left:8px;margin:6px 0}
.gp-block img{max-width:100%;height:auto}
.gp-block details{margin:4px 0}
.gp-block pre{white-space:pre-wrap}
.gp-error{color:#b91c1c}
"""

PAGE_JS = """
function genaiRender(html){var r=document.getElementById('genai-root'); if(r){r.innerHTML=html;}
 if(window.MathJax&&MathJax.typesetPromise){MathJax.typesetPromise([r]).catch(function(){});}}
document.addEventListener('click',function(e){
 var a=e.target.closest?e.target.closest('[data-genai-open]'):null;
 if(!a){return;}
 e.preventDefault();
 var id=a.getAttribute('data-genai-open');
 if(/^[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}$/.test(id)){pycmd('genai-prep:open:'+id);}
});
"""


def esc(text) -> str:
    """Escaped text, refused TeX commands made inert: the panel typesets its whole page."""
    return html.escape(texsafe.neutralize_text(str(text or "")), quote=True)


def page_body() -> str:
    """The static page the panel loads once; `genaiRender(html)` swaps its content."""
    return (f"<style>{PAGE_CSS}</style><div id='genai-root' class='genai-root'>"
            f"<div class='gp-msg'>{esc('Linked explanations appear here while you review.')}</div></div>"
            f"<script>{PAGE_JS}</script>")


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
        others = [s for s in available if s.others_html.strip()]
        if others:
            out.append('<div class="gp-section">Other explanations</div>')
            for s in others:
                out.append(f'<div class="gp-block gp-others" data-qid="{esc(s.qid)}">{clean(s.others_html)}</div>')
    if cfg.get("show_prerequisites", True) and data.prerequisites:
        out.append('<div class="gp-section">Prerequisites</div><ul class="gp-list gp-prereq">'
                   + "".join(_linked_item(i) for i in data.prerequisites) + "</ul>")
    if cfg.get("show_related", True) and data.related:
        out.append('<div class="gp-section">Related questions</div><ul class="gp-list gp-related">'
                   + "".join(_linked_item(i) for i in data.related) + "</ul>")
    if cfg.get("show_figures", True):
        figs = [s for s in available if s.figures_html.strip()]
        if figs:
            out.append('<div class="gp-section">Figures</div>')
            for s in figs:
                out.append(f'<div class="gp-block gp-figures">{clean(s.figures_html)}</div>')
    if len(out) == 1 + bool(data.message):
        out.append('<div class="gp-msg">No linked explanations for this card.</div>')
    return "".join(out)


def render_error(message: str) -> str:
    return f'<div class="gp-error">{esc(message)}</div>'
