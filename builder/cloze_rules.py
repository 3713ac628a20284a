"""The rules of formulating knowledge, as checks on a finished cloze note.

Every cloze note the builder emits — mined from answers or written by hand in
`decks/clozes.yaml` — is judged here on what a learner will see: the text of
each card's front (its own deletion hidden, the siblings shown, as Anki does).
A mined candidate that breaks a rule is dropped (the build summary counts the
drops per rule); a curated note that breaks one is a build error.

Rules (see shared CARD-QUALITY.md; names are what the summary prints):
- heading_or_filler: the deletion is a heading, a label or a filler word
  ("Key Benefits of Dropout", "Specifically", "Metrics"), or — for a
  "Label: description" note — a label that is not a known term;
- too_broad: a definition of a term as broad as "LLM", or a purpose statement instead of one;
- giveaway: every content word of the deletion is visible elsewhere on its card
  (a definition that restates its own term included);
- empty_hint: a hint that narrows nothing ("what", "name") or asks a question ("does what to it");
- not_atomic: a deletion that is itself a list of facts, or a name bundled with its expansion;
- long_list: recall of one item of a list longer than `MAX_LIST` items;
- list_of_labels: a list whose hidden items are not all known terms;
- list_without_context: a list whose lead-in does not say what it lists;
- unrelated_list: a list sharing no content word with its question and topic;
- acronym: an expansion of an acronym that is not in the standard list, or
  without that acronym's own context;
- broken_math: a deletion inside a formula, or one that splits its delimiters;
- sibling_giveaway: a sibling deletion (shown on this card) carries the answer;
- duplicate: the same deletion already carded by another note (checked across
  the whole deck by `Deduper`).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

MAX_LIST = 4
MAX_CELL_WORDS = 6  # a table cell worth recalling is a crisp contrast, not a sentence
CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::([^{}]*?))?\}\}", re.S)
MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")

STOP = frozenset("""
a an the and or but nor of in on at to for from by with without within into onto over under about as than
then so if is are was were be been being am do does did has have had it its this that these those they them
their there here we you your our can could may might must shall should will would also such very more most
less many much some any all each every both either other another same own only just too via per eg ie etc vs
which who what when where why how while whereas whether not no used using use uses
""".split())
FILLER = frozenset("""
specifically additionally moreover furthermore also however overall thus hence therefore finally firstly
secondly notably importantly essentially basically generally typically significance importance overview
summary conclusion example examples definition description purpose role impact metrics metric benefits
benefit advantages advantage disadvantages challenges challenge considerations consideration features
feature applications application limitations limitation techniques technique methods method approach
approaches strategies strategy types components steps process key details mechanism intuition
""".split())
HEADING_HEADS = frozenset("""
benefits benefit advantages advantage disadvantages drawbacks challenges challenge considerations
consideration features feature applications application limitations limitation significance importance
impact role overview improvements improvement issues issue problems problem strategies strategy techniques
methods steps aspects factors tips practices uses principles implications trends capabilities differences
""".split())
HEADING_OPENERS = frozenset("""
key main core major important improved enhanced better reduced increased efficient effective difficulty
handling dealing managing ensuring improving enhancing reducing addressing supporting enabling using
leveraging avoiding balancing adapting adjusting scaling training building
""".split())
MATH_WORD = "\x01"


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball (Porter2) stem: "augmenting" reveals "Augmentation", "pre-trained" reveals "Pre-training"."""
    return _STEMMER.stemWord(word.lower().strip("'-").removesuffix("'s"))


@lru_cache(maxsize=65536)
def plain(fragment: str) -> str:
    """Visible text of an HTML fragment (formulas kept as written)."""
    text = _TAG.sub(" ", fragment)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


@lru_cache(maxsize=65536)
def content_stems(text: str) -> frozenset[str]:
    text = MATH.sub(" ", text)
    return frozenset(stem(w) for w in _WORD.findall(text.lower()) if w not in STOP and not w.isdigit() and len(w) > 1)


def canon_latex(latex: str) -> str:
    s = re.sub(r"\\(left|right|big|Big|bigg|Bigg|displaystyle)\b", "", latex)
    return re.sub(r"[\s{}]", "", s)


def canon_answer(answer: str) -> str:
    """What two deletions must share to count as the same fact."""
    text = plain(answer)
    maths = [canon_latex(m.group(1) or m.group(2)) for m in MATH.finditer(text)]
    if maths and not MATH.sub("", text).strip(" .,;:"):
        return "math:" + "|".join(maths)
    return " ".join(sorted(content_stems(text))) or text.lower()


@dataclass
class Deletion:
    num: int
    answer: str  # HTML as written inside the cloze
    hint: str | None


