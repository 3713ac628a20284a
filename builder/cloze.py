"""Anki cloze notes mined from the normalized question set.

`generate(questions)` turns the answers of `decks/questions.json` into cloze
notes of five kinds. Rule-based and deterministic (same input → same notes in
the same order), no Qt, ~0.5 s for the whole set; the only file it reads is
`decks/topics.yaml` (topic display names; path segments are the fallback).

Where notes come from: the primary answer first, then the other sources'
answers when they differ (ranked lower). Answers are read with a small DOM
(sanitized HTML), and every note is written from plain text escaped anew, so a
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

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from collections import Counter
from pathlib import Path

from . import cloze_curated as curated_mod
from . import cloze_rules as rules
from .errors import InputError


KINDS = ("definition", "acronym", "enumeration", "formula", "table")
KIND_CODE = {"definition": "def", "acronym": "acr", "enumeration": "enum", "formula": "fml", "table": "tbl"}
MAX_PER_QUESTION = 4
MAX_DELETIONS = 6
MAX_DELETION_WORDS = 8
MIN_VISIBLE_WORDS = 8
SLUG_MAX = 40
DECKS = Path(__file__).resolve().parents[1] / "decks"
TOPICS_YAML = DECKS / "topics.yaml"


@dataclass(frozen=True)
class ClozeNote:
    id: str
    qid: str
    kind: str
    text: str
    back_extra: str
    topics: tuple[str, ...]
    document: str = ""  # the source document it was mined from (the card shows its title)


# ----------------------------------------------------------------------------- vocabulary
STOPWORDS = frozenset("""
a an the and or but nor of in on at to for from by with without within into onto over under about as than
then so if is are was were be been being am do does did has have had it its it's this that these those
they them their there here we you your our i he she his her him my me not no yes can could may might must
shall should will would also such very more most less least many much some any all each every both either
neither other another same own only just too via per e.g i.e etc vs which who whom whose what when where
why how while whereas whether
""".split())
VAGUE_WORDS = frozenset("""
it this that these those they them something thing things stuff various several many different other
another some way ways one ones kind kinds type types part parts aspect aspects factor factors element
elements example examples model models approach approaches method methods technique techniques process
processes goal goals idea ideas key difference differences result results output outputs input inputs step
steps system systems use uses purpose benefit benefits advantage advantages challenge challenges problem
problems issue issues aim role impact importance task tasks data focus answer solution solutions concept
concepts term terms feature features component components main primary first second third final overall
new specific same traditional typical common general basic simple key important major overview core
application applications practical mitigation mitigations consideration considerations
""".split())
GENERIC_LABELS = frozenset("""
pros cons pro con solution solutions description usage interpretation use definition example examples
mitigation purpose range address goal goals contribution structure role objective objectives method methods
outcome outcomes advantages disadvantages advantage disadvantage strengths weaknesses strength weakness
limitations limitation benefits benefit challenges challenge mechanism overview features explanation impact
importance problem problems issue issues output input result results note notes summary conclusion approach
applications application formula function process steps step details detail rationale reason reasons effect
effects intuition strategy strategies techniques technique implementation types type components component
concept concepts idea ideas training evaluation scope characteristics functionality architecture capabilities
properties attributes behavior behaviour context nature operation working workflow usage setup configuration
requirements considerations consideration key considerations trade-offs tradeoffs comparison similarities
differences difference why how what when where
""".split()) | frozenset({
    "use case", "use cases", "how it works", "key features", "key idea", "key ideas", "why it matters",
    "key concept", "key concepts", "working principle", "rnn problem", "transformer solution",
    "real-world example", "real world example", "example use case", "examples of use",
})
BAD_TERM_START = frozenset("""
a an the it its this that these those they their there here one each every another other such both many
most some all several key main one's our your we you i if while although though when because since unlike
like in for to by with on at as however additionally also moreover overall thus hence therefore then
first second third finally ultimately instead example examples answer yes no not only just why how what
which who where whereas after before during once even still now today beyond through using based given
note similarly similar unlike despite each either neither
""".split())
PREPOSITIONS = frozenset("in within for during on of with when across under at from by as inside between".split())
CATEGORY_WORDS = frozenset("technique techniques method methods challenge challenges strategy strategies approach "
                           "approaches mechanism mechanisms".split())
IS_NEXT = frozenset("""
a an the one specialized designed used defined known called responsible
""".split())
ADVERBS = frozenset("""
typically essentially primarily generally commonly usually basically mainly often fundamentally simply widely
particularly also frequently specifically mostly largely especially sometimes now still
""".split())
SUBJECT_OK_LOWER = frozenset("in within for during on of with across under at from by as "
                                                  "inside between to and or the a an".split())
LABEL_VERBS = frozenset("is are was were be can could will would should must has have had do does did "
                        "may might it they this these".split())
OTHER_VERBS = (
    "refers to", "refer to", "means", "describes", "denotes", "represents", "measures", "quantifies",
    "occurs when", "happens when", "stands for", "involves", "consists of", "comprises", "combines",
)
VAGUE_OPENERS = re.compile(
    r"^(?:here|there|this|these|those|they|it|its|their|such|some|for example|for instance|e\.g\.|"
    r"where|which|formula|below|above|following|the following|in this|as follows|key|main|steps?|"
    r"examples?|they'?re|it'?s)\b", re.I)
BROKEN = re.compile(
    r"\bwhere (?:is|are|and)\b|\b(?:of|by|to|from|with|only|and|the|an?)\s*[,.;](?!\w)|\bonly and\b|"
    r"\b[A-Z] and (?:are|is)\b|\(\s*\)|\s[,;]|\bis the\s*[,.]", )
ABBREV = re.compile(r"(?:\be\.g|\bi\.e|\betc|\bvs|\bapprox|\bfig|\bno|\bdr|\bmr|\bmrs|\binc|\bal|\bcf|\bU\.S)\.$",
                    re.I)
MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
PH = re.compile(r"\x01(\d+)\x02")
_WORD_TOKEN = re.compile(r"[^\sA-Za-z0-9\x01]*[A-Za-z0-9\x01]\S*")


# ----------------------------------------------------------------------------- small helpers
_WS = re.compile(r"\s+")


def _norm_ws(s: str) -> str:
    return _WS.sub(" ", s).strip()


def _math_safe(latex: str) -> str:
    """`}}` / `{{` inside a formula would end or open a cloze in Anki: space them apart."""
    while "}}" in latex or "{{" in latex:
        latex = latex.replace("}}", "} }").replace("{{", "{ {")
    return latex


def _safe_math_in(text: str) -> str:
    return MATH.sub(lambda m: _math_safe(m.group(0)), text) if "\\" in text else text


@lru_cache(maxsize=65536)
def esc(text: str) -> str:
    """Plain text (may hold `\\( … \\)` math) → HTML safe for a cloze field."""
    out, pos = [], 0
    for m in MATH.finditer(text):
        out.append(_esc_plain(text[pos:m.start()]))
        out.append(html.escape(_math_safe(m.group(0)), quote=False))
        pos = m.end()
    out.append(_esc_plain(text[pos:]))
    return "".join(out)


def _esc_plain(s: str) -> str:
    return html.escape(s, quote=False).replace("{", "&#123;").replace("}", "&#125;")


def strip_math(text: str) -> str:
    return MATH.sub(" ", text)


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """Word tokens of plain text: a math span counts as one word."""
    return tuple(_WORD_TOKEN.findall(MATH.sub(" \x01 ", text)))


_CW = re.compile(r"[\w'-]*[a-z0-9][\w'-]*")
_LETTER = re.compile(r"[a-z]")
_ALNUM = re.compile(r"[a-z0-9]+")
_LAST_TOKEN = re.compile(r"([\w&/-]+)\s*$")


def content_words(text: str) -> list[str]:
    return [w for w in _CW.findall(strip_math(text).lower()) if w not in STOPWORDS and _LETTER.search(w)]


@lru_cache(maxsize=65536)
def _canon(s: str) -> str:
    """Loose form for giveaway checks: lowercase, hyphens as spaces, plural -s dropped."""
    s = strip_math(s).lower().replace("’", "'")
    toks = _ALNUM.findall(s)
    return " ".join(t[:-1] if len(t) > 3 and t.endswith("s") and not t.endswith("ss") else t for t in toks)


def contains(haystack: str, needle: str) -> bool:
    """Does the needle appear in the haystack (case, hyphens, plurals and "pre-training"/"pretraining" aside)?"""
    n = _canon(needle)
    if not n:
        return False
    h = _canon(haystack)
    if f" {n} " in f" {h} ":
        return True
    tight = n.replace(" ", "")
    return len(tight) >= 8 and tight in h.replace(" ", "")


def _core(text: str) -> str:
    """A deletion without the small words at its ends ("For Text Completion" → "Text Completion")."""
    toks = text.split()
    while len(toks) > 1 and toks[0].lower() in STOPWORDS:
        toks = toks[1:]
    while len(toks) > 1 and toks[-1].lower() in STOPWORDS:
        toks = toks[:-1]
    return " ".join(toks)


def slugify(text: str, limit: int = SLUG_MAX) -> str:
    """ASCII slug of [a-z0-9-], at most `limit` characters: a long one keeps its head and a short hash of
    the whole, so two long slugs with the same head stay apart."""
    text = re.sub(r"\\[A-Za-z]+", " ", text)  # LaTeX command names are noise in a slug
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"
    if len(slug) <= limit:
        return slug
    digest = hashlib.sha1(slug.encode()).hexdigest()[:6]
    head = slug[:limit - 7]
    if "-" in head[10:]:
        head = head[:head.rindex("-")]
    return f"{head.strip('-')}-{digest}"


def _is_vague_phrase(text: str) -> bool:
    toks = [t for t in re.findall(r"[a-z0-9']+", strip_math(text).lower())]
    meaningful = [t for t in toks if t not in STOPWORDS and t not in VAGUE_WORDS and not t.isdigit()]
    return not meaningful


@lru_cache(maxsize=65536)
def split_sentences(text: str) -> tuple[str, ...]:
    """Sentences of plain text; math spans are never split."""
    maths: list[str] = []

    def hide(m):
        maths.append(m.group(0))
        return f"\x01{len(maths) - 1}\x02"

    hidden = MATH.sub(hide, _norm_ws(text))
    parts = re.split(r"(?<=[.!?])([\"”’)]?)\s+(?=[A-Z0-9“\"(\x01])", hidden)
    sents: list[str] = []
    buf = ""
    for i in range(0, len(parts), 2):
        piece = parts[i] + (parts[i + 1] if i + 1 < len(parts) else "")
        buf = f"{buf} {piece}".strip() if buf else piece
        if not ABBREV.search(buf[-10:]):
            sents.append(buf)
            buf = ""
    if buf:
        sents.append(buf)
    return tuple(PH.sub(lambda m: maths[int(m.group(1))], s) for s in sents if s.strip())


# ----------------------------------------------------------------------------- note assembly
class Builder:
    """Pieces of a note: raw markup, plain text (escaped on output) and deletions."""

    def __init__(self):
        self.pieces: list[tuple] = []
        self.n = 0

    def tag(self, markup: str) -> "Builder":
        self.pieces.append(("tag", markup))
        return self

    def text(self, s: str) -> "Builder":
        if s:
            self.pieces.append(("text", _safe_math_in(s)))
        return self

    def delete(self, s: str, num: int | None = None) -> int:
        if num is None:
            self.n += 1
            num = self.n
        self.pieces.append(("del", _safe_math_in(s), num))
        return num

    def deletions(self) -> list[tuple[int, str]]:
        return [(p[2], p[1]) for p in self.pieces if p[0] == "del"]

    def render(self) -> str:
        out = []
        for p in self.pieces:
            if p[0] == "tag":
                out.append(p[1])
            elif p[0] == "text":
                out.append(esc(p[1]))
            else:
                out.append(f"{{{{c{p[2]}::{esc(p[1])}}}}}")
        return "".join(out)

    def visible(self) -> str:
        """Plain text left when every deletion is hidden (block tags become spaces)."""
        return _norm_ws(" ".join(p[1] if p[0] == "text" else " " for p in self.pieces))


def given_away(deletion: str, visible: str) -> bool:
    """Is the deleted text (without small words at its ends) readable elsewhere on the card? "Data Integration
    Challenges" after a lead-in on "data integration" counts too."""
    core = _core(deletion)
    if contains(visible, core):
        return True
    head = " ".join(w for w in core.split() if w.lower() not in CATEGORY_WORDS)
    if head != core and head and contains(visible, head):
        return True
    # either side of "Long Form (ACR)": "RLHF is a more complex form of fine-tuning …" names the answer
    if "(" in core and not MATH.search(core):
        parts = [p.strip(" ,;") for p in re.split(r"[()]", core)]
        return any(len(_canon(p)) >= 2 and not _is_vague_phrase(p) and contains(visible, p) for p in parts if p)
    return False


