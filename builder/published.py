"""Every note the committed deck has ever shipped, kept in `decks/published.json`.

Anki's import never deletes: a note that leaves the deck stays in every learner's
collection. So each note the build emits (kind + permanent id; its GUID comes from
the kind's namespace, recorded too) is remembered here, and one that is no longer
emitted is marked retired, with the date, its question text and the question that
replaced it when it was merged. The build then ships a cardless "retired" stub
with the same GUID (builder/anki/retired.py), which updates the learner's note.

`build.py normalize` updates the file (it builds the notes once to see what the
build emits); a test fails when the record and the build disagree. User sets
(`--input`) list their own retired ids in a top-level `retired` key instead.
"""
from __future__ import annotations

import json
from pathlib import Path

from .errors import InputError

FORMAT = "genai-published/1"
KINDS = ("qa", "cloze", "figure", "io")
ENTRY_KEYS = ("id", "kind", "retired", "replaced_by", "question", "cards")


def key(kind: str, pid: str) -> str:
    return f"{kind}:{pid}"


def load(path: Path) -> dict:
    """{"guid_namespaces": {...}, "notes": {"kind:id": {...}}}; an absent file is an empty record."""
    if not path.exists():
        return {"format": FORMAT, "guid_namespaces": {}, "notes": {}}
    try:
        return load_text(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise InputError(str(path), None, 'not a valid record of published notes (expected {"notes": {"kind:id": {...}}})') from None


def load_text(text: str) -> dict:
    data = json.loads(text)
    notes = data["notes"]
    if not isinstance(notes, dict) or not all(isinstance(v, dict) and k.split(":", 1)[0] in KINDS
                                              for k, v in notes.items()):
        raise ValueError("not a record")
    return {"format": FORMAT, "guid_namespaces": dict(data.get("guid_namespaces") or {}), "notes": notes}


def dumps(record: dict) -> str:
    """One note per line, sorted: diffs show exactly which notes came and went."""
    lines = [f' "format": {json.dumps(FORMAT)},',
             f' "guid_namespaces": {json.dumps(record["guid_namespaces"], sort_keys=True)},',
             ' "notes": {']
    items = sorted(record["notes"].items())
    for i, (k, v) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False, sort_keys=True)}{comma}")
    return "{\n" + "\n".join(lines) + "\n }\n}\n"


def emitted(built_notes, guid_of) -> dict[str, dict]:
    """{"kind:id": {"cards": n if n != 1}} of the notes a build emits (stubs excluded).

    `guid_of(kind, id)` checks that the id read back from the note is the one its GUID stands for.
    """
    out = {}
    for n in built_notes:
        if n.kind not in KINDS:
            continue
        pid = permanent_id(n.kind, n.note.fields)
        if guid_of(n.kind, pid) != n.note.guid:
            raise ValueError(f"{n.kind} note {pid!r}: GUID does not come from its permanent id")
        cards = len(n.note.cards)
        out[key(n.kind, pid)] = {"cards": cards} if cards != 1 else {}
    return out


def permanent_id(kind: str, fields: list[str]) -> str:
    import html
    import re
    raw = fields[{"qa": 7, "cloze": 3, "figure": 4, "io": 4}[kind]]
    return html.unescape(re.sub(r"<[^>]+>", "", raw)).strip()


def update(record: dict, now_emitted: dict[str, dict], namespaces: dict[str, str], old_questions: dict[str, dict],
           anchors: dict[str, list[str]], live_ids: set[str], now: int) -> tuple[dict, list[str]]:
    """The record after a normalize: new notes added, vanished ones retired (dated `now`), returning
    ones revived. Returns (record, revived keys)."""
    notes: dict[str, dict] = {}
    revived = []
    for k, entry in record["notes"].items():
        if k in now_emitted:
            if "retired" in entry:
                revived.append(k)
            continue
        if "retired" in entry:
            notes[k] = entry
            continue
        kind, pid = k.split(":", 1)
        stub = {**entry, "retired": now}
        if kind == "qa":
            text = (old_questions.get(pid) or {}).get("question")
            if text:
                stub["question"] = text
            successor = replaced_by(pid, anchors, live_ids)
            if successor:
                stub["replaced_by"] = successor
        notes[k] = stub
    notes.update(now_emitted)
    merged = {**record.get("guid_namespaces", {}), **namespaces}
    return {"format": FORMAT, "guid_namespaces": merged, "notes": notes}, revived


def replaced_by(qid: str, anchors: dict[str, list[str]], live_ids: set[str]) -> str | None:
    """The live id that took over most of the printed questions `qid` stood for (a merge), if any."""
    mine = set(anchors.get(qid, []))
    best, best_n = None, 0
    for other in sorted(live_ids):
        if other == qid:
            continue
        n = len(mine & set(anchors.get(other, [])))
        if n > best_n:
            best, best_n = other, n
    return best


def retired_entries(record: dict) -> list[dict]:
    """The retired notes as the question set's `retired` list (the shape user sets use too)."""
    out = []
    for k, entry in sorted(record["notes"].items()):
        if "retired" not in entry:
            continue
        kind, pid = k.split(":", 1)
        out.append({"id": pid, "kind": kind, **{f: entry[f] for f in ENTRY_KEYS[2:] if f in entry}})
    return out


def normalized_retired(items: list) -> list[dict]:
    """A set's `retired` list with every entry as a dict (a bare string is a question id)."""
    return [{"id": it, "kind": "qa"} if isinstance(it, str) else {"kind": "qa", **it} for it in items or []]


def check_retired(data: dict, file: str) -> None:
    """Rules the schema cannot say: a retired id is not also a live question, replaced_by is live."""
    live = {q["id"] for q in data["questions"]}
    seen: set[tuple[str, str]] = set()
    for i, entry in enumerate(normalized_retired(data.get("retired"))):
        where = f"retired[{i}]"
        k = (entry["kind"], entry["id"])
        if k in seen:
            raise InputError(file, where, f"{entry['id']!r} is listed twice")
        seen.add(k)
        if entry["kind"] == "qa" and entry["id"] in live:
            raise InputError(file, where, f"{entry['id']!r} is still a question of this set")
        if entry.get("replaced_by") is not None and entry["replaced_by"] not in live:
            raise InputError(file, f"{where}.replaced_by", f"points to unknown id {entry['replaced_by'][:80]!r}")
