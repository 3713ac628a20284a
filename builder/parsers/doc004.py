"""Parser for 004_*.txt: "TOP 50 LLM Interview Questions", plain text from a PDF.

Document shape
--------------
A title line, then ``Q1.`` ... ``Q50.`` each on its own line (``Q26.Explain``
has no space, ``Q4o.`` is question 40 printed with a letter o). Each answer
runs to the next ``Qn.`` line; a social-media trailer follows the last one.

Rules
-----
1. Answer marker: the first answer line may start with ``Ans -`` (alone on its
   line or followed by text), ``Ans-``, ``Ans:``, ``Answer -``, a dash glued to
   the first word (``-Gemini's ...``), or nothing. The marker is removed.
2. Image debris is classified per question by exact line in
   ``decks/parse_hints/004.yaml`` (image titles -> `Figure`, diagram labels ->
   dropped, sub-headings -> ``#### text``, short lines that are real text,
   lines printed under the wrong question). A rule cannot tell "QLoRa" (an
   image title) from "QLoRA (Quantized LoRA)" (a sub-heading), so the data
   file decides, and the parser fails if a hint no longer matches or an
   unclassified short bare line is left in an answer.
3. ``Image Source: X`` belongs to the figure whose title directly precedes it,
   otherwise it is a new figure captioned "Figure"; URL -> source_url, other
   text -> source_text.
4. Markdown repairs: ``- 1. Rehearsal methods:** text`` (broken bold) ->
   ``1. **Rehearsal methods:** text``; ``- 2. text`` -> ``2. text``; an ordered
   item printed as a title ``1. Language Models -`` becomes ``1. **Language
   Models**`` and its following ``Label: text`` lines are indented into it.
5. A sentence cut by a page break (a line ending in a letter or comma, then
   only blank lines, then a line starting in lower case) is re-joined.
6. ``$...$`` / ``$$...$$`` math is passed through untouched; a ``$$`` block
   spanning several lines is kept as one unit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .base import Figure, Occurrence, ParseError, fix_ligatures, tighten_lists

QUESTION_RE = re.compile(r"^Q(\d[\doO]*)\.\s*(\S.*)$")
ANSWER_MARKER_RE = re.compile(r"^(?:Ans(?:wer)?\s*[-\u2013:]+\s*|-(?=\S))", re.IGNORECASE)
IMAGE_SOURCE_RE = re.compile(r"^Image Source\s*:\s*(.+)$", re.IGNORECASE)
BROKEN_BOLD_ITEM_RE = re.compile(r"^[-*]\s+(\d+)\.\s+([^*]+?)\*\*\s*(.*)$")
BULLETED_NUMBER_RE = re.compile(r"^[-*]\s+(\d+\.\s+.*)$")
TITLE_ITEM_RE = re.compile(r"^(\d+)\.\s+(.+?)\s*-$")
LABEL_LINE_RE = re.compile(r"^[A-Z][A-Za-z ]*:\s")
LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d+\.)\s")
BARE_SHORT_MAX_WORDS = 8
HINT_KINDS = ("image_titles", "diagram_labels", "subheadings", "keep_lines", "misplaced_lines")


def parse(text: str, document: str, hints: dict | None = None) -> list[Occurrence]:
    """Split document 004 into one Occurrence per ``Qn.`` question; `hints` are the document's
    parse hints (decks/parse_hints/004.yaml, named in decks/documents.yaml)."""
    hints = hints or {}
    lines = _drop_trailer(fix_ligatures(text).split("\n"), hints.get("trailer_start"), document)
    starts = _question_starts(lines, document)
    prefix = document.split("_")[0]
    occurrences = []
    for i, (idx, number, question) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(lines)
        key = f"Q{_number_value(number)}"
        answer = _Answer(document, idx + 1, f"{prefix}_q{_number_value(number)}",
                         {kind: hints.get(kind, {}).get(key, []) for kind in HINT_KINDS})
        answer_md, figures = answer.build(lines[idx + 1:end])
        occurrences.append(Occurrence(document=document, number=f"Q{number}", section=None,
                                      question=question, answer_md=answer_md, line=idx + 1,
                                      figures=figures))
    return occurrences


def _drop_trailer(lines: list[str], trailer_start: str | None, document: str) -> list[str]:
    if not trailer_start:
        return lines
    for idx, line in enumerate(lines):
        if line.strip() == trailer_start:
            return lines[:idx]
    raise ParseError(document, None, f"trailer line {trailer_start!r} not found")


def _question_starts(lines: list[str], document: str) -> list[tuple[int, str, str]]:
    """(line index, printed number, question text) of every ``Qn.`` line; checks 1..N order."""
    starts = []
    for idx, line in enumerate(lines):
        m = QUESTION_RE.match(line.strip())
        if not m:
            continue
        number, question = m.groups()
        expected = len(starts) + 1
        if _number_value(number) != expected:
            raise ParseError(document, idx + 1, f"expected Q{expected}, found Q{number}")
        starts.append((idx, number, " ".join(question.split())))
    if not starts:
        raise ParseError(document, None, "no Qn. questions found")
    return starts


def _number_value(printed: str) -> int:
    """Numeric value of a printed number; OCR/typing put a letter o for 0 ("4o")."""
    return int(printed.replace("o", "0").replace("O", "0"))


@dataclass
class _Answer:
    """Builds one answer's Markdown and figures from its raw lines."""

    document: str
    line: int  # question line, for error messages
    ref_prefix: str  # e.g. "004_q16"
    hints: dict  # kind -> exact lines for this question
    figures: list[Figure] = field(default_factory=list)
    used: set = field(default_factory=set)

    def build(self, raw: list[str]) -> tuple[str, list[Figure]]:
        items = self._classify(_strip_marker(_normalize_blanks(raw)))
        items = _join_page_breaks(items)
        out = _repair_lists(items)
        self._check(out)
        answer = _assemble(out)
        if not answer:
            raise ParseError(self.document, self.line, "empty answer")
        return answer, self.figures

    def _classify(self, lines: list[str]) -> list[tuple[str, str]]:
        """Turn lines into (kind, text) items, removing image debris (rule 2, 3).

        kinds: "blank", "math" (opaque $$ block), "heading", "text".
        """
        items: list[tuple[str, str]] = []
        pending_figure: Figure | None = None  # a title with nothing printed after it yet
        i = 0
        while i < len(lines):
            line = lines[i]
            stripped = line.strip()
            i += 1
            if not stripped:
                items.append(("blank", ""))
                continue
            if stripped.startswith("$$") and stripped.count("$$") == 1:
                block = [line]
                while i < len(lines) and "$$" not in lines[i]:
                    block.append(lines[i])
                    i += 1
                if i < len(lines):
                    block.append(lines[i])
                    i += 1
                items.append(("math", "\n".join(block)))
                pending_figure = None
                continue
            source = IMAGE_SOURCE_RE.match(stripped)
            if source:
                figure = pending_figure or self._new_figure("Figure")
                _set_source(figure, source.group(1).strip())
                pending_figure = None
                continue
            hint = self._hint_kind(stripped)
            if hint == "image_titles":
                pending_figure = self._new_figure(stripped)
                continue
            if hint in ("diagram_labels", "misplaced_lines"):
                continue
            pending_figure = None
            if hint == "subheadings":
                items.append(("heading", f"#### {stripped}"))
            elif stripped.startswith("$"):
                items.append(("math", stripped))
            else:
                items.append(("text", line))  # keep indentation: it may nest a list
        return items

    def _hint_kind(self, stripped: str) -> str | None:
        for kind in HINT_KINDS:
            if stripped in self.hints[kind]:
                self.used.add((kind, stripped))
                return kind
        return None

    def _new_figure(self, caption: str) -> Figure:
        figure = Figure(ref=f"{self.ref_prefix}_fig{len(self.figures) + 1}", caption=caption)
        self.figures.append(figure)
        return figure

    def _check(self, out: list[str]) -> None:
        """Fail on stale hints and on unclassified short bare lines (rule 2)."""
        for kind in HINT_KINDS:
            for hinted in self.hints[kind]:
                if (kind, hinted) not in self.used:
                    raise ParseError(self.document, self.line, f"{kind} hint not found: {hinted!r}")
        for line in out:
            if _is_bare_short(line) and line not in self.hints["keep_lines"]:
                raise ParseError(self.document, self.line,
                                 f"unclassified short line {line!r}: add it to keep_lines in the document's parse hints")