@dataclass
class NoteView:
    """What the rules need to know about a note."""

    id: str
    kind: str  # definition | label | enumeration | acronym | formula | table | curated
    text: str  # the Text field, with {{cN::answer::hint}} markup
    question: str = ""
    topic_names: tuple[str, ...] = ()
    list_items: int = 0  # items of the source list (enumeration / label notes)
    lead: str = ""  # the visible lead-in of a list
    acronym: str = ""
    deletions: list[Deletion] = field(default_factory=list)

    def __post_init__(self):
        if not self.deletions:
            self.deletions = [Deletion(int(m.group(1)), m.group(2), m.group(3)) for m in CLOZE.finditer(self.text)]

    def front(self, num: int) -> str:
        """Plain text of card `num`'s front: its deletions hidden, the siblings shown."""
        def show(m: re.Match) -> str:
            return " " if int(m.group(1)) == num else m.group(2)
        return plain(CLOZE.sub(show, self.text))

    def numbers(self) -> list[int]:
        return sorted({d.num for d in self.deletions})


@dataclass
class Vocabulary:
    """Known terms (canonical lower-case phrases) and the standard acronyms."""

    terms: frozenset[str] = frozenset()
    acronyms: dict[str, dict] = field(default_factory=dict)  # "GRU" -> {"expansion", "context"}

    def twin(self, text: str) -> str | None:
        """The expansion of a standard acronym, or the acronym of a standard expansion."""
        key = plain(text).strip()
        if key in self.acronyms:
            return self.acronyms[key]["expansion"]
        want = content_stems(key)
        for acr, std in self.acronyms.items():
            if want and content_stems(std["expansion"]) == want:
                return acr
        return None

    def is_term(self, text: str) -> bool:
        key = " ".join(_WORD.findall(plain(text).lower()))
        return key in self.terms or key.rstrip("s") in self.terms


# ----------------------------------------------------------------------------- the rules
def heading_or_filler(n: NoteView, vocab: Vocabulary) -> str | None:
    for d in n.deletions:
        text = plain(d.answer)
        if MATH.fullmatch(text.strip()):
            continue
        words = _WORD.findall(text.lower())
        if not words:
            return "empty deletion"
        if all(w in FILLER or w in STOP for w in words):
            return f"filler {text!r}"
        if len(words) >= 2 and (words[-1] in HEADING_HEADS or words[0] in HEADING_OPENERS) and not vocab.is_term(text):
            return f"heading {text!r}"
        label = n.kind == "label" or _opens_a_label(n.text, d)
        if label and not vocab.is_term(text):
            return f"label {text!r} is not a known term"
    return None


def _opens_a_label(text: str, d: Deletion) -> bool:
    """`{{c1::X}}: …` at the start of a block: the deletion is a label heading its description."""
    m = re.search(r"(?:^|<p>|<li>|<br>|—\s)\s*\{\{c%d::%s(?:::[^{}]*)?\}\}\s*:" % (d.num, re.escape(d.answer)), text)
    return m is not None


def giveaway(n: NoteView, vocab: Vocabulary) -> str | None:
    """The hidden words can be read on the card: all of them, half of a longer answer, or the
    acronym/expansion twin of the answer ("{{RLHF}} … human feedback … reinforcement learning")."""
    for num in n.numbers():
        front = n.front(num)
        visible = content_stems(front) | content_stems(" ".join(_MATH_WORDS.findall(front)))
        visible_latex = {canon_latex(m.group(1) or m.group(2)) for m in MATH.finditer(front)}
        for d in (d for d in n.deletions if d.num == num):
            text = plain(d.answer)
            maths = [canon_latex(m.group(1) or m.group(2)) for m in MATH.finditer(text)]
            if maths and any(m in visible_latex for m in maths):
                return f"formula of c{num} is visible"
            stems = content_stems(text)
            if stems and stems <= visible:
                return f"c{num} {text!r} is readable on the card"
            if n.kind == "label" and len(stems) >= 2 and len(stems & visible) * 2 >= len(stems):
                return f"half of c{num} {text!r} is readable on the card"
            twin = vocab.twin(text) if n.kind != "acronym" else None  # an acronym card shows the twin on purpose
            if twin and (content_stems(twin) <= visible or _has_word(front, twin)):
                return f"c{num} {text!r} is given by its twin {twin!r} on the card"
    return None


_MATH_WORDS = re.compile(r"\\(?:text|mathrm|operatorname|textrm|textit|mathit)\{([^{}]*)\}")


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


EMPTY_HINTS = frozenset("what how which where when who why name term word kind of what kind of value thing answer".split()
                        + ["kind of", "what kind of", "which one"])


_QUESTION_HINT = re.compile(r"^(?:in |of |from )?(?:what|where|when|why|who|does|do|did|is|are)\b", re.I)


