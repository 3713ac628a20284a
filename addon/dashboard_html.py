"""HTML of the topic-mastery dashboard (plain Python, no Qt): a collapsible topic tree.

Everything from the collection (tag names) is escaped; actions refer to topics by their INDEX in
the computed list (`genai-dash:study:<i>`, `genai-dash:browse:<i>`), never by a raw string, and
`parse_message()` accepts only those exact shapes. No network, no external JS: the trend charts are
inline SVG; the tree is a FLAT list of rows (each with its depth), so a tag nested a thousand levels
deep nests no deeper in the page (Chromium's HTML parser flattens elements nested more than 512
deep); a few lines of inline JS open / close nodes, send the button clicks and the opening / closing
through Anki's pycmd bridge (once it exists), and take in-place updates (`genaiDash`). Closed nodes
carry no descendants until opened, so thousands of topics still make a small page.
"""
from __future__ import annotations

import html
import re
from typing import Sequence

PREFIX = "genai-dash"
_MSG = re.compile(r"^genai-dash:(?:(study|browse|expand|collapse):(\d{1,6})|(sort):(weak|name)|(refresh|open))$")
_MSG_INTERVIEW = re.compile(r"^genai-dash:(?:(date):(\d{4}-\d{2}-\d{2})?|(interview):(\d{1,6}|all))$")
WEAKEST_N = 5
WEAK_BELOW = 50  # mastery under which a started topic counts as weak


def parse_message(message: object) -> tuple[str, object] | None:
    """('study'|'browse'|'expand'|'collapse', index) / ('sort', 'weak'|'name') / ('refresh'|'open', None),
    else None."""
    if not isinstance(message, str) or len(message) > 64:
        return None
    m = _MSG.fullmatch(message)
    if not m:
        return _parse_interview(message)
    if m.group(1):
        return m.group(1), int(m.group(2))
    if m.group(3):
        return "sort", m.group(4)
    return m.group(5), None


def _parse_interview(message: str) -> tuple[str, object] | None:
    """('date', 'YYYY-MM-DD' or '' to clear) / ('interview', topic index or 'all'), else None."""
    m = _MSG_INTERVIEW.fullmatch(message)
    if not m:
        return None
    if m.group(1):
        return "date", m.group(2) or ""
    return "interview", "all" if m.group(4) == "all" else int(m.group(4))


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def weakest(topics: Sequence) -> list[int]:
    """Indexes of the topics to study next (leaf topics with cards):

    1. started topics (some cards seen) with mastery below WEAK_BELOW: lowest mastery first, then
       most due — where the learner is struggling;
    2. then topics not started yet, most cards first — the biggest gaps in coverage;
    3. then the remaining started topics, lowest mastery first.
    So a fresh deck does not flag every topic, and a struggling topic is never hidden behind
    untouched ones (which all score 0)."""
    def rank(i: int) -> tuple:
        t = topics[i]
        group = 0 if is_weak(t) else (1 if not t.seen else 2)
        return (group, t.mastery, -t.due, -t.cards if group == 1 else 0, t.tag.lower())
    cands = [i for i, t in enumerate(topics) if t.depth > 0 and t.cards > 0 and not t.children]
    return sorted(cands, key=rank)[:WEAKEST_N]


def is_weak(t) -> bool:
    """Started (some studied card seen) and mastery below WEAK_BELOW."""
    return t.seen > 0 and t.mastery < WEAK_BELOW


def next_reason(t) -> str:
    """Why a topic is in the Study-next list, in a few words (and, with an interview date, its readiness)."""
    ready = getattr(t, "readiness", None)
    reason = _next_reason(t)
    return reason if ready is None else f"{reason} · ready {ready * 100:.0f}%: {getattr(t, 'readiness_advice', '')}"


def _next_reason(t) -> str:
    if not t.seen:
        return f"not started, {t.new} new"
    ret = f"retention {t.retention * 100:.0f}% of {t.reviews}" if t.reviews else "no recent reviews"
    return f"mastery {t.mastery:.0f} · {ret} · {t.due} due · {t.new} new"


