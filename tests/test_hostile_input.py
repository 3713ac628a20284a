"""Hostile question sets (audit, issue 9): exit 2 with one safe line naming file and place, nothing written.

The audit's inputs are recreated from its descriptions: Anki's field separator in every field,
content the sanitizer used to destroy, YAML alias bombs, FIFOs and huge files, terminal escapes in
error lines, values that crashed with exit 1, case-only duplicates, same-second edits.
"""
import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from builder import cli, summary
from builder.safeload import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[1]
PKG = "genai-interview-prep.apkg"
QA_NOTE_TYPE = "GenAI Interview Prep: Q&A"
MATH_ANSWER = r"<p>If \(p<q\) then \(q>p\) and \(a<b\) holds; also $x<y$ survives.</p>"

VALID = {"questions": [
    {"id": "h-1", "question": "What does softmax temperature do?",
     "answer_html": "<p>It rescales logits: \\(p_i \\propto e^{z_i / T}\\).</p>",
     "topics": ["GenAI::LLMs::Decoding"],
     "sources": [{"document": "notes.md", "number": "1", "section": "Decoding",
                  "question": "Temperature?", "answer_html": "<p>Scales $z/T$.</p>"}],
     "related": ["h-2"],
     "figures": [{"ref": "fig1", "caption": "Softmax", "source_url": "https://example.org/f"}],
     "extra": {"note": "kept out of the package"}},
    {"id": "h-2", "question": "When is p < q the same as q > p?", "answer_html": MATH_ANSWER,
     "topics": ["GenAI::LLMs"], "sources": [], "related": [], "figures": []},
]}


def mutate(fn):
    data = copy.deepcopy(VALID)
    fn(data)
    return data


def dump(data, suffix: str) -> str:
    if suffix == ".json":
        return json.dumps(data)
    import yaml
    return yaml.safe_dump(data, allow_unicode=True)


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("figcache")


@pytest.fixture(scope="module")
def previous(tmp_path_factory, cache):
    """A successful build of VALID: every bad build below targets this folder and must leave it alone."""
    base = tmp_path_factory.mktemp("prev")
    src = base / "valid.json"
    src.write_text(json.dumps(VALID), encoding="utf-8")
    proc = run_cli("build", "--input", str(src), "--output-dir", str(base / "dist"), "--cache-dir", str(cache))
    assert proc.returncode == 0, proc.stderr
    files = {p.name: p.read_bytes() for p in (base / "dist").iterdir() if p.is_file()}
    assert PKG in files
    return base / "dist", files, proc.stdout


def build_in_process(src: Path, out: Path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    rc = cli.main(["build", "--input", str(src), "--output-dir", str(out)])
    return rc, capsys.readouterr().err


def assert_rejected(rc: int, err: str, *needles: str, previous=None) -> str:
    lines = err.strip("\n").split("\n")
    assert rc == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].isprintable() and len(lines[0]) <= 700, err[:1000]  # no escapes, bidi controls, huge lines
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    if previous is not None:
        dist, files, _ = previous
        assert {p.name: p.read_bytes() for p in dist.iterdir() if p.is_file()} == files
    return lines[0]


# --- 1. control characters (U+001F is Anki's field separator) ----------------------------------

US = "\x1f"
FIELD_SETTERS = {
    "id": lambda d: d["questions"][0].__setitem__("id", "h" + US + "1"),
    "question": lambda d: d["questions"][0].__setitem__("question", "Why" + US + "?"),
    "answer_html": lambda d: d["questions"][0].__setitem__("answer_html", "<p>a" + US + "b</p>"),
    "topics[0]": lambda d: d["questions"][0]["topics"].__setitem__(0, "GenAI::LLMs" + US),
    "related[0]": lambda d: d["questions"][0]["related"].__setitem__(0, "h-2" + US),
    "sources[0].document": lambda d: d["questions"][0]["sources"][0].__setitem__("document", "notes" + US + ".md"),
    "sources[0].number": lambda d: d["questions"][0]["sources"][0].__setitem__("number", "1" + US),
    "sources[0].section": lambda d: d["questions"][0]["sources"][0].__setitem__("section", US + "Decoding"),
    "sources[0].question": lambda d: d["questions"][0]["sources"][0].__setitem__("question", "T" + US + "?"),
    "sources[0].answer_html": lambda d: d["questions"][0]["sources"][0].__setitem__("answer_html", "<p>" + US + "x</p>"),
    "figures[0].ref": lambda d: d["questions"][0]["figures"][0].__setitem__("ref", "fig" + US),
    "figures[0].caption": lambda d: d["questions"][0]["figures"][0].__setitem__("caption", "Soft" + US + "max"),
    "figures[0].source_url": lambda d: d["questions"][0]["figures"][0].__setitem__("source_url", "https://e.org/" + US),
    "extra.note": lambda d: d["questions"][0]["extra"].__setitem__("note", US),
    "a key": lambda d: d["questions"][0].__setitem__("k" + US, "v"),
}


