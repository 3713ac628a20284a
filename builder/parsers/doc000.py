"""Parser for ``000_872b3f10e74e92b6.txt``: a PDF converted to Markdown.

The conversion left six question styles (``- 5.``, ``**1.**``, ``- **3.**``,
bare ``8.``, ``# 14.``, ``## 4.``) and many numbered answer-list items that
look exactly like questions (``- 2. **Fine-tuning:** ...``,
``## 1. Log Probability (Seq-Logprob):``).  Numbering alone cannot tell them
apart, but one thing is constant: every printed question is immediately
followed by an answer marker line (``- Answer:``, ``- Answer``,
``#### Answer:``, ``Answer:`` ...).  So the parser anchors on those markers:

* every whole-line answer marker opens one occurrence;
* its question is the previous non-blank line when that line is a numbered
  question line (see ``_question_match``); otherwise the question line was
  lost in conversion and the occurrence gets ``question=""`` and
  ``line`` = the marker's line (this happens once, in the multimodal section,
  for the "Masked language-image modeling" answer);
* the answer runs from the marker to the next occurrence's first line or the
  next section heading.

Sections are the five headings listed in ``SECTIONS`` (matched exactly after
stripping markdown); all other headings are sub-headings inside answers.
"""
from __future__ import annotations

import re

from .base import Figure, Occurrence, ParseError, fix_ligatures

DOC_PREFIX = "000"

# Section headings as printed (markdown stripped), in document order.
SECTIONS = (
    "Generative Models",
    "Large Language Models",
    "Multimodal Models (Includes non-generative models)",
    "Embeddings",
    "Training, Inference and Evaluation",
)

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
# A numbered line in any of the six printed question styles.
_QUESTION_RE = re.compile(r"^(?:#{1,6}\s+)?(?:-\s+)?(?:\*\*)?(\d+)\.(?:\*\*)?\s+(\S.*?)\s*$")
# A line that is only an answer marker ("- Answer:", "#### Answer", "Answer:" ...).
_MARKER_RE = re.compile(r"^\s*(?:[-*]\s+|#{1,6}\s+)?Answer\s*:?\s*$")
# An inline marker at the very start of the answer ("**Answer:** Multi-head ...").
_LEADING_MARKER_RE = re.compile(r"^(?:\*\*)?Answer\s*:\s*(?:\*\*)?\s*")
# Figure placeholder left by the converter, sometimes as a heading: "60\_fig\_8".
_FIGURE_RE = re.compile(r"^(?:#{1,6}\s+)?(\d+)\\?_fig\\?_(\d+)\s*$")
_IMAGE_SOURCE_RE = re.compile(r"^Image [Ss]ource:\s*(https?://\S+)\s*$")
# 'Source: "Attention Is All You Need" (https://...)' printed just above a figure.
_CITED_SOURCE_RE = re.compile(r"^Source:\s*(.+?)\s*\((https?://[^)\s]+)\)\s*$")
_NUMBERED_BULLET_RE = re.compile(r"^(\s*)[-*]\s+(\d+\.\s)")
_BARE_URL_RE = re.compile(r"(?<![<(\[])\bhttps?://[^\s<>()\[\]]+")


def parse(text: str, document: str) -> list[Occurrence]:
    """Split the document into one Occurrence per printed question, in order."""
    lines = [line.rstrip("\r") for line in fix_ligatures(text).split("\n")]
    sections = _find_sections(lines, document)
    heading_idx = sorted(sections)
    anchors = _find_anchors(lines)
    if not anchors:
        raise ParseError(document, None, "no answer markers found")
    _check_all_questions_anchored(lines, anchors, document)

    occurrences: list[Occurrence] = []
    last_number: dict[str, int] = {}
    for k, (q_idx, marker_idx) in enumerate(anchors):
        start = q_idx if q_idx is not None else marker_idx
        section_starts = [h for h in heading_idx if h < start]
        if not section_starts:
            raise ParseError(document, start + 1, "question before the first section heading")
        section = sections[section_starts[-1]]
        end = _answer_end(anchors, k, heading_idx, len(lines))

        number = question = None
        if q_idx is not None:
            m = _question_match(lines[q_idx])
            number, question = m.group(1), _plain(m.group(2))
            if int(number) <= last_number.get(section, 0):
                raise ParseError(document, q_idx + 1, f"question number {number} out of order")
            last_number[section] = int(number)
        answer_md, figures = _clean_answer(lines[marker_idx + 1:end], number)
        if not answer_md:
            raise ParseError(document, start + 1, "empty answer")
        occurrences.append(
            Occurrence(
                document=document,
                number=number,
                section=section,
                question=question or "",
                answer_md=answer_md,
                line=start + 1,
                figures=figures,
            )
        )
    return occurrences


