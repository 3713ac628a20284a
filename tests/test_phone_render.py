"""Rendered cards in headless Chromium at phone size: no horizontal scrolling, every image loads.

Cards are rendered by Anki itself (`card.question()` / `card.answer()`), placed in
a page like the phone apps' (body.card, viewport meta), with the collection's
media next to it. Network requests are blocked and recorded: cards must not
need anything from outside. One screenshot per kind is saved in
.cache/screenshots/ (conftest.SHOTS; copies are shown in the README).
"""
import shutil
from pathlib import Path

import pytest
from conftest import SHOTS
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 360, 740
KINDS = {
    "GenAI Interview Prep: Q&A": "qa",
    "GenAI Interview Prep: Cloze": "cloze",
    "GenAI Interview Prep: Image Occlusion": "io",
    "GenAI Interview Prep: Figure": "figure",
}
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>html,body{{margin:0;padding:0}}</style></head>
<body class="card{night}"><div id="qa">{content}</div></body></html>"""

MEASURE = """() => {
  const imgs = [...document.images];
  return {
    scrollWidth: document.documentElement.scrollWidth,
    bodyWidth: document.body.scrollWidth,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
    images: imgs.length,
  };
}"""


@pytest.fixture(scope="module")
def cards(built_package, tmp_path_factory):
    dist, _, _ = built_package
    folder = tmp_path_factory.mktemp("phone")
    col = Collection(str(folder / "collection.anki2"))
    col.import_anki_package(ImportAnkiPackageRequest(
        package_path=str(dist / "genai-interview-prep.apkg"), options=ImportAnkiPackageOptions(with_scheduling=True)))
    out = []
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        out.append((KINDS[card.note_type()["name"]], cid, card.question(), card.answer()))
    media = Path(col.media.dir())
    col.close()
    return out, media


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def render(browser, media: Path, html: str, night: bool = False):
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    external = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    target = media / "_phone_test.html"
    target.write_text(PAGE.format(content=html, night=" nightMode night_mode" if night else ""), encoding="utf-8")
    page.goto(target.as_uri())
    page.wait_for_load_state("load")
    return page, page.evaluate(MEASURE), external


MEASURE_ONE = """async (html) => {
  const root = document.getElementById('qa');
  root.innerHTML = html;
  const imgs = [...root.querySelectorAll('img')];
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = r; i.onerror = r; })));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    bodyWidth: document.body.scrollWidth,
    broken: imgs.filter(i => !(i.naturalWidth > 0)).map(i => i.getAttribute('src')),
  };
}"""


def test_every_card_fits_a_phone(cards, browser):
    """Both sides of every card, swapped into one page (fast), measured after images load."""
    all_cards, media = cards
    page, _, external = render(browser, media, "")
    problems = []
    for kind, cid, question, answer in all_cards:
        for side, html in (("front", question), ("back", answer)):
            m = page.evaluate(MEASURE_ONE, html)
            if m["scrollWidth"] > WIDTH or m["bodyWidth"] > WIDTH:
                problems.append((kind, cid, side, "overflow", m["scrollWidth"]))
            if m["broken"]:
                problems.append((kind, cid, side, "broken images", m["broken"]))
    page.close()
    assert {k for k, *_ in all_cards} == set(KINDS.values())
    assert not external, external[:5]
    assert not problems, problems[:10]


def pick(all_cards, kind, must=""):
    for k, cid, q, a in all_cards:
        if k == kind and must in a:
            return q, a
    raise AssertionError(f"no {kind} card containing {must!r}")


def test_screenshots_per_kind(cards, browser):
    all_cards, media = cards
    SHOTS.mkdir(parents=True, exist_ok=True)
    chosen = {
        "qa": pick(all_cards, "qa", 'class="qa-figure"')[1],
        "qa-table": pick(all_cards, "qa", 'class="qa-table"')[1],
        "cloze-front": pick(all_cards, "cloze")[0],
        "cloze": pick(all_cards, "cloze")[1],
        "io": pick(all_cards, "io")[0],
        "figure": pick(all_cards, "figure")[1],
    }
    for name, html in chosen.items():
        for night in (False, True):
            page, m, _ = render(browser, media, html, night)
            path = SHOTS / f"{name}{'-night' if night else ''}.png"
            page.screenshot(path=str(path), full_page=name in ("qa", "figure"))
            page.close()
            assert path.stat().st_size > 5000
            assert m["images"] >= (1 if name in ("qa", "io", "figure") else 0)
    (media / "_phone_test.html").unlink(missing_ok=True)
