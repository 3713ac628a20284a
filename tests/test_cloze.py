"""Cloze notes (builder/cloze.py): the hard rules on the real question set, and exact notes for each kind."""
import html
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, NavigableString

from builder import cloze
from builder import questionset as qs
from builder.paths import DeckPaths

ROOT = Path(__file__).resolve().parents[1]
DECKS = DeckPaths(ROOT / "decks")
DELETION = re.compile(r"\{\{c(\d+)::(.*?)(?:::[^{}]*?)?\}\}", re.S)  # the hint (after ::) is not the answer
MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
VOID = {"br", "hr", "img", "wbr", "col"}
STOPWORDS = set("a an the and or but of in on at to for from by with as is are was were be it its this that "
                "these those they them there here which who what when where how why not no yes".split())
VAGUE = {"it", "this", "that", "these", "those", "they", "various", "several", "many", "some", "thing", "things",
         "stuff", "other", "others", "etc"}


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def questions() -> list[dict]:
    p = ROOT / "decks" / "questions.json"
    if p.exists():
        return json.loads(p.read_text(encoding="utf-8"))["questions"]
    return qs.normalize(DECKS).qset["questions"]


@pytest.fixture(scope="module")
def notes(questions) -> list[cloze.ClozeNote]:
    return cloze.generate(questions, DECKS)


# ----------------------------------------------------------------------------- helpers (independent of cloze.py)
def plain(fragment: str) -> str:
    """Visible text of an HTML fragment (entities decoded, tags as spaces)."""
    return re.sub(r"\s+", " ", BeautifulSoup(fragment, "html.parser").get_text(" ")).strip()


def deletions(text: str) -> list[tuple[int, str]]:
    return [(int(n), plain(body)) for n, body in DELETION.findall(text)]


def hidden(text: str) -> str:
    """The plain text left when every deletion is hidden."""
    return plain(DELETION.sub(" ", text))


def shown(text: str) -> str:
    """The note with every deletion answered (what the back of the card shows)."""
    return DELETION.sub(lambda m: m.group(2), text)


def count_words(s: str) -> int:
    s = MATH.sub(" MATHWORD ", s)
    return len([w for w in s.split() if re.search(r"\w", w)])


def words_outside_math(s: str) -> int:
    return len([w for w in MATH.sub(" ", s).split() if re.search(r"[A-Za-z0-9]", w)])


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


