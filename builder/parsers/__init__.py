"""Document parsers, one module per source document (their formats differ too much to share one).

`PARSERS` maps a document's 3-digit file-name prefix to its `parse(text, document)`.
"""
from __future__ import annotations

from importlib import import_module


def _lazy(module: str):
    def parse(text: str, document: str):
        return import_module(f"{__name__}.{module}").parse(text, document)
    return parse


PARSERS = {prefix: _lazy(f"doc{prefix}") for prefix in ("000", "001", "002", "003", "004")}
