"""The rules of formulating knowledge as checks (builder/cloze_rules.py): each rule fires on the failing
notes an audit found in this deck and passes their good counterparts; the committed deck keeps them all."""
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from builder import cloze
from builder import cloze_rules as R
from builder.errors import InputError
from builder.paths import DeckPaths

ROOT = Path(__file__).resolve().parents[1]
VOCAB = R.Vocabulary(frozenset({"dropout", "canary model", "retriever", "generator", "learning rate", "chunking",
                                "indexing", "retrieval", "discriminator",
                                "loss function", "activation function", "gan", "vae"}),
                     {"GRU": {"expansion": "Gated Recurrent Unit", "context": "sequence models"}})


def broken(text, kind="definition", **kw):
    return [name for name, _ in R.violations(R.NoteView(id="x", kind=kind, text=text, **kw), VOCAB)]


# ----------------------------------------------------------------------------- one rule at a time
@pytest.mark.parametrize("text", [
    "<p>{{c1::Key Benefits of Dropout}}: By preventing co-adaptation, dropout improves generalization.</p>",  # q0220
    "<p>{{c1::Specifically}}: CLIP is trained on 400 million image-text pairs with a contrastive loss.</p>",  # q0040
    "<p>How do you evaluate RAG? {{c1::Metrics}}: precision and recall of the retrieved passages.</p>",  # q0310
    "<p>{{c1::Significance}}: attention lets every token look at every other token in one step.</p>",  # q0039
    "<p>{{c1::Key Features of ChatGPT}}: conversational fine-tuning with human feedback.</p>",  # q0184
    "<p>{{c1::Difficulty with Sequential Dependency Tracking}}: a limited span hides long chains.</p>",  # q0017
])
def test_heading_label_or_filler_fails(text):
    assert "heading_or_filler" in broken(text)


def test_a_known_term_as_label_or_a_definition_passes():
    assert broken("<p>To detect drift in production: {{c1::Canary Models}}: compare a new release with the current "
                  "one on a slice of live traffic before full rollout.</p>", kind="label", lead="To detect drift in production:",
                  question="How would you detect drift in LLM performance?") == []
    assert broken("<p>{{c1::Dropout::a regularization technique}} randomly zeroes a fraction of activations during "
                  "training so the network cannot rely on any single unit.</p>") == []


@pytest.mark.parametrize("hint, fails", [
    ("what", True), ("name", True),  # narrows nothing
    ("does what to it", True), ("where from", True), ("what is compared", True), ("in what state", True),  # a question
    ("a technique", False), ("which rule", False), ("how many", False), ("a training state", False),
])
def test_a_hint_names_the_kind_of_answer(hint, fails):
    text = f"<p>PEFT limits forgetting because the pre-trained weights stay {{{{c1::frozen::{hint}}}}} during training.</p>"
    assert ("empty_hint" in broken(text)) is fails


def test_giveaway_fails_and_its_fix_passes():
    # q0001: the lead names the hidden label
    assert "giveaway" in broken("<p>Discriminative and generative models differ in their objectives: "
                                "{{c1::Discriminative Models}}: learn the probability of a label given data.</p>")
    # a definition that restates its own term (stems: augmenting ~ augmentation)
    assert "giveaway" in broken("<p>Several strategies train generative models with limited data: {{c1::Data "
                                "Augmentation}}: augmenting the existing dataset with rotated and cropped copies.</p>")
    assert broken("<p>{{c1::Discriminative models::a kind of classifier}} learn the probability of a label given "
                  "the data, \\(p(y \\mid x)\\), instead of how the data was generated.</p>") == []


