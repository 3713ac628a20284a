"""build.py as a user runs it: help, export shape, staleness check, bad data files, summaries."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from conftest import committed_questions

ROOT = Path(__file__).resolve().parents[1]
QUESTION_KEYS = ["id", "question", "answer_html", "topics", "sources", "related", "figures"]
OPTIONAL_KEYS = {"key_points", "corrections"}
SOURCE_KEYS = ["document", "number", "section", "question", "answer_html"]


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], capture_output=True, text=True,
                          cwd=cwd, stdin=subprocess.DEVNULL)


def test_help_lists_subcommands():
    proc = cli("--help")
    assert proc.returncode == 0
    for sub in ("normalize", "export", "build"):
        assert sub in proc.stdout


def test_export_writes_exactly_the_published_shape(tmp_path):
    out = tmp_path / "set.json"
    proc = cli("export", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert f"{len(committed_questions())} questions from " in proc.stdout
    assert len(data["questions"]) == len(committed_questions())
    assert list(data)[0] == "questions" and set(data) <= {"questions", "retired"}
    schema = json.loads((ROOT / "decks/schema.json").read_text())
    assert not list(Draft202012Validator(schema).iter_errors(data))
    for q in data["questions"]:
        assert [k for k in q if k not in OPTIONAL_KEYS] == QUESTION_KEYS
        assert q.get("key_points"), q["id"]  # the committed set carries curated key points for every question
        assert all(list(s) == SOURCE_KEYS for s in q["sources"])
        assert all(list(f) == ["ref", "caption", "source_url"] for f in q["figures"])
    docs = {s["document"] for q in data["questions"] for s in q["sources"]}
    assert docs == {p.name for p in (ROOT / "decks/sources").glob("*.txt")}
    # the export is a valid input: the round trip builds
    proc = cli("export", "--input", str(out), "--output", str(tmp_path / "again.json"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "again.json").read_text()) == data


def test_normalize_check_detects_stale_set(tmp_path, decks_copy):
    assert cli("--decks", str(decks_copy), "normalize", "--check").returncode == 0
    src = decks_copy / "sources" / "004_c54549c83c6343f4.txt"
    src.write_text(src.read_text().replace("Beam search is a search algorithm", "Beam search is an algorithm"))
    proc = cli("--decks", str(decks_copy), "normalize", "--check")
    assert proc.returncode == 1 and "stale" in proc.stderr
    proc = cli("--decks", str(decks_copy), "normalize")
    written = json.loads((decks_copy / "questions.json").read_text(encoding="utf-8"))["questions"]
    assert proc.returncode == 0 and f"{len(written)} questions from " in proc.stdout
    assert len(written) == len(committed_questions())  # an edit inside one answer merges or splits nothing
    assert cli("--decks", str(decks_copy), "normalize", "--check").returncode == 0


def test_progress_is_plain_lines_without_a_terminal(decks_copy):
    proc = cli("--decks", str(decks_copy), "normalize", "--check")
    assert "parse: 000_872b3f10e74e92b6.txt" in proc.stdout and "\r" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("edit,place,message", [
    (lambda c: c["merge"].append(["004: no such question at all", "000: What is"]), "merge[", "no question of document 004"),
    (lambda c: c["fixes"].append({"document": "002", "field": "question", "find": "zzz-not-there", "replace": "x"}),
     "fixes[", "is not in any question"),
    (lambda c: c["fixes"].append({"document": "002", "field": "title", "find": "a", "replace": "b"}),
     "fixes[", "field must be one of"),
    (lambda c: c["overrides"].update({"q0001": {"topics": ["GenAI::Nope"]}}), "overrides.q0001", "unknown topic"),
    (lambda c: c["overrides"].update({"q0001": {"primary": "999"}}), "overrides.q0001.primary", "no source"),
])
def test_bad_curation_is_one_line_exit_2_and_writes_nothing(decks_copy, edit, place, message):
    cur_path = decks_copy / "curation.yaml"
    cur = yaml.safe_load(cur_path.read_text())
    cur["overrides"] = cur.get("overrides") or {}
    edit(cur)
    cur_path.write_text(yaml.safe_dump(cur, allow_unicode=True))
    before = (decks_copy / "questions.json").read_bytes()
    proc = cli("--decks", str(decks_copy), "normalize")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "curation.yaml" in lines[0] and place in lines[0] and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert (decks_copy / "questions.json").read_bytes() == before


def test_bad_taxonomy_and_broken_yaml(decks_copy):
    (decks_copy / "topics.yaml").write_text("root: GenAI\ntopics:\n  - path: GenAI::A::B::C::D\n    name: x\n")
    proc = cli("--decks", str(decks_copy), "normalize")
    assert proc.returncode == 2 and "topics.yaml" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    (decks_copy / "curation.yaml").write_text("merge: [unclosed\n")
    proc = cli("--decks", str(decks_copy), "normalize")
    assert proc.returncode == 2 and "curation.yaml: line" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_sources_folder(tmp_path, decks_copy):
    for p in (decks_copy / "sources").iterdir():
        p.unlink()
    proc = cli("--decks", str(decks_copy), "normalize")
    assert proc.returncode == 2 and "no source documents" in proc.stderr
