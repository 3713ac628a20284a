"""The .apkg decks, checked with the real `anki` package: import, render, update, determinism."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.scheduler.v3 import CardAnswer

from builder import atomic, documents, published, summary
from builder.anki import models, package
from conftest import committed_questions, source_documents

ROOT = Path(__file__).resolve().parents[1]
PKG = "genai-interview-prep.apkg"
NOTE_TYPES = {
    "qa": "GenAI Interview Prep: Q&A",
    "cloze": "GenAI Interview Prep: Cloze",
    "io": "GenAI Interview Prep: Image Occlusion",
    "figure": "GenAI Interview Prep: Figure",
}


def run_build(out: Path, *extra: str, cache: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "build.py"), "build", "--output-dir", str(out), *extra]
    if cache is not None:
        cmd += ["--cache-dir", str(cache)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return proc


def import_into(col: Collection, apkg: Path):
    return col.import_anki_package(ImportAnkiPackageRequest(
        package_path=str(apkg),
        options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)))


def fresh_collection(folder: Path) -> Collection:
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


@pytest.fixture(scope="module")
def built(built_package):
    return built_package


@pytest.fixture(scope="module")
def imported(built, tmp_path_factory):
    dist, counts, _ = built
    col = fresh_collection(tmp_path_factory.mktemp("col"))
    result = import_into(col, dist / PKG)
    yield col, counts, result
    col.close()


def test_package_targets(built):
    dist, counts, _ = built
    assert counts["cloze"] >= 250 and counts["io"] >= 8 and counts["figure"] >= 12
    assert (dist / PKG).stat().st_size <= 5 * 1024 * 1024


def test_build_summary_agrees_with_the_committed_data(built):
    """<dist>/build-summary.json, every count derived from decks/ (no literals: a curation edit moves both)."""
    dist, counts, _ = built
    s = summary.load(dist)
    questions = committed_questions()
    figures = yaml.safe_load((ROOT / "decks" / "figures.yaml").read_text(encoding="utf-8"))["figures"]
    clozes = yaml.safe_load((ROOT / "decks" / "clozes.yaml").read_text(encoding="utf-8"))
    retired = published.retired_entries(published.load(ROOT / "decks" / "published.json"))
    assert s["questions"] == s["notes"]["qa"] == len(questions)
    assert s["occurrences"] == sum(len(q["sources"]) for q in questions) == s["questions"] + s["merged"]
    assert s["topics"] == len({t for q in questions for t in q["topics"]})
    assert s["corrections"] == sum(bool(q.get("corrections")) for q in questions)
    assert s["notes"]["io"] == sum(f["kind"] == "diagram" for f in figures)
    assert s["notes"]["figure"] == sum(f["kind"] == "plot" for f in figures)
    assert s["notes"]["retired"] == len(retired)
    assert s["cloze"]["notes"] == s["notes"]["cloze"]
    assert s["cloze"]["curated"] == sum(len(v) for v in clozes["notes"].values())
    assert s["cloze"]["rejected_by_review"] == len(clozes.get("reject") or {})
    # the packages: file names and note counts as written, every note in exactly one of them
    assert sorted(p["file"] for p in s["packages"]) == sorted(p.name for p in dist.glob("*.apkg"))
    stubs = {f"{package.RETIRED_STEM}.apkg": True} if retired else {}
    assert {p["file"]: p["retired"] for p in s["packages"]} == {PKG: False, **stubs}
    assert sum(p["notes"] for p in s["packages"]) == s["notes"]["total"] == sum(counts.values())
    assert s["addon"] and (dist / s["addon"]).is_file()


def test_note_counts_per_type_equal_the_build_summary(imported):
    col, counts, result = imported
    for kind, name in NOTE_TYPES.items():
        mid = col.models.id_for_name(name)
        assert mid, name
        assert len(col.find_notes(f'"note:{name}" -tag:retired')) == counts[kind], kind
    assert not col.find_notes("tag:retired")  # stubs ship apart, for updating collections only
    assert len(result.log.conflicting) == 0 and len(result.log.duplicate) == 0


def test_retired_stubs_ship_in_their_own_package(built, tmp_path):
    """A fresh collection imports the deck without stubs; the -retired package holds them all, cardless
    (Anki would give a stub in a collection that never had the note a card on its next database check)."""
    dist, counts, _ = built
    retired_pkg = dist / f"{package.RETIRED_STEM}.apkg"
    assert retired_pkg.exists() == bool(counts["retired"])
    if counts["retired"]:
        col = fresh_collection(tmp_path / "col")
        import_into(col, retired_pkg)
        assert len(col.find_notes("tag:retired")) == col.note_count() == counts["retired"]
        assert col.card_count() == 0
        col.close()


def test_image_cards_count(imported):
    col, counts, _ = imported
    image_cards = col.find_cards(f'("note:{NOTE_TYPES["io"]}" OR "note:{NOTE_TYPES["figure"]}")')
    assert len(image_cards) >= 60


def test_every_card_renders(imported):
    col, _, _ = imported
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        q, a = card.question(), card.answer()
        assert q.strip() and a.strip(), cid
        assert "{{" not in q and "{{" not in a, (cid, q[:200])
        kind = card.note_type()["name"]
        if kind == NOTE_TYPES["cloze"]:
            assert '<span class="cloze"' in q and re.search(r'<span class="cloze"[^>]*>\[[^\]]+\]</span>', q), q[-500:]
        if kind == NOTE_TYPES["qa"]:
            assert 'class="qa-answer"' in a and 'class="qa-id"' in a


def visible_text(rendered: str) -> str:
    """What a learner can read on a rendered card: markup hidden by the card's own CSS/templates removed."""
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(rendered, "html.parser")
    for el in soup.select('.qa-id, style, script, [style*="display: none"], [style*="display:none"]'):
        el.decompose()
    return soup.get_text(" ")


