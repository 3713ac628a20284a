"""Tests for the parser of 001_5b15b439e8a83557.txt (hand-written Markdown)."""
import re
from pathlib import Path

import pytest

from builder.parsers import doc001

ROOT = Path(__file__).resolve().parents[1]
NAME = "001_5b15b439e8a83557.txt"
SOURCE = (ROOT / "decks" / "sources" / NAME).read_text(encoding="utf-8")
LINES = SOURCE.split("\n")
PART_B = LINES.index("### Common Generative AI Interview Questions") + 1
PART_C = LINES.index("## Retrieval Augmented Generation (RAG)") + 1


@pytest.fixture(scope="module")
def occs():
    return doc001.parse(SOURCE, NAME)


@pytest.fixture(scope="module")
def by_line(occs):
    return {o.line: o for o in occs}


def without_code(md: str) -> str:
    return re.sub(r"(?ms)^\s*```.*?^\s*```", "", md)


def test_counts_per_part(occs):
    assert len(occs) == 239
    assert sum(1 for o in occs if o.line < PART_B) == 114
    assert sum(1 for o in occs if PART_B <= o.line < PART_C) == 62
    assert sum(1 for o in occs if o.line >= PART_C) == 63
    assert all(o.document == NAME for o in occs)
    assert [o.line for o in occs] == sorted(o.line for o in occs)


def test_sections(occs):
    def counts(part):
        result = {}
        for o in part:
            result[o.section] = result.get(o.section, 0) + 1
        return result

    part_b = [o for o in occs if PART_B <= o.line < PART_C]
    assert counts(part_b) == {
        "Common Generative AI Interview Questions": 12,
        "Large Language Models": 17,
        "Multimodal Models (Includes non-generative models)": 12,
        "Embeddings": 14,
        "Training, Inference and Evaluation": 7,
    }
    part_c = [o for o in occs if o.line >= PART_C]
    assert counts(part_c) == {"Retrieval Augmented Generation (RAG)": 10, "Advanced LEVEL": 53}
    part_a = counts(o for o in occs if o.line < PART_B)
    assert part_a["Overview of Generative Models"] == 3
    assert part_a["types of Generative AI?"] == 10
    assert part_a["Trends and Future of Generative AI"] == 14
    assert len(part_a) == 19


def test_question_lines_point_at_the_question(occs):
    for o in occs:
        printed = re.sub(r"\s+", " ", LINES[o.line - 1].replace("*", ""))
        assert o.question in printed, o.line
        assert o.number is not None and printed.lstrip("# ").startswith(o.number)


def test_part_a_definition_headings(by_line):
    o = by_line[19]
    assert (o.number, o.section, o.question) == ("1", "Overview of Generative Models", "Definition Generative AI")
    assert o.answer_md == (
        "Generative models are a type of machine learning model that learn the underlying distribution "
        "of a dataset and can generate new data samples that are similar to the original data."
    )
    vae = by_line[27]
    assert vae.answer_md.endswith("reconstruct data from that space.")
    # text under the non-question headings that follow is not glued to it
    assert "Autoregressive" not in vae.answer_md and "| **Aspect**" not in vae.answer_md


def test_part_a_numbers_without_dot(by_line):
    o = by_line[83]
    assert o.number == "4"
    assert o.question.startswith("What are the core technologies enabling audio generation")
    assert o.answer_md.startswith("Audio generation models leverage deep learning")
    # the author's line-per-item text keeps its line breaks
    assert "multi-instrument music.\\\nAmper Music:" in o.answer_md
    assert by_line[1530].number == "8"
    assert by_line[73].question == "What differentiates models like DALL·E and MidJourney in the image generation space?"


def test_part_a_table_answer(by_line):
    o = by_line[441]
    assert o.question == "Activation Functions" and o.number == "7"
    assert o.answer_md.startswith("| **Function**")
    assert "| **Softmax**" in o.answer_md
    assert "What is an autoencoder" not in o.answer_md


