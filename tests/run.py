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
    "xvfb-run": "xvfb",  # the real Anki desktop under a virtual X server (tests/test_addon_gui.py)
}
# Shared libraries PyQt6 / QtWebEngine (xcb platform plugin) load that a minimal Debian lacks
# (found with ldd on PyQt6/Qt6/lib/libQt6WebEngineCore.so.6 and plugins/platforms/libqxcb.so).
DEBIAN_LIBRARIES = (
    "libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 "
    "libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libnss3 libxcomposite1 libxdamage1 "
    "libxrandr2 libxtst6 libasound2 libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbfile1 "
    # WebKitGTK for AnkiMobile's engine (tests/test_phone_related.py, run by the system python3)
    "gir1.2-webkit2-4.1 python3-gi python3-gi-cairo").split()


def _installed(pkg: str) -> bool:
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
    return proc.returncode == 0 and proc.stdout.endswith("installed") and "not-installed" not in proc.stdout


def ensure_debian_packages() -> None:
    missing = {pkg for cmd, pkg in DEBIAN_PACKAGES.items() if shutil.which(cmd) is None}
    if shutil.which("dpkg-query"):
        missing |= {pkg for pkg in DEBIAN_LIBRARIES if not _installed(pkg)}
    missing = sorted(missing)
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
