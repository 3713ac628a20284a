#!/usr/bin/env python3
"""Benchmark: normalize the five documents and export the whole set (target: under 10 s on 2 cores).

Run: .venv/bin/python bench/bench_normalize.py [--repeat N]   (after `python3 build.py` set up .venv)
Works on a temporary copy of decks/, so the committed files are never touched.
"""
import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from builder import questionset as qs  # noqa: E402
from builder.export import export_set  # noqa: E402

TARGET_S = 10.0


def one_run(decks: Path, out: Path) -> tuple[float, float, dict]:
    t0 = time.perf_counter()
    result = qs.normalize(qs.DeckPaths(decks))
    qs.write_atomic(decks / "ids.json", result.registry.dumps())
    qs.write_atomic(decks / "questions.json", qs.dumps(result.qset))
    t1 = time.perf_counter()
    qs.write_atomic(out, json.dumps(export_set(qs.load_questions(decks / "questions.json")), indent=1,
                                    ensure_ascii=False) + "\n")
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, result.summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        decks = Path(tmp) / "decks"
        shutil.copytree(ROOT / "decks", decks)
        runs = [one_run(decks, Path(tmp) / "export.json") for _ in range(args.repeat)]
    norm = [r[0] for r in runs]
    exp = [r[1] for r in runs]
    total = [a + b for a, b in zip(norm, exp)]
    s = runs[-1][2]
    print(f"question set: {s['occurrences']} occurrences -> {s['questions']} questions, {s['topics']} topics")
    print(f"normalize: median {statistics.median(norm):.2f} s  (runs: {', '.join(f'{x:.2f}' for x in norm)})")
    print(f"export:    median {statistics.median(exp):.2f} s")
    verdict = "OK" if statistics.median(total) < TARGET_S else "OVER TARGET"
    print(f"normalize + export: median {statistics.median(total):.2f} s (target < {TARGET_S:.0f} s) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
