"""Outputs written all-or-nothing, and the temporary files of killed runs cleaned up.

Every output is written under a temporary name in its own folder, flushed to disk, then renamed
over the old file, so a reader sees the old file or the new one, never half of one. The outputs of
one build (every .apkg, questions.json, the .ankiaddon) form one `Outputs` transaction: all are
written first, and only when every one is complete are they renamed in. Any failure before that
removes every temporary file and leaves the old outputs untouched. A crash *during* the final
renames (a window of a few milliseconds) can leave some outputs new and some old; running the
build again repairs that.

Temporary names start with a prefix of ours and the writing process's id
(`.genai-build-<pid>-…` in the output folder, `genai-build-<pid>-…` in the system temp dir), so a
later run removes what a killed one left behind: only names of that pattern, owned by this user,
older than the current run and whose process is gone (or older than an hour: ids get reused).
Nothing else is ever deleted.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = "genai-build-"
STARTED = time.time()  # the current run: anything of ours older than this and not alive is stale
_OURS = re.compile(r"^\.?genai-build-(\d+)-")
# left by builds before this module existed (no process id in the name): removed after MAX_AGE
_LEGACY = re.compile(r"^(\.questions\.json\.tmp|\.genai-interview-prep[\w.-]*\.(apkg|ankiaddon)\.\w{8}\.tmp"
                     r"|genai-media-\w{8})$")
MAX_AGE = 3600  # seconds; no build runs that long, so older temporary files are stale whatever their id
_cleaned_system_temp = False


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # Windows' os.kill(pid, 0) would interrupt it: go by age
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: it exists
        return True
    return True


def _stale(entry: os.DirEntry) -> bool:
    m, legacy = _OURS.match(entry.name), _LEGACY.match(entry.name)
    if not (m or legacy) or entry.is_symlink():
        return False
    st = entry.stat(follow_symlinks=False)
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    if st.st_mtime < STARTED - MAX_AGE:
        return True
    return bool(m) and st.st_mtime < STARTED and not _alive(int(m[1]))


def clean_stale(folder: Path) -> list[str]:
    """Remove our temporary files/folders left in `folder` by killed runs; return their names."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        try:
            if not _stale(entry):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue  # vanished or not ours to remove: never fail a build over a leftover
        removed.append(entry.name)
    return sorted(removed)


def _system_temp() -> str:
    global _cleaned_system_temp
    folder = tempfile.gettempdir()
    if not _cleaned_system_temp:
        _cleaned_system_temp = True
        clean_stale(Path(folder))
    return folder


@contextlib.contextmanager
def scratch_dir():
    """A private folder in the system temp dir (e.g. rendered media), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-", dir=_system_temp()) as d:
        yield Path(d)


@contextlib.contextmanager
def scratch_file(suffix: str = ""):
    """A private file in the system temp dir (e.g. the .anki2 database of a package), removed afterwards."""
    fd, name = tempfile.mkstemp(prefix=f"{PREFIX}{os.getpid()}-", suffix=suffix, dir=_system_temp())
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def _sync(path: Path) -> None:
    """Flush a finished temporary file to disk: a full disk may only show here (delayed allocation)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):  # not possible on every OS/filesystem
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class Outputs:
    """The outputs of one run, renamed into `folder` together when the `with` block ends normally.

        with Outputs(out_dir) as out:
            with out.file("a.apkg") as tmp:   # write the whole file to `tmp`
                ...
            out.write("questions.json", text)
    An exception inside the block removes every temporary file; the old outputs stay as they were.
    An OSError while writing names the output (`dist/a.apkg: No space left on device`).
    """

    def __init__(self, folder: Path, sync: bool = True):
        self.folder, self.sync = Path(folder), sync  # sync=False: intermediates, no need to wait for the disk
        self.removed: list[str] = []  # stale temporary names cleaned on entry
        self._temps: dict[str, Path] = {}  # output name -> its temporary file, in writing order

    def __enter__(self) -> "Outputs":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.removed = clean_stale(self.folder)
        return self

    @contextlib.contextmanager
    def file(self, name: str):
        """Yield the temporary path to write output `name` to; it is flushed when the block ends."""
        final = self.folder / name
        if name in self._temps or Path(name).name != name:
            raise ValueError(f"{final}: written twice in one run or not a plain file name")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{PREFIX}{os.getpid()}-", suffix=f"-{name}.tmp", dir=self.folder)
        except OSError as e:
            raise OSError(e.errno, e.strerror, str(final)) from None
        os.close(fd)
        self._temps[name] = Path(tmp)
        try:
            yield Path(tmp)
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the outputs from other users
            if self.sync:
                _sync(Path(tmp))
        except OSError as e:
            if e.filename in (None, tmp, Path(tmp)):  # the user knows the output's name, not ours
                raise OSError(e.errno, e.strerror, str(final)) from None
            raise

    def write(self, name: str, data: bytes | str) -> None:
        with self.file(name) as tmp:
            tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                while self._temps:
                    name, tmp = next(iter(self._temps.items()))
                    try:
                        os.replace(tmp, self.folder / name)
                    except OSError as e:
                        raise OSError(e.errno, e.strerror, str(self.folder / name)) from None
                    del self._temps[name]
                if self.sync:
                    _sync_dir(self.folder)
        finally:
            for tmp in self._temps.values():
                tmp.unlink(missing_ok=True)
            self._temps.clear()


def write_atomic(path: Path, data: bytes | str, sync: bool = True) -> None:
    """One file, all-or-nothing."""
    path = Path(path)
    with Outputs(path.parent, sync) as out:
        out.write(path.name, data)
