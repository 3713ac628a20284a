"""Tests for the parser of 000_872b3f10e74e92b6.txt (PDF converted to Markdown)."""
import re
from pathlib import Path

import pytest

from builder.parsers import doc000

ROOT = Path(__file__).resolve().parents[1]
NAME = "000_872b3f10e74e92b6.txt"
SOURCE = (ROOT / "decks" / "sources" / NAME).read_text(encoding="utf-8")
MULTIMODAL = "Multimodal Models (Includes non-generative models)"


@pytest.fixture(scope="module")
def occs():
    return doc000.parse(SOURCE, NAME)


@pytest.fixture(scope="module")
def by_line(occs):
    return {o.line: o for o in occs}


def flat(text: str) -> str:
    """Whitespace-normalised text, so soft line wraps don't matter."""
    return re.sub(r"\s+", " ", text).strip()


def test_count_and_sections(occs):
    assert len(occs) == 62
    counts = {}
    for o in occs:
        counts[o.section] = counts.get(o.section, 0) + 1
    assert counts == {
        "Generative Models": 12,
        "Large Language Models": 17,
        MULTIMODAL: 12,
        "Embeddings": 14,
        "Training, Inference and Evaluation": 7,
    }
    assert all(o.document == NAME for o in occs)
    assert [o.line for o in occs] == sorted(o.line for o in occs)


def test_numbering_as_printed(occs):
    numbers = {}
    for o in occs:
        numbers.setdefault(o.section, []).append(o.number)
    assert numbers["Generative Models"] == [str(n) for n in range(1, 13)]
    assert numbers["Large Language Models"] == [str(n) for n in range(1, 18)]
    assert numbers[MULTIMODAL] == ["1", "2", "3", "4", "5", None] + [str(n) for n in range(7, 13)]
    assert numbers["Embeddings"] == [str(n) for n in range(1, 15)]
    assert numbers["Training, Inference and Evaluation"] == [str(n) for n in range(1, 8)]


def test_question_lines_point_at_the_question(occs):
    lines = SOURCE.split("\n")
    for o in occs:
        if o.question:
            printed = flat(lines[o.line - 1].replace("\\", "").replace("*", ""))
            assert o.question in printed, o.line


def test_lost_question_occurrence(occs, by_line):
    empty = [o for o in occs if o.question == ""]
    assert len(empty) == 1
    lost = empty[0]
    assert lost is by_line[568]
    assert SOURCE.split("\n")[567] == "#### Answer:"
    assert lost.number is None
    assert lost.section == MULTIMODAL
    assert lost.answer_md.startswith("Masked language-image modeling is a training technique")
    assert lost.answer_md.endswith("manipulation of visual and textual information.")
    # the previous answer (Q5) does not swallow it
    q5 = by_line[558]
    assert q5.number == "5"
    assert "Masked language-image" not in q5.answer_md
    assert q5.answer_md.endswith("contextually appropriate image synthesis.")


def test_first_answer_and_figure(by_line):
    o = by_line[8]
    assert o.number == "1" and o.section == "Generative Models"
    assert o.question == "What is the difference between generative and discriminative models?"
    assert o.answer_md.startswith("Generative models, such as Variational Autoencoders")
    assert o.answer_md.endswith("categories within the data.")
    assert "Describe the architecture" not in o.answer_md
    assert [(f.ref, f.source_url) for f in o.figures] == [
        ("60_fig_8", "https://medium.com/@jordi299/about-generative-and-discriminative-models-d8958b67ad32")
    ]


def test_page_break_sentences_rejoined(by_line):
    assert "and the discriminator seeks to improve" in by_line[20].answer_md
    assert "can help prevent overfitting by exposing the model" in by_line[81].answer_md
    assert "such as learning rates or batch sizes." in by_line[100].answer_md


def test_lost_placeholder_gets_synthetic_figure(by_line):
    o = by_line[34]
    assert [(f.ref, f.source_url) for f in o.figures] == [
        ("000_q3_fig1", "https://towardsdatascience.com/understanding-variational-autoencoders-vaes-f70510919f73")
    ]
    # "read this article" is content: kept, as a link
    assert o.answer_md.endswith(
        "read this article: <https://towardsdatascience.com/understanding-variational-autoencoders-vaes-f70510919f73>"
    )


def test_numbered_answer_items_are_not_questions(by_line):
    mode_collapse = by_line[67]
    assert mode_collapse.answer_md.endswith("more varied and realistic generated samples.")
    assert "1. **Architectural Modifications:**" in mode_collapse.answer_md
    assert "How does overfitting manifest" not in mode_collapse.answer_md
    transfer = by_line[212]
    assert "2. **Fine-tuning:** After the pre-training phase" in transfer.answer_md
    assert transfer.answer_md.endswith("tasks requiring deep linguistic insights.")
    assert "Highlight the key differences" not in transfer.answer_md
    assert by_line[237].question.startswith("Highlight the key differences between models like GPT")


