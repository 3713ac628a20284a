"""The four note types as data (`notetypes.json`): the one definition the builder and the add-on share.

Per kind: the frozen model id and name, the field list in order, the field holding the note's own
permanent id (`id_field`; on the Image Occlusion type a `qa-id` span in Comments), the field that
names the Q&A notes it links to (`link_field`: `qa-id` spans, or on a cloze the plain question id),
the GUID namespace the builder derives GUIDs in, and the fields the add-on needs to recognise a
copy of the type by name (`addon_reads`). `builder/anki/models.py` builds genanki models from
these specs (templates and CSS stay there); the add-on finds its note types in a collection with
`find_note_types` below.
Anki matches note types by id and refuses updates when the field list changes: a structural change
needs a new model id and name.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

SPEC_PATH = Path(__file__).with_name("notetypes.json")
KINDS = ("qa", "cloze", "io", "figure")


class NoteTypeSpec(NamedTuple):
    """One entry of notetypes.json (see the module docstring)."""

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
    out: dict[str, NoteTypeSpec] = {}
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


# ---------------------------------------------------------------- in a collection (the add-on)

@dataclass
class NoteTypes:
    """Our note types in one collection: kind by model id, field positions by model id."""

    kind_by_mid: dict[int, str] = field(default_factory=dict)
    fields_by_mid: dict[int, dict[str, int]] = field(default_factory=dict)

    def mids(self, kind: str) -> list[int]:
        return sorted(mid for mid, k in self.kind_by_mid.items() if k == kind)

    def field(self, mid: int, fields: list[str], name: str) -> str:
        idx = self.fields_by_mid.get(mid, {}).get(name)
        return fields[idx] if idx is not None and idx < len(fields) else ""


def find_note_types(col) -> NoteTypes:
    """Our note types: by model id, or by name (a copy imported as "Name" or "Name+")."""
    nt = NoteTypes()
    wanted_names = {v: k for k, v in model_names().items()}
    wanted_ids = {v: k for k, v in model_ids().items()}
    for entry in col.models.all_names_and_ids():
        mid, name = int(entry.id), entry.name
        kind = wanted_ids.get(mid) or wanted_names.get(name) or wanted_names.get(name.rstrip("+"))
        if kind is None:
            continue
        model = col.models.get(mid)
        if not model:
            continue
        fmap = {f["name"]: f["ord"] for f in model["flds"]}
        if all(f in fmap for f in spec(kind).addon_reads):
            nt.kind_by_mid[mid] = kind
            nt.fields_by_mid[mid] = fmap
    return nt
