"""Parser for document 003 ("Generative AI Interview Questions", Md Arbaaz Khan).

The source is a PDF text dump.  Pipeline and the rules behind it:

1. Chunks (`_dechunk`).  ``---`` lines split the dump into chunks whose edges
   overlap: the text before a separator is repeated after it by a variable
   amount, cut mid-word.  Each chunk is whitespace-collapsed and the longest
   prefix that is also a suffix of the text so far is dropped.  Whitespace runs
   spanning 3+ line breaks are kept as paragraph hints (`BREAK`).
2. Pages (`_strip_pages`).  Page headers ``MD ARBAAZ KHAN ... Generative AI
   Interview Questions N`` are removed wherever they fall, rejoining the
   sentence.  A page holding nothing but a short title is a chapter title page:
   the title becomes the `section` of the questions that follow (numbering
   restarts at Q1 in every chapter) and never reaches an answer.  The cover
   page before the first chapter is dropped.
3. Clean-up.  Lorem-ipsum filler runs are removed (`_remove_filler`), PDF
   ligatures become letters, invisible characters are dropped.
4. Questions (`_split_questions`).  Every ``Q<n>.`` starts an occurrence.  The
   dump does not mark where the question ends: the default rule takes the
   first sentence, plus a following "?" sentence ("Explain X. How does Y?"),
   plus any further "?" sentences; the exceptions are listed as exact question
   texts in ``decks/parse_hints/003.yaml``.
5. Answers (`parse_answer`).  Hints restore what the dump flattened (code blocks,
   tables, headings glued to the next sentence, list items printed without
   glyphs) and are checked against the text, so they can move words but never
   add or drop any.  "Formula:" labels whose formula image is lost are removed
   and recorded as figures.
6. Markdown (`to_blocks`, `render_markdown`).  Bullet glyphs (❖ ➢ ➔ ○ ● ■ ◆ ★) and "1."
   numbers become nested Markdown lists (`_ListState`), short "Title:" lead-ins
   and headings become bold, ``\\( \\)`` math becomes ``$ $``.

Steps 1-4 are here; step 5 is doc003_answer.py, step 6 doc003_markdown.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .base import Occurrence, ParseError, fix_ligatures, line_of
from .doc003_answer import Question, check_answer_hints, parse_answer
from .doc003_markdown import BREAK, GLYPHS


_MAX_OVERLAP = 400
_HEADER_RE = re.compile(
    r"M\s*D\s*A\s*R\s*B\s*A\s*A\s*Z\s*K\s*H\s*A\s*N\s*G\s*e\s*n\s*e\s*r\s*a\s*t\s*i\s*v\s*e\s*"
    r"A\s*I\s*I\s*n\s*t\s*e\s*r\s*v\s*i\s*e\s*w\s*Q\s*u\s*e\s*s\s*t\s*i\s*o\s*n\s*s\s*\d+"
)
_QUESTION_RE = re.compile(r"(?<![^\s])Q(\d+)\.")
# A chapter title page: short text, no sentence punctuation, alone between two headers.
_CHAPTER_MAX_LEN = 80


# --------------------------------------------------------------------------
# Text with a map back to the raw file (needed for `Occurrence.line`).
# --------------------------------------------------------------------------
@dataclass
class _Mapped:
    """A string plus, for every character, its offset in the raw file."""

    text: str
    offs: list[int]

    def sub(self, pattern: re.Pattern, repl) -> "_Mapped":
        """re.sub that keeps the offset map (replacement chars map to the match start)."""
        parts: list[str] = []
        offs: list[int] = []
        pos = 0
        for m in pattern.finditer(self.text):
            parts.append(self.text[pos:m.start()])
            offs.extend(self.offs[pos:m.start()])
            new = repl(m) if callable(repl) else repl
            parts.append(new)
            offs.extend([self.offs[m.start()] if m.start() < len(self.offs) else self.offs[-1]] * len(new))
            pos = m.end()
        parts.append(self.text[pos:])
        offs.extend(self.offs[pos:])
        return _Mapped("".join(parts), offs)

    def __getitem__(self, sl: slice) -> "_Mapped":
        return _Mapped(self.text[sl], self.offs[sl])


def _collapse_chunk(raw: str, base: int) -> _Mapped:
    """Collapse whitespace runs of one chunk to ' ' (or BREAK for 3+ newlines)."""
    text: list[str] = []
    offs: list[int] = []
    for m in re.finditer(r"(\S+)|(\s+)", raw):
        if m.group(1):
            text.append(m.group(1))
            offs.extend(range(base + m.start(), base + m.end()))
        else:
            text.append(BREAK if m.group(2).count("\n") >= 3 else " ")
            offs.append(base + m.start())
    mapped = _Mapped("".join(text), offs)
    start = len(mapped.text) - len(mapped.text.lstrip())
    end = len(mapped.text.rstrip())
    return mapped[start:end]


def _overlap(prev: str, nxt: str) -> int:
    """Length of the longest prefix of `nxt` that is a suffix of `prev`."""
    prev, nxt = prev.replace(BREAK, " "), nxt.replace(BREAK, " ")
    for k in range(min(_MAX_OVERLAP, len(nxt), len(prev)), 0, -1):
        if prev.endswith(nxt[:k]):
            return k
    return 0


def _chunk_spans(raw: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the chunks between ``---`` separator lines."""
    spans, start = [], 0
    for m in re.finditer(r"^---$", raw, re.M):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(raw)))
    return spans


