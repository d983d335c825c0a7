"""Agreement of a text classifier with labelled traces: cross-validated on the corpus, or on
any labelled file.

`cross_validate` splits the corpus into folds. By default the folds are **grouped by writer
family** (`CorpusEntry.group`: who or what wrote the trace, and in which register), so that no
family is in both the training and the test part: a classifier that learnt one writer's habits
gets no credit for them. ``grouped=False`` gives stratified folds instead (shuffled with
``seed``). A classifier that learns from data (one with a ``fitted(texts, labels, seed)``
method, like the offline classifier) is trained afresh on each fold's training part, features
included, and labels the held-out part only; a classifier that does not learn (keywords, a
judge) labels every trace once.

`evaluate_file` labels a JSON-lines file of labelled traces (``id``, ``text``, ``label``, and
optionally a group field such as ``source_repo``) with the classifier as it is (the offline
one trained on the whole corpus) and scores it the same way, with the figures per group.

The figures (`score`): macro-F1, per-class precision, recall and F1, Cohen's kappa, the
confusion matrix, the accuracy on the corpus's tagged subsets, and, from the scores, the log
loss, the Brier score, the expected calibration error and a reliability table (confidence bins:
how many traces, their mean confidence, their accuracy). A trace the classifier declined to
label (``uncertain``, ``unsupported_language``) or failed on counts as wrong in every figure
(confusion column ``none``); ``abstained`` counts them by reason, and ``labelled_macro_f1`` is
the macro-F1 over the traces it did label. ``by_language`` gives, per language (the corpus's
field, or the detected one for a file), the accuracy, the abstentions and the confident wrong
answers (a wrong label with probability `CONFIDENT` or more). Per group and per fold, macro-F1
is taken over the labels that occur there (a group of cooperative traces has no minimax F1 to
average in).

``macro_f1_interval`` is a 95% percentile bootstrap interval of the macro-F1 (`BOOTSTRAP`
resamples of the traces, seeded): the sampling error of a figure on a few hundred traces is
large, and a difference between two classifiers inside it says little. Traces are resampled one
by one, so traces of one source that err together make the interval, if anything, too narrow.
"""

from __future__ import annotations

import inspect
import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from stratlens.errors import UsageError
from stratlens.profiler.text._base import LABELS, TextClassifier, TextLabel, make_classifier
from stratlens.profiler.text._language import detect
from stratlens.profiler.text.corpus import CorpusEntry, load_corpus

NONE = "none"
REPORTED_TAGS = ("no_keywords", "cross_vocabulary", "terse", "structured", "long_chain")
ECE_BINS = 10
#: A wrong label given with at least this probability is a confident wrong answer.
CONFIDENT = 0.5
#: Bootstrap resamples behind ``macro_f1_interval``.
BOOTSTRAP = 2000


@dataclass
class Evaluation:
    classifier: str
    key: str
    data: str  # "corpus" or the evaluated file's path
    folds: int  # 0 for a file: no folds, the classifier as it is
    grouped: bool
    seed: int
    n: int
    macro_f1: float
    accuracy: float
    kappa: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]  # rows: true LABELS; columns: predicted LABELS, then NONE
    fold_macro_f1: list[float]
    by_tag: dict[str, dict[str, float]]
    by_group: dict[str, dict[str, float]]
    by_language: dict[str, dict[str, float]]
    log_loss: float
    brier: float
    ece: float
    reliability: list[dict[str, float]]
    failures: int
    abstained: dict[str, int]
    labelled_macro_f1: float
    macro_f1_interval: tuple[float, float] = (float("nan"), float("nan"))
    group_field: str | None = None
    labels: list[str] = field(default_factory=lambda: list(LABELS))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _folds(
    y: Sequence[str], groups: Sequence[str] | None, folds: int, seed: int
) -> list[np.ndarray]:
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    if groups is not None:
        n_groups = len(set(groups))
        if folds < 2 or folds > n_groups:
            raise UsageError(f"--folds must be between 2 and {n_groups}, got {folds}")
        split = GroupKFold(n_splits=folds)
        return [test for _, test in split.split(np.zeros(len(y)), list(y), list(groups))]
    counts = Counter(y)
    if folds < 2 or folds > min(counts.values()):
        raise UsageError(f"--folds must be between 2 and {min(counts.values())}, got {folds}")
    strat = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [test for _, test in strat.split(np.zeros(len(y)), list(y))]


