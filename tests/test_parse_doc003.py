"""Tests for builder.parsers.doc003 (document 003, PDF dump with overlapping chunks)."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from builder.parsers import doc003
from builder.parsers.base import fix_ligatures

ROOT = Path(__file__).resolve().parents[1]
DOC = "003_ce093a7371731c0f.txt"
RAW = (ROOT / "decks" / "sources" / DOC).read_text(encoding="utf-8")
HINTS = yaml.safe_load((ROOT / "decks" / "parse_hints" / "003.yaml").read_text(encoding="utf-8"))

CHAPTER_COUNTS = {
    "Artificial Neural Network(ANN)": 14,
    "Classical Natural Language Processing": 12,
    "Transformer and Its Extended Architecture": 32,
    "Fundamental of LLMs": 22,
    "Word and Sentence Embeddings": 21,
    "Retrieval-Augmented Generation": 33,
    "Fine Tuning": 25,
    "Vector Database": 10,
    "LLMOPs & system design": 11,
    "Evaluation Methods": 26,
    "Miscellaneous Questions": 11,
}
LOREM = ["lorem", "ipsum", "dolor sit", "consectetuer", "adipiscing", "feugiat", "accumsan",
         "vero eros", "nulla facilisis", "illum dolore", "consequat"]


@pytest.fixture(scope="module")
def occ():
    return doc003.parse(RAW, DOC, HINTS)


def find(occ, section_start: str, number: str, question_start: str = ""):
    hits = [o for o in occ if o.section.startswith(section_start) and o.number == number
            and o.question.startswith(question_start)]
    assert len(hits) == 1, (section_start, number, question_start, len(hits))
    return hits[0]


def plain(md: str) -> str:
    """Answer Markdown reduced to its words (markers, emphasis, escapes removed)."""
    lines = []
    for line in md.split("\n"):
        if line.strip().startswith("```") or re.fullmatch(r"\|(---\|)+", line.strip()):
            continue
        line = re.sub(r"^\s*- ", "", line)
        line = re.sub(r"^\s*(\d+)[.)] ", r"\1. ", line)
        lines.append(line.replace("|", " "))
    text = re.sub(r"(?<!\\)\*", "", " ".join(lines))  # bold and italic markers
    text = re.sub(r"\\([*`<$_\\])", r"\1", text).replace("$", "")
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------
# Counts, sections, numbering, lines.
# --------------------------------------------------------------------------
def test_count(occ):
    assert len(occ) == 217
    assert all(o.document == DOC for o in occ)


def test_per_chapter_counts(occ):
    assert Counter(o.section for o in occ) == CHAPTER_COUNTS
    # chapters appear in document order, numbering restarts at Q1 in each
    sections = list(dict.fromkeys(o.section for o in occ))
    assert sections == list(CHAPTER_COUNTS)
    for section in sections:
        numbers = [o.number for o in occ if o.section == section]
        assert numbers[0] == "Q1"


def test_numbering_as_printed(occ):
    numbers = [o.number for o in occ if o.section == "Fine Tuning"]
    # the chapter prints Q11 twice
    assert numbers[9:13] == ["Q10", "Q11", "Q11", "Q12"]
    assert [o.number for o in occ[:14]] == [f"Q{i}" for i in range(1, 15)]
    assert all(re.fullmatch(r"Q\d+", o.number) for o in occ)


def test_lines_point_at_the_marker(occ):
    lines = RAW.split("\n")
    for o in occ:
        assert o.number + "." in lines[o.line - 1].replace(" ", ""), o
    assert find(occ, "Artificial", "Q1").line == 24
    assert "Q14.How" in lines[find(occ, "Artificial", "Q14").line - 1]
    assert [o.line for o in occ] == sorted(o.line for o in occ)


# --------------------------------------------------------------------------
# Question / answer boundaries.
# --------------------------------------------------------------------------
SAMPLES = [
    # section, number, question, answer starts with, answer ends with
    ("Artificial", "Q1", "What is an Artificial Neural Network, and how does it work?",
     "An Artificial Neural Network is a computing system", "repeats until performance is satisfactory"),
    ("Artificial", "Q14", "How does a recurrent neural network (RNN) work, and what are its limitations?",
     "A Recurrent Neural Network (RNN) is a type", "mechanisms to better manage memory and gradients."),
    ("Classical", "Q1", "What is tokenization? Give me a difference between lemmatization and stemming?",
     "Tokenization is the process of breaking", "due to the need for a vocabulary lookup."),
    ("Classical", "Q2", "Explain the concept of Bag of Words (BoW) and its limitations.",
     "The Bag of Words (BoW) model is a common technique", "TFIDF, and deep learning methods."),
    ("Transformer", "Q11", "What pre-training mechanisms are used for LLMs, explain a few",
     "Large Language Models (LLMs) rely on pretraining mechanisms", "must reconstruct it correctly."),
    ("Transformer", "Q14", "What is catastrophic forgetting in the context of LLMs",
     "Catastrophic forgetting is a phenomenon", "disrupt its general language understanding."),
    ("Transformer", "Q7", "Why is incorporating relative positional information crucial in transformer "
     "models? Discuss scenarios where relative position encoding is particularly beneficial.",
     "Incorporating relative positional information is crucial", "across irregular time intervals."),
    ("Word", "Q9", "When dealing with high-cardinality categorical features in tabular data, how would "
     "you efficiently implement and train embeddings using a neural network to capture meaningful "
     "representations", "For efficiently handling high-cardinality categorical features",
     "reducing memory while capturing structure."),
    ("Word", "Q11", "Propose metrics for quantitatively evaluating the quality of embeddings generated "
     "by an LLM. How can the effectiveness of embeddings be assessed in tasks like semantic similarity "
     "or information retrieval?", "To evaluate the quality of embeddings generated",
     "align with semantic understanding."),
    ("Word", "Q21", "How do models like Stability Diffusion leverage LLMs to understand complex text "
     "prompts and generate high-quality images?(internal mechanism of stable diffusion model)",
     "Stability AI's models, such as Stable Diffusion", "prompt's complexity and stylistic intent."),
    ("Fine", "Q5", "Write about the instruction finetune and explain how does it work",
     "Instruction fine-tuning is a technique", "generalizes well across various instructions."),
    ("Fine", "Q7", "Write the different RLHF techniques",
     "**RLHF Techniques**", "unsupervised pre-training for efficiency."),
    ("Fine", "Q1", "What is Fine-tuning? Describe the Fine-tuning process.",
     "Fine-tuning is a process in machine learning", "in the specific application or task."),
    ("LLMOPs", "Q6", "System design an LLM for code generation tasks. Discuss potential challenges.",
     "**LLM for Code Generation System Design**", "User feedback to improve rare scenarios."),
    ("Miscellaneous", "Q2", "Can you describe a challenging project involving generative models that "
     "you've tackled", "I recently worked on a challenging project",
     "for real-time conversational assistance."),
    ("Miscellaneous", "Q11", "What are the implications of the rapid advancement of LLMs on industries "
     "such as healthcare, education, and content creation?", "- **Healthcare:** LLMs enable",
     "ethical boundaries in intellectual property."),
]


@pytest.mark.parametrize("section,number,question,start,end", SAMPLES)
def test_question_answer_split(occ, section, number, question, start, end):
    o = find(occ, section, number)
    assert o.question == question
    assert o.answer_md.startswith(start)
    assert o.answer_md.endswith(end)
    i = occ.index(o)
    if i + 1 < len(occ):
        nxt = occ[i + 1].question
        assert nxt[:40] not in o.answer_md
        assert "Q" + occ[i + 1].number[1:] + "." not in o.answer_md


def test_no_answer_contains_the_next_question(occ):
    for o, nxt in zip(occ, occ[1:]):
        assert nxt.question[:40] not in o.answer_md, (o.section, o.number)
        assert o.question not in o.answer_md


def test_duplicate_number_keeps_both_answers(occ):
    first = find(occ, "Fine", "Q11", "How do you train LLM")
    second = find(occ, "Fine", "Q11", "How does LoRA work?")
    assert first.question == ("How do you train LLM models with billions of parameters?"
                              "(training pipeline of llm)")
    assert first.answer_md.startswith("**Techniques for Fine-tuning Billion-Parameter LLMs**")
    assert first.answer_md.endswith("Train on multiple tasks for better generalization.")
    assert second.answer_md.startswith("Here’s, how LoRA works")


def test_chapter_titles_are_not_in_answers(occ):
    titles = list(CHAPTER_COUNTS)
    for o in occ:
        for title in titles:
            assert not o.answer_md.rstrip().endswith(title)
    # the answer just before the "Classical NLP" title page ends with its own text
    assert find(occ, "Artificial", "Q14").answer_md.endswith("manage memory and gradients.")
    assert find(occ, "Evaluation", "Q26").answer_md.endswith("semantic and syntactic coherence.")


# --------------------------------------------------------------------------
# Debris.
# --------------------------------------------------------------------------
def test_no_page_headers(occ):
    for o in occ:
        for text in (o.question, o.answer_md, o.section):
            assert "ARBAAZ" not in text.upper()
            assert not re.search(r"Interview\s+Questions\s*\d", text)


def test_no_filler(occ):
    for o in occ:
        for text in (o.question.lower(), o.answer_md.lower()):
            for word in LOREM:
                assert not re.search(rf"\b{word}\b", text), (o.number, word)
    # the filler was glued to the last sentence of ANN Q2, which is kept whole
    assert find(occ, "Artificial", "Q2").answer_md.endswith(
        "to perform a wide range of tasks across different domains.")


def test_no_odd_characters(occ):
    for o in occ:
        for text in (o.question, o.answer_md, o.section):
            assert not re.search("[\ufb00-\ufb06\u00ad\u200b\ue000-\uf8ff\x00-\x08\x0b-\x1f]", text), o.number
            assert not re.search("[❖➢➔○●■◆★•]", text), o.number


def test_no_empty_or_marked_answers(occ):
    for o in occ:
        assert o.question.strip() and o.answer_md.strip()
        assert not re.match(r"Q\d+", o.question)
        assert not plain(o.answer_md).startswith(o.question)
        assert not re.match(r"(?i)\W*(answer|ans)\b", o.answer_md)
        assert "Formula:" not in o.answer_md
        assert o.question == " ".join(o.question.split())
        assert "*" not in o.question and "`" not in o.question


def test_formula_images_recorded_as_figures(occ):
    q2 = find(occ, "Artificial", "Q2")
    assert [f.caption for f in q2.figures] == [
        "Formula: Sigmoid (Logistic) Function", "Formula: Hyperbolic Tangent (tanh)",
        "Formula: ReLU (Rectified Linear Unit)", "Formula: Leaky ReLU", "Formula: Softmax"]
    assert q2.figures[0].ref == "003_ch1_q2_fig1"
    assert [f.caption for f in find(occ, "Evaluation", "Q11").figures] == ["Formula: ROUGE-N"]
    assert sum(len(o.figures) for o in occ) == 7
    refs = [f.ref for o in occ for f in o.figures]
    assert len(refs) == len(set(refs))


# --------------------------------------------------------------------------
# No text lost or duplicated.
# --------------------------------------------------------------------------
def _independent_dechunk(raw: str) -> str:
    """The brief's method: collapse each chunk, drop the longest repeated prefix (k <= 400)."""
    out = ""
    for chunk in re.split(r"\n---\n", raw):
        chunk = re.sub(r"\s+", " ", chunk).strip()
        k = next((k for k in range(min(400, len(chunk), len(out)), 0, -1) if out.endswith(chunk[:k])), 0)
        out = (out + " " + chunk[k:]) if k == 0 else out + chunk[k:]
    return out


