"""The one error type the CLI turns into a one-line message and exit status 2."""
from __future__ import annotations


class InputError(Exception):
    """Bad input: `str(err)` is a single line naming the file and the place."""

    def __init__(self, file: str, place: str | None, message: str):
        self.file, self.place, self.message = file, place, message
        where = f"{file}: {place}" if place else file
        super().__init__(f"{where}: {message}")