def out_of_fold(
    clf: TextClassifier,
    entries: Sequence[CorpusEntry],
    folds: int,
    seed: int,
    *,
    grouped: bool = False,
) -> tuple[list[TextLabel], list[np.ndarray]]:
    """Each trace's label from a classifier that never saw it (see the module docstring)."""
    texts = [e.text for e in entries]
    y = [e.label for e in entries]
    groups = [e.group for e in entries]
    parts = _folds(y, groups if grouped else None, folds, seed)
    fitted = getattr(clf, "fitted", None)
    if fitted is None:
        return clf.classify(texts), parts
    # A classifier that calibrates itself on inner folds may take the writer families too.
    takes_groups = "groups" in inspect.signature(fitted).parameters
    out: list[TextLabel | None] = [None] * len(entries)
    for test in parts:
        train = np.setdiff1d(np.arange(len(entries)), test)
        args = ([texts[i] for i in train], [y[i] for i in train], seed)
        fold_clf = (
            fitted(*args, groups=[groups[i] for i in train]) if takes_groups else fitted(*args)
        )
        for i, lab in zip(test, fold_clf.classify([texts[i] for i in test]), strict=True):
            out[int(i)] = lab
    return [lab for lab in out if lab is not None], parts


def reliability(
    probs: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS
) -> list[dict[str, float]]:
    """Confidence bins (the top score): traces, mean confidence and accuracy in each."""
    conf = probs.max(axis=1)
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows = []
    for lo, hi in itertools.pairwise(edges):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            rows.append(
                {
                    "low": float(lo),
                    "high": float(hi),
                    "n": int(mask.sum()),
                    "confidence": float(conf[mask].mean()),
                    "accuracy": float(correct[mask].mean()),
                }
            )
    return rows


def _ece(table: Sequence[dict[str, float]], n: int) -> float:
    return sum(r["n"] / n * abs(r["accuracy"] - r["confidence"]) for r in table) if n else 0.0


def _macro_f1(y: np.ndarray, pred: np.ndarray, *, present: bool = False) -> float:
    """Macro-F1 over `LABELS`, or with ``present`` over the labels that occur in ``y`` or
    ``pred`` (for a group of traces that holds only some of the labels)."""
    from sklearn.metrics import f1_score

    if not len(y):
        return float("nan")
    labels = [k for k in LABELS if not present or k in set(y) | set(pred)]
    return float(f1_score(y, pred, labels=labels, average="macro", zero_division=0))


def macro_f1_interval(
    y: Sequence[str], pred: Sequence[str], *, draws: int = BOOTSTRAP, seed: int = 0
) -> tuple[float, float]:
    """95% percentile bootstrap interval of the macro-F1 over `LABELS` (traces resampled)."""
    n, k = len(y), len(LABELS)
    if not n:
        return float("nan"), float("nan")
    codes = {lab: i for i, lab in enumerate(LABELS)}
    t = np.asarray([codes[v] for v in y], dtype=np.int8)
    p = np.asarray([codes.get(v, k) for v in pred], dtype=np.int8)  # k: declined (counts as wrong)
    idx = np.random.default_rng(seed).integers(0, n, size=(draws, n))
    tb, pb = t[idx], p[idx]
    f1 = np.zeros((draws, k))
    for c in range(k):
        tp = ((tb == c) & (pb == c)).sum(axis=1)
        fp = ((tb != c) & (pb == c)).sum(axis=1)
        fn = ((tb == c) & (pb != c)).sum(axis=1)
        denom = 2 * tp + fp + fn
        f1[:, c] = np.divide(2 * tp, denom, out=np.zeros(draws), where=denom > 0)
    low, high = np.percentile(f1.mean(axis=1), [2.5, 97.5])
    return float(low), float(high)


