"""The HTML allow-list of card fields (`allowlist.json`), one definition for two sanitizers.

The builder hands it to nh3 (builder/render.py) for everything it writes; the add-on hands it to
its BeautifulSoup cleaner (common/sanitize.py) for everything the panel shows from note fields.
Tags outside `tags` lose their markup (`drop_with_content` ones also their content), attributes
outside `attributes` are dropped, `class` keeps only names matching `class_pattern` (math and the
builder's `qa-*` classes). Each sanitizer adds its own URL rules (http(s) links, media file names).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).with_name("allowlist.json")


@dataclass(frozen=True)
class HtmlAllowList:
    tags: frozenset[str]
    attributes: dict[str, frozenset[str]]
    class_pattern: re.Pattern
    drop_with_content: frozenset[str]

    def classes(self, value: str) -> str | None:
        """The allowed class names of a `class` value, or None when none is left."""
        return " ".join(c for c in value.split() if self.class_pattern.match(c)) or None


@lru_cache(maxsize=1)
def html_allow_list() -> HtmlAllowList:
    data = json.loads(PATH.read_text(encoding="utf-8"))
    return HtmlAllowList(
        tags=frozenset(data["tags"]),
        attributes={tag: frozenset(names) for tag, names in data["attributes"].items()},
        class_pattern=re.compile(data["class_pattern"]),
        drop_with_content=frozenset(data["drop_with_content"]))