def _words(text: str) -> list[str]:
    text = re.sub(r" ([,.;:])(?=\s|$)", r"\1", re.sub(r"\s+", " ", text))
    return text.split()


def test_every_printed_word_kept_exactly_once(occ):
    source = fix_ligatures(_independent_dechunk(RAW))
    source = re.sub(r"MD ARBAAZ KHAN Generative AI Interview Questions \d+", " ", source)
    source = re.sub(r"\s+", " ", source)
    source = source[source.index("Q1. What is an Artificial"):]  # cover and first title page
    for title in CHAPTER_COUNTS:
        if title != "Artificial Neural Network(ANN)":
            source = source.replace(" " + fix_ligatures(title) + " ", " ", 1)
    filler = "consequat, vel illum dolore eu feugiat nulla facilisis at vero eros et accumsan."
    assert source.count(filler) == 1
    source = source.replace(filler, " ")
    source = re.sub(r"Formula:( \.(?= ))?", " ", source)  # labels of lost formula images
    source = re.sub(r"(?<!\S)Q\d+\.", " ", source)
    source = re.sub(r"[❖➢➔○●■◆★]", " ", source)
    source = source.replace("\\(", " ").replace("\\)", " ")
    for split in ("i mproving", "m etrics", "d efine"):  # words the dump split
        source = source.replace(split, split.replace(" ", ""), 1)
    produced = [w for o in occ for w in _words(o.question + " " + plain(o.answer_md))]
    expected = _words(source)
    assert Counter(produced) == Counter(expected)
    assert len(produced) > 40000


