"""Command line: `build.py [normalize|export|build] ...`; no subcommand runs the main job."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .errors import InputError, safe_part
from .summary import question_counts as _set_summary
from .summary import shown as _shown

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


def cmd_normalize(args) -> int:
    from . import questionset as qs

    started = time.perf_counter()
    paths = args.paths
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
    published_text = _published(result, paths, Path(args.cache_dir))
    text = qs.dumps(result.qset)  # a revived note may have moved the revision on
    if args.check:
        stale = [p.name for p, t in ((paths.questions, text), (paths.ids, ids_text), (paths.published, published_text))
                 if not p.exists() or p.read_text(encoding="utf-8") != t]
        if stale:
            print(f"error: {', '.join(stale)} in {paths.root} is stale; run: python3 build.py normalize", file=sys.stderr)
            return 1
        print("normalized question set is up to date")
        return 0
    qs.write_atomic(paths.ids, ids_text)
    qs.write_atomic(paths.questions, text)
    qs.write_atomic(paths.published, published_text)
    for doc, n in result.summary["per_document"].items():
        print(f"  {doc}: {n} questions")
    for qid, doc, snippet in result.summary["formula_holes"]:
        print(f"warning: {qid} ({doc[:3]}): formula lost in conversion: {snippet!r}; restore it with a "
              f"fix in {paths.curation.name}", file=sys.stderr)
    print(f"  formula holes: {len(result.summary['formula_holes'])}")
    _summary(result.summary, started, f"; wrote {paths.questions}")
    return 0


def _published(result, paths, cache_dir: Path) -> str:
    """decks/published.json after this normalize: build the notes once to see what ships (and what left).

    A note that comes back after being retired needs a newer timestamp than its stub, so the set's
    revision moves forward then."""
    import tempfile
    import warnings

    from . import published
    from . import questionset as qs
    from .anki import notes, package
    from .topics import load_taxonomy

    record = published.load(paths.published)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="genai-media-") as media, warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="genanki")
        build = package.collect(result.qset, paths, Path(media), cache_dir, load_taxonomy(paths.topics))
    now_emitted = published.emitted(build.notes, notes.guid)
    old = qs.load_questions(paths.questions)["questions"] if paths.questions.exists() else []
    new, revived = published.update(
        record, now_emitted, notes.GUID_NS, {q["id"]: q for q in old}, result.registry.anchors,
        {q["id"] for q in result.qset["questions"]}, int(time.time()))
    if revived:
        rev = result.qset["revision"]
        rev["timestamp"] = max(rev["timestamp"], int(time.time()))
    return published.dumps(new)


def _load_set(args) -> dict:
    from . import questionset as qs
    from . import validate

    paths = args.paths
    if getattr(args, "input", None):
        return validate.load_question_set(Path(args.input), paths.schema)
    from . import published

    qset = validate.load_question_set(paths.questions, paths.schema) if args.strict else \
        qs.load_questions(paths.questions)
    # the committed set's retired notes come from its record of everything ever published
    return {**qset, "retired": published.retired_entries(published.load(paths.published))}


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

    from . import addon_package, atomic, buildstate, fieldcheck, summary
    from .anki import package
    from .export import export_set
    from .topics import TopicError, load_taxonomy

    started = time.perf_counter()
    qset = _load_set(args)
    paths = args.paths
    try:
        taxonomy = load_taxonomy(paths.topics)
    except TopicError as e:
        raise InputError(str(paths.topics), None, str(e)) from None
    if getattr(args, "input", None):
        # A user's file: its modification time dates the notes (buildstate moves the time on when the
        # notes changed within the same second). Anki re-imports a note only when it is newer.
        qset = {**qset, "revision": {"timestamp": int(Path(args.input).stat().st_mtime)}}
    out_dir = Path(args.output_dir)
    cache = Path(args.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    bar = Progress(5, "build")
    # All outputs are written as temporary files first and renamed in together (builder/atomic.py):
    # a failure anywhere leaves the previous outputs as they were.
    with atomic.scratch_dir() as media, warnings.catch_warnings(), atomic.Outputs(out_dir) as out:
        warnings.filterwarnings("ignore", module="genanki")
        build = package.collect(qset, paths, media, cache, taxonomy, progress=bar)
        fieldcheck.check_notes(build.notes, paths.root)
        stamp = buildstate.Stamp(out_dir, build.notes, build.timestamp)  # newer whenever the notes changed
        build.timestamp = stamp.timestamp
        groups = package.select(build, args.split)
        for name, built in groups.items():
            with out.file(f"{name}.apkg") as tmp:
                package.write_package(tmp, built, media, build.timestamp)
        bar("packages")
        out.write("questions.json", json.dumps(export_set(qset), indent=1, ensure_ascii=False) + "\n")
        with out.file(addon_package.FILE_NAME) as tmp:  # the desktop add-on ships with every build
            addon_package.write(tmp, topic_names={p: taxonomy.name(p) for p in taxonomy.paths})
        counts = build.counts()
        live = sum(1 for v in groups.values() for n in v if n.kind != "retired")
        assert live == len(build.notes) - counts["retired"], "every note must be in exactly one package"
        assert sum(len(v) for v in groups.values()) == len(build.notes), "every note must be in exactly one package"
        done = summary.summarize(build, groups, qset, args.split, addon_package.FILE_NAME)
        out.write(summary.FILE_NAME, summary.dumps(done))  # the summary as data, for tests and scripts
    bar.close()
    stamp.save()
    if out.removed:
        print(f"removed {len(out.removed)} temporary file(s) of an interrupted build from {out_dir}")
    for line in summary.package_lines(done):
        print(line)
    print(summary.notes_line(done, out_dir))
    others = sorted(p.name for p in out_dir.glob(f"{package.PACKAGE_STEM}*.apkg")
                    if p.stem not in groups)
    if others:
        print(f"note: {len(others)} other package(s) in {out_dir} are not from this build "
              f"(left untouched): {', '.join(map(_shown, others[:5]))}{', ...' if len(others) > 5 else ''}")
    for line in summary.detail_lines(done, out_dir):
        print(line)
    _summary(_set_summary(qset), started)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="build.py",
        description="Build the GenAI interview-prep question set and Anki decks. "
                    "Without a subcommand: the main job (build everything into dist/).")
    p.add_argument("--decks", default=str(DECKS), help="the deck folder every data file is read from: sources/, documents.yaml, "
                   "curation.yaml, topics.yaml, schema.json, ids.json ... (default: decks/)")
    sub = p.add_subparsers(dest="command")
    n = sub.add_parser("normalize", help="parse the documents of decks/documents.yaml into decks/questions.json (deterministic)")
    n.add_argument("--check", action="store_true", help="only check that the committed set is up to date (exit 1 if stale)")
    n.add_argument("--cache-dir", default=str(ROOT / ".cache" / "figures"), help="rendered-figure cache (default: .cache/figures)")
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
    from .paths import DeckPaths
    args.paths = DeckPaths(Path(args.decks))  # every data file comes from --decks, through this
    try:
        return args.func(args)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    except OSError as e:  # names the file being written or read: `error: dist/x.apkg: No space left on device`
        where = f"{_shown(str(e.filename))}: " if e.filename else ""
        print(f"error: {where}{safe_part(e.strerror or e, 200)}", file=sys.stderr)
        return 2
    except Exception as e:  # a bug, not bad input: still one line; BUILD_DEBUG=1 shows the traceback
        if os.environ.get("BUILD_DEBUG"):
            raise
        print(f"internal error: {type(e).__name__}: {safe_part(e, 200)} (set BUILD_DEBUG=1 for details)", file=sys.stderr)
        return 1