def score(
    truth: Sequence[str],
    answers: Sequence[TextLabel],
    parts: Sequence[np.ndarray],
    tags: Sequence[Sequence[str]],
    groups: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The agreement figures of ``answers`` with ``truth`` (see the module docstring)."""
    from sklearn.metrics import cohen_kappa_score, confusion_matrix
    from sklearn.metrics import precision_recall_fscore_support as prfs

    y = np.asarray(truth, dtype=object)
    pred = np.asarray([a.label if a.label is not None else NONE for a in answers], dtype=object)
    probs = np.asarray([[float(a.scores.get(k, 0.0)) for k in LABELS] for a in answers])
    probs = np.clip(probs, 1e-12, None)
    probs /= probs.sum(axis=1, keepdims=True)
    p, r, f, s = prfs(y, pred, labels=list(LABELS), zero_division=0)
    true_idx = np.asarray([LABELS.index(t) for t in y])
    onehot = np.eye(len(LABELS))[true_idx]
    correct = pred == y
    by_tag = {}
    for tag in REPORTED_TAGS:
        mask = np.asarray([tag in t for t in tags])
        if mask.any():
            by_tag[tag] = {"n": int(mask.sum()), "accuracy": float(correct[mask].mean())}
    by_group: dict[str, dict[str, float]] = {}
    if groups is not None:
        g = np.asarray(groups, dtype=object)
        for name in sorted(set(groups)):
            mask = g == name
            by_group[name] = {
                "n": int(mask.sum()),
                "accuracy": float(correct[mask].mean()),
                "macro_f1": _macro_f1(y[mask], pred[mask], present=True),
                "abstained": int(
                    sum(1 for a, m in zip(answers, mask, strict=True) if m and a.abstain)
                ),
            }
    by_language: dict[str, dict[str, float]] = {}
    if languages is not None:
        lang = np.asarray(languages, dtype=object)
        confident_wrong = (~correct) & (pred != NONE) & (probs.max(axis=1) >= CONFIDENT)
        for name in sorted(set(languages)):
            mask = lang == name
            by_language[name] = {
                "n": int(mask.sum()),
                "accuracy": float(correct[mask].mean()),
                "abstained": int((pred[mask] == NONE).sum()),
                "confident_wrong": int(confident_wrong[mask].sum()),
            }
    table = reliability(probs, correct)
    labelled = pred != NONE
    return {
        "macro_f1": _macro_f1(y, pred),
        "accuracy": float(correct.mean()),
        "kappa": float(cohen_kappa_score(y, pred)),
        "per_class": {
            k: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "n": int(s[i])}
            for i, k in enumerate(LABELS)
        },
        "confusion": confusion_matrix(y, pred, labels=[*LABELS, NONE])[: len(LABELS)].tolist(),
        "fold_macro_f1": [_macro_f1(y[t], pred[t], present=True) for t in parts],
        "by_tag": by_tag,
        "by_group": by_group,
        "by_language": by_language,
        "log_loss": float(-np.mean(np.log(probs[np.arange(len(y)), true_idx]))),
        "brier": float(np.mean(np.sum((probs - onehot) ** 2, axis=1))),
        "ece": _ece(table, len(y)),
        "reliability": table,
        "failures": int(sum(1 for a in answers if a.label is None and a.abstain is None)),
        "abstained": dict(sorted(Counter(a.abstain for a in answers if a.abstain).items())),
        "labelled_macro_f1": _macro_f1(y[labelled], pred[labelled]),
        "macro_f1_interval": macro_f1_interval(list(y), list(pred)),
    }


def _finite(figures: dict[str, Any]) -> dict[str, Any]:
    for k in ("log_loss", "brier", "ece"):
        if not math.isfinite(figures[k]):
            figures[k] = float("nan")
    return figures


def _build(spec: str | TextClassifier, options: dict[str, str] | None) -> TextClassifier:
    return make_classifier(spec, **(options or {})) if isinstance(spec, str) else spec


def cross_validate(
    spec: str | TextClassifier = "offline",
    *,
    folds: int = 5,
    seed: int = 0,
    grouped: bool = True,
    options: dict[str, str] | None = None,
    entries: Sequence[CorpusEntry] | None = None,
) -> Evaluation:
    """Cross-validated agreement of the classifier ``spec`` with the corpus labels."""
    clf = _build(spec, options)
    data = list(entries if entries is not None else load_corpus())
    answers, parts = out_of_fold(clf, data, folds, seed, grouped=grouped)
    figures = score(
        [e.label for e in data],
        answers,
        parts,
        [e.tags for e in data],
        [e.group for e in data],
        [e.language for e in data],
    )
    return Evaluation(
        classifier=clf.name,
        key=clf.key,
        data="corpus",
        folds=folds,
        grouped=grouped,
        seed=seed,
        n=len(data),
        group_field="group",
        **_finite(figures),
    )


def read_labelled(path: str, group_field: str | None) -> list[dict[str, Any]]:
    """The records of a labelled JSON-lines file; a `UsageError` naming the first bad line."""
    from stratlens.profiler.text.files import read_traces

    records = read_traces(path)
    for n, rec in enumerate(records, start=1):
        if rec.get("label") not in LABELS:
            raise UsageError(
                f"{path}: trace {rec['id']!r} (record {n}) needs a 'label', one of "
                f"{', '.join(LABELS)}; got {rec.get('label')!r}"
            )
        if group_field is not None and group_field not in rec:
            raise UsageError(f"{path}: trace {rec['id']!r} has no {group_field!r} field")
    return records


def evaluate_file(
    spec: str | TextClassifier,
    path: str,
    *,
    group_field: str | None = None,
    options: dict[str, str] | None = None,
) -> Evaluation:
    """Agreement of the classifier ``spec`` (as it is) with the labels of the file ``path``."""
    records = read_labelled(path, group_field)
    clf = _build(spec, options)
    answers = clf.classify([str(r["text"]) for r in records])
    groups = [str(r[group_field]) for r in records] if group_field else None
    figures = score(
        [str(r["label"]) for r in records],
        answers,
        [np.arange(len(records))],
        [tuple(r.get("tags", ())) for r in records],
        groups,
        [detect(str(r["text"])) for r in records],
    )
    return Evaluation(
        classifier=clf.name,
        key=clf.key,
        data=str(path),
        folds=0,
        grouped=False,
        seed=0,
        n=len(records),
        group_field=group_field,
        **_finite(figures),
    )
