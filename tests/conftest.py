"""Shared fixtures: the project root on sys.path, a throwaway copy of decks/, the committed data's counts."""
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Where tests put their screenshots (the README shows committed copies from tests/screenshots/): never
# the checkout's dist/, which only a build writes. GENAI_SCREENSHOTS moves them elsewhere.
SHOTS = Path(os.environ.get("GENAI_SCREENSHOTS") or ROOT / ".cache" / "screenshots")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def committed_questions() -> list[dict]:
    """The questions of the committed set (decks/questions.json): counts in tests come from here, not literals."""
    return json.loads((ROOT / "decks" / "questions.json").read_text(encoding="utf-8"))["questions"]


def source_documents() -> list[str]:
    """The file names of the committed source documents (decks/sources/*.txt)."""
    return sorted(p.name for p in (ROOT / "decks" / "sources").glob("*.txt"))


@pytest.fixture
def decks_copy(tmp_path: Path) -> Path:
    """A writable copy of decks/ so tests can edit sources, curation and ids."""
    dst = tmp_path / "decks"
    shutil.copytree(ROOT / "decks", dst)
    return dst


@pytest.fixture(scope="session")
def built_package(tmp_path_factory):
    """The full package built once per test session with the real CLI: (dist dir, note counts, figure cache).

    The note counts per kind come from the build's own summary, `<dist>/build-summary.json`."""
    import subprocess

    from builder import summary

    base = tmp_path_factory.mktemp("build")
    cache = base / "cache"
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--output-dir", str(base / "dist"),
                           "--cache-dir", str(cache)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    notes = summary.load(base / "dist")["notes"]
    counts = {kind: notes[kind] for kind in summary.KINDS}
    return base / "dist", counts, cache
