"""Reading an answer's HTML for the cloze miner: the text of blocks without nested lists,
list-item labels, lists written without a list (runs of bold-label paragraphs), and the
visible lead-in of a list."""
from __future__ import annotations

import re
from functools import lru_cache

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from .cloze_text import (GENERIC_LABELS, LABEL_VERBS, MATH, MAX_DELETION_WORDS, VAGUE_OPENERS, canon, content_words,
                         good_sentence, is_vague_phrase, norm_ws, split_sentences, words)


# ----------------------------------------------------------------------------- HTML reading
# The answers are sanitized HTML (builder/render.py), read with BeautifulSoup's html.parser.
def parse_html(markup: str) -> BeautifulSoup:
    return BeautifulSoup(markup, "html.parser")


def memo(el: Tag) -> dict:
    """What the miner worked out about an element (its text, label, pseudo-lists), kept on it for the run."""
    d = el.__dict__.get("_cloze")  # not `el._cloze`: a missing attribute of a Tag means a child tag
    if d is None:
        d = el.__dict__["_cloze"] = {}
    return d


def is_text(node) -> bool:
    """A text node (comments, CDATA and other markup-like strings are not text)."""
    return isinstance(node, NavigableString) and not isinstance(node, PreformattedString)


def elements(el: Tag) -> list[Tag]:
    """The child elements of `el`."""
    return [c for c in el.children if isinstance(c, Tag)]


def previous_element(el: Tag) -> Tag | None:
    """The previous sibling element, skipping whitespace-only text (None after other text)."""
    for c in el.previous_siblings:
        if isinstance(c, Tag):
            return c
        if is_text(c) and c.strip():
            return None
    return None


def classes(el: Tag) -> list[str]:
    return list(el.get("class") or [])


def is_top_level(el: Tag) -> bool:
    """A block of the answer itself, not one nested in another element."""
    return isinstance(el.parent, BeautifulSoup)


BLOCK_SKIP = {"ul", "ol", "table", "pre", "thead", "tbody", "tr"}
BLOCKISH = {"p", "div", "h4", "h5", "h6", "li", "h3", "blockquote"}
STRAY_TEX = re.compile(r"\\(?:mathbf|mathrm|hat|bar|tilde|frac|sqrt|text|lambda|sum|log|cdot|partial|alpha|beta|"
                       r"theta|sigma|mu|nabla|epsilon)\b(?:\{[^{}]*\}|_\{[^{}]*\}|_\w|\^\{[^{}]*\}|\^\w)*")


