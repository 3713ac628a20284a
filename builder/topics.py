"""Topic taxonomy (``decks/topics.yaml``) and rule-based topic assignment.

The taxonomy is a tree rooted at ``root`` (``GenAI``); a topic path is its
segments joined with ``::`` (``GenAI::Transformers::Attention``), at most three
levels counting the root, so it can be used directly as a hierarchical Anki tag
and as a subdeck name. ``load_taxonomy`` validates the file and raises
``TopicError`` with a one-line message naming the file and the offending entry.

Keyword matching
----------------
Question, section and answer texts are normalised first: Unicode NFKC (PDF
ligatures such as "fi" become plain letters), lower case, typographic quotes
become ``'``, dashes and the middle dot (``DALL·E``) become ``-``, Markdown
emphasis characters (``* _ ` #``) become spaces. A keyword is a lowercase phrase:

* it matches only on word boundaries: no letter or digit directly before or after
  (``rag`` matches "RAG-based" but not "fragment"; ``bert`` not "VisualBERT");
* a space matches any run of spaces and/or hyphens
  (``vector database`` ~ "vector-database");
* a hyphen is optional and may also be a space
  (``fine-tuning`` ~ "fine-tuning", "fine tuning", "finetuning");
* every word may take a plural ending, ``-s`` or ``-es``; a word ending in a
  consonant + ``y`` may end in ``ies`` instead (``gan`` ~ "GANs", ``embedding``
  ~ "embeddings", ``strategy`` ~ "strategies"); a possessive ``'s`` after a
  word is fine too, since the apostrophe is not a letter;
* a word ending in ``*`` matches any continuation of its letters
  (``tokeniz*`` ~ "tokenize", "tokenizer", "tokenization").

A match whose text lies strictly inside a longer match of another keyword (of
any topic) does not count: ``transformers library`` (Hugging Face) hides
``transformer``, ``large language models`` hides ``language model``.

``weak_keywords`` are scope words ("llm", "generative models", "nlp") that
qualify many questions without being their subject. They count only when no
ordinary keyword of any topic matched the same text.

Assignment rules (``Taxonomy.assign(question, section, answer_text)``)
----------------------------------------------------------------------
1. Match every topic's keywords against the question text. A topic matches
   when at least one of its keywords matches (weak keywords only as above).
   Keywords of one topic that matched exactly the same text (spelling variants
   such as ``multimodal`` / ``multi-modal``) count as one in rule 3.
2. Keep only the most specific topics: a matched topic is dropped when one of
   its descendants also matched.
3. Rank the remaining topics by score, best first: (a) more distinct keywords
   matched; (b) a topic in the same top-level family as something the section
   title matches through an ordinary keyword first: the document's own section is
   the best evidence of what a question is about when keyword counts tie
   ("How does RAG contribute to conversational AI?" under "Retrieval-Augmented
   Generation" is a RAG question); (c) more characters of matched text (longer,
   more specific phrases win); (d) earlier first match in the text; (e) earlier
   position in ``topics.yaml``. Keep the best ``MAX_TOPICS`` (3).
4. If nothing matched the question, apply 1-3 to the section title; if that
   matches nothing either, to the first ``ANSWER_PREFIX`` (300) characters of
   the answer; if still nothing, the result is ``[fallback]``.

``assign`` returns the chosen paths sorted alphabetically (always at least one);
``rank`` returns the same paths best first (its first entry is the question's
primary topic). Both are deterministic: they depend only on the three texts and
the taxonomy file.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SEP = "::"
MAX_LEVELS = 3
MAX_TOPICS = 3
ANSWER_PREFIX = 300
SEGMENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
_TOPIC_KEYS = {"path", "name", "description", "keywords", "weak_keywords"}
_TOP_KEYS = {"root", "fallback", "topics"}
_WORD_RE = re.compile(r"^[a-z0-9][a-z0-9'&/.+]*\*?$")


class TopicError(Exception):
    """The taxonomy file is invalid; the message is one line naming the file and the entry."""


# ---------------------------------------------------------------- text normalisation
_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'", "`": " ",
        "\u201c": '"', "\u201d": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2212": "-", "\u00b7": "-", "\u2027": "-",
        "*": " ", "_": " ", "#": " ",
    }
)


def normalize(text: str) -> str:
    """Normalise a text for keyword matching (see module docstring)."""
    text = unicodedata.normalize("NFKC", text or "").translate(_CHAR_MAP).lower()
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------- keyword compilation
_SPACE = r"(?:\s*-\s*|\s+)(?:-\s*)*"  # a run of spaces and/or hyphens
_HYPHEN = r"(?:\s*-\s*|\s+)?"  # optional hyphen or space


def _word_pattern(word: str) -> str:
    if word.endswith("*"):
        return re.escape(word[:-1]) + r"[a-z0-9]*"
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return re.escape(word[:-1]) + r"(?:y|ies)"
    return re.escape(word) + r"(?:s|es)?"


def compile_keyword(keyword: str) -> re.Pattern:
    """Regex for one keyword phrase (see module docstring for the syntax)."""
    parts = []
    for chunk in keyword.split(" "):
        if not chunk:
            continue
        words = [w for w in chunk.split("-") if w]
        chunk_re = _HYPHEN.join(_word_pattern(w) for w in words)
        parts.append(chunk_re)
    body = _SPACE.join(parts)
    return re.compile(r"(?<![a-z0-9])" + body + r"(?![a-z0-9])")


def _anchor(keyword: str) -> str:
    """A literal that every match of `keyword` contains (cheap pre-filter)."""
    first = re.split(r"[ \-]", keyword, maxsplit=1)[0].rstrip("*")
    if len(first) > 2 and first.endswith("y") and first[-2] not in "aeiou":
        first = first[:-1]
    return first


@dataclass
class _Keyword:
    text: str
    anchor: str
    regex: re.Pattern
    topics: list[tuple[int, bool]] = field(default_factory=list)  # (topic index, weak)


@dataclass
class Topic:
    path: str
    name: str
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    weak_keywords: list[str] = field(default_factory=list)

    @property
    def depth(self) -> int:
        """Number of segments, root included (2 = top level, 3 = sub-topic)."""
        return self.path.count(SEP) + 1


class Taxonomy:
    """A validated topic tree with keyword-based assignment (see module docstring)."""

    def __init__(self, root: str, topics: list[Topic], fallback: str, source: str = "<taxonomy>"):
        self.root = root
        self.topics = topics
        self.fallback = fallback
        self.source = source
        self._by_path = {t.path: t for t in topics}
        self._index = {t.path: i for i, t in enumerate(topics)}
        # For each topic index: indices of its strict ancestors that are topics.
        self._ancestors: list[list[int]] = []
        for t in topics:
            segs = t.path.split(SEP)
            anc = [self._index[SEP.join(segs[:k])] for k in range(2, len(segs)) if SEP.join(segs[:k]) in self._index]
            self._ancestors.append(anc)
        keywords: dict[str, _Keyword] = {}
        for i, t in enumerate(topics):
            for weak, kws in ((False, t.keywords), (True, t.weak_keywords)):
                for kw in kws:
                    k = keywords.get(kw)
                    if k is None:
                        k = keywords[kw] = _Keyword(kw, _anchor(kw), compile_keyword(kw))
                    k.topics.append((i, weak))
        self._keywords = list(keywords.values())

    # ------------------------------------------------------------ lookup helpers
    @property
    def paths(self) -> list[str]:
        """All topic paths, in file order."""
        return [t.path for t in self.topics]

    def is_valid_path(self, path: str) -> bool:
        return path in self._by_path

    def topic(self, path: str) -> Topic:
        try:
            return self._by_path[path]
        except KeyError:
            raise KeyError(f"unknown topic path {path!r}") from None

    def name(self, path: str) -> str:
        """Display name of a topic."""
        return self.topic(path).name

    def top_level(self, path: str) -> str:
        """The top-level topic (``root::X``) a path belongs to."""
        self.topic(path)
        return SEP.join(path.split(SEP)[:2])

    def top_levels(self) -> list[str]:
        return [t.path for t in self.topics if t.depth == 2]

    def children(self, path: str) -> list[str]:
        prefix = path + SEP
        return [t.path for t in self.topics if t.path.startswith(prefix) and t.depth == path.count(SEP) + 2]

    # ------------------------------------------------------------ matching
    def match(self, text: str) -> dict[str, list[str]]:
        """Topic path -> matched keywords for one text (after shadowing and weak rules, before rules 2-3)."""
        hits = self._hits(normalize(text))
        return {self.topics[i].path: sorted(h["kws"]) for i, h in hits.items()}

    def _hits(self, norm: str) -> dict[int, dict]:
        if not norm:
            return {}
        found = []  # (start, end, keyword)
        for kw in self._keywords:
            if kw.anchor not in norm:
                continue
            for m in kw.regex.finditer(norm):
                found.append((m.start(), m.end(), kw))
        if not found:
            return {}
        # Shadowing: drop matches strictly inside a longer match.
        kept = []
        for s, e, kw in found:
            if any(s2 <= s and e <= e2 and (e2 - s2) > (e - s) for s2, e2, _ in found):
                continue
            kept.append((s, e, kw))
        strong = any(not weak for _, _, kw in kept for _, weak in kw.topics)
        hits: dict[int, dict] = {}
        for s, e, kw in kept:
            for ti, weak in kw.topics:
                if weak and strong:
                    continue
                h = hits.setdefault(ti, {"kws": {}, "spans": {}, "first": s})
                h["first"] = min(h["first"], s)
                h["kws"][kw.text] = max(h["kws"].get(kw.text, 0), e - s)
                h["spans"].setdefault(kw.text, set()).add((s, e))
        return hits

    def _families(self, text: str | None) -> set[str]:
        """Top-level topics of what a text (a section title) matches through ordinary keywords."""
        hits = self._hits(normalize(text or ""))
        return {self.top_level(self.topics[i].path) for i, h in hits.items()
                if any(k in self.topics[i].keywords for k in h["kws"])}

    def _rank_text(self, text: str | None, families: set[str] = frozenset()) -> list[str]:
        hits = self._hits(normalize(text or ""))
        if not hits:
            return []
        dropped = {a for i in hits for a in self._ancestors[i]}
        cands = [i for i in hits if i not in dropped]

        def score(i: int):
            h = hits[i]
            in_section = self.top_level(self.topics[i].path) in families
            # spelling variants of one concept ("multimodal", "multi-modal") that matched exactly
            # the same text count once
            groups: dict[frozenset, int] = {}
            for kw, length in h["kws"].items():
                key = frozenset(h["spans"][kw])
                groups[key] = max(groups.get(key, 0), length)
            return (-len(groups), not in_section, -sum(groups.values()), h["first"], i)

        cands.sort(key=score)
        return [self.topics[i].path for i in cands[:MAX_TOPICS]]

    def rank(self, question: str, section: str | None = None, answer_text: str = "") -> list[str]:
        """Assigned topic paths, best first (rules in the module docstring)."""
        ranked = self._rank_text(question, self._families(section))
        if ranked:
            return ranked
        for text in (section, (answer_text or "")[:ANSWER_PREFIX]):
            ranked = self._rank_text(text)
            if ranked:
                return ranked
        return [self.fallback]

    def assign(self, question: str, section: str | None = None, answer_text: str = "") -> list[str]:
        """Assigned topic paths, sorted; always at least one (rules in the module docstring)."""
        return sorted(self.rank(question, section, answer_text))


# ---------------------------------------------------------------- loading / validation
def _keyword_list(value, where: str, fail) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        fail(f"{where} must be a list of strings")
    out: list[str] = []
    for kw in value:
        if not isinstance(kw, str) or not kw.strip():
            fail(f"{where} entry {kw!r} is not a non-empty string")
        kw = " ".join(kw.split())
        if kw != kw.lower():
            fail(f"{where} entry {kw!r} must be lowercase")
        if not all(_WORD_RE.match(w) for w in re.split(r"[ \-]+", kw) if w):
            fail(f"{where} entry {kw!r}: words may hold only a-z 0-9 ' & / . + and end in *")
        if kw in out:
            fail(f"{where} lists {kw!r} twice")
        out.append(kw)
    return out


def parse_taxonomy(data, source: str = "<taxonomy>") -> Taxonomy:
    """Validate already-parsed YAML data and build a Taxonomy (errors name `source`)."""

    def fail(msg: str):
        raise TopicError(f"{source}: {msg}")

    if not isinstance(data, dict):
        fail("top level must be a mapping with keys root, fallback, topics")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        fail(f"unknown top-level key(s): {', '.join(sorted(map(str, unknown)))}")
    root = data.get("root")
    if not isinstance(root, str) or not SEGMENT_RE.match(root):
        fail(f"root {root!r} is missing or not a valid segment")
    entries = data.get("topics")
    if not isinstance(entries, list) or not entries:
        fail("topics must be a non-empty list")

    topics: list[Topic] = []
    seen: dict[str, int] = {}
    for idx, entry in enumerate(entries):
        label = f"topics[{idx}]"
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            label += f" ({entry['path']})"

        def efail(msg: str, label=label):
            fail(f"{label}: {msg}")

        if not isinstance(entry, dict):
            efail("entry must be a mapping")
        unknown = set(entry) - _TOPIC_KEYS
        if unknown:
            efail(f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
        path = entry.get("path")
        if not isinstance(path, str) or not path:
            efail("missing path")
        segs = path.split(SEP)
        if segs[0] != root:
            efail(f"path must start with the root {root!r}")
        if len(segs) < 2:
            efail("the root itself is implicit; list only topics below it")
        if len(segs) > MAX_LEVELS:
            efail(f"path is {len(segs)} levels deep (at most {MAX_LEVELS}, root included)")
        for seg in segs:
            if not SEGMENT_RE.match(seg):
                efail(f"segment {seg!r} must match {SEGMENT_RE.pattern}")
        if path in seen:
            efail(f"duplicate path (first defined at topics[{seen[path]}])")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            efail("missing or empty name")
        desc = entry.get("description") or ""
        if not isinstance(desc, str):
            efail("description must be a string")
        kws = _keyword_list(entry.get("keywords"), "keywords", efail)
        weak = _keyword_list(entry.get("weak_keywords"), "weak_keywords", efail)
        both = set(kws) & set(weak)
        if both:
            efail(f"{sorted(both)[0]!r} is in both keywords and weak_keywords")
        seen[path] = idx
        topics.append(Topic(path, name.strip(), desc.strip(), kws, weak))

    for idx, t in enumerate(topics):
        parent = t.path.rsplit(SEP, 1)[0]
        if t.depth > 2 and parent not in seen:
            fail(f"topics[{idx}] ({t.path}): parent {parent!r} is not defined")

    fallback = data.get("fallback")
    if not isinstance(fallback, str) or not fallback:
        fail("missing fallback (the topic used when nothing matches)")
    if fallback not in seen:
        fail(f"fallback {fallback!r} is not a defined topic path")
    return Taxonomy(root, topics, fallback, source)


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Load and validate a taxonomy YAML file; raises TopicError on invalid data."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TopicError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise TopicError(f"{path}{where}: invalid YAML: {problem}") from None
    return parse_taxonomy(data, str(path))

