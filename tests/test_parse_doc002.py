"""Parser tests for 002_1256667a82fe0131.txt (OCR Markdown, 33 question occurrences)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from builder.parsers import doc002
from builder.parsers.base import ParseError

ROOT = Path(__file__).resolve().parents[1]
DOC = "002_1256667a82fe0131.txt"
PART1 = "Part 7: Ilms"
PART2 = "Advanced-Level LLM Questions and Detailed Answers"


@pytest.fixture(scope="module")
def occ():
    text = (ROOT / "decks" / "sources" / DOC).read_text(encoding="utf-8")
    return doc002.parse(text, DOC)


def by_start(occ, words):
    found = [o for o in occ if o.question.startswith(words)]
    assert len(found) == 1, (words, [o.question for o in found])
    return found[0]


def test_count_and_numbers_as_printed(occ):
    assert len(occ) == 33
    assert [o.number for o in occ] == [
        "1", "2", "3", "4", "4", "5", "20", "5", "6", None, "7", None, "9", "12", "15",
        "16", "17", "18", "19", "20", "21", "23", "25",
        "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
    ]


def test_sections(occ):
    assert [o.section for o in occ] == [PART1] * 23 + [PART2] * 10


def test_lines_and_document(occ):
    assert all(o.document == DOC for o in occ)
    assert [o.line for o in occ][:4] == [3, 22, 46, 66]
    assert by_start(occ, "Quantization").line == 152
    assert by_start(occ, "How do LLMs handle multi-turn").line == 424
    assert occ[-1].line == 528
    assert [o.line for o in occ] == sorted(o.line for o in occ)


@pytest.mark.parametrize("words, question, starts, ends", [
    ("What is the fundamental", "What is the fundamental concept of embeddings in machine learning?",
     "#### Definition:", "- Image Search: Image embeddings for similarity."),
    ("Compare and contrast", "Compare and contrast word embeddings and sentence embeddings.",
     "#### Word Embeddings:", "| Example Models | Word2Vec, FastText | SBERT, USE |"),
    ("Explain the concept of Reinforcement", "Explain the concept of Reinforcement Learning from Human Feedback (RLHF).",
     "RLHF is a technique", "for better response alignment"),
    ("Regularization techniques", "Regularization techniques for embeddings",
     "- **Purpose:** Prevent overfitting", "3. **Batch Normalization:** Stabilizes learning by normalizing intermediate outputs."),
    ("What advancements", "What advancements are expected in the next generation of LLMs?",
     "- Longer Context Windows", "- Multimodal Capabilities: Integration of text, images, and other data types."),
    ("Quantization", "Quantization",
     "#### Definition:\n\nQuantization is the process", "hardware support for lower-precision arithmetic."),
    ("Metrics for Evaluating", "Metrics for Evaluating Embeddings",
     "Evaluating embeddings is crucial", "ideal for real-time applications."),
    ("Adapting Learning Rates", "Adapting Learning Rates",
     "#### Techniques:\n\n#### 1. Warm-Up:", "Cosine Decay reduces the learning rate smoothly over epochs."),
    ("Embeddings in Zero-Shot", "Embeddings in Zero-Shot Learning",
     "#### Mechanism:", "without specific training data)."),
    ("How do retrieval-augmented", "How do retrieval-augmented generation (RAG) techniques enhance LLM capabilities?",
     "Definition: RAG techniques integrate", "fetch answers from Wikipedia or custom datasets."),
    ("How do LLMs handle multi-turn", "How do LLMs handle multi-turn conversations?",
     "#### Context Maintenance:", "better understanding of conversational intent."),
    ("What role do foundation", "What role do foundation models play in LLM ecosystems?",
     "- **Definition:** Foundation models", "- Potential for misuse without ethical guidelines"),
])
def test_answer_boundaries(occ, words, question, starts, ends):
    o = by_start(occ, words)
    assert o.question == question
    assert o.answer_md.startswith(starts)
    assert o.answer_md.endswith(ends)


def test_no_answer_contains_another_question(occ):
    for o in occ:
        for other in occ:
            if other is not o and len(other.question) > 15:
                assert other.question not in o.answer_md, (o.question, other.question)


def test_numbered_subheadings_stay_inside_answers(occ):
    """Rule: a run starting at a non-question '1.' heading continues with consecutive numbers."""
    metrics = by_start(occ, "Metrics for Evaluating")
    for n, title in enumerate(["Perplexity", "BLEU (Bilingual Evaluation Understudy)",
                               "ROUGE (Recall-Oriented Understudy for Gisting Evaluation)", "Accuracy",
                               "F1-Score", "METEOR", "ROUGE-L", "Exact Match (EM)", "Human Evaluation",
                               "Latency and Throughput"], start=1):
        assert f"\n#### {n}. {title}\n" in metrics.answer_md
    quant = by_start(occ, "Quantization")
    assert "#### 1. Post-Training Quantization:" in quant.answer_md
    assert "#### 5. Full Integer Quantization:" in quant.answer_md
    assert "#### 2. Document Similarity:" in by_start(occ, "Applications of Embeddings").answer_md
    assert "#### 3. Diverse Datasets:" in by_start(occ, "Preventing Overfitting").answer_md
    questions = {o.question for o in occ}
    for sub in ("Perplexity", "Warm-Up", "Dropout", "Sentiment Analysis", "Post-Training Quantization",
                "BLEU (Bilingual Evaluation Understudy)", "Efficient Models", "Latency and Throughput"):
        assert sub not in questions and f"{sub}:" not in questions


def test_run_rule_on_synthetic_text():
    text = "\n".join([
        "# 1. Alpha topic", "", "intro", "",
        "## 1. Sub one", "", "a", "",
        "## 2. Sub two", "", "b", "",
        "## 2. Repeated number breaks the run", "", "c", "",
        "# 3. How does a question-like heading behave?", "", "d", "",
        "## 1. What is a question starting at one?", "", "e",
    ])
    got = doc002.parse(text, "x.txt")
    assert [(o.number, o.question) for o in got] == [
        ("1", "Alpha topic"),
        ("2", "Repeated number breaks the run"),
        ("3", "How does a question-like heading behave?"),
        ("1", "What is a question starting at one?"),
    ]
    assert "#### 1. Sub one" in got[0].answer_md and "#### 2. Sub two" in got[0].answer_md


def test_empty_answer_is_an_error():
    with pytest.raises(ParseError):
        doc002.parse("# 1. What is X?\n\n# 2. What is Y?\n\ny\n", "x.txt")


def test_no_debris_anywhere(occ):
    for o in occ:
        assert o.question.strip() and o.answer_md.strip()
        assert not re.search(r"[*`#\\]", o.question), o.question
        for text in (o.question, o.answer_md):
            assert not re.search("[\ufb00-\ufb06]", text)
            assert not re.search("[•·\uf0b7\uf0a7]", text), (o.question, text)
        assert not re.search(r"(?im)^(#+\s*)?(\*\*)?answer\s*:", o.answer_md), o.question
        assert not re.search(r"(?m)^[-*] +\d+\. ", o.answer_md)
        assert "\t" not in o.answer_md
        assert "\n\n\n" not in o.answer_md
        assert not re.search(r"(?m)^#{1,3} ", o.answer_md)  # inner headings are ####
        assert o.figures == []


def test_glyph_bullets_and_bulleted_numbers_repaired(occ):
    contextual = by_start(occ, "Explain the concept of contextual")
    assert contextual.answer_md.startswith("- **Definition:** Embeddings that adapt")
    assert "#### Example:\n\nIn BERT," in contextual.answer_md
    overfit = by_start(occ, "Preventing Overfitting")
    assert "- Randomly deactivate neurons during training." in overfit.answer_md
    assert "\nLarge Language Models (LLMs) like GPT" in overfit.answer_md
    hall = by_start(occ, "Mitigating Hallucinations")
    assert "\n1. Fine-Tune: Use factual datasets for retraining.\n2. **Penalize" in hall.answer_md


def test_tab_table_becomes_gfm_table(occ):
    answer = by_start(occ, "Compare and contrast").answer_md
    assert ("#### Comparison:\n\n| Feature | Word Embeddings | Sentence Embeddings |\n| --- | --- | --- |\n"
            "| Granularity | Individual words | Entire sentences |") in answer
    html = MarkdownIt("commonmark").enable("table").render(answer)
    assert "<th>Word Embeddings</th>" in html and "<td>Entire sentences</td>" in html


def test_markdown_kept(occ):
    rare = by_start(occ, "How can models capture rare")
    assert "- Solutions:\n  - Subword Models:" in rare.answer_md
    metrics = by_start(occ, "Metrics for Evaluating")
    assert "**quantitative** and **qualitative**" in metrics.answer_md
