"""Does an Image Occlusion card show its own answer? Content words of masked vs visible text.

On the front of an occlusion card every mask is hidden ("hide all, guess one"), but the
Header field and the diagram's unmasked texts stay visible. A masked label is given away
when any of its content words can be read there: unmasked "Output embedding + positional
enc." beside masked "Input embedding + positional encoding" lets the learner copy instead
of recall. Words are compared after NFKC, lower-casing, TeX-command removal, expanding
abbreviations ("enc." = "encoding") and a crude suffix stemming ("scaled" = "scale",
"outputs" = "output"); stopwords never count. No matplotlib, no I/O: the catalogue
loader runs it on every build and the tests run it on the imported notes.
"""
from __future__ import annotations

import re
import unicodedata

STOPWORDS = frozenset("""
    a an the of and or to in on for with by from at as is are be been it its this that these those
    what which who how why where when into over per vs via not no
""".split())

#: abbreviations used on the images -> the word they stand for
ABBREVIATIONS = {"enc": "encoding", "pos": "positional", "emb": "embedding", "opt": "optional",
                 "db": "database", "std": "standard", "dim": "dimension", "prob": "probability",
                 "approx": "approximation", "attn": "attention", "seq": "sequence"}

_SUFFIXES = ("ing", "ed", "es", "s", "e")
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+")
_WORD = re.compile(r"[^\W_]+")


def _stem(word: str) -> str:
    """Strip plural / verb endings until none applies (stem of at least 3 letters)."""
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word, changed = word[: -len(suffix)], True
                break
    return word


def _words(text: str) -> dict[str, str]:
    """stem -> the (abbreviation-expanded) word it came from."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _TEX_COMMAND.sub(" ", text).lower()
    words: dict[str, str] = {}
    for w in _WORD.findall(text):
        w = ABBREVIATIONS.get(w, w)
        if w not in STOPWORDS:
            words.setdefault(_stem(w), w)
    return words


def content_words(text: str) -> set[str]:
    """The stems of the words a reader would match, for a label, a header or an image text."""
    return set(_words(text))


def giveaways(masked: list[str], visible: list[tuple[str, str]]) -> list[str]:
    """One message per (masked label, visible text) pair that share a content word.

    `masked`: the labels' answer texts; `visible`: (where, text) pairs such as
    ("header", "GAN training: name the hidden part.") or ("unmasked image text", "Inputs")."""
    problems = []
    seen = [(place, text, content_words(text)) for place, text in visible]
    for label in masked:
        words = _words(label)
        for place, text, shown in seen:
            common = sorted(words[stem] for stem in words.keys() & shown)
            if common:
                problems.append(f"masked label {_short(label)} is given away by the {place} "
                                f"{_short(text)} (shared: {', '.join(common)})")
    return problems


def _short(text: str, limit: int = 60) -> str:
    text = " ".join((text or "").split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
