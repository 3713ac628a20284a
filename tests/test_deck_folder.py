"""`--decks` is the whole input: every data file (taxonomy, parse hints, schema, documents) comes from the
deck folder given, so a changed copy changes the output and leaves the committed decks/ alone; the source
documents are a registry (decks/documents.yaml), so a sixth document is an entry plus a parser module."""
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from builder import documents
from builder import questionset as qs
from builder.errors import InputError
from builder.paths import DeckPaths
from conftest import committed_questions

ROOT = Path(__file__).resolve().parents[1]
DECKS = ROOT / "decks"


def cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, stdin=subprocess.DEVNULL)


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _keyword_target(questions: list[dict], decks: Path) -> tuple[dict, str, str]:
    """A question ranked by the keyword rules (no topic override, room for one more topic), a leaf topic
    it does not have, and a keyword that only its own wording matches."""
    from builder import curation
    overrides = curation.load(decks / "curation.yaml").overrides
    paths = [t["path"] for t in yaml.safe_load((decks / "topics.yaml").read_text(encoding="utf-8"))["topics"]]
    leaves = [p for p in paths if not any(o.startswith(p + "::") for o in paths)]
    for q in questions:
        if len(q["topics"]) < 3 and not {"topics", "add_topics", "remove_topics"} & set(overrides.get(q["id"], {})):
            keyword = " ".join(re.findall(r"[a-z0-9]+", q["question"].lower()))
            if len(keyword.split()) >= 5 and sum(keyword in " ".join(re.findall(r"[a-z0-9]+", o["question"].lower()))
                                                 for o in questions) == 1:
                leaf = next(p for p in leaves if p not in q["topics"])
                return q, leaf, keyword
    raise AssertionError("no question to move with a keyword")


def test_a_copy_of_the_deck_folder_is_the_whole_input(tmp_path, built_package):
    """Normalize and build from a copy with a new topic keyword, a changed parse hint and a stricter
    schema: each change shows in the output, and the committed decks/ stay as they were."""
    before = tree_digest(DECKS)
    copy = tmp_path / "decks"
    shutil.copytree(DECKS, copy)
    committed = json.loads((DECKS / "questions.json").read_text(encoding="utf-8"))["questions"]

    # topics.yaml: a keyword only one question's wording matches pulls that question into a leaf topic
    q, leaf, keyword = _keyword_target(committed, copy)
    edit_yaml(copy / "topics.yaml", lambda d: next(t for t in d["topics"] if t["path"] == leaf)["keywords"].append(keyword))
    # parse hints of document 004: "Mechanism:" (Q19) read as a plain line instead of a sub-heading
    hints = yaml.safe_load((copy / "parse_hints" / "004.yaml").read_text(encoding="utf-8"))
    assert "Mechanism:" in hints["subheadings"]["Q19"]

    def plain_line(d):
        d["subheadings"]["Q19"].remove("Mechanism:")
        if not d["subheadings"]["Q19"]:
            del d["subheadings"]["Q19"]
        d["keep_lines"].setdefault("Q19", []).append("Mechanism:")
    edit_yaml(copy / "parse_hints" / "004.yaml", plain_line)
    old_q19 = next(x for x in committed if any(s["document"].startswith("004") and s["number"] == "Q19"
                                               for s in x["sources"]))
    assert "<h6>Mechanism:</h6>" in json.dumps(old_q19)

    proc = cli("--decks", str(copy), "normalize")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "dist"
    proc = cli("--decks", str(copy), "build", "--output-dir", str(out), "--cache-dir", str(built_package[2]))
    assert proc.returncode == 0, proc.stderr
    built = {x["id"]: x for x in json.loads((out / "questions.json").read_text(encoding="utf-8"))["questions"]}
    assert leaf in built[q["id"]]["topics"] and leaf not in q["topics"]
    new_q19 = next(s for s in built[old_q19["id"]]["sources"] if s["document"].startswith("004"))["answer_html"]
    assert "<h6>Mechanism:</h6>" not in new_q19 and "<p>Mechanism:</p>" in new_q19
    # the other questions keep their topics: only the edited keyword moved one
    moved = [i for i, x in built.items() if x["topics"] != next(c["topics"] for c in committed if c["id"] == i)]
    assert moved == [q["id"]]

    # schema.json of the copy is the one the build validates against: a stricter limit refuses the set
    schema = json.loads((copy / "schema.json").read_text(encoding="utf-8"))
    ref = schema["properties"]["questions"]["items"]["$ref"].rsplit("/", 1)[1]
    schema["$defs"][ref]["properties"]["question"] = {"type": "string", "maxLength": 5}
    (copy / "schema.json").write_text(json.dumps(schema, indent=1), encoding="utf-8")
    proc = cli("--decks", str(copy), "build", "--output-dir", str(tmp_path / "dist2"), "--cache-dir", str(built_package[2]))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "questions.json: questions[0] (id q0001).question:" in proc.stderr
    assert "too long" in proc.stderr
    assert tree_digest(DECKS) == before  # the committed decks/ were only read


