r"""MathJax commands cannot reach a card or the panel: the TeX allow-list (addon/core/texsafe.py).

Anki typesets math with MathJax's full TeX input: `\href{javascript:…}` is a live link,
`\style{…}` covers the card or loads a URL, `\class`/`\cssId` add classes and ids. The
builder refuses such input, the builder's and the add-on's cleaners make them inert, and
the result is rendered with Anki's own MathJax files and configuration (aqt's
`mathjax.js` + `tex-chtml-full.js`, typeset the way the reviewer does) in headless
Chromium. A control rendering of the raw payload under the same setup shows the attack
works there, so the checks can fail.
"""
from __future__ import annotations

import json
import mimetypes
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from addon.panel import view as panel_html
from addon.core import texsafe
from addon.common.sanitize import clean
from builder import render

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"

# The audit's five payloads (issue 9, item 2).
PAYLOADS = {
    "href": r"<p>Click \(\href{javascript:alert(1)}{here}\) now.</p>",
    "style-cover": r"<p>\(\style{position:fixed;top:0;left:0;width:100%;height:100%;background:red}{x}\)</p>",
    "style-request": r"<p>\(\style{background-image:url(https://tracker.invalid/pixel.png)}{y}\)</p>",
    "class-cssid": r"<p>\(\class{evil-class}{a} + \cssId{evil-id}{b}\)</p>",
    "unicode": r"<p>\(\unicode[Webdings]{x263A}\)</p>",
}
NAMES = {"href": ["\\href"], "style-cover": ["\\style"], "style-request": ["\\style"],
         "class-cssid": ["\\class", "\\cssId"], "unicode": ["\\unicode"]}
ALL_PAYLOADS = "".join(PAYLOADS.values())

# Ways to hide a command from a naive scan; every one must still be found as \href.
EVASIONS = {
    "entity letter": r"<p>\(\h&#114;ef{javascript:alert(1)}{x}\)</p>",
    "entity backslash": "<p>&#92;(&#92;href{javascript:alert(1)}{x}&#92;)</p>",
    "named entity backslash": "<p>&bsol;(&bsol;href{javascript:alert(1)}{x}&bsol;)</p>",
    "comment inside": r"<p>\(\hr<!-- x -->ef{javascript:alert(1)}{x}\)</p>",
    "wbr inside": r"<p>\(\hr<wbr>ef{javascript:alert(1)}{x}\)</p>",
    "tag inside": r"<p>\(\hr<b>ef</b>{javascript:alert(1)}{x}\)</p>",
    "space before brace": r"<p>\(\href {javascript:alert(1)}{x}\)</p>",
    "newline before brace": "<p>\\(\\href\n{javascript:alert(1)}{x}\\)</p>",
    "display brackets": r"<div>\[\href{javascript:alert(1)}{x}\]</div>",
    "double dollars": r"<p>$$\href{javascript:alert(1)}{x}$$</p>",
    "single dollars": r"<p>$\href{javascript:alert(1)}{x}$</p>",
    "after a linebreak": r"<p>\(a<br>\href{javascript:alert(1)}{x}\)</p>",
    "opener in another paragraph": r"<p>\(a</p><p>\href{javascript:alert(1)}{x}\)</p>",
    "after a tex comment": "<p>\\(a % comment\n\\href{javascript:alert(1)}{x}\\)</p>",
    "escaped backslash then command": r"<p>\(\\\href{javascript:alert(1)}{x}\)</p>",
    "inside code": r"<code>\href{javascript:alert(1)}{x}</code>",
    "no delimiters at all": r"<p>\href{javascript:alert(1)}{x}</p>",
}
# Other commands that would rebuild or smuggle a refused one.
OTHER_REFUSED = {
    r"\(\def\h{\href}\h{javascript:alert(1)}{x}\)": "\\def",
    r"\(\newcommand{\h}{x}\)": "\\newcommand",
    r"\(\let\h\relax\)": "\\let",
    r"\(\csname href\endcsname\)": "\\csname",
    r"\(\bbox[background:url(https://x.invalid/)]{x}\)": "\\bbox",
    r"\(\require{html}\)": "\\require",
    r"\(\begin{evil}x\end{evil}\)": "\\begin{evil}",
    r"\(\begin\href x\end{matrix}\)": "\\begin",
    r"\(\mmlToken{mi}[href='javascript:x']{x}\)": "\\mmlToken",
    r"\(\color{red}x\)": "\\color",
    r"\(\rule{100em}{100em}\)": "\\rule",
    r"\(x\relax\)": "\\relax",
    "\\(x\\\x1b\\)": "\\U+001B",
}
# Allowed: not flagged, not changed.
ALLOWED = [
    r"<p>\(\frac{a}{b} \cdot \hat{y}_i \le \sqrt{\sum_{i=1}^{n} x_i^2}\)</p>",
    r"<div class='math-block'>\[\begin{pmatrix} a & b \\ c & d \end{pmatrix}\]</div>",
    r"<p>\(\operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}\), \(\mathbb{E}[x] \, \mathbf{W}^\top\)</p>",
    r"<p>\(a\\href\)</p>",  # an escaped backslash (line break), then the plain letters h-r-e-f
    r"<p>Code: <code>print('a\n') # \(\d+\)</code> and <pre>re.compile(r'\w+\s')</pre> \(x\)</p>",
    r"<p>No math here: C:\Users\me</p>",
]