def empty_hint(n: NoteView, vocab: Vocabulary) -> str | None:
    """A hint must narrow the answer by naming its kind ("a regularization technique"); "what" or "name"
    only adds noise, and a question ("does what to it", "where from") reads as a second blank."""
    for d in n.deletions:
        if d.hint is not None and d.hint.strip().lower() in EMPTY_HINTS:
            return f"c{d.num}'s hint {d.hint!r} narrows nothing"
        if d.hint is not None and _QUESTION_HINT.match(d.hint.strip()):
            return f"c{d.num}'s hint {d.hint!r} is a question: name the kind of answer (e.g. 'a technique')"
    return None


def not_atomic(n: NoteView, vocab: Vocabulary) -> str | None:
    """A deletion that is itself a list ("AI, machine learning, NLP, image search") asks several facts."""
    for d in n.deletions:
        text = MATH.sub(" F ", plain(d.answer))
        if n.kind == "table" and len(re.sub(r"\([^()]*\)", " ", text).split()) > MAX_CELL_WORDS:
            return f"c{d.num} {plain(d.answer)!r} is a description, not a crisp contrast"
        if n.kind == "table" and "," in text:
            return f"c{d.num} {plain(d.answer)!r} is a list, not one fact"
        paren = re.search(r"^(.*?)\(([^()]+)\)(.*)$", text)
        if paren and (vocab.twin(paren.group(2).strip()) or vocab.twin(paren.group(1).strip())):
            return f"c{d.num} {plain(d.answer)!r} bundles a name with its expansion"
        if text.count(",") >= 2 or text.count(",") >= 1 and re.search(r"\b(?:and|or)\b", text):
            return f"c{d.num} {plain(d.answer)!r} is a list, not one fact"
    return None


def list_of_labels(n: NoteView, vocab: Vocabulary) -> str | None:
    """A list worth recalling names things a learner can know: every hidden item is a known term."""
    if n.kind != "enumeration":
        return None
    for d in n.deletions:
        if not vocab.is_term(d.answer):
            return f"c{d.num} {plain(d.answer)!r} is a label, not a known term"
    return None


BROAD_TERMS = frozenset({
    "ai", "artificial intelligence", "machine learning", "deep learning", "generative ai", "llm", "llms",
    "large language model", "large language models", "nlp", "natural language processing", "neural network",
    "neural networks", "model", "data", "training"})
_PURPOSE = re.compile(r"^\W*(?:is|are)?\s*(?:designed|used|meant|intended)\s+to\b|^\W*(?:helps?|aims?\s+to|allows?|enables?)\b",
                      re.I)


def too_broad(n: NoteView, vocab: Vocabulary) -> str | None:
    """A definition worth a card pins one term down: not a field as broad as "LLM" or "Generative AI",
    not a purpose statement ("is designed to save resources") that many terms would fit."""
    if n.kind not in ("definition", "label"):
        return None
    for d in n.deletions:
        if " ".join(_WORD.findall(plain(d.answer).lower())) in BROAD_TERMS:
            return f"c{d.num} {plain(d.answer)!r} is too broad to define on a card"
        after = n.text[n.text.find(d.answer + "}}") + len(d.answer) + 2:] if d.answer + "}}" in n.text else ""
        if _PURPOSE.match(plain(after)):
            return f"c{d.num} is followed by a purpose, not a definition"
    return None


def long_list(n: NoteView, vocab: Vocabulary) -> str | None:
    """Recall of one item of a list: only of a short one (3–4 items). Two items are a contrast — each
    card shows the other, so it is answered by elimination; more than four are a set to avoid."""
    if n.kind != "enumeration":
        return None
    items = max(n.list_items, len(n.numbers()))
    if items > MAX_LIST:
        return f"recall of one item of a {items}-item list"
    if items < 3:
        return f"a {items}-item list answers itself by elimination"
    return None


_ANSWERY_LEAD = re.compile(r"^\s*(?:yes|no)\b|\b(?:examples? include|several|various|there are|here (?:is|are))\b", re.I)


def list_without_context(n: NoteView, vocab: Vocabulary) -> str | None:
    """The lead-in must say what is listed; a label note's lead must not be the answer's own filler
    ("Yes, deep learning can be applied… Examples include:")."""
    if n.kind == "label" and n.lead and _ANSWERY_LEAD.search(n.lead):
        return f"lead-in {n.lead[:40]!r} is filler, not a cue"
    if n.kind != "enumeration":
        return None
    lead = content_stems(n.lead) - content_stems(" ".join(d.answer for d in n.deletions))
    if len(lead) < 2:
        return f"lead-in {n.lead!r} does not say what is listed"
    if re.match(r"^\s*(?:it|they|this|these|those|that)\b", n.lead, re.I):
        return f"lead-in {n.lead[:40]!r} has no subject"
    return None


