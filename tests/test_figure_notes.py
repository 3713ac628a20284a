"""Figure and Image Occlusion notes of the real package, imported into a fresh Anki collection.

Plots become Figure notes ("which function is this?" fits an unlabelled plot); diagrams
become Image Occlusion notes only (a Figure note saying "name the hidden part" on an
unmasked diagram asked for something the card did not do). Every occlusion card front
(header + unmasked image texts) must not show a masked label's words, and every figure is
tagged and filed by its own catalogue topic.
"""
import html
import re

import pytest
from bs4 import BeautifulSoup

import builder.figures as F
from builder.anki.notes import ROOT_DECK, tag_safe
from builder.figures import giveaway
from builder.topics import load_taxonomy
from test_decks import NOTE_TYPES, PKG, ROOT, fresh_collection, import_into


@pytest.fixture(scope="module")
def col(built_package, tmp_path_factory):
    dist, counts, _ = built_package
    c = fresh_collection(tmp_path_factory.mktemp("figcol"))
    import_into(c, dist / PKG)
    yield c
    c.close()


@pytest.fixture(scope="module")
def specs():
    return {s.id: s for s in F.catalogue(ROOT / "decks" / "figures.yaml")}


def _notes(col, kind):
    return [col.get_note(nid) for nid in col.find_notes(f'"note:{NOTE_TYPES[kind]}" -tag:retired')]


def _io_id(note) -> str:
    return BeautifulSoup(note["Comments"], "html.parser").get_text().strip()


def _all_labels(note) -> list[str]:
    """The label list on the card back, in card (cloze ordinal) order."""
    soup = BeautifulSoup(note["Back Extra"], "html.parser")
    head = next(d for d in soup.find_all("div") if d.get_text() == "All labels")
    return [li.get_text() for li in head.find_next_sibling("ul").find_all("li")]


def test_figure_notes_are_plots_only(col, specs, built_package):
    _, counts, _ = built_package
    ids = sorted(n["ID"] for n in _notes(col, "figure"))
    assert ids == sorted(i for i, s in specs.items() if s.kind == "plot")
    assert counts["figure"] == len(ids)
    io_ids = sorted(_io_id(n) for n in _notes(col, "io"))
    assert io_ids == sorted(i for i, s in specs.items() if s.kind == "diagram")
    for note in _notes(col, "figure"):  # the prompt asks what the card shows
        assert "hidden part" not in note["Prompt"], note["ID"]


def test_every_occlusion_front_passes_the_giveaway_check(col, specs):
    checked = 0
    for note in _notes(col, "io"):
        spec = specs[_io_id(note)]
        header = html.unescape(BeautifulSoup(note["Header"], "html.parser").get_text())
        labels = _all_labels(note)
        assert sorted(labels) == sorted(t.plain for t in spec.labels), spec.id
        shown = [("header", header)] + [("unmasked image text", t.text) for t in spec.texts if not t.masked]
        assert giveaway.giveaways(labels, shown) == [], spec.id
        checked += 1
    assert checked == sum(s.kind == "diagram" for s in specs.values())


def test_figure_tags_and_decks_come_from_the_catalogue_topic(col, specs):
    taxonomy = load_taxonomy(ROOT / "decks/topics.yaml")
    for kind in ("figure", "io"):
        for note in _notes(col, kind):
            spec = specs[note["ID"] if kind == "figure" else _io_id(note)]
            topic_tags = [t for t in note.tags if t.startswith(taxonomy.root + "::")]
            assert topic_tags == [tag_safe(spec.topic)], (spec.id, note.tags)
            top = "::".join(spec.topic.split("::")[:2])
            decks = {col.decks.name(card.did) for card in note.cards()}
            assert decks == {f"{ROOT_DECK}::{taxonomy.name(top)}"}, (spec.id, decks)
    lora = next(n for n in _notes(col, "io") if _io_id(n) == "diagram-lora")
    assert not any("Retrieval" in t for t in lora.tags)


def test_transformer_occlusion_has_add_norm_and_grouped_twins(col, specs):
    spec = specs["diagram-transformer"]
    note = next(n for n in _notes(col, "io") if _io_id(n) == spec.id)
    labels = _all_labels(note)
    assert "Add & Norm" in labels and "Feed-forward" in labels
    io = col.get_image_occlusion_note(note.id).note
    shapes = {occ.ordinal: len(occ.shapes) for occ in io.occlusions}
    assert sorted(shapes) == list(range(1, len(spec.labels) + 1))  # one card per catalogue label
    assert len(note.cards()) == len(spec.labels)
    by_label = dict(zip(labels, (shapes[i] for i in range(1, len(labels) + 1))))
    sublayers = ("Multi-head self-attention", "Masked self-attention", "Cross-attention", "Feed-forward")
    assert by_label["Add & Norm"] == sum(by_label[s] for s in sublayers)  # one after every sub-layer
    assert by_label["Token embedding + positional encoding"] == 2  # encoder and decoder side: one card
    masks = re.findall(r"\{\{c(\d+)::image-occlusion:rect:", note["Occlusion"])
    assert len(masks) == sum(shapes.values())
