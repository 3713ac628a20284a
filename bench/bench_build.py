#!/usr/bin/env python3
"""Benchmark the deck build: clean build, rebuild with nothing changed, import, package size.

Targets (2 cores): clean build <= 20 s, unchanged rebuild <= 3 s, import into a fresh
collection <= 5 s, package <= 5 MB. Runs the real CLI in subprocesses (as a user would)
into a temporary folder; the figure cache is empty for the clean build.
Run: .venv/bin/python bench/bench_build.py
"""
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed_build(out: Path, cache: Path) -> float:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--output-dir", str(out),
                           "--cache-dir", str(cache)], capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"build failed: {proc.stderr.strip()}")
    return elapsed


def main() -> int:
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clean = timed_build(tmp / "dist", tmp / "cache")
        rebuild = min(timed_build(tmp / "dist", tmp / "cache") for _ in range(3))
        apkg = tmp / "dist" / "genai-interview-prep.apkg"
        size_mb = apkg.stat().st_size / 1e6
        imports = []
        for i in range(3):
            folder = tmp / f"col{i}"
            folder.mkdir()
            col = Collection(str(folder / "c.anki2"))
            t = time.perf_counter()
            col.import_anki_package(ImportAnkiPackageRequest(
                package_path=str(apkg), options=ImportAnkiPackageOptions(with_scheduling=True)))
            imports.append(time.perf_counter() - t)
            notes = len(col.find_notes(""))
            col.close()
    rows = [
        ("clean build (empty figure cache)", f"{clean:.2f} s", "<= 20 s", clean <= 20),
        ("rebuild, nothing changed (best of 3)", f"{rebuild:.2f} s", "<= 3 s", rebuild <= 3),
        (f"import into a fresh collection ({notes} notes, best of 3)", f"{min(imports):.2f} s", "<= 5 s", min(imports) <= 5),
        ("package size", f"{size_mb:.2f} MB", "<= 5 MB", size_mb <= 5),
    ]
    for name, value, target, ok in rows:
        print(f"{name:55s} {value:>9s}   target {target:8s} {'OK' if ok else 'OVER TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
