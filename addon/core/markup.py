"""The spans the builder writes into note fields and the add-on reads back: both directions here.

A related question ends with `<span class="qa-topic">· Topic</span> <span class="qa-id">q0042</span>`;
an Image Occlusion note carries its own id as a `qa-id` span. Phones show the topic and hide the id
(CSS); the desktop add-on finds linked Q&A notes by the ids. Readers accept the writers' output with
any whitespace and the middle dot as an entity, and only well-formed permanent ids.
"""
from __future__ import annotations

import html
import re

from .ids import ID_RE, MAX_LEN

ID_CLASS = "qa-id"
TOPIC_CLASS = "qa-topic"
TOPIC_MARK = "·"


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def id_span(qid: str) -> str:
    return f'<span class="{ID_CLASS}">{esc(qid)}</span>'


def topic_and_id(topic: str, qid: str) -> str:
    """What follows a related question: its topic (shown) and its id (read by the add-on)."""
    return f'<span class="{TOPIC_CLASS}">{TOPIC_MARK} {esc(topic)}</span> {id_span(qid)}'


_ID_SPAN = rf'<span class="{ID_CLASS}">\s*([^<]{{1,{MAX_LEN}}}?)\s*</span>'
_QA_ID_SPAN = re.compile(_ID_SPAN)
_TOPIC_AND_ID = re.compile(
    rf'<span class="{TOPIC_CLASS}">\s*(?:{TOPIC_MARK}|&middot;|&#183;)?\s*([^<]{{0,120}}?)\s*</span>\s*' + _ID_SPAN)


def link_ids(fragment: str | None) -> list[str]:
    """Well-formed permanent ids in `qa-id` spans, in order, without duplicates."""
    out: list[str] = []
    for m in _QA_ID_SPAN.finditer(fragment or ""):
        qid = html.unescape(m.group(1)).strip()
        if ID_RE.match(qid) and qid not in out:
            out.append(qid)
    return out


def linked_topics(fragment: str | None) -> dict[str, str]:
    """id -> topic name from a related list (the topic span before each id span)."""
    return {html.unescape(m.group(2)).strip(): html.unescape(m.group(1)).strip()
            for m in _TOPIC_AND_ID.finditer(fragment or "")}
