"""Parser for 002_*.txt: Markdown produced by OCR ("Part 7: Ilms" + an advanced part).

Document shape
--------------
Every question is a Markdown heading (any level ``#`` .. ``####``) whose text
starts with a printed number: ``# 5. Explain ...``, ``# **12. Metrics ...**``,
``# . What advancements ...`` (number lost by OCR -> ``number=None``). The
answer is everything up to the next question heading or section heading.

Rules (each one exists because of a concrete trap in this document)
-------------------------------------------------------------------
1. Section headings: ``Part <n>: ...`` and any unnumbered heading containing
   the word "Questions" (``### **Advanced-Level LLM Questions and Detailed
   Answers**``). They set ``section`` and end the running answer.
2. Answers contain numbered sub-headings written exactly like question
   headings (``# 1. Perplexity``, ``## 1. Warm-Up:``, ``#### 2. Quantization-Aware
   Training (QAT):``). Rule: a *sub-heading run* starts at a heading numbered
   ``1.`` whose text is not question-like, and continues while the following
   numbered headings carry the next consecutive number and are not
   question-like. Any numbered heading that does not continue the run (its
   number jumps, repeats, is missing, or its text is question-like) is a
   question. Question numbering in this document repeats and jumps
   (4, 4, 5, 20, 5, 6, ., 7, ...), so numbers alone decide nothing.
3. Exactly one unnumbered heading is a question with its own answer:
   ``# **Quantization:**`` (listed in ``UNNUMBERED_QUESTIONS``). Every other
   unnumbered heading is a sub-heading inside an answer.
4. Answer clean-up: ``Answer:`` marker headings are removed; headings inside
   answers become ``####`` headings without bold/bullet decoration; stray
   bullet glyphs (``•``, ``·``, private-use U+F0B7 / U+F0A7) become ``- `` list items;
   ``- 1. text`` (bullet + number) becomes the ordered item ``1. text``;
   tab-separated rows become a GFM pipe table; paragraph lines that start with
   a space left where OCR dropped a glyph are un-indented; blank lines between
   two items of the same list are dropped (OCR spacing, not structure).
"""
from __future__ import annotations

import re

from .base import Occurrence, ParseError, fix_ligatures, tighten_lists

HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*$")
# Heading text (bold already removed) that starts with a printed number;
# "." alone means OCR lost the digits.
NUMBERED_RE = re.compile(r"^(\d*)\.\s+(\S.*)$")
SECTION_RE = re.compile(r"^Part \d+:|\bQuestions\b")
ANSWER_MARKER_RE = re.compile(r"^Answer\s*:?$", re.IGNORECASE)
# The single unnumbered heading that is a question (see rule 3).
UNNUMBERED_QUESTIONS = {"Quantization:"}
# First words that make a heading read as a question/task, not a sub-topic.
QUESTION_WORDS = {
    "what", "how", "why", "when", "which", "who", "where", "explain",
    "describe", "compare", "discuss", "name", "define", "can", "is", "are",
    "do", "does",
}
BULLET_GLYPHS = "•·\uf0b7\uf0a7\u25aa\u25cf"
GLYPH_LINE_RE = re.compile(rf"^\s*(?:[-*]\s+)?[{BULLET_GLYPHS}]\s*")
BULLETED_NUMBER_RE = re.compile(r"^[-*]\s+(\d+\.\s+)")
LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d+\.)\s")


def parse(text: str, document: str) -> list[Occurrence]:
    """Split document 002 into one Occurrence per printed question."""
    lines = fix_ligatures(text).split("\n")
    occurrences: list[Occurrence] = []
    section: str | None = None
    current: dict | None = None  # question being collected
    run_next: int | None = None  # number that would continue a sub-heading run

    def close() -> None:
        if current is not None:
            occurrences.append(_finish(current, document))

    for idx, line in enumerate(lines):
        kind, payload = _classify(line, run_next, inside_answer=current is not None)
        if kind == "section":
            close()
            current, section, run_next = None, payload, None
        elif kind == "question":
            close()
            number, question = payload
            current = {"number": number, "question": question, "section": section,
                       "line": idx + 1, "body": []}
            run_next = None
        else:
            if kind == "subrun":
                run_next = payload
            if current is not None:
                current["body"].append(line)
            elif line.strip():
                # Only the section heading may precede the first question.
                raise ParseError(document, idx + 1, f"text outside any question: {line.strip()[:60]!r}")
    close()
    return occurrences


