"""The four note types as data (`notetypes.json`): the one definition the builder and the add-on share.

Per kind: the frozen model id and name, the field list in order, the field holding the note's own
permanent id (`id_field`; on the Image Occlusion type a `qa-id` span in Comments), the field that
names the Q&A notes it links to (`link_field`: `qa-id` spans, or on a cloze the plain question id),
the GUID namespace the builder derives GUIDs in, and the fields the add-on needs to recognise a
copy of the type by name (`addon_reads`). `builder/anki/models.py` builds genanki models from
these specs (templates and CSS stay there); the add-on's note-type finder (panel/links.py) reads them.
Anki matches note types by id and refuses updates when the field list changes: a structural change
needs a new model id and name.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SPEC_PATH = Path(__file__).with_name("notetypes.json")
KINDS = ("qa", "cloze", "io", "figure")


@dataclass(frozen=True)
class NoteTypeSpec:
    kind: str
    model_id: int
    name: str
    fields: tuple[str, ...]
    id_field: str
    link_field: str
    guid_namespace: str
    addon_reads: tuple[str, ...]

    def index(self, field_name: str) -> int:
        return self.fields.index(field_name)


@lru_cache(maxsize=1)
def specs() -> dict[str, NoteTypeSpec]:
    """kind -> spec, in the file's order (qa, cloze, io, figure)."""
    data = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    out = {}
    for entry in data["note_types"]:
        entry = dict(entry, fields=tuple(entry["fields"]), addon_reads=tuple(entry["addon_reads"]))
        out[entry["kind"]] = NoteTypeSpec(**entry)
    return out


def spec(kind: str) -> NoteTypeSpec:
    return specs()[kind]


def model_ids() -> dict[str, int]:
    return {k: s.model_id for k, s in specs().items()}


def model_names() -> dict[str, str]:
    return {k: s.name for k, s in specs().items()}


def guid_namespaces() -> dict[str, str]:
    return {k: s.guid_namespace for k, s in specs().items()}
