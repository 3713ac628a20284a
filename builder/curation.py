"""Human corrections to the parsed documents, kept as data in `decks/curation.yaml`.

Occurrence references are written `"<doc>: <question text>"` where `<doc>` is the
document's 3-digit prefix (`000` … `004`) and the text is the printed question
(compared case-, punctuation- and spacing-insensitively; a unique prefix is
enough). Canonical questions are referenced by their permanent id (`q0042`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import fieldcheck, safeload
from .errors import InputError
from .textkey import key

REF_RE = re.compile(r"^(\d{3}):\s*(.+)$", re.S)
ID_RE = re.compile(r"^q\d{4,}$")
FIX_FIELDS = {"question", "answer", "section"}


@dataclass
class Fix:
    document: str
    field: str
    find: str
    replace: str


@dataclass
class Recovery:
    document: str
    answer_starts: str
    question: str
    source: str


@dataclass
class Curation:
    synonyms: dict[str, str] = field(default_factory=dict)
    merge_threshold: float = 92.0
    review_threshold: float = 80.0
    recover: list[Recovery] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)
    merge: list[list[str]] = field(default_factory=list)
    distinct: list[list[str]] = field(default_factory=list)  # related-but-different: kept apart, linked
    apart: list[list[str]] = field(default_factory=list)  # look-alike wording only: kept apart, not linked
    overrides: dict[str, dict] = field(default_factory=dict)
    corrections: dict[str, list[dict]] = field(default_factory=dict)
    drop_figures: list[str] = field(default_factory=list)


def _req(entry, name: str, where: str, file: str) -> str:
    value = entry.get(name) if isinstance(entry, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise InputError(file, where, f"'{name}' must be a non-empty string")
    return value


def _ref_list(value, where: str, file: str) -> list[list[str]]:
    if not isinstance(value, list):
        raise InputError(file, where, "must be a list of lists of references")
    out = []
    for i, group in enumerate(value):
        if not isinstance(group, list) or len(group) < 2:
            raise InputError(file, f"{where}[{i}]", "must list at least two references")
        for j, ref in enumerate(group):
            if not isinstance(ref, str) or not REF_RE.match(ref):
                raise InputError(file, f"{where}[{i}][{j}]", 'reference must look like "004: question text"')
        out.append(group)
    return out


def load(path: Path) -> Curation:
    """Read and check curation.yaml; any problem is an InputError naming the entry."""
    file = str(path)
    data = safeload.load_yaml(safeload.read_text(path), file) or {}
    for steps, text, _ in fieldcheck.walk_strings(data):
        problem = fieldcheck.bad_char(text)
        if problem:
            raise InputError(file, ".".join(map(str, steps)) or None, f"{problem} is not allowed")
    if not isinstance(data, dict):
        raise InputError(file, None, "top level must be a mapping")
    cur = Curation()
    cur.synonyms = {str(k): str(v) for k, v in (data.get("synonyms") or {}).items()}
    th = data.get("thresholds") or {}
    cur.merge_threshold = float(th.get("merge", cur.merge_threshold))
    cur.review_threshold = float(th.get("review", cur.review_threshold))
    if "related" in th:
        raise InputError(file, "thresholds.related", "no longer used: related questions come from builder/related.py")
    for i, e in enumerate(data.get("recover") or []):
        where = f"recover[{i}]"
        cur.recover.append(Recovery(_req(e, "document", where, file), _req(e, "answer_starts", where, file),
                                    _req(e, "question", where, file), _req(e, "from", where, file)))
    for i, e in enumerate(data.get("fixes") or []):
        where = f"fixes[{i}]"
        fx = Fix(_req(e, "document", where, file), _req(e, "field", where, file),
                 _req(e, "find", where, file), str(e.get("replace", "")))
        if fx.field not in FIX_FIELDS:
            raise InputError(file, where, f"field must be one of {sorted(FIX_FIELDS)}")
        cur.fixes.append(fx)
    cur.merge = _ref_list(data.get("merge") or [], "merge", file)
    cur.distinct = _ref_list(data.get("distinct") or [], "distinct", file)
    cur.apart = _ref_list(data.get("apart") or [], "apart", file)
    for qid, ov in (data.get("overrides") or {}).items():
        if not ID_RE.match(str(qid)) or not isinstance(ov, dict):
            raise InputError(file, f"overrides.{qid}", "key must be a question id like q0042 with a mapping value")
        cur.overrides[str(qid)] = ov
    for qid, entries in (data.get("corrections") or {}).items():
        where = f"corrections.{qid}"
        if not ID_RE.match(str(qid)) or not isinstance(entries, list) or not entries:
            raise InputError(file, where, "key must be a question id like q0042 with a list of corrections")
        cur.corrections[str(qid)] = [
            {"source_said": _req(e, "source_said", f"{where}[{i}]", file).strip(),
             "correct": _req(e, "correct", f"{where}[{i}]", file).strip()}
            for i, e in enumerate(entries)]
    drop = data.get("drop_figures") or []
    if not isinstance(drop, list) or not all(isinstance(r, str) and r.strip() for r in drop):
        raise InputError(file, "drop_figures", "must be a list of figure references like 003_ch1_q2_fig1")
    cur.drop_figures = [r.strip() for r in drop]
    return cur


class RefResolver:
    """Finds the occurrences a `"<doc>: text"` reference names."""

    def __init__(self, occurrences, file: str):
        self.file = file
        self._by_doc: dict[str, list[tuple[str, int]]] = {}
        for i, occ in enumerate(occurrences):
            self._by_doc.setdefault(occ.document[:3], []).append((key(occ.question), i))

    def resolve(self, ref: str, where: str) -> list[int]:
        m = REF_RE.match(ref)
        doc, text = m.group(1), key(m.group(2))
        entries = self._by_doc.get(doc, [])
        exact = [i for k, i in entries if k == text]
        if exact:
            return exact
        prefixed = [i for k, i in entries if k.startswith(text)]
        if len({entries_k for entries_k, i in entries if i in prefixed}) == 1:
            return prefixed
        if not prefixed:
            raise InputError(self.file, where, f"no question of document {doc} matches {ref!r}")
        raise InputError(self.file, where, f"{ref!r} matches {len(prefixed)} different questions; quote more text")