# ----------------------------------------------------------------------------- the documents registry
TINY_PARSER = '''
from builder.parsers.base import Occurrence


def parse(text, document, hints):
    out = []
    for n, block in enumerate(text.strip().split("\\n\\n"), 1):
        question, answer = block.split("\\n", 1)
        out.append(Occurrence(document=document, number=n, section=hints["section"], question=question,
                              answer_md=answer, line=text.count("\\n", 0, text.index(block)) + 1))
    return out
'''


def _add_sixth(copy: Path, tmp_path: Path, monkeypatch) -> str:
    pkg = tmp_path / "mydocs"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "tiny.py").write_text(TINY_PARSER, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    name = "005_tiny.txt"
    (copy / "sources" / name).write_text(
        "What does a zebra crossing regulate in small towns?\nIt regulates pedestrian traffic across quiet roads.\n\n"
        "Why do lighthouses blink in distinct patterns?\nSo that sailors can tell one lighthouse from another.\n",
        encoding="utf-8")
    (copy / "parse_hints" / "005.yaml").write_text("section: Odd questions\n", encoding="utf-8")
    with (copy / "documents.yaml").open("a", encoding="utf-8") as f:
        f.write(f"{name}:\n  slug: 005-tiny\n  title: Tiny test document\n  parser: mydocs.tiny\n"
                "  hints: parse_hints/005.yaml\n")
    return name


def test_a_sixth_document_is_an_entry_and_a_parser_module(decks_copy, tmp_path, monkeypatch):
    name = _add_sixth(decks_copy, tmp_path, monkeypatch)
    paths = DeckPaths(decks_copy)
    occs = qs.parse_documents(paths)
    mine = [o for o in occs if o.document == name]
    assert [o.question for o in mine] == ["What does a zebra crossing regulate in small towns?",
                                          "Why do lighthouses blink in distinct patterns?"]
    assert {o.section for o in mine} == {"Odd questions"}  # the hints file of the entry reached the parser
    result = qs.normalize(paths)
    new = [q for q in result.qset["questions"] if q["primary_source"] == name]
    assert len(new) == 2 and {q["sources"][0]["section"] for q in new} == {"Odd questions"}
    assert documents.titles(paths)[name] == {"slug": "005-tiny", "title": "Tiny test document"}


def test_the_registry_decides_which_documents_are_read(decks_copy):
    """Dropping an entry (and its file) drops exactly that document; nothing else names the five."""
    paths = DeckPaths(decks_copy)
    everything = qs.parse_documents(paths)
    gone = "002_1256667a82fe0131.txt"
    text = (decks_copy / "documents.yaml").read_text(encoding="utf-8")
    kept = re.sub(rf"^{re.escape(gone)}:\n(?:  .*\n)+", "", text, flags=re.M)
    assert kept != text
    (decks_copy / "documents.yaml").write_text(kept, encoding="utf-8")
    (decks_copy / "sources" / gone).unlink()
    fewer = qs.parse_documents(paths)
    assert [(o.document, o.number) for o in fewer] == [(o.document, o.number) for o in everything if o.document != gone]


@pytest.mark.parametrize("change, where, message", [
    (lambda t: t + "\n005_x.txt:\n  slug: 005-x\n  title: X\n  parser: no_such_parser\n", "005_x.txt.parser",
     "cannot import"),
    (lambda t: t + "\n005_x.txt:\n  slug: 005-x\n  parser: doc000\n", "005_x.txt.title", "missing"),
    (lambda t: t + "\n005_x.txt:\n  slug: 005 X\n  title: X\n  parser: doc000\n", "005_x.txt.slug", "lowercase"),
    (lambda t: t + "\n005_x.txt:\n  slug: 005-x\n  title: X\n  parser: doc000\n  hints: ../outside.yaml\n",
     "005_x.txt.hints", "inside the deck folder"),
    (lambda t: t + "\n005_x.txt:\n  slug: 005-x\n  title: X\n  parser: doc000\n  colour: red\n", "005_x.txt.'colour'",
     "unknown field"),
    (lambda t: t + "\n004_other.txt:\n  slug: 004-x\n  title: X\n  parser: doc004\n", "004_other.txt",
     "is also the id of"),
    (lambda t: t + "\n005_x.txt:\n  slug: 005-x\n  title: X\n  parser: doc000\n", "005_x.txt", "no such file"),
    (lambda t: t + "\nnot-a-file-name: {}\n", "'not-a-file-name'", "source file name"),
    (lambda t: t + "\n005_x.txt: [1\n", "line", "invalid YAML"),
    (lambda t: t + "\n005_x.txt:\n  slug: 005-x\n  title: My notes (PDF)\n  parser: doc000\n", "005_x.txt.title",
     "names a file format"),
])
def test_bad_documents_yaml_is_one_line_naming_file_and_entry(decks_copy, change, where, message):
    path = decks_copy / "documents.yaml"
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InputError) as err:
        qs.parse_documents(DeckPaths(decks_copy))
    text = str(err.value)
    assert text.startswith(f"{path}: {where}") and message in text and "\n" not in text, text


