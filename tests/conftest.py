"""Shared fixtures: the project root on sys.path, a throwaway copy of decks/."""
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def decks_copy(tmp_path: Path) -> Path:
    """A writable copy of decks/ so tests can edit sources, curation and ids."""
    dst = tmp_path / "decks"
    shutil.copytree(ROOT / "decks", dst)
    return dst


@pytest.fixture(scope="session")
def built_package(tmp_path_factory):
    """The full package built once per test session with the real CLI: (dist dir, note counts, figure cache)."""
    import re
    import subprocess

    base = tmp_path_factory.mktemp("build")
    cache = base / "cache"
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--output-dir", str(base / "dist"),
                           "--cache-dir", str(cache)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    m = re.search(r"notes: (\d+) Q&A, (\d+) cloze, (\d+) image occlusion, (\d+) figure, (\d+) retired", proc.stdout)
    assert m, proc.stdout
    counts = dict(zip(["qa", "cloze", "io", "figure", "retired"], map(int, m.groups())))
    return base / "dist", counts, cache