def _classify(line: str, run_next: int | None, inside_answer: bool):
    """Return (kind, payload) for one source line.

    kind: "section" (payload: title), "question" (payload: (number, text)),
    "subrun" (a numbered sub-heading; payload: next number of the run) or
    "body" (anything else, payload None).
    """
    m = HEADING_RE.match(line)
    if not m:
        return "body", None
    title = _plain(m.group(2))
    numbered = NUMBERED_RE.match(title)
    if numbered is None:
        if title in UNNUMBERED_QUESTIONS:
            return "question", (None, _question_text(title))
        if SECTION_RE.search(title):
            return "section", title
        return "body", None
    digits, rest = numbered.groups()
    number = int(digits) if digits else None
    if not _question_like(rest) and inside_answer:
        if number is not None and number == run_next:
            return "subrun", number + 1
        if number == 1:
            return "subrun", 2
    return "question", (digits or None, _question_text(rest))


def _question_like(text: str) -> bool:
    words = text.split()
    return text.rstrip().endswith("?") or (bool(words) and words[0].lower() in QUESTION_WORDS)


def _plain(md: str) -> str:
    """Markdown heading/inline text -> plain text (emphasis, code, escapes removed)."""
    text = re.sub(r"\*\*|__|`", "", md)
    text = re.sub(r"(?<!\w)[*_](\S(?:.*?\S)?)[*_](?!\w)", r"\1", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", text)
    return " ".join(text.split())


def _question_text(text: str) -> str:
    # A trailing colon only marks a label-style heading ("Quantization:").
    return text.rstrip(":").strip()


def _finish(q: dict, document: str) -> Occurrence:
    answer = _answer_markdown(q["body"])
    if not answer:
        raise ParseError(document, q["line"], f"empty answer for {q['question']!r}")
    return Occurrence(document=document, number=q["number"], section=q["section"],
                      question=q["question"], answer_md=answer, line=q["line"])


def _answer_markdown(body: list[str]) -> str:
    """Clean the raw answer lines into Markdown (rule 4)."""
    out: list[str] = []
    for line in body:
        m = HEADING_RE.match(line)
        if m:
            title = GLYPH_LINE_RE.sub("", _plain(m.group(2)))
            if ANSWER_MARKER_RE.match(title):
                continue
            out.extend(["", f"#### {title}", ""])
            continue
        out.append(_clean_body_line(line, previous=out[-1] if out else ""))
    out = _tables(tighten_lists(out))
    return _squeeze_blank_lines(out)


def _clean_body_line(line: str, previous: str) -> str:
    line = line.rstrip()
    glyph = GLYPH_LINE_RE.match(line)
    if glyph:
        # "• text", "· text" and "- · text" are all one bullet item.
        indent = re.match(r"^\s*", line).group(0)
        return f"{indent}- {line[glyph.end():]}"
    numbered = BULLETED_NUMBER_RE.match(line)
    if numbered:
        # "- 1. text" would render as a bullet holding an ordered list.
        return line[numbered.start(1):]
    if re.match(r"^ {1,3}\S", line) and not previous.strip() and not LIST_ITEM_RE.match(line):
        # Paragraph start indented by a glyph OCR dropped: un-indent.
        return line.lstrip()
    return line


def _tables(lines: list[str]) -> list[str]:
    """Turn runs of tab-separated rows with equal cell counts into GFM tables."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        cells = _tab_cells(lines[i])
        j = i
        while j < len(lines) and cells and _tab_cells(lines[j]) and len(_tab_cells(lines[j])) == len(cells):
            j += 1
        if j - i >= 2:
            rows = [_tab_cells(row) for row in lines[i:j]]
            if out and out[-1].strip():
                out.append("")
            out.append(_pipe_row(rows[0]))
            out.append(_pipe_row(["---"] * len(rows[0])))
            out.extend(_pipe_row(row) for row in rows[1:])
            out.append("")
            i = j
        else:
            out.append(lines[i])
            i += 1
    return out


def _tab_cells(line: str) -> list[str] | None:
    if "\t" not in line:
        return None
    cells = [c.strip() for c in line.split("\t")]
    return cells if len(cells) >= 2 else None


def _pipe_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _squeeze_blank_lines(lines: list[str]) -> str:
    text = "\n".join(line.rstrip() for line in lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n").strip()