# --------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------

def _find_sections(lines: list[str], document: str) -> dict[int, str]:
    """Map line index -> section title for the headings listed in SECTIONS."""
    found: dict[int, str] = {}
    for i, line in enumerate(lines):
        m = _HEADING_RE.match(line)
        if m and _plain(m.group(2)) in SECTIONS:
            found[i] = _plain(m.group(2))
    titles = [found[i] for i in sorted(found)]
    if titles != list(SECTIONS):
        raise ParseError(document, None, f"expected sections {SECTIONS}, found {titles}")
    return found


def _question_match(line: str) -> re.Match | None:
    """Match a numbered question line, rejecting numbered answer-list items.

    Answer items start with a bold label ("- 2. **Fine-tuning:** ...") or are
    labels ending with a colon ("## 1. Log Probability (Seq-Logprob):").
    """
    m = _QUESTION_RE.match(line)
    if not m or m.group(2).startswith("**") or m.group(2).endswith(":"):
        return None
    return m


def _find_anchors(lines: list[str]) -> list[tuple[int | None, int]]:
    """(question line index or None, marker line index) for every answer marker."""
    anchors = []
    for i, line in enumerate(lines):
        if not _MARKER_RE.match(line):
            continue
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        q_idx = j if j >= 0 and _question_match(lines[j]) else None
        anchors.append((q_idx, i))
    return anchors


def _check_all_questions_anchored(lines, anchors, document: str) -> None:
    """A question line not followed by a marker would be glued into an answer."""
    claimed = {q_idx for q_idx, _ in anchors}
    for i, line in enumerate(lines):
        if _question_match(line) and i not in claimed:
            raise ParseError(document, i + 1, "numbered question without an answer marker")


def _answer_end(anchors, k: int, heading_idx: list[int], n_lines: int) -> int:
    """Index one past the answer of anchor k: next occurrence or next section."""
    marker_idx = anchors[k][1]
    end = n_lines
    if k + 1 < len(anchors):
        q_idx, next_marker = anchors[k + 1]
        end = q_idx if q_idx is not None else next_marker
    later_sections = [h for h in heading_idx if marker_idx < h < end]
    return later_sections[0] if later_sections else end


# --------------------------------------------------------------------------
# Answer cleaning
# --------------------------------------------------------------------------

def _clean_answer(raw: list[str], number: str | None) -> tuple[str, list[Figure]]:
    """Turn the raw answer lines into clean Markdown plus the figures it printed."""
    lines = [line.rstrip() for line in raw]
    lines = _unnest_opening(lines)
    while lines and not lines[0].strip():
        lines.pop(0)
    marker = _LEADING_MARKER_RE.match(lines[0].lstrip()) if lines else None
    if marker:
        lines[0] = lines[0].lstrip()[marker.end():]
    lines, figures = _extract_figures(lines, number)
    lines = [_normalize_line(line) for line in lines]
    lines = _join_page_breaks(lines)
    md = "\n".join(lines)
    md = re.sub(r"\n{3,}", "\n\n", md).strip()
    return md, figures


def _unnest_opening(lines: list[str]) -> list[str]:
    """Undo the nesting of the opening paragraph under a "- Answer:" bullet.

    In the first answer the text follows the marker without a blank line and is
    indented as a sub-bullet of it; with the marker gone it is a plain
    paragraph, so its block is de-indented and its bullet dropped.
    """
    if not lines or not lines[0][:1].isspace() or not lines[0].strip():
        return lines
    block_end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    block = [line.strip() for line in lines[:block_end]]
    block[0] = re.sub(r"^[-*]\s+", "", block[0])
    return block + lines[block_end:]