def sparkline(values: Sequence[float], width: int = 96, height: int = 24) -> str:
    if not values:
        return ""
    n = len(values)
    step = width / max(1, n - 1)
    pts = " ".join(f"{i * step:.1f},{height - 2 - (max(0.0, min(100.0, v)) / 100) * (height - 4):.1f}"
                   for i, v in enumerate(values))
    last = values[-1]
    title = esc(f"mastery over the last {n} weeks: " + " → ".join(f"{v:.0f}" for v in values))
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
            f"<title>{title}</title>"
            f'<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{pts}"/>'
            f'<circle cx="{(n - 1) * step:.1f}" cy="{height - 2 - (last / 100) * (height - 4):.1f}" r="2.2" '
            f'fill="currentColor"/></svg>')


BUCKETS = (("new", "New"), ("learning", "Learning"), ("young", "Young"), ("mature", "Mature"),
           ("suspended", "Suspended"), ("buried", "Buried"))  # exclusive, as Anki's card-counts graph


def stacked_bar(t) -> str:
    total = t.cards  # the buckets add up to the topic's cards
    if total <= 0:
        return '<div class="bar empty"></div>'
    parts = []
    for key, label in BUCKETS:
        n = getattr(t, key)
        if n:
            parts.append(f'<span class="seg {key}" style="width:{100 * n / total:.2f}%" '
                         f'title="{esc(label)}: {n}"></span>')
    return '<div class="bar">' + "".join(parts) + "</div>"


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v * 100:.0f}%"


def _summary(t, r: str) -> str:
    """Tooltip of a topic's name: every figure, also those hidden in a narrow window."""
    late = f" · {t.overdue} late" if t.overdue else ""
    return (f"{t.tag}\n{t.cards} cards: {t.new} new · {t.learning} learning · {t.young} young · "
            f"{t.mature} mature · {t.suspended} suspended · {t.buried} buried\nrecall {r} · {t.due} due{late} · "
            f"mastery {t.mastery:.0f}")


MAX_INDENT = 12  # levels of indentation at most: deeper names stay readable (the tooltip has the whole tag)


def _row(i: int, t, weak: set[int]) -> str:
    r = (f"{_pct(t.retrievability)} · {t.knowledge:.0f} known" if t.retrievability is not None else "–")
    r_title = ("FSRS retrievability (average) and estimated knowledge (sum of R)" if t.r_source == "fsrs"
               else "Interval-based recall estimate (FSRS off) and estimated knowledge")
    cls = "row weak" if i in weak else "row"
    late = f" · {t.overdue} late" if t.overdue else ""
    return (
        f'<div class="{cls}" data-idx="{i}" data-tag="{esc(t.tag)}">'
        f'<span class="name" style="padding-left:{14 * min(t.depth, MAX_INDENT)}px" title="{esc(_summary(t, r))}">{esc(t.name)}</span>'
        f'<span class="cards">{t.cards}</span>'
        f"{stacked_bar(t)}"
        f'<span class="num" title="% mature">{t.mature_pct:.0f}%</span>'
        f'<span class="num ret" title="true retention, last window (reviews)">{_pct(t.retention)} ({t.reviews})</span>'
        f'<span class="num r" title="{esc(r_title)}">{esc(r)}</span>'
        f'<span class="num due" title="due today / overdue">{t.due}{late}</span>'
        f'<span class="mastery" title="mastery 0–100">{t.mastery:.0f}{_ready_cell(t)}</span>'
        f"{sparkline(t.trend)}"
        f'<span class="acts"><button class="study" data-act="study" data-idx="{i}">Study</button>'
        f'<button class="browse" data-act="browse" data-idx="{i}">Browse</button>{_interview_button(i, t)}</span>'
        "</div>")