@pytest.mark.parametrize("field", list(FIELD_SETTERS))
def test_field_separator_in_any_field_is_rejected(field, previous, tmp_path, capsys):
    src = tmp_path / "set.json"
    src.write_text(dump(mutate(FIELD_SETTERS[field]), ".json"), encoding="utf-8")
    rc, err = build_in_process(src, previous[0], capsys)
    place = "questions[0]" if field in ("id", "a key") else field
    assert_rejected(rc, err, str(src), place, "U+001F", previous=previous)


@pytest.mark.parametrize("char", ["\x00", "\x08", "\x0b", "\x7f", "\x85", "\x9b", "\ufdd0", "\ufffe", "\U0010ffff"])
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_every_forbidden_character_class_is_rejected(char, suffix, previous, tmp_path, capsys):
    src = tmp_path / f"set{suffix}"
    text = dump(mutate(lambda d: d["questions"][1].__setitem__("answer_html", "<p>PLACEHOLDER</p>")), suffix)
    # Written as an escape (YAML reads a raw U+0085 as a line break, JSON escapes anyway).
    if suffix == ".yaml":
        text = text.replace("<p>PLACEHOLDER</p>", f'"<p>x\\U{ord(char):08X}y</p>"')
    else:
        text = text.replace("PLACEHOLDER", json.dumps(f"x{char}y")[1:-1])
    src.write_text(text, encoding="utf-8")
    rc, err = build_in_process(src, previous[0], capsys)
    assert_rejected(rc, err, str(src), "questions[1] (id h-2).answer_html", f"U+{ord(char):04X}", previous=previous)


def test_tab_newline_cr_stay_allowed(tmp_path, capsys):
    from builder import validate
    src = tmp_path / "set.json"
    src.write_text(json.dumps(mutate(lambda d: d["questions"][1].__setitem__("answer_html", "<p>a\tb\r\nc</p>"))))
    assert "a\tb" in validate.load_question_set(src, ROOT / "decks" / "schema.json")["questions"][1]["answer_html"]


def test_valid_set_imports_every_note_into_anki(previous, tmp_path):
    dist, _, _ = previous
    notes = summary.load(dist)["notes"]
    counts = [notes[kind] for kind in ("qa", "cloze", "io", "figure")]
    assert counts[0] == len(VALID["questions"])
    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(dist / PKG), options=ImportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=True)))
        assert len(col.find_notes("")) == sum(counts)
        for q in VALID["questions"]:
            nids = col.find_notes(f'"ID:{q["id"]}" "note:{QA_NOTE_TYPE}"')
            assert len(nids) == 1, q["id"]
            card = col.get_note(nids[0]).cards()[0]
            assert q["question"].replace("<", "&lt;").replace(">", "&gt;") in card.question()
        # 4. math with "<" survives the sanitizer whole: text after it kept, every \( closed
        answer = col.get_note(col.find_notes(f'"ID:h-2" "note:{QA_NOTE_TYPE}"')[0]).cards()[0].answer()
        for part in (r"\(p&lt;q\)", "then", r"\(q&gt;p\)", r"\(a&lt;b\)", "holds", r"\(x&lt;y\)", "survives"):
            assert part in answer, (part, answer[:2000])
    finally:
        col.close()


# --- 4. checks on what will be written -------------------------------------------------------

@pytest.mark.parametrize("setter,place", [
    (lambda d: d["questions"][1].__setitem__("answer_html", "<p></p><script>x</script>"), "questions[1] (id h-2).answer_html"),
    (lambda d: d["questions"][1].__setitem__("question", "\u00a0\u2003\u200b"), "questions[1] (id h-2).question"),
    (lambda d: d["questions"][0]["sources"][0].__setitem__("answer_html", "<div><br></div><style>p{}</style>"),
     "questions[0] (id h-1).sources[0].answer_html"),
])
def test_fields_that_end_up_blank_are_rejected(setter, place, previous, tmp_path, capsys):
    src = tmp_path / "set.json"
    src.write_text(json.dumps(mutate(setter)), encoding="utf-8")
    rc, err = build_in_process(src, previous[0], capsys)
    assert_rejected(rc, err, str(src), place, "shows nothing", previous=previous)


def test_image_only_answer_is_not_blank(tmp_path):
    from builder import validate
    src = tmp_path / "set.json"
    src.write_text(json.dumps(mutate(lambda d: d["questions"][1].__setitem__("answer_html", '<p><img src="a.png"></p>'))))
    assert "<img" in validate.load_question_set(src, ROOT / "decks" / "schema.json")["questions"][1]["answer_html"]