def test_allow_list_never_holds_the_dangerous_commands():
    rules = texsafe.allow_list()
    for name in ("href", "style", "class", "cssId", "unicode", "require", "bbox", "mmlToken", "def",
                 "newcommand", "renewcommand", "let", "csname", "char", "url", "data", "html"):
        assert name in rules.never and name not in rules.commands, name
    assert not rules.never & rules.commands
    assert {"matrix", "pmatrix", "bmatrix", "cases", "aligned", "array"} <= rules.environments


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_audit_payloads_are_found_and_neutralized(name):
    fragment = PAYLOADS[name]
    assert texsafe.find_forbidden(fragment) == NAMES[name]
    inert = texsafe.neutralize(fragment)
    assert texsafe.find_forbidden(inert) == []
    for cmd in NAMES[name]:
        assert cmd not in inert and texsafe.NEUTRAL + cmd[1:] in inert


@pytest.mark.parametrize("name", sorted(EVASIONS))
def test_evasions_are_found(name):
    fragment = EVASIONS[name]
    assert "\\href" in texsafe.find_forbidden(fragment), fragment
    inert = texsafe.neutralize(fragment)
    assert texsafe.find_forbidden(inert) == [], inert
    assert texsafe.NEUTRAL in inert and "javascript:alert(1)" in inert  # inert text, still readable


@pytest.mark.parametrize("fragment,name", sorted(OTHER_REFUSED.items()))
def test_other_commands_are_refused(fragment, name):
    found = texsafe.find_forbidden(fragment)
    assert found and found[0] == name, found
    assert all(c.isprintable() for c in name) and texsafe.find_forbidden(texsafe.neutralize(fragment)) == []


@pytest.mark.parametrize("fragment", ALLOWED)
def test_allowed_math_passes_unchanged(fragment):
    assert texsafe.find_forbidden(fragment) == []
    assert texsafe.neutralize(fragment) == fragment


def test_plain_text_scan():
    assert texsafe.find_forbidden_text(r"What is \(\href{javascript:x}{y}\)?") == ["\\href"]
    assert texsafe.find_forbidden_text(r"What is $\style{x}{y}$?") == ["\\style"]
    assert texsafe.find_forbidden_text(r"Is \(\frac{1}{2}\) a half?") == []
    assert texsafe.neutralize_text(r"\(\href{a}{b}\)") == "\\(" + texsafe.NEUTRAL + "href{a}{b}\\)"


# ----------------------------------------------------------------------------- the committed set

def _strings(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)
    elif isinstance(node, str):
        yield node


MATH = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.S)


