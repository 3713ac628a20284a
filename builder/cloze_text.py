"""Plain-text pieces of the cloze miner: word lists, text helpers, the note `Builder` with its
hard-rule `check`, and the candidate record `Cand` every kind produces (see builder/cloze.py)."""
from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache


KINDS = ("definition", "acronym", "enumeration", "formula", "table")
KIND_CODE = {"definition": "def", "acronym": "acr", "enumeration": "enum", "formula": "fml", "table": "tbl"}
MAX_PER_QUESTION = 4
MAX_DELETIONS = 6
MAX_DELETION_WORDS = 8
MIN_VISIBLE_WORDS = 8
SLUG_MAX = 40

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


def norm_ws(s: str) -> str:
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
LAST_TOKEN = re.compile(r"([\w&/-]+)\s*$")


def content_words(text: str) -> list[str]:
    return [w for w in _CW.findall(strip_math(text).lower()) if w not in STOPWORDS and _LETTER.search(w)]


@lru_cache(maxsize=65536)
def canon(s: str) -> str:
    """Loose form for giveaway checks: lowercase, hyphens as spaces, plural -s dropped."""
    s = strip_math(s).lower().replace("’", "'")
    toks = _ALNUM.findall(s)
    return " ".join(t[:-1] if len(t) > 3 and t.endswith("s") and not t.endswith("ss") else t for t in toks)


def contains(haystack: str, needle: str) -> bool:
    """Does the needle appear in the haystack (case, hyphens, plurals and "pre-training"/"pretraining" aside)?"""
    n = canon(needle)
    if not n:
        return False
    h = canon(haystack)
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


def is_vague_phrase(text: str) -> bool:
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

    hidden = MATH.sub(hide, norm_ws(text))
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
        return norm_ws(" ".join(p[1] if p[0] == "text" else " " for p in self.pieces))


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
        return any(len(canon(p)) >= 2 and not is_vague_phrase(p) and contains(visible, p) for p in parts if p)
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
        if is_vague_phrase(dd) and not MATH.fullmatch(dd):
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
def src_line_text(question: str, doc: str | None) -> str:
    """The question a note came from (the card shows the document's title beside it, never its file)."""
    return f"<div class=\"qa-cz-from\">From: <i>{esc(question)}</i></div>"


def src_line(q: dict, doc: str | None) -> str:
    return src_line_text(q.get("question") or "", doc)


@lru_cache(maxsize=65536)
def good_sentence(s: str) -> bool:
    """False for sentences broken by formulas the source dropped ("where and are weight matrices")."""
    return not BROKEN.search(MATH.sub("MATH", s)) and "\x01" not in s


# ----------------------------------------------------------------------------- topic names
def topic_name(path: str, names: dict[str, str]) -> str:
    """A topic's display name (`names`: path -> name, from the deck folder's topics.yaml); the
    last path segment when the taxonomy does not name it."""
    if path in names:
        return names[path]
    return path.split("::")[-1].replace("_", " ")


def topic_chain(topics: tuple[str, ...], names: dict[str, str]) -> list[str]:
    """Topic names of the main topic, most specific first, then the top level."""
    if not topics:
        return ["generative AI"]
    parts = topics[0].split("::")
    return [topic_name("::".join(parts[:i]), names) for i in range(len(parts), 1, -1)] + ["generative AI"]