def test_subheadings_are_demoted(by_line):
    sched = by_line[145].answer_md
    assert "#### Role in Optimizing the Training Process:" in sched
    assert "#### Common Scheduling Strategies:" in sched
    assert sched.endswith("stabilizing the training of very deep models.")
    gpt_bert = by_line[237]
    assert gpt_bert.answer_md.startswith("GPT (Generative Pre-trained Transformer) and BERT")
    assert "#### Architecture and Training Approach:\n\n**GPT:**" in gpt_bert.answer_md
    assert "**BERT:**" in gpt_bert.answer_md
    assert flat(gpt_bert.answer_md).endswith("complement autoregressive models in many such tasks.")
    assert [f.ref for f in gpt_bert.figures] == ["60_fig_3"]


def test_cited_source_goes_to_figure(by_line):
    o = by_line[345]
    assert o.answer_md.endswith("from different parts of the input sequence based on the")
    assert "Source:" not in o.answer_md
    fig = o.figures[0]
    assert (fig.ref, fig.source_url, fig.source_text) == (
        "60_fig_4", "https://arxiv.org/abs/1706.03762", '"Attention Is All You Need"'
    )


def test_inline_answer_marker_removed(by_line):
    assert by_line[376].answer_md.startswith("Multi-head attention allows a model to jointly attend")


def test_escaped_asterisks_removed_from_question(by_line):
    assert by_line[464].question == (
        "Compare and contrast the impact of using sparse (e.g., cross-entropy) and dense "
        "(e.g., mean squared error) loss functions in training language models."
    )


def test_figures_without_source(by_line):
    figs = by_line[515].figures
    assert [(f.ref, f.source_url) for f in figs] == [("60_fig_6", None), ("60_fig_7", None)]
    assert [f.ref for f in by_line[388].figures] == ["60_fig_5"]


def test_heading_style_questions(by_line):
    margin = by_line[796]
    assert margin.number == "14" and margin.section == "Embeddings"
    assert margin.question.startswith("In loss functions like triplet loss or contrastive loss")
    assert margin.answer_md.startswith("The margin parameter in triplet or contrastive loss")
    assert margin.answer_md.endswith("overly stringent separation criterion.")
    assert "Training, Inference" not in margin.answer_md

    metrics = by_line[841]
    assert metrics.number == "4"
    assert metrics.question == "What evaluation metrics can be used to judge LLM generation quality"
    assert metrics.answer_md.startswith("Common metrics used to evaluate Language Model performance")
    assert "1. **Perplexity**:" in metrics.answer_md and "2. **Human Evaluation**:" in metrics.answer_md
    assert metrics.answer_md.endswith("classifiers on LLM hidden layer activations.")


def test_some_solutions_is_content_not_marker(by_line):
    o = by_line[828]
    assert o.answer_md.startswith("#### Some solutions are:")
    assert o.answer_md.endswith("making computation linear with respect to input token size.")


def test_hallucination_subheadings_stay_in_answer(by_line):
    o = by_line[854]
    assert o.answer_md.startswith("Some approaches to detect and mitigate hallucinations")
    for heading in ("#### 1. Log Probability (Seq-Logprob):", "#### 3. SelfCheckGPT:", "#### 5. G-EVAL:"):
        assert heading in o.answer_md
    assert o.answer_md.endswith("assess hallucinations and coherence in generated text.")
    assert "mixture of experts" not in o.answer_md


def test_last_answer(occs):
    last = occs[-1]
    assert last.number == "7" and last.line == 898
    assert last.answer_md.startswith("Over-reliance on perplexity can be problematic")
    assert last.answer_md.endswith("deep understanding or creative language use.")


@pytest.mark.parametrize("pattern", [
    r"(?im)^\W*answer\b",          # answer markers
    r"\d+\\?_fig\\?_\d+",          # figure placeholders
    r"(?i)image source",
    r"(?m)^#{1,3}\s",              # headings above the card's level
    r"[\ufb00-\ufb06]",            # ligatures
    r"\\\*",                       # escaped asterisks
    r"•",
])
def test_no_debris_in_answers(occs, pattern):
    offenders = [o.line for o in occs if re.search(pattern, o.answer_md)]
    assert offenders == []


def test_no_empty_fields(occs):
    assert all(o.answer_md.strip() for o in occs)
    assert sum(1 for o in occs if not o.question.strip()) == 1
    for o in occs:
        assert not re.search(r"[*`\\]", o.question), o.line
        assert o.question == o.question.strip()


def test_read_article_link_kept(by_line):
    assert by_line[388].answer_md.endswith("Read the article form Huggingface: <https://huggingface.co/blog/rlhf>")


def test_question_without_marker_is_an_error():
    broken = SOURCE.replace("- 7. What is gradient clipping, and how does it help in stabilizing the training process"
                            " of generative models?\n- Answer:\n", "- 7. What is gradient clipping, and how does it"
                            " help in stabilizing the training process of generative models?\n", 1)
    assert broken != SOURCE
    with pytest.raises(doc000.ParseError) as err:
        doc000.parse(broken, NAME)
    assert err.value.line == 100


def test_missing_section_is_an_error():
    with pytest.raises(doc000.ParseError):
        doc000.parse(SOURCE.replace("## **Embeddings**", "## **Embedding vectors**"), NAME)
