"""Cross-validated agreement of a text classifier with the corpus labels.

`cross_validate` splits the corpus into stratified folds (shuffled with ``seed``). A classifier
that learns from data (one with a ``fitted(texts, labels, seed)`` method, like the offline
classifier) is trained afresh on each fold's training part, features included, and labels the
held-out part only; a classifier that does not learn (keywords, a judge) labels every trace
once. The out-of-fold labels of all traces are then compared with the corpus labels: macro-F1,
per-class precision, recall and F1, Cohen's kappa, the confusion matrix, the accuracy on the
corpus's tagged subsets (traces without their style's usual words, traces in another style's
vocabulary), and, from the scores, the log loss, the Brier score and the expected calibration
error. A trace the classifier gave no label counts as wrong (column ``none``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from stratlens.errors import UsageError
from stratlens.profiler.text._base import LABELS, TextClassifier, TextLabel, make_classifier
from stratlens.profiler.text.corpus import CorpusEntry, load_corpus

NONE = "none"
REPORTED_TAGS = ("no_keywords", "cross_vocabulary", "terse", "structured", "long_chain")
ECE_BINS = 10


@dataclass
class Evaluation:
    classifier: str
    key: str
    folds: int
    seed: int
    n: int
    macro_f1: float
    accuracy: float
    kappa: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]  # rows: true LABELS; columns: predicted LABELS, then NONE
    fold_macro_f1: list[float]
    by_tag: dict[str, dict[str, float]]
    log_loss: float
    brier: float
    ece: float
    failures: int
    labels: list[str] = field(default_factory=lambda: list(LABELS))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _folds(y: Sequence[str], folds: int, seed: int) -> list[np.ndarray]:
    from sklearn.model_selection import StratifiedKFold

    counts = {k: list(y).count(k) for k in set(y)}
    if folds < 2 or folds > min(counts.values()):
        raise UsageError(f"--folds must be between 2 and {min(counts.values())}, got {folds}")
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [test for _, test in split.split(np.zeros(len(y)), list(y))]


def out_of_fold(
    clf: TextClassifier, entries: Sequence[CorpusEntry], folds: int, seed: int
) -> tuple[list[TextLabel], list[np.ndarray]]:
    """Each trace's label from a classifier that never saw it (see the module docstring)."""
    texts = [e.text for e in entries]
    y = [e.label for e in entries]
    parts = _folds(y, folds, seed)
    fitted = getattr(clf, "fitted", None)
    if fitted is None:
        return clf.classify(texts), parts
    out: list[TextLabel | None] = [None] * len(entries)
    for test in parts:
        train = np.setdiff1d(np.arange(len(entries)), test)
        fold_clf = fitted([texts[i] for i in train], [y[i] for i in train], seed)
        for i, lab in zip(test, fold_clf.classify([texts[i] for i in test]), strict=True):
            out[int(i)] = lab
    return [lab for lab in out if lab is not None], parts


def _ece(probs: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> float:
    conf = probs.max(axis=1)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            total += mask.mean() * abs(float(correct[mask].mean()) - float(conf[mask].mean()))
    return total


def score(
    truth: Sequence[str],
    answers: Sequence[TextLabel],
    parts: Sequence[np.ndarray],
    tags: Sequence[Sequence[str]],
) -> dict[str, Any]:
    """The agreement figures of ``answers`` with ``truth`` (see the module docstring)."""
    from sklearn.metrics import cohen_kappa_score, confusion_matrix, f1_score
    from sklearn.metrics import precision_recall_fscore_support as prfs

    y = np.asarray(truth, dtype=object)
    pred = np.asarray([a.label if a.label is not None else NONE for a in answers], dtype=object)
    probs = np.asarray([[float(a.scores.get(k, 0.0)) for k in LABELS] for a in answers])
    probs = np.clip(probs, 1e-12, None)
    probs /= probs.sum(axis=1, keepdims=True)
    p, r, f, s = prfs(y, pred, labels=list(LABELS), zero_division=0)
    true_idx = np.asarray([LABELS.index(t) for t in y])
    onehot = np.eye(len(LABELS))[true_idx]
    by_tag = {}
    for tag in REPORTED_TAGS:
        mask = np.asarray([tag in t for t in tags])
        if mask.any():
            by_tag[tag] = {"n": int(mask.sum()), "accuracy": float((pred[mask] == y[mask]).mean())}
    return {
        "macro_f1": float(f1_score(y, pred, labels=list(LABELS), average="macro", zero_division=0)),
        "accuracy": float((pred == y).mean()),
        "kappa": float(cohen_kappa_score(y, pred)),
        "per_class": {
            k: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "n": int(s[i])}
            for i, k in enumerate(LABELS)
        },
        "confusion": confusion_matrix(y, pred, labels=[*LABELS, NONE])[: len(LABELS)].tolist(),
        "fold_macro_f1": [
            float(f1_score(y[t], pred[t], labels=list(LABELS), average="macro", zero_division=0))
            for t in parts
        ],
        "by_tag": by_tag,
        "log_loss": float(-np.mean(np.log(probs[np.arange(len(y)), true_idx]))),
        "brier": float(np.mean(np.sum((probs - onehot) ** 2, axis=1))),
        "ece": _ece(probs, pred == y),
        "failures": int((pred == NONE).sum()),
    }


def cross_validate(
    spec: str | TextClassifier = "offline",
    *,
    folds: int = 5,
    seed: int = 0,
    options: dict[str, str] | None = None,
    entries: Sequence[CorpusEntry] | None = None,
) -> Evaluation:
    """Cross-validated agreement of the classifier ``spec`` with the corpus labels."""
    clf = make_classifier(spec, **(options or {})) if isinstance(spec, str) else spec
    data = list(entries if entries is not None else load_corpus())
    answers, parts = out_of_fold(clf, data, folds, seed)
    figures = score([e.label for e in data], answers, parts, [e.tags for e in data])
    for k in ("log_loss", "brier", "ece"):
        if not math.isfinite(figures[k]):
            figures[k] = float("nan")
    return Evaluation(
        classifier=clf.name, key=clf.key, folds=folds, seed=seed, n=len(data), **figures
    )