def test_no_file_names_or_permanent_ids_are_visible(imported):
    """Learner-visible surfaces show titles: no document file names, no permanent ids as text (the ids stay
    in hidden markup for the add-on)."""
    col, _, _ = imported
    files = [p.name for p in (ROOT / "decks" / "sources").glob("*.txt")]
    id_pattern = re.compile(r"\bq\d{4}(?:-cz-[\w-]+)?\b|\b(?:plot|diagram)-[a-z0-9-]+\b")
    assert "qa-id" in {c for c in re.findall(r"\.(qa-id)\s*\{\s*display:\s*none", models.CSS)}
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        for side in (card.question(), card.answer()):
            text = visible_text(side)
            assert not any(f in text for f in files), (cid, text[:300])
            assert not id_pattern.search(text), (cid, id_pattern.search(text).group(0))
            assert not documents.CITED.search(text), (cid, documents.CITED.search(text).group(0))  # "Document 003"


def test_image_occlusion_notes_parse(imported):
    col, counts, _ = imported
    nids = col.find_notes(f'"note:{NOTE_TYPES["io"]}"')
    assert len(nids) == counts["io"]
    for nid in nids:
        io = col.get_image_occlusion_note(nid)
        assert io.WhichOneof("value") == "note", io
        note = io.note
        assert note.image_data[:8] == b"\x89PNG\r\n\x1a\n"
        assert note.occlusions, nid
        for occ in note.occlusions:
            for shape in occ.shapes:
                assert shape.shape == "rect"
        notetype = col.models.get(col.get_note(nid).mid)
        assert notetype["originalStockKind"] == 6
        assert [f["tag"] for f in notetype["flds"]] == [0, 1, 2, 3, 4]


def test_every_referenced_media_file_is_in_the_collection(imported):
    col, _, _ = imported
    media_dir = Path(col.media.dir())
    referenced = set()
    for nid in col.find_notes(""):
        for field in col.get_note(nid).fields:
            referenced |= set(re.findall(r'<img[^>]+src="([^"]+)"', field))
    assert len(referenced) >= 22
    for name in referenced:
        assert (media_dir / name).is_file(), name
    assert not col.media.check().missing


def test_guids_come_from_permanent_ids(imported):
    col, _, _ = imported
    qset = json.loads((ROOT / "decks/questions.json").read_text())
    q = qset["questions"][0]
    from builder.anki.notes import guid
    nids = col.find_notes(f'"ID:{q["id"]}" "note:{NOTE_TYPES["qa"]}"')
    assert len(nids) == 1 and col.get_note(nids[0]).guid == guid("qa", q["id"])


