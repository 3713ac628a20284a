"""Cloze candidates of kind `enumeration`: a list (or a list written without a list) whose item
heads are deleted under a visible lead-in."""
from __future__ import annotations

import re

from bs4 import Tag

from .cloze_html import (clean_label, context_lead, generic_label, lead_label, list_lead_source, own_text,
                         pseudo_lists)
from .cloze_text import (MATH, MAX_DELETIONS, MAX_DELETION_WORDS, Builder, Cand, canon, esc, given_away,
                         split_sentences, src_line, words)


def _item_head(li: Tag) -> tuple[str | None, str, str]:
    """(deletable head, visible tail, description) of a list item."""
    label, rest = lead_label(li)
    if label:
        label = clean_label(label)
        if label and not generic_label(label) and 1 <= len(words(label)) <= MAX_DELETION_WORDS:
            return label, "", rest
        return None, "", rest
    text = own_text(li).rstrip(".;").strip()
    if not text or MATH.search(text):
        return None, "", ""
    m = re.match(r"^(.+?)\s+(\((?:e\.g\.|i\.e\.|such as|like|for example)[^()]*\))$", text)
    if m and 1 <= len(words(m.group(1))) <= MAX_DELETION_WORDS:
        return m.group(1), " " + m.group(2), ""
    if text.endswith(":"):
        return None, "", text  # a sub-heading inside the list ("Mitigation Strategies:")
    if len(words(text)) <= MAX_DELETION_WORDS and not generic_label(text):
        return text, "", ""
    return None, "", text


def _label_head(label: str, rest: str) -> tuple[str | None, str, str]:
    label = clean_label(label)
    if label and not generic_label(label) and 1 <= len(words(label)) <= MAX_DELETION_WORDS:
        return label, "", rest
    return None, "", rest


def enumeration_cands(q: dict, root: Tag, doc: str, primary: bool) -> list[Cand]:
    out: list[Cand] = []
    for li_idx, lst in enumerate(root.find_all(["ul", "ol"])):
        if lst.find_parent("table"):
            continue
        items = lst.find_all("li", recursive=False)
        if not 2 <= len(items) <= 10:
            continue
        c = _enumeration_note(q, [_item_head(li) for li in items], list_lead_source(lst), lst.name == "ol",
                              doc, primary)
        if c:
            c.score -= 0.2 * li_idx + (1.5 if lst.find_parent("li") is not None else 0)
            out.append(c)
    for k, (items, lead_src, ordered) in enumerate(pseudo_lists(root)):
        c = _enumeration_note(q, [_label_head(lab, rest) for lab, rest in items], lead_src, ordered, doc, primary)
        if c:
            c.score -= 0.5 + 0.2 * k
            out.append(c)
    return out


def _enumeration_note(q: dict, heads: list[tuple[str | None, str, str]], lead_src: str | None, ordered: bool,
                      doc: str, primary: bool) -> Cand | None:
    if any(h is None for h, _, _ in heads):
        return None
    labels = [h for h, _, _ in heads]
    if len({canon(x) for x in labels}) != len(labels):
        return None
    lead, qbased = context_lead(lead_src, q.get("question") or "")
    tag = "ol" if ordered else "ul"
    b = Builder().tag("<p>").text(lead).tag(f"</p><{tag}>")
    deleted: list[str] = []
    for i, (head, tail, _) in enumerate(heads):
        b.tag("<li>")
        others = " ".join(x for j, x in enumerate(labels) if j != i)
        if len(deleted) < MAX_DELETIONS and not given_away(head, lead) and not given_away(head, others):
            b.delete(head)
            deleted.append(head)
        else:
            b.text(head)
        b.text(tail).tag("</li>")
    b.tag(f"</{tag}>")
    if len(deleted) < 2:
        return None
    back_items = []
    for head, _, desc in heads:
        if desc:
            s = split_sentences(desc)
            d = s[0] if s else desc
            if len(words(d)) > 30:
                d = " ".join(d.split()[:28]) + " …"
            back_items.append(f"<li><b>{esc(head)}</b>: {esc(d)}</li>")
    back = (f"<div class=\"qa-cz-items\"><ul>{''.join(back_items)}</ul></div>" if back_items else "")
    back += src_line(q, doc)
    score = 6.0 - (1.5 if qbased else 0) - (3 if not primary else 0)
    return Cand("enumeration", " ".join(deleted), b, back, score, terms=tuple(canon(d) for d in deleted),
                meta={"list_items": len(heads), "lead": lead})
