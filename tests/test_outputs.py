"""The build's outputs: split packages hold every note exactly once under unique names; outputs are
all-new or all-old on a full disk or a killed build, and the next build cleans what a killed one left."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from builder import atomic, cli, figures, summary, validate
from builder import cloze as cloze_mod
from builder.anki import models
from builder.paths import DeckPaths

ROOT = Path(__file__).resolve().parents[1]


def q(qid, topic, docs=(), answer="It is explained in the notes.", question=None):
    return {"id": qid, "question": question or f"What is {qid}?", "answer_html": f"<p>{answer}</p>", "topics": [topic],
            "sources": [{"document": d, "number": str(i + 1), "section": None, "question": f"{qid}?",
                         "answer_html": f"<p>{answer}</p>"} for i, d in enumerate(docs)],
            "related": [], "figures": []}


# the audit's cases: slugs that collide, names in other scripts, a question without a source
CASES = {
    "topics": [q("t1", "GenAI::A_B", ["a.txt"]), q("t2", "GenAI::A-B", ["a.txt"]), q("t3", "Other::A_b")],
    "sources": [q("s1", "GenAI::LLMs", ["my notes.txt"], "Attention is a mechanism that weighs values by query-key similarity.",
                  "What is attention?"),
                q("s2", "GenAI::LLMs", ["My-Notes.txt"], "Dropout is a regularizer that zeroes random activations.",
                  "What is dropout?"),
                q("s3", "GenAI::Transformers", ["日本語.txt"]), q("s4", "GenAI::Transformers", ["中文.txt"]),
                q("s5", "GenAI::LLMs", ["中文.txt", "my notes.txt"], "An embedding is a vector that represents a token.",
                  "What is an embedding?"),
                q("s6", "GenAI::LLMs", [])],
}


def write_input(folder: Path, questions: list[dict], name="input.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump({"questions": questions}, allow_unicode=True), encoding="utf-8")
    return path


def build(src: Path, out: Path, cache: Path, *extra: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--input", str(src), "--output-dir",
                           str(out), "--cache-dir", str(cache), *extra], capture_output=True, text=True, cwd=ROOT,
                          env=env)


def expected_notes(src: Path) -> int:
    """Notes a build makes from this input, counted without the builder's packaging."""
    questions = validate.load_question_set(src, ROOT / "decks" / "schema.json")["questions"]
    specs = figures.catalogue(ROOT / "decks" / "figures.yaml")
    # a Figure note per plot, an Image Occlusion note per diagram
    return len(questions) + len(cloze_mod.generate(questions, DeckPaths(ROOT / "decks"))) + len(specs)


def notes_in(apkg: Path, tmp: Path, retired: bool = False) -> list[tuple[int, list[str]]]:
    """(model id, fields) of every live note in a package (or of its retired stubs), read straight
    from its collection."""
    tmp.mkdir(parents=True, exist_ok=True)
    db = tmp / f"{apkg.name}.anki2"
    with zipfile.ZipFile(apkg) as zf:
        db.write_bytes(zf.read("collection.anki2"))
    con = sqlite3.connect(db)
    try:
        return [(mid, flds.split("\x1f")) for mid, flds, tags in con.execute("select mid, flds, tags from notes")
                if (" retired " in f" {tags} ") == retired]
    finally:
        con.close()


@pytest.fixture(scope="module")
def cache(built_package):
    return built_package[2]


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("split", ["topic", "source"])
def test_split_puts_every_note_in_exactly_one_uniquely_named_package(tmp_path, cache, case, split):
    src = write_input(tmp_path, CASES[case])
    out = tmp_path / "out"
    proc = build(src, out, cache, "--split", split)
    assert proc.returncode == 0, proc.stderr
    want = expected_notes(src)
    pkgs = sorted(out.glob("*.apkg"))
    contents = {p.name: notes_in(p, tmp_path) for p in pkgs}
    per_file = {name: len(notes) for name, notes in contents.items()}
    assert sum(per_file.values()) == want, per_file
    stubs = {p.name: sorted(f[-1] for _, f in notes_in(p, tmp_path, retired=True)) for p in pkgs}
    assert len({tuple(v) for v in stubs.values()}) == 1, "every package carries the same retired stubs"
    n_stubs = len(next(iter(stubs.values())))
    for name, notes in contents.items():  # a cloze is in its question's package
        qids = {f[models.QA_FIELDS.index("ID")] for mid, f in notes if mid == models.QA_MODEL_ID}
        clozes = [f[models.CLOZE_FIELDS.index("QuestionID")] for mid, f in notes if mid == models.CLOZE_MODEL_ID]
        assert set(clozes) <= qids, name
    assert case != "sources" or any(mid == models.CLOZE_MODEL_ID for ns in contents.values() for mid, _ in ns)
    assert len({p.name.lower() for p in pkgs}) == len(pkgs)  # unique on case-insensitive file systems too
    assert all(re.fullmatch(r"genai-interview-prep-[a-z0-9-]+\.apkg", p.name) for p in pkgs)
    (tmp_path / "col").mkdir()
    col = Collection(str(tmp_path / "col" / "collection.anki2"))
    try:
        for p in pkgs:
            before = len(col.find_notes("-tag:retired"))
            col.import_anki_package(ImportAnkiPackageRequest(package_path=str(p), options=ImportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=True)))
            assert len(col.find_notes("-tag:retired")) - before == per_file[p.name], \
                f"{p.name} shares notes with another package"
        assert len(col.find_notes("-tag:retired")) == want and len(col.find_notes("tag:retired")) == n_stubs
    finally:
        col.close()
    if split == "source" and any(not x["sources"] for x in CASES[case]):
        assert "genai-interview-prep-no-source.apkg" in per_file
    # the summary (build-summary.json) adds up: one entry per package, and the total; the printed lines show it
    s = summary.load(out)
    listed = {p["file"]: p["notes"] for p in s["packages"] if not p["retired"]}
    assert {name: n - n_stubs for name, n in listed.items()} == per_file, s
    assert s["split"] == split and len(s["packages"]) == len(pkgs), s
    assert s["notes"]["retired"] == n_stubs and s["notes"]["total"] == want + n_stubs, s
    for line in [*summary.package_lines(s), summary.notes_line(s, out), *summary.detail_lines(s, out)]:
        assert line in proc.stdout.splitlines(), (line, proc.stdout)