def test_tags_and_subdecks(imported):
    col, _, _ = imported
    tags = col.tags.all()
    assert any(t.startswith("GenAI::") and t.count("::") == 2 for t in tags)
    assert {"kind::qa", "kind::cloze", "kind::image"} <= set(tags)
    assert sum(t.startswith("source::") for t in tags) == len(source_documents())
    names = [d.name for d in col.decks.all_names_and_ids()]
    subdecks = [n for n in names if n.startswith("GenAI Interview Prep::")]
    assert len(subdecks) >= 10


def test_same_input_gives_identical_bytes(built, tmp_path):
    dist, _, cache = built
    run_build(tmp_path / "again", cache=cache)
    assert (tmp_path / "again" / PKG).read_bytes() == (dist / PKG).read_bytes()


def test_split_by_topic_and_source(built, tmp_path):
    dist, counts, cache = built
    run_build(tmp_path / "topic", "--split", "topic", cache=cache)
    run_build(tmp_path / "source", "--split", "source", cache=cache)
    retired = f"{package.RETIRED_STEM}.apkg"  # the stubs ship apart in every split too
    topic_pkgs = sorted(p for p in (tmp_path / "topic").glob("*.apkg") if p.name != retired)
    source_pkgs = sorted(p for p in (tmp_path / "source").glob("*.apkg") if p.name != retired)
    assert len(topic_pkgs) >= 10 and len(source_pkgs) == len(source_documents())
    by_source = summary.load(tmp_path / "source")
    assert by_source["split"] == "source"
    assert sorted(p["split_key"] for p in by_source["packages"] if not p["retired"]) == source_documents()
    assert sum(p["notes"] for p in by_source["packages"]) == sum(counts.values())
    assert (tmp_path / "topic" / retired).exists() == (tmp_path / "source" / retired).exists() == bool(counts["retired"])
    col = fresh_collection(tmp_path / "col")
    for p in topic_pkgs:
        import_into(col, p)
    assert len(col.find_notes("")) == sum(counts.values()) - counts["retired"]
    col.close()


def test_model_structure_is_frozen_and_style_revision_bumped():
    for model in models.MODELS:
        fields, templates = models.FROZEN_STRUCTURE[model.model_id]
        assert [f["name"] for f in model.fields] == fields
        assert [t["name"] for t in model.templates] == templates
    assert models.style_fingerprint() == models.STYLE_FINGERPRINT, (
        "card CSS/templates changed: bump STYLE_REVISION and set STYLE_FINGERPRINT = "
        f"{models.style_fingerprint()!r} in builder/anki/models.py")


def test_interrupted_build_keeps_previous_package(built, tmp_path, monkeypatch):
    dist, _, cache = built
    target = tmp_path / "out"
    shutil.copytree(dist, target)
    before = (target / PKG).read_bytes()

    def explode(path, *a, **k):
        Path(path).write_bytes(b"truncated")
        raise KeyboardInterrupt

    monkeypatch.setattr(package, "_write_apkg", explode)
    with pytest.raises(KeyboardInterrupt):
        with atomic.Outputs(target) as out, out.file(PKG) as tmp:
            package.write_package(tmp, [], cache, 0)
    assert (target / PKG).read_bytes() == before
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in dist.iterdir())


# --- updates keep learners' history -------------------------------------------------------

def answer_some(col: Collection, n: int) -> list[int]:
    did = col.decks.id_for_name("GenAI Interview Prep")
    col.decks.select(did)
    answered = []
    for _ in range(n):
        queued = col.sched.get_queued_cards(fetch_limit=1).cards
        if not queued:
            break
        qc = queued[0]
        card = col.get_card(qc.card.id)
        card.start_timer()
        col.sched.answer_card(col.sched.build_answer(card=card, states=qc.states, rating=CardAnswer.GOOD))
        answered.append(card.id)
    return answered


