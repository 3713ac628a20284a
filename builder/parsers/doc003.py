"""Parser for document 003 ("Generative AI Interview Questions", Md Arbaaz Khan).

The source is a PDF text dump.  Pipeline and the rules behind it:

1. Chunks (`_dechunk`).  ``---`` lines split the dump into chunks whose edges
   overlap: the text before a separator is repeated after it by a variable
   amount, cut mid-word.  Each chunk is whitespace-collapsed and the longest
   prefix that is also a suffix of the text so far is dropped.  Whitespace runs
   spanning 3+ line breaks are kept as paragraph hints (`_BREAK`).
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
5. Answers (`_answer`).  Hints restore what the dump flattened (code blocks,
   tables, headings glued to the next sentence, list items printed without
   glyphs) and are checked against the text, so they can move words but never
   add or drop any.  "Formula:" labels whose formula image is lost are removed
   and recorded as figures.
6. Markdown (`_blocks`, `_render`).  Bullet glyphs (❖ ➢ ➔ ○ ● ■ ◆ ★) and "1."
   numbers become nested Markdown lists (`_ListState`), short "Title:" lead-ins
   and headings become bold, ``\\( \\)`` math becomes ``$ $``.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .base import Figure, Occurrence, ParseError, fix_ligatures, line_of


_BREAK = "\n"  # paragraph hint inside the flattened text
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
    """Collapse whitespace runs of one chunk to ' ' (or _BREAK for 3+ newlines)."""
    text: list[str] = []
    offs: list[int] = []
    for m in re.finditer(r"(\S+)|(\s+)", raw):
        if m.group(1):
            text.append(m.group(1))
            offs.extend(range(base + m.start(), base + m.end()))
        else:
            text.append(_BREAK if m.group(2).count("\n") >= 3 else " ")
            offs.append(base + m.start())
    mapped = _Mapped("".join(text), offs)
    start = len(mapped.text) - len(mapped.text.lstrip())
    end = len(mapped.text.rstrip())
    return mapped[start:end]


def _overlap(prev: str, nxt: str) -> int:
    """Length of the longest prefix of `nxt` that is a suffix of `prev`."""
    prev, nxt = prev.replace(_BREAK, " "), nxt.replace(_BREAK, " ")
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
_GLYPHS = "❖➢➔○●■◆★•"
_HINT_BULLET = "•"  # not used by the document; the hints file's "items" become these bullets
_STARTS_BLOCK_RE = re.compile(rf"[{_GLYPHS}]|\d{{1,2}}\.\s|Q\d+\.")


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
        return _BREAK
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
    flat = flat.sub(re.compile(r" ?\n\s*"), _BREAK)
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


@dataclass
class _Question:
    number: str
    section: str | None
    question: str
    answer: str  # cleaned flat text (paragraph hints as _BREAK)
    offset: int  # raw offset of the ``Q<n>.`` marker


def _question_hints(hints: dict) -> dict[tuple[str, str], list[str]]:
    """(section, number) -> exact question texts printed there (whitespace collapsed)."""
    table: dict[tuple[str, str], list[str]] = {}
    for entry in hints.get("questions", []):
        key = (entry["section"], entry["number"])
        table.setdefault(key, []).append(" ".join(entry["question"].split()))
    return table


def _split_questions(stream: _Mapped, chapters: list[tuple[int, str]], hints: dict,
                     document: str, raw: str) -> list[_Question]:
    """Cut the stream at every ``Q<n>.`` marker and separate question from answer."""
    texts = _question_hints(hints)
    used: set[tuple[str, str, str]] = set()
    markers = list(_QUESTION_RE.finditer(stream.text))
    result: list[_Question] = []
    for i, m in enumerate(markers):
        end = markers[i + 1].start() if i + 1 < len(markers) else len(stream.text)
        body = stream.text[m.end():end].replace(_BREAK, " ").strip()
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
        result.append(_Question(number, section, question, answer, offset))
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


# --------------------------------------------------------------------------
# Answer preprocessing driven by the hints file: code, tables, headings.
# The dump flattened code and tables into running words and glued headings to
# the following sentence; the hints give their layout, and the parser checks
# that the hinted layout holds exactly the printed words (nothing invented).
# --------------------------------------------------------------------------
_SPECIAL = "\x00"  # token prefix: placeholder for a code block or table
_HEADING = "\x01"  # token marking the next paragraph as a heading
_BOLD_ON, _BOLD_OFF = "\x02", "\x03"  # tokens around a heading that opens a list item


def _phrase_re(phrase: str) -> str:
    """Regex matching `phrase` with any whitespace between its words."""
    return r"(?<!\S)" + r"\s+".join(re.escape(w) for w in phrase.split()) + r"(?!\S)"


def _answer_hints(hints: dict, q: "_Question") -> dict:
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
        text = f"{text[:m.start()]} {_SPECIAL}{len(specials) - 1}\n{text[m.end():]}"
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
        text = f"{text[:m.start()]}\n{_SPECIAL}{len(specials) - 1}\n{text[end:]}"
    return text


def _sentence_start(phrase: str) -> str:
    """Regex for `phrase` starting the text, a paragraph, a sentence (after . ? ! :) or an item."""
    after = r"(?:(?<=[.?!:\n%s])|(?<=[.?!][\"”’)]))" % _GLYPHS
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
        if before and (before[-1] in _GLYPHS or _NUM_RE.match(before[-1])):
            text = f"{text[:m.start()]} {_BOLD_ON} {heading} {_BOLD_OFF} {text[m.end():]}"
        else:
            text = f"{text[:m.start()]}\n{_HEADING} {heading}\n{text[m.end():]}"
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
        block = re.split(r"[\n%s]|\b\d{1,2}\.\s" % _GLYPHS, text[:m.start()].rstrip())[-1].strip()
        lead = _lead_in(block)
        name = block if _is_title(block.split(), 8) else lead[0].rstrip(":") if lead else ""
        captions.append(f"Formula: {name}" if name else "Formula")
        return " "
    return _FORMULA_RE.sub(drop, text), captions


# --------------------------------------------------------------------------
# Answer text -> blocks (paragraphs, list items, code, tables).
# --------------------------------------------------------------------------
_NUM_RE = re.compile(r"^(\d{1,2})\.$")
# Words a Title Case heading may keep in lower case.
_SMALL_WORDS = {"a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "into",
                "is", "of", "on", "or", "the", "to", "vs", "vs.", "with", "&", "-", "–", "—"}


@dataclass
class _Block:
    """A paragraph (depth None), a list item at `depth`, or a code block/table."""

    words: list[str]
    depth: int | None = None
    marker: str = ""  # "-" or "3." for list items
    heading: bool = False  # a hinted heading paragraph
    special: int | None = None  # index into the code/table list
    restart: bool = False  # "1." right after items of the same numbered list


def _is_title(words: list[str], max_words: int = 10) -> bool:
    """Title Case phrase: every word but small words starts upper case or a digit."""
    words = [w for w in words if w.strip(":")]
    if not words or len(words) > max_words:
        return False
    if words[-1].endswith((".", "?", "!", ",", ";")):
        return False
    first = [w.lstrip("\"“'")[:1] for w in words
             if w.lower().strip(":") not in _SMALL_WORDS and not w.startswith("(")]
    return bool(first) and all(c.isupper() or c.isdigit() for c in first)


class _ListState:
    """Open list levels: a bullet glyph, or "#" with its last number.

    A glyph already open continues its level (closing deeper ones); a new glyph
    opens a deeper level.  "k." continues the nearest numbered level whose last
    number is k-1; "1." restarts a numbered level on top of the stack or opens
    a deeper one under a bullet.
    """

    def __init__(self) -> None:
        self.levels: list[list] = []  # [kind, last_number]
        self.restarted = False  # set when "1." restarted the innermost numbered list

    def reset(self) -> None:
        self.levels = []

    def glyph(self, g: str, after_colon: bool = False) -> int:
        """Depth for an item with glyph `g`.

        `after_colon`: the previous item ends with ":" and so announces children;
        a glyph open at a shallower level then opens a child level instead (the
        PDF reuses a glyph for a third level, e.g. ● ■ ●).
        """
        for i in range(len(self.levels) - 1, -1, -1):
            if self.levels[i][0] == g:
                if after_colon and i < len(self.levels) - 1:
                    break
                del self.levels[i + 1:]
                return i
        self.levels.append([g, 0])
        return len(self.levels) - 1

    def number(self, k: int) -> int | None:
        """Depth for item "k.", or None when "k." continues no open list."""
        for i in range(len(self.levels) - 1, -1, -1):
            if self.levels[i][0] == "#" and self.levels[i][1] == k - 1:
                del self.levels[i + 1:]
                self.levels[i][1] = k
                return i
        if self.levels and self.levels[-1][0] == "#" and k == 1:
            self.levels[-1][1] = 1
            self.restarted = True
            return len(self.levels) - 1
        if self.levels and k != 1:
            return None
        self.levels.append(["#", k])
        return len(self.levels) - 1


class _BlockBuilder:
    """Groups the tokens of an answer into blocks.

    Bullet glyphs and "k." numbers followed by a capitalised word start list
    items; a paragraph break ends the current item or paragraph, and text after
    it starts a new top-level paragraph (closing all lists).
    """

    def __init__(self) -> None:
        self.blocks: list[_Block] = []
        self.state = _ListState()
        self.current: _Block | None = None
        self.heading_next = False

    def start(self, depth: int | None, marker: str = "") -> None:
        self.current = _Block([], depth, marker, heading=self.heading_next and depth is None)
        self.heading_next = False
        self.blocks.append(self.current)

    def word(self, tok: str) -> None:
        if self.current is None:
            self.state.reset()
            self.start(None)
        self.current.words.append(tok)

    def glyph(self, tok: str) -> None:
        self._split_heading()
        announces = (self.current is not None and self.current.depth is not None
                     and bool(self.current.words) and self.current.words[-1].endswith(":"))
        self.start(self.state.glyph(tok, announces), "-")

    def number(self, tok: str, k: int) -> None:
        self._split_heading()
        depth = self.state.number(k)
        if depth is None and self.current is None:  # after a paragraph break: a new list
            self.state.reset()
            depth = self.state.number(k)
        if depth is None:  # "k." that continues no open list: plain text
            self.word(tok)
        else:
            self.start(depth, tok)
            self.current.restart, self.state.restarted = self.state.restarted, False

    def special(self, index: int, kind: str) -> None:
        """A code block or table; code stays inside the open list item, a table closes all lists."""
        in_item = self.current is not None and self.current.depth is not None
        if kind == "table" or not in_item:
            self.state.reset()
        depth = self.current.depth if kind == "code" and in_item else None
        self.blocks.append(_Block([], depth, special=index))
        self.current = None

    def paragraph_break(self) -> None:
        if self.current is not None and self.current.words:
            self.current = None

    def heading(self) -> None:
        """The next words form a (hinted) heading paragraph."""
        self.current = None
        self.heading_next = True

    def _split_heading(self) -> None:
        """Move a Title Case phrase that ends the current block before a list into its own block.

        The PDF printed headings like "Limitations of RNNs" on their own line;
        the dump glues them to the previous sentence ("...inputs. Limitations of
        RNNs 1. Vanishing ...").  Only a phrase after a sentence end qualifies.
        """
        if self.current is None:
            return
        words = self.current.words
        cut = max((j + 1 for j, w in enumerate(words[:-1]) if w.endswith((".", "?", "!", ":"))), default=0)
        if cut == 0 or not words[cut][:1].isupper() or not _is_title(words[cut:], max_words=8):
            return
        self.blocks.append(_Block(words[cut:]))
        del words[cut:]
        self.state.reset()
        self.current = None


def _blocks(text: str, specials: list) -> list[_Block]:
    """Split an answer's text into blocks."""
    tokens = re.findall(r"\n|\S+", text)
    builder = _BlockBuilder()
    for i, tok in enumerate(tokens):
        nxt = next((t for t in tokens[i + 1:] if t != _BREAK), "")
        num = _NUM_RE.match(tok)
        if tok == _BREAK:
            builder.paragraph_break()
        elif tok == _HEADING:
            builder.heading()
        elif tok.startswith(_SPECIAL):
            index = int(tok[1:])
            builder.special(index, specials[index][0])
        elif len(tok) == 1 and tok in _GLYPHS:
            builder.glyph(tok)
        elif num and (nxt[:1].isupper() or nxt[:1] in "\"“(" + _BOLD_ON):
            builder.number(tok, int(num.group(1)))
        else:
            builder.word(tok)
    return [b for b in builder.blocks if b.words or b.special is not None]


# --------------------------------------------------------------------------
# Blocks -> Markdown.
# --------------------------------------------------------------------------
_CODE_SPAN_OR_MATH_RE = re.compile(r"(`[^`]+`|\\\(.+?\\\)|\\\[.+?\\\])")


def _inline(text: str) -> str:
    """Inline Markdown for printed text.

    Escapes * ` < $ \\ and _ at word edges (the other Markdown characters cannot
    start markup inside a line here), keeps `code spans`, turns \\( \\) math
    into $ $ and \\[ \\] into $$ $$.
    """
    out = []
    for k, part in enumerate(_CODE_SPAN_OR_MATH_RE.split(text)):
        if k % 2 == 1:
            if part.startswith("\\("):
                part = "$" + part[2:-2].strip() + "$"
            elif part.startswith("\\["):
                part = "$$" + part[2:-2].strip() + "$$"
            out.append(part)
            continue
        part = part.replace("\\", "\\\\")
        part = re.sub(r"([*`<$])", r"\\\1", part)
        part = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", part)
        out.append(part)
    return "".join(out)


def _text(words: list[str]) -> str:
    """Join words; drop the space the dump put before , . ; : (e.g. "models , so")."""
    return re.sub(r" ([,.;:])(?=\s|$)", r"\1", " ".join(words))


def _lead_in(text: str) -> tuple[str, str] | None:
    """Split a short "Title: rest" lead-in (at most 10 words, no sentence inside)."""
    m = re.match(r"((?:e\.g\.|i\.e\.|vs\.|[^.?!:;]){1,80}?):(?:\s|$)", text)
    if not m or len(m.group(1).split()) > 10 or m.group(1).count("(") != m.group(1).count(")"):
        return None
    return m.group(1).strip() + ":", text[m.end():].strip()


def _format_text(block: _Block, has_children: bool) -> str:
    """Inline Markdown of a paragraph or item: bold headings and "Title:" lead-ins."""
    if block.words[0] == _BOLD_ON:
        end = block.words.index(_BOLD_OFF)
        head, rest = _inline(_text(block.words[1:end])), _text(block.words[end + 1:])
        lead = _lead_in(rest)
        if lead and lead[1]:  # a sub-label after the heading: italic, to tell them apart
            return f"**{head}** *{_inline(lead[0])}* {_inline(lead[1])}"
        return f"**{head}** {_inline(rest)}".rstrip()
    text = _text(block.words)
    if block.heading:
        return f"**{_inline(text)}**"
    lead = _lead_in(text)
    # Items take any short lead-in; paragraphs only Title Case ones ("Ethical
    # Concern: ..."), not sentences that introduce what follows.
    if lead and (lead[1] if block.depth is not None else True) and (
            block.depth is not None or _is_title(lead[0].split())):
        head, rest = lead
        return f"**{_inline(head)}** {_inline(rest)}".rstrip()
    if _is_title(block.words) and (block.depth is None or has_children):
        return f"**{_inline(text)}**"
    text = _inline(text)
    if block.depth is None and re.match(r"(#|>|[-+*]\s|\d+[.)]\s)", text):
        text = "\\" + text
    return text


def _format_special(special: tuple, indent: int) -> list[str]:
    pad = " " * indent
    if special[0] == "code":
        _, language, code = special
        return [pad + "```" + language] + [(pad + ln).rstrip() for ln in code.split("\n")] + [pad + "```"]
    rows = special[1]
    cells = [[_inline(c).replace("|", "\\|") for c in row] for row in rows]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
    lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return [pad + ln for ln in lines]


def _render(blocks: list[_Block], specials: list) -> str:
    """Markdown for the blocks.

    Blank lines separate paragraphs, lists and tables; list items are tight;
    nested items (and code inside an item) are indented to the parent item's
    content column, as CommonMark requires.
    """
    lines: list[str] = []
    content_col: list[int] = []  # content column of the open item at each depth
    open_kind: dict[int, str] = {}  # "-", "." or ")": the list open at each depth
    prev: _Block | None = None
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if block.special is not None:
            if block.depth is None:
                content_col, open_kind = [], {}
                if lines:
                    lines.append("")
                lines += _format_special(specials[block.special], 0)
            else:
                lines += _format_special(specials[block.special], content_col[block.depth])
            prev = block
            continue
        has_children = bool(nxt and nxt.depth is not None and block.depth is not None
                            and nxt.depth > block.depth)
        text = _format_text(block, has_children)
        if block.depth is None:
            if lines:
                lines.append("")
            lines.append(text)
            content_col, open_kind = [], {}
        else:
            lines += _list_item(block, text, content_col, open_kind, prev)
        prev = block
    return "\n".join(lines).strip("\n")


def _list_item(block: _Block, text: str, content_col: list[int], open_kind: dict, prev) -> list[str]:
    """Lines for one list item (updates the open-list bookkeeping)."""
    depth = block.depth
    indent = content_col[depth - 1] if depth > 0 else 0
    del content_col[depth:]
    for d in [d for d in open_kind if d > depth]:
        del open_kind[d]
    lines: list[str] = []
    if prev is None or prev.depth is None:
        lines.append("")  # a list after a paragraph or table
    if block.marker == "-":
        kind = "-"
    elif block.restart:
        # CommonMark ignores the numbers after a list's first item: a list
        # restarting at 1 needs the other delimiter to become a new list.
        kind = ")" if open_kind.get(depth) == "." else "."
    else:
        kind = open_kind.get(depth) if open_kind.get(depth) in (".", ")") else "."
    starts_list = open_kind.get(depth) != kind or block.restart
    if starts_list and kind != "-" and block.marker != "1." and not lines:
        # An ordered list starting at k > 1 cannot interrupt a paragraph: without
        # a blank line it would be read as a continuation of the previous item.
        lines.append("")
    open_kind[depth] = kind
    marker = block.marker if kind == "-" else block.marker[:-1] + kind
    content_col.append(indent + len(marker) + 1)
    return lines + [" " * indent + f"{marker} {text}"]


# --------------------------------------------------------------------------
# Entry point.
# --------------------------------------------------------------------------
def _answer(q: _Question, hints: dict, chapter_no: int) -> tuple[str, list[Figure]]:
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
    text = _apply_breaks(text, h.get("paragraphs", []), _BREAK, "paragraph", where)
    text = _apply_headings(text, h.get("headings", []), where)
    text = _apply_breaks(text, h.get("items", []), f" {_HINT_BULLET} ", "item", where)
    text = _CONCLUSION_RE.sub(_BREAK, text)
    text, captions = _strip_formula_labels(text)
    figures = [
        Figure(ref=f"003_ch{chapter_no}_{q.number.lower()}_fig{k}", caption=caption)
        for k, caption in enumerate(captions, 1)
    ]
    return _render(_blocks(text, specials), specials), figures


def _check_answer_hints(hints: dict, questions: list[_Question], document: str) -> None:
    """Every ``answers`` hint entry must name a question of the document."""
    for entry in hints.get("answers", []):
        if not any((q.section, q.number) == (entry["section"], entry["number"])
                   and q.question.startswith(entry.get("question", "")) for q in questions):
            raise ParseError(document, None, f"answer hint for a missing question: "
                                             f"{entry['section']} {entry['number']}")


def parse(text: str, document: str, hints: dict | None = None) -> list[Occurrence]:
    """Split document 003 into one Occurrence per printed ``Q<n>.`` question; `hints` are the
    document's parse hints (decks/parse_hints/003.yaml, named in decks/documents.yaml)."""
    stream, chapters = _clean_stream(text, document)
    hints = hints or {}
    questions = _split_questions(stream, chapters, hints, document, text)
    titles = [title for _, title in chapters]
    _check_answer_hints(hints, questions, document)
    result = []
    for q in questions:
        line = line_of(text, q.offset)
        try:
            answer_md, figures = _answer(q, hints, titles.index(q.section) + 1)
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