def unrelated_list(n: NoteView, vocab: Vocabulary) -> str | None:
    """A list hung on its question (no lead-in of its own) must share a word with that question or its
    topic: "GANs, VAEs" under a learning-rate question is a list torn from its meaning."""
    if n.kind not in ("enumeration", "label"):
        return None
    about = content_stems(n.question + " " + " ".join(n.topic_names))
    own_lead = content_stems(n.lead) - content_stems(n.question)
    listed = content_stems(" ".join(plain(d.answer) for d in n.deletions))
    if not own_lead and about and listed and not about & listed:
        return "the list shares no word with its question or topic"
    return None


def acronym(n: NoteView, vocab: Vocabulary) -> str | None:
    if n.kind != "acronym":
        return None
    std = vocab.acronyms.get(n.acronym)
    if std is None:
        return f"{n.acronym!r} is not a standard acronym"
    if content_stems(plain(n.deletions[0].answer)) != content_stems(std["expansion"]):
        return f"{n.acronym!r} is expanded as {plain(n.deletions[0].answer)!r}, not {std['expansion']!r}"
    if std.get("context") and std["context"].lower() not in plain(n.text).lower():
        return f"{n.acronym!r} lacks its context {std['context']!r}"
    return None


def broken_math(n: NoteView, vocab: Vocabulary) -> str | None:
    """A deletion must hold whole formulas or none: never sit inside one, never split its delimiters."""
    for d in n.deletions:
        text = html.unescape(d.answer)
        if text.count("\\(") != text.count("\\)") or text.count("\\[") != text.count("\\]"):
            return f"c{d.num} splits a formula's delimiters"
    inside = None
    for m in re.finditer(r"\\[()\[\]]|\{\{c\d+::|\}\}", html.unescape(n.text)):
        tok = m.group(0)
        if tok in ("\\(", "\\["):
            inside = tok
        elif tok in ("\\)", "\\]"):
            inside = None
        elif tok.startswith("{{") and inside:
            return "a deletion sits inside a formula"
    return None


def sibling_giveaway(n: NoteView, vocab: Vocabulary) -> str | None:
    dels = n.deletions
    for d in dels:
        why = _choice_hint(n, d)
        if why:
            return why
    for a in dels:
        for b in dels:
            if a.num == b.num:
                continue
            ca, cb = canon_answer(a.answer), canon_answer(b.answer)
            if ca.startswith("math:") and cb.startswith("math:"):
                la, lb = ca[5:], cb[5:]
                if _similar(la, lb):
                    return f"c{b.num}'s formula gives c{a.num}'s away"
            else:
                sa = content_stems(plain(a.answer))
                if sa and sa <= content_stems(plain(b.answer)):
                    return f"c{b.num} contains c{a.num}'s answer"
    return None


def _choice_hint(n: NoteView, d: Deletion) -> str | None:
    """A hint "X or Y" on a card that shows Y elsewhere is answered by elimination."""
    if not d.hint or " or " not in d.hint:
        return None
    front = plain(CLOZE.sub(lambda m: " " if int(m.group(1)) == d.num else m.group(2), n.text)).lower()
    for option in (o.strip().lower() for o in d.hint.split(" or ")):
        if option and option not in plain(d.answer).lower() and re.search(rf"\b{re.escape(option)}\b", front):
            return f"c{d.num}'s hint {d.hint!r} and the visible {option!r} leave one choice"
    return None


def _similar(a: str, b: str) -> bool:
    """Two formulas that differ by a few symbols (sin/cos twins, 2i/2i+1)."""
    from difflib import SequenceMatcher
    return SequenceMatcher(None, a, b).ratio() >= 0.75


HARD_RULES = (heading_or_filler, empty_hint, not_atomic, too_broad, giveaway, long_list, list_of_labels, list_without_context, unrelated_list, acronym,
              broken_math, sibling_giveaway)


def violations(n: NoteView, vocab: Vocabulary) -> list[tuple[str, str]]:
    """(rule name, reason) for every hard rule the note breaks."""
    out = []
    for rule in HARD_RULES:
        why = rule(n, vocab)
        if why:
            out.append((rule.__name__, why))
    return out


class Deduper:
    """The duplicate rule across the deck: a fact is carded once (the first note that deletes it wins)."""

    def __init__(self):
        self.seen: dict[str, str] = {}

    def duplicate_of(self, n: NoteView) -> str | None:
        for d in n.deletions:
            key = canon_answer(d.answer)
            if key in self.seen and self.seen[key] != n.id:
                return self.seen[key]
        return None

    def add(self, n: NoteView) -> None:
        for d in n.deletions:
            self.seen.setdefault(canon_answer(d.answer), n.id)