def _dechunk(raw: str) -> _Mapped:
    """Join the ``---``-separated chunks, dropping the text each chunk repeats."""
    text: list[str] = []
    offs: list[int] = []
    tail = ""  # last _MAX_OVERLAP chars of the joined text
    for start, end in _chunk_spans(raw):
        chunk = _collapse_chunk(raw[start:end], start)
        if not chunk.text:
            continue
        k = _overlap(tail, chunk.text)
        if text and k == 0:
            text.append(" ")
            offs.append(chunk.offs[0])
        text.append(chunk.text[k:])
        offs.extend(chunk.offs[k:])
        tail = (tail + (" " if k == 0 else "") + chunk.text[k:])[-_MAX_OVERLAP:]
    return _Mapped("".join(text), offs)


# --------------------------------------------------------------------------
# Page headers, chapter title pages, filler, odd characters.
# --------------------------------------------------------------------------
_PAGE = "\f"  # marks where a page header was removed
_STARTS_BLOCK_RE = re.compile(rf"[{GLYPHS}]|\d{{1,2}}\.\s|Q\d+\.")


def _join_kind(before: str, after: str) -> str:
    """Whitespace to put where a page header or a paragraph hint was.

    A page break falls anywhere, also mid-sentence: keep a paragraph break only
    when the text before ends a sentence (not a "Label:" whose text follows) or
    the text after starts a list item, and the text after is not lower case.
    """
    before, after = before.rstrip(), after.lstrip()
    if not after or after[0].islower():
        return " "
    if before.endswith((".", "?", "!")) or _STARTS_BLOCK_RE.match(after):
        return BREAK
    return " "


def _strip_pages(flat: _Mapped) -> tuple[_Mapped, list[tuple[int, str]]]:
    """Remove page headers; return the text and the chapter titles (offset, title).

    A chapter title page holds only a short title between two headers; the
    title is taken out of the text (it must not end up in an answer).
    """
    flat = flat.sub(re.compile(r"\s*" + _HEADER_RE.pattern + r"\s*"), _PAGE)
    chapters: list[tuple[int, str]] = []
    page_re = re.compile(rf"{_PAGE}([^{_PAGE}]{{1,{_CHAPTER_MAX_LEN}}}){_PAGE}")

    def title(m: re.Match) -> str:
        body = m.group(1).strip()
        if not body or re.search(r"[.?!]|Q\d+\.", body):
            return m.group(0)  # an ordinary short page, not a title page
        chapters.append((flat.offs[m.start(1)], fix_ligatures(re.sub(r"\s+", " ", body))))
        return _PAGE
    flat = flat.sub(page_re, title)
    text = flat.text
    out = flat.sub(
        re.compile(rf"\s*{_PAGE}[\s{_PAGE}]*"),
        lambda m: _join_kind(text[:m.start()][-3:], text[m.end():m.end() + 4]),
    )
    return out, chapters