def test_reimport_updates_in_place_and_keeps_history(built, tmp_path):
    dist, counts, cache = built
    col = fresh_collection(tmp_path / "col")
    import_into(col, dist / PKG)
    answered = answer_some(col, 12)
    assert len(answered) == 12
    before = {cid: (col.get_card(cid).ivl, col.get_card(cid).due, col.get_card(cid).type) for cid in answered}
    revlog_before = col.db.scalar("select count() from revlog")
    n_notes = len(col.find_notes(""))

    data = json.loads((ROOT / "decks/questions.json").read_text())
    # edit the answer and a topic of a question whose card was answered
    qa_mid = col.models.id_for_name(NOTE_TYPES["qa"])
    qa_answered = [cid for cid in answered if col.get_card(cid).note().mid == qa_mid]
    assert qa_answered, "no Q&A card among the answered ones"
    qid = col.get_card(qa_answered[0]).note()["ID"]
    q = next(q for q in data["questions"] if q["id"] == qid)
    q["answer_html"] += "<p>EDITED-IN-V2 extra explanation.</p>"
    q["topics"] = ["GenAI::Ethics_Safety::Safety"] + [t for t in q["topics"] if t != "GenAI::Ethics_Safety::Safety"][:2]
    v2 = tmp_path / "v2.json"
    v2.write_text(json.dumps(data), encoding="utf-8")
    os.utime(v2, (data["revision"]["timestamp"] + 3600,) * 2)
    run_build(tmp_path / "dist2", "--input", str(v2), cache=cache)
    result = import_into(col, tmp_path / "dist2" / PKG)

    assert len(result.log.conflicting) == 0 and len(result.log.new) == 0
    assert any(u.id.nid == col.find_notes(f'"ID:{qid}" "note:{NOTE_TYPES["qa"]}"')[0] for u in result.log.updated)
    assert len(col.find_notes("")) == n_notes
    assert col.db.scalar("select count() from revlog") == revlog_before
    for cid, state in before.items():
        c = col.get_card(cid)
        assert (c.ivl, c.due, c.type) == state
    qa = col.find_notes(f'"ID:{qid}" "note:{NOTE_TYPES["qa"]}"')
    assert len(qa) == 1
    note = col.get_note(qa[0])
    assert "EDITED-IN-V2" in note["Answer"]
    assert "GenAI::Ethics_Safety::Safety" in note.tags
    # note types were not duplicated ("+" copies mean a structure conflict)
    assert not [m.name for m in col.models.all_names_and_ids() if m.name.endswith("+")]
    col.close()


HOSTILE = ('<p onclick="x()">ok<script>alert(1)</script><img src="x" onerror="alert(1)">'
           '<a href="javascript:alert(1)">j</a><iframe src="https://e.example"></iframe></p>')


def test_hostile_input_never_reaches_a_field(built, tmp_path):
    _, _, cache = built
    data = {"questions": [{
        "id": "evil-1", "question": '<img src=x onerror=alert(1)> Why?', "answer_html": HOSTILE,
        "topics": ["GenAI::LLMs"], "related": [], "figures": [{"ref": "f", "caption": "<script>c</script>", "source_url": None}],
        "sources": [{"document": "<b>doc</b>.txt", "number": None, "section": "<script>s</script>",
                     "question": "<i>q</i>", "answer_html": HOSTILE}]}]}
    src = tmp_path / "evil.json"
    src.write_text(json.dumps(data))
    run_build(tmp_path / "d", "--input", str(src), cache=cache)
    col = fresh_collection(tmp_path / "col")
    import_into(col, tmp_path / "d" / PKG)
    from bs4 import BeautifulSoup
    checked = 0
    for nid in col.find_notes(""):
        for field in col.get_note(nid).fields:
            soup = BeautifulSoup(field, "html.parser")
            assert not soup.find_all(["script", "iframe", "style", "object", "embed", "svg"]), field[:300]
            for tag in soup.find_all(True):
                for attr, value in tag.attrs.items():
                    assert not attr.lower().startswith("on"), (tag.name, attr, field[:300])
                    assert "javascript:" not in str(value).lower(), field[:300]
                if tag.name == "img":
                    assert re.fullmatch(r"[A-Za-z0-9_.-]+", tag["src"]), tag
            checked += 1
    evil = col.get_note(col.find_notes('"ID:evil-1"')[0])
    assert "&lt;img src=x onerror=alert(1)&gt; Why?" in evil["Question"]  # shown as text, inert
    assert "ok" in evil["Answer"] and checked > 0
    col.close()


# --- figures on questions --------------------------------------------------------------------