def test_list_recall_rules():
    long = "".join(f"<li>{{{{c{i}::Item{i}}}}}</li>" for i in range(1, 7))
    assert "long_list" in broken(f"<p>Baseline metrics for input drift:</p><ul>{long}<li>Canary Models</li></ul>",
                                 kind="enumeration", list_items=8, lead="Baseline metrics for input drift")  # q0276
    # q0174: "What is backpropagation?" answered by a list of unrelated hyperparameters
    q = "What is backpropagation, and how does it work in training neural networks?"
    assert "unrelated_list" in broken(
        f"<p>{q}</p><ul><li>{{{{c1::Learning Rate}}}}</li><li>{{{{c2::Loss Function}}}}</li>"
        "<li>{{c3::Activation Functions}}</li></ul>", kind="enumeration", list_items=3, lead=q, question=q)
    # q0010: GANs, VAEs hung on a learning-rate question
    q = "Describe the concept of learning rate scheduling and its role in optimizing the training process."
    assert "unrelated_list" in broken(f"<p>{q}</p><ul><li>{{{{c1::GANs}}}}</li><li>{{{{c2::VAEs}}}}</li></ul>",
                                      kind="enumeration", list_items=2, lead=q, question=q)
    # a list of labels that are not terms
    assert "list_of_labels" in broken("<p>Choosing a loss function depends on:</p><ul><li>{{c1::Task Nature}}</li>"
                                      "<li>{{c2::Data Characteristics}}</li></ul>", kind="enumeration",
                                      list_items=2, lead="Choosing a loss function depends on")
    assert "list_without_context" in broken("<p>Components:</p><ul><li>{{c1::Retriever}}</li>"
                                            "<li>{{c2::Generator}}</li></ul>", kind="enumeration",
                                            list_items=2, lead="Components:")
    assert broken(RAG_LIST, kind="enumeration", list_items=3, lead=RAG_LEAD) == []
    # two items answer each other by elimination
    assert "long_list" in broken("<p>A GAN trains two networks against each other:</p><ul><li>{{c1::Generator}}</li>"
                                 "<li>{{c2::Discriminator}}</li></ul>", kind="enumeration", list_items=2,
                                 lead="A GAN trains two networks against each other:")


RAG_LEAD = "A RAG pipeline prepares and searches documents in three stages:"
RAG_LIST = (f"<p>{RAG_LEAD}</p><ol><li>{{{{c1::Chunking}}}}</li><li>{{{{c2::Indexing}}}}</li>"
            "<li>{{c3::Retrieval}}</li></ol>")


def test_not_atomic():
    assert "not_atomic" in broken("<p>Vector databases suit {{c1::AI, machine learning, NLP, image search}}.</p>",
                                  kind="table")
    assert "not_atomic" in broken("<p>OpenAI API custom fine-tuning: {{c1::Supported but may incur additional "
                                  "costs for every run}}.</p>", kind="table")


def test_acronym_rule():
    text = "<p>In the context of Transformer architecture, the abbreviation <b>GRU</b> stands for {{c1::Gated Recurrent Unit}}.</p>"
    assert "acronym" in broken(text, kind="acronym", acronym="GRU")  # q0015: misleading context
    ok = "<p>In the context of sequence models, the abbreviation <b>GRU</b> stands for {{c1::Gated Recurrent Unit}}.</p>"
    assert broken(ok, kind="acronym", acronym="GRU") == []
    ofel = "<p>In the context of Fine-tuning, the abbreviation <b>OFEL</b> stands for {{c1::optimized fixed expansion layer}}.</p>"
    assert "acronym" in broken(ofel, kind="acronym", acronym="OFEL")


def test_math_rules():
    assert "broken_math" in broken("<p>Attention is \\(\\mathrm{softmax}(QK^\\top / {{c1::\\sqrt{d_k} }})V\\) here "
                                   "for every head.</p>", kind="formula")
    # q0025: the cos twin shown on the sin card gives it away
    assert "sibling_giveaway" in broken(
        "<p>Sinusoidal positional encoding uses {{c1::\\(PE_{(pos,2i)} = \\sin(pos/10000^{2i/d})\\)}} and "
        "{{c2::\\(PE_{(pos,2i+1)} = \\cos(pos/10000^{2i/d})\\)}}.</p>", kind="formula")
    assert broken("<p>Scaled dot-product attention divides \\(QK^\\top\\) by {{c1::\\(\\sqrt{d_k}\\)::a scaling "
                  "factor}} before the softmax.</p>", kind="curated") == []


def test_duplicate_deletions_across_notes():
    """q0338 / q0346: the same attention formula carded twice."""
    d = R.Deduper()
    a = R.NoteView(id="a", kind="formula", text="<p>Scores: {{c1::\\[\\text{softmax}\\left(\\frac{QK^T}{\\sqrt{d_k} }\\right)V\\]}}</p>")
    b = R.NoteView(id="b", kind="formula", text="<p>Attention: {{c1::\\[\\text{softmax}(\\frac{QK^T}{\\sqrt{d_k} })V\\]}}</p>")
    assert d.duplicate_of(a) is None
    d.add(a)
    assert d.duplicate_of(b) == "a"


