"""The contract between builder and add-on (addon/core): each shared fact is defined once, and both
sides agree on it — the schema's id pattern, the spans written and read back, the message codec and
the settings limits."""
from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT

from addon.core import allowlist, cards, ids, markup, messages, notetypes, settings
from builder.anki import models, notes
from builder.render import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitize

CORE = ROOT / "addon" / "core"


def source_files():
    """Code outside addon/core that could repeat a fact: the builder, the add-on (Python and web assets)."""
    for top in ("builder", "addon"):
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in (".py", ".js", ".css", ".html") and CORE not in path.parents \
                    and "__pycache__" not in path.parts:
                yield path


def core_files():
    return [p for p in CORE.iterdir() if p.suffix in (".py", ".json")]


SPECS = notetypes.specs()
FACTS = {
    "model ids": [re.escape(str(s.model_id)) for s in SPECS.values()],
    "model names": [re.escape(s.name) for s in SPECS.values()],
    "GUID namespaces": [re.escape(f'"{s.guid_namespace}"') for s in SPECS.values()],
    "the permanent-id pattern": [re.escape("[A-Za-z0-9][A-Za-z0-9_.")],
    "the mature interval": [r"MATURE_IVL\s*=\s*\d", r"ivl\s*>=\s*21\b"],
    "the id and topic spans": [re.escape('<span class="qa-id">'), re.escape('<span class="qa-topic">')],
    "the allow-list": [r"""["']details["'],\s*["']summary["']""", r"""["']src["'],\s*["']alt["']""",
                       re.escape("qa-[a-z0-9-]+")],
    "the settings limits and defaults": [r"\b3650\b", r"<=\s*36500\b", r"""=\s*["']GenAI["']""",
                                         r"""\bor\s+["']GenAI["']"""],
    # a channel followed by an action (a log label "genai-prep: …" or an element id is no message)
    "the message prefixes": [f"{re.escape(channel)}:[a-z'\"+]" for channel in (messages.PANEL, messages.DASHBOARD)],
}
# where a fact's definition in addon/core does not look like its repetitions elsewhere
IN_CORE = {"the message prefixes": [f"""=\\s*["']{re.escape(channel)}["']""" for channel in (messages.PANEL, messages.DASHBOARD)]}


@pytest.mark.parametrize("fact", sorted(FACTS))
def test_each_shared_fact_is_defined_once_in_core(fact):
    patterns = [re.compile(p) for p in FACTS[fact]]
    in_core = [p for p in IN_CORE.get(fact, FACTS[fact])
               if any(re.search(p, f.read_text(encoding="utf-8")) for f in core_files())]
    assert in_core, f"{fact}: not defined in addon/core"
    repeated = [f"{path.relative_to(ROOT)}: {p.pattern}" for path in source_files()
                for p in patterns if p.search(path.read_text(encoding="utf-8"))]
    assert repeated == [], f"{fact} repeated outside addon/core"


def test_schema_id_pattern_is_cores():
    schema = json.loads((ROOT / "decks" / "schema.json").read_text(encoding="utf-8"))
    assert schema["$defs"]["question"]["properties"]["id"]["pattern"] == ids.ID_PATTERN


def test_builder_models_are_the_specs():
    built = {m.model_id: m for m in models.MODELS}
    assert sorted(built) == sorted(s.model_id for s in SPECS.values())
    for spec in SPECS.values():
        model = built[spec.model_id]
        assert model.name == spec.name
        assert [f["name"] for f in model.fields] == list(spec.fields)
        assert {spec.id_field, spec.link_field, *spec.addon_reads} <= set(spec.fields)
        assert notes.guid(spec.kind, "q1") == notes.guid(spec.kind, "q1") != notes.guid(
            next(k for k in SPECS if k != spec.kind), "q1")
    assert notes.GUID_NS == notetypes.guid_namespaces()


def test_spans_written_are_read_back():
    related = "".join(f"<details><summary>Q {markup.topic_and_id(topic, qid)}</summary></details>"
                      for qid, topic in (("q0001", "Attention & transformers"), ("q.2-b_c", "RAG")))
    assert markup.link_ids(related) == ["q0001", "q.2-b_c"]
    assert markup.linked_topics(related) == {"q0001": "Attention & transformers", "q.2-b_c": "RAG"}
    assert markup.link_ids(markup.id_span("fig-1")) == ["fig-1"]
    assert markup.link_ids(markup.id_span("not an id")) == []
    # the builder's sanitizer keeps the spans intact
    assert markup.link_ids(sanitize(related)) == ["q0001", "q.2-b_c"]


def test_message_codec_round_trips():
    assert messages.parse_panel(messages.encode(messages.PANEL, "open", "q0042")) == ("open", "q0042")
    assert messages.parse_panel(messages.encode(messages.PANEL, "open", "bad id")) is None
    assert messages.parse_panel(messages.encode(messages.DASHBOARD, "open", "q1")) is None
    for action, arg, parsed in (("study", 3, ("study", 3)), ("sort", "name", ("sort", "name")),
                                ("refresh", None, ("refresh", None)), ("date", "", ("date", "")),
                                ("date", "2027-01-31", ("date", "2027-01-31")),
                                ("interview", "all", ("interview", "all"))):
        assert messages.parse_dashboard(messages.encode(messages.DASHBOARD, action, arg)) == parsed
    for bad in ("genai-dash:refresh:1", "genai-dash:study", "genai-dash:study:x", "genai-dash:nope",
                "genai-dash:sort:up", "genai-dash:open\n", None, 3, "genai-dash:study:" + "1" * 80):
        assert messages.parse_dashboard(bad) is None, bad


def test_one_settings_validator_with_one_set_of_limits():
    assert settings.validate({}) == settings.DEFAULTS == json.loads((ROOT / "addon" / "config.json").read_text())
    low, high = settings.LIMITS["dashboard_days"]
    assert settings.dashboard({"dashboard_days": high, "dashboard_root": " Mine:: "}) == ("Mine", high)
    assert settings.dashboard({"dashboard_days": high + 1})[1] == settings.DEFAULT_DAYS
    assert settings.days_error(high) is None and str(high) in settings.days_error(high + 1)
    assert settings.days_error(low - 1)


def test_the_panel_names_topics_under_the_configured_root():
    from addon.panel.links import topic_from_tags
    tags = "Other::Deep::Topic_Name GenAI::Transformers"
    assert topic_from_tags(tags) == "Transformers"
    assert topic_from_tags(tags, root="Other") == "Topic Name"
    assert topic_from_tags(tags, root="other") == "Topic Name"  # tags ignore case, as in Anki


def test_both_sanitizers_use_the_one_allow_list():
    from addon.common.sanitize import ALLOWED_ATTRIBUTES as addon_attributes
    from addon.common.sanitize import ALLOWED_TAGS as addon_tags
    shared = allowlist.html_allow_list()
    assert ALLOWED_TAGS == set(addon_tags) == set(shared.tags)
    assert ALLOWED_ATTRIBUTES == {t: set(a) for t, a in addon_attributes.items()}


def test_card_states():
    assert cards.card_state(2, 2, cards.MATURE_IVL) == "mature"
    assert cards.card_state(2, 2, cards.MATURE_IVL - 1) == "young"
    assert cards.card_state(0, -1, 0) == "suspended"
    assert set(cards.STATES) >= {cards.card_state(t, q, 5) for t in range(4) for q in (-1, 0, 1, 2)}
