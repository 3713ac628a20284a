"""Parser tests for 004_c54549c83c6343f4.txt (plain text, Q1. .. Q50.)."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from builder.parsers import doc004
from builder.parsers.base import ParseError

ROOT = Path(__file__).resolve().parents[1]
DOC = "004_c54549c83c6343f4.txt"
SOURCE = (ROOT / "decks" / "sources" / DOC).read_text(encoding="utf-8")
HINTS = yaml.safe_load((ROOT / "decks" / "parse_hints" / "004.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def occ():
    return doc004.parse(SOURCE, DOC, HINTS)


def q(occ, n: int):
    return occ[n - 1]


def test_count_numbers_in_order(occ):
    assert len(occ) == 50
    expected = [f"Q{n}" for n in range(1, 51)]
    expected[39] = "Q4o"
    assert [o.number for o in occ] == expected
    assert all(o.section is None and o.document == DOC for o in occ)
    assert q(occ, 26).question.startswith("Explain the concept of eigenvalues")
    assert q(occ, 40).question == "How does Adaptive Softmax speed up large language models?"


def test_lines(occ):
    assert [q(occ, n).line for n in (1, 2, 26, 40, 50)] == [7, 19, 312, 505, 644]


@pytest.mark.parametrize("n, question, starts, ends", [
    (1, "What is tokenization, and why is it important in LLMs?",
     "Tokenization is the process", "improves both efficiency and performance."),
    (2, "What is LoRA and QLoRA?",
     "LoRA and QLoRA are techniques", "while significantly reducing resource consumption."),
    (12, "How can catastrophic forgetting be mitigated in large language models (LLMs)?",
     "Catastrophic forgetting happens", "to learn without overwriting prior knowledge."),
    (16, "What is overfitting in machine learning, and how can it be prevented?",
     "Overfitting occurs when", "layers can help avoid overfitting."),
    (19, "What are positional encodings in the context of large language models?",
     "Positional encodings are essential", "- d_model is the dimensionality of the model"),
    (28, "Derive the formula for the derivative of the ReLU activation function and discuss its significance.",
     "The ReLU (Rectified Linear Unit) function", "deep learning models, including LLMs."),
    (31, "In what ways does Gemini's architecture optimize training efficiency and stability compared to "
         "other multimodal LLMs like GPT-4?",
     "Gemini's architecture optimizes", "4. Balanced Objectives: Better synchronization"),
    (33, "How does Parameter-Efficient Fine-Tuning (PEFT) prevent catastrophic forgetting in LLMs?",
     "Parameter-Efficient Fine-Tuning (PEFT) helps", "learning new information efficiently."),
    (37, "What is the difference between discriminative AI and Generative AI?",
     "#### Predictive/Discriminative AI:", "large language models like GPT."),
    (41, "What is the vanishing gradient problem, and how does the Transformer architecture address it?",
     "The vanishing gradient problem occurs", "overcoming the limitations of earlier architectures."),
    (43, "You're working on an LLM, and it starts generating offensive or factually incorrect outputs. "
         "How would you diagnose and address this issue?",
     "If an LLM produces offensive", "retraining with a more balanced dataset."),
    (46, "What is a “context window”?", "The “context window” in large", "improved performance and resource efficiency."),
    (50, "What are some common challenges associated with using LLMs?",
     "Using LLMs presents several common challenges:", "limit their use for smaller organizations."),
])
def test_answer_boundaries(occ, n, question, starts, ends):
    o = q(occ, n)
    assert o.question == question
    assert o.answer_md.startswith(starts)
    if n == 31:
        assert ends in o.answer_md.splitlines()[-1]
    else:
        assert o.answer_md.endswith(ends)


def test_no_answer_contains_a_question(occ):
    for o in occ:
        assert not re.search(r"(?m)^Q\d[\doO]*\.", o.answer_md)
        for other in occ:
            if other is not o:
                assert other.question not in o.answer_md


def test_answer_markers_removed(occ):
    for o in occ:
        first = o.answer_md.splitlines()[0]
        assert not re.match(r"(?i)ans(wer)?\b", first), o.number
        assert not re.match(r"-\S", first), o.number
        assert not re.search(r"(?m)^Ans\b", o.answer_md)
    assert q(occ, 32).answer_md.startswith("Foundation models are large-scale")
    assert q(occ, 36).answer_md.startswith("Chain-of-Thought (CoT) prompting helps")
    assert q(occ, 44).answer_md.startswith("In the transformer architecture")


def test_no_debris_anywhere(occ):
    for o in occ:
        assert o.question.strip() and o.answer_md.strip()
        for text in (o.question, o.answer_md):
            assert not re.search("[\ufb00-\ufb06]", text)
        assert "Image Source" not in o.answer_md
        assert "\n\n\n" not in o.answer_md
        assert not re.search(r"(?m)^[ \t]+$", o.answer_md)
        assert "Follow for more" not in o.answer_md and "SAVE" not in o.answer_md
        assert not re.search(r"(?m)^[-*] +\d+\. ", o.answer_md)


def test_image_titles_and_labels_removed(occ):
    for kind in ("image_titles", "diagram_labels"):
        for key, lines in HINTS[kind].items():
            answer_lines = {line.strip() for line in q(occ, int(key[1:])).answer_md.splitlines()}
            for line in lines:
                assert line not in answer_lines, (key, line)
    q16 = q(occ, 16).answer_md.splitlines()
    for label in ("simpler", "models", "regularization", "dropout", "data", "augmentation", "early stopping"):
        assert label not in q16
    q17 = q(occ, 17).answer_md
    for label in ("Generative Models", "Generate new data", "Discriminative Models", "Classify existing data"):
        assert f"\n{label}\n" not in q17
    assert "QLoRa\n" not in q(occ, 2).answer_md
    assert "Hierarchy of Embeddings" not in q(occ, 8).answer_md


def test_subheadings_kept(occ):
    q2 = q(occ, 2).answer_md
    assert "\n#### LoRA (Low-Rank Adaptation)\n\nLoRA is a parameter-efficient" in q2
    assert "\n#### QLoRA (Quantized LoRA)\n\nQLoRA builds on LoRA" in q2
    assert "\n#### Techniques to Overcome Overfitting:\n\n- **Regularization (L1, L2):**" in q(occ, 16).answer_md
    assert "\n#### Generative AI:\n\n- Focuses on generating" in q(occ, 37).answer_md
    assert "\n\nSome common examples\n\n- Train-test split ratio" in q(occ, 47).answer_md


def test_figures(occ):
    assert q(occ, 1).figures == [doc004.Figure("004_q1_fig1", "Figure", None, "Cognitive Class")]
    assert [f.caption for f in q(occ, 2).figures] == ["QLoRa"]
    assert q(occ, 2).figures[0].ref == "004_q2_fig1"
    assert [f.caption for f in q(occ, 7).figures] == ["NLP Models and Their Applications"]
    assert [f.caption for f in q(occ, 8).figures] == ["Hierarchy of Embeddings in Neural Networks"]
    assert [f.caption for f in q(occ, 11).figures] == ["The Cycle of Prompt Engineering"]
    assert sum(len(o.figures) for o in occ) == 5


def test_broken_bold_items_repaired(occ):
    answer = q(occ, 12).answer_md
    assert "\n\n1. **Rehearsal methods:** These involve" in answer
    assert "\n2. **Elastic Weight Consolidation (EWC):** This method" in answer
    assert "\n3. **Modular approaches:** Techniques like" in answer
    html = MarkdownIt("commonmark").render(answer)
    assert html.count("<strong>") == 3 and "**" not in html


def test_title_items_hold_their_lines(occ):
    answer = q(occ, 32).answer_md
    assert "1. **Language Models**\n\n   Tasks: Machine translation" in answer
    assert "   Examples: PaLM, LaMDA" in answer
    html = MarkdownIt("commonmark").render(answer)
    assert html.count("<ol>") == 1 and html.count("<li>") == 4


def test_lists_are_tight_across_page_breaks(occ):
    assert "improving context retention." in q(occ, 15).answer_md
    html = MarkdownIt("commonmark").render(q(occ, 15).answer_md)
    assert html.count("<ul>") == 1 and html.count("<li>") == 5
    assert html.count("<p>") == 1  # only the intro; a loose list would wrap every item in <p>


def test_page_break_sentence_rejoined(occ):
    assert ("- **Context:** LLMs generate contextual embeddings, adapting to word meaning based on context. "
            "Traditional models use static embeddings.\n") in q(occ, 45).answer_md


def test_misplaced_lines_only_in_q50(occ):
    assert "Interpretability" not in q(occ, 42).answer_md
    assert q(occ, 42).answer_md.endswith("data collection and computational resources.")
    assert "- **Interpretability:** It can be challenging" in q(occ, 50).answer_md


def test_math_kept_verbatim(occ):
    everything = "\n".join(o.answer_md for o in occ)
    for block in re.findall(r"\$\$.+?\$\$", SOURCE, flags=re.S):
        assert block in everything
    for inline in ("$k=10$", "$P(y|x)$", "$0 \\leq i < d_{model}/2$", "$\\sqrt{d_k}$"):
        assert inline in everything
    assert ("$$f'(x) = \\begin{cases} 1 & \\text{if } x > 0 \\\\ 0 & \\text{if } x \\leq 0 \\end{cases}$$"
            in q(occ, 28).answer_md)


def test_multiline_display_math_stays_one_block():
    text = ("Q1. What is X?\n\nAns - See:\n\n$$a = b\n\n + c$$\n\nwhich is the lower-case text after the formula.\n\n"
            "Q2. What is Y?\n\nAns: Y.\n")
    got = doc004.parse(text, "004_x.txt", hints={})
    assert got[0].answer_md == "See:\n\n$$a = b\n\n + c$$\n\nwhich is the lower-case text after the formula."
    assert got[1].answer_md == "Y."


def test_stale_or_missing_hints_fail_loudly():
    hints = copy.deepcopy(HINTS)
    hints["diagram_labels"]["Q16"].remove("dropout")
    with pytest.raises(ParseError, match="dropout"):
        doc004.parse(SOURCE, DOC, hints=hints)
    hints = copy.deepcopy(HINTS)
    hints["image_titles"]["Q3"] = ["A title that is not printed"]
    with pytest.raises(ParseError, match="not found"):
        doc004.parse(SOURCE, DOC, hints=hints)


def test_out_of_order_numbering_fails():
    with pytest.raises(ParseError, match="expected Q2"):
        doc004.parse("Q1. A?\n\nAns - a.\n\nQ3. B?\n\nAns - b.\n", "004_x.txt", hints={})
