"""Reading a question set from a user's file (JSON or YAML) with one-line errors.

Structure is checked against the published `decks/schema.json`; then the rules
a schema cannot say: unique ids, `related` pointing at ids of the same set, no
self-links, balanced math delimiters. Every HTML field is sanitized and `$`
math is rewritten to Anki's `\\( \\)` / `\\[ \\]` before anything uses it.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from . import key_points
from .errors import InputError
from .render import sanitize, text_to_html

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "decks" / "schema.json"
MATH_FIELDS = ("question", "answer_html")


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def read_file(path: Path) -> object:
    """Parse JSON or YAML (by extension; YAML also accepts JSON)."""
    file = str(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as e:
        raise InputError(file, None, f"cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise InputError(file, f"byte {e.start}", "not UTF-8 text") from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(file, f"line {e.lineno} column {e.colno}", f"invalid JSON: {e.msg}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        place = f"line {mark.line + 1} column {mark.column + 1}" if mark else None
        problem = getattr(e, "problem", None) or "syntax error"
        raise InputError(file, place, f"invalid YAML: {problem}") from None


def _place(data, path) -> str:
    """`questions[3] (id q0042).sources[0].answer_html` from a jsonschema error path."""
    parts: list[str] = []
    node = data
    for step in path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
            try:
                node = node[step]
            except (IndexError, KeyError, TypeError):
                node = None
            if len(parts) == 2 and isinstance(node, dict) and isinstance(node.get("id"), str):
                parts.append(f" (id {node['id']})")
        else:
            parts.append(("." if parts else "") + str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts) or "top level"


def _message(err) -> str:
    path = list(err.path)
    if err.validator == "required":
        return err.message.replace("is a required property", "is missing")
    if err.validator == "pattern" and "topics" in path:
        return f"malformed topic path {err.instance!r} (use Segment::Sub::Leaf, at most 3 levels, no spaces)"
    if err.validator in ("minLength", "pattern", "minItems") and not (
            err.instance.strip() if isinstance(err.instance, str) else err.instance):
        return "must not be empty"
    return err.message


_DOLLAR = re.compile(r"(?<!\\)\$")


def check_math(text: str) -> str | None:
    """None if math delimiters balance, else a short description of the problem."""
    stack: list[str] = []
    for m in re.finditer(r"\\[()\[\]]", text):
        tok = m.group(0)
        if tok in ("\\(", "\\["):
            if stack:
                return f"{tok} opened inside {stack[-1]}"
            stack.append(tok)
        else:
            want = "\\(" if tok == "\\)" else "\\["
            if not stack or stack[-1] != want:
                return f"{tok} without a matching {want}"
            stack.pop()
    if stack:
        return f"{stack[-1]} is never closed"
    stripped = re.sub(r"\$(?=\d)", "", text.replace("\\$", ""))  # "$5" is money
    if stripped.count("$$") % 2:
        return "$$ is never closed"
    if stripped.replace("$$", "").count("$") % 2:
        return "$ is never closed"
    return None


_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)(?!\d)(.+?)(?<![\\$])\$(?!\$)", re.S)


def dollars_to_mathjax(html_text: str) -> str:
    r"""Rewrite `$$…$$` / `$…$` to `\[…\]` / `\(…\)`: Anki's MathJax ignores `$`."""
    html_text = _DISPLAY.sub(lambda m: f"\\[{m.group(1)}\\]", html_text)
    return _INLINE.sub(lambda m: f"\\({m.group(1)}\\)", html_text)


def load_question_set(path: Path) -> dict:
    """Read, validate and clean a user's question set; raise InputError on the first problem."""
    data = read_file(path)
    file = str(path)
    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(map(str, e.path)), e.validator))
    if errors:
        err = errors[0]
        raise InputError(file, _place(data, err.path), _message(err))
    seen: dict[str, int] = {}
    for i, q in enumerate(data["questions"]):
        if q["id"] in seen:
            raise InputError(file, f"questions[{i}] (id {q['id']}).id", f"duplicate id (also questions[{seen[q['id']]}])")
        seen[q["id"]] = i
    for i, q in enumerate(data["questions"]):
        where = f"questions[{i}] (id {q['id']})"
        for j, rid in enumerate(q["related"]):
            if rid == q["id"]:
                raise InputError(file, f"{where}.related[{j}]", "a question cannot be related to itself")
            if rid not in seen:
                raise InputError(file, f"{where}.related[{j}]", f"points to unknown id {rid!r}")
        if "key_points" in q:
            why = key_points.problem(q["key_points"])
            if why:
                raise InputError(file, f"{where}.key_points", f"key points {why}")
        fields = [(f"{where}.{f}", q[f]) for f in MATH_FIELDS]
        fields += [(f"{where}.sources[{k}].{f}", s[f]) for k, s in enumerate(q["sources"]) for f in MATH_FIELDS]
        fields += [(f"{where}.key_points[{k}]", p) for k, p in enumerate(q.get("key_points") or [])]
        for place, value in fields:
            problem = check_math(value)
            if problem:
                raise InputError(file, place, f"unbalanced math delimiters: {problem}")
    return clean_question_set(data)


def clean_question_set(data: dict) -> dict:
    """Sanitize every HTML field and convert `$` math; plain-text fields get an escaped HTML twin."""
    out = []
    for q in data["questions"]:
        q = dict(q)
        q["question"] = q["question"].strip()
        if q.get("key_points"):
            q["key_points"] = [p.strip() for p in q["key_points"]]
        q["question_html"] = sanitize(dollars_to_mathjax(text_to_html(q["question"])))
        q["answer_html"] = sanitize(dollars_to_mathjax(q["answer_html"]))
        q["sources"] = [dict(s, answer_html=sanitize(dollars_to_mathjax(s["answer_html"]))) for s in q["sources"]]
        q["figures"] = [dict(f) for f in q["figures"]]
        out.append(q)
    return {**data, "questions": out}
