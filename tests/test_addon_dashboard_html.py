"""The dashboard's plain renderer and message parser (addon/dashboard/view.py) and its settings:
escaping of hostile tag names, the strict pycmd grammar, sorting, weakest-topic highlighting,
night mode, the empty state, and the filtered-deck search of "Study this topic"."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from anki.collection import Collection

from addon.common import web
from addon.dashboard import stats
from addon.dashboard import view as dh


def topic(tag, mastery=50.0, cards=10, new=5, children=(), **kw):
    parts = tag.split("::")
    t = stats.TopicStats(tag=tag, name=parts[-1], depth=len(parts) - 1,
                         parent="::".join(parts[:-1]) or None, cards=cards, new=new, mastery=mastery,
                         trend=[mastery] * 12, children=list(children), **kw)
    t.learning = cards - new
    return t


def sample():
    evil = 'GenAI::<img_src=x_onerror=alert(1)>"\''
    return [
        topic("GenAI", 40, 30, 10, children=["GenAI::Beta", "GenAI::Alpha", evil]),
        topic("GenAI::Alpha", 70, 10, 2),
        topic("GenAI::Beta", 10, 10, 8, retention=0.5, reviews=4),
        topic(evil, 30, 10, 0),
    ]


def test_everything_is_escaped():
    out = dh.render(sample())
    assert "<img_src" not in out and "onerror=alert(1)>" not in out.replace("&gt;", "")
    assert "&lt;img_src=x_onerror=alert(1)&gt;&quot;&#x27;" in out
    assert "http" not in out.lower() and "src=" not in out.replace("src=x", "")  # nothing remote


def test_message_grammar_is_strict():
    assert dh.parse_message("genai-dash:study:3") == ("study", 3)
    assert dh.parse_message("genai-dash:browse:0") == ("browse", 0)
    assert dh.parse_message("genai-dash:sort:name") == ("sort", "name")
    assert dh.parse_message("genai-dash:refresh") == ("refresh", None)
    assert dh.parse_message("genai-dash:expand:12") == ("expand", 12)
    assert dh.parse_message("genai-dash:collapse:0") == ("collapse", 0)
    for bad in ("genai-dash:study:GenAI::X", "genai-dash:study:-1", "genai-dash:study:1;x", "genai-dash:sort:evil",
                "genai-dash:study:1234567", "genai-prep:open:q1", "", None, 3, "genai-dash:study:1\n",
                "genai-dash:study:" + "1" * 80, "genai-dash:expand:x", "genai-dash:toggle:1"):
        assert dh.parse_message(bad) is None, bad


def test_buttons_carry_indexes_only():
    out = dh.render(sample())
    acts = re.findall(r'data-act="(\w+)" data-idx="([^"]*)"', out)
    assert acts and all(idx.isdigit() for _a, idx in acts)
    assert {a for a, _ in acts} == {"study", "browse"}


def test_sorting_and_weakest():
    topics = sample()
    weak_first = dh.render_tree(topics, "weak")
    by_name = dh.render_tree(topics, "name")
    order = lambda html: [m for m in re.findall(r'data-tag="([^"]+)"', html) if m != "GenAI"]  # noqa: E731
    assert order(weak_first)[0] == "GenAI::Beta" and order(weak_first)[-1] == "GenAI::Alpha"
    assert order(by_name)[:2] == ["GenAI::&lt;img_src=x_onerror=alert(1)&gt;&quot;&#x27;", "GenAI::Alpha"] or \
        order(by_name)[1:] == ["GenAI::Alpha", "GenAI::Beta"]
    assert dh.weakest(topics)[0] == 2  # Beta, lowest mastery
    assert 'class="row weak" data-idx="2"' in weak_first


def test_study_next_puts_struggling_topics_before_untouched_ones():
    topics = [topic("GenAI", 30, 100, 40, children=["GenAI::A", "GenAI::B", "GenAI::C", "GenAI::D", "GenAI::E"]),
              topic("GenAI::A", 0, 12, 12), topic("GenAI::B", 80, 10, 0),
              topic("GenAI::C", 35, 10, 3, retention=0.6, reviews=20, due=4),
              topic("GenAI::D", 0, 30, 30), topic("GenAI::E", 12, 10, 9)]
    assert [topics[i].tag for i in dh.weakest(topics)] == ["GenAI::E", "GenAI::C", "GenAI::D", "GenAI::A",
                                                           "GenAI::B"]
    out = dh.render(topics)
    highlighted = re.findall(r'class="row weak" data-idx="(\d+)"', out)
    assert sorted(topics[int(i)].tag for i in highlighted) == ["GenAI::C", "GenAI::E"]  # not A, B, D
    assert "not started, 30 new" in out and "mastery 35 · retention 60% of 20 · 4 due · 3 new" in out


def test_night_mode_empty_state_and_sparkline():
    assert 'class="night"' in dh.render(sample(), night=True)
    assert 'class="day"' in dh.render(sample(), night=False)
    empty = dh.render([], root="<b>x</b>")
    assert "No cards tagged" in empty and "<b>x</b>" not in empty and "&lt;b&gt;x&lt;/b&gt;" in empty
    svg = dh.sparkline([0, 50, 100])
    assert svg.startswith("<svg") and "<polyline" in svg and "0 → 50 → 100" in svg


def test_settings_fall_back():
    from addon.core.settings import dashboard as settings
    assert settings(None) == ("GenAI", 30)
    assert settings({"dashboard_root": "Bio::", "dashboard_days": 7}) == ("Bio", 7)
    assert settings({"dashboard_root": "two words", "dashboard_days": 0}) == ("GenAI", 30)
    assert settings({"dashboard_root": 3, "dashboard_days": True}) == ("GenAI", 30)


def test_study_deck_search_and_refresh(tmp_path):
    pytest.importorskip("aqt")
    from addon.dashboard.study import make_study_deck, study_searches
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        for i in range(4):
            n = col.new_note(col.models.by_name("Basic"))
            n["Front"], n["Back"] = f"q{i}", "a"
            n.tags = ["GenAI::Über_Äpfel" if i < 3 else "GenAI::Other"]
            col.add_note(n, col.decks.id("Default"))
        due, new = study_searches(col, "GenAI::Über_Äpfel")
        assert len(col.find_cards(due)) == 0 and len(col.find_cards(new)) == 3
        out = make_study_deck(col, "GenAI::Über_Äpfel")
        assert col.decks.get(out.id)["dyn"]
        assert col.db.scalar("select count() from cards where did = ?", out.id) == 3
        again = make_study_deck(col, "GenAI::Über_Äpfel")  # refresh: same deck
        assert again.id == out.id
        assert col.undo_status().undo
    finally:
        col.close()


@pytest.mark.parametrize("fsrs", [False, True])
def test_study_deck_puts_due_weakest_cards_first(built_package, tmp_path, fsrs):
    """With review history: the deck holds the topic's due cards (weakest first: shortest interval,
    or lowest retrievability with FSRS) and some new cards; building it raises nothing either way."""
    pytest.importorskip("aqt")
    from anki.decks import DeckId

    from addon.dashboard.study import STUDY_NEW_LIMIT, make_study_deck, study_deck_name
    from test_addon_stats import enable_fsrs, import_package
    dist, _, _ = built_package
    col = Collection(str(tmp_path / "h.anki2"))
    col.crt -= 100 * 86400  # day numbers > 0, as in any used collection (Anki keeps due 0 in place)
    col.close()
    col = Collection(str(tmp_path / "h.anki2"))
    try:
        import_package(col, dist)
        cids = list(col.find_cards("tag:GenAI::Transformers -tag:kind::image"))
        col.sched.set_due_date(cids[:6], "0")  # due today, intervals 1..6 days below
        for i, cid in enumerate(cids[:6]):
            card = col.get_card(cid)
            card.ivl = 6 - i
            col.update_card(card)
        if fsrs:
            enable_fsrs(col)
        out = make_study_deck(col, "GenAI::Transformers")
        deck = col.decks.get(out.id)
        assert deck["name"] == study_deck_name("GenAI::Transformers") and len(deck["terms"]) == 2
        in_deck = col.find_cards(f"did:{out.id}")
        assert set(cids[:6]) <= set(in_deck)
        new_in_deck = [c for c in in_deck if col.get_card(c).type == 0]
        assert 0 < len(new_in_deck) <= STUDY_NEW_LIMIT
        # the order the scheduler shows the due cards in (new cards are mixed in per deck options)
        order = [c.card.id for c in col.sched.get_queued_cards(fetch_limit=200).cards]
        assert set(cids[:6]) <= set(order)
        if not fsrs:  # shortest interval first
            assert [c for c in order if c in cids[:6]] == list(reversed(cids[:6]))
        else:
            assert deck["terms"][0][2] == 8  # retrievability ascending
        assert col.decks.by_name(study_deck_name("GenAI::Transformers"))["id"] == DeckId(out.id)
    finally:
        col.close()


def big_tree(a=20, b=15, c=16):
    """root -> a areas -> b fields -> c leaves: 5,121 topics for the defaults."""
    out = []
    areas = []
    for i in range(a):
        area = f"GenAI::A{i}"
        fields = []
        for j in range(b):
            field = f"{area}::F{j}"
            leaves = [f"{field}::L{k}" for k in range(c)]
            out += [topic(field, 40, 10, 5, children=leaves)] + [topic(x, 30 + k, 10, 5) for k, x in enumerate(leaves)]
            fields.append(field)
        out.append(topic(area, 40, 10, 5, children=fields))
        areas.append(area)
    out.append(topic("GenAI", 40, 10, 5, children=areas))
    return sorted(out, key=lambda t: t.tag.lower())


def test_closed_nodes_send_their_children_on_demand():
    topics = big_tree()
    index = {t.tag: i for i, t in enumerate(topics)}
    lazy: set[int] = set()
    page = dh.render(topics, lazy=lazy)
    rows = re.findall(r'class="row[^"]*" data-idx="\d+" data-tag="([^"]+)"', page)
    assert sorted(rows) == sorted(["GenAI"] + [f"GenAI::A{i}" for i in range(20)])  # root open, areas closed
    assert lazy == {index[f"GenAI::A{i}"] for i in range(20)}
    assert page.count('data-lazy="1"') == 20 and len(page) < 200_000  # 5,121 topics, a small page
    # opening A3 renders its fields (closed again, lazy in turn), not the leaves below them
    more: set[int] = set()
    kids = dh.render_children(topics, index["GenAI::A3"], "weak", {"GenAI", "GenAI::A3"}, more)
    assert sorted(re.findall(r'data-tag="([^"]+)"', kids)) == sorted(f"GenAI::A3::F{j}" for j in range(15))
    assert more == {index[f"GenAI::A3::F{j}"] for j in range(15)}
    # a node remembered as open is rendered with its children straight away
    lazy2: set[int] = set()
    again = dh.render(topics, open_tags={"GenAI", "GenAI::A3", "GenAI::A3::F2"}, lazy=lazy2)
    assert 'data-tag="GenAI::A3::F2::L7"' in again and index["GenAI::A3::F2"] not in lazy2
    assert f'class="item node open" data-idx="{index["GenAI::A3"]}"' in again


def test_page_updates_in_place():
    inner = dh.render_inner(sample())
    page = dh.page("night", inner)
    assert page.count('id="genai-dash"') == 1 and inner in page and 'class="night"' in page
    assert "genaiDash" in page and "update:" in page and "fill:" in page and "ready:" in page
    assert "<script" not in inner  # innerHTML updates run no script; the page's script stays


class _Items(HTMLParser):
    """The tree items of a rendered page in order, as (tag, data-depth), and the deepest element
    nesting of the markup."""

    def __init__(self):
        super().__init__()
        self.level, self.deepest, self.items, self._depth = 0, 0, [], None

    def handle_starttag(self, tag, attrs):
        self.level += 1
        self.deepest = max(self.deepest, self.level)
        a = dict(attrs)
        if "item" in (a.get("class") or "").split():
            self._depth = int(a["data-depth"])
        elif a.get("data-tag") is not None and self._depth is not None:
            self.items.append((html.unescape(a["data-tag"]), self._depth))
            self._depth = None

    def handle_endtag(self, tag):
        self.level -= 1


def test_a_thousand_level_tag_renders_opened_all_the_way_down(tmp_path):
    """A real collection with a tag 1,000 levels deep: stats.compute() gives its 1,000 topics; with every
    node opened, the page and its in-place re-renders hold every row in tree order with its depth
    (no RecursionError), the markup stays shallow (Chromium's parser flattens elements nested over
    512 deep), and opening the deepest closed node sends its child."""
    levels = 1000
    chain = ["GenAI"] + [f"L{k}" for k in range(1, levels)]
    deep = "::".join(chain)
    col = Collection(str(tmp_path / "deep.anki2"))
    try:
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = "deep", "a"
        note.tags = [deep, "GenAI::Other"]
        col.add_note(note, col.decks.id("Default"))
        assert deep in col.get_note(note.id).tags  # Anki keeps the tag whole
        topics = stats.compute(col, root="GenAI", days=30)
    finally:
        col.close()
    tags = ["::".join(chain[:k]) for k in range(1, levels + 1)]
    assert {t.tag for t in topics} == set(tags) | {"GenAI::Other"}
    by_tag = {t.tag: t for t in topics}
    assert by_tag[deep].depth == levels - 1 and by_tag[deep].cards == 1

    opened = set(tags)
    for _ in range(2):  # first page, then a re-render (what a refresh sends)
        lazy: set[int] = set()
        inner = dh.render_inner(topics, open_tags=opened, lazy=lazy)
        assert lazy == set()
        items = _Items()
        items.feed(inner)
        assert items.level == 0 and items.deepest < 12  # flat: no deeper in the page for a deeper tag
        assert sorted(tag for tag, _ in items.items) == sorted(by_tag)
        for k, (tag, depth) in enumerate(items.items):  # tree order: each row below its parent's row
            assert depth == by_tag[tag].depth
            above = next((t for t, d in reversed(items.items[:k]) if d < depth), None)
            assert above == by_tag[tag].parent
    # close the node above the deepest one: it becomes a lazy placeholder, opening it sends the leaf
    parent = by_tag[deep].parent
    lazy = set()
    dh.render_inner(topics, open_tags=opened - {parent}, lazy=lazy)
    idx = {t.tag: i for i, t in enumerate(topics)}
    assert lazy == {idx[parent]}
    kids = dh.render_children(topics, idx[parent], "weak", opened, set())
    assert re.findall(r'data-tag="([^"]+)"', kids) == [dh.esc(deep)]


def test_learners_read_display_names_not_tag_segments():
    from addon.core import topic_names
    names = {"genai::ethics_safety": "Ethics & safety", "genai::ethics_safety::bias_fairness": "Bias & fairness"}

    def named(tag, *a, **kw):
        t = topic(tag, *a, **kw)
        t.name = topic_names.display_name(tag, names)
        return t
    topics = [named("GenAI", 40, 30, 10, children=["GenAI::Ethics_Safety", "GenAI::Tools_APIs"]),
              named("GenAI::Ethics_Safety", 5, 20, 4, children=["GenAI::Ethics_Safety::Bias_Fairness"]),
              named("GenAI::Ethics_Safety::Bias_Fairness", 2, 10, 2, retention=0.3, reviews=9),
              named("GenAI::Tools_APIs", 60, 10, 2)]
    out = dh.render(topics, open_tags={"GenAI", "GenAI::Ethics_Safety"})
    text = re.sub(r"<[^>]*>", " ", out)  # what is shown, without attributes (tooltips keep the tag)
    assert "Bias &amp; fairness" in text and "Ethics &amp; safety" in text
    assert "Tools APIs" in text  # a tag the names file does not know: underscores as spaces
    assert "Ethics &amp; safety › Bias &amp; fairness" in text  # Study next names the topic's trail
    assert "_" not in text and "GenAI::" not in text


def test_names_are_never_cut_off():
    # no ellipsis on topic names at any width: a long name wraps instead
    css = web.read("dashboard.css")
    name_rules = re.findall(r"#genai-dash \.name \{([^}]*)\}", css)
    assert name_rules and all("ellipsis" not in r and "nowrap" not in r for r in name_rules)
    narrow = re.search(r"@media \(max-width: 900px\) \{\s*#genai-dash \.row \{ grid-template-columns: minmax\((\d+)px", css)
    assert narrow and int(narrow.group(1)) >= 170
