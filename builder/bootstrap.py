"""Self-setup for the README commands: a project-local virtualenv with the pinned packages.

Standard library only: this runs before any third-party package is importable.
`ensure_venv()` creates `.venv/` next to this project, installs `requirements.lock`
into it when the lock file changed since the last install, and re-executes the
current command with the virtualenv's Python.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".lock-sha256"


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _in_venv() -> bool:
    try:
        return Path(sys.prefix).resolve() == VENV.resolve()
    except OSError:
        return False


def _fail(message: str) -> None:
    print(f"setup: {message}", file=sys.stderr)
    sys.exit(1)


def _run(cmd: list[str], what: str) -> None:
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.strip().splitlines()[-15:])
        print(tail, file=sys.stderr)
        _fail(f"{what} failed (exit {result.returncode}); see the lines above")


def ensure_venv() -> None:
    """Make sure we run inside an up-to-date .venv; re-exec into it if we are not."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if _in_venv() and STAMP.is_file() and STAMP.read_text().strip() == digest:
        return
    if _in_venv():
        _fail(f"{VENV} is out of date; run the command with the system python3 so it can update it")
    python = _venv_python()
    if not python.exists():
        print(f"setup: creating {VENV.relative_to(ROOT)}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if not STAMP.is_file() or STAMP.read_text().strip() != digest:
        print("setup: installing pinned packages from requirements.lock ...", flush=True)
        _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
              "-r", str(LOCK)], "pip install")
        STAMP.write_text(digest + "\n")
    os.execv(str(python), [str(python), *sys.argv])
