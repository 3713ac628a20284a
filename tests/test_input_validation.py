"""Users' own question sets: every kind of bad input gets one line, exit 2, no traceback, no output."""
import copy
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from builder import validate
from builder.errors import InputError

ROOT = Path(__file__).resolve().parents[1]

VALID = {
    "questions": [
        {
            "id": "my-1",
            "question": "What does softmax temperature do?",
            "answer_html": "<p>It rescales logits: \\(p_i \\propto e^{z_i / T}\\).</p>",
            "topics": ["GenAI::LLMs::Decoding"],
            "sources": [{"document": "notes.md", "number": "1", "section": None,
                         "question": "Temperature?", "answer_html": "<p>Scales $z/T$.</p>"}],
            "related": ["my-2"],
            "figures": [{"ref": "fig1", "caption": "Softmax", "source_url": None}],
        },
        {
            "id": "my-2",
            "question": "What is top-p sampling?",
            "answer_html": "<p>Sampling from the smallest set with cumulative probability ≥ p; costs $5 to run.</p>",
            "topics": ["GenAI::LLMs"],
            "sources": [],
            "related": [],
            "figures": [],
        },
    ]
}


def run_build(tmp_path: Path, payload, suffix=".json", raw: str | None = None):
    src = tmp_path / f"input{suffix}"
    if raw is not None:
        src.write_text(raw, encoding="utf-8")
    elif suffix == ".json":
        src.write_text(json.dumps(payload), encoding="utf-8")
    else:
        src.write_text(yaml.safe_dump(payload, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--input", str(src),
                           "--output-dir", str(out)], capture_output=True, text=True, cwd=ROOT)
    return proc, src, out


def test_valid_json_and_yaml_build(tmp_path):
    for suffix in (".json", ".yaml"):
        proc, _, out = run_build(tmp_path, VALID, suffix)
        assert proc.returncode == 0, proc.stderr
        data = json.loads((out / "questions.json").read_text())
        assert [q["id"] for q in data["questions"]] == ["my-1", "my-2"]
        # `$` math became MathJax, money stayed money
        assert "\\(z/T\\)" in data["questions"][0]["sources"][0]["answer_html"]
        assert "$5" in data["questions"][1]["answer_html"]


def mutate(fn):
    data = copy.deepcopy(VALID)
    fn(data)
    return data


BAD_CASES = [
    ("missing field", mutate(lambda d: d["questions"][0].pop("answer_html")),
     "questions[0] (id my-1)", "'answer_html' is missing"),
    ("empty question", mutate(lambda d: d["questions"][1].__setitem__("question", "  ")),
     "questions[1] (id my-2).question", "must not be empty"),
    ("empty topics", mutate(lambda d: d["questions"][1].__setitem__("topics", [])),
     "questions[1] (id my-2).topics", "must not be empty"),
    ("malformed topic", mutate(lambda d: d["questions"][0].__setitem__("topics", ["GenAI::Large Models"])),
     "questions[0] (id my-1).topics[0]", "malformed topic path"),
    ("too deep topic", mutate(lambda d: d["questions"][0].__setitem__("topics", ["A::B::C::D"])),
     "questions[0] (id my-1).topics[0]", "malformed topic path"),
    ("duplicate id", mutate(lambda d: d["questions"][1].__setitem__("id", "my-1")),
     "questions[1] (id my-1).id", "duplicate id"),
    ("dangling related", mutate(lambda d: d["questions"][0].__setitem__("related", ["nope"])),
     "questions[0] (id my-1).related[0]", "unknown id 'nope'"),
    ("self related", mutate(lambda d: d["questions"][1].__setitem__("related", ["my-2"])),
     "questions[1] (id my-2).related[0]", "itself"),
    ("unbalanced \\(", mutate(lambda d: d["questions"][0].__setitem__("answer_html", "<p>\\(x^2</p>")),
     "questions[0] (id my-1).answer_html", "unbalanced math"),
    ("unbalanced $", mutate(lambda d: d["questions"][0]["sources"][0].__setitem__("answer_html", "<p>$x^2</p>")),
     "questions[0] (id my-1).sources[0].answer_html", "unbalanced math"),
    ("unbalanced $$", mutate(lambda d: d["questions"][1].__setitem__("question", "Is $$x$ ok?")),
     "questions[1] (id my-2).question", "unbalanced math"),
    ("no questions", {"questions": []}, "questions", "must not be empty"),
    ("not an object", [1, 2], "top level", "is not of type 'object'"),
    ("source without document", mutate(lambda d: d["questions"][0]["sources"][0].pop("document")),
     "questions[0] (id my-1).sources[0]", "'document' is missing"),
]


