"""Document 003, step 6: an answer's flattened text (with the tokens below) -> blocks -> Markdown.

Bullet glyphs and "1." numbers become nested Markdown lists (`_ListState`), short "Title:"
lead-ins and headings become bold, ``\\( \\)`` math becomes ``$ $`` (see doc003.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Tokens inside the flattened text, shared by the cleaning (doc003.py) and the answer steps.
BREAK = "\n"  # paragraph hint inside the flattened text
GLYPHS = "❖➢➔○●■◆★•"
HINT_BULLET = "•"  # not used by the document; the hints file's "items" become these bullets
SPECIAL = "\x00"  # token prefix: placeholder for a code block or table
HEADING = "\x01"  # token marking the next paragraph as a heading
BOLD_ON, BOLD_OFF = "\x02", "\x03"  # tokens around a heading that opens a list item


# --------------------------------------------------------------------------
# Answer text -> blocks (paragraphs, list items, code, tables).
# --------------------------------------------------------------------------
NUM_RE = re.compile(r"^(\d{1,2})\.$")
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


def is_title(words: list[str], max_words: int = 10) -> bool:
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
        if cut == 0 or not words[cut][:1].isupper() or not is_title(words[cut:], max_words=8):
            return
        self.blocks.append(_Block(words[cut:]))
        del words[cut:]
        self.state.reset()
        self.current = None


def to_blocks(text: str, specials: list) -> list[_Block]:
    """Split an answer's text into blocks."""
    tokens = re.findall(r"\n|\S+", text)
    builder = _BlockBuilder()
    for i, tok in enumerate(tokens):
        nxt = next((t for t in tokens[i + 1:] if t != BREAK), "")
        num = NUM_RE.match(tok)
        if tok == BREAK:
            builder.paragraph_break()
        elif tok == HEADING:
            builder.heading()
        elif tok.startswith(SPECIAL):
            index = int(tok[1:])
            builder.special(index, specials[index][0])
        elif len(tok) == 1 and tok in GLYPHS:
            builder.glyph(tok)
        elif num and (nxt[:1].isupper() or nxt[:1] in "\"“(" + BOLD_ON):
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


def lead_in(text: str) -> tuple[str, str] | None:
    """Split a short "Title: rest" lead-in (at most 10 words, no sentence inside)."""
    m = re.match(r"((?:e\.g\.|i\.e\.|vs\.|[^.?!:;]){1,80}?):(?:\s|$)", text)
    if not m or len(m.group(1).split()) > 10 or m.group(1).count("(") != m.group(1).count(")"):
        return None
    return m.group(1).strip() + ":", text[m.end():].strip()


def _format_text(block: _Block, has_children: bool) -> str:
    """Inline Markdown of a paragraph or item: bold headings and "Title:" lead-ins."""
    if block.words[0] == BOLD_ON:
        end = block.words.index(BOLD_OFF)
        head, rest = _inline(_text(block.words[1:end])), _text(block.words[end + 1:])
        lead = lead_in(rest)
        if lead and lead[1]:  # a sub-label after the heading: italic, to tell them apart
            return f"**{head}** *{_inline(lead[0])}* {_inline(lead[1])}"
        return f"**{head}** {_inline(rest)}".rstrip()
    text = _text(block.words)
    if block.heading:
        return f"**{_inline(text)}**"
    lead = lead_in(text)
    # Items take any short lead-in; paragraphs only Title Case ones ("Ethical
    # Concern: ..."), not sentences that introduce what follows.
    if lead and (lead[1] if block.depth is not None else True) and (
            block.depth is not None or is_title(lead[0].split())):
        head, rest = lead
        return f"**{_inline(head)}** {_inline(rest)}".rstrip()
    if is_title(block.words) and (block.depth is None or has_children):
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


def render_markdown(blocks: list[_Block], specials: list) -> str:
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