def _extract_figures(lines: list[str], number: str | None) -> tuple[list[str], list[Figure]]:
    """Remove figure placeholders and their source lines; return them as Figures.

    * ``60\\_fig\\_8`` (optionally a heading) -> Figure(ref="60_fig_8"); an
      ``Image Source: <url>`` line right after it (blank lines aside) is its
      source, and so is a ``Source: <title> (<url>)`` line right before it.
    * An ``Image Source:`` line with no placeholder means the placeholder was
      lost; the figure gets a synthetic ref ``000_q<number>_fig<k>``.
    """
    out: list[str] = []
    figures: list[Figure] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        fig = _FIGURE_RE.match(line)
        src = _IMAGE_SOURCE_RE.match(line)
        if fig:
            ref = f"{fig.group(1)}_fig_{fig.group(2)}"
            url = cited = None
            nxt = _next_nonblank(lines, i + 1)
            if nxt is not None and _IMAGE_SOURCE_RE.match(lines[nxt].strip()):
                url = _IMAGE_SOURCE_RE.match(lines[nxt].strip()).group(1)
                i = nxt
            else:
                cited, url = _pop_cited_source(out)
            figures.append(Figure(ref=ref, caption=f"Figure {ref}", source_url=url, source_text=cited))
        elif src:
            ref = f"{DOC_PREFIX}_q{number}_fig{len(figures) + 1}"
            figures.append(Figure(ref=ref, caption=f"Figure {ref}", source_url=src.group(1)))
        else:
            out.append(lines[i])
        i += 1
    return out, figures


def _next_nonblank(lines: list[str], start: int) -> int | None:
    for j in range(start, len(lines)):
        if lines[j].strip():
            return j
    return None


def _pop_cited_source(out: list[str]) -> tuple[str | None, str | None]:
    """Take a 'Source: title (url)' line printed just above a figure, if any."""
    j = len(out) - 1
    while j >= 0 and not out[j].strip():
        j -= 1
    m = _CITED_SOURCE_RE.match(out[j].strip()) if j >= 0 else None
    if not m:
        return None, None
    del out[j:]
    return m.group(1), m.group(2)


def _normalize_line(line: str) -> str:
    """Fix converter artefacts on one line (headings, bullets, bare URLs)."""
    if _HEADING_RE.match(line):
        return _subheading(line)
    line = re.sub(r"^(\s*)•\s*", r"\1- ", line)
    # "- 1. **Label:** text": the converter put numbered items inside a bullet.
    line = _NUMBERED_BULLET_RE.sub(r"\1\2", line)
    return _BARE_URL_RE.sub(lambda m: _autolink(m.group(0)), line)


def _subheading(line: str) -> str:
    """Render a heading found inside an answer below the question's level.

    ``## ### Architecture ...:`` -> ``#### Architecture ...:``; headings that
    were bullets in the PDF (``#### - GPT:``) become bold paragraphs so they
    sit visually under the preceding sub-heading.
    """
    text = _HEADING_RE.match(line).group(2)
    text = re.sub(r"^(?:#+\s*)+", "", text).replace("**", "").strip()
    bullet = re.match(r"^[-–•]\s+(.*)$", text)
    if bullet:
        return f"**{bullet.group(1)}**"
    return f"#### {text}"


def _autolink(url: str) -> str:
    trail = re.search(r"[.,;:]+$", url)
    if trail:
        return f"<{url[:trail.start()]}>{trail.group(0)}"
    return f"<{url}>"


def _join_page_breaks(lines: list[str]) -> list[str]:
    """Re-join sentences split by a PDF page break.

    A text line ending mid-sentence (lower-case letter or comma) followed,
    after blank lines, by a line starting in lower case (sometimes behind a
    spurious "- " bullet) is one sentence: "... and the" / "discriminator ...".
    """
    lines = list(lines)
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = _next_nonblank(lines, i + 1)
        cont = re.match(r"^\s*(?:[-*]\s+)?([a-z].*)$", lines[nxt]) if nxt is not None else None
        if (
            cont
            and nxt > i + 1
            and re.search(r"[a-z,]$", line)
            and not line.lstrip().startswith(("#", "|"))
        ):
            lines[nxt] = f"{line} {cont.group(1)}"
            i = nxt
            continue
        out.append(line)
        i += 1
    return out


def _plain(text: str) -> str:
    """Markdown inline text -> plain text (escapes, emphasis, backticks removed)."""
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text)
    text = text.replace("*", "").replace("`", "")
    return re.sub(r"\s+", " ", text).strip()