def test_code_comments_stay_code(by_line):
    load = by_line[1238]
    assert load.answer_md.startswith("```Python\nfrom transformers import pipeline")
    assert "# Load a pre-trained text summarization model" in load.answer_md
    assert load.answer_md.endswith("- Specify task-specific models or use defaults.")
    tune = by_line[1260]
    assert "# Define training arguments" in tune.answer_md
    assert tune.answer_md.endswith("trainer.train()\n```")
    assert "What are the advantages of using APIs" not in tune.answer_md


def test_end_of_part_a(by_line):
    o = by_line[1554]
    assert o.number == "14" and o.section == "Trends and Future of Generative AI"
    assert o.answer_md.startswith("Models like GPT, LLaMA, and Gemini leverage")
    assert o.answer_md.endswith("performance in specialized tasks.")
    assert "Common Generative AI" not in o.answer_md
    # the question printed twice is kept twice (de-duplication is a later stage)
    assert by_line[1542].question == by_line[1546].question


def test_part_b_first_answer_and_figure(by_line):
    o = by_line[1560]
    assert o.question == "What is the difference between generative and discriminative models?"
    assert o.answer_md.startswith("Generative models, such as Variational Autoencoders")
    assert o.answer_md.endswith("categories within the data.")
    assert [(f.ref, f.source_url) for f in o.figures] == [
        ("60_fig_8", "https://medium.com/@jordi299/about-generative-and-discriminative-models-d8958b67ad32")
    ]
    vae = by_line[1584]
    assert [f.ref for f in vae.figures] == ["60_fig_2"]
    assert vae.answer_md.endswith(
        "read this article: [https://towardsdatascience.com/understanding-variational-autoencoders-vaes-f70510919f73]"
        "(https://towardsdatascience.com/understanding-variational-autoencoders-vaes-f70510919f73)"
    )


def test_part_b_numbered_bold_items_are_not_questions(by_line):
    transfer = by_line[1815]
    assert transfer.section == "Large Language Models"
    assert "2. **Fine-tuning:** After the pre-training phase" in transfer.answer_md
    assert transfer.answer_md.endswith("tasks requiring deep linguistic insights.")
    assert "Highlight the key differences" not in transfer.answer_md
    halluc = by_line[2578]
    assert halluc.answer_md.startswith(
        "Some approaches to detect and mitigate hallucinations "
        "([source](https://www.rungalileo.io/blog/5-techniques-for-detecting-llm-hallucinations)):"
    )
    assert "1. **Log Probability (Seq-Logprob):**" in halluc.answer_md
    assert "5. **G-EVAL:**" in halluc.answer_md
    assert halluc.answer_md.endswith("assess hallucinations and coherence in generated text.")
    assert "mixture of experts" not in halluc.answer_md


def test_part_b_bold_headings_are_answer_subheadings(by_line):
    o = by_line[1839]
    assert o.answer_md.startswith("GPT (Generative Pre-trained Transformer) and BERT")
    assert "#### Architecture and Training Approach:" in o.answer_md
    assert "#### Performance and Efficiency:" in o.answer_md
    assert [f.ref for f in o.figures] == ["60_fig_3"]
    emb = by_line[2321]
    assert emb.section == "Embeddings"
    assert "#### Considerations for Choosing Between Them:" in emb.answer_md


def test_part_b_masked_language_image_modeling(by_line):
    o = by_line[2207]
    assert (o.number, o.question) == ("6", "What is Masked language-image modeling?")
    assert o.section == "Multimodal Models (Includes non-generative models)"
    assert o.answer_md.startswith("Masked language-image modeling is a training technique")
    assert o.answer_md.endswith("manipulation of visual and textual information.")


def test_part_b_last_answer(by_line):
    o = by_line[2644]
    assert o.answer_md.endswith("deep understanding or creative language use.")
    assert "Retrieval" not in o.answer_md


def test_part_c_questions(by_line):
    rag1 = by_line[2654]
    assert rag1.section == "Retrieval Augmented Generation (RAG)"
    assert rag1.question == "What is Retrieval-Augmented Generation (RAG) ?"
    peft = by_line[2740]
    assert peft.answer_md.startswith("RAG and Parameter-Efficient Fine-Tuning (PEFT) are two distinct")
    assert "Perceptron" not in peft.answer_md and "Advanced LEVEL" not in peft.answer_md
    assert by_line[2750].section == "Advanced LEVEL"
    assert by_line[2918].number == "20" and by_line[2918].question == "Describe the Fine-tuning process."
    assert by_line[2994].number == "23"
    assert by_line[2994].question == "What is the full form of NLP? / What is Natural Language Processing?"