def _ready_cell(t) -> str:
    """Readiness on the interview date under today's mastery (nothing without a date)."""
    ready = getattr(t, "readiness", None)
    if ready is None:
        return ""
    title = f"readiness on the interview date: {getattr(t, 'readiness_advice', '')}"
    return f'<small class="ready" title="{esc(title)}">{ready * 100:.0f}%</small>'


def _interview_button(i: int, t) -> str:
    if getattr(t, "readiness", None) is None:
        return ""
    return (f'<button class="interview" data-act="interview" data-idx="{i}" '
            f'title="filtered deck of the cards most at risk on the interview date">Interview</button>')


def interview_bar(date_iso: str, days_ahead: int | None, root_topic=None) -> str:
    """The interview-date control: a date field (remembered per profile), the whole root's readiness and
    what it would take, and "Study for the interview" (whole root)."""
    value = esc(date_iso) if date_iso else ""
    out = (f'<div class="interview"><label>Interview date <input type="date" id="genai-interview-date" '
           f'value="{value}"></label>')
    ready = getattr(root_topic, "readiness", None) if root_topic is not None else None
    if date_iso and ready is not None:
        ahead = "today" if not days_ahead else f"in {int(days_ahead)} days"
        out += (f' <b>Readiness {ready * 100:.0f}%</b> ({ahead}) <span class="why">'
                f'{esc(getattr(root_topic, "readiness_advice", ""))}</span> '
                f'<button data-act="interview" data-arg="all">Study for the interview</button>')
    elif not date_iso:
        out += ' <span class="why">set it to see the predicted recall of each topic on that day</span>'
    return out + "</div>"


HEADER = ('<div class="row head"><span class="name">Topic</span><span class="cards">Cards</span>'
          '<span>By state</span><span class="num">Mature</span><span class="num ret">Retention</span>'
          '<span class="num r">Recall</span><span class="num due">Due</span><span class="mastery">Mastery</span>'
          '<span>12 weeks</span><span></span></div>')


def _order(idxs: list[int], topics: Sequence, sort: str) -> list[int]:
    if sort == "name":
        return sorted(idxs, key=lambda i: topics[i].name.lower())
    return sorted(idxs, key=lambda i: (topics[i].mastery, topics[i].name.lower()))


def render_tree(topics: Sequence, sort: str = "weak", open_tags: set[str] | None = None,
                lazy: set[int] | None = None) -> str:
    """The tree as a flat list of items in tree order (`<div class="item node|leaf" data-depth>`
    around each row). Only OPEN nodes are followed by their descendants: a closed node is marked
    `data-lazy` and the page asks for its descendants when it is opened (`expand:<i>`, answered
    with `render_children`), so a tag tree of thousands of topics stays a small page. The indexes
    of those closed nodes are added to `lazy`."""
    open_tags = open_tags if open_tags is not None else default_open(topics)
    tree = _TreeHtml(topics, sort, open_tags, lazy)
    roots = [i for i, t in enumerate(topics) if t.parent is None or t.parent not in tree.index]
    return tree.nodes(_order(roots, topics, sort))


def default_open(topics: Sequence) -> set[str]:
    """Tags open on first display: the top level."""
    return {t.tag for t in topics if t.depth == 0}


def render_children(topics: Sequence, i: int, sort: str = "weak", open_tags: set[str] | None = None,
                    lazy: set[int] | None = None) -> str:
    """The descendants of topic `i` shown once it is opened (its children, and below the open ones
    theirs), as items to insert after it."""
    tree = _TreeHtml(topics, sort, open_tags or set(), lazy)
    return tree.kids(i)