def test_committed_set_is_clean_and_its_formulas_pass():
    data = json.loads((ROOT / "decks" / "questions.json").read_text(encoding="utf-8"))
    for i, q in enumerate(data["questions"]):
        assert texsafe.first_forbidden(q) is None, (i, q["id"], texsafe.first_forbidden(q))
    formulas = {m.group(0) for s in _strings(data) for m in MATH.finditer(s)}
    assert formulas, "the set has math: the check above must have looked at some"
    for f in formulas:
        assert texsafe.find_forbidden_text(f) == [], f


def test_built_package_fields_are_clean(built_package):
    dist, _, _ = built_package
    with zipfile.ZipFile(dist / "genai-interview-prep.apkg") as zf:
        db = dist.parent / "mathjax-check.anki2"
        db.write_bytes(zf.read("collection.anki2"))
    rows = sqlite3.connect(db).execute("select id, flds from notes").fetchall()
    math_fields = 0
    for nid, flds in rows:
        for field in flds.split("\x1f"):
            assert texsafe.find_forbidden(field) == [], (nid, field[:200])
            math_fields += bool(MATH.search(field))
    assert rows and math_fields


# ----------------------------------------------------------------------------- builder

VALID_QUESTION = {"id": "my-1", "question": "What does softmax temperature do?",
                  "answer_html": r"<p>It rescales logits: \(p_i \propto e^{z_i / T}\).</p>",
                  "topics": ["GenAI::LLMs::Decoding"], "related": [], "figures": [],
                  "sources": [{"document": "notes.md", "number": "1", "section": None,
                               "question": "Temperature?", "answer_html": "<p>Scales $z/T$.</p>"}]}


def _build(tmp_path: Path, text: str, suffix: str):
    src = tmp_path / f"input{suffix}"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--input", str(src),
                           "--output-dir", str(out)], capture_output=True, text=True, cwd=ROOT)
    return proc, src, out


def _with(path: list, value) -> dict:
    q = json.loads(json.dumps(VALID_QUESTION))
    node = q
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return {"questions": [q]}


BUILDER_CASES = [
    ("answer", ".json", json.dumps(_with(["answer_html"], PAYLOADS["href"])), ".answer_html", "\\href"),
    ("entity", ".json", json.dumps(_with(["answer_html"], EVASIONS["entity letter"])), ".answer_html", "\\href"),
    ("json unicode escape", ".json",
     json.dumps(_with(["answer_html"], "@@")).replace("@@", r"\\(\u005cstyle{position:fixed}{x}\\)"),
     ".answer_html", "\\style"),
    ("question text", ".yaml", yaml.safe_dump(_with(["question"], r"Why $\cssId{x}{y}$?")), ".question", "\\cssId"),
    ("source question", ".yaml", yaml.safe_dump(_with(["sources", 0, "question"], r"\(\class{a}{b}\)")),
     ".sources[0].question", "\\class"),
    ("source answer", ".json", json.dumps(_with(["sources", 0, "answer_html"], PAYLOADS["unicode"])),
     ".sources[0].answer_html", "\\unicode"),
    ("figure caption", ".json", json.dumps(_with(["figures"], [{"ref": "f", "caption": r"\(\href{javascript:x}{y}\)",
                                                               "source_url": None}])),
     ".figures[0].caption", "\\href"),
]


@pytest.mark.parametrize("name,suffix,text,place,command", BUILDER_CASES, ids=[c[0] for c in BUILDER_CASES])
def test_builder_refuses_commands_in_user_input(tmp_path, name, suffix, text, place, command):
    good, _, out = _build(tmp_path, json.dumps({"questions": [VALID_QUESTION]}), ".json")
    assert good.returncode == 0, good.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc, src, out = _build(tmp_path, text, suffix)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"{src}: questions[0] (id my-1){place}: " in lines[0], lines[0]
    assert f"'{command}'" in lines[0] and len(lines[0]) < 300, lines[0]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # previous output intact


def test_builder_sanitize_is_a_second_wall():
    inert = render.sanitize(ALL_PAYLOADS + "".join(EVASIONS.values()))
    assert texsafe.find_forbidden(inert) == []
    assert render.sanitize(ALLOWED[0]) == ALLOWED[0]
    question = render.text_to_html(r"Is $\href{javascript:alert(1)}{x}$ a link?")
    assert texsafe.find_forbidden(question) == [] and "href" in question