def test_part_c_answer_markers_removed(by_line):
    assert by_line[2774].answer_md.startswith("Common frameworks for building Generative AI models")
    assert by_line[2818].answer_md.startswith("Sequence-to-Sequence (Seq2Seq) models are")
    assert by_line[2826].answer_md.startswith("Positional encodings are added to input embeddings")
    assert by_line[3151].answer_md.startswith("Traditional language models, like GPT-3")


def test_part_c_duplicate_number_32(by_line):
    first, second = by_line[3078], by_line[3090]
    assert first.number == second.number == "32"
    assert first.question.startswith("Can you discuss the challenges of generating high-resolution")
    assert second.question.startswith("Can you discuss your experience with implementing and deploying")
    assert first.answer_md.endswith("- **Data quality:** Higher resolution and longer-form content require higher quality data.")
    assert "your experience" not in first.answer_md
    assert second.answer_md.startswith("Just as the question above")


def test_part_c_figures(by_line):
    fig3 = by_line[2758].figures
    assert [(f.ref, f.source_url) for f in fig3] == [("001_q3_fig1", None)]
    assert by_line[2758].answer_md.endswith("thus it is called backward propagation")
    fig33 = by_line[3101].figures
    assert [(f.ref, f.source_url) for f in fig33] == [
        ("001_q33_fig1", "https://editor.analyticsvidhya.com/uploads/62494Untitled.png")
    ]
    assert [f.ref for f in by_line[3129].figures] == ["001_q35_fig1"]


def test_label_lines_keep_their_breaks(by_line):
    o = by_line[2778]
    assert "GANs:\\\nStrengths: GANs are known" in o.answer_md
    assert o.answer_md.endswith("the smoothness of the latent space.")


def test_backtick_emphasis_unwrapped(by_line):
    o = by_line[209]
    assert "- **World Design:** Automating the creation" in o.answer_md
    assert "`pip install transformers`" in by_line[1238].answer_md  # real inline code kept


def test_last_answer(occs):
    last = occs[-1]
    assert last.line == 3265 and last.number == "52"
    assert last.answer_md.startswith("Creating a new generative AI model for a specific application")
    assert last.answer_md.endswith("Decide on the infrastructure and the rollout procedure.")


@pytest.mark.parametrize("pattern", [
    r"(?m)^\W*Answer\b",           # answer markers
    r"^(?:A[.:]|\*\*`A:`\*\*)\s",  # short answer markers at the start
    r"\*\*`",                      # backtick emphasis
    r"!\[",                        # images
    r"(?i)image source",
    r"(?m)^\s*---\s*$",            # separators
    r"[\ufb00-\ufb06]",            # ligatures
])
def test_no_debris_in_answers(occs, pattern):
    offenders = [o.line for o in occs if re.search(pattern, o.answer_md)]
    assert offenders == []


def test_no_high_level_headings_outside_code(occs):
    offenders = [o.line for o in occs if re.search(r"(?m)^#{1,3}\s", without_code(o.answer_md))]
    assert offenders == []


def test_no_empty_fields(occs):
    for o in occs:
        assert o.answer_md.strip(), o.line
        assert o.question.strip(), o.line
        assert not re.search(r"[*`]|\s{2}", o.question), o.line


def test_missing_part_heading_is_an_error():
    with pytest.raises(doc001.ParseError):
        doc001.parse(SOURCE.replace("## Retrieval Augmented Generation (RAG)\n", "## RAG\n"), NAME)


def test_bold_question_without_marker_is_an_error():
    broken = SOURCE.replace("6. **What are mixture of experts models?**\n\n**`Answer:`**\n",
                            "6. **What are mixture of experts models?**\n\n", 1)
    assert broken != SOURCE
    with pytest.raises(doc001.ParseError) as err:
        doc001.parse(broken, NAME)
    assert err.value.line == 2636