def test_no_overlap_duplication_at_chunk_edges(occ):
    """The 5 words before each `---` are not repeated right after themselves in the output."""
    stream = " ".join(w for o in occ for w in _words(o.question + " " + plain(o.answer_md)))
    words = stream.split()
    index: dict[tuple, list[int]] = {}
    for i in range(len(words) - 4):
        index.setdefault(tuple(words[i:i + 5]), []).append(i)
    chunks = re.split(r"\n---\n", fix_ligatures(RAW))
    checked = 0
    for chunk in chunks[:-1]:
        tail = _words(chunk)[-6:-1]  # complete words before the (maybe cut) last one
        if len(tail) < 5 or any(w in ("MD", "ARBAAZ", "KHAN", "Generative", "Interview", "Questions")
                                or re.fullmatch(r"Q\d+\.|\d+|[❖➢➔○●■◆★]|Formula:", w) for w in tail):
            continue
        hits = index.get(tuple(tail), [])
        if not hits:
            continue  # words changed by joining (e.g. "tasks ," -> "tasks,")
        checked += 1
        for a, b in zip(hits, hits[1:]):
            # a repeated chunk overlap shows as a span immediately followed by itself
            assert words[a:b] != words[b:2 * b - a], (tail, words[a:b])
    assert checked > 600


