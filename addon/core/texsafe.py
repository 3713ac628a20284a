r"""TeX allow-list for card math: MathJax must never see a command outside `tex_allowlist.json`.

Every Anki client typesets `\( … \)` / `\[ … \]` with MathJax's full TeX input, where
`\href{javascript:…}` makes a live link, `\style{…}` / `\class{…}` / `\cssId{…}` inject CSS
and `\unicode{…}` / `\require{…}` load things. An HTML sanitizer never sees these: they are
plain text until MathJax runs. So the builder refuses them in users' input and both the
builder and the add-on make them inert in everything they write or show.

The scan works on the text as the browser (and MathJax) sees it: entities decoded, all
text nodes joined (comments and `<wbr>` vanish, `<br>` is a newline), so splitting a
command with tags, comments or `&#114;` does not hide it. Delimiters are not paired
(MathJax's pairing across tags cannot be predicted reliably): when a fragment's text
contains any math sign (`\(` `\)` `\[` `\]` `$` `\begin` `\end`) every control sequence in
it must be allow-listed. Text inside `<code>`/`<pre>` (which MathJax never typesets) and
text without any math sign is only checked against the `never` list. Inert means the
backslash becomes U+29F5 (⧵): it still reads as a backslash, MathJax treats it as text.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

ALLOWLIST_PATH = Path(__file__).with_name("tex_allowlist.json")
NEUTRAL = "\u29f5"  # REVERSE SOLIDUS OPERATOR
# MathJax's control sequences: a backslash and ASCII letters, or a backslash and one character.
_TOKEN = re.compile(r"\\(?:([A-Za-z]+)|(.))", re.S)
_ENV_NAME = re.compile(r"\s*\{([^{}]*)\}")
_MATH_SIGN = re.compile(r"\\[()\[\]]|\$|\\(?:begin|end)(?![A-Za-z])")
# Of MathJax's skipHtmlTags (never typeset) only those both sanitizers keep: the text of the
# others (textarea, noscript, …) survives sanitizing as ordinary text, so it is scanned as such.
SKIP_TAGS = frozenset({"pre", "code"})


@dataclass(frozen=True)
class AllowList:
    commands: frozenset[str]
    symbols: frozenset[str]
    environments: frozenset[str]
    never: frozenset[str]


@lru_cache(maxsize=1)
def allow_list() -> AllowList:
    data = json.loads(ALLOWLIST_PATH.read_text(encoding="utf-8"))
    return AllowList(*(frozenset(data[k]) for k in ("commands", "symbols", "environments", "never")))


def _shown(text: str, limit: int) -> str:
    """Input text made safe to quote on one line: printable characters only, shortened."""
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _scan(text: str, math: bool) -> list[tuple[int, str]]:
    """(offset of the backslash, name shown to people) of every refused control sequence."""
    rules = allow_list()
    out = []
    for m in _TOKEN.finditer(text):
        word, symbol = m.group(1), m.group(2)
        if word in ("begin", "end"):
            env = _ENV_NAME.match(text, m.end())
            if math and (env is None or env.group(1) not in rules.environments):
                shown = "{" + _shown(env.group(1), 30) + "}" if env else ""
                out.append((m.start(), f"\\{word}{shown}"))
        elif word:
            if word in rules.never or (math and word not in rules.commands):
                out.append((m.start(), "\\" + _shown(word, 40)))
        elif math and not symbol.isspace() and symbol not in rules.symbols:
            shown = symbol if symbol.isprintable() else f"U+{ord(symbol):04X}"
            out.append((m.start(), "\\" + shown))
    return out


def scan_text(text: str) -> list[tuple[int, str]]:
    """Refused control sequences of plain text (a whole string MathJax may see at once)."""
    return _scan(text, bool(_MATH_SIGN.search(text)))


class _Pieces(HTMLParser):
    """An HTML fragment as markup and decoded text pieces, each text piece in one of two groups:
    0 = text MathJax may typeset, 1 = text inside a skipped tag."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[tuple[str, str, int, int]] = []  # (kind, text, group, offset in group)
        self.groups = ["", ""]
        self._skipping: list[str] = []

    def _text(self, text: str, kind: str = "text") -> None:
        g = 1 if self._skipping else 0
        self.pieces.append((kind, text, g, len(self.groups[g])))
        self.groups[g] += text

    def _markup(self, tag: str, text: str) -> None:
        self.pieces.append(("markup", text, 0, 0))
        if tag == "br":  # MathJax reads <br> as a newline
            self.groups[1 if self._skipping else 0] += "\n"

    def handle_starttag(self, tag, attrs):
        self._markup(tag, self.get_starttag_text() or "")
        # MathJax typesets a skipped tag that has its processHtmlClass (`mathjax_process`)
        if tag in SKIP_TAGS and not any(k == "class" and v and "process" in v for k, v in attrs):
            self._skipping.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._markup(tag, self.get_starttag_text() or "")

    def handle_endtag(self, tag):
        self._markup(tag, f"</{tag}>")
        if tag in self._skipping:
            del self._skipping[len(self._skipping) - 1 - self._skipping[::-1].index(tag):]

    def handle_data(self, data):
        # script/style content comes undecoded and must be written back as it was
        self._text(data, "raw" if getattr(self, "cdata_elem", None) else "text")

    # Comments, doctypes, processing instructions and CDATA vanish: MathJax joins the text around them.


