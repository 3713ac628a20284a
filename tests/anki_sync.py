"""Anki's own sync server and client calls, for the phone round-trip test (tests/test_sync_roundtrip.py).

`sync_server(base)` runs `python -m anki.syncserver` (the server self-hosters and the phones' "custom
sync server" setting use) on a free 127.0.0.1 port, waits for `GET /health`, and always terminates it.
`full_sync` / `normal_sync` drive a `Collection` the way Anki desktop's aqt/sync.py does, without Qt.
Nothing here leaves 127.0.0.1.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from anki.collection import Collection
from anki.sync import SyncOutput

USER, PASSWORD = "user", "pass"
START_TIMEOUT = 30.0
MEDIA_TIMEOUT = 60.0
POLL = 0.05


@dataclass
class Server:
    endpoint: str  # "http://127.0.0.1:PORT/"
    base: Path  # SYNC_BASE: the server's per-user collections and media
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health(port: int) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy for loopback
    try:
        with opener.open(f"http://127.0.0.1:{port}/health", timeout=1) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def sync_server(base: Path, attempts: int = 3):
    """Yield a running `Server`; a port taken between probing and binding is retried on another.

    Collections syncing with it must be opened inside the block: Anki's HTTP client reads the
    *_PROXY variables when it is made, and NO_PROXY here keeps the loopback traffic off any proxy."""
    base.mkdir(parents=True, exist_ok=True)
    log = base.parent / "syncserver.log"
    saved = {var: os.environ.get(var) for var in ("NO_PROXY", "no_proxy")}
    for var, value in saved.items():
        os.environ[var] = ",".join(filter(None, [value, "127.0.0.1", "localhost"]))
    try:
        yield from _run(base, log, attempts)
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def _run(base: Path, log: Path, attempts: int):
    for attempt in range(attempts):
        port = _free_port()
        env = dict(os.environ, SYNC_USER1=f"{USER}:{PASSWORD}", SYNC_HOST="127.0.0.1", SYNC_PORT=str(port),
                   SYNC_BASE=str(base), RUST_LOG="anki=info")
        with log.open("ab") as fh:
            proc = subprocess.Popen([sys.executable, "-m", "anki.syncserver"], env=env, stdout=fh,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            healthy = False
            while not healthy and proc.poll() is None and time.monotonic() < deadline:
                healthy = _health(port)
                if not healthy:
                    time.sleep(POLL)
            if healthy and proc.poll() is None:
                yield Server(f"http://127.0.0.1:{port}/", base, log)
                return
            if proc.poll() is None:
                raise AssertionError(f"sync server not healthy after {START_TIMEOUT:.0f} s:\n{_tail(log)}")
            if attempt == attempts - 1:
                raise AssertionError(f"sync server exited with {proc.returncode}:\n{_tail(log)}")
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def login(col: Collection, server: Server):
    return col.sync_login(USER, PASSWORD, server.endpoint)


def wait_media(col: Collection, timeout: float = MEDIA_TIMEOUT) -> None:
    """Wait for the background media sync; `media_sync_status()` raises if it ended with an error."""
    deadline = time.monotonic() + timeout
    while col.media_sync_status().active:
        if time.monotonic() > deadline:
            col.abort_media_sync()
            raise AssertionError(f"media sync still running after {timeout:.0f} s")
        time.sleep(POLL)


def normal_sync(col: Collection, auth) -> SyncOutput:
    """One sync as Anki's Sync button does it (collection, then media in the background)."""
    out = col.sync_collection(auth, True)
    if out.required == out.NO_CHANGES:
        wait_media(col)
    return out


def full_sync(col: Collection, auth, out: SyncOutput, upload: bool) -> None:
    """The full upload / download that `out.required` asked for, then its media sync (aqt/sync.py)."""
    col.close_for_full_sync()
    try:
        col.full_upload_or_download(auth=auth, server_usn=out.server_media_usn, upload=upload)
    finally:
        col.reopen(after_full_sync=True)  # the backend reopens the collection whatever the outcome
    wait_media(col)
