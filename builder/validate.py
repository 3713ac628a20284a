"""Reading a question set from a user's file (JSON or YAML) with one-line errors.

Structure is checked against the published `decks/schema.json`; then the rules
a schema cannot say: unique ids, `related` pointing at ids of the same set, no
self-links, balanced math delimiters, no ids or topics differing only in letter
case, no control characters (Anki's field separator U+001F among them) in any
string. Every HTML field is sanitized and `$` math is rewritten to Anki's
`\\( \\)` / `\\[ \\]`; what will be written is checked again: math still balanced,
something visible left, nesting within fieldcheck.MAX_HTML_DEPTH.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from addon.core import ids, texsafe

from . import fieldcheck, key_points, safeload
from .errors import InputError, shown
from .published import check_retired
from .render import protect_math, sanitize, text_to_html

MATH_FIELDS = ("question", "answer_html")
MAX_FIELD_CHARS = 1_000_000
_ID_RE = ids.ID_RE
_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@lru_cache(maxsize=4)
def _validator(schema: str, mtime_ns: int, size: int) -> Draft202012Validator:
    """The published schema (decks/schema.json of the deck folder), read once per file version."""
    data = safeload.read_file(Path(schema))
    try:
        Draft202012Validator.check_schema(data)
    except SchemaError as e:
        raise InputError(schema, "/".join(map(str, e.path)) or None, f"not a valid JSON Schema: {shown(e.message, 120)}") from None
    return Draft202012Validator(data)


def validator(schema: Path) -> Draft202012Validator:
    try:
        st = Path(schema).stat()
    except OSError as e:
        raise InputError(str(schema), None, f"cannot read the schema: {e.strerror or e}") from None
    return _validator(str(schema), st.st_mtime_ns, st.st_size)


def id_label(qid: object) -> str:
    return qid if isinstance(qid, str) and _ID_RE.match(qid) else shown(qid)


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
                parts.append(f" (id {id_label(node['id'])})")
        else:
            label = step if isinstance(step, str) and _KEY_RE.match(step) else f"[{shown(step)}]"
            parts.append(("." if parts and not label.startswith("[") else "") + label)
            node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts) or "top level"


def _message(err) -> str:
    path = list(err.path)
    if err.validator == "required":
        return err.message.replace("is a required property", "is missing")
    if err.validator == "pattern" and "topics" in path:
        return f"malformed topic path {shown(err.instance)} (use Segment::Sub::Leaf, at most 3 levels, no spaces)"
    if err.validator in ("minLength", "pattern", "minItems") and not (
            err.instance.strip() if isinstance(err.instance, str) else err.instance):
        return "must not be empty"
    # jsonschema's messages start with the whole offending value: quote it short instead.
    instance = repr(err.instance)
    if err.message.startswith(instance):
        return shown(err.instance) + err.message[len(instance):]
    return err.message


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


def check_strings(data, file: str) -> None:
    """Every string (values and keys): no control characters, at most MAX_FIELD_CHARS."""
    for steps, text, is_key in fieldcheck.walk_strings(data):
        problem = fieldcheck.bad_char(text)
        if problem is None and len(text) > MAX_FIELD_CHARS:
            problem = f"{len(text)} characters; the limit is {MAX_FIELD_CHARS}"
        if problem:
            what = "key" if is_key else "text"
            raise InputError(file, _place(data, steps), f"{what} {shown(text, 40)} has a {problem}"
                             if "control" in problem else f"{what} is {problem}")


def _check_ids_and_topics(data: dict, file: str) -> dict[str, int]:
    """Unique ids and topic spellings, ignoring letter case (Anki's searches and decks ignore it)."""
    seen: dict[str, int] = {}
    for i, q in enumerate(data["questions"]):
        low = q["id"].lower()
        if low in seen:
            other = data["questions"][seen[low]]["id"]
            why = "duplicate id" if other == q["id"] else f"id differs only in letter case from {other}"
            raise InputError(file, f"questions[{i}] (id {q['id']}).id", f"{why} (also questions[{seen[low]}])")
        seen[low] = i
    spelled: dict[str, tuple[str, str]] = {}
    for i, q in enumerate(data["questions"]):
        for j, topic in enumerate(q["topics"]):
            segments = topic.split("::")
            for k in range(1, len(segments) + 1):
                prefix = "::".join(segments[:k])
                first, where = spelled.setdefault(prefix.lower(), (prefix, f"questions[{i}].topics[{j}]"))
                if first != prefix:
                    raise InputError(file, f"questions[{i}] (id {q['id']}).topics[{j}]",
                                     f"topic {shown(prefix)} differs only in letter case from {shown(first)} ({where})")
    return {q["id"]: i for i, q in enumerate(data["questions"])}


def _html_fields(q: dict, where: str):
    yield f"{where}.question", q["question_html"], True
    yield f"{where}.answer_html", q["answer_html"], True
    for k, s in enumerate(q["sources"]):
        yield f"{where}.sources[{k}].answer_html", s["answer_html"], True
        yield f"{where}.sources[{k}].question", s["question"], False
        yield f"{where}.sources[{k}].document", s["document"], False
    for k, f in enumerate(q["figures"]):
        yield f"{where}.figures[{k}].ref", f["ref"], False


def _check_written(clean: dict, file: str) -> None:
    """Check what will be written (after sanitizing), not only what was read."""
    for i, q in enumerate(clean["questions"]):
        for place, value, is_html in _html_fields(q, f"questions[{i}] (id {q['id']})"):
            if is_html:
                depth = fieldcheck.html_depth(value)
                if depth > fieldcheck.MAX_HTML_DEPTH:
                    raise InputError(file, place, f"HTML nested {depth} levels deep; the limit is "
                                                  f"{fieldcheck.MAX_HTML_DEPTH}")
                problem = check_math(value)
                if problem:
                    raise InputError(file, place, f"unbalanced math delimiters after removing disallowed HTML: "
                                                  f"{problem}")
            if not (fieldcheck.html_shows_something(value) if is_html else fieldcheck.visible_text(value)):
                raise InputError(file, place, "shows nothing: no visible text or image"
                                              + (" left after removing disallowed HTML" if is_html else ""))


def load_question_set(path: Path, schema: Path) -> dict:
    """Read, validate (against `schema`, the deck folder's schema.json) and clean a user's question
    set; raise InputError on the first problem."""
    schema_check = validator(schema)
    data = safeload.read_file(path)
    file = str(path)
    check_strings(data, file)
    errors = sorted(schema_check.iter_errors(data), key=lambda e: (list(map(str, e.path)), e.validator))
    if errors:
        err = errors[0]
        raise InputError(file, _place(data, err.path), _message(err))
    seen = _check_ids_and_topics(data, file)
    for i, q in enumerate(data["questions"]):
        where = f"questions[{i}] (id {q['id']})"
        for j, rid in enumerate(q["related"]):
            if rid == q["id"]:
                raise InputError(file, f"{where}.related[{j}]", "a question cannot be related to itself")
            if rid not in seen:
                raise InputError(file, f"{where}.related[{j}]", f"points to unknown id {shown(rid)}")
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
            if fieldcheck.html_depth(value, raw=True) > fieldcheck.MAX_RAW_DEPTH:
                raise InputError(file, place, f"HTML nested over {fieldcheck.MAX_RAW_DEPTH} levels deep")
        hit = texsafe.first_forbidden(q)  # \href, \style, … would reach MathJax as live links and CSS
        if hit:
            raise InputError(file, where + hit[0], f"TeX command '{hit[1]}' is not allowed in cards "
                             "(allowed: addon/core/tex_allowlist.json)")
    check_retired(data, file)
    clean = clean_question_set(data)
    _check_written(clean, file)
    return clean


def _html(value: str) -> str:
    return sanitize(protect_math(dollars_to_mathjax(value)))


def clean_question_set(data: dict) -> dict:
    """Sanitize every HTML field and convert `$` math; plain-text fields get an escaped HTML twin."""
    out = []
    for q in data["questions"]:
        q = dict(q)
        q["question"] = q["question"].strip()
        if q.get("key_points"):
            q["key_points"] = [p.strip() for p in q["key_points"]]
        q["question_html"] = sanitize(dollars_to_mathjax(text_to_html(q["question"])))
        q["answer_html"] = _html(q["answer_html"])
        q["sources"] = [dict(s, answer_html=_html(s["answer_html"])) for s in q["sources"]]
        q["figures"] = [dict(f) for f in q["figures"]]
        out.append(q)
    return {**data, "questions": out}
