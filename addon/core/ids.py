"""The permanent-id pattern: a question's (or figure's, or cloze's) identity in Anki, never changed.

The builder validates input ids with it, the add-on accepts only ids matching it from fields and
from its webviews. `decks/schema.json` keeps a copy (it is data for the JSON-schema validator);
tests/test_core_contract.py checks that the two are the same.
"""
from __future__ import annotations

import re

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ID_RE = re.compile(ID_PATTERN)
MAX_LEN = 64


def is_id(value: object) -> bool:
    return isinstance(value, str) and ID_RE.match(value) is not None
