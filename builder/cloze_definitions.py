"""Cloze candidates of kind `definition`: "X is a …" sentences and "**Label:** description" items."""
from __future__ import annotations

import re

from bs4 import Tag

from .cloze_html import (NEEDS_QUESTION, clean_label, context_lead, generic_label, lead_label,
                         list_lead_source, own_text, pseudo_lists, strip_discourse)
from .cloze_text import (ADVERBS, BAD_TERM_START, IS_NEXT, MATH, OTHER_VERBS, PREPOSITIONS, STOPWORDS,
                         SUBJECT_OK_LOWER, Builder, Cand, canon, contains, esc, good_sentence,
                         is_vague_phrase, split_sentences, src_line, words)


_DEF_RE = re.compile(
    r"^(?:(?:A|An|The)\s+)?(?P<subject>\S+(?:\s+\S+){0,11}?)\s+(?P<verb>is|are|"
    + "|".join(v.replace(" ", r"\s+") for v in OTHER_VERBS)
    + r")\s+(?P<rest>.+)$")


def _sentence_definition(q: dict, sent: str, doc: str) -> Cand | None:
    sent = strip_discourse(sent)
    if not sent.endswith((".", "!", "”", "\"", ")")):
        return None
    m = _DEF_RE.match(sent)
    if not m or not good_sentence(sent) or not 9 <= len(words(sent)) <= 60:
        return None
    subject, verb, rest = m.group("subject"), m.group("verb"), m.group("rest")
    if any(ch in subject for ch in ",;:\"“”") or MATH.search(subject):
        return None
    if verb in ("is", "are"):
        nxt = [w.lower().strip(",") for w in rest.split()[:2]]
        if nxt and nxt[0] in ADVERBS:
            nxt = nxt[1:]  # "is often used", "are typically a"
        if not nxt or nxt[0] not in IS_NEXT:
            return None
    toks = subject.split()
    if not toks or toks[0].lower() in BAD_TERM_START:
        return None
    # a subject is a noun phrase: no verbs, pronouns or conjunctions ("X can be problematic because it …")
    plain_toks = re.sub(r"\([^()]*\)", " ", subject).split()
    if any(t.lower() in STOPWORDS and t.lower() not in SUBJECT_OK_LOWER for t in plain_toks):
        return None
    if any(t.lower() in ADVERBS or t.lower().endswith("ly") and len(t) > 4 for t in plain_toks):
        return None
    if re.search(r"[a-z]{3,}[A-Z][a-z]{3,}", subject):
        return None  # words run together by the source ("FrequencyInverse")
    # the term is the subject up to its first preposition, unless Title Case ("Bag of Words")
    cut = len(toks)
    for i, t in enumerate(toks):
        if i and t.lower() in PREPOSITIONS:
            title = (toks[i - 1][:1].isupper() and i + 1 < len(toks) and toks[i + 1][:1].isupper())
            if not title:
                cut = i
                break
    term = " ".join(toks[:cut])
    if term.count("(") != term.count(")") or not re.search(r"[A-Za-z]{2}", term):
        return None
    if not 1 <= len(words(term)) <= 6 or is_vague_phrase(term):
        return None
    tw = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", term)]
    if len(set(tw)) != len(tw):
        return None  # "CLIP (Contrastive Language–Image Pretraining) CLIP": a heading run into the sentence
    # "The architecture of X is …": a bare common noun cut from its complement is not a term
    if cut < len(toks) and len(toks[:cut]) == 1 and term.islower():
        return None
    start = sent.index(term)
    before, after = sent[:start], sent[start + len(term):]
    parts = [term] + [p.strip() for p in re.split(r"[()]", term) if p.strip()]
    if any(contains(before + " " + after, p) for p in parts):
        return None
    b = Builder().tag("<p>").text(before)
    b.delete(term)
    b.text(after).tag("</p>")
    return Cand("definition", term, b, src_line(q, doc), 0.0, terms=(canon(term),))


def definition_cands(q: dict, root: Tag, doc: str, primary: bool) -> list[Cand]:
    out: list[Cand] = []
    qtext = q.get("question") or ""
    blocks = [el for el in root.find_all(["p", "li"]) if not el.find_parent(["table", "li"])
              or el.name == "li" and not el.find_parent("table")]
    first_para = next((b for b in blocks if own_text(b)), None)
    for bi, el in enumerate(blocks):
        if el.name == "li" and lead_label(el)[0]:
            continue  # labelled items are read as "label: description" below
        text = own_text(el)
        sents = split_sentences(text) if text else ()
        for si, sent in enumerate(sents):
            c = _sentence_definition(q, sent, doc)
            if c is None:
                continue
            if si + 1 < len(sents) and len(words(sents[si + 1])) <= 45:  # what the answer says next
                c.back = f"<div class=\"qa-cz-context\">{esc(sents[si + 1])}</div>" + c.back
            c.score = 10.0 - 0.3 * si - 0.05 * bi - (1.5 if el.name == "li" else 0)
            if el is first_para and si == 0:
                c.score += 4
            if contains(qtext, c.slug_src):
                c.score += 2
            if not primary:
                c.score -= 3
            out.append(c)
    # labelled list items: "**Label:** description" → the label is deleted
    for li in root.find_all("li"):
        if li.find_parent("table"):
            continue
        label, rest = lead_label(li)
        if label:
            c = _label_definition(q, label, rest, list_lead_source(li.parent), doc, primary)
            if c:
                out.append(c)
    for items, lead_src, _ in pseudo_lists(root):
        for label, rest in items:
            c = _label_definition(q, label, rest, lead_src, doc, primary)
            if c:
                out.append(c)
    return out


def _label_definition(q: dict, label: str, rest: str, lead_src: str | None, doc: str, primary: bool) -> Cand | None:
    """A deferred candidate: most of them are never selected, so the work waits for `Cand.ready`."""
    label = clean_label(label)
    if not label or not rest or generic_label(label) or not 1 <= len(words(label)) <= 6:
        return None
    weak_lead = not lead_src or lead_src.startswith(NEEDS_QUESTION)
    score = 5.0 - (1.0 if weak_lead else 0) - (3 if not primary else 0)
    lead = context_lead(lead_src, q.get("question") or "")[0]
    return Cand("definition", label, None, src_line(q, doc), score, sub="label", terms=(canon(label),),
                make=lambda: _label_definition_note(q, label, rest, lead_src), meta={"lead": lead})


def _label_definition_note(q: dict, label: str, rest: str, lead_src: str | None) -> Builder | None:
    sents = split_sentences(rest)
    if not sents:
        return None
    desc = re.sub(r"^(?:Definition|Description|Meaning|Purpose)\s*:\s*", "", sents[0])
    # a sub-label before the description: "Combine Multiple Models: Use …"
    desc = re.sub(r"^(?:[A-Z][\w-]*\s){0,4}[A-Z][\w-]*:\s+(?=[A-Z])", "", desc)
    if (not 6 <= len(words(desc)) <= 45 or not good_sentence(desc) or desc.endswith(":")
            or re.match(r"^(?:e\.g|example|for example|for instance)", desc, re.I)):
        return None
    lead, _ = context_lead(lead_src, q.get("question") or "")
    b = Builder().tag("<p>").text(lead).tag("</p><p>")
    b.delete(label)
    b.text(": ").text(desc).tag("</p>")
    return b
