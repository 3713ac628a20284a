"""The one error type the CLI turns into a one-line message and exit status 2.

Everything in the message may come from hostile input (ids, values, even the
file name), so the parts are made safe here, centrally: characters that are not
printable (newlines, terminal escapes, bidi controls, lone surrogates) are shown
as escapes and each part is shortened, so the line stays one short line.
"""
from __future__ import annotations

QUOTE_MAX = 80
PART_MAX = {"file": 160, "place": 160, "message": 300}


def _escape(text: str) -> str:
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def shown(value: object, limit: int = QUOTE_MAX) -> str:
    """A value from the input, quoted repr-like and at most `limit` characters: safe on one line."""
    if not isinstance(value, str):
        return safe_part(repr(value), limit)
    if len(value) <= limit and len(repr(value)) <= limit:
        return repr(value)
    cut = min(len(value), limit)
    while cut and len(repr(value[:cut])) > limit - 1:
        cut -= 1
    return repr(value[:cut]) + "…"


def safe_part(text: object, limit: int) -> str:
    """One part of an error line: non-printable characters escaped, shortened to `limit`."""
    return _shorten(_escape(str(text)), limit)


class InputError(Exception):
    """Bad input: `str(err)` is a single line naming the file and the place."""

    def __init__(self, file: str, place: str | None, message: str):
        file = safe_part(file, PART_MAX["file"])
        place = safe_part(place, PART_MAX["place"]) if place else place
        message = safe_part(message, PART_MAX["message"])
        self.file, self.place, self.message = file, place, message
        where = f"{file}: {place}" if place else file
        super().__init__(f"{where}: {message}")