def _wrap_stray_tex(text: str) -> str:
    """LaTeX printed outside math delimiters ("an eigenvector \\mathbf{v}") becomes inline math."""
    out, pos = [], 0
    for m in MATH.finditer(text):
        out.append(STRAY_TEX.sub(lambda t: f"\\({t.group(0)}\\)", text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(STRAY_TEX.sub(lambda t: f"\\({t.group(0)}\\)", text[pos:]))
    return "".join(out)


def own_text(el: Tag) -> str:
    """Text of an element without its nested lists, tables and code blocks."""
    m = memo(el)
    if "text" not in m:
        m["text"] = _own_text(el)
    return m["text"]


def _own_text(el: Tag) -> str:
    out: list[str] = []

    def walk(node):
        for ch in node.children:
            if not isinstance(ch, Tag):
                if is_text(ch):
                    out.append(ch)
            elif ch.name in BLOCK_SKIP or ch.name == "br":
                out.append(" ")
            elif ch.name in BLOCKISH:
                out.append(" ")
                walk(ch)
                out.append(" ")
            else:
                walk(ch)

    walk(el)
    return _wrap_stray_tex(norm_ws("".join(out)))


def first_text(el: Tag) -> tuple[str, Tag] | None:
    """The first non-blank text of an element and the element holding it."""
    for c in el.children:
        if isinstance(c, Tag):
            if c.name in BLOCK_SKIP:
                continue
            hit = first_text(c)
            if hit:
                return hit
        elif is_text(c) and c.strip():
            return c, el
    return None


def lead_label(li: Tag) -> tuple[str | None, str]:
    """A list item's bold label ("**Label:** rest") or a "Label: rest" prefix, and the rest."""
    m = memo(li)
    if "label" not in m:
        m["label"] = _lead_label(li)
    return m["label"]


def _lead_label(li: Tag) -> tuple[str | None, str]:
    text = own_text(li)
    hit = first_text(li)
    if hit and hit[1].name in ("strong", "b"):
        label = norm_ws(hit[1].get_text())
        if label and text.startswith(label):
            rest = text[len(label):].strip()
            lab: str | None = label.rstrip(":").strip()
            if rest.startswith(":") or rest.startswith(("- ", "– ", "— ")):
                rest = rest[1:].strip()
            elif not label.endswith(":") and rest and not (
                    rest[:1].isupper() and len(words(label)) <= 6 and label[:1].isupper()
                    and not label.endswith((".", ",", ";"))):
                lab = None  # bold words opening a running sentence, not a label
            if lab and ": " in lab:  # "**GPUs: for flexibility**"
                lab, more = lab.split(": ", 1)
                rest = f"{more} {rest}".strip()
            if lab:
                return lab, rest
    m = re.match(r"^([A-Z][^:.;!?()]{1,60}?(?:\([^()]{1,40}\))?)\s*:\s+(.+)$", text)
    if m and len(words(m.group(1))) <= MAX_DELETION_WORDS:
        return m.group(1).strip(), m.group(2).strip()
    return None, text


def clean_label(label: str) -> str:
    label = re.sub(r"^(?:\d+[.)]|[ivx]+[.)]|[A-Za-z][.)])\s+", "", label.strip())
    label = re.sub(r"^(?:step|phase|stage)\s*\d+\s*[:.–-]\s*", "", label, flags=re.I)
    return label.strip().rstrip(":").strip()


SECTION_LABEL = re.compile(
    r"^(?:how|why|what|when|where|which|differences?|types? of|kinds? of|applications? of|examples? of|"
    r"benefits? of|advantages? of|disadvantages? of|limitations? of|challenges? (?:of|in)|role of|importance of|"
    r"impact (?:of|on)|use cases?|common|overview|introduction|conclusion|summary|choosing|comparison|"
    r"definition|in summary|for|(?:techniques?|methods?|approaches?|strategies?) (?:within|for|in|of|to))\b")


@lru_cache(maxsize=16384)
def generic_label(label: str) -> bool:
    low = label.lower().strip().rstrip(":").strip()
    if SECTION_LABEL.match(low):
        return True  # "How TF-IDF Works", "Types of Quantization": a section heading, not an item
    if any(w in LABEL_VERBS for w in re.findall(r"[a-z']+", low)):
        return True  # "BERT is pre-trained using two strategies:" is a sentence, not a label
    if re.fullmatch(r"(?:step|phase|stage|part|level)\s*\d+", low):
        return True
    return low in GENERIC_LABELS or is_vague_phrase(low)


DISCOURSE = re.compile(r"^(?:However|Additionally|Moreover|Furthermore|Also|In addition|Overall|Thus|Hence|"
                       r"Therefore|Finally|In summary|In short|Ultimately|In practice|Importantly|Notably),\s+")


def strip_discourse(s: str) -> str:
    m = DISCOURSE.match(s)
    if not m:
        return s
    rest = s[m.end():]
    return rest[:1].upper() + rest[1:] if rest else s

NEEDS_QUESTION = "\x00Q\x00"


@lru_cache(maxsize=8192)
def context_lead(prev_text: str | None, question: str) -> tuple[str, bool]:
    """The visible lead-in of a list: the last sentence(s) before it, else the question.

    Returns (text, is_question_based)."""
    force = False
    if prev_text and prev_text.startswith(NEEDS_QUESTION):
        prev_text, force = prev_text[len(NEEDS_QUESTION):], True
    if prev_text:
        sents = split_sentences(prev_text)
        if sents:
            last = strip_discourse(sents[-1])
            lead = last
            if VAGUE_OPENERS.match(lead) and len(sents) > 1 and len(words(sents[-2] + " " + lead)) <= 60:
                lead = strip_discourse(f"{sents[-2]} {lead}")
            if (not force and len(content_words(lead)) >= 4 and not VAGUE_OPENERS.match(lead)
                    and not _POINTS_BACK.search(lead)
                    and good_sentence(lead) and len(words(lead)) <= 60):
                return lead, False
            if len(words(last)) <= 40 and good_sentence(last):
                if _restates(last, question):
                    return question, True
                return f"{question} — {last}", True
    return question, True


# "Effective strategies to prevent this include:": a pronoun standing for something said before the lead,
# which the card does not show -- the question goes first then
_POINTS_BACK = re.compile(r"\b(?:this|these|those|them|it)\b(?=\s*(?:[:;,.]|$|include|includes|are|is|can|involves?)\b)",
                          re.I)
_LIST_INTRO = re.compile(r"^(?:(?:the )?following|below|here)\b", re.I)
_INTRO_WORDS = frozenset("following list listed below here".split())


def _restates(lead: str, question: str) -> bool:
    """A list intro that only says the question again ("Following is the list of most used NLP
    terminologies:" under "What are the most used NLP terminologies?"): noise after the question."""
    said = {canon(w) for w in content_words(question)}
    return bool(_LIST_INTRO.match(lead)) and all(canon(w) in said or w in _INTRO_WORDS for w in content_words(lead))


def prev_block_text(el: Tag) -> str | None:
    sib = previous_element(el)
    if sib is None:
        return None
    if sib.name in ("p", "h4", "h5", "h6", "div") and not sib.find_all(["ul", "ol", "table"]):
        if "math-block" in classes(sib):
            return None
        return own_text(sib) or None
    return None

# ------------------------------------------------------------------ pseudo-lists
_NUM_HEADING = re.compile(r"^(?:\d+[.)]|Step\s*\d+[.:)]?)\s*(.+?)\s*:?$", re.I)


def block_label(el: Tag) -> tuple[str, str, str] | None:
    """(kind, label, rest) when a top-level block opens an item of a list written without a list:
    "<p><strong>Label:</strong> text</p>", a one-item list "<ul><li><strong>Label:</strong></li></ul>",
    or a numbered heading "<h6>1. Label:</h6>"."""
    if el.name == "p":
        hit = first_text(el)
        if hit and hit[1].name in ("strong", "b"):
            label, rest = lead_label(el)
            if label:
                return "blk", label, rest
    elif el.name in ("ul", "ol"):
        items = el.find_all("li", recursive=False)
        if len(items) == 1 and not items[0].find_all(["ul", "ol"]):
            label, rest = lead_label(items[0])
            if label:
                return "blk", label, rest
    elif el.name in ("h4", "h5", "h6"):
        m = _NUM_HEADING.match(own_text(el))
        if m:
            return "h", m.group(1), ""
    return None


def pseudo_lists(root: Tag) -> list[tuple[list[tuple[str, str]], str | None, bool]]:
    """Runs of ≥ 2 same-kind label blocks (at most 3 other blocks between two of them):
    ([(label, description)], lead-in text, ordered)."""
    m = memo(root)
    if "pseudo" in m:
        return m["pseudo"]
    blocks = elements(root)
    runs: list[tuple[str, list[list[str]], int]] = []
    cur: tuple[str, list[list[str]], int] | None = None
    gap = 0
    for i, el in enumerate(blocks):
        hit = block_label(el)
        if hit and cur is not None and hit[0] == cur[0] and gap <= 3:
            cur[1].append([hit[1], hit[2]])
            gap = 0
            continue
        if hit:
            cur = (hit[0], [[hit[1], hit[2]]], i)
            runs.append(cur)
            gap = 0
            continue
        if cur is not None:
            gap += 1
            last = cur[1][-1]
            if not last[1] and el.name in ("p", "ul", "ol"):
                last[1] = own_text(el) if el.name == "p" else " ".join(
                    own_text(li) for li in el.find_all("li", recursive=False))
            if gap > 3:
                cur = None
    out = []
    for kind, items, start in runs:
        if not 2 <= len(items) <= 10:
            continue
        lead = None
        # the block before the run is its lead-in unless it is the description of an earlier item
        if (start > 0 and blocks[start - 1].name in ("p", "h4", "h5", "h6") and not block_label(blocks[start - 1])
                and not any(block_label(x) for x in blocks[max(0, start - 4):start - 1])):
            lead = own_text(blocks[start - 1]) or None
        out.append(([(lab, rest) for lab, rest in items], lead, kind == "h"))
    m["pseudo"] = out
    return out

# ------------------------------------------------------------------ enumerations
def _describes_an_item(el: Tag | None) -> bool:
    """Is this paragraph the description of a bold-label item just before it (a list written without a list)?"""
    k = 0
    while el is not None and k < 3:
        el = previous_element(el)
        if el is not None and is_top_level(el) and block_label(el):
            return True
        k += 1
    return False


def list_lead_source(lst: Tag | None) -> str | None:
    """What a list is about: the text right before it, or its parent item's label after the outer lead.

    A nested list whose only context is its parent's label ("Role in the training process:") gets
    the marker NEEDS_QUESTION in front, so the question is shown too."""
    if lst is None:
        return None
    prev = prev_block_text(lst)
    if prev and not _describes_an_item(previous_element(lst)):
        return prev
    parent_li = lst.find_parent("li")
    if parent_li is None:
        return None
    label, _ = lead_label(parent_li)
    head = label or own_text(parent_li)
    if not head or len(words(head)) > (30 if label else 12):
        return None
    head = head.rstrip(":. ").strip() + ":"
    outer = list_lead_source(parent_li.parent)
    if outer and not outer.startswith(NEEDS_QUESTION):
        sents = split_sentences(outer)
        o = sents[-1] if sents else outer
        if len(words(o)) <= 40 and not VAGUE_OPENERS.match(o):
            return f"{o} {head}"
    return NEEDS_QUESTION + head
