"""A private, read-only snapshot of a collection file for `python -m addon.report` (stdlib only).

Opening the user's file directly changes it: Anki upgrades an old schema and switches it to WAL (an
older Anki may then refuse it), adds config keys, and leaves `-wal` / `-shm` files and a `.media`
folder next to it; even a `mode=ro` SQLite connection creates `-wal` / `-shm` files. So the report
works on a copy in a temporary folder, made without writing anything next to the original:

- the file must be a regular file (a FIFO would block, a device never ends) of at most MAX_BYTES
  with a real SQLite header; only its 100-byte header is read before copying;
- a collection held open by Anki (which keeps an exclusive SQLite lock) is refused: the lock is
  tested with a non-blocking POSIX read lock (Windows: a byte-range lock), which creates no file;
- without a `-wal` / `-journal` beside it, SQLite's backup API copies the database pages from an
  `immutable=1` connection (no locks, no side files); with one, the file and that journal are
  copied as they are and SQLite recovers them inside the temporary folder;
- the source is checked again after copying (unchanged size and time, still not locked).

The temporary folder is deleted when the `with snapshot(...)` block ends.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import tempfile
from pathlib import Path
from typing import Iterator

MAX_BYTES = 20 * 1024 ** 3  # collection + its journal; real collections reach a few GB
SQLITE_MAGIC = b"SQLite format 3\x00"
_LOCK_START, _LOCK_LEN = 0x40000002, 510  # SQLite's SHARED byte range (after PENDING and RESERVED)
_COPY_NAME = "collection.anki2"


class SnapshotError(Exception):
    """One line for the user, naming the file."""


def show(path: object) -> str:
    """A path made safe for a one-line message: printable, at most 80 characters."""
    s = str(path)
    if not s.isprintable():
        s = repr(s)
    return s if len(s) <= 80 else "…" + s[-79:]


def _fmt_size(n: int) -> str:
    return f"{n / 1024 ** 3:.1f} GB" if n >= 1024 ** 3 else f"{n / 1024 ** 2:.1f} MB"


def check_file(path: Path) -> os.stat_result:
    """Refuse what is not a plausible collection file, reading at most its 100-byte header."""
    name = show(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise SnapshotError(f"{name}: collection not found") from None
    except OSError as exc:
        raise SnapshotError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise SnapshotError(f"{name}: is a folder, not a collection file (collection.anki2)")
    if not stat.S_ISREG(st.st_mode):
        raise SnapshotError(f"{name}: not a regular file (a pipe, device or socket is no collection)")
    if st.st_size == 0:
        raise SnapshotError(f"{name}: empty file, not an Anki collection")
    if st.st_size > MAX_BYTES:
        raise SnapshotError(f"{name}: too large for a collection ({_fmt_size(st.st_size)}; "
                            f"limit {_fmt_size(MAX_BYTES)})")
    try:  # O_NONBLOCK: if the path was swapped for a FIFO since stat(), open() must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise SnapshotError(f"{name}: cannot read ({exc.strerror or exc})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SnapshotError(f"{name}: not a regular file")
        head = os.read(fd, 100)
    except OSError as exc:
        raise SnapshotError(f"{name}: cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    page = int.from_bytes(head[16:18], "big") if len(head) >= 18 else 0
    page = 65536 if page == 1 else page
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC) or page < 512 or page & (page - 1):
        raise SnapshotError(f"{name}: not an Anki collection (not an SQLite database)")
    return st


def in_use(path: Path) -> bool:
    """True when another process holds a write lock on SQLite's shared-lock bytes (Anki keeps its
    collection open with an exclusive lock). Takes and drops a read lock; creates nothing."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return False
    try:
        try:
            import fcntl
        except ImportError:  # Windows: LockFileEx ranges, as SQLite's win32 VFS uses
            import msvcrt
            try:
                os.lseek(fd, _LOCK_START, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_NBRLCK, 1)
            except OSError:
                return True
            os.lseek(fd, _LOCK_START, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
            return False
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, _LOCK_LEN, _LOCK_START)
        except OSError as exc:
            import errno
            return exc.errno in (errno.EAGAIN, errno.EACCES)
        fcntl.lockf(fd, fcntl.LOCK_UN, _LOCK_LEN, _LOCK_START)
        return False
    finally:
        os.close(fd)


def _journal(real: Path) -> Path | None:
    """The `-wal` or hot `-journal` beside the file that holds committed data not yet in it."""
    for suffix in ("-wal", "-journal"):
        side = real.with_name(real.name + suffix)
        try:
            st = os.stat(side)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_size > 0:
            return side
    return None


def _stamp(*paths: Path | None) -> tuple:
    out = []
    for p in paths:
        try:
            st = os.stat(p) if p is not None else None
        except OSError:
            st = None
        out.append((st.st_size, st.st_mtime_ns) if st else None)
    return tuple(out)


@contextlib.contextmanager
def snapshot(path: Path) -> Iterator[Path]:
    """Yield the path of a private copy of the collection `path`; remove the copy afterwards.
    Raises SnapshotError with a one-line message; never writes next to `path`."""
    name = show(path)
    st = check_file(path)
    real = Path(os.path.realpath(path))  # SQLite keeps -wal / -journal beside the link's target
    side = _journal(real)
    side_size = os.stat(side).st_size if side else 0
    if st.st_size + side_size > MAX_BYTES:
        raise SnapshotError(f"{name}: too large for a collection ({_fmt_size(st.st_size + side_size)} with its "
                            f"journal; limit {_fmt_size(MAX_BYTES)})")
    if in_use(real):
        raise SnapshotError(f"{name}: collection is in use by another program (close Anki first)")
    tmp_root = tempfile.gettempdir()
    need = st.st_size + side_size + (16 << 20)
    try:
        free = shutil.disk_usage(tmp_root).free
    except OSError:
        free = need
    if free < need:
        raise SnapshotError(f"{name}: not enough free space in {show(tmp_root)} for a private copy "
                            f"({_fmt_size(need)} needed; set TMPDIR to a larger folder)")
    before = _stamp(real, side)
    tmp = Path(tempfile.mkdtemp(prefix="genai-report-"))
    try:
        copy = tmp / _COPY_NAME
        try:
            if side is not None:
                shutil.copyfile(real, copy)
                shutil.copyfile(side, copy.with_name(copy.name + side.name[len(real.name):]))
            else:
                src = sqlite3.connect(f"{real.as_uri()}?mode=ro&immutable=1", uri=True)
                try:
                    dst = sqlite3.connect(copy)
                    try:
                        src.backup(dst)
                    finally:
                        dst.close()
                finally:
                    src.close()
        except sqlite3.DatabaseError:
            raise SnapshotError(f"{name}: not an Anki collection (damaged or not a database)") from None
        except OSError as exc:
            raise SnapshotError(f"{name}: cannot copy it for reading ({exc.strerror or exc})") from None
        if _stamp(real, side) != before or in_use(real):
            raise SnapshotError(f"{name}: collection changed while it was read (close Anki first)")
        _check_tables(copy, name)
        yield copy
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _check_tables(copy: Path, name: str) -> None:
    """The copy is an SQLite database with Anki's `col` table (checked on the copy, never the original)."""
    try:
        con = sqlite3.connect(copy)
        try:
            has_col = con.execute("select 1 from sqlite_master where type = 'table' and name = 'col'").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError:
        raise SnapshotError(f"{name}: not an Anki collection (damaged or not a database)") from None
    if not has_col:
        raise SnapshotError(f"{name}: not an Anki collection (no 'col' table)")
