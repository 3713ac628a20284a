"""Document 003, step 5: one answer from its flattened text and the document's parse hints.

Hints restore what the dump flattened (code blocks, tables, headings glued to the next
sentence, list items printed without glyphs) and are checked against the text, so they can
move words but never add or drop any (see doc003.py); the result goes to doc003_markdown.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .base import Figure, ParseError
from .doc003_markdown import (BOLD_OFF, BOLD_ON, BREAK, GLYPHS, HEADING, HINT_BULLET, NUM_RE, SPECIAL, is_title,
                              lead_in, render_markdown, to_blocks)


# --------------------------------------------------------------------------
# Answer preprocessing driven by the hints file: code, tables, headings.
# The dump flattened code and tables into running words and glued headings to
# the following sentence; the hints give their layout, and the parser checks
# that the hinted layout holds exactly the printed words (nothing invented).
# --------------------------------------------------------------------------
def _phrase_re(phrase: str) -> str:
    """Regex matching `phrase` with any whitespace between its words."""
    return r"(?<!\S)" + r"\s+".join(re.escape(w) for w in phrase.split()) + r"(?!\S)"


def _answer_hints(hints: dict, q: "Question") -> dict:
    """The merged ``answers`` hint entries for one question.

    An entry names its question by section and number, plus the first words of
    the question where a chapter repeats a number (Fine Tuning has two Q11s).
    """
    merged: dict = {}
    for entry in hints.get("answers", []):
        if (entry["section"], entry["number"]) != (q.section, q.number):
            continue
        if not q.question.startswith(entry.get("question", "")):
            continue
        for key, value in entry.items():
            if key not in ("section", "number", "question"):
                merged.setdefault(key, []).extend(value)
    return merged


def _apply_rejoin(text: str, pieces: list[str], where: str) -> str:
    """Join words the dump split with a stray space ("i mproving" -> "improving")."""
    for piece in pieces:
        text, n = re.subn(_phrase_re(piece), piece.replace(" ", ""), text, count=1)
        if not n:
            raise ValueError(f"{where}: rejoin hint not found: {piece!r}")
    return text


def _apply_code(text: str, entries: list[dict], specials: list, where: str) -> str:
    """Replace each hinted code snippet (found whitespace-insensitively) by a placeholder."""
    for entry in entries:
        m = re.search(_phrase_re(entry["code"]), text)
        if not m:
            raise ValueError(f"{where}: code hint not found: {entry['code'][:40]!r}")
        specials.append(("code", entry.get("language", ""), entry["code"].strip("\n")))
        # No break before: code right after an item's text belongs to that item.
        text = f"{text[:m.start()]} {SPECIAL}{len(specials) - 1}\n{text[m.end():]}"
    return text


def _apply_tables(text: str, entries: list[dict], specials: list, where: str) -> str:
    """Replace each hinted table by a placeholder.

    The table starts where its first cell's text starts and spans exactly as
    many words as its cells hold; those words must be the cells' words (in any
    order: the dump interleaves cells that wrap across lines).
    """
    for entry in entries:
        rows = [[" ".join(str(c).split()) for c in row] for row in entry["rows"]]
        cell_words = [w for row in rows for c in row for w in c.split()]
        first = entry.get("start") or next(c for row in rows for c in row if c)
        m = re.search(_phrase_re(first), text)
        if not m:
            raise ValueError(f"{where}: table hint not found: {first!r}")
        # Take printed words until there are as many as the cells hold; a lone
        # "," "." ";" ":" belongs to the word before it (the dump spaces them out).
        printed: list[str] = []
        for word in re.finditer(r"\S+", text[m.start():]):
            if re.fullmatch(r"[,.;:]", word.group()) and printed:
                printed[-1] += word.group()
            elif len(printed) == len(cell_words):
                break
            else:
                printed.append(word.group())
            end = m.start() + word.end()
        printed = Counter(printed)
        if printed != Counter(cell_words):
            diff = (printed - Counter(cell_words), Counter(cell_words) - printed)
            raise ValueError(f"{where}: table hint words differ from the text at {first!r}: {diff}")
        specials.append(("table", rows))
        text = f"{text[:m.start()]}\n{SPECIAL}{len(specials) - 1}\n{text[end:]}"
    return text


def _sentence_start(phrase: str) -> str:
    """Regex for `phrase` starting the text, a paragraph, a sentence (after . ? ! :) or an item."""
    after = r"(?:(?<=[.?!:\n%s])|(?<=[.?!][\"”’)]))" % GLYPHS
    return r"(?:^|%s\s)" % after + _phrase_re(phrase) + r"(?=\s|$)"


def _find(text: str, phrase: str, kind: str, where: str) -> re.Match:
    m = re.search(_sentence_start(phrase), text)
    if not m:
        raise ValueError(f"{where}: {kind} hint not found at a sentence start: {phrase!r}")
    return m


def _apply_headings(text: str, headings: list[str], where: str) -> str:
    """Set each hinted heading apart as its own paragraph, or bold it where it opens a list item."""
    for heading in headings:
        m = _find(text, heading, "heading", where)
        before = text[:m.start()].split()
        if before and (before[-1] in GLYPHS or NUM_RE.match(before[-1])):
            text = f"{text[:m.start()]} {BOLD_ON} {heading} {BOLD_OFF} {text[m.end():]}"
        else:
            text = f"{text[:m.start()]}\n{HEADING} {heading}\n{text[m.end():]}"
    return text


def _apply_breaks(text: str, phrases: list[str], insert: str, kind: str, where: str) -> str:
    """Insert `insert` (a paragraph break or a bullet) before each hinted sentence."""
    for phrase in phrases:
        m = _find(text, phrase, kind, where)
        text = f"{text[:m.start()]}{insert}{text[m.start():]}"
    return text


# Concluding sentences the dump glued to the last list item start a paragraph.
_CONCLUSION_RE = re.compile(r"(?<=[.?!:]) (?=(?:In summary|In conclusion|In essence|To summarize|Overall),)")


_FORMULA_RE = re.compile(r"(?:^|(?<=\s))Formula:(?:\s+\.(?=\s))?")


def _strip_formula_labels(text: str) -> tuple[str, list[str]]:
    """Remove "Formula:" labels whose formula was an image (lost in the dump).

    Returns the text and one caption per removed label, naming the item the
    formula belonged to when a short title precedes the label.
    """
    captions: list[str] = []

    def drop(m: re.Match) -> str:
        block = re.split(r"[\n%s]|\b\d{1,2}\.\s" % GLYPHS, text[:m.start()].rstrip())[-1].strip()
        lead = lead_in(block)
        name = block if is_title(block.split(), 8) else lead[0].rstrip(":") if lead else ""
        captions.append(f"Formula: {name}" if name else "Formula")
        return " "
    return _FORMULA_RE.sub(drop, text), captions


@dataclass
class Question:
    """One printed ``Q<n>.`` question with its still flat answer text (doc003.py splits them)."""

    number: str
    section: str | None
    question: str
    answer: str  # cleaned flat text (paragraph hints as BREAK)
    offset: int  # raw offset of the ``Q<n>.`` marker


def parse_answer(q: Question, hints: dict, chapter_no: int) -> tuple[str, list[Figure]]:
    """Markdown and figures of one answer."""
    where = f"{q.section} {q.number}"
    h = _answer_hints(hints, q)
    specials: list = []
    # Order matters: code and tables first (their words must stay untouched);
    # paragraph breaks before headings, so a heading can open the item a break
    # starts; headings before items, so an item can follow a heading.
    text = _apply_rejoin(q.answer, h.get("rejoin", []), where)
    text = _apply_code(text, h.get("code", []), specials, where)
    text = _apply_tables(text, h.get("tables", []), specials, where)
    text = _apply_breaks(text, h.get("paragraphs", []), BREAK, "paragraph", where)
    text = _apply_headings(text, h.get("headings", []), where)
    text = _apply_breaks(text, h.get("items", []), f" {HINT_BULLET} ", "item", where)
    text = _CONCLUSION_RE.sub(BREAK, text)
    text, captions = _strip_formula_labels(text)
    figures = [
        Figure(ref=f"003_ch{chapter_no}_{q.number.lower()}_fig{k}", caption=caption)
        for k, caption in enumerate(captions, 1)
    ]
    return render_markdown(to_blocks(text, specials), specials), figures


def check_answer_hints(hints: dict, questions: list[Question], document: str) -> None:
    """Every ``answers`` hint entry must name a question of the document."""
    for entry in hints.get("answers", []):
        if not any((q.section, q.number) == (entry["section"], entry["number"])
                   and q.question.startswith(entry.get("question", "")) for q in questions):
            raise ParseError(document, None, f"answer hint for a missing question: "
                                             f"{entry['section']} {entry['number']}")
