"""Display names of topic tags, for the add-on (stdlib only, no Qt, no anki import).

The taxonomy (decks/topics.yaml) lives with the builder, which the add-on cannot read at run time:
the build writes its names into the add-on package as `core/topic_names.json`
(builder/addon_package.py, from the same taxonomy the decks were built with), so topics.yaml stays
the one definition. A tag the file does not name (another deck, a user's own tag, an add-on run
from the source folder) shows its last segment with underscores as spaces.
"""
from __future__ import annotations

import json
from pathlib import Path

FILE_NAME = "topic_names.json"
FORMAT = 1
_cache: dict[str, str] | None = None


def readable(tag: str) -> str:
    """Last segment of a tag, underscores as spaces: "GenAI::ML_Foundations" -> "ML Foundations"."""
    return " ".join(tag.split("::")[-1].replace("_", " ").split()) or tag


def to_json(names: dict[str, str]) -> str:
    """The file the build ships: {"format": 1, "names": {tag path: display name}}, byte-stable."""
    return json.dumps({"format": FORMAT, "names": dict(sorted(names.items()))}, ensure_ascii=False,
                      indent=1, sort_keys=True) + "\n"


def parse(text: str) -> dict[str, str]:
    """Names from the file's text, keyed by lower-cased tag (Anki tags ignore case); {} if unusable."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    names = data.get("names") if isinstance(data, dict) and data.get("format") == FORMAT else None
    if not isinstance(names, dict):
        return {}
    return {k.lower(): " ".join(v.split()) for k, v in names.items()
            if isinstance(k, str) and isinstance(v, str) and v.strip()}


def load(path: Path | None = None) -> dict[str, str]:
    """The shipped names (read once); {} when the file is missing or broken."""
    global _cache
    if path is not None:
        try:
            return parse(Path(path).read_text(encoding="utf-8"))
        except OSError:
            return {}
    if _cache is None:
        _cache = load(Path(__file__).with_name(FILE_NAME))
    return _cache


def display_name(tag: str, names: dict[str, str] | None = None) -> str:
    """What a learner reads for a tag: the taxonomy's name, else the readable last segment."""
    names = load() if names is None else names
    return names.get(tag.lower()) or readable(tag)
