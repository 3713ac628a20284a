"""The desktop add-on as `.ankiaddon`: addon/ + the top-level manifest.json, zipped deterministically.

Anki's format: a zip of the add-on folder's *contents* (no top folder) with
`manifest.json` at the root. Caches (`__pycache__`, `*.pyc`), the user's own
`meta.json` and `user_files/` are never packed. Entries are sorted and carry a
fixed timestamp and permissions, so the same sources give identical bytes.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from . import atomic

ROOT = Path(__file__).resolve().parents[1]
ADDON_DIR = ROOT / "addon"
MANIFEST = ROOT / "manifest.json"
FILE_NAME = "genai-interview-prep.ankiaddon"
REQUIRED = ("package", "name")
MIN_POINT_VERSION = 231000  # Anki 23.10: built-in Image Occlusion
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", "user_files", ".pytest_cache"}
_SKIP_FILES = {"meta.json", "manifest.json", ".DS_Store", "topic_names.json"}  # names: generated below
NAMES_ENTRY = "core/topic_names.json"


def load_manifest(path: Path = MANIFEST) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    missing = [k for k in REQUIRED if not data.get(k)]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    if int(data.get("min_point_version", 0)) < MIN_POINT_VERSION:
        raise ValueError(f"{path}: min_point_version must be >= {MIN_POINT_VERSION}")
    return data


def addon_files(addon_dir: Path = ADDON_DIR) -> list[Path]:
    """Files to pack, relative to `addon_dir`, sorted."""
    out = []
    for p in addon_dir.rglob("*"):
        rel = p.relative_to(addon_dir)
        if p.is_dir() or any(part in _SKIP_DIRS for part in rel.parts):
            continue
        if rel.name in _SKIP_FILES or rel.suffix in (".pyc", ".pyo") or rel.name.endswith("~"):
            continue
        out.append(rel)
    return sorted(out, key=lambda r: r.as_posix())


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    return info


def topic_names_json(names: dict[str, str] | None = None) -> str:
    """`core/topic_names.json` for the package: the display names of the taxonomy the decks were
    built with (the default deck folder's topics.yaml unless the build passes its own), the add-on's
    only source of them."""
    from addon.core import topic_names
    if names is None:
        from .cli import DECKS
        from .paths import DeckPaths
        from .topics import load_taxonomy
        tax = load_taxonomy(DeckPaths(DECKS).topics)
        names = {p: tax.name(p) for p in tax.paths}
    return topic_names.to_json(names)


def write(target: Path, addon_dir: Path = ADDON_DIR, manifest: Path = MANIFEST,
          topic_names: dict[str, str] | None = None) -> None:
    """Write the add-on zip to `target` (a temporary file of an `atomic.Outputs` transaction)."""
    data = load_manifest(manifest)
    entries = {rel.as_posix(): (addon_dir / rel).read_bytes() for rel in addon_files(addon_dir)}
    entries[NAMES_ENTRY] = topic_names_json(topic_names).encode("utf-8")
    with zipfile.ZipFile(target, "w") as zf:
        zf.writestr(_entry("manifest.json"), json.dumps(data, indent=2, sort_keys=True) + "\n")
        for name in sorted(entries):
            zf.writestr(_entry(name), entries[name])


def build(out_dir: Path, addon_dir: Path = ADDON_DIR, manifest: Path = MANIFEST,
          topic_names: dict[str, str] | None = None) -> Path:
    """Write `out_dir/genai-interview-prep.ankiaddon` on its own, all-or-nothing; return its path."""
    load_manifest(manifest)  # a bad manifest fails before anything is created
    with atomic.Outputs(out_dir) as out:
        with out.file(FILE_NAME) as tmp:
            write(tmp, addon_dir, manifest, topic_names)
    return Path(out_dir) / FILE_NAME
