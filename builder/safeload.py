"""Reading JSON/YAML input files that may be hostile, with one-line errors.

Limits, all checked before the parsed data is used:
- only regular files (a FIFO or device never blocks or streams forever), at
  most MAX_FILE_BYTES;
- YAML anchors/aliases are refused before anything is expanded ("billion
  laughs"), and so are duplicate keys (JSON and YAML: the last would win
  silently), nesting deeper than MAX_DEPTH and integers longer than MAX_DIGITS.
"""
from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import yaml
from yaml.events import AliasEvent

from .errors import InputError, shown

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 50
MAX_DIGITS = 100


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes; refuses non-regular files and files over `limit` without blocking."""
    file = str(path)
    try:
        st = os.stat(path)
    except OSError as e:
        raise InputError(file, None, f"cannot read: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(file, None, "not a regular file")
    if st.st_size > limit:
        raise InputError(file, None, f"file is {st.st_size} bytes; the limit is {limit} bytes")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between stat and open
                raise InputError(file, None, "not a regular file")
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read(limit + 1)
        finally:
            os.close(fd)
    except OSError as e:
        raise InputError(file, None, f"cannot read: {e.strerror or e}") from None
    if len(data) > limit:
        raise InputError(file, None, f"file is larger than the limit of {limit} bytes")
    return data


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    raw = read_bytes(path, limit)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(str(path), f"byte {e.start}", "not UTF-8 text") from None


def _line_col(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    return f"line {line} column {pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"


# Outside strings: brackets (for the depth) and long digit runs (int() refuses > 4300 digits).
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]|[\]}]|\d{%d,}' % (MAX_DIGITS + 1), re.S)


def _json_precheck(text: str, file: str) -> None:
    depth = 0
    for m in _JSON_TOKENS.finditer(text):
        tok = m.group(0)
        if tok in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(file, _line_col(text, m.start()), f"nested deeper than {MAX_DEPTH} levels")
        elif tok in ("]", "}"):
            depth -= 1
        elif tok[0] != '"':
            raise InputError(file, _line_col(text, m.start()), f"number with more than {MAX_DIGITS} digits")


class _DuplicateKey(ValueError):
    def __init__(self, key: str, pos: int | None = None):
        super().__init__(key)
        self.key, self.pos = key, pos


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _duplicate_position(text: str) -> int | None:
    """Where the object holding a duplicate key starts (slow pure-Python scan, only on the error path)."""
    decoder = json.JSONDecoder()

    def parse_object(s_and_end, *args, **kwargs):
        start = s_and_end[1] - 1

        def hook(pairs):
            try:
                return _no_duplicates(pairs)
            except _DuplicateKey as e:
                raise _DuplicateKey(e.key, start) from None
        args = list(args)
        args[3] = hook  # (strict, scan_once, object_hook, object_pairs_hook)
        return json.decoder.JSONObject(s_and_end, *args, **kwargs)

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    try:
        decoder.decode(text)
    except _DuplicateKey as e:
        return e.pos
    except ValueError:
        return None
    return None


def load_json(text: str, file: str) -> object:
    _json_precheck(text, file)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as e:
        pos = _duplicate_position(text)
        place = _line_col(text, pos) if pos is not None else None
        raise InputError(file, place, f"duplicate key {shown(e.key)} in one object") from None
    except json.JSONDecodeError as e:
        raise InputError(file, f"line {e.lineno} column {e.colno}", f"invalid JSON: {e.msg}") from None
    except (ValueError, RecursionError) as e:
        raise InputError(file, None, f"invalid JSON: {type(e).__name__}") from None


def _mark(mark) -> str | None:
    return f"line {mark.line + 1} column {mark.column + 1}" if mark else None


class StrictLoader(yaml.SafeLoader):
    """SafeLoader without anchors/aliases or duplicate keys, with depth and digit limits."""

    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(None, None, "YAML anchors and aliases (&name, *name) are not allowed",
                                              event.start_mark)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    dup = key in seen
                    seen.add(key)
                except TypeError:
                    continue  # unhashable: SafeConstructor reports it
                if dup:
                    raise yaml.constructor.ConstructorError(None, None, f"duplicate key {shown(key)}",
                                                            key_node.start_mark)
        return super().construct_mapping(node, deep)

    def construct_yaml_int(self, node):
        if len(str(node.value)) > MAX_DIGITS:
            raise yaml.constructor.ConstructorError(None, None, f"number with more than {MAX_DIGITS} digits",
                                                    node.start_mark)
        return super().construct_yaml_int(node)


StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)


def load_yaml(text: str, file: str) -> object:
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.reader.ReaderError as e:
        raise InputError(file, f"character {e.position}",
                         f"invalid YAML: character U+{ord(e.character) if isinstance(e.character, str) else e.character:04X} is not allowed") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or "syntax error"
        raise InputError(file, _mark(mark), f"invalid YAML: {problem}") from None
    except (ValueError, RecursionError) as e:
        raise InputError(file, None, f"invalid YAML: {type(e).__name__}") from None


def read_file(path: Path) -> object:
    """Parse JSON or YAML (by extension; YAML also accepts JSON) under the limits above."""
    text = read_text(path)
    if path.suffix.lower() == ".json":
        return load_json(text, str(path))
    return load_yaml(text, str(path))


def read_optional_mapping(path: Path, expected: str) -> dict:
    """A curated data file that may be absent (then an empty mapping) and must hold a mapping."""
    if not path.exists():
        return {}
    data = read_file(path) or {}  # regular file, size limit, no aliases or duplicate keys
    if not isinstance(data, dict):
        raise InputError(str(path), None, f"expected {expected}")
    return data
