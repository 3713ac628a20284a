"""Cloze candidates of kind `formula`: a display formula with the sentence that names it, or a
formula inside a sentence; the whole formula is the deletion."""
from __future__ import annotations

import re

from bs4 import Tag

from .cloze_html import NEEDS_QUESTION, elements, list_lead_source, own_text
from .cloze_text import (MATH, MAX_DELETIONS, MIN_VISIBLE_WORDS, VAGUE_OPENERS, Builder, Cand, canon,
                         content_words, esc, good_sentence, split_sentences, src_line, words)


def _math_only(text: str) -> tuple[str, str] | None:
    """(prefix, formula) when a block is only a formula: "\\[ … \\]", "Formula: \\( … \\)", "loss = \\( … \\)"."""
    ms = list(MATH.finditer(text))
    if len(ms) != 1 or text[ms[0].end():].strip(" .,;"):
        return None
    prefix = text[:ms[0].start()].strip()
    if len(words(prefix)) <= 2:
        return prefix, ms[0].group(0)
    return None


def _weak_lead(lead: str) -> bool:
    return (not lead or bool(VAGUE_OPENERS.match(lead)) or len(content_words(lead)) < 3
            or not good_sentence(lead))


def formula_cands(q: dict, root: Tag, doc: str, primary: bool) -> list[Cand]:
    out: list[Cand] = []
    blocks = [el for el in elements(root) if el.name in ("p", "div", "h4", "h5", "h6", "ul", "ol", "table", "pre")]
    groups: list[list[tuple[str, str, str]]] = []  # [(lead, prefix, formula)]
    follow: list[str] = []  # the sentence after each group's first formula ("Where d_k is …")
    prev_text: str | None = None
    last_at = -10
    for i, el in enumerate(blocks):
        text = own_text(el) if el.name in ("p", "div", "h4", "h5", "h6") else ""
        hit = _math_only(text) if text else None
        if hit is None:
            prev_text = text or None
            continue
        prefix, formula = hit
        lead = ""
        if prev_text:
            sents = split_sentences(prev_text)
            k = len(sents) - 1
            lead = sents[k] if sents else ""
            if k > 0 and (len(words(lead)) < MIN_VISIBLE_WORDS or VAGUE_OPENERS.match(lead)) \
                    and len(words(sents[k - 1] + " " + lead)) <= 60:
                lead = f"{sents[k - 1]} {lead}"
            if VAGUE_OPENERS.match(lead) and len(words(lead)) > 6:
                lead = ""  # "This approach improves …" says nothing about the formula
        if groups and _weak_lead(lead) and i - last_at <= 2:
            groups[-1].append((lead, prefix, formula))  # "Its derivative is:" continues the group
        else:
            groups.append([(lead, prefix, formula)])
            after = next((own_text(x) for x in blocks[i + 1:i + 2] if x.name == "p"), "")
            follow.append(split_sentences(after)[0] if after and split_sentences(after) else "")
        last_at = i
        prev_text = None
    for gi, group in enumerate(groups):
        group = group[:MAX_DELETIONS]
        weak = _weak_lead(group[0][0]) or len(words(group[0][0])) < MIN_VISIBLE_WORDS
        b = Builder()
        if weak:
            b.tag("<p>").text(q.get("question") or "").tag("</p>")
        for lead, prefix, formula in group:
            if lead:
                b.tag("<p>").text(lead).tag("</p>")
            b.tag("<p>")
            if prefix:
                b.text(prefix + " ")
            b.delete(formula)
            b.tag("</p>")
        formulas = [f for _, _, f in group]
        back = src_line(q, doc)
        if (len(group) == 1 and follow[gi] and len(words(follow[gi])) <= 45
                and re.match(r"(?:Where|Here|This|These|It|In)\b", follow[gi])):
            back = f"<div class=\"qa-cz-context\">{esc(follow[gi])}</div>" + back
        out.append(Cand("formula", " ".join(formulas), b, back,
                        9.0 - gi - (2 if weak else 0) - (3 if not primary else 0),
                        terms=tuple(canon(f) for f in formulas)))
    # an inline formula named by its sentence: "It models the joint probability \(P(x,y)\), …"
    for el in root.find_all(["p", "li"]):
        text = own_text(el)
        if not text or _math_only(text):
            continue
        sents = split_sentences(text)
        for si, sent in enumerate(sents):
            ms = list(MATH.finditer(sent))
            if len(ms) != 1 or not good_sentence(sent) or not sent.endswith("."):
                continue
            f = ms[0].group(0)
            body = ms[0].group(1) or ms[0].group(2) or ""
            if not re.search(r"\\(?:sqrt|frac|sum|log)|[A-Za-z]\(|\^", body):
                continue
            before, after = sent[:ms[0].start()], sent[ms[0].end():]
            if len(words(before)) < 3 or len(words(sent)) > 50:
                continue
            context = ""
            if VAGUE_OPENERS.match(sent):  # "It models …": say what "it" is
                if si > 0:
                    context = sents[si - 1]
                elif el.name == "li":
                    context = (list_lead_source(el.parent) or "").replace(NEEDS_QUESTION, "")
                if not context or len(words(context)) > 40:
                    continue
            if el.name == "li" and si > 0 and VAGUE_OPENERS.match(sent):
                lead_src = (list_lead_source(el.parent) or "").replace(NEEDS_QUESTION, "")
                if lead_src and len(words(lead_src)) <= 12:
                    context = f"{lead_src} {context}"
            b = Builder()
            if not context:  # the question says what the sentence is about
                b.tag("<p>").text(q.get("question") or "").tag("</p>")
            b.tag("<p>")
            if context:
                b.text(context + " ")
            b.text(before)
            b.delete(f)
            b.text(after).tag("</p>")
            out.append(Cand("formula", f, b, src_line(q, doc), 4.0 - (3 if not primary else 0),
                            terms=(canon(f),)))
    return out
