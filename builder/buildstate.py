"""The package time: strictly newer whenever the notes changed (`<output-dir>/.build-state.json`).

Anki updates an imported note only when the package's note is newer than its
own, at one-second resolution. A time taken from the input's mtime alone fails
for an edit within the same second as the previous build (Anki keeps the old
note). So the output folder remembers the last build's content hash and time:
same notes → the same time (rebuilds stay byte-identical), changed notes →
at least one second newer than that build.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

STATE_NAME = ".build-state.json"


def notes_digest(notes) -> str:
    """Hash of what Anki imports per note: GUID, note type, fields, tags, deck, media names."""
    h = hashlib.sha256()
    for n in sorted(notes, key=lambda n: (n.note.guid, n.kind)):
        record = [n.kind, n.note.guid, n.note.model.model_id, list(n.note.fields), sorted(n.note.tags), n.deck,
                  list(n.media)]
        h.update(json.dumps(record, ensure_ascii=True).encode())
        h.update(b"\n")
    return h.hexdigest()


def _previous(out_dir: Path) -> dict | None:
    try:
        state = json.loads((out_dir / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(state, dict) and isinstance(state.get("sha256"), str) and isinstance(state.get("timestamp"), int):
        return state
    return None


class Stamp:
    """Decide the package time for `notes` built into `out_dir`; `save()` once the outputs are written."""

    def __init__(self, out_dir: Path, notes, base: int):
        self.out_dir, self.digest = Path(out_dir), notes_digest(notes)
        prev = _previous(self.out_dir)
        if prev is None:
            self.timestamp = base
        elif prev["sha256"] == self.digest:
            self.timestamp = max(base, prev["timestamp"])
        else:
            self.timestamp = max(base, prev["timestamp"] + 1)

    def save(self) -> None:
        text = json.dumps({"sha256": self.digest, "timestamp": self.timestamp}) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=f".{STATE_NAME}.", suffix=".tmp", dir=self.out_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, self.out_dir / STATE_NAME)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
