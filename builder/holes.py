"""Sentences that lost their math in a document's conversion, and questions with leaked hints.

The PDF text of document 003 dropped every formula image, leaving connectives
with nothing to connect: "where is the dimension of the keys", "a complexity
of, where", "defined as: where", "only and are updated". `formula_holes` finds
them in an answer so `normalize` can report each one until curation restores
the formula (`fixes` in `decks/curation.yaml`). Rules favour precision: each
pattern needs the missing operand to sit between two words that can only
surround a symbol.

`strip_hint_suffix` removes the topic hint some documents print after the
question mark ("…by LLMs?(RAG)"): a learner reads the question, not a tag.
"""
from __future__ import annotations

import re

from bs4 import BeautifulSoup

_MATH = re.compile(r"\\\(.+?\\\)|\\\[.+?\\\]", re.S)
_TEXT_PATTERNS = (
    # "where is the dimension", "where are the weights": the symbol between "where" and "is" is gone
    re.compile(r"\bwhere\s+(?:is|are)\s+(?:the|a|an)\b", re.I),
    # "a complexity of, where", "is given by."
    re.compile(r"\b(?:of|by|equals?|is|as)\s*,\s*where\b", re.I),
    # "defined as: where", "is: where"
    re.compile(r":\s*where\s+(?:is|are|the)\b", re.I),
    # "only and are updated", "Matrices A and are trainable", "the A and matrices"
    re.compile(r"\b(?:only|both|[A-Z])\s+and\s+(?:are|is)\b"),
    re.compile(r"\b[A-Z]\s+and\s+(?:matrices|vectors|weights)\b"),
    # "where: is the input prompt", ": : The probability ratio", "(e.g., around for cardinality )"
    re.compile(r"\bwhere\s*:\s*(?:is|are)\b", re.I),
    re.compile(r":\s*:"),
    re.compile(r"(?:^|[.:;]\s+)(?:is|are)\s+(?:the|a|an)\s", re.I),
    re.compile(r"\b(?:around|within|between)\s*[,)]"),
    re.compile(r"\b(?:around|about)\s+for\b"),
    # "dimensionality,.", "by modeling or.", "by modeling, the probability", "memory at due to"
    re.compile(r",\s*\."),
    re.compile(r"\b(?:or|and)\s*\.(?=\s|$)"),
    re.compile(r"\bby\s+modell?ing\s*[,.]", re.I),
    re.compile(r"\b(?:at|of)\s+due\s+to\b", re.I),
    # "for the -th word", "where and are weight matrices", "to be within, PPO"
    re.compile(r"\bthe\s*-th\b", re.I),
    re.compile(r"\bwhere\s+(?:and|or)\b", re.I),
    re.compile(r"\bwithin\s*,"),
    # a list item that starts with the colon after its lost symbol (": Advantage function")
    re.compile(r"^\s*:"),
    # "Trains and for specific tasks", "matrices (low-rank) and to existing weights"
    re.compile(r"\b(?:trains?|updates?|adds?)\s+and\s+(?:for|to|are)\b", re.I),
    re.compile(r"\b(?:matrices|vectors)\s+(?:\([^)]*\)\s+)?and\s+to\b"),
)
# "is defined as:" / "is calculated as:" ending a block that is not followed by math or a list
# ("… the product of its TF and IDF values:", "Adjust the parameter:", "a weighted sum of the value vectors:")
_LEADS_TO_FORMULA = re.compile(r"(?:\b(?:defined|calculated|computed|given|expressed|written|formulated)\s+"
                               r"(?:as|by)\s*:?|\b(?:parameters?|values|vectors)\s*:)\s*$", re.I)
_HINT_SUFFIX = re.compile(r"\?\s*\(([^()]{1,80})\)\s*$")


def _context(text: str, m: re.Match, width: int = 50) -> str:
    return re.sub(r"\s+", " ", text[max(0, m.start() - width):m.end() + 20]).strip()


def formula_holes(answer_html: str) -> list[str]:
    """Snippets of the answer where a formula went missing (empty when none)."""
    soup = BeautifulSoup(answer_html, "html.parser")
    found: list[str] = []
    for block in soup.find_all(["p", "li", "td", "th", "h4", "h5", "h6"]):
        if block.find(["p", "li", "ul", "ol"]):  # judge the innermost blocks only
            own = "".join(str(s) for s in block.find_all(string=True, recursive=False))
        else:
            own = block.get_text(" ")
        text = _MATH.sub(" MATH ", own)
        for pattern in _TEXT_PATTERNS:
            found += [_context(text, m) for m in pattern.finditer(text)]
        if _LEADS_TO_FORMULA.search(text.strip()):
            nxt = block.find_next_sibling()
            inner_list = block.find(["ul", "ol", "table"])
            shows_math = nxt is not None and (_MATH.search(nxt.get_text(" ")) or "math-block" in (nxt.get("class") or []))
            if not inner_list and not (nxt is not None and nxt.name in ("ul", "ol", "table", "pre")) and not shows_math:
                found.append(re.sub(r"\s+", " ", text.strip())[-80:])
    return list(dict.fromkeys(found))


def strip_hint_suffix(question: str) -> str:
    """'How would you use RLHF?(RLHF)' -> 'How would you use RLHF?'"""
    return _HINT_SUFFIX.sub("?", question).rstrip()