# ----------------------------------------------------------------------------- add-on

def test_addon_clean_and_panel_text_neutralize():
    for fragment in [*PAYLOADS.values(), *EVASIONS.values()]:
        out = clean(fragment)
        assert texsafe.find_forbidden(out) == [], (fragment, out)
    # unwrapping an unknown tag joins `\h` and `ref` in the output: still caught
    assert texsafe.find_forbidden(clean(r"\(\h<foo>ref</foo>{javascript:x}{y}\)")) == []
    assert clean(ALLOWED[0]) == ALLOWED[0]
    assert texsafe.find_forbidden(panel_html.esc(r"\(\href{javascript:x}{y}\)")) == []


# ----------------------------------------------------------------------------- real MathJax

def _aqt_web() -> Path:
    import _aqt

    return Path(list(_aqt.__path__)[0]) / "data" / "web"


PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body class="card"><div id="qa"></div>
<script src="/_anki/js/mathjax.js"></script><script src="/_anki/js/vendor/mathjax/tex-chtml-full.js"></script>
</body></html>"""
# What Anki's reviewer does after setting the card's HTML (ts/reviewer: typesetClear + typesetPromise).
TYPESET = """async (html) => {
  const qa = document.getElementById('qa');
  qa.innerHTML = html;
  await MathJax.startup.promise;
  MathJax.typesetClear();
  await MathJax.typesetPromise([qa]);
  await new Promise(r => setTimeout(r, 300));
  const all = [...qa.querySelectorAll('*')];
  return {
    containers: qa.querySelectorAll('mjx-container').length,
    errors: qa.querySelectorAll('mjx-merror').length,
    hrefs: all.filter(e => e.hasAttribute('href')).map(e => e.getAttribute('href')),
    fixed: all.filter(e => getComputedStyle(e).position === 'fixed').length,
    // MathJax styles its own output; attributes set from TeX show in the MathML it keeps alongside.
    mml: [...qa.querySelectorAll('mjx-assistive-mml *')].flatMap(e => [...e.attributes]
           .filter(a => /^(href|style|class|id|fontfamily)$/i.test(a.name)).map(a => `${a.name}=${a.value}`)),
    css: all.map(e => e.getAttribute('style') || '').filter(s => /url\\(|background|position: *fixed/.test(s)),
    ids: all.filter(e => e.id && e.closest('mjx-container')).map(e => e.id),
    errorText: [...qa.querySelectorAll('mjx-merror')].map(e => e.getAttribute('data-mjx-error')),
    classes: all.map(e => e.className).filter(c => typeof c === 'string' && c.includes('evil')),
  };
}"""


@pytest.fixture(scope="module")
def mathjax_page():
    from playwright.sync_api import sync_playwright

    web = _aqt_web()
    assert (web / "js" / "mathjax.js").is_file() and (web / "js/vendor/mathjax/tex-chtml-full.js").is_file()
    external: list[str] = []

    def route(r):
        url = r.request.url
        if url == "http://anki.test/card.html":
            r.fulfill(body=PAGE, content_type="text/html")
        elif url.startswith("http://anki.test/_anki/") and (web / url[23:].split("?")[0]).is_file():
            f = web / url[23:].split("?")[0]
            r.fulfill(body=f.read_bytes(), content_type=mimetypes.guess_type(f.name)[0] or "application/octet-stream")
        else:
            external.append(url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page()
        page.route("**/*", route)
        page.goto("http://anki.test/card.html")
        page.wait_for_load_state("load")

        def typeset(html: str) -> dict:
            external.clear()
            result = page.evaluate(TYPESET, html)
            result["external"] = list(external)
            return result

        typeset.page = page
        yield typeset
        browser.close()


@pytest.fixture(scope="module")
def cards(built_package, tmp_path_factory):
    """Answer sides rendered by Anki itself from a Q&A note of the built package: raw payloads
    (the control) and the same payloads after the builder's cleaning."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    dist, _, _ = built_package
    col = Collection(str(tmp_path_factory.mktemp("mathjax") / "collection.anki2"))
    col.import_anki_package(ImportAnkiPackageRequest(
        package_path=str(dist / "genai-interview-prep.apkg"), options=ImportAnkiPackageOptions()))
    model = col.models.by_name("GenAI Interview Prep: Q&A")
    out = {}
    for kind, question, answer in (
            ("raw", r"Why \(\href{javascript:alert(2)}{this}\)?", ALL_PAYLOADS),
            ("builder", render.text_to_html(r"Why $\href{javascript:alert(2)}{this}$?"), render.sanitize(ALL_PAYLOADS))):
        note = col.new_note(model)
        note["Question"], note["Answer"] = question, answer
        col.add_note(note, col.decks.id("MathJax test"))
        out[kind] = note.cards()[0].answer()
    col.close()
    return out


def _harmless(result: dict) -> None:
    assert result["containers"] > 0, "the math is still typeset"
    assert not [h for h in result["hrefs"] if h.lower().startswith("javascript")], result["hrefs"]
    assert result["fixed"] == 0 and not result["css"] and not result["mml"], result
    assert not result["ids"] and not result["classes"], result
    assert not result["external"], result["external"]


def test_control_raw_payload_is_live_under_ankis_mathjax(cards, mathjax_page):
    """Without the allow-list the card under Anki's MathJax has the link, the cover, the request."""
    r = mathjax_page(cards["raw"])
    assert "javascript:alert(1)" in r["hrefs"] and "javascript:alert(2)" in r["hrefs"]
    assert r["fixed"] >= 1 and any("tracker.invalid" in s for s in r["css"])
    assert any("tracker.invalid" in u for u in r["external"]), r["external"]
    assert "evil-id" in r["ids"] and r["classes"]
    assert {m.split("=")[0] for m in r["mml"]} >= {"href", "style", "class", "fontfamily"}, r["mml"]


def test_builder_output_is_inert_under_ankis_mathjax(cards, mathjax_page):
    _harmless(mathjax_page(cards["builder"]))


def test_addon_output_is_inert_under_ankis_mathjax(mathjax_page):
    fragment = ALL_PAYLOADS + "".join(EVASIONS.values())
    raw = mathjax_page(fragment)
    assert [h for h in raw["hrefs"] if h.startswith("javascript")], "control: the raw fragment is live"
    _harmless(mathjax_page(clean(fragment)))
    _harmless(mathjax_page(panel_html.esc(r"\(\href{javascript:alert(3)}{x}\)")))


def test_allow_list_names_are_known_to_ankis_mathjax(mathjax_page):
    """Every allow-listed command and environment exists in Anki's MathJax (no dead entries), and
    real formulas from the committed set typeset without errors."""
    rules = texsafe.allow_list()
    data = json.loads((ROOT / "decks" / "questions.json").read_text(encoding="utf-8"))
    formulas = sorted({m.group(0) for s in _strings(data) for m in MATH.finditer(s)})
    r = mathjax_page("".join(f"<p>{f}</p>" for f in formulas))
    assert r["containers"] == len(formulas) and r["errors"] == 0, r
    _harmless(r)
    names = {"macros": sorted(rules.commands | (rules.symbols - set("()[]"))),
             "environments": sorted(rules.environments)}
    unknown = mathjax_page.page.evaluate(KNOWN, names)
    assert unknown == {"macros": [], "environments": []}
    assert mathjax_page.page.evaluate(KNOWN, {"macros": ["href", "style"], "environments": ["evil"]}) == {
        "macros": [], "environments": ["evil"]}, "the lookup sees MathJax's own dangerous macros"


KNOWN = """async (names) => {
  await MathJax.startup.promise;
  const h = MathJax.startup.document.inputJax[0].parseOptions.handlers;
  const known = n => h.get('macro').contains(n) || h.get('delimiter').contains('\\\\' + n);
  return {macros: names.macros.filter(n => !known(n)),
          environments: names.environments.filter(n => !h.get('environment').contains(n))};
}"""