def test_a_document_without_an_entry_is_refused(decks_copy):
    stray = decks_copy / "sources" / "005_stray.txt"
    stray.write_text("Q1. What?\n", encoding="utf-8")
    proc = cli("--decks", str(decks_copy), "normalize", "--check")
    assert proc.returncode == 2
    assert proc.stderr == f"error: {stray}: no entry for this document in documents.yaml " \
                          f"(known: {', '.join(sorted(p.name for p in (DECKS / 'sources').glob('*.txt')))})\n"


def test_curation_cites_documents_by_title_never_by_id(decks_copy):
    """Corrections say which source erred by its title, as the cards name sources; an unknown id is an error."""
    by_id = {d.id: d.title for d in documents.load(DeckPaths(DECKS)).values()}
    said = [c["source_said"] for q in committed_questions() for c in q.get("corrections", [])]
    assert said and not any(documents.CITED.search(s) for s in said)
    assert any(f"\u201c{t}\u201d" in s for s in said for t in by_id.values())
    registry = documents.load(DeckPaths(DECKS))
    some_id, other_id = sorted(by_id)[:2]
    assert documents.cite(f"Documents {some_id} and {other_id} said so.", registry, "f", "w") == \
        f"\u201c{by_id[some_id]}\u201d and \u201c{by_id[other_id]}\u201d said so."
    text = (decks_copy / "curation.yaml").read_text(encoding="utf-8")
    (decks_copy / "curation.yaml").write_text(text.replace("source_said: \"Document 003", "source_said: \"Document 009", 1),
                                              encoding="utf-8")
    with pytest.raises(InputError, match="no document has the id '009'"):
        qs.normalize(DeckPaths(decks_copy))
