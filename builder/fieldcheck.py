"""What a text may contain before it goes into an Anki field.

- No character without a place in HTML: C0 controls except tab/newline/CR,
  DEL, C1 controls, lone surrogates, noncharacters. U+001F is Anki's field
  separator: one of them gives a package Anki refuses to import.
- A field must show something: visible text or an image. NBSP, EM SPACE,
  zero-width and other invisible characters alone make a blank card.
- HTML nesting is capped (MAX_HTML_DEPTH): deeper markup is no answer anyone
  wrote, and the tree walkers downstream recurse.
"""
from __future__ import annotations

import html
import re
import unicodedata

MAX_HTML_DEPTH = 100
MAX_RAW_DEPTH = 1000  # before sanitizing: the sanitizer's time grows with the square of the depth

_NONCHARACTERS = "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _NONCHARACTERS + "]")
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*?(/?)>")
_VOID = frozenset({"br", "hr", "img", "wbr", "col", "area", "base", "embed", "input", "link", "meta", "source",
                   "track", "param"})
# Closed implicitly by their next sibling: a raw, unclosed `<li>` list is not nesting.
_IMPLIED_CLOSE = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option",
                            "optgroup", "colgroup", "rt", "rp"})


def bad_char(text: str) -> str | None:
    """A description of the first forbidden character (`U+001F at character 12`), or None."""
    m = BAD_CHAR.search(text)
    if m is None:
        return None
    return f"control character U+{ord(m.group(0)):04X} at character {m.start()}"


def walk_strings(value):
    """(path steps, string, is_key) for every string in a JSON-like value, dictionary keys included."""
    stack = [((), value)]
    while stack:
        steps, node = stack.pop()
        if isinstance(node, str):
            yield steps, node, False
        elif isinstance(node, dict):
            for k, v in reversed(list(node.items())):
                if isinstance(k, str):
                    yield steps, k, True
                stack.append(((*steps, k), v))
        elif isinstance(node, list):
            for i in reversed(range(len(node))):
                stack.append(((*steps, i), node[i]))


def _invisible(ch: str) -> bool:
    return ch.isspace() or ch in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me")


def visible_text(text: str) -> bool:
    """Does plain text show anything?"""
    return not all(_invisible(ch) for ch in text)


def html_shows_something(fragment: str) -> bool:
    """Does sanitized HTML show visible text or an image?"""
    if re.search(r"<img\b[^>]*\bsrc=", fragment):
        return True
    return visible_text(html.unescape(re.sub(r"<[^>]*>", "", fragment)))


def html_depth(fragment: str, raw: bool = False) -> int:
    """Deepest element nesting of sanitized HTML; `raw`: an estimate for unsanitized input."""
    skip = _VOID | _IMPLIED_CLOSE if raw else _VOID
    depth = deepest = 0
    for m in _TAG.finditer(fragment):
        if m.group(1):
            depth = max(0, depth - 1)
        elif m.group(2).lower() not in skip and not m.group(3):
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def check_notes(notes, decks_dir) -> None:
    """Last net before writing: no note field, tag or deck name carries a forbidden character.

    User files are checked where they are read; this catches the builder's own data
    (documents.yaml titles, topics.yaml names) so no path can break a package.
    """
    from .errors import InputError, shown

    for n in notes:
        for label, text in [*((f"field {i + 1}", f) for i, f in enumerate(n.note.fields)),
                            *(("tag", t) for t in n.note.tags), ("deck name", n.deck)]:
            problem = bad_char(text)
            if problem:
                raise InputError(str(decks_dir), f"{n.kind} note {shown(n.note.fields[0], 40)} {label}",
                                 f"{problem} (from the data in this folder) is not allowed")