# --------------------------------------------------------------------------
# Markdown structure.
# --------------------------------------------------------------------------
def test_lists_and_nesting(occ):
    md = find(occ, "Artificial", "Q1").answer_md
    assert "\n- **Structure**\n  - **Input Layer:** Receives initial data" in md
    md = find(occ, "Transformer", "Q6").answer_md  # glyph reused for a third level (● ■ ●)
    assert ("    - **Pretraining:** During this phase" in md
            and "      - **Masked Language Model (MLM):** Randomly masks" in md)
    md = find(occ, "Artificial", "Q2").answer_md
    assert "\n1. **Step Function** A simple binary threshold" in md
    assert "\n2. **Sigmoid (Logistic) Function**\n   - **Range:** 0 to 1\n" in md


def test_restarted_numbered_list_is_a_new_list(occ):
    md = find(occ, "Classical", "Q12").answer_md
    assert "\n2. **Neural Language Models:**" in md
    assert "**Evaluation of Language Models**" in md
    assert "\n1. **Perplexity:**" in md or "\n1) **Perplexity:**" in md


def test_headings_tables_and_code(occ):
    md = find(occ, "Artificial", "Q3").answer_md
    assert "\n\n**How Backpropagation Works**\n\nThe backpropagation algorithm involves" in md
    md = find(occ, "Miscellaneous", "Q5").answer_md
    assert md.startswith("| Aspect | Generative Adversarial Networks (GANs) | Variational Autoencoders (VAEs) |\n|---|---|---|\n")
    assert ("| Output Quality | Generate highly realistic samples with sharp details, making them ideal for "
            "tasks like image synthesis. However, they may suffer from mode collapse (limited diversity "
            "in outputs). | Produce more diverse outputs but often with less sharpness") in md
    md = find(occ, "Miscellaneous", "Q9").answer_md
    assert ("2. Load the model and tokenizer suited to your task:\n   ```python\n"
            "   from transformers import AutoTokenizer, AutoModelForSequenceClassification\n") in md
    assert "       output_dir=\"./results\",\n" in md
    assert "\n6. Evaluate on a test set and save the fine-tuned model:\n" in md


def test_math_and_escapes(occ):
    md = find(occ, "Artificial", "Q2").answer_md
    assert "Allows a small gradient when $x < 0$, reducing" in md
    md = find(occ, "Classical", "Q10").answer_md
    assert "such as `<UNK>`, is designated" in md
    md = find(occ, "Miscellaneous", "Q7").answer_md
    assert 'pipeline(task="<task_name>", model="<model_name>")' in md


def test_conclusions_are_paragraphs(occ):
    md = find(occ, "Classical", "Q8").answer_md
    assert "\n\nIn summary, transformers have revolutionized NLP" in md
