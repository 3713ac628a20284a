#!/usr/bin/env python3
"""The README's test command: sets up everything the suite needs, then runs all tests.

1. .venv/ with the pinned packages (builder.bootstrap),
2. the Debian packages the browser/desktop tests need, via apt-get when missing,
3. pytest over tests/ (extra arguments are passed to pytest).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from builder.bootstrap import ensure_venv  # noqa: E402

# command that must exist -> Debian package providing it
DEBIAN_PACKAGES: dict[str, str] = {
    "chromium": "chromium",  # phone-size rendering of cards (tests/test_phone_render.py)
}


def ensure_debian_packages() -> None:
    missing = sorted({pkg for cmd, pkg in DEBIAN_PACKAGES.items() if shutil.which(cmd) is None})
    if not missing:
        return
    if shutil.which("apt-get") is None:
        sys.exit(f"setup: missing {', '.join(missing)} and no apt-get to install them")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print(f"setup: installing Debian packages: {' '.join(missing)}", flush=True)
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]):
        if subprocess.run(sudo + cmd, env=env, stdin=subprocess.DEVNULL).returncode != 0:
            sys.exit(f"setup: '{' '.join(cmd[:2])}' failed")


if __name__ == "__main__":
    os.chdir(ROOT)
    ensure_venv()
    ensure_debian_packages()
    import pytest

    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "tests", *sys.argv[1:]]))