# ----------------------------------------------------------------------------- the committed deck
@pytest.fixture(scope="module")
def report():
    qs = json.loads((ROOT / "decks" / "questions.json").read_text(encoding="utf-8"))["questions"]
    return qs, cloze.generate_report(qs, DeckPaths(ROOT / "decks"))


def test_committed_deck_keeps_every_rule(report):
    qs, rep = report
    by_id = {q["id"]: q for q in qs}
    standard = cloze.load_standard_acronyms(ROOT / "decks" / "acronyms.yaml")
    vocab = R.Vocabulary(frozenset(), standard)
    dedupe = R.Deduper()
    for n in rep.notes:
        view = R.NoteView(id=n.id, kind=n.kind, text=n.text, question=by_id[n.qid]["question"])
        # rules that need no vocabulary or list metadata hold for every emitted note
        for rule in (R.giveaway, R.broken_math, R.sibling_giveaway, R.not_atomic):
            assert rule(view, vocab) is None, (n.id, rule.__name__, rule(view, vocab))
        if n.kind != "curated":  # hand-written notes may share an answer in different facts; mined ones may not
            assert dedupe.duplicate_of(view) is None, (n.id, dedupe.duplicate_of(view))
        dedupe.add(view)
        if n.kind == "acronym":
            acr = re.search(r"<b>(.*?)</b>", n.text).group(1)
            assert acr in standard and standard[acr]["context"] in n.text, n.id
    # the failing forms the audit named are gone
    ids = {n.id for n in rep.notes}
    for bad in ("q0276-cz-baseline-metrics-input-drift-c3a83b", "q0174-cz-learning-rate-loss-function-7d8108",
                "q0220-cz-key-benefits-of-dropout", "q0040-cz-specifically", "q0310-cz-metrics",
                "q0039-cz-significance", "q0184-cz-key-features-of-chatgpt", "q0010-cz-gans-vaes",
                "q0001-cz-discriminative-models", "q0050-cz-oov-handling",
                "q0313-cz-quantitative-evaluation-c721de"):
        assert bad not in ids
    assert sum(rep.dropped.values()) > 0 and set(rep.dropped) <= {r.__name__ for r in R.HARD_RULES} | {"duplicate"}


def test_reject_list_names_mined_notes(report):
    """Every rejected id is a note the miner would otherwise emit (a stale entry is noise)."""
    qs, rep = report
    data = yaml.safe_load((ROOT / "decks" / "clozes.yaml").read_text(encoding="utf-8")) or {}
    named = set(data.get("reject") or {}) | set(data.get("hints") or {})
    everything = {n.id for n in cloze.generate_report(qs, DeckPaths(ROOT / "decks"), reject_nothing=True).notes}
    assert named <= everything, sorted(named - everything)
    hinted = {n.id: n.text for n in rep.notes if n.id in (data.get("hints") or {})}
    assert all(re.search(r"\{\{c\d+::[^{}]*?::[^{}]+\}\}", t) for t in hinted.values())


def test_reviewer_hints_reach_mined_notes():
    from builder.cloze_curated import with_hints
    assert with_hints("<p>{{c1::Dropout}} and {{c2::x::kept}}</p>", {1: "a <regularizer>", 2: "new"}) == \
        "<p>{{c1::Dropout::a &lt;regularizer&gt;}} and {{c2::x::kept}}</p>"


def test_a_curated_note_that_breaks_a_rule_is_a_build_error(tmp_path):
    decks = tmp_path / "decks"
    decks.mkdir()
    for f in ("topics.yaml", "acronyms.yaml"):
        (decks / f).write_text((ROOT / "decks" / f).read_text(encoding="utf-8"), encoding="utf-8")
    (decks / "clozes.yaml").write_text(
        "notes:\n  q1:\n    - slug: heading\n      text: '{{c1::Key Benefits of Dropout}}: it regularizes the network well.'\n",
        encoding="utf-8")
    q = {"id": "q1", "question": "Why use dropout?", "topics": ["GenAI::ML_Foundations"],
         "answer_html": "<p>It regularizes.</p>", "sources": [], "related": [], "figures": []}
    with pytest.raises(InputError, match=r"notes.q1\[0\]: breaks the rule heading_or_filler"):
        cloze.generate_report([q], DeckPaths(decks))