class Nesting(HTMLParser):
    """Fails on a tag closed out of order or left open (void elements aside)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()


def nesting_errors(fragment: str) -> list[str]:
    p = Nesting()
    p.feed(fragment)
    p.close()
    return p.errors + [f"<{t}> never closed" for t in p.stack]


# ----------------------------------------------------------------------------- rules on the real set
def test_volume_kinds_and_spread(questions, notes):
    assert len(notes) >= 250
    kinds = Counter(n.kind for n in notes)
    assert {"definition", "acronym", "formula", "table", "curated"} <= set(kinds), kinds
    # every top-level topic of the set (GenAI::<Top>) gets at least eight notes
    tops = {q["topics"][0].split("::")[1] for q in questions if q.get("topics")}
    per_top = Counter(n.topics[0].split("::")[1] for n in notes)
    assert {t: per_top[t] for t in tops if per_top[t] < 8} == {}
    mined_per_q = Counter(n.qid for n in notes if n.kind != "curated")
    assert max(mined_per_q.values()) <= cloze.MAX_PER_QUESTION
    by_id = {q["id"]: q for q in questions}
    for n in notes:
        assert n.topics == tuple(by_id[n.qid]["topics"])
        assert n.id.startswith(f"{n.qid}-cz-")


def test_deletion_counts_and_lengths(notes):
    for n in notes:
        dels = deletions(n.text)
        assert 1 <= len(dels) <= 6, n.id
        assert 1 <= len({k for k, _ in dels}) <= 6, n.id
        for _, d in dels:
            assert 1 <= count_words(d) <= 8, (n.id, d)


def test_enough_visible_context(notes):
    for n in notes:
        assert words_outside_math(hidden(n.text)) >= 8, (n.id, hidden(n.text))


def test_valid_html_with_and_without_answers(notes):
    for n in notes:
        for variant in (n.text, shown(n.text), DELETION.sub("", n.text)):
            assert nesting_errors(variant) == [], (n.id, variant)
        # the cloze markers sit in text nodes only: each text node holds whole deletions
        soup = BeautifulSoup(n.text, "html.parser")
        for node in soup.find_all(string=True):
            assert node.count("{{c") == node.count("}}"), (n.id, str(node))
            assert len(DELETION.findall(str(node))) == node.count("{{c")
        for tag in soup.find_all(True):
            for value in tag.attrs.values():
                assert "{{" not in str(value) and "}}" not in str(value)


def test_fields_survive_the_deck_sanitizer_unchanged(notes):
    """The deck builder passes every field through the allow-list sanitizer: nothing may be rewritten."""
    from builder.render import sanitize

    for n in notes:
        assert sanitize(n.text) == n.text, n.id
        assert sanitize(n.back_extra) == n.back_extra, n.id


def test_no_stray_cloze_syntax(notes):
    for n in notes:
        rest = DELETION.sub("", n.text)
        assert "{{" not in rest and "}}" not in rest, n.id
        for _, body in DELETION.findall(n.text):
            assert "::" not in body and not body.endswith("}"), (n.id, body)


def test_math_only_as_a_whole_formula(notes):
    for n in notes:
        # a deletion with math in it is exactly one whole formula
        for _, body in DELETION.findall(n.text):
            if "\\(" in body or "\\[" in body:
                assert MATH.fullmatch(body.strip()), (n.id, body)
        # and no formula is cut by a cloze marker
        for m in MATH.finditer(n.text):
            assert "{{c" not in m.group(0) and "}}" not in m.group(0), (n.id, m.group(0))
        for m in MATH.finditer(DELETION.sub("", n.text)):
            assert "{{" not in m.group(0), n.id


def test_deletions_are_answerable_and_not_given_away(notes):
    for n in notes:
        visible = norm(hidden(n.text))
        dels = deletions(n.text)
        for k, d in dels:
            low = norm(d)
            assert low not in STOPWORDS and low not in VAGUE, (n.id, d)
            if n.kind != "curated":  # a key quantity (√d_k's 64, a clip of 0.2) is worth a hand-written card
                assert not re.fullmatch(r"[\d.,%\s]+", low), (n.id, d)
            if MATH.fullmatch(d):
                continue
            assert not re.search(rf"(?<!\w){re.escape(low)}(?!\w)", visible), (n.id, d, visible)
            others = " ".join(norm(o) for j, o in dels if j != k)
            assert not re.search(rf"(?<!\w){re.escape(low)}(?!\w)", others), (n.id, d)


def test_kind_shapes(notes):
    for n in notes:
        dels = deletions(n.text)
        if n.kind == "acronym":
            assert len(dels) == 1 and " stands for " in hidden(n.text)
        if n.kind == "formula":
            assert all(MATH.fullmatch(d) for _, d in dels), n.id
        if n.kind == "enumeration":
            assert 3 <= len(dels) <= 4 and re.search(r"<(ul|ol)>", n.text), n.id
        if n.kind == "table":
            assert "<table>" in n.text and "<th>" in n.text, n.id


def test_unique_texts_and_ids(notes):
    ids = [n.id for n in notes]
    assert len(ids) == len(set(ids))
    texts = [norm(plain(n.text.replace("{{", "[").replace("}}", "]"))) for n in notes]
    assert len(texts) == len(set(texts))
    raw = [norm(n.text) for n in notes]
    assert len(raw) == len(set(raw))
    for i in ids:
        slug = i.split("-cz-", 1)[1]
        assert re.fullmatch(r"[a-z0-9-]{1,40}", slug), i


def test_deterministic(questions, notes):
    """Same questions, same notes (speed is measured in bench/, not here)."""
    assert cloze.generate(questions, DECKS) == notes
    assert cloze.generate(list(questions), DECKS) == notes


# ----------------------------------------------------------------------------- exact notes per kind
def make_q(answer_html: str, *, qid="q9001", question="What is it?", topics=("GenAI::Test_Topic::Search_Systems",)):
    return {"id": qid, "question": question, "topics": list(topics), "answer_html": answer_html,
            "primary_source": "test.txt", "sources": [{"document": "test.txt", "question": question,
                                                       "answer_html": answer_html}],
            "related": [], "figures": []}


def only(notes, kind):
    got = [n for n in notes if n.kind == kind]
    assert len(got) == 1, [(n.kind, n.text) for n in notes]
    return got[0]


DEF_HTML = ("<p>Mode collapse refers to a failure where the generator produces only a few kinds of samples. "
            "Several remedies exist.</p>")


def test_definition_note():
    n = only(cloze.generate([make_q(DEF_HTML, question="What is mode collapse?")], DECKS), "definition")
    assert n.text == ("<p>{{c1::Mode collapse}} refers to a failure where the generator produces only a few kinds "
                      "of samples.</p>")
    assert n.id == "q9001-cz-mode-collapse"
    assert n.qid == "q9001" and n.topics == ("GenAI::Test_Topic::Search_Systems",)
    assert "What is mode collapse?" in n.back_extra


def test_acronym_note_takes_the_standard_expansion_and_context():
    """The card names the acronym's own field (decks/acronyms.yaml), never the question's topic, and
    spells the standard expansion even when the source writes it otherwise."""
    n = only(cloze.generate([make_q("<p>Retrieval augmented generation (RAG) grounds answers in documents "
                                    "fetched at query time.</p>")], DECKS), "acronym")
    assert n.text == ("<p>In the context of LLM applications, the abbreviation <b>RAG</b> stands for "
                      "{{c1::Retrieval-Augmented Generation}}.</p>")
    assert n.id == "q9001-cz-retrieval-augmented-generation"
    # GRU inside a Transformer question still gets its own field (was "In the context of Transformer architecture")
    n = only(cloze.generate([make_q("<p>Unlike a Gated Recurrent Unit (GRU), a Transformer attends to every token.</p>",
                                    topics=("GenAI::Transformers::Architecture",))], DECKS), "acronym")
    assert "In the context of sequence models, the abbreviation <b>GRU</b>" in n.text


def test_acronym_outside_the_standard_list_gets_no_card():
    report = cloze.generate_report([make_q("<p>An optimized fixed expansion layer (OFEL) keeps old tasks "
                                           "intact during fine-tuning of the network.</p>")], DECKS)
    assert not [n for n in report.notes if n.kind == "acronym"]
    assert report.dropped["acronym"] == 1


ENUM_HTML = ("<p>Recurrent sequence models come in three common cell designs:</p><ol>"
             "<li><strong>RNN:</strong> one hidden state updated by a single tanh layer.</li>"
             "<li><strong>LSTM:</strong> a cell state guarded by input, forget and output gates.</li>"
             "<li><strong>GRU:</strong> update and reset gates acting on one state.</li></ol>")


def test_enumeration_note():
    """A short list of known terms with a lead-in that says what is listed: one card per item."""
    n = only(cloze.generate([make_q(ENUM_HTML, question="Which recurrent cells are there?")], DECKS), "enumeration")
    assert n.text == ("<p>Recurrent sequence models come in three common cell designs:</p><ol>"
                      "<li>{{c1::RNN}}</li><li>{{c2::LSTM}}</li><li>{{c3::GRU}}</li></ol>")
    assert n.id == "q9001-cz-rnn-lstm-gru"
    assert "<b>GRU</b>: update and reset gates acting on one state." in n.back_extra


FORMULA_HTML = ("<p>Scaled dot-product attention is computed from queries, keys and values as:</p>"
                '<div class="math-block">\\[\\text{softmax}\\left(\\frac{QK^T}{\\sqrt{d_k}}\\right)V\\]</div>')


def test_formula_note_deletes_the_whole_formula_and_spaces_braces():
    n = only(cloze.generate([make_q(FORMULA_HTML)], DECKS), "formula")
    assert n.text == ("<p>Scaled dot-product attention is computed from queries, keys and values as:</p>"
                      "<p>{{c1::\\[\\text{softmax}\\left(\\frac{QK^T}{\\sqrt{d_k} }\\right)V\\]}}</p>")


TABLE_HTML = ("<table><thead><tr><th>Aspect</th><th>GANs</th><th>VAEs</th></tr></thead><tbody>"
              "<tr><td>Training</td><td>Adversarial and often unstable</td>"
              "<td>Stable likelihood-based training</td></tr>"
              "<tr><td>Outputs</td><td>Sharp samples</td><td>Blurry samples</td></tr>"
              "</tbody></table>")


def test_table_note():
    got = [n for n in cloze.generate([make_q(TABLE_HTML, question="How do GANs and VAEs compare?")], DECKS)
           if n.kind == "table"]
    head = ("<p>How do GANs and VAEs compare?</p><table><thead><tr><th>Aspect</th><th>GANs</th><th>VAEs</th></tr>"
            "</thead><tbody>")
    assert [n.text for n in got] == [
        head + "<tr><th>Training</th><td>{{c1::Adversarial and often unstable}}</td>"
               "<td>{{c2::Stable likelihood-based training}}</td></tr></tbody></table>",
        head + "<tr><th>Outputs</th><td>{{c1::Sharp samples}}</td>"
               "<td>{{c2::Blurry samples}}</td></tr></tbody></table>",
    ]
    assert len({n.id for n in got}) == 2


# ----------------------------------------------------------------------------- ids and determinism
def ids_of(answer_html, kind, **kw):
    return {n.id for n in cloze.generate([make_q(answer_html, **kw)], DECKS) if n.kind == kind}


def test_id_survives_edits_elsewhere_and_follows_the_deleted_term():
    base = ids_of(DEF_HTML, "definition")
    edited = DEF_HTML.replace("Several remedies exist.", "Minibatch discrimination and unrolled GANs help a lot.")
    assert ids_of(edited, "definition") == base
    assert ids_of("<p>A warning first.</p>" + DEF_HTML, "definition") == base
    renamed = DEF_HTML.replace("Mode collapse", "Mode dropping")
    assert ids_of(renamed, "definition") == {"q9001-cz-mode-dropping"} != base
    # a reworded definition keeps its id: the id comes from the term, not from the sentence
    reworded = DEF_HTML.replace("only a few kinds of samples", "a narrow set of near-identical samples")
    assert ids_of(reworded, "definition") == base

    enum = ids_of(ENUM_HTML, "enumeration", question="Which recurrent cells are there?")
    assert enum
    assert ids_of(ENUM_HTML.replace("acting on one state", "on a single state"), "enumeration",
                  question="Which recurrent cells are there?") == enum
    assert ids_of(ENUM_HTML + "<p>Each network has its own optimizer in practice.</p>", "enumeration",
                  question="Which recurrent cells are there?") == enum


def test_generate_is_deterministic_on_small_input():
    qset = [make_q(DEF_HTML), make_q(ENUM_HTML, qid="q9002"), make_q(TABLE_HTML, qid="q9003"),
            make_q(FORMULA_HTML, qid="q9004")]
    assert cloze.generate(qset, DECKS) == cloze.generate(json.loads(json.dumps(qset)), DECKS)


def test_slugs_are_short_ascii_and_stable():
    assert cloze.slugify("Retrieval-Augmented Generation (RAG)") == "retrieval-augmented-generation-rag"
    long = cloze.slugify("Reinforcement Learning from Human Feedback with Proximal Policy Optimization")
    assert len(long) <= 40 and re.fullmatch(r"[a-z0-9-]+", long)
    assert long == cloze.slugify("Reinforcement Learning from Human Feedback with Proximal Policy Optimization")
    assert long != cloze.slugify("Reinforcement Learning from Human Feedback with Direct Preference Optimization")
    assert cloze.slugify("Fréchet Inception Distance") == "frechet-inception-distance"


def test_a_list_intro_that_only_restates_the_question_is_dropped():
    """"What are the most used NLP terminologies? — Following is the list of most used NLP terminologies:"
    says the question twice; an intro that adds something stays after the question."""
    from builder.cloze_html import context_lead
    q = "What are the most used NLP (Natural Language Processing) Terminologies?"
    assert context_lead("Following is the list of most used NLP (Natural Language Processing) Terminologies:", q) == (q, True)
    kept = "Following are the metrics used for retrieval evaluation:"
    assert context_lead(kept, q) == (f"{q} — {kept}", True)


@pytest.mark.parametrize("sent, acr, expansion, shown", [
    # under another item's label: the line is about something else
    ("Visual Modality: A pretrained convolutional neural network (CNN), Vision Transformer (ViT), or similar model.",
     "CNN", "Convolutional Neural Network", False),
    ("Multi-Query Attention (MQA): MQA is an optimization over the standard Multi-Head Attention (MHA).",
     "MHA", "Multi-Head Attention", False),
    # points at text the card does not show
    ("A Multi-Layer Perceptron (MLP) stacks many such units with non-linear activations.",
     "MLP", "Multi-Layer Perceptron", False),
    # says nothing beyond the acronym and its expansion
    ("Support Vector Machines (SVM)", "SVM", "Support Vector Machine", False),
    # useful: its own label, a definition, a formula
    ("Backpropagation Through Time (BPTT): To train RNNs, backpropagation is extended through the time steps.",
     "BPTT", "Backpropagation Through Time", True),
    (r"ReLU (Rectified Linear Unit): \(\mathrm{ReLU}(x) = \max(0, x)\)", "ReLU", "Rectified Linear Unit", True),
    ("Generative models, such as Variational Autoencoders (VAEs) and GANs, are designed to generate new data.",
     "VAE", "Variational Autoencoder", True),
])
def test_an_acronym_card_shows_its_source_sentence_only_when_it_helps(sent, acr, expansion, shown):
    from builder.cloze_acronyms import context_line
    assert (context_line(sent, acr, expansion) == sent) is shown


def test_a_lead_that_points_back_gets_its_question_first():
    """"Effective strategies to prevent this include:" -- 'this' is said before the lead, off the card."""
    from builder.cloze_html import context_lead
    q = "What strategies are effective in preventing overfitting in LLMs?"
    lead = "Effective strategies to prevent this include:"
    assert context_lead(lead, q) == (f"{q} — {lead}", True)
    own = "Effective strategies against overfitting in large language models include:"
    assert context_lead(own, q) == (own, False)
