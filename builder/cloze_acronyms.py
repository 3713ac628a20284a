"""Cloze candidates of kind `acronym`: "Long Form (ACR)" pairs whose words spell the letters, one
note per acronym in the whole set, with the standard expansions of decks/acronyms.yaml."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from bs4 import Tag

from . import safeload
from .cloze_html import own_text
from .cloze_text import (LAST_TOKEN, MAX_DELETION_WORDS, Builder, Cand, canon, check, content_words, esc,
                         good_sentence, norm_ws, split_sentences, src_line, strip_math, topic_chain, words)
from .errors import InputError


# ------------------------------------------------------------------ acronyms
ACR_RE = re.compile(r"^[A-Z][A-Za-z0-9&/-]{0,9}?[A-Z0-9]s?$")
PAREN = re.compile(r"\(([^()]{1,90})\)")
SKIPPABLE = frozenset("of and for the to in on a an with from by via as at or &".split())
TRIVIAL_ACRONYMS = frozenset("ai ml faq ide api url gpu cpu tpu nan is it ui ux pdf html json sql llm nlp os ok us "
                             "uk eu id lm".split())


def acr_letters(acr: str) -> str:
    a = acr[:-1] if acr.endswith("s") and len(acr) > 2 and acr[-2].isupper() else acr
    return re.sub(r"[^A-Za-z0-9]", "", a).lower()


def _spell(letters: str, wordlist: list[str]) -> bool:
    """Do the words spell the acronym? Each content word gives its initial (later letters may come from
    inside it: AutoEncoder → AE); small words and the tails of hyphenated words may be skipped."""
    parts: list[tuple[str, bool]] = []
    for w in wordlist:
        for j, p in enumerate(re.split(r"[-/]", w)):
            p = re.sub(r"[^A-Za-z0-9]", "", p).lower()
            if p:
                parts.append((p, p in SKIPPABLE or j > 0))
    if len(parts) < 2:
        return False

    @lru_cache(maxsize=None)
    def go(i: int, k: int) -> bool:
        if i == len(letters):
            return all(skip for _, skip in parts[k:])
        if k == len(parts):
            return False
        word, skippable = parts[k]
        if word[0] == letters[i]:
            j, pos = i + 1, 1
            if go(j, k + 1):
                return True
            while j < len(letters):
                pos = word.find(letters[j], pos)
                if pos < 0:
                    break
                j, pos = j + 1, pos + 1
                if go(j, k + 1):
                    return True
        return skippable and go(i, k + 1)

    return bool(letters) and go(0, 0)


def _acr_ok(acr: str) -> bool:
    return (bool(ACR_RE.match(acr)) and sum(ch.isupper() for ch in acr) >= 2
            and acr_letters(acr) not in TRIVIAL_ACRONYMS)


def _long_ok(lf: str) -> bool:
    return not re.search(r"[a-z]{3,}[A-Z][a-z]{3,}", lf) and len(words(lf)) <= MAX_DELETION_WORDS


def find_acronyms(text: str) -> list[tuple[str, str]]:
    """(acronym, long form) pairs defined in plain text: "Long Form (ACR)" and "ACR (Long Form)"."""
    found: list[tuple[str, str]] = []
    plain = strip_math(text)
    for m in PAREN.finditer(plain):
        inner = m.group(1).strip()
        if _acr_ok(inner):  # Long Form (ACR)
            letters = acr_letters(inner)
            before = re.findall(r"[\w'’&/-]+", plain[max(0, m.start() - 200):m.start()])
            for n in range(2 if len(letters) > 1 else 1, min(len(before), len(letters) + 4) + 1):
                cand = before[-n:]
                if cand[0].lower() in SKIPPABLE or cand[0][0].lower() != letters[0]:
                    continue
                if _spell(letters, cand):
                    lf = " ".join(cand)
                    if _long_ok(lf):
                        found.append((inner, lf))
                    break
            else:
                # one hyphenated word can spell it too: "Text-to-Speech (TTS)"
                if before and _spell(letters, before[-1:]) and _long_ok(before[-1]):
                    found.append((inner, before[-1]))
            continue
        pre = LAST_TOKEN.search(plain[max(0, m.start() - 40):m.start()])
        if pre and _acr_ok(pre.group(1)) and re.fullmatch(r"[A-Za-z][\w'’\s/&-]{3,80}", inner):
            acr, lf = pre.group(1), norm_ws(inner)
            letters = acr_letters(acr)
            ws = lf.split()
            if (len(ws) <= len(letters) + 3 and ws[0][0].lower() == letters[0] and _spell(letters, ws)
                    and _long_ok(lf)):
                found.append((acr, lf))
    return found


def acronym_cand(q: dict, acr: str, lf: str, sent: str, doc: str, standard: dict[str, dict],
                 names: dict[str, str]) -> Cand | None:
    """"In the context of <its field>, the abbreviation ACR stands for {{c1::…}}." for a standard
    acronym, with the standard expansion and context from decks/acronyms.yaml; any other acronym
    becomes a candidate the `acronym` rule drops (so the build summary counts it)."""
    shown = acr[:-1] if acr.endswith("s") and len(acr) > 2 and acr[-2].isupper() else acr
    std = standard.get(shown) or standard.get(next((k for k in standard if k.lower() == shown.lower()), ""))
    if std:
        shown = next(k for k, v in standard.items() if v is std)
        lf, fields = std["expansion"], [std["context"]]
    else:
        lf = lf.strip(" ,.;:")
        fields = topic_chain(tuple(q.get("topics") or ()), names)[:1]
    for field_name in fields:
        b = Builder().tag("<p>").text(f"In the context of {field_name}, the abbreviation ").tag("<b>").text(
            shown).tag("</b>").text(" stands for ")
        b.delete(lf)
        b.text(".").tag("</p>")
        if check(b):
            line = context_line(sent, shown, lf)
            back = (f"<div class=\"qa-cz-context\">{esc(line)}</div>" if line else "") + src_line(q, doc)
            return Cand("acronym", lf, b, back, 3.0, terms=(canon(lf),), meta={"acronym": shown})
    return None

_LABEL = re.compile(r"^([^:]{1,60}):\s*")
_OUTWARD = re.compile(r"\b(?:such|these|those)\s+(?!as\b)[a-z]+|^(?:This|These|It|They|Its|Their)\b")


def context_line(sent: str, acr: str, expansion: str) -> str:
    """The source sentence shown under an acronym card's answer, or "" when a learner could not use it: it
    starts under another item's label ("Visual Modality: … (CNN) …"), points at text the card does not show
    ("stacks many such units"), or says nothing beyond the acronym and its expansion ("Support Vector
    Machines (SVM)")."""
    s = sent.strip()
    own = {canon(w) for w in content_words(f"{acr} {expansion}")}
    m = _LABEL.match(s)
    if m and acr.lower() not in m.group(1).lower() and canon(expansion) not in canon(m.group(1)):
        return ""
    if _OUTWARD.search(s):
        return ""
    if "\\(" not in s and not [w for w in content_words(s) if canon(w) not in own]:
        return ""
    return s


def scan_acronyms(parsed: list[tuple[dict, list[tuple[str, Tag, bool]]]]) -> dict[str, tuple]:
    """acronym letters → (owner qid, acronym, long form, sentence, document).

    The long form is the one written most often in the set (ties: first seen); the owner is the
    question with the smallest id that writes that form."""
    seen: dict[str, list[tuple]] = {}
    for q, roots in sorted(parsed, key=lambda x: str(x[0]["id"])):
        for doc, root, _ in roots:
            for el in root.find_all(["p", "li", "h4", "h5", "h6"]):
                text = own_text(el)
                if "(" not in text:
                    continue
                for sent in split_sentences(text):
                    if "(" not in sent or not good_sentence(sent):
                        continue
                    for acr, lf in find_acronyms(sent):
                        seen.setdefault(acr_letters(acr), []).append((q["id"], acr, lf, sent, doc))
    owner: dict[str, tuple] = {}
    for key, occ in seen.items():
        counts: dict[str, int] = {}
        for o in occ:
            counts[canon(o[2])] = counts.get(canon(o[2]), 0) + 1
        best = max(counts, key=lambda k: (counts[k], -next(i for i, o in enumerate(occ) if canon(o[2]) == k)))
        forms: dict[str, int] = {}
        for o in occ:
            if canon(o[2]) == best:
                forms[o[2]] = forms.get(o[2], 0) + 1
        form = max(forms, key=lambda f: (forms[f], -next(i for i, o in enumerate(occ) if o[2] == f)))
        owner[key] = next(o for o in occ if o[2] == form)
    return owner

def load_standard_acronyms(path: Path) -> dict[str, dict]:
    """decks/acronyms.yaml (a missing file: no standard acronyms), read like every curated file."""
    data = safeload.read_optional_mapping(path, "a mapping of acronym -> {expansion, context}")
    out = {}
    for acr, entry in data.items():
        if not isinstance(entry, dict) or not entry.get("expansion") or not entry.get("context"):
            raise InputError(str(path), str(acr), "needs an expansion and a context")
        out[str(acr)] = {"expansion": str(entry["expansion"]), "context": str(entry["context"])}
    return out