class _TreeHtml:
    """Renders subtrees as flat items without recursion (an explicit stack), so a tag nested 1,000
    levels deep and opened all the way down renders like a flat one."""

    def __init__(self, topics: Sequence, sort: str, open_tags: set[str], lazy: set[int] | None):
        self.topics, self.sort, self.open_tags, self.lazy = topics, sort, open_tags, lazy
        self.index = {t.tag: i for i, t in enumerate(topics)}
        self.weak = {i for i in weakest(topics) if is_weak(topics[i])}  # highlighted: struggling, not unstarted

    def child_idxs(self, i: int) -> list[int]:
        idxs = [self.index[c] for c in self.topics[i].children if c in self.index]
        return _order(idxs, self.topics, self.sort)

    def kids(self, i: int) -> str:
        return self.nodes(self.child_idxs(i))

    def nodes(self, idxs: list[int]) -> str:
        """The items of `idxs` (in that order), each open node followed by its descendants."""
        out: list[str] = []
        stack = list(reversed(idxs))
        while stack:
            i = stack.pop()
            t = self.topics[i]
            row = _row(i, t, self.weak)
            kids = self.child_idxs(i)
            level = f'data-depth="{t.depth}" role="treeitem" aria-level="{t.depth + 1}"'
            if not kids:
                out.append(f'<div class="item leaf" {level}>{row}</div>')
            elif t.tag in self.open_tags:
                out.append(f'<div class="item node open" data-idx="{i}" {level} tabindex="0" '
                           f'aria-expanded="true">{row}</div>')
                stack.extend(reversed(kids))
            else:
                if self.lazy is not None:
                    self.lazy.add(i)
                out.append(f'<div class="item node" data-idx="{i}" {level} tabindex="0" aria-expanded="false" '
                           f'data-lazy="1">{row}</div>')
        return "".join(out)


CSS = """
#genai-dash { font-family: system-ui, sans-serif; font-size: 13px; color: var(--fg, #222); padding: 6px 10px; }
#genai-dash.night { --fg: #e6e6e6; --muted: #a0a0a0; --line: #444; --weak: #4a2a2a; --card: #2c2c2c; }
#genai-dash { --muted: #666; --line: #ddd; --weak: #fde8e8; --card: #f7f7f7; }
#genai-dash.night { color: #e6e6e6; }
#genai-dash h2 { font-size: 16px; margin: 4px 0 6px; }
#genai-dash .bar-top { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 6px; }
#genai-dash .legend span { display: inline-block; margin-right: 8px; color: var(--muted); }
#genai-dash .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 3px; vertical-align: middle; }
#genai-dash .next { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; margin: 6px 0; }
#genai-dash .next ol { margin: 4px 0; padding-left: 22px; }
#genai-dash .next li { margin: 3px 0; }
#genai-dash .next .why { color: var(--muted); }
#genai-dash .row { display: grid; grid-template-columns: minmax(110px, 1.6fr) 40px minmax(80px, 1.2fr) 48px 96px 110px 80px 50px 98px 112px;
  align-items: center; gap: 6px; padding: 2px 0; border-bottom: 1px solid var(--line); }
#genai-dash .row.weak { background: var(--weak); }
#genai-dash .row.head { font-size: 11px; color: var(--muted); border-bottom: 1px solid var(--line); font-weight: 600; }
#genai-dash .row.head .name { font-weight: 600; }
#genai-dash .row.head .mastery { font-weight: 600; }
#genai-dash .name { white-space: normal; overflow-wrap: anywhere; font-weight: 600; }  /* never cut a name */
#genai-dash .num, #genai-dash .cards { color: var(--muted); white-space: nowrap; font-variant-numeric: tabular-nums;
  overflow: hidden; text-overflow: ellipsis; }
#genai-dash .mastery { font-weight: 700; text-align: right; font-variant-numeric: tabular-nums; }
#genai-dash .bar { display: flex; height: 10px; border-radius: 3px; overflow: hidden; background: var(--line); }
#genai-dash .seg.new, #genai-dash .legend .new { background: #6baed6; }
#genai-dash .seg.learning, #genai-dash .legend .learning { background: #fd8d3c; }
#genai-dash .seg.young, #genai-dash .legend .young { background: #74c476; }
#genai-dash .seg.mature, #genai-dash .legend .mature { background: #238b45; }
#genai-dash .seg.suspended, #genai-dash .legend .suspended { background: #bdbd22; }
#genai-dash .seg.buried, #genai-dash .legend .buried { background: #969696; }
#genai-dash .item.node { cursor: pointer; }
#genai-dash .item.node .name::before { content: "▸ "; }
#genai-dash .item.node.open .name::before { content: "▾ "; }
#genai-dash .leaf .name::before { content: "  "; white-space: pre; }
#genai-dash button { font-size: 11px; padding: 1px 6px; }
#genai-dash .acts { display: flex; flex-wrap: wrap; gap: 2px 4px; }  /* Study, Browse (, Interview): never wider than the column */
#genai-dash .spark { color: #3182bd; }
#genai-dash.night .spark { color: #9ecae1; }
#genai-dash .mastery .ready { display: block; font-size: 10px; font-weight: 400; color: var(--muted); }
#genai-dash .interview { margin: 4px 0; }
#genai-dash .interview .why { color: var(--muted); }
#genai-dash .foot { color: var(--muted); margin-top: 8px; font-size: 11px; }
@media (max-width: 900px) {
  #genai-dash .row { grid-template-columns: minmax(170px, 3fr) minmax(40px, 0.6fr) 46px 86px 52px 50px 80px 132px; }
  #genai-dash .row .cards, #genai-dash .row .r { display: none; }
  #genai-dash .spark { width: 80px; }
}
"""

