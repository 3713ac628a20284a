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