def test_package_names_are_stable_readable_and_unique():
    from builder.anki.package import package_names
    names = package_names(["LLMs", "Résumé.txt", "日本語.txt", "中文.txt", "A B", "A-B", "a_b", None, "x" * 300])
    assert names["LLMs"] == "genai-interview-prep-llms"
    assert names["Résumé.txt"] == "genai-interview-prep-resume"
    assert names[None] == "genai-interview-prep-no-source"
    assert len(set(names.values())) == len(names) and all(len(n) < 100 for n in names.values())
    digest = hashlib.sha256("A B".encode()).hexdigest()[:8]
    assert names["A B"] == f"genai-interview-prep-a-b--{digest}"
    assert package_names(["A B", "A-B", "a_b"]) == {k: names[k] for k in ["A B", "A-B", "a_b"]}


# --- all-or-nothing outputs -----------------------------------------------------------------

def big_input(folder: Path) -> Path:
    """Input whose questions.json is large (~300 kB of barely compressible text)."""
    words = " ".join(hashlib.sha256(str(i).encode()).hexdigest()[:10] for i in range(27000))
    return write_input(folder, [q("b1", "GenAI::LLMs", ["big.txt"], answer=words), *CASES["topics"]], "big.yaml")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def ours_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if re.match(r"^\.?genai-(build|media)-", p.name)
                  or p.name.endswith(".tmp"))