JS = """
(function(){
  var root = document.getElementById('genai-dash');
  // pycmd is defined by Anki's bridge script once its QWebChannel is up, which can be after this
  // script runs: messages wait in a queue until then (`ready`, called from Python, whose evals
  // AnkiWebView holds back until the bridge reports domDone).
  var queue = [], ready = false;
  function send(msg){
    if (ready || typeof pycmd === 'function') { ready = true; flush(); pycmd(msg); } else { queue.push(msg); }
  }
  function flush(){ while (queue.length) pycmd(queue.shift()); }
  function depth(el){ return parseInt(el.getAttribute('data-depth'), 10); }
  function node(idx){ return root.querySelector('.item.node[data-idx="' + idx + '"]'); }
  function close(item){
    var d = depth(item);
    while (item.nextElementSibling && depth(item.nextElementSibling) > d) item.nextElementSibling.remove();
    item.classList.remove('open'); item.setAttribute('aria-expanded', 'false'); item.setAttribute('data-lazy', '1');
  }
  function toggle(item){
    var idx = item.getAttribute('data-idx');
    if (!/^[0-9]+$/.test(idx)) return;
    var opening = !item.classList.contains('open');
    if (opening) { item.classList.add('open'); item.setAttribute('aria-expanded', 'true'); } else { close(item); }
    send('genai-dash:' + (opening ? 'expand' : 'collapse') + ':' + idx);
  }
  window.genaiDash = {
    ready: function(){ ready = true; flush(); },
    update: function(cls, html){ root.className = cls; root.innerHTML = html; },
    fill: function(idx, html){  // the descendants of a node just opened (ignored if closed again meanwhile)
      var item = node(idx);
      if (item && item.classList.contains('open') && item.hasAttribute('data-lazy')) {
        item.removeAttribute('data-lazy'); item.insertAdjacentHTML('afterend', html);
      }
    }
  };
  root.addEventListener('click', function(ev){
    var el = ev.target.closest('button[data-act], a[data-act]');
    if (!el) {
      var item = ev.target.closest('.item.node');
      if (item) toggle(item);
      return;
    }
    ev.preventDefault(); ev.stopPropagation();
    var act = el.getAttribute('data-act'), arg = el.getAttribute('data-arg') || el.getAttribute('data-idx');
    if (!/^(study|browse|sort|refresh|interview)$/.test(act)) return;
    send('genai-dash:' + act + (arg ? ':' + arg : ''));
  });
  root.addEventListener('change', function(ev){
    if (ev.target && ev.target.id === 'genai-interview-date') {
      var v = ev.target.value || '';
      if (v === '' || /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(v)) send('genai-dash:date:' + v);
    }
  });
  root.addEventListener('keydown', function(ev){
    if ((ev.key === 'Enter' || ev.key === ' ') && ev.target.matches && ev.target.matches('.item.node')) {
      ev.preventDefault(); toggle(ev.target);
    }
  });
})();
"""


