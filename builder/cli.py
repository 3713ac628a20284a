"""Command line: `build.py [normalize|export|build] ...`; no subcommand runs the main job."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .errors import InputError

ROOT = Path(__file__).resolve().parents[1]
DECKS = ROOT / "decks"
DIST = ROOT / "dist"


class Progress:
    """A tqdm bar on a terminal, plain lines otherwise (CI logs, pipes)."""

    def __init__(self, total: int, desc: str):
        self._bar = None
        self.desc = desc
        if sys.stderr.isatty():
            from tqdm import tqdm
            self._bar = tqdm(total=total, desc=desc, unit="step", leave=False, file=sys.stderr)

    def __call__(self, label: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(label, refresh=False)
            self._bar.update(1)
        else:
            print(f"{self.desc}: {label}", flush=True)  # stdout: stderr is reserved for the one-line error

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _summary(summary: dict, started: float, extra: str = "") -> None:
    print(f"{summary['questions']} questions from {summary['occurrences']} printed occurrences "
          f"({summary['merged']} merged duplicates), {summary['topics']} topics{extra}, "
          f"{time.perf_counter() - started:.1f} s")


def _set_summary(qset: dict) -> dict:
    qs = qset["questions"]
    occ = sum(max(1, len(q.get("sources", []))) for q in qs)
    return {"questions": len(qs), "occurrences": occ, "merged": occ - len(qs),
            "topics": len({t for q in qs for t in q["topics"]})}


def cmd_normalize(args) -> int:
    from . import questionset as qs

    started = time.perf_counter()
    paths = qs.DeckPaths(Path(args.decks))
    bar = Progress(len(list(paths.sources.glob("*.txt"))), "parse")
    try:
        result = qs.normalize(paths, progress=None if args.review else bar)
    finally:
        bar.close()
    text, ids_text = qs.dumps(result.qset), result.registry.dumps()
    if args.review:
        by_id = {q["id"]: q for q in result.qset["questions"]}
        pairs = qs.review_pairs(result)

        def ref(qid: str) -> str:
            s = by_id[qid]["sources"][0]
            return f'"{s["document"][:3]}: {s["question"]}"'
        for score, a, b in pairs:
            print(f"# {score:5.1f} {a} / {b}\n  - [{ref(a)}, {ref(b)}]")
        print(f"{len(pairs)} look-alike pairs to decide (merge or distinct in {paths.curation})", file=sys.stderr)
        return 0
    if args.check:
        stale = [p.name for p, t in ((paths.questions, text), (paths.ids, ids_text))
                 if not p.exists() or p.read_text(encoding="utf-8") != t]
        if stale:
            print(f"error: {', '.join(stale)} in {paths.root} is stale; run: python3 build.py normalize", file=sys.stderr)
            return 1
        print("normalized question set is up to date")
        return 0
    qs.write_atomic(paths.ids, ids_text)
    qs.write_atomic(paths.questions, text)
    for doc, n in result.summary["per_document"].items():
        print(f"  {doc}: {n} questions")
    for qid, doc, snippet in result.summary["formula_holes"]:
        print(f"warning: {qid} ({doc[:3]}): formula lost in conversion: {snippet!r}; restore it with a "
              f"fix in {paths.curation.name}", file=sys.stderr)
    print(f"  formula holes: {len(result.summary['formula_holes'])}")
    _summary(result.summary, started, f"; wrote {paths.questions}")
    return 0


def _load_set(args) -> dict:
    from . import questionset as qs
    from . import validate

    if getattr(args, "input", None):
        return validate.load_question_set(Path(args.input))
    return validate.load_question_set(Path(args.decks) / "questions.json") if args.strict else \
        qs.load_questions(Path(args.decks) / "questions.json")


def cmd_export(args) -> int:
    from .export import export_set
    from .questionset import write_atomic

    started = time.perf_counter()
    qset = _load_set(args)
    out = Path(args.output)
    if out.parent and not out.parent.exists():
        raise InputError(str(out), None, "output folder does not exist")
    write_atomic(out, json.dumps(export_set(qset), indent=1, ensure_ascii=False) + "\n")
    _summary(_set_summary(qset), started, f"; wrote {out}")
    return 0


def cmd_build(args) -> int:
    import warnings

    from . import addon_package
    from .anki import package
    from .export import export_set
    from .questionset import write_atomic
    from .topics import TopicError, load_taxonomy

    started = time.perf_counter()
    qset = _load_set(args)
    decks_dir = Path(args.decks)
    try:
        taxonomy = load_taxonomy(decks_dir / "topics.yaml")
    except TopicError as e:
        raise InputError(str(decks_dir / "topics.yaml"), None, str(e)) from None
    if getattr(args, "input", None):
        # A user's file: its modification time dates the notes. Anki re-imports a note only when it
        # is newer, so an edited file updates notes in place; an untouched file rebuilds identically.
        qset = {**qset, "revision": {"timestamp": int(Path(args.input).stat().st_mtime)}}
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = Path(args.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    bar = Progress(5, "build")
    import tempfile
    with tempfile.TemporaryDirectory(prefix="genai-media-") as media, warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="genanki")
        build = package.collect(qset, decks_dir, Path(media), cache, taxonomy, progress=bar)
        groups = package.select(build, args.split)
        for name, built in groups.items():
            package.write_package(out_dir / f"{name}.apkg", built, Path(media), build.timestamp)
        bar("packages")
    bar.close()
    write_atomic(out_dir / "questions.json", json.dumps(export_set(qset), indent=1, ensure_ascii=False) + "\n")
    # the desktop add-on ships with every build, with the display names of this taxonomy
    addon = addon_package.build(out_dir, topic_names={p: taxonomy.name(p) for p in taxonomy.paths})
    counts = build.counts()
    corrected = sum(1 for q in qset["questions"] if q.get("corrections"))
    print(f"notes: {counts['qa']} Q&A, {counts['cloze']} cloze, {counts['io']} image occlusion, "
          f"{counts['figure']} figure; {len(groups)} package(s) in {out_dir}")
    print(f"corrections shown: {corrected} question(s) carry a visible correction of their source")
    print(f"add-on: {addon}")
    _summary(_set_summary(qset), started)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="build.py",
        description="Build the GenAI interview-prep question set and Anki decks. "
                    "Without a subcommand: the main job (build everything into dist/).")
    p.add_argument("--decks", default=str(DECKS), help="folder with sources/, curation.yaml, topics.yaml, ids.json (default: decks/)")
    sub = p.add_subparsers(dest="command")
    n = sub.add_parser("normalize", help="parse the five documents into decks/questions.json (deterministic)")
    n.add_argument("--check", action="store_true", help="only check that the committed set is up to date (exit 1 if stale)")
    n.add_argument("--review", action="store_true", help="list question pairs that may be duplicates and are not yet reviewed in curation.yaml")
    n.set_defaults(func=cmd_normalize)
    e = sub.add_parser("export", help="write the question set in the published schema (decks/schema.json)")
    e.add_argument("--output", required=True, help="output JSON file")
    e.add_argument("--input", help="a question set (JSON or YAML) instead of decks/questions.json")
    e.set_defaults(func=cmd_export, strict=False)
    b = sub.add_parser("build", help="build the outputs into dist/ from decks/questions.json or --input FILE")
    b.add_argument("--input", help="your own question set, JSON or YAML, in the schema of decks/schema.json")
    b.add_argument("--output-dir", default=str(DIST), help="where to write the outputs (default: dist/)")
    b.add_argument("--split", choices=["topic", "source"], help="one package per top-level topic or per source document")
    b.add_argument("--cache-dir", default=str(ROOT / ".cache" / "figures"), help="rendered-figure cache (default: .cache/figures)")
    b.set_defaults(func=cmd_build, strict=True)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command is None:
        args = parser().parse_args(["build", *(argv or [])])
    try:
        return args.func(args)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    except OSError as e:
        print(f"error: {e.filename or ''}: {e.strerror}", file=sys.stderr)
        return 2
    except Exception as e:  # a bug, not bad input: still one line; BUILD_DEBUG=1 shows the traceback
        if os.environ.get("BUILD_DEBUG"):
            raise
        print(f"internal error: {type(e).__name__}: {e} (set BUILD_DEBUG=1 for details)", file=sys.stderr)
        return 1
