"""Linked explanations on phones: related questions open in place to their key points, without add-ons or
JavaScript, in Chromium (AnkiDroid's WebView) and in WebKit (AnkiMobile's WKWebView) at 360 px."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from builder import key_points
from builder.anki.notes import MAX_RELATED_SHOWN
from tests.test_phone_render import HEIGHT, PAGE, SHOTS, WIDTH, browser, cards  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[1]
TAP_AND_MEASURE = """() => {
  const details = [...document.querySelectorAll('details')];
  details.forEach(d => d.querySelector('summary').click());
  const points = [...document.querySelectorAll('details[open] .qa-rel-points')];
  return {scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
          details: details.length, open: details.filter(d => d.open).length,
          pointsHeight: points.length ? Math.min(...points.map(p => p.getBoundingClientRect().height)) : null};
}"""


@pytest.fixture(scope="module")
def questions():
    return {q["id"]: q for q in json.loads((ROOT / "decks" / "questions.json").read_text(encoding="utf-8"))["questions"]}


def qa_backs(all_cards):
    """(permanent id, back html) of every Q&A card."""
    out = []
    for kind, _, _, answer in all_cards:
        if kind == "qa":
            qid = re.search(r'<div class="qa-id">([^<]+)</div>', answer).group(1)
            out.append((qid, answer))
    return out


def test_every_related_question_expands_to_its_key_points(cards, questions):
    """Real import: each Q&A back lists its related questions (up to the shown maximum) as <details> whose
    body is that question's key points."""
    all_cards, _ = cards
    backs = qa_backs(all_cards)
    assert len(backs) == len(questions)
    with_related = 0
    for qid, answer in backs:
        soup = BeautifulSoup(answer, "html.parser")
        entries = soup.select(".qa-related details.qa-rel")
        want = [r for r in questions[qid].get("related", []) if r in questions][:MAX_RELATED_SHOWN]
        assert [e.select_one(".qa-id").get_text() for e in entries] == want, qid
        for e, rid in zip(entries, want):
            shown = [li.get_text(" ", strip=True) for li in e.select(".qa-rel-points > li")]
            expected = key_points.points_of(questions[rid])[0]
            assert len(shown) == len(expected) and shown, (qid, rid)
            assert shown[0].split()[:3] == BeautifulSoup(expected[0], "html.parser").get_text().split()[:3]
        with_related += bool(want)
    assert with_related == sum(1 for q in questions.values() if any(r in questions for r in q.get("related", [])))
    assert with_related > 0


def sample_pages(all_cards, media: Path, tmp: Path) -> list[tuple[str, Path, Path]]:
    """The Q&A backs with the most related entries plus a spread of others, as phone pages (day, night)."""
    backs = sorted((b for b in qa_backs(all_cards) if 'class="qa-rel"' in b[1]),
                   key=lambda b: (-b[1].count('class="qa-rel"'), b[0]))
    chosen = backs[:3] + backs[3::max(1, len(backs) // 5)][:5]
    pages = []
    for qid, html in chosen:
        for night in (False, True):
            page = media / f"_related_{qid}{'_night' if night else ''}.html"
            page.write_text(PAGE.format(content=html, night=" nightMode night_mode" if night else ""),
                            encoding="utf-8")
            pages.append((qid, page, tmp / f"{qid}{'-night' if night else ''}.png"))
    return pages


def test_related_entries_open_on_tap_in_chromium(cards, browser, tmp_path):  # noqa: F811
    all_cards, media = cards
    results = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    for i, (qid, page_file, _) in enumerate(sample_pages(all_cards, media, tmp_path)):
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
        page.goto(page_file.as_uri())
        m = page.evaluate(TAP_AND_MEASURE)
        if i < 2:  # the back with the most related questions, day and night
            page.screenshot(path=str(SHOTS / f"qa-related-chromium{'-night' if i else ''}.png"), full_page=True)
        results.append((qid, m))
        page.close()
    for qid, m in results:
        assert m["details"] > 0 and m["open"] == m["details"], (qid, m)
        assert m["pointsHeight"] and m["pointsHeight"] > 10, (qid, m)
        assert m["scrollWidth"] <= WIDTH, (qid, m)


def test_related_entries_open_on_tap_in_webkit(cards, tmp_path):
    """The same pages in WebKitGTK (Debian's build of AnkiMobile's engine), run by the system python3."""
    all_cards, media = cards
    pages = sample_pages(all_cards, media, tmp_path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    jobs = [{"page": str(p), "png": str(png), "width": WIDTH, "tap": True} for _, p, png in pages]
    (tmp_path / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "/usr/bin/python3",
                           str(ROOT / "tests" / "webkit_render.py"), str(tmp_path / "jobs.json")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(results) == len(jobs), results
    for (qid, _, png), m in zip(pages, results):
        assert "error" not in m, (qid, m)
        assert m["details"] > 0 and m["open"] == m["details"], (qid, m)
        assert m["pointsHeight"] and m["pointsHeight"] > 10, (qid, m)
        assert m["scrollWidth"] <= WIDTH, (qid, m)
        assert png.stat().st_size > 5000
    shutil.copy(pages[0][2], SHOTS / "qa-related-webkit.png")
    shutil.copy(pages[1][2], SHOTS / "qa-related-webkit-night.png")
    for _, p, _ in pages:
        p.unlink(missing_ok=True)