# The classic lorem-ipsum vocabulary.  Words that are also English (or too short
# to be telling) may sit inside a filler run but never start or end one.
_LOREM_WORDS = set(
    """lorem ipsum dolor sit amet consectetuer consectetur adipiscing elit sed diam
    nonummy nibh euismod tincidunt ut laoreet dolore magna aliquam erat volutpat wisi
    enim ad minim veniam quis nostrud exerci tation ullamcorper suscipit lobortis nisl
    aliquip ex ea commodo consequat duis autem vel eum iriure in hendrerit vulputate
    velit esse molestie illum eu feugiat nulla facilisis at vero eros et accumsan
    iusto odio dignissim qui blandit praesent luptatum zzril delenit augue te feugait
    facilisi nam liber tempor cum soluta nobis eleifend option congue nihil imperdiet
    doming id quod mazim placerat facer possim assum do eiusmod incididunt labore
    exercitation ullamco laboris nisi reprehenderit voluptate cillum fugiat pariatur
    excepteur sint occaecat cupidatat non proident sunt culpa officia deserunt mollit
    anim est laborum""".split()
)
_LOREM_WEAK = {"a", "ad", "at", "cum", "do", "ea", "est", "et", "eu", "ex", "id", "in",
               "non", "option", "qui", "quis", "quod", "sed", "sit", "te", "ut", "vel"}
_LOREM_GLUED_RE = re.compile(
    r"(?<=[a-z][.,;!?])(?=(?:%s)\b)" % "|".join(sorted(_LOREM_WORDS - _LOREM_WEAK)), re.I
)


def _remove_filler(flat: _Mapped) -> _Mapped:
    """Remove lorem-ipsum runs (2+ distinctive filler words), also glued after a '.'."""
    flat = flat.sub(_LOREM_GLUED_RE, " ")
    words = list(re.finditer(r"\S+", flat.text))
    bare = [w.group().strip(".,;:!?").lower() for w in words]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and bare[j] in _LOREM_WORDS:
            j += 1
        run = [k for k in range(i, j) if bare[k] not in _LOREM_WEAK]
        if len(run) >= 2:
            spans.append((words[run[0]].start(), words[run[-1]].end()))
        i = max(j, i + 1)
    for start, end in reversed(spans):
        flat = _Mapped(flat.text[:start] + flat.text[end:], flat.offs[:start] + flat.offs[end:])
    return flat.sub(re.compile(r"[ ]{2,}"), " ")


_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_LIGATURE_RE = re.compile("[\ufb00-\ufb06]")


def _normalize_chars(flat: _Mapped, document: str, raw: str) -> _Mapped:
    """Ligatures to letters, drop invisible characters; refuse unknown glyphs."""
    flat = flat.sub(_LIGATURE_RE, lambda m: fix_ligatures(m.group()))
    flat = flat.sub(_INVISIBLE_RE, "")
    odd = re.search(r"[\ue000-\uf8ff]", flat.text)
    if odd:
        raise ParseError(document, line_of(raw, flat.offs[odd.start()]), "private-use glyph in text")
    return flat


def _clean_stream(raw: str, document: str) -> tuple[_Mapped, list[tuple[int, str]]]:
    """The whole document as one cleaned string (offset-mapped) plus chapter titles."""
    flat = _dechunk(raw)
    flat, chapters = _strip_pages(flat)
    # A paragraph hint followed by lower case is a line wrap inside a sentence.
    flat = flat.sub(re.compile(r" ?\n\s*(?=[a-z])"), " ")
    flat = flat.sub(re.compile(r" ?\n\s*"), BREAK)
    flat = _remove_filler(flat)
    return _normalize_chars(flat, document, raw), chapters


# --------------------------------------------------------------------------
# Splitting into questions.
# --------------------------------------------------------------------------
_SENTENCE_END_RE = re.compile(
    # . ? ! followed by a space ends a sentence, except in "e.g." "i.e." "vs.";
    # a parenthesis glued after "?" ("...parameters?(training pipeline of llm)")
    # is the author's note on the question and stays with it.
    r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)[.?!](?:\([^)]*\))?(?=\s|$)"
)


