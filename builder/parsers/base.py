"""What every document parser produces: one `Occurrence` per printed question.

Parsers only split a document into questions and answers and clean the text of
conversion debris (page headers, chunk overlaps, figure placeholders ...).
Answers are returned as Markdown (CommonMark + GFM tables, math left in `$...$`
/ `$$...$$`); `builder.render` turns them into sanitized HTML later, the same
way for every document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# PDF ligatures and look-alike characters that must never reach a card.
LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_LIG_RE = re.compile("|".join(LIGATURES))


def fix_ligatures(text: str) -> str:
    """Replace PDF ligature code points with plain letters."""
    return _LIG_RE.sub(lambda m: LIGATURES[m.group(0)], text)


@dataclass
class Figure:
    """A figure the document printed (or referred to) next to an answer.

    ref: the figure's printed name (e.g. ``60_fig_8``) or, when the document
    names none, a stable synthetic one (``<doc-prefix>_q<number>_fig<k>``).
    caption: the printed title/caption, or a short description if none.
    source_url: the printed ``Image Source:`` link, or None.
    source_text: the printed source when it is not a URL (e.g. "Cognitive Class"), or None.
    """

    ref: str
    caption: str
    source_url: str | None = None
    source_text: str | None = None


@dataclass
class Occurrence:
    """One printed question with that document's own answer."""

    document: str  # original file name, e.g. "004_c54549c83c6343f4.txt"
    number: str | None  # numbering as printed without trailing dot: "5", "Q14", "Q4o"; None if unnumbered
    section: str | None  # enclosing section / chapter title as printed (plain text), or None
    question: str  # question text as printed, cleaned plain text (no markdown, no number)
    answer_md: str  # the answer as Markdown, cleaned of conversion debris
    line: int  # 1-based line in the source file where the question starts
    figures: list[Figure] = field(default_factory=list)
    # Set when the printed question text was lost and recovered from another document.
    recovered_from: str | None = None


class ParseError(Exception):
    """A source document cannot be parsed; carries the file and line for a one-line error."""

    def __init__(self, document: str, line: int | None, message: str):
        self.document, self.line, self.message = document, line, message
        where = f"{document}:{line}" if line else document
        super().__init__(f"{where}: {message}")


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1


def tighten_lists(lines: list[str]) -> list[str]:
    """Drop blank lines between two top-level items of the same list type.

    Conversions (OCR, PDF export) put blank lines between some items; in Markdown
    that makes the whole list "loose" (every item a spaced paragraph).
    """
    out: list[str] = []
    for line in lines:
        kind = _item_kind(line)
        if kind and out and not out[-1].strip():
            prev = len(out) - 1
            while prev >= 0 and not out[prev].strip():
                prev -= 1
            if prev >= 0 and _item_kind(out[prev]) == kind:
                del out[prev + 1:]
        out.append(line)
    return out


def _item_kind(line: str) -> str | None:
    if re.match(r"^[-*+]\s", line):
        return "bullet"
    if re.match(r"^\d+\.\s", line):
        return "ordered"
    return None
