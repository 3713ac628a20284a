"""The build summary as data: `<output-dir>/build-summary.json`, and the lines `build.py build` prints.

`summarize()` returns one dict (note counts per kind, packages with their file names and note
counts, cloze drops per rule, corrections, the question set's counts); the build writes it next to
the packages, in the same all-or-nothing transaction (builder/atomic.py), and prints the human
summary from it. Tests and scripts read the JSON instead of parsing the printed lines.
Nothing in it depends on the output folder or the clock, so the same input gives the same file.
"""
from __future__ import annotations

import json
from pathlib import Path

from .errors import safe_part

FILE_NAME = "build-summary.json"
KINDS = ("qa", "cloze", "io", "figure", "retired")  # note kinds, in the order the summary line names them


def question_counts(qset: dict) -> dict:
    """Questions, printed occurrences (one per source, at least one per question), merged duplicates, topics."""
    qs = qset["questions"]
    occ = sum(max(1, len(q.get("sources", []))) for q in qs)
    return {"questions": len(qs), "occurrences": occ, "merged": occ - len(qs),
            "topics": len({t for q in qs for t in q["topics"]})}


def summarize(build, groups: dict, qset: dict, split: str | None = None, addon_file: str | None = None) -> dict:
    """The summary of one build: `build` from `package.collect`, `groups` from `package.select`."""
    from .anki import package

    counts = build.counts()
    packages = []
    for name, built in groups.items():
        entry = {"file": f"{name}.apkg", "notes": len(built), "retired": name == package.RETIRED_STEM}
        if split and not entry["retired"]:
            entry["split_key"] = package.split_key(built[0], split)  # None: the notes without a source
        packages.append(entry)
    rep = build.cloze_report
    return {
        "notes": {**{k: counts.get(k, 0) for k in KINDS}, "total": sum(p["notes"] for p in packages)},
        "split": split,
        "packages": packages,
        "cloze": None if rep is None else {
            "notes": len(rep.notes), "curated": rep.curated, "rejected_by_review": rep.rejected,
            "dropped": dict(rep.dropped.most_common())},
        "corrections": sum(1 for q in qset["questions"] if q.get("corrections")),
        "addon": addon_file,
        **question_counts(qset),
    }


def dumps(summary: dict) -> str:
    return json.dumps(summary, indent=1, ensure_ascii=False) + "\n"


def load(out_dir: Path) -> dict:
    """The summary a build wrote into `out_dir`."""
    return json.loads((Path(out_dir) / FILE_NAME).read_text(encoding="utf-8"))


def shown(name: str) -> str:
    """A file name fit for one terminal line: non-printable characters escaped, shortened."""
    return safe_part(name, 200)


def package_lines(s: dict) -> list[str]:
    """Under --split: one line per package (not the retired stubs)."""
    if not s["split"]:
        return []
    return [f"  {p['file']}: {p['notes']} note{'s' * (p['notes'] != 1)} "
            f"({shown(p['split_key']) if p['split_key'] is not None else 'no source'})"
            for p in s["packages"] if not p["retired"]]


def notes_line(s: dict, out_dir: Path) -> str:
    n = s["notes"]
    return (f"notes: {n['qa']} Q&A, {n['cloze']} cloze, {n['io']} image occlusion, {n['figure']} figure, "
            f"{n['retired']} retired = {n['total']} in {len(s['packages'])} package(s) in {out_dir}")


def detail_lines(s: dict, out_dir: Path) -> list[str]:
    """Cloze drops, retired stubs, corrections, the add-on file."""
    from .anki import package

    lines = []
    c = s["cloze"]
    if c is not None:
        drops = ", ".join(f"{rule} {n}" for rule, n in c["dropped"].items()) or "none"
        lines.append(f"cloze: {c['notes']} notes ({c['curated']} curated); mined candidates dropped by rule: {drops}; "
                     f"rejected by review: {c['rejected_by_review']}")
    if any(p["retired"] for p in s["packages"]):
        lines.append(f"retired: {s['notes']['retired']} stub(s) in {package.RETIRED_STEM}.apkg — import it only when "
                     f"updating a collection that holds an earlier version (it marks notes that left the deck)")
    lines.append(f"corrections shown: {s['corrections']} question(s) carry a visible correction of their source")
    if s["addon"]:
        lines.append(f"add-on: {Path(out_dir) / s['addon']}")
    return lines