def _analyse(fragment: str) -> tuple[_Pieces, list[set[int]], list[tuple[int, int, str]]]:
    parser = _Pieces()
    parser.feed(fragment)
    parser.close()
    found, offsets = [], [set(), set()]
    for g, text in enumerate(parser.groups):
        math = g == 0 and bool(_MATH_SIGN.search(text))
        for pos, name in _scan(text, math):
            found.append((g, pos, name))
            offsets[g].add(pos)
    return parser, offsets, sorted(found)


def _may_hold_backslash(fragment: str) -> bool:
    return "\\" in fragment or "&" in fragment


def find_forbidden(fragment: str | None) -> list[str]:
    """Refused control sequences in an HTML fragment, in order, each once (empty list = safe)."""
    if not fragment or not _may_hold_backslash(fragment):
        return []
    _, _, found = _analyse(fragment)
    return list(dict.fromkeys(name for _, _, name in found))


def find_forbidden_text(text: str | None) -> list[str]:
    """Like `find_forbidden` for plain text (which is escaped, not parsed, on its way to a card)."""
    return list(dict.fromkeys(name for _, name in scan_text(text or "")))


def neutralize_text(text: str | None) -> str:
    """Plain text with every refused control sequence made inert (its backslash becomes ⧵)."""
    text = text or ""
    chars = list(text)
    for pos, _ in scan_text(text):
        chars[pos] = NEUTRAL
    return "".join(chars)


def neutralize(fragment: str | None) -> str:
    """An HTML fragment with every refused control sequence made inert; unchanged when safe.

    Only a fragment that needs a change is re-serialized (tags as written, text escaped,
    comments dropped)."""
    if not fragment or not _may_hold_backslash(fragment):
        return fragment or ""
    parser, offsets, found = _analyse(fragment)
    if not found:
        return fragment
    out = []
    for kind, text, g, start in parser.pieces:
        if kind == "markup":
            out.append(text)
            continue
        chars = list(text)
        for i in range(len(chars)):
            if start + i in offsets[g]:
                chars[i] = NEUTRAL
        text = "".join(chars)
        out.append(text if kind == "raw" else html.escape(text, quote=False))
    return "".join(out)


def first_forbidden(data, place: str = "") -> tuple[str, str] | None:
    """(place, name) of the first refused command in JSON-like data: strings under keys ending
    in `_html` are HTML, every other string is plain text. Places read `.sources[0].answer_html`."""
    if isinstance(data, dict):
        items = [(f"{place}.{key}", value, str(key).endswith("_html")) for key, value in data.items()]
    elif isinstance(data, list):
        items = [(f"{place}[{i}]", value, False) for i, value in enumerate(data)]
    else:
        return None
    for where, value, is_html in items:
        if isinstance(value, str):
            names = find_forbidden(value) if is_html else find_forbidden_text(value)
            if names:
                return where, names[0]
        elif hit := first_forbidden(value, where):
            return hit
    return None