def test_every_figure_illustrates_questions_that_show_it(imported):
    col, counts, _ = imported
    from builder.anki import figlinks
    curated = figlinks.load_curated(ROOT / "decks/figure_links.yaml")
    ids = {q["id"] for q in json.loads((ROOT / "decks/questions.json").read_text())["questions"]}
    stale = sorted({q for qids in curated.values() for q in qids} - ids)
    assert not stale, f"figure_links.yaml names unknown question ids {stale}"
    for nid in col.find_notes(f'"note:{NOTE_TYPES["figure"]}" -tag:retired'):
        note = col.get_note(nid)
        fig_id, image = note["ID"], re.search(r'src="([^"]+)"', note["Image"]).group(1)
        assert curated.get(fig_id), fig_id
        assert "<li>" in note["Related"], fig_id
        for qid in curated[fig_id]:
            qa = col.get_note(col.find_notes(f'"ID:{qid}" "note:{NOTE_TYPES["qa"]}"')[0])
            assert image in qa["Figures"], (fig_id, qid)


def test_document_figure_files_are_included(tmp_path, built):
    _, _, cache = built
    decks = tmp_path / "decks"
    shutil.copytree(ROOT / "decks", decks)
    (decks / "figures").mkdir(exist_ok=True)
    from PIL import Image
    Image.new("RGB", (40, 20), "navy").save(decks / "figures" / "60_fig_8.png")
    out = tmp_path / "dist"
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "--decks", str(decks), "build",
                           "--output-dir", str(out), "--cache-dir", str(cache)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    col = fresh_collection(tmp_path / "col")
    import_into(col, out / PKG)
    qset = json.loads((decks / "questions.json").read_text())
    qid = next(q["id"] for q in qset["questions"] if any(f["ref"] == "60_fig_8" for f in q["figures"]))
    note = col.get_note(col.find_notes(f'"ID:{qid}" "note:{NOTE_TYPES["qa"]}"')[0])
    assert 'src="docfig-60_fig_8.png"' in note["Figures"]
    assert "medium.com" in note["Attribution"]  # the printed Image Source stays as attribution
    assert (Path(col.media.dir()) / "docfig-60_fig_8.png").is_file()
    col.close()


def test_user_sets_get_figures_by_keyword():
    from builder import figures
    from builder.anki import figlinks
    qs = [{"id": "u1", "question": "How does LoRA reduce fine-tuning cost?"},
          {"id": "u2", "question": "What is a GAN?"}, {"id": "u3", "question": "Name a vector database."}]
    by_q, by_f = figlinks.link(figures.catalogue(ROOT / "decks/figures.yaml"), qs, figlinks.load_curated(ROOT / "decks/figure_links.yaml"))
    assert by_q["u1"][0] == "diagram-lora" and by_q["u2"] == ["diagram-gan"]
    assert "u1" in by_f["diagram-lora"]


def test_behavioural_questions_say_what_a_strong_answer_covers(imported):
    """'Describe your experience …': the back frames the key points as what a strong answer covers and the
    source's story as one example, never as an explanation to learn; every other back keeps its labels."""
    from builder import behavioural
    assert behavioural.is_behavioural("Describe a project where you applied generative models.")
    assert behavioural.is_behavioural("Can you discuss your experience with deploying models?")
    assert not behavioural.is_behavioural("How have you used generative models to create synthetic data, "
                                          "and what advantages does this approach offer?")
    col, _, _ = imported
    ours = {q["id"] for q in committed_questions() if behavioural.is_behavioural(q["question"])}
    assert ours  # the shipped set has such questions
    seen = set()
    for nid in col.find_notes('"note:GenAI Interview Prep: Q&A"'):
        note = col.get_note(nid)
        back = visible_text(note.cards()[0].answer())
        if note["ID"] in ours:
            seen.add(note["ID"])
            assert behavioural.POINTS_LABEL in back and behavioural.EXAMPLE_LABEL in back, note["ID"]
            assert "Key points" not in back.split(behavioural.EXAMPLE_LABEL)[0]
        else:
            assert behavioural.POINTS_LABEL not in back and behavioural.EXAMPLE_LABEL not in back, note["ID"]
            assert "Explanation" in back, note["ID"]
    assert seen == ours
