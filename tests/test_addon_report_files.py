"""`python -m addon.report` only READS the collection it is given (addon/dashboard/snapshot.py): for every kind
of file an audit found it changing — a schema-11 collection (genanki's format, the one inside our
.apkg), an empty fresh collection, a foreign SQLite file, a damaged collection, a collection on
read-only media, one with an un-checkpointed -wal — the file's bytes and mtime and its folder's
listing are the same after the run, no temporary copy is left behind, and the exit status and the
one-line message are right. Also: anything but a regular file (FIFO, /dev/zero) and oversized or
header-less (sparse) files are refused at once with exit status 2."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from anki.collection import Collection

from addon.dashboard import snapshot, stats
from conftest import ROOT
from test_addon_stats import import_package, make_history


def fingerprint(folder: Path) -> dict:
    """Every entry under `folder` (and the folder itself): kind, size, mtime, content hash."""
    out = {".": os.stat(folder).st_mtime_ns}
    for p in sorted(folder.rglob("*")):
        st = os.lstat(p)
        digest = None
        if p.is_file():
            h = hashlib.sha256()
            with p.open("rb") as fh:  # sparse giants: their first 64 MB (size and mtime cover the rest)
                for _ in range(64):
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        break
                    h.update(chunk)
            digest = h.hexdigest()
        out[str(p.relative_to(folder))] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return out


def run_report(tmpdir: Path, *args: str, prefix: list[str] | None = None) -> subprocess.CompletedProcess:
    """The CLI in a subprocess whose temporary folder is `tmpdir` (checked empty afterwards)."""
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    return subprocess.run([*(prefix or []), sys.executable, "-m", "addon.report", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, env=env)


def one_error_line(proc: subprocess.CompletedProcess, path: Path, *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr and lines[0].startswith("error: "), proc.stderr
    assert path.name in lines[0] and all(w in lines[0] for w in words), lines[0]
    assert proc.stdout == ""


@pytest.fixture
def tmpdir_for_copies(tmp_path):
    d = tmp_path / "tmp"
    d.mkdir()
    yield d
    assert list(d.iterdir()) == []  # the private copy is always removed


def schema11_collection(dist: Path, folder: Path) -> Path:
    """The collection inside our .apkg as genanki wrote it: schema 11, rollback journal."""
    folder.mkdir()
    with zipfile.ZipFile(dist / "genai-interview-prep.apkg") as z:
        (folder / "collection.anki2").write_bytes(z.read("collection.anki2"))
    path = folder / "collection.anki2"
    con = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    assert con.execute("select ver from col").fetchone() == (11,)
    con.close()
    return path


def expected_topics(path: Path, work: Path) -> dict:
    """stats.compute() on a separate copy of the collection (and its -wal, if any)."""
    work.mkdir()
    for side in ("", "-wal"):
        if Path(str(path) + side).exists():
            shutil.copyfile(str(path) + side, work / ("c.anki2" + side))
    col = Collection(str(work / "c.anki2"))
    try:
        return {t.tag: t for t in stats.compute(col, use_cache=False)}
    finally:
        col.close()


def check_json(proc: subprocess.CompletedProcess, expected: dict) -> None:
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["topics"]
    assert {r["tag"] for r in rows} == set(expected) and expected
    for r in rows:
        e = expected[r["tag"]]
        assert (r["cards"], r["new"], r["mature"], r["reviews"]) == (e.cards, e.new, e.mature, e.reviews)


def test_schema11_collection_is_not_upgraded(built_package, tmp_path, tmpdir_for_copies):
    dist, _, _ = built_package
    path = schema11_collection(dist, tmp_path / "old")
    before = fingerprint(path.parent)
    proc = run_report(tmpdir_for_copies, "--collection", str(path), "--json")
    assert fingerprint(path.parent) == before  # still schema 11, rollback journal, no -wal, no .media
    check_json(proc, expected_topics(path, tmp_path / "work"))


def test_empty_fresh_collection_is_not_touched(tmp_path, tmpdir_for_copies):
    folder = tmp_path / "fresh"
    folder.mkdir()
    path = folder / "collection.anki2"
    Collection(str(path)).close()
    shutil.rmtree(folder / "collection.media")
    before = fingerprint(folder)
    proc = run_report(tmpdir_for_copies, "--collection", str(path))
    assert fingerprint(folder) == before
    assert proc.returncode == 0 and proc.stdout.strip() == "no cards tagged GenAI or below", proc.stderr


def test_foreign_and_damaged_files_are_refused_untouched(built_package, tmp_path, tmpdir_for_copies):
    dist, _, _ = built_package
    folder = tmp_path / "bad"
    folder.mkdir()
    foreign = folder / "other.sqlite"
    con = sqlite3.connect(foreign)
    con.execute("create table t (x)")
    con.commit()
    con.close()
    # damaged: a real collection whose pages after the first are overwritten
    good = schema11_collection(dist, tmp_path / "src")
    damaged = folder / "damaged.anki2"
    data = bytearray(good.read_bytes())
    data[4096:] = bytes(range(256)) * ((len(data) - 4096) // 256) + b"\x00" * ((len(data) - 4096) % 256)
    damaged.write_bytes(bytes(data))
    headless = folder / "zeros.anki2"
    with headless.open("wb") as fh:
        fh.truncate(3 * 1024 ** 3)  # a 3 GB sparse file: refused after reading its 100-byte header
    before = fingerprint(folder)
    one_error_line(run_report(tmpdir_for_copies, "--collection", str(foreign)), foreign, "not an Anki collection")
    one_error_line(run_report(tmpdir_for_copies, "--collection", str(damaged)), damaged)
    one_error_line(run_report(tmpdir_for_copies, "--collection", str(headless)), headless, "not an SQLite database")
    assert fingerprint(folder) == before  # no -wal / -shm / .media next to them


def test_collection_on_read_only_media(built_package, tmp_path, tmpdir_for_copies):
    """As root, chmod does not stop writes: the run happens in a private mount namespace where the
    folder is a read-only bind mount (EROFS for everyone); otherwise the folder is chmod 555."""
    dist, _, _ = built_package
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "collection.anki2"
    col = Collection(str(path))
    import_package(col, dist)
    make_history(col, seed=11)
    col.close()
    shutil.rmtree(folder / "collection.media")
    expected = expected_topics(path, tmp_path / "work")
    before = fingerprint(folder)
    if os.geteuid() == 0:
        d = str(folder)
        probe = subprocess.run(["unshare", "-m", "sh", "-c", f'mount --bind "{d}" "{d}" && '
                                f'mount -o remount,ro,bind "{d}" && ! touch "{d}/x" 2>/dev/null'], timeout=30)
        assert probe.returncode == 0, "a read-only bind mount is needed to test read-only media as root"
        prefix = ["unshare", "-m", "sh", "-c", f'mount --bind "{d}" "{d}" && mount -o remount,ro,bind "{d}" && '
                  'exec "$@"', "sh"]
    else:
        folder.chmod(0o555)
        prefix = None
    try:
        proc = run_report(tmpdir_for_copies, "--collection", str(path), "--json", prefix=prefix)
    finally:
        folder.chmod(0o755)
    check_json(proc, expected)
    assert fingerprint(folder) == before


def test_uncheckpointed_wal_is_read_not_changed(built_package, tmp_path, tmpdir_for_copies):
    """Anki killed with the collection open leaves committed data in `-wal`: the report sees it, and
    neither the file nor the -wal changes (no checkpoint into the user's file)."""
    dist, _, _ = built_package
    folder = tmp_path / "crashed"
    folder.mkdir()
    path = folder / "collection.anki2"
    code = ("import os, sys; sys.path.insert(0, sys.argv[2]); sys.path.insert(0, sys.argv[3]);"
            "from anki.collection import Collection; from pathlib import Path;"
            "from test_addon_stats import import_package, make_history;"
            "col = Collection(sys.argv[1]); import_package(col, Path(sys.argv[4])); make_history(col, seed=2);"
            "os._exit(0)")  # no close(): no final checkpoint
    subprocess.run([sys.executable, "-c", code, str(path), str(ROOT), str(ROOT / "tests"), str(dist)],
                   check=True, timeout=300, cwd=ROOT)
    wal = folder / "collection.anki2-wal"
    assert wal.exists() and wal.stat().st_size > 0
    shutil.rmtree(folder / "collection.media")
    expected = expected_topics(path, tmp_path / "work")
    assert sum(t.reviews for t in expected.values()) > 0
    before = fingerprint(folder)
    proc = run_report(tmpdir_for_copies, "--collection", str(path), "--json")
    assert fingerprint(folder) == before
    check_json(proc, expected)


def test_not_regular_oversized_or_locked(built_package, tmp_path, tmpdir_for_copies):
    fifo = tmp_path / "pipe.anki2"
    os.mkfifo(fifo)
    one_error_line(run_report(tmpdir_for_copies, "--collection", str(fifo)), fifo, "not a regular file")
    one_error_line(run_report(tmpdir_for_copies, "--collection", "/dev/zero"), Path("/dev/zero"),
                   "not a regular file")
    dist, _, _ = built_package
    big = schema11_collection(dist, tmp_path / "big")
    with big.open("r+b") as fh:  # a real collection, sparse-extended past the size limit
        fh.truncate(snapshot.MAX_BYTES + 1)
    one_error_line(run_report(tmpdir_for_copies, "--collection", str(big)), big, "too large")
    with big.open("r+b") as fh:  # 3 GB, a real header: the copy holds only the database's pages
        fh.truncate(3 * 1024 ** 3)
    proc = run_report(tmpdir_for_copies, "--collection", str(big))
    assert proc.returncode == 0 and "GenAI" in proc.stdout, proc.stderr
    # held open by Anki (an exclusive SQLite lock): refused, nothing copied
    path = tmp_path / "open" / "collection.anki2"
    path.parent.mkdir()
    col = Collection(str(path))
    try:
        one_error_line(run_report(tmpdir_for_copies, "--collection", str(path)), path, "in use")
    finally:
        col.close()
    odd = tmp_path / "new\nline\x1b[31m.anki2"
    proc = run_report(tmpdir_for_copies, "--collection", str(odd))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "\x1b" not in proc.stderr