def check(b: Builder) -> bool:
    """The hard rules for one note; candidates that fail are dropped."""
    dels = b.deletions()
    if not 1 <= len(dels) <= MAX_DELETIONS or len({n for n, _ in dels}) > MAX_DELETIONS:
        return False
    visible = b.visible()
    if len(words(strip_math(visible))) < MIN_VISIBLE_WORDS:
        return False
    for num, d in dels:
        dd = d.strip()
        if not dd or dd != d or not 1 <= len(words(dd)) <= MAX_DELETION_WORDS:
            return False
        if "::" in dd or "{{" in dd or "}}" in dd or dd.endswith("}"):
            return False
        if _is_vague_phrase(dd) and not MATH.fullmatch(dd):
            return False
        if MATH.search(dd) and not MATH.fullmatch(dd):
            return False  # inside MathJax only when the whole formula is the deletion
        others = " ".join(o for n, o in dels if n != num)
        if given_away(dd, visible) or given_away(dd, others):
            return False
    rendered = b.render()
    stripped = re.sub(r"\{\{c\d+::(.*?)\}\}", "", rendered, flags=re.S)
    if "{{" in stripped or "}}" in stripped:
        return False
    return True


# ----------------------------------------------------------------------------- HTML reading
# A tiny DOM for the sanitized, well-formed answer HTML: bs4 + html.parser costs ~1 s for the set.
VOID = frozenset({"br", "hr", "img", "wbr", "col"})
_TOK = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>|([^<]+)|<", re.S)
_ATTR = re.compile(r"""([A-Za-z_:][-A-Za-z0-9_:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")


class El:
    __slots__ = ("name", "attrs", "children", "parent", "cache")

    def __init__(self, name: str, attrs: dict | None = None, parent: "El | None" = None):
        self.name, self.attrs, self.children, self.parent = name, attrs or {}, [], parent
        self.cache: dict = {}

    def elements(self) -> list["El"]:
        return [c for c in self.children if isinstance(c, El)]

    def find_all(self, names, recursive: bool = True) -> list["El"]:
        key = ("find", names if isinstance(names, str) else tuple(names), recursive)
        if key not in self.cache:
            self.cache[key] = self._find_all({names} if isinstance(names, str) else set(names), recursive)
        return self.cache[key]

    def _find_all(self, names: set, recursive: bool) -> list["El"]:
        out: list[El] = []

        def walk(node):
            for c in node.children:
                if isinstance(c, El):
                    if c.name in names:
                        out.append(c)
                    if recursive:
                        walk(c)

        walk(self)
        return out

    def find_parent(self, names) -> "El | None":
        names = {names} if isinstance(names, str) else set(names)
        p = self.parent
        while p is not None and p.name not in names:
            p = p.parent
        return p

    def previous_element(self) -> "El | None":
        """The previous sibling element, skipping whitespace-only text."""
        if self.parent is None:
            return None
        sibs = self.parent.children
        i = next(k for k, c in enumerate(sibs) if c is self)
        for c in reversed(sibs[:i]):
            if isinstance(c, El):
                return c
            if c.strip():
                return None
        return None

    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def text(self) -> str:
        out: list[str] = []

        def walk(node):
            for c in node.children:
                if isinstance(c, El):
                    walk(c)
                else:
                    out.append(c)

        walk(self)
        return "".join(out)


def parse_html(markup: str) -> El:
    root = El("#root")
    cur = root
    for m in _TOK.finditer(markup):
        if m.group(4) is not None:
            cur.children.append(html.unescape(m.group(4)))
        elif m.group(2):
            name = m.group(2).lower()
            if m.group(1):
                n = cur
                while n is not root and n.name != name:
                    n = n.parent
                if n is not root:
                    cur = n.parent
            else:
                attrs = {a.group(1).lower(): html.unescape(a.group(2) or a.group(3) or a.group(4) or "")
                         for a in _ATTR.finditer(m.group(3) or "")}
                el = El(name, attrs, cur)
                cur.children.append(el)
                if name not in VOID and not (m.group(3) or "").rstrip().endswith("/"):
                    cur = el
        elif m.group(0) == "<":
            cur.children.append("<")
    return root


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


def own_text(el: El) -> str:
    """Text of an element without its nested lists, tables and code blocks."""
    if "text" not in el.cache:
        el.cache["text"] = _own_text(el)
    return el.cache["text"]


def _own_text(el: El) -> str:
    out: list[str] = []

    def walk(node):
        for ch in node.children:
            if not isinstance(ch, El):
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
    return _wrap_stray_tex(_norm_ws("".join(out)))


def _first_text(el: El) -> tuple[str, El] | None:
    """The first non-blank text of an element and the element holding it."""
    for c in el.children:
        if isinstance(c, El):
            if c.name in BLOCK_SKIP:
                continue
            hit = _first_text(c)
            if hit:
                return hit
        elif c.strip():
            return c, el
    return None


def lead_label(li: El) -> tuple[str | None, str]:
    """A list item's bold label ("**Label:** rest") or a "Label: rest" prefix, and the rest."""
    if "label" not in li.cache:
        li.cache["label"] = _lead_label(li)
    return li.cache["label"]


def _lead_label(li: El) -> tuple[str | None, str]:
    text = own_text(li)
    hit = _first_text(li)
    if hit and hit[1].name in ("strong", "b"):
        label = _norm_ws(hit[1].text())
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


def _clean_label(label: str) -> str:
    label = re.sub(r"^(?:\d+[.)]|[ivx]+[.)]|[A-Za-z][.)])\s+", "", label.strip())
    label = re.sub(r"^(?:step|phase|stage)\s*\d+\s*[:.–-]\s*", "", label, flags=re.I)
    return label.strip().rstrip(":").strip()


SECTION_LABEL = re.compile(
    r"^(?:how|why|what|when|where|which|differences?|types? of|kinds? of|applications? of|examples? of|"
    r"benefits? of|advantages? of|disadvantages? of|limitations? of|challenges? (?:of|in)|role of|importance of|"
    r"impact (?:of|on)|use cases?|common|overview|introduction|conclusion|summary|choosing|comparison|"
    r"definition|in summary|for|(?:techniques?|methods?|approaches?|strategies?) (?:within|for|in|of|to))\b")


@lru_cache(maxsize=16384)
def _generic_label(label: str) -> bool:
    low = label.lower().strip().rstrip(":").strip()
    if SECTION_LABEL.match(low):
        return True  # "How TF-IDF Works", "Types of Quantization": a section heading, not an item
    if any(w in LABEL_VERBS for w in re.findall(r"[a-z']+", low)):
        return True  # "BERT is pre-trained using two strategies:" is a sentence, not a label
    if re.fullmatch(r"(?:step|phase|stage|part|level)\s*\d+", low):
        return True
    return low in GENERIC_LABELS or _is_vague_phrase(low)


DISCOURSE = re.compile(r"^(?:However|Additionally|Moreover|Furthermore|Also|In addition|Overall|Thus|Hence|"
                       r"Therefore|Finally|In summary|In short|Ultimately|In practice|Importantly|Notably),\s+")


def _strip_discourse(s: str) -> str:
    m = DISCOURSE.match(s)
    if not m:
        return s
    rest = s[m.end():]
    return rest[:1].upper() + rest[1:] if rest else s


# ----------------------------------------------------------------------------- topic names
@lru_cache(maxsize=1)
def _topic_names() -> dict[str, str]:
    """path → display name, from the taxonomy in decks/topics.yaml."""
    from .topics import TopicError, load_taxonomy
    try:
        taxonomy = load_taxonomy(TOPICS_YAML)
    except (TopicError, OSError):
        return {}
    return {p: taxonomy.name(p) for p in taxonomy.paths}


def topic_name(path: str) -> str:
    names = _topic_names()
    if path in names:
        return names[path]
    return path.split("::")[-1].replace("_", " ")


def _topic_chain(topics: tuple[str, ...]) -> list[str]:
    """Topic names of the main topic, most specific first, then the top level."""
    if not topics:
        return ["generative AI"]
    parts = topics[0].split("::")
    return [topic_name("::".join(parts[:i])) for i in range(len(parts), 1, -1)] + ["generative AI"]


# ----------------------------------------------------------------------------- candidates
@dataclass
class Cand:
    kind: str           # one of KINDS
    slug_src: str       # what the id slug is made from: the deleted terms
    builder: Builder | None  # None: built on demand by `make` (which may give up)
    back: str
    score: float
    sub: str = ""       # "label" for list-item definitions
    terms: tuple = ()   # canonical deleted terms (to avoid carding a term twice per question)
    order: int = 0
    make: object = None
    meta: dict = field(default_factory=dict)  # what the rules need: list_items, lead, acronym
    document: str = ""

    def ready(self) -> bool:
        """Build the note if it was deferred; True when it exists and keeps every hard rule."""
        if self.builder is None and self.make is not None:
            self.builder, self.make = self.make(), None
        return self.builder is not None and check(self.builder)


@lru_cache(maxsize=4096)
def _src_line_text(question: str, doc: str | None) -> str:
    """The question a note came from (the card shows the document's title beside it, never its file)."""
    return f"<div class=\"qa-cz-from\">From: <i>{esc(question)}</i></div>"


def _src_line(q: dict, doc: str | None) -> str:
    return _src_line_text(q.get("question") or "", doc)


@lru_cache(maxsize=65536)
def _good_sentence(s: str) -> bool:
    """False for sentences broken by formulas the source dropped ("where and are weight matrices")."""
    return not BROKEN.search(MATH.sub("MATH", s)) and "\x01" not in s


NEEDS_QUESTION = "\x00Q\x00"


@lru_cache(maxsize=8192)
def _context_lead(prev_text: str | None, question: str) -> tuple[str, bool]:
    """The visible lead-in of a list: the last sentence(s) before it, else the question.

    Returns (text, is_question_based)."""
    force = False
    if prev_text and prev_text.startswith(NEEDS_QUESTION):
        prev_text, force = prev_text[len(NEEDS_QUESTION):], True
    if prev_text:
        sents = split_sentences(prev_text)
        if sents:
            last = _strip_discourse(sents[-1])
            lead = last
            if VAGUE_OPENERS.match(lead) and len(sents) > 1 and len(words(sents[-2] + " " + lead)) <= 60:
                lead = _strip_discourse(f"{sents[-2]} {lead}")
            if (not force and len(content_words(lead)) >= 4 and not VAGUE_OPENERS.match(lead)
                    and _good_sentence(lead) and len(words(lead)) <= 60):
                return lead, False
            if len(words(last)) <= 40 and _good_sentence(last):
                return f"{question} — {last}", True
    return question, True


def _prev_block_text(el: El) -> str | None:
    sib = el.previous_element()
    if sib is None:
        return None
    if sib.name in ("p", "h4", "h5", "h6", "div") and not sib.find_all(["ul", "ol", "table"]):
        if "math-block" in sib.classes():
            return None
        return own_text(sib) or None
    return None


_DEF_RE = re.compile(
    r"^(?:(?:A|An|The)\s+)?(?P<subject>\S+(?:\s+\S+){0,11}?)\s+(?P<verb>is|are|"
    + "|".join(v.replace(" ", r"\s+") for v in OTHER_VERBS)
    + r")\s+(?P<rest>.+)$")


def _sentence_definition(q: dict, sent: str, doc: str) -> Cand | None:
    sent = _strip_discourse(sent)
    if not sent.endswith((".", "!", "”", "\"", ")")):
        return None
    m = _DEF_RE.match(sent)
    if not m or not _good_sentence(sent) or not 9 <= len(words(sent)) <= 60:
        return None
    subject, verb, rest = m.group("subject"), m.group("verb"), m.group("rest")
    if any(ch in subject for ch in ",;:\"“”") or MATH.search(subject):
        return None
    if verb in ("is", "are"):
        nxt = [w.lower().strip(",") for w in rest.split()[:2]]
        if nxt and nxt[0] in ADVERBS:
            nxt = nxt[1:]  # "is often used", "are typically a"
        if not nxt or nxt[0] not in IS_NEXT:
            return None
    toks = subject.split()
    if not toks or toks[0].lower() in BAD_TERM_START:
        return None
    # a subject is a noun phrase: no verbs, pronouns or conjunctions ("X can be problematic because it …")
    plain_toks = re.sub(r"\([^()]*\)", " ", subject).split()
    if any(t.lower() in STOPWORDS and t.lower() not in SUBJECT_OK_LOWER for t in plain_toks):
        return None
    if any(t.lower() in ADVERBS or t.lower().endswith("ly") and len(t) > 4 for t in plain_toks):
        return None
    if re.search(r"[a-z]{3,}[A-Z][a-z]{3,}", subject):
        return None  # words run together by the source ("FrequencyInverse")
    # the term is the subject up to its first preposition, unless Title Case ("Bag of Words")
    cut = len(toks)
    for i, t in enumerate(toks):
        if i and t.lower() in PREPOSITIONS:
            title = (toks[i - 1][:1].isupper() and i + 1 < len(toks) and toks[i + 1][:1].isupper())
            if not title:
                cut = i
                break
    term = " ".join(toks[:cut])
    if term.count("(") != term.count(")") or not re.search(r"[A-Za-z]{2}", term):
        return None
    if not 1 <= len(words(term)) <= 6 or _is_vague_phrase(term):
        return None
    tw = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", term)]
    if len(set(tw)) != len(tw):
        return None  # "CLIP (Contrastive Language–Image Pretraining) CLIP": a heading run into the sentence
    # "The architecture of X is …": a bare common noun cut from its complement is not a term
    if cut < len(toks) and len(toks[:cut]) == 1 and term.islower():
        return None
    start = sent.index(term)
    before, after = sent[:start], sent[start + len(term):]
    parts = [term] + [p.strip() for p in re.split(r"[()]", term) if p.strip()]
    if any(contains(before + " " + after, p) for p in parts):
        return None
    b = Builder().tag("<p>").text(before)
    b.delete(term)
    b.text(after).tag("</p>")
    return Cand("definition", term, b, _src_line(q, doc), 0.0, terms=(_canon(term),))


def _definition_cands(q: dict, root: El, doc: str, primary: bool) -> list[Cand]:
    out: list[Cand] = []
    qtext = q.get("question") or ""
    blocks = [el for el in root.find_all(["p", "li"]) if not el.find_parent(["table", "li"])
              or el.name == "li" and not el.find_parent("table")]
    first_para = next((b for b in blocks if own_text(b)), None)
    for bi, el in enumerate(blocks):
        if el.name == "li" and lead_label(el)[0]:
            continue  # labelled items are read as "label: description" below
        text = own_text(el)
        sents = split_sentences(text) if text else ()
        for si, sent in enumerate(sents):
            c = _sentence_definition(q, sent, doc)
            if c is None:
                continue
            if si + 1 < len(sents) and len(words(sents[si + 1])) <= 45:  # what the answer says next
                c.back = f"<div class=\"qa-cz-context\">{esc(sents[si + 1])}</div>" + c.back
            c.score = 10.0 - 0.3 * si - 0.05 * bi - (1.5 if el.name == "li" else 0)
            if el is first_para and si == 0:
                c.score += 4
            if contains(qtext, c.slug_src):
                c.score += 2
            if not primary:
                c.score -= 3
            out.append(c)
    # labelled list items: "**Label:** description" → the label is deleted
    for li in root.find_all("li"):
        if li.find_parent("table"):
            continue
        label, rest = lead_label(li)
        if label:
            c = _label_definition(q, label, rest, _list_lead_source(li.parent), doc, primary)
            if c:
                out.append(c)
    for items, lead_src, _ in pseudo_lists(root):
        for label, rest in items:
            c = _label_definition(q, label, rest, lead_src, doc, primary)
            if c:
                out.append(c)
    return out


def _label_definition(q: dict, label: str, rest: str, lead_src: str | None, doc: str, primary: bool) -> Cand | None:
    """A deferred candidate: most of them are never selected, so the work waits for `Cand.ready`."""
    label = _clean_label(label)
    if not label or not rest or _generic_label(label) or not 1 <= len(words(label)) <= 6:
        return None
    weak_lead = not lead_src or lead_src.startswith(NEEDS_QUESTION)
    score = 5.0 - (1.0 if weak_lead else 0) - (3 if not primary else 0)
    lead = _context_lead(lead_src, q.get("question") or "")[0]
    return Cand("definition", label, None, _src_line(q, doc), score, sub="label", terms=(_canon(label),),
                make=lambda: _label_definition_note(q, label, rest, lead_src), meta={"lead": lead})


def _label_definition_note(q: dict, label: str, rest: str, lead_src: str | None) -> Builder | None:
    sents = split_sentences(rest)
    if not sents:
        return None
    desc = re.sub(r"^(?:Definition|Description|Meaning|Purpose)\s*:\s*", "", sents[0])
    # a sub-label before the description: "Combine Multiple Models: Use …"
    desc = re.sub(r"^(?:[A-Z][\w-]*\s){0,4}[A-Z][\w-]*:\s+(?=[A-Z])", "", desc)
    if (not 6 <= len(words(desc)) <= 45 or not _good_sentence(desc) or desc.endswith(":")
            or re.match(r"^(?:e\.g|example|for example|for instance)", desc, re.I)):
        return None
    lead, _ = _context_lead(lead_src, q.get("question") or "")
    b = Builder().tag("<p>").text(lead).tag("</p><p>")
    b.delete(label)
    b.text(": ").text(desc).tag("</p>")
    return b


# ------------------------------------------------------------------ pseudo-lists
_NUM_HEADING = re.compile(r"^(?:\d+[.)]|Step\s*\d+[.:)]?)\s*(.+?)\s*:?$", re.I)


def _block_label(el: El) -> tuple[str, str, str] | None:
    """(kind, label, rest) when a top-level block opens an item of a list written without a list:
    "<p><strong>Label:</strong> text</p>", a one-item list "<ul><li><strong>Label:</strong></li></ul>",
    or a numbered heading "<h6>1. Label:</h6>"."""
    if el.name == "p":
        hit = _first_text(el)
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


def pseudo_lists(root: El) -> list[tuple[list[tuple[str, str]], str | None, bool]]:
    """Runs of ≥ 2 same-kind label blocks (at most 3 other blocks between two of them):
    ([(label, description)], lead-in text, ordered)."""
    if "pseudo" in root.cache:
        return root.cache["pseudo"]
    blocks = root.elements()
    runs: list[tuple[str, list[list[str]], int]] = []
    cur: tuple[str, list[list[str]], int] | None = None
    gap = 0
    for i, el in enumerate(blocks):
        hit = _block_label(el)
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
        if (start > 0 and blocks[start - 1].name in ("p", "h4", "h5", "h6") and not _block_label(blocks[start - 1])
                and not any(_block_label(x) for x in blocks[max(0, start - 4):start - 1])):
            lead = own_text(blocks[start - 1]) or None
        out.append(([(lab, rest) for lab, rest in items], lead, kind == "h"))
    root.cache["pseudo"] = out
    return out


# ------------------------------------------------------------------ acronyms
ACR_RE = re.compile(r"^[A-Z][A-Za-z0-9&/-]{0,9}?[A-Z0-9]s?$")
PAREN = re.compile(r"\(([^()]{1,90})\)")
SKIPPABLE = frozenset("of and for the to in on a an with from by via as at or &".split())
TRIVIAL_ACRONYMS = frozenset("ai ml faq ide api url gpu cpu tpu nan is it ui ux pdf html json sql llm nlp os ok us "
                             "uk eu id lm".split())


def _acr_letters(acr: str) -> str:
    a = acr[:-1] if acr.endswith("s") and len(acr) > 2 and acr[-2].isupper() else acr
    return re.sub(r"[^A-Za-z0-9]", "", a).lower()


def _spell(letters: str, wordlist: list[str]) -> bool:
    """Do the words spell the acronym? Each content word gives its initial (later letters may come from
    inside it: AutoEncoder → AE); small words and the tails of hyphenated words may be skipped."""
    parts: list[tuple[str, bool]] = []
    for w in wordlist:
        for j, p in enumerate(re.split(r"[-/]", w)):
            p = re.sub(r"[^A-Za-z0-9]", "", p).lower()
            if p:
                parts.append((p, p in SKIPPABLE or j > 0))
    if len(parts) < 2:
        return False

    @lru_cache(maxsize=None)
    def go(i: int, k: int) -> bool:
        if i == len(letters):
            return all(skip for _, skip in parts[k:])
        if k == len(parts):
            return False
        word, skippable = parts[k]
        if word[0] == letters[i]:
            j, pos = i + 1, 1
            if go(j, k + 1):
                return True
            while j < len(letters):
                pos = word.find(letters[j], pos)
                if pos < 0:
                    break
                j, pos = j + 1, pos + 1
                if go(j, k + 1):
                    return True
        return skippable and go(i, k + 1)

    return bool(letters) and go(0, 0)


def _acr_ok(acr: str) -> bool:
    return (bool(ACR_RE.match(acr)) and sum(ch.isupper() for ch in acr) >= 2
            and _acr_letters(acr) not in TRIVIAL_ACRONYMS)


def _long_ok(lf: str) -> bool:
    return not re.search(r"[a-z]{3,}[A-Z][a-z]{3,}", lf) and len(words(lf)) <= MAX_DELETION_WORDS


def find_acronyms(text: str) -> list[tuple[str, str]]:
    """(acronym, long form) pairs defined in plain text: "Long Form (ACR)" and "ACR (Long Form)"."""
    found: list[tuple[str, str]] = []
    plain = strip_math(text)
    for m in PAREN.finditer(plain):
        inner = m.group(1).strip()
        if _acr_ok(inner):  # Long Form (ACR)
            letters = _acr_letters(inner)
            before = re.findall(r"[\w'’&/-]+", plain[max(0, m.start() - 200):m.start()])
            for n in range(2 if len(letters) > 1 else 1, min(len(before), len(letters) + 4) + 1):
                cand = before[-n:]
                if cand[0].lower() in SKIPPABLE or cand[0][0].lower() != letters[0]:
                    continue
                if _spell(letters, cand):
                    lf = " ".join(cand)
                    if _long_ok(lf):
                        found.append((inner, lf))
                    break
            else:
                # one hyphenated word can spell it too: "Text-to-Speech (TTS)"
                if before and _spell(letters, before[-1:]) and _long_ok(before[-1]):
                    found.append((inner, before[-1]))
            continue
        pre = _LAST_TOKEN.search(plain[max(0, m.start() - 40):m.start()])
        if pre and _acr_ok(pre.group(1)) and re.fullmatch(r"[A-Za-z][\w'’\s/&-]{3,80}", inner):
            acr, lf = pre.group(1), _norm_ws(inner)
            letters = _acr_letters(acr)
            ws = lf.split()
            if (len(ws) <= len(letters) + 3 and ws[0][0].lower() == letters[0] and _spell(letters, ws)
                    and _long_ok(lf)):
                found.append((acr, lf))
    return found


def _acronym_cand(q: dict, acr: str, lf: str, sent: str, doc: str, standard: dict[str, dict]) -> Cand | None:
    """"In the context of <its field>, the abbreviation ACR stands for {{c1::…}}." for a standard
    acronym, with the standard expansion and context from decks/acronyms.yaml; any other acronym
    becomes a candidate the `acronym` rule drops (so the build summary counts it)."""
    shown = acr[:-1] if acr.endswith("s") and len(acr) > 2 and acr[-2].isupper() else acr
    std = standard.get(shown) or standard.get(next((k for k in standard if k.lower() == shown.lower()), ""))
    if std:
        shown = next(k for k, v in standard.items() if v is std)
        lf, fields = std["expansion"], [std["context"]]
    else:
        lf = lf.strip(" ,.;:")
        fields = _topic_chain(tuple(q.get("topics") or ()))[:1]
    for field_name in fields:
        b = Builder().tag("<p>").text(f"In the context of {field_name}, the abbreviation ").tag("<b>").text(
            shown).tag("</b>").text(" stands for ")
        b.delete(lf)
        b.text(".").tag("</p>")
        if check(b):
            back = f"<div class=\"qa-cz-context\">{esc(sent)}</div>" + _src_line(q, doc)
            return Cand("acronym", lf, b, back, 3.0, terms=(_canon(lf),), meta={"acronym": shown})
    return None


# ------------------------------------------------------------------ enumerations
def _describes_an_item(el: El | None) -> bool:
    """Is this paragraph the description of a bold-label item just before it (a list written without a list)?"""
    k = 0
    while el is not None and k < 3:
        el = el.previous_element()
        if el is not None and el.parent is not None and el.parent.name == "#root" and _block_label(el):
            return True
        k += 1
    return False


def _list_lead_source(lst: El | None) -> str | None:
    """What a list is about: the text right before it, or its parent item's label after the outer lead.

    A nested list whose only context is its parent's label ("Role in the training process:") gets
    the marker NEEDS_QUESTION in front, so the question is shown too."""
    if lst is None:
        return None
    prev = _prev_block_text(lst)
    if prev and not _describes_an_item(lst.previous_element()):
        return prev
    parent_li = lst.find_parent("li")
    if parent_li is None:
        return None
    label, _ = lead_label(parent_li)
    head = label or own_text(parent_li)
    if not head or len(words(head)) > (30 if label else 12):
        return None
    head = head.rstrip(":. ").strip() + ":"
    outer = _list_lead_source(parent_li.parent)
    if outer and not outer.startswith(NEEDS_QUESTION):
        sents = split_sentences(outer)
        o = sents[-1] if sents else outer
        if len(words(o)) <= 40 and not VAGUE_OPENERS.match(o):
            return f"{o} {head}"
    return NEEDS_QUESTION + head


def _item_head(li: El) -> tuple[str | None, str, str]:
    """(deletable head, visible tail, description) of a list item."""
    label, rest = lead_label(li)
    if label:
        label = _clean_label(label)
        if label and not _generic_label(label) and 1 <= len(words(label)) <= MAX_DELETION_WORDS:
            return label, "", rest
        return None, "", rest
    text = own_text(li).rstrip(".;").strip()
    if not text or MATH.search(text):
        return None, "", ""
    m = re.match(r"^(.+?)\s+(\((?:e\.g\.|i\.e\.|such as|like|for example)[^()]*\))$", text)
    if m and 1 <= len(words(m.group(1))) <= MAX_DELETION_WORDS:
        return m.group(1), " " + m.group(2), ""
    if text.endswith(":"):
        return None, "", text  # a sub-heading inside the list ("Mitigation Strategies:")
    if len(words(text)) <= MAX_DELETION_WORDS and not _generic_label(text):
        return text, "", ""
    return None, "", text


def _label_head(label: str, rest: str) -> tuple[str | None, str, str]:
    label = _clean_label(label)
    if label and not _generic_label(label) and 1 <= len(words(label)) <= MAX_DELETION_WORDS:
        return label, "", rest
    return None, "", rest


def _enumeration_cands(q: dict, root: El, doc: str, primary: bool) -> list[Cand]:
    out: list[Cand] = []
    for li_idx, lst in enumerate(root.find_all(["ul", "ol"])):
        if lst.find_parent("table"):
            continue
        items = lst.find_all("li", recursive=False)
        if not 2 <= len(items) <= 10:
            continue
        c = _enumeration_note(q, [_item_head(li) for li in items], _list_lead_source(lst), lst.name == "ol",
                              doc, primary)
        if c:
            c.score -= 0.2 * li_idx + (1.5 if lst.find_parent("li") is not None else 0)
            out.append(c)
    for k, (items, lead_src, ordered) in enumerate(pseudo_lists(root)):
        c = _enumeration_note(q, [_label_head(lab, rest) for lab, rest in items], lead_src, ordered, doc, primary)
        if c:
            c.score -= 0.5 + 0.2 * k
            out.append(c)
    return out


def _enumeration_note(q: dict, heads: list[tuple[str | None, str, str]], lead_src: str | None, ordered: bool,
                      doc: str, primary: bool) -> Cand | None:
    if any(h is None for h, _, _ in heads):
        return None
    labels = [h for h, _, _ in heads]
    if len({_canon(x) for x in labels}) != len(labels):
        return None
    lead, qbased = _context_lead(lead_src, q.get("question") or "")
    tag = "ol" if ordered else "ul"
    b = Builder().tag("<p>").text(lead).tag(f"</p><{tag}>")
    deleted: list[str] = []
    for i, (head, tail, _) in enumerate(heads):
        b.tag("<li>")
        others = " ".join(x for j, x in enumerate(labels) if j != i)
        if len(deleted) < MAX_DELETIONS and not given_away(head, lead) and not given_away(head, others):
            b.delete(head)
            deleted.append(head)
        else:
            b.text(head)
        b.text(tail).tag("</li>")
    b.tag(f"</{tag}>")
    if len(deleted) < 2:
        return None
    back_items = []
    for head, _, desc in heads:
        if desc:
            s = split_sentences(desc)
            d = s[0] if s else desc
            if len(words(d)) > 30:
                d = " ".join(d.split()[:28]) + " …"
            back_items.append(f"<li><b>{esc(head)}</b>: {esc(d)}</li>")
    back = (f"<div class=\"qa-cz-items\"><ul>{''.join(back_items)}</ul></div>" if back_items else "")
    back += _src_line(q, doc)
    score = 6.0 - (1.5 if qbased else 0) - (3 if not primary else 0)
    return Cand("enumeration", " ".join(deleted), b, back, score, terms=tuple(_canon(d) for d in deleted),
                meta={"list_items": len(heads), "lead": lead})


# ------------------------------------------------------------------ formulas
def _math_only(text: str) -> tuple[str, str] | None:
    """(prefix, formula) when a block is only a formula: "\\[ … \\]", "Formula: \\( … \\)", "loss = \\( … \\)"."""
    ms = list(MATH.finditer(text))
    if len(ms) != 1 or text[ms[0].end():].strip(" .,;"):
        return None
    prefix = text[:ms[0].start()].strip()
    if len(words(prefix)) <= 2:
        return prefix, ms[0].group(0)
    return None


def _weak_lead(lead: str) -> bool:
    return (not lead or bool(VAGUE_OPENERS.match(lead)) or len(content_words(lead)) < 3
            or not _good_sentence(lead))


def _formula_cands(q: dict, root: El, doc: str, primary: bool) -> list[Cand]:
    out: list[Cand] = []
    blocks = [el for el in root.elements() if el.name in ("p", "div", "h4", "h5", "h6", "ul", "ol", "table", "pre")]
    groups: list[list[tuple[str, str, str]]] = []  # [(lead, prefix, formula)]
    follow: list[str] = []  # the sentence after each group's first formula ("Where d_k is …")
    prev_text: str | None = None
    last_at = -10
    for i, el in enumerate(blocks):
        text = own_text(el) if el.name in ("p", "div", "h4", "h5", "h6") else ""
        hit = _math_only(text) if text else None
        if hit is None:
            prev_text = text or None
            continue
        prefix, formula = hit
        lead = ""
        if prev_text:
            sents = split_sentences(prev_text)
            k = len(sents) - 1
            lead = sents[k] if sents else ""
            if k > 0 and (len(words(lead)) < MIN_VISIBLE_WORDS or VAGUE_OPENERS.match(lead)) \
                    and len(words(sents[k - 1] + " " + lead)) <= 60:
                lead = f"{sents[k - 1]} {lead}"
            if VAGUE_OPENERS.match(lead) and len(words(lead)) > 6:
                lead = ""  # "This approach improves …" says nothing about the formula
        if groups and _weak_lead(lead) and i - last_at <= 2:
            groups[-1].append((lead, prefix, formula))  # "Its derivative is:" continues the group
        else:
            groups.append([(lead, prefix, formula)])
            after = next((own_text(x) for x in blocks[i + 1:i + 2] if x.name == "p"), "")
            follow.append(split_sentences(after)[0] if after and split_sentences(after) else "")
        last_at = i
        prev_text = None
    for gi, group in enumerate(groups):
        group = group[:MAX_DELETIONS]
        weak = _weak_lead(group[0][0]) or len(words(group[0][0])) < MIN_VISIBLE_WORDS
        b = Builder()
        if weak:
            b.tag("<p>").text(q.get("question") or "").tag("</p>")
        for lead, prefix, formula in group:
            if lead:
                b.tag("<p>").text(lead).tag("</p>")
            b.tag("<p>")
            if prefix:
                b.text(prefix + " ")
            b.delete(formula)
            b.tag("</p>")
        formulas = [f for _, _, f in group]
        back = _src_line(q, doc)
        if (len(group) == 1 and follow[gi] and len(words(follow[gi])) <= 45
                and re.match(r"(?:Where|Here|This|These|It|In)\b", follow[gi])):
            back = f"<div class=\"qa-cz-context\">{esc(follow[gi])}</div>" + back
        out.append(Cand("formula", " ".join(formulas), b, back,
                        9.0 - gi - (2 if weak else 0) - (3 if not primary else 0),
                        terms=tuple(_canon(f) for f in formulas)))
    # an inline formula named by its sentence: "It models the joint probability \(P(x,y)\), …"
    for el in root.find_all(["p", "li"]):
        text = own_text(el)
        if not text or _math_only(text):
            continue
        sents = split_sentences(text)
        for si, sent in enumerate(sents):
            ms = list(MATH.finditer(sent))
            if len(ms) != 1 or not _good_sentence(sent) or not sent.endswith("."):
                continue
            f = ms[0].group(0)
            body = ms[0].group(1) or ms[0].group(2) or ""
            if not re.search(r"\\(?:sqrt|frac|sum|log)|[A-Za-z]\(|\^", body):
                continue
            before, after = sent[:ms[0].start()], sent[ms[0].end():]
            if len(words(before)) < 3 or len(words(sent)) > 50:
                continue
            context = ""
            if VAGUE_OPENERS.match(sent):  # "It models …": say what "it" is
                if si > 0:
                    context = sents[si - 1]
                elif el.name == "li":
                    context = (_list_lead_source(el.parent) or "").replace(NEEDS_QUESTION, "")
                if not context or len(words(context)) > 40:
                    continue
            if el.name == "li" and si > 0 and VAGUE_OPENERS.match(sent):
                lead_src = (_list_lead_source(el.parent) or "").replace(NEEDS_QUESTION, "")
                if lead_src and len(words(lead_src)) <= 12:
                    context = f"{lead_src} {context}"
            b = Builder()
            if not context:  # the question says what the sentence is about
                b.tag("<p>").text(q.get("question") or "").tag("</p>")
            b.tag("<p>")
            if context:
                b.text(context + " ")
            b.text(before)
            b.delete(f)
            b.text(after).tag("</p>")
            out.append(Cand("formula", f, b, _src_line(q, doc), 4.0 - (3 if not primary else 0),
                            terms=(_canon(f),)))
    return out


# ------------------------------------------------------------------ tables
def _cell_text(c: El) -> str:
    return _norm_ws(c.text())


def _table_cands(q: dict, root: El, doc: str, primary: bool) -> list[Cand]:
    out: list[Cand] = []
    for ti, table in enumerate(root.find_all("table")):
        rows = [[_cell_text(c) for c in tr.find_all(["th", "td"], recursive=False)] for tr in table.find_all("tr")]
        rows = [r for r in rows if r]
        if len(rows) < 2:
            continue
        header, body = rows[0], rows[1:]
        width = len(header)
        if width < 2 or any(len(r) != width for r in body):
            continue
        if any(not r[0] or len(words(r[0])) > 6 for r in body):
            continue  # the first column must be short row headers
        if width == 2 and not header[0]:
            continue
        lead, _ = _context_lead(_prev_block_text(table), q.get("question") or "")
        if len(content_words(lead)) < 4:
            lead = q.get("question") or ""
        for ri, row in enumerate(body):
            rh = re.sub(r"^\d+[.)]\s*", "", row[0]).strip()
            if not rh:
                continue
            b = Builder().tag("<p>").text(lead).tag("</p><table><thead><tr>")
            for h in header:
                b.tag("<th>").text(h).tag("</th>")
            b.tag("</tr></thead><tbody><tr><th>").text(rh).tag("</th>")
            deleted = []
            for cell in row[1:]:
                cell = cell.rstrip(".").strip()
                b.tag("<td>")
                if (cell and 1 <= len(words(cell)) <= MAX_DELETION_WORDS and re.search(r"[A-Za-z]{2}", cell)
                        and cell.lower() not in ("yes", "no", "none", "n/a") and not _is_vague_phrase(cell)):
                    deleted.append(cell)
                    b.delete(cell)
                else:
                    b.text(cell)
                b.tag("</td>")
            b.tag("</tr></tbody></table>")
            if not deleted:
                continue
            out.append(Cand("table", f"{rh} {' '.join(deleted)}", b, _src_line(q, doc),
                            8.0 - 0.3 * ri - ti - (3 if not primary else 0),
                            terms=tuple(_canon(d) for d in deleted)))
    return out


# ----------------------------------------------------------------------------- driver
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


def _scan_acronyms(parsed: list[tuple[dict, list[tuple[str, El, bool]]]]) -> dict[str, tuple]:
    """acronym letters → (owner qid, acronym, long form, sentence, document).

    The long form is the one written most often in the set (ties: first seen); the owner is the
    question with the smallest id that writes that form."""
    seen: dict[str, list[tuple]] = {}
    for q, roots in sorted(parsed, key=lambda x: str(x[0]["id"])):
        for doc, root, _ in roots:
            for el in root.find_all(["p", "li", "h4", "h5", "h6"]):
                text = own_text(el)
                if "(" not in text:
                    continue
                for sent in split_sentences(text):
                    if "(" not in sent or not _good_sentence(sent):
                        continue
                    for acr, lf in find_acronyms(sent):
                        seen.setdefault(_acr_letters(acr), []).append((q["id"], acr, lf, sent, doc))
    owner: dict[str, tuple] = {}
    for key, occ in seen.items():
        counts: dict[str, int] = {}
        for o in occ:
            counts[_canon(o[2])] = counts.get(_canon(o[2]), 0) + 1
        best = max(counts, key=lambda k: (counts[k], -next(i for i, o in enumerate(occ) if _canon(o[2]) == k)))
        forms: dict[str, int] = {}
        for o in occ:
            if _canon(o[2]) == best:
                forms[o[2]] = forms.get(o[2], 0) + 1
        form = max(forms, key=lambda f: (forms[f], -next(i for i, o in enumerate(occ) if o[2] == f)))
        owner[key] = next(o for o in occ if o[2] == form)
    return owner


TURN = ("formula", "table", "definition", "enumeration", "acronym", "label")
KIND_CAP = {"formula": 3, "table": 3, "definition": 2, "enumeration": 2, "acronym": 2}


def _view(c: Cand, q: dict) -> rules.NoteView:
    return rules.NoteView(id=f"{q['id']}-cz-{slugify(c.slug_src)}", kind=c.sub or c.kind, text=c.builder.render(),
                          question=q.get("question") or "",
                          topic_names=tuple(topic_name(t) for t in q.get("topics") or ()),
                          list_items=c.meta.get("list_items", 0), lead=c.meta.get("lead", ""),
                          acronym=c.meta.get("acronym", ""))


def _select(cands: list[Cand], q: dict, vocab: rules.Vocabulary, dropped: Counter) -> list[Cand]:
    """At most MAX_PER_QUESTION notes that keep every rule, kinds taken in turns, no term carded twice
    in one question. `dropped` counts the candidates each rule turned away."""
    pools: dict[str, list[Cand]] = {}
    seen: set[tuple[str, str]] = set()
    for c in sorted(cands, key=lambda c: (-c.score, c.order)):
        k = (c.kind, slugify(c.slug_src))
        if k in seen:
            continue
        seen.add(k)
        pools.setdefault(c.sub or c.kind, []).append(c)
    chosen: list[Cand] = []
    used_terms: set[str] = set()
    per_kind: dict[str, int] = {}
    progress = True
    while len(chosen) < MAX_PER_QUESTION and progress:
        progress = False
        for pool in TURN:
            queue = pools.get(pool) or []
            while queue and len(chosen) < MAX_PER_QUESTION:
                c = queue.pop(0)
                if per_kind.get(c.kind, 0) >= KIND_CAP[c.kind]:
                    queue.clear()
                    break
                if any(t in used_terms for t in c.terms) or not c.ready():
                    continue
                broken = rules.violations(_view(c, q), vocab)
                if broken:
                    dropped[broken[0][0]] += 1
                    continue
                chosen.append(c)
                per_kind[c.kind] = per_kind.get(c.kind, 0) + 1
                used_terms.update(c.terms)
                progress = True
                break
    return sorted(chosen, key=lambda c: (KINDS.index(c.kind), c.order))


def _text_key(text: str) -> str:
    return _norm_ws(re.sub(r"<[^>]+>", " ", text)).lower()


def _dedupe_definitions(per_q: list[tuple[dict, list[Cand]]]) -> None:
    """A term defined in several questions ("Transfer learning is …" four times) is carded once: by the
    question that asks about it, then the one whose answer opens with it, then the smallest id."""
    best: dict[str, tuple] = {}
    for q, cands in per_q:
        for c in cands:
            if c.kind == "definition" and not c.sub and c.ready():
                rank = (not contains(q.get("question") or "", c.slug_src), -round(c.score), str(q["id"]), c.order)
                k = c.terms[0]
                if k not in best or rank < best[k][0]:
                    best[k] = (rank, id(c))
    keep = {v[1] for v in best.values()}
    for i, (q, cands) in enumerate(per_q):
        per_q[i] = (q, [c for c in cands if c.kind != "definition" or c.sub or id(c) in keep])


@dataclass
class Report:
    """What a cloze run produced and what it turned away (printed in the build summary)."""

    notes: list[ClozeNote]
    dropped: Counter  # rule name -> mined candidates it dropped
    curated: int = 0
    rejected: int = 0


def _vocabulary(decks_dir: Path, questions: list[dict], per_q, standard: dict[str, dict]) -> rules.Vocabulary:
    """Known terms: the taxonomy's keywords, the standard acronyms and their expansions, what the set
    itself defines ("X is a …") and what its questions ask about ("What is X?")."""
    import yaml
    terms: set[str] = set()
    try:
        data = yaml.safe_load((decks_dir / "topics.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        data = {}
    for t in data.get("topics") or []:
        for kw in (t.get("keywords") or []) + [t.get("name") or ""]:
            terms.add(_term_key(str(kw).rstrip("*")))
    for acr, std in standard.items():
        terms.update((_term_key(acr), _term_key(std["expansion"])))
    for q, cands in per_q:
        for c in cands:
            if c.kind == "definition" and not c.sub:
                terms.add(_term_key(c.slug_src))
        m = _ASKS_ABOUT.match(q.get("question") or "")
        if m:
            terms.add(_term_key(m.group(1)))
    terms.discard("")
    return rules.Vocabulary(frozenset(terms), standard)


_ASKS_ABOUT = re.compile(r"^(?:what (?:is|are)|define|explain(?: the concept of)?|describe)\s+(?:an?\s+|the\s+)?"
                         r"([^?,.]{2,60}?)\s*[?.]?$", re.I)


def _term_key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9][a-z0-9'-]*", rules.plain(text).lower()))


def load_standard_acronyms(path: Path) -> dict[str, dict]:
    import yaml
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as e:
        raise InputError(str(path), None, f"cannot read the standard acronyms: {e}") from None
    out = {}
    for acr, entry in data.items():
        if not isinstance(entry, dict) or not entry.get("expansion") or not entry.get("context"):
            raise InputError(str(path), str(acr), "needs an expansion and a context")
        out[str(acr)] = {"expansion": str(entry["expansion"]), "context": str(entry["context"])}
    return out


_CACHED = (words, _canon, split_sentences, _generic_label, _src_line_text, _good_sentence, _context_lead, esc)


def generate(questions: list[dict], decks_dir: Path | None = None) -> list[ClozeNote]:
    """Cloze notes for a question set (see the module docstring for the rules)."""
    return generate_report(questions, decks_dir).notes


def generate_report(questions: list[dict], decks_dir: Path | None = None, reject_nothing: bool = False) -> Report:
    """Mined notes that keep every rule, after the curated ones of `decks/clozes.yaml` (which win a
    duplicate), minus the notes it rejects."""
    decks_dir = decks_dir or DECKS
    for f in _CACHED:  # the caches only serve one run; start cold so memory stays bounded
        f.cache_clear()
    standard = load_standard_acronyms(decks_dir / "acronyms.yaml")
    parsed = [(q, [(doc, parse_html(h), prim) for doc, h, prim in _sources(q)]) for q in questions]
    owner = _scan_acronyms(parsed)
    owned: dict[str, list[tuple]] = {}
    for key in sorted(owner):
        owned.setdefault(owner[key][0], []).append(owner[key])
    per_q: list[tuple[dict, list[Cand]]] = []
    for q, roots in parsed:
        cands: list[Cand] = []
        for doc, root, primary in roots:
            start = len(cands)
            cands += _definition_cands(q, root, doc, primary)
            cands += _enumeration_cands(q, root, doc, primary)
            cands += _formula_cands(q, root, doc, primary)
            cands += _table_cands(q, root, doc, primary)
            for c in cands[start:]:
                c.document = doc
        for _, acr, lf, sent, doc in owned.get(q["id"], []):
            c = _acronym_cand(q, acr, lf, sent, doc, standard)
            if c:
                c.document = doc
                cands.append(c)
        for i, c in enumerate(cands):
            c.order = i
        per_q.append((q, cands))
    _dedupe_definitions(per_q)
    vocab = _vocabulary(decks_dir, questions, per_q, standard)
    curation = curated_mod.load(decks_dir / "clozes.yaml", {str(q["id"]): q for q in questions}, vocab)
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
        for c in _select(cands, q, vocab, report.dropped):
            slug = slugify(c.slug_src)
            if slugs.get(slug, c.kind) != c.kind:  # same terms deleted by two kinds: the later kind says so
                code = KIND_CODE[c.kind]
                slug = f"{slugify(c.slug_src, SLUG_MAX - len(code) - 1)}-{code}"
            slugs.setdefault(slug, c.kind)
            nid = f"{q['id']}-cz-{slug}"
            if nid in curation.reject and not reject_nothing:
                report.rejected += 1
                continue
            view = _view(c, q)
            view.id = nid
            if nid in curation.hints:
                view = rules.NoteView(id=nid, kind=view.kind, text=curated_mod.with_hints(view.text, curation.hints[nid]),
                                      question=view.question, topic_names=view.topic_names,
                                      list_items=view.list_items, lead=view.lead, acronym=view.acronym)
            if nid in seen_id or dedupe.duplicate_of(view):
                report.dropped["duplicate"] += 1
                continue
            dedupe.add(view)
            seen_id.add(nid)
            notes_by_q.setdefault(str(q["id"]), []).append(
                ClozeNote(nid, str(q["id"]), c.kind, view.text, c.back, topics, c.document))
    order = {str(q["id"]): i for i, q in enumerate(questions)}
    report.notes = [n for qid in sorted(notes_by_q, key=lambda k: order.get(k, len(order)))
                    for n in notes_by_q[qid]]
    return report
