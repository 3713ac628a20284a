"""Parser for ``001_5b15b439e8a83557.txt``: a hand-written Markdown file.

The file has three parts, each printing questions its own way; the parts are
located by their first heading (``PART_B_START``, ``PART_C_START``):

A. "Topics" (start .. Part B): questions are ``#### N.`` headings (the dot is
   sometimes missing: ``#### 4 What ...``).  Section = the nearest ``###``
   heading.  Any heading of level 1-4 ends the current answer, so text under a
   non-question heading (``### Autoregressive Models``, the table under
   ``### Differences Between Generative and Discriminative Models``, the table
   of contents) belongs to no question and is dropped.
B. "Common Generative AI Interview Questions" (mirrors document 000):
   questions are ``N. **question**`` lines immediately followed by a
   ``**`Answer:`**`` marker; that marker requirement is what separates them
   from numbered bold answer items such as ``1. **Log Probability ...:**``.
   Section = the nearest ``##``/``###`` heading whose text is not wrapped in
   bold; bold headings (``### **Architecture and Training Approach:**``) are
   answer sub-headings.  ``---`` rules are separators, not content.
C. "Retrieval Augmented Generation (RAG)" and "Advanced LEVEL": questions are
   ``### N.`` headings, section = the nearest ``##`` heading.

Headings inside fenced code (``# Load a pre-trained ...``) are code, never
structure.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .base import Figure, Occurrence, ParseError, fix_ligatures

DOC_PREFIX = "001"
PART_B_START = "### Common Generative AI Interview Questions"
PART_C_START = "## Retrieval Augmented Generation (RAG)"

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_NUMBERED_HEADING_RE = re.compile(r"^(\d+)\.?\s+(\S.*)$")
_BOLD_QUESTION_RE = re.compile(r"^(\d+)\.\s+\*\*(.+?)\*\*\s*$")
_ANSWER_MARKER_LINE_RE = re.compile(r"^\*\*`Answer:`\*\*\s*$")
# Answer markers printed at the start of an answer, possibly followed by text:
# **`Answer:`**, **`A:`**, "A:", "A." (the RAG/Advanced questions use all four).
_LEADING_MARKER_RE = re.compile(r"^(?:\*\*`(?:Answer|A)\s*:`\*\*|(?:Answer|A)\s*:|A\.(?=\s))\s*")
_IMAGE_RE = re.compile(r"^\s*!\[([^\]]*)\]\(\s*([^)\s]+)\s*\)\s*$")
_IMAGE_SOURCE_RE = re.compile(r"^\s*Image [Ss]ource:\s*(?:\[[^\]]*\]\((\S+?)\)|(\S+))\s*$")
_NAMED_FIGURE_RE = re.compile(r"^\d+_fig_\d+$")
_RULE_RE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_BOLD_CODE_RE = re.compile(r"\*\*`([^`]+)`\*\*")
# A source line starting with a short "Label:" (e.g. "Strengths: ...").
_LABEL_LINE_RE = re.compile(r"^[A-Z][\w ,()/'’&.\-]{0,60}:(?:\s|$)")


@dataclass
class _Span:
    """Where one question and its answer body sit in the source lines."""

    number: str
    section: str | None
    question: str
    q_idx: int
    body_start: int
    body_end: int = -1


def parse(text: str, document: str) -> list[Occurrence]:
    """Split the document into one Occurrence per printed question, in order."""
    lines = [line.rstrip("\r") for line in fix_ligatures(text).split("\n")]
    code = _code_mask(lines)
    b_start = _index_of(lines, PART_B_START, document)
    c_start = _index_of(lines, PART_C_START, document)
    if not b_start < c_start:
        raise ParseError(document, c_start + 1, "document parts are out of order")

    spans = (
        _heading_questions(lines, code, 0, b_start, document, question_level=4, section_level=3)
        + _bold_questions(lines, code, b_start, c_start, document)
        + _heading_questions(lines, code, c_start, len(lines), document,
                             question_level=3, section_level=2)
    )
    occurrences = []
    for span in spans:
        answer_md, figures = _clean_answer(lines[span.body_start:span.body_end],
                                           code[span.body_start:span.body_end], span.number)
        if not answer_md:
            raise ParseError(document, span.q_idx + 1, "empty answer")
        occurrences.append(
            Occurrence(
                document=document,
                number=span.number,
                section=span.section,
                question=span.question,
                answer_md=answer_md,
                line=span.q_idx + 1,
                figures=figures,
            )
        )
    return occurrences


# --------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------

def _code_mask(lines: list[str]) -> list[bool]:
    """True for lines inside fenced code blocks (fence lines included)."""
    mask, inside = [], False
    for line in lines:
        fence = bool(_FENCE_RE.match(line))
        mask.append(inside or fence)
        if fence:
            inside = not inside
    return mask


def _index_of(lines: list[str], heading: str, document: str) -> int:
    try:
        return lines.index(heading)
    except ValueError:
        raise ParseError(document, None, f"missing part heading {heading!r}") from None


def _heading_questions(lines, code, start, end, document, *,
                       question_level, section_level) -> list[_Span]:
    """Parts A and C: numbered headings of ``question_level`` are questions.

    A heading of the question level or higher ends the current answer; one of
    ``section_level`` becomes the section of the questions that follow.  An
    unnumbered heading at the question level is not expected (its text would
    be dropped), so it is an error.
    """
    spans: list[_Span] = []
    section = None
    for i in range(start, end):
        m = _HEADING_RE.match(lines[i])
        if code[i] or not m or len(m.group(1)) > question_level:
            continue
        level, text = len(m.group(1)), m.group(2)
        if spans and spans[-1].body_end < 0:
            spans[-1].body_end = i
        numbered = _NUMBERED_HEADING_RE.match(text)
        if level == question_level:
            if not numbered:
                raise ParseError(document, i + 1, f"unnumbered question-level heading {text!r}")
            spans.append(_Span(numbered.group(1), section, _plain(numbered.group(2)), i, i + 1))
        elif level == section_level:
            section = _plain(text)
        elif level < section_level:
            section = None
    if spans and spans[-1].body_end < 0:
        spans[-1].body_end = end
    return spans


def _bold_questions(lines, code, start, end, document) -> list[_Span]:
    """Part B: ``N. **question**`` lines followed by a ``**`Answer:`**`` marker."""
    spans: list[_Span] = []
    section = None
    for i in range(start, end):
        if code[i]:
            continue
        heading = _HEADING_RE.match(lines[i])
        question = _BOLD_QUESTION_RE.match(lines[i])
        is_section = heading and len(heading.group(1)) <= 3 and not _is_bold(heading.group(2))
        is_question = question and _ANSWER_MARKER_LINE_RE.match(_next_nonblank_line(lines, i + 1))
        if question and not is_question and not question.group(2).endswith(":"):
            # only "N. **Label:**" answer items may lack the marker
            raise ParseError(document, i + 1, "bold numbered question without an answer marker")
        if not (is_section or is_question):
            continue
        if spans and spans[-1].body_end < 0:
            spans[-1].body_end = i
        if is_section:
            section = _plain(heading.group(2))
        else:
            spans.append(_Span(question.group(1), section, _plain(question.group(2)), i, i + 1))
    if not spans:
        raise ParseError(document, start + 1, "no questions found in the common-questions part")
    if spans[-1].body_end < 0:
        spans[-1].body_end = end
    return spans


def _is_bold(text: str) -> bool:
    return text.startswith("**") and text.endswith("**") and len(text) > 4


def _next_nonblank_line(lines: list[str], start: int) -> str:
    for line in lines[start:]:
        if line.strip():
            return line.strip()
    return ""


# --------------------------------------------------------------------------
# Answer cleaning
# --------------------------------------------------------------------------

def _clean_answer(raw: list[str], code: list[bool], number: str) -> tuple[str, list[Figure]]:
    """Turn the raw answer lines into clean Markdown plus the figures it printed."""
    rows = [(line if is_code else line.rstrip(), is_code) for line, is_code in zip(raw, code)]
    rows = _strip_leading_marker(rows)
    rows, figures = _extract_figures(rows, number)
    rows = [(line if is_code else _normalize_line(line), is_code) for line, is_code in rows
            if is_code or not _RULE_RE.match(line)]
    rows = _hard_break_label_lines(rows)
    return _assemble(rows), figures


def _strip_leading_marker(rows):
    """Drop leading blank lines and the answer marker (keeping text after it)."""
    rows = list(rows)
    while rows and not rows[0][1]:
        line = rows[0][0]
        if line.strip():
            stripped = _LEADING_MARKER_RE.sub("", line.strip(), count=1)
            if stripped == line.strip():
                break
            if stripped:
                rows[0] = (stripped, False)
                break
        rows.pop(0)
    return rows


def _extract_figures(rows, number: str):
    """Remove images and their ``Image Source:`` lines; return them as Figures.

    ``![60_fig_8](...)`` keeps its printed name as ref.  Unnamed images
    (``![alt text](image.png)``) get ``001_q<number>_fig<k>``; when such an
    image is hosted on an external site its address is the only provenance
    printed, so it becomes the source_url.
    """
    out, figures = [], []
    i = 0
    while i < len(rows):
        line, is_code = rows[i]
        image = None if is_code else _IMAGE_RE.match(line)
        if not image:
            out.append(rows[i])
            i += 1
            continue
        alt, url = image.group(1).strip(), image.group(2)
        if _NAMED_FIGURE_RE.match(alt):
            ref, source_url = alt, None
        else:
            ref = f"{DOC_PREFIX}_q{number}_fig{len(figures) + 1}"
            source_url = url if url.startswith(("http://", "https://")) else None
        j = i + 1
        while j < len(rows) and not rows[j][0].strip():
            j += 1
        source = _IMAGE_SOURCE_RE.match(rows[j][0]) if j < len(rows) and not rows[j][1] else None
        if source:
            source_url = source.group(1) or source.group(2)
            i = j
        figures.append(Figure(ref=ref, caption=f"Figure {ref}", source_url=source_url))
        i += 1
    return out, figures


def _normalize_line(line: str) -> str:
    """Demote headings below the question level; unwrap backtick emphasis.

    ``**`Label:`**`` is this document's emphasis style, not code: it becomes
    ``**Label:**`` (real inline code such as `pip install` is untouched).
    """
    heading = _HEADING_RE.match(line)
    if heading:
        line = "#### " + heading.group(2).replace("**", "").strip()
    return _BOLD_CODE_RE.sub(r"**\1**", line)


def _hard_break_label_lines(rows):
    """Keep "Label: text" lines on their own line.

    The author wrote lists as consecutive lines ("Strengths: ...",
    "Weaknesses: ...") that Markdown would merge into one run-on paragraph;
    a hard line break (trailing backslash) before each keeps them apart.
    """
    rows = list(rows)
    for k in range(1, len(rows)):
        (prev, prev_code), (line, is_code) = rows[k - 1], rows[k]
        if (
            not is_code
            and not prev_code
            and _LABEL_LINE_RE.match(line)
            and prev.strip()
            and not prev.lstrip().startswith(("#", "|"))
            and not prev.endswith("\\")
        ):
            rows[k - 1] = (prev + "\\", False)
    return rows


def _assemble(rows) -> str:
    """Join lines, collapsing runs of blank lines outside code blocks."""
    out: list[str] = []
    for line, is_code in rows:
        if not is_code and not line.strip():
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(line)
    return "\n".join(out).strip("\n")


def _plain(text: str) -> str:
    """Markdown inline text -> plain text (escapes, emphasis, backticks removed)."""
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text)
    text = text.replace("*", "").replace("`", "")
    return re.sub(r"\s+", " ", text).strip()