def _normalize_blanks(raw: list[str]) -> list[str]:
    """Whitespace-only lines (page-break residue) become empty lines."""
    return [line.rstrip() if line.strip() else "" for line in raw]


def _strip_marker(lines: list[str]) -> list[str]:
    """Remove the answer marker from the first non-blank line (rule 1)."""
    for idx, line in enumerate(lines):
        if line.strip():
            lines = list(lines)
            lines[idx] = ANSWER_MARKER_RE.sub("", line.strip(), count=1)
            break
    return lines


def _set_source(figure: Figure, source: str) -> None:
    if re.match(r"https?://", source):
        figure.source_url = source
    else:
        figure.source_text = source


def _join_page_breaks(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Re-join a sentence split by a page break (rule 5)."""
    out: list[tuple[str, str]] = []
    for kind, text in items:
        if kind == "text" and text[:1].islower() and not LIST_ITEM_RE.match(text):
            prev = _last_content(out)
            if prev is not None and out[prev][0] == "text" and re.search(r"[A-Za-z,]$", out[prev][1]) \
                    and all(k == "blank" for k, _ in out[prev + 1:]):
                out[prev] = ("text", f"{out[prev][1]} {text}")
                del out[prev + 1:]
                continue
        out.append((kind, text))
    return out


def _last_content(items: list[tuple[str, str]]) -> int | None:
    for idx in range(len(items) - 1, -1, -1):
        if items[idx][0] != "blank":
            return idx
    return None


def _repair_lists(items: list[tuple[str, str]]) -> list[str]:
    """Markdown list repairs (rule 4); returns output lines ("" = blank)."""
    out: list[str] = []
    item_indent = ""  # set while inside a title item ("1. **Language Models**")
    for kind, text in items:
        if kind != "text":
            if kind != "blank":
                item_indent = ""
            out.append(text)
            continue
        broken = BROKEN_BOLD_ITEM_RE.match(text)
        bulleted = BULLETED_NUMBER_RE.match(text)
        title = TITLE_ITEM_RE.match(text)
        if broken:
            number, label, rest = broken.groups()
            text = f"{number}. **{label.strip()}** {rest}".rstrip()
        elif bulleted:
            text = bulleted.group(1)
        if title:
            number, label = title.groups()
            text = f"{number}. **{label}**"
            item_indent = " " * len(f"{number}. ")
        elif item_indent and LABEL_LINE_RE.match(text):
            text = item_indent + text
        else:
            item_indent = ""
        out.append(text)
    return out


def _assemble(lines: list[str]) -> str:
    """Join output lines; headings get blank lines around them; blank runs collapse."""
    lines = tighten_lists(lines)
    parts: list[str] = []
    for line in lines:
        if line.startswith("#### "):
            parts.extend(["", line, ""])
        else:
            parts.append(line)
    text = "\n".join(parts)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _is_bare_short(line: str) -> bool:
    """A short line without end punctuation: typical image/diagram debris."""
    s = line.strip()
    if not s or s.startswith(("#", "$")) or LIST_ITEM_RE.match(s) or ": " in s:
        return False
    return len(s.split()) <= BARE_SHORT_MAX_WORDS and not re.search(r"[.?!:]$", s)
