"""Allow-list HTML cleaner for everything the panel shows from note fields (no Qt).

The builder already sanitizes the fields it writes, but learners edit notes and
shared decks can contain anything, so field HTML is cleaned again before it
enters the panel's webview:

- only the tags of the shared allow-list (`core/allowlist.json`) survive; `DROP_WITH_CONTENT` tags (script,
  style, iframe, svg, …) disappear with their content, any other tag is
  replaced by its text;
- only the attributes in `ALLOWED_ATTRIBUTES`; no event handlers, no `style`;
- `a href`: http(s) only (opened outside Anki); `img src`: a plain media file
  name from the collection (no scheme, no path, no `..`), so the panel never
  loads anything from the network or the file system;
- `class`: only math and the builder's `qa-*` classes; comments are removed;
- math: TeX commands outside the allow-list (`core/texsafe.py`: `\\href`, `\\style`, …)
  are made inert, so the panel's MathJax never turns them into links or CSS.
"""
from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Doctype, ProcessingInstruction

from ..core import allowlist, texsafe

_ALLOW = allowlist.html_allow_list()  # shared with the builder (core/allowlist.json)
ALLOWED_TAGS = _ALLOW.tags
DROP_WITH_CONTENT = _ALLOW.drop_with_content
ALLOWED_ATTRIBUTES = _ALLOW.attributes
_HREF = re.compile(r"^https?://[^\s\"'<>`]+$", re.IGNORECASE)
_MEDIA = re.compile(r"^[^\x00-\x1f/\\:?#\"'<>`]{1,200}$")
_NUMBER = re.compile(r"^[0-9]{1,4}%?$")
_ALIGN = {"left", "right", "center"}


def _clean_attr(tag: str, name: str, value) -> str | None:
    if isinstance(value, list):
        value = " ".join(value)
    value = str(value).strip()
    if name == "class":
        return _ALLOW.classes(value)
    if name == "href":
        return value if _HREF.match(value) else None
    if name == "src":
        if value.startswith(".") or not _MEDIA.match(value):
            return None
        return value
    if name in ("width", "height", "colspan", "rowspan", "start"):
        return value if _NUMBER.match(value) else None
    if name == "align":
        return value.lower() if value.lower() in _ALIGN else None
    if name == "open":
        return ""
    return value[:500]  # alt, title: plain text, escaped on output


def clean(fragment: str | None) -> str:
    """Return `fragment` reduced to the allow-list (always a string, never raises on odd HTML)."""
    if not fragment:
        return ""
    soup = BeautifulSoup(fragment, "html.parser")
    for node in list(soup.descendants):
        if isinstance(node, (Comment, Doctype, ProcessingInstruction)):
            node.extract()
    for tag in list(soup.find_all(True)):
        name = (tag.name or "").lower()
        if name in DROP_WITH_CONTENT:
            tag.decompose()
    for tag in list(soup.find_all(True)):
        name = (tag.name or "").lower()
        if name not in ALLOWED_TAGS:
            tag.unwrap()
            continue
        allowed = ALLOWED_ATTRIBUTES.get(name, set())
        attrs = {}
        for key, value in list(tag.attrs.items()):
            k = key.lower()
            if k not in allowed:
                continue
            v = _clean_attr(name, k, value)
            if v is not None:
                attrs[k] = v
        if name == "img" and "src" not in attrs:
            tag.decompose()
            continue
        if name == "a" and "href" in attrs:
            attrs["rel"] = "noopener noreferrer"
            attrs["target"] = "_blank"
        tag.attrs = attrs
    return texsafe.neutralize(str(soup))  # on the serialized result: unwrapping can join text