# --- 5./6. YAML bombs, huge files, FIFOs, devices ---------------------------------------------

def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\nquestions: *i\n"


def test_yaml_billion_laughs_is_refused_before_expanding(previous, tmp_path):
    src = tmp_path / "lol.yaml"
    src.write_text(billion_laughs(), encoding="utf-8")
    assert len(src.read_bytes()) < 1200
    started = time.monotonic()
    proc = run_cli("build", "--input", str(src), "--output-dir", str(previous[0]), timeout=60)
    assert time.monotonic() - started < 30
    assert_rejected(proc.returncode, proc.stderr, str(src), "line 1 column", "anchors and aliases", previous=previous)


def test_yaml_alias_of_a_big_answer_is_refused(previous, tmp_path, capsys):
    big = "<p>" + "x" * 1_000_000 + "</p>"
    entries = [f"- id: q{i}\n  question: Q{i}?\n  answer_html: *big\n  topics: [GenAI]\n  sources: []\n"
               f"  related: []\n  figures: []\n" for i in range(1, 200)]
    text = (f"big: &big \"{big}\"\nquestions:\n" + "".join(entries))
    src = tmp_path / "aliases.yaml"
    src.write_text(text, encoding="utf-8")
    rc, err = build_in_process(src, previous[0], capsys)
    assert_rejected(rc, err, str(src), "line 1 column 6", "aliases", previous=previous)


def test_plain_yaml_still_loads(tmp_path):
    from builder import safeload
    assert safeload.load_yaml("a: 1\nb: {c: 2}\n", "x.yaml") == {"a": 1, "b": {"c": 2}}


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "sparse-3gb", "just-over-limit", "directory"])
def test_only_regular_files_within_the_size_limit(kind, previous, tmp_path):
    if kind == "fifo":
        src = tmp_path / "pipe.json"
        os.mkfifo(src)
        expect = "not a regular file"
    elif kind == "dev-zero":
        src, expect = Path("/dev/zero"), "not a regular file"
    elif kind == "directory":
        src, expect = tmp_path, "not a regular file"
    else:
        src = tmp_path / "big.json"
        with open(src, "wb") as f:
            f.truncate(3 * 1024 ** 3 if kind == "sparse-3gb" else MAX_FILE_BYTES + 1)
        expect = f"the limit is {MAX_FILE_BYTES} bytes"
    proc = run_cli("build", "--input", str(src), "--output-dir", str(previous[0]), timeout=60)
    assert_rejected(proc.returncode, proc.stderr, str(src), expect, previous=previous)


# --- 7. error lines: quoted, short, no terminal escapes ---------------------------------------

FAKE_OK = "x\n\x1b[2J\x1b[1;32mbuild OK: 1000 notes\x1b[0m"


@pytest.mark.parametrize("setter,needle", [
    (lambda d: d["questions"][0].__setitem__("id", FAKE_OK), "questions[0] (id 'x\\n\\x1b[2J"),
    (lambda d: d["questions"][1].__setitem__("related", "r" * 900_000), "is not of type 'array'"),
    (lambda d: d["questions"][1].__setitem__("topics", ["T o" * 300_000]), "malformed topic path"),
    (lambda d: d["questions"][1].__setitem__("related", ["\u202eevil" * 100_000]), "points to unknown id '\\u202eevil"),
    (lambda d: d.__setitem__("questions", [["payload " * 100] * 1000]), "is not of type 'object'"),
])
def test_error_lines_quote_and_shorten_the_input(setter, needle, previous, tmp_path):
    src = tmp_path / "set.json"
    src.write_text(json.dumps(mutate(setter)), encoding="utf-8")
    proc = run_cli("build", "--input", str(src), "--output-dir", str(previous[0]))
    line = assert_rejected(proc.returncode, proc.stderr, str(src), needle, previous=previous)
    assert "build OK" not in line or "\\x1b[1;32mbuild OK" in line


def test_hostile_file_name_is_made_safe(previous, tmp_path):
    src = tmp_path / "evil\x1b[2J\nbuild OK.json"
    src.write_text("{not json", encoding="utf-8")
    proc = run_cli("build", "--input", str(src), "--output-dir", str(previous[0]))
    assert_rejected(proc.returncode, proc.stderr, "evil\\x1b[2J\\nbuild OK.json", "invalid JSON", previous=previous)


# --- 8. values that used to end in "internal error" (exit 1) ----------------------------------