def _default_question_end(body: str) -> int:
    """End of the question text in `body` (the text after the ``Q<n>.`` marker).

    Rule: the first sentence; if it is a statement and the second sentence is a
    question ("Explain X. How does Y?"), the first two; then any following
    sentences that also end in "?" ("What is X? Give me Y?").
    Exceptions are listed as exact question texts in the hints file.
    """
    ends = [(m.end(), m.group().startswith("?")) for m in _SENTENCE_END_RE.finditer(body)]
    if not ends:
        return len(body)
    k = 0
    if not ends[0][1] and len(ends) > 1 and ends[1][1]:
        k = 1
    while k + 1 < len(ends) and ends[k][1] and ends[k + 1][1]:
        k += 1
    return ends[k][0]


def _question_hints(hints: dict) -> dict[tuple[str, str], list[str]]:
    """(section, number) -> exact question texts printed there (whitespace collapsed)."""
    table: dict[tuple[str, str], list[str]] = {}
    for entry in hints.get("questions", []):
        key = (entry["section"], entry["number"])
        table.setdefault(key, []).append(" ".join(entry["question"].split()))
    return table


def _split_questions(stream: _Mapped, chapters: list[tuple[int, str]], hints: dict,
                     document: str, raw: str) -> list[Question]:
    """Cut the stream at every ``Q<n>.`` marker and separate question from answer."""
    texts = _question_hints(hints)
    used: set[tuple[str, str, str]] = set()
    markers = list(_QUESTION_RE.finditer(stream.text))
    result: list[Question] = []
    for i, m in enumerate(markers):
        end = markers[i + 1].start() if i + 1 < len(markers) else len(stream.text)
        body = stream.text[m.end():end].replace(BREAK, " ").strip()
        body = re.sub(r"\s+", " ", body)
        offset = stream.offs[m.start()]
        section = None
        for chap_offset, title in chapters:
            if chap_offset < offset:
                section = title
        number = "Q" + m.group(1)
        line = line_of(raw, offset)
        hinted = [q for q in texts.get((section, number), []) if body.startswith(q)]
        if hinted:
            qlen = len(hinted[0])
            used.add((section, number, hinted[0]))
        else:
            qlen = _default_question_end(body)
        question = body[:qlen].strip()
        answer = _answer_slice(stream.text[m.end():end], question)
        if not question or not answer.strip():
            raise ParseError(document, line, f"empty question or answer at {number}")
        result.append(Question(number, section, question, answer, offset))
    unused = [(s, n) for (s, n), qs in texts.items() for q in qs if (s, n, q) not in used]
    if unused:
        raise ParseError(document, None, f"question hints not used: {unused}")
    return result


def _answer_slice(chunk: str, question: str) -> str:
    """The part of `chunk` after the question text, keeping the paragraph hints.

    `question` is `chunk`'s start with whitespace collapsed, so it always matches.
    """
    pattern = r"\s*".join(re.escape(w) for w in question.split())
    return chunk[re.match(r"\s*" + pattern, chunk).end():].strip()


def parse(text: str, document: str, hints: dict | None = None) -> list[Occurrence]:
    """Split document 003 into one Occurrence per printed ``Q<n>.`` question; `hints` are the
    document's parse hints (decks/parse_hints/003.yaml, named in decks/documents.yaml)."""
    stream, chapters = _clean_stream(text, document)
    hints = hints or {}
    questions = _split_questions(stream, chapters, hints, document, text)
    titles = [title for _, title in chapters]
    check_answer_hints(hints, questions, document)
    result = []
    for q in questions:
        line = line_of(text, q.offset)
        try:
            answer_md, figures = parse_answer(q, hints, titles.index(q.section) + 1)
        except ValueError as exc:
            raise ParseError(document, line, str(exc)) from None
        result.append(Occurrence(
            document=document,
            number=q.number,
            section=q.section,
            question=q.question,
            answer_md=answer_md,
            line=line,
            figures=figures,
        ))
    return result
