"""Text classifiers of reasoning styles, behind one interface with a registry.

    from stratlens.profiler.text import make_classifier
    clf = make_classifier("offline")            # or "keywords", "judge:openai/gpt-4o"
    [lab] = clf.classify(["Row 1 never pays less than 5, so row 1."])
    lab.label, lab.scores, lab.evidence

Built in: ``offline`` (corpus-trained, no network), ``keywords`` (the keyword-counting
baseline) and ``judge:<litellm model>`` (a rubric prompt). A new classifier is one module with
a factory decorated by `classifier`.
"""

from stratlens.profiler.text._base import (
    LABELS,
    TextClassifier,
    TextLabel,
    available_classifiers,
    classifier,
    make_classifier,
)
from stratlens.profiler.text.corpus import CorpusEntry, corpus_hash, load_corpus
from stratlens.profiler.text.evaluate import Evaluation, cross_validate

__all__ = [
    "LABELS",
    "CorpusEntry",
    "Evaluation",
    "TextClassifier",
    "TextLabel",
    "available_classifiers",
    "classifier",
    "corpus_hash",
    "cross_validate",
    "load_corpus",
    "make_classifier",
]