@pytest.mark.parametrize("name,suffix,text,needles", [
    ("lone surrogate", ".json", json.dumps(VALID).replace("Softmax", "Soft\\ud800max"),
     ["figures[0].caption", "U+D800"]),
    ("5000-digit int json", ".json", json.dumps(VALID)[:-1] + ', "n": ' + "7" * 5000 + "}",
     ["line 1 column", "more than 100 digits"]),
    ("5000-digit int yaml", ".yaml", dump(VALID, ".yaml") + "n: " + "7" * 5000 + "\n", ["line", "more than 100 digits"]),
    ("deep json", ".json", '{"questions": ' + "[" * 100_000 + "]" * 100_000 + "}", ["line 1 column", "nested deeper"]),
    ("deep yaml", ".yaml", "questions: " + "[" * 100_000 + "]" * 100_000 + "\n", ["line 1 column", "nested deeper"]),
    ("deep block yaml", ".yaml", "".join(" " * i + "- \n" for i in range(0, 2000, 2)) + "x\n", ["line", "nested deeper"]),
    ("1000-deep div", ".json", json.dumps(mutate(lambda d: d["questions"][1].__setitem__(
        "answer_html", "<div>" * 1000 + "deep" + "</div>" * 1000))), ["questions[1] (id h-2).answer_html", "nested 1000 levels"]),
    # the sanitizer needs minutes for this one (time grows with depth squared): refused before sanitizing
    ("100000-deep ul", ".json", json.dumps(mutate(lambda d: d["questions"][1].__setitem__(
        "answer_html", "<ul>" * 100_000 + "deep"))), ["questions[1] (id h-2).answer_html", "nested over 1000 levels"]),
])
def test_crashers_are_exit_2_with_file_and_place(name, suffix, text, needles, previous, tmp_path):
    src = tmp_path / f"set{suffix}"
    src.write_text(text, encoding="utf-8", errors="surrogatepass")
    proc = run_cli("build", "--input", str(src), "--output-dir", str(previous[0]), timeout=60)
    assert_rejected(proc.returncode, proc.stderr, str(src), *needles, previous=previous)


# --- 11. case-only duplicates and duplicate keys ----------------------------------------------

@pytest.mark.parametrize("suffix,text,needles", [
    (".json", json.dumps(mutate(lambda d: (d["questions"][0].__setitem__("id", "Abc"),
                                           d["questions"][1].__setitem__("id", "abc"),
                                           d["questions"][0].__setitem__("related", [])))),
     ["questions[1] (id abc).id", "differs only in letter case from Abc"]),
    (".json", json.dumps(mutate(lambda d: (d["questions"][0].__setitem__("topics", ["GenAI::attention"]),
                                           d["questions"][1].__setitem__("topics", ["GenAI::Attention"])))),
     ["questions[1] (id h-2).topics[0]", "'GenAI::Attention' differs only in letter case from 'GenAI::attention'"]),
    (".json", '{"questions": [{"id": "a", "id": "b"}]}', ["line 1 column 16", "duplicate key 'id'"]),
    (".yaml", "questions:\n  - id: a\n    question: x\n    id: b\n", ["line 4 column 5", "duplicate key 'id'"]),
])
def test_case_only_and_key_duplicates_are_rejected(suffix, text, needles, previous, tmp_path, capsys):
    src = tmp_path / f"set{suffix}"
    src.write_text(text, encoding="utf-8")
    rc, err = build_in_process(src, previous[0], capsys)
    assert_rejected(rc, err, str(src), *needles, previous=previous)


# --- 18. an edit within the same second still updates the note --------------------------------

def test_edit_in_the_same_second_updates_the_imported_note(tmp_path, cache):
    src, out = tmp_path / "set.json", tmp_path / "dist"
    src.write_text(json.dumps(VALID), encoding="utf-8")
    stamp = os.stat(src).st_mtime_ns
    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        answers = []
        for text in ("first wording", "second wording"):
            data = mutate(lambda d: d["questions"][0].__setitem__("answer_html", f"<p>{text}</p>"))
            src.write_text(json.dumps(data), encoding="utf-8")
            os.utime(src, ns=(stamp, stamp))  # same mtime: the edit lands within the same second
            proc = run_cli("build", "--input", str(src), "--output-dir", str(out), "--cache-dir", str(cache))
            assert proc.returncode == 0, proc.stderr
            col.import_anki_package(ImportAnkiPackageRequest(package_path=str(out / PKG), options=ImportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=True)))
            note = col.get_note(col.find_notes(f'"ID:h-1" "note:{QA_NOTE_TYPE}"')[0])
            answers.append(note["Answer"])
        assert "first wording" in answers[0]
        assert "second wording" in answers[1], answers[1][:500]
        before = (out / PKG).read_bytes()
        assert run_cli("build", "--input", str(src), "--output-dir", str(out), "--cache-dir", str(cache)).returncode == 0
        assert (out / PKG).read_bytes() == before  # unchanged content: byte-identical rebuild
    finally:
        col.close()