@pytest.fixture
def small_fs(tmp_path):
    """A real 8 MB file system (tmpfs) to fill up; None where mounting is not allowed."""
    mnt = tmp_path / "fs"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)], capture_output=True).returncode:
        yield None
        return
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def free_bytes(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


@pytest.mark.parametrize("failing", ["genai-interview-prep.apkg", "questions.json"])
def test_full_disk_keeps_old_outputs_and_names_the_file(tmp_path, cache, small_fs, failing):
    old_src, new_src = write_input(tmp_path / "in", CASES["topics"]), big_input(tmp_path / "in")
    trial = tmp_path / "trial"
    assert build(new_src, trial, cache).returncode == 0
    sizes = {p.name: p.stat().st_size for p in trial.iterdir()}
    assert sizes["questions.json"] > 250_000, sizes
    if small_fs is None:  # not root: inject ENOSPC where the new file is flushed instead
        return _full_disk_in_process(tmp_path, cache, old_src, new_src, failing)
    out, tmpdir = small_fs / "dist", tmp_path / "systemp"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    assert build(old_src, out, cache, env=env).returncode == 0
    old = snapshot(out)
    # leave room for the new files written before `failing` (whole 4 kB pages), and half of `failing`
    order = ["genai-interview-prep.apkg", "questions.json"]
    room = sum(-(-sizes[n] // 4096) * 4096 for n in order[:order.index(failing)]) + sizes[failing] // 2
    (small_fs / "filler").write_bytes(b"\0" * (free_bytes(small_fs) - room))
    proc = build(new_src, out, cache, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.splitlines() == [f"error: {out / failing}: No space left on device"]
    assert snapshot(out) == old
    assert ours_in(out) == [] and ours_in(tmpdir) == []
    (small_fs / "filler").unlink()
    proc = build(new_src, out, cache, env=env)
    assert proc.returncode == 0, proc.stderr
    # the same content as a build into an empty folder (the package time may be newer: it follows the
    # earlier build in this folder, builder/buildstate.py)
    got, want = snapshot(out), snapshot(trial)
    assert sorted(got) == sorted(want) and got["questions.json"] == want["questions.json"]
    pkg = "genai-interview-prep.apkg"
    assert sorted(notes_in(out / pkg, tmp_path / "a")) == sorted(notes_in(trial / pkg, tmp_path / "b"))


def _full_disk_in_process(tmp_path, cache, old_src, new_src, failing):
    out = tmp_path / "dist"
    assert build(old_src, out, cache).returncode == 0
    old = snapshot(out)
    assert _inject_enospc(out, cache, new_src, failing) == [f"error: {out / failing}: No space left on device"]
    assert snapshot(out) == old and ours_in(out) == []


def _inject_enospc(out: Path, cache: Path, src: Path, failing: str) -> list[str]:
    real_sync = atomic._sync

    def sync(path):
        if path.name.endswith(f"-{failing}.tmp"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_sync(path)

    mp = pytest.MonkeyPatch()
    mp.setattr(atomic, "_sync", sync)
    try:
        import contextlib
        import io
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = cli.main(["build", "--input", str(src), "--output-dir", str(out), "--cache-dir", str(cache)])
    finally:
        mp.undo()
    assert rc == 2
    return err.getvalue().splitlines()


@pytest.mark.parametrize("failing", ["genai-interview-prep.apkg", "questions.json", "genai-interview-prep.ankiaddon"])
def test_write_error_of_any_output_leaves_all_old_outputs(tmp_path, cache, failing):
    """Fault injection in-process (runs without root): the error at the last flush of any output."""
    src = write_input(tmp_path / "in", CASES["topics"])
    out = tmp_path / "dist"
    (out / "genai-interview-prep.apkg").parent.mkdir()
    for name in ("genai-interview-prep.apkg", "questions.json", "genai-interview-prep.ankiaddon"):
        (out / name).write_bytes(b"old " + name.encode())
    old = snapshot(out)
    assert _inject_enospc(out, cache, src, failing) == [f"error: {out / failing}: No space left on device"]
    assert snapshot(out) == old and ours_in(out) == []


def test_killed_build_leaves_old_outputs_and_the_next_build_cleans_up(tmp_path, built_package):
    dist, counts, cache = built_package
    out, tmpdir = tmp_path / "dist", tmp_path / "systemp"
    shutil.copytree(dist, out)
    tmpdir.mkdir()
    old = snapshot(out)
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    cmd = [sys.executable, str(ROOT / "build.py"), "build", "--output-dir", str(out), "--cache-dir", str(cache)]
    for _attempt in range(5):
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None and not any(p.name.startswith(".genai-build-") for p in out.iterdir()):
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        if proc.wait() == -signal.SIGKILL:
            break
    else:
        pytest.fail("the build always finished before it could be killed")
    left_out, left_tmp = ours_in(out), ours_in(tmpdir)
    assert left_out and left_tmp, "the kill should leave temporary files behind"
    assert {k: v for k, v in snapshot(out).items() if not k.startswith(".")} == \
        {k: v for k, v in old.items() if not k.startswith(".")}
    # not stale, must stay: a live process's temporary file, another program's file; stale: an old-style leftover
    live = out / f".genai-build-{os.getpid()}-abcd1234-questions.json.tmp"
    live.write_text("in progress")
    (out / "notes.tmp").write_text("the user's")
    legacy = out / ".questions.json.tmp"
    legacy.write_text("left by an old build")
    os.utime(legacy, (time.time() - 2 * atomic.MAX_AGE, time.time() - 2 * atomic.MAX_AGE))
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert f"removed {len(left_out) + 1} temporary file(s)" in proc.stdout
    assert ours_in(out) == sorted([live.name, "notes.tmp"]) and ours_in(tmpdir) == []
    assert snapshot(out)["questions.json"] == old["questions.json"]
    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(out / "genai-interview-prep.apkg"),
                                                         options=ImportAnkiPackageOptions()))
        assert len(col.find_notes("")) == sum(counts.values()) - counts["retired"]  # stubs ship apart
    finally:
        col.close()
    assert json.loads((out / "questions.json").read_text())["questions"]


def test_other_split_packages_are_left_alone(tmp_path, cache):
    src = write_input(tmp_path, CASES["sources"])
    out = tmp_path / "out"
    assert build(src, out, cache, "--split", "source").returncode == 0
    by_source = snapshot(out)
    proc = build(src, out, cache, "--split", "topic")
    assert proc.returncode == 0, proc.stderr
    stale = sorted(n for n in by_source if n.endswith(".apkg"))
    assert f"note: {len(stale)} other package(s)" in proc.stdout and stale[0] in proc.stdout
    after = snapshot(out)
    assert all(after[n] == by_source[n] for n in stale)