@pytest.mark.parametrize("name,payload,place,message", BAD_CASES, ids=[c[0] for c in BAD_CASES])
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_bad_input_one_line_exit_2(tmp_path, name, payload, place, message, suffix):
    proc, src, out = run_build(tmp_path, payload, suffix)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert str(src) in lines[0] and place in lines[0] and message in lines[0], lines[0]
    assert not (out / "questions.json").exists()


@pytest.mark.parametrize("suffix,raw,place", [
    (".json", '{"questions": [ {"id": "a",, } ]}', "line 1 column 28"),
    (".yaml", "questions:\n  - id: a\n    question: [unclosed\n", "line 4"),
    (".json", "", "line 1 column 1"),
])
def test_syntax_errors_name_the_place(tmp_path, suffix, raw, place):
    proc, src, out = run_build(tmp_path, None, suffix, raw=raw)
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert "\n" not in line and str(src) in line and place in line and "invalid" in line, line
    assert not out.exists() or not any(out.iterdir())


def test_unreadable_and_missing_file(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--input", str(tmp_path / "nope.json"),
                           "--output-dir", str(tmp_path / "o")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "nope.json" in proc.stderr and "cannot read" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    bad = tmp_path / "latin1.json"
    bad.write_bytes('{"q": "caf\xe9"}'.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        validate.load_question_set(bad, ROOT / "decks" / "schema.json")


def test_previous_output_survives_bad_input(tmp_path):
    proc, _, out = run_build(tmp_path, VALID)
    assert proc.returncode == 0
    before = (out / "questions.json").read_bytes()
    proc, _, out = run_build(tmp_path, mutate(lambda d: d["questions"][0].pop("topics")))
    assert proc.returncode == 2
    assert (out / "questions.json").read_bytes() == before


HOSTILE = (
    '<p onclick="steal()">Hi<script>alert(1)</script></p>'
    '<img src=x onerror="alert(1)"><img src="https://evil.example/x.png">'
    '<a href="javascript:alert(1)">link</a><a href="https://ok.example">ok</a>'
    '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>'
    '<svg onload="alert(1)"><circle/></svg><div style="position:fixed">x</div>'
)


def test_hostile_html_is_removed(tmp_path):
    data = mutate(lambda d: d["questions"][0].__setitem__("answer_html", HOSTILE))
    data["questions"][0]["sources"][0]["answer_html"] = HOSTILE
    data["questions"][0]["question"] = '<script>alert("q")</script> Why?'
    proc, _, out = run_build(tmp_path, data)
    assert proc.returncode == 0, proc.stderr
    q = json.loads((out / "questions.json").read_text())["questions"][0]
    for html in (q["answer_html"], q["sources"][0]["answer_html"]):
        low = html.lower()
        for bad in ("<script", "onclick", "onerror", "onload", "javascript:", "<iframe", "<style", "<svg",
                    "style=", "evil.example"):
            assert bad not in low, (bad, html)
        assert 'href="https://ok.example"' in html
    # the question text is escaped, never markup: in the set the build read and in the notes it wrote
    loaded = validate.load_question_set(tmp_path / "input.json", ROOT / "decks" / "schema.json")["questions"][0]
    assert loaded["question_html"].count("&lt;script&gt;") == 1 and "<script" not in loaded["question_html"]
    sanitized = validate.clean_question_set(data)["questions"][0]
    assert "<script" not in sanitized["question_html"] and "&lt;script&gt;" in sanitized["question_html"]
    with zipfile.ZipFile(out / "genai-interview-prep.apkg") as zf:
        (tmp_path / "c.anki2").write_bytes(zf.read("collection.anki2"))
    con = sqlite3.connect(tmp_path / "c.anki2")
    try:
        fields = [f for (flds,) in con.execute("select flds from notes") for f in flds.split("\x1f")]
    finally:
        con.close()
    assert '&lt;script&gt;alert("q")&lt;/script&gt; Why?' in fields, [f for f in fields if "Why?" in f]
    assert not any("<script" in f.lower() for f in fields)
