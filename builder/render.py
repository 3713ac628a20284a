"""Markdown answers → sanitized HTML with Anki MathJax delimiters.

One renderer for every document so all cards look alike:
- CommonMark + GFM tables/strikethrough (markdown-it-py),
- `$…$` / `$$…$$` become `\\(…\\)` / `\\[…\\]` (Anki's MathJax never reads `$`),
- headings are demoted to <h4>–<h6>: an answer sits under the card's question,
- the result passes an allow-list sanitizer (nh3): no scripts, event handlers,
  iframes, styles or non-http(s) links, whatever the input contained;
- math passes the TeX allow-list (`addon.core.texsafe`): a refused command such as
  `\\href` or `\\style` is made inert, so MathJax cannot turn it into links or CSS.
"""
from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from addon.core import allowlist, texsafe

from .fieldcheck import BAD_CHAR

_ALLOW = allowlist.html_allow_list()  # shared with the add-on's sanitizer (addon/core/allowlist.json)
ALLOWED_TAGS = set(_ALLOW.tags)
ALLOWED_ATTRIBUTES = {tag: set(names) for tag, names in _ALLOW.attributes.items()}


def _math_inline(self, tokens, idx, options, env):
    body = html.escape(tokens[idx].content.strip(), quote=False)
    return f"\\({body}\\)"


def _math_display(self, tokens, idx, options, env):
    # `$$…$$` inside a paragraph or table cell stays inline markup: a block <div> there is invalid.
    body = html.escape(tokens[idx].content.strip(), quote=False)
    return f"\\[{body}\\]"


def _math_block(self, tokens, idx, options, env):
    body = html.escape(tokens[idx].content.strip(), quote=False)
    return f'<div class="math-block">\\[{body}\\]</div>\n'


def _build_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    # allow_space/allow_digits off: "$5 and $10" is money, not math.
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True,
           allow_labels=False)
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_inline_double", _math_display)
    md.add_render_rule("math_block", _math_block)
    md.add_render_rule("heading_open", _heading_open)
    md.add_render_rule("heading_close", _heading_close)
    return md


def _demoted(tag: str) -> str:
    return f"h{min(6, max(4, int(tag[1]) + 2))}"


def _heading_open(self, tokens, idx, options, env):
    return f"<{_demoted(tokens[idx].tag)}>"


def _heading_close(self, tokens, idx, options, env):
    return f"</{_demoted(tokens[idx].tag)}>\n"


_MD = _build_markdown()


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "class":
        return _ALLOW.classes(value)
    if tag == "img" and attr == "src":
        # Cards may only show media shipped inside the package: no remote or data URLs.
        return value if re.fullmatch(r"[A-Za-z0-9_.\-]+", value) else None
    return value


def sanitize(fragment: str) -> str:
    """Allow-list sanitize an HTML fragment (used for every field, including user input).

    Characters with no place in HTML (U+001F is Anki's field separator) are dropped
    here too, a last net behind the validation that rejects them in input files; TeX
    commands outside the allow-list are made inert (texsafe) for MathJax.
    """
    return texsafe.neutralize(nh3.clean(
        BAD_CHAR.sub("", fragment),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer",
        attribute_filter=_attribute_filter,
        strip_comments=True,
    ).strip())


def markdown_to_html(markdown: str) -> str:
    """Render an answer's Markdown to sanitized HTML."""
    return sanitize(_MD.render(markdown))


_MATH_SPAN = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.S)


def protect_math(html_text: str) -> str:
    r"""Escape `<`/`>` inside `\( \)` and `\[ \]`: `\(p<q\)` stays math instead of
    being read as a tag by the sanitizer (which would drop text and leave `\(` open)."""
    return _MATH_SPAN.sub(lambda m: m.group(0).replace("<", "&lt;").replace(">", "&gt;"), html_text)


_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$(?!\$)")


def text_to_html(text: str) -> str:
    """Escape plain text (a question) for HTML, turning `$…$` math into `\\(…\\)`."""
    text = texsafe.neutralize_text(text)
    out, pos = [], 0
    for m in _INLINE_MATH.finditer(text):
        out.append(html.escape(text[pos:m.start()], quote=False))
        out.append(f"\\({html.escape(m.group(1), quote=False)}\\)")
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)