def page(cls: str, inner: str) -> str:
    """The whole page: style, the root element (whose content `genaiDash.update` replaces in place,
    keeping the scroll position and the open nodes) and the script."""
    return f'<style>{CSS}</style><div id="genai-dash" class="{esc(cls)}">{inner}</div><script>{JS}</script>'


def render(topics: Sequence, *, sort: str = "weak", night: bool = False, days: int = 30, root: str = "GenAI",
           computed_ms: float | None = None, open_tags: set[str] | None = None,
           lazy: set[int] | None = None) -> str:
    """The dashboard page for the computed topic list (see `page` and `render_inner`)."""
    return page("night" if night else "day", render_inner(topics, sort=sort, days=days, root=root,
                                                         computed_ms=computed_ms, open_tags=open_tags, lazy=lazy))


def trail(topics: Sequence, i: int) -> str:
    """A topic's display names below the root, "Ethics & safety › Bias & fairness" (the root alone
    when it is the topic): what a learner reads instead of the tag path."""
    by_tag = {t.tag: t for t in topics}
    names, t = [], topics[i]
    while t is not None:
        names.append(t.name)
        t = by_tag.get(t.parent) if t.parent and t.depth > 1 else None
    return " › ".join(reversed(names))


def render_inner(topics: Sequence, *, sort: str = "weak", days: int = 30, root: str = "GenAI",
                 computed_ms: float | None = None, open_tags: set[str] | None = None,
                 lazy: set[int] | None = None, interview: str = "") -> str:
    """The content of the root element: header, the interview bar (`interview_bar`, pre-rendered),
    Study next, the tree, the footnote."""
    sort = sort if sort in ("weak", "name") else "weak"
    if not topics:
        return (f"<h2>Topic mastery</h2><p>No cards tagged <b>{esc(root)}</b> (or below) in this collection. "
                f"Import the GenAI Interview Prep deck, or set <code>dashboard_root</code> in the add-on's "
                f"config.</p>")
    weak = weakest(topics)
    nxt = "".join(
        f'<li><button data-act="study" data-idx="{i}">Study</button> '
        f'<b title="{esc(topics[i].tag)}">{esc(trail(topics, i))}</b> '
        f'<span class="why">{esc(next_reason(topics[i]))}</span></li>' for i in weak)
    legend = "".join(f'<span><i class="{k}"></i>{esc(label)}</span>' for k, label in BUCKETS)
    other = "name" if sort == "weak" else "weak"
    sort_label = "Sort by name" if sort == "weak" else "Sort weakest first"
    src = "FSRS retrievability" if topics[0].r_source == "fsrs" else "interval-based recall estimate (FSRS off)"
    timing = f" · computed in {computed_ms:.0f} ms" if computed_ms is not None else ""
    return (
        f"<h2>Topic mastery — {esc(root)}</h2>"
        f'<div class="bar-top"><span class="legend">{legend}</span>'
        f'<button data-act="sort" data-arg="{other}">{sort_label}</button>'
        f'<button data-act="refresh">Refresh</button></div>'
        f"{interview}"
        f'<div class="next"><b>Study next</b> (weak topics first, then topics not started)<ol>{nxt}</ol></div>'
        f'{HEADER}<div class="tree" role="tree" data-sort="{sort}">{render_tree(topics, sort, open_tags, lazy)}</div>'
        f'<div class="foot">Retention: Anki\'s true retention over the last {int(days)} days (reviews). '
        f"R: {esc(src)}. Mastery 0–100 = retention (shrunk towards 85% when there are few reviews) × coverage, "
        f"% mature and coverage of the cards not suspended; the line is its 12-week trend{timing}.</div>")
