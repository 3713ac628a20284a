"""Behavioural questions: "Describe your experience with …", "Describe a project where you …".

A learner cannot recall someone else's career: the printed answer to such a question is one
candidate's story, not a fact. The card keeps the question (interviews ask it) but says what it is:
its key points are "what a strong answer covers" and the source's answer is shown as one example,
never as the explanation to learn. Questions that also ask something technical ("How have you used
X, and what advantages does it offer?") are ordinary questions and do not match.
"""
from __future__ import annotations

import re

# the whole question is about the candidate's own past work
PATTERN = re.compile(r"\b(?:your (?:own )?experience|a project (?:where|in which) you)\b", re.I)

POINTS_LABEL = "What a strong answer covers"
EXAMPLE_LABEL = "One candidate\u2019s answer (an example to adapt, not a fact to recall)"


def is_behavioural(question: str) -> bool:
    return bool(PATTERN.search(question))
