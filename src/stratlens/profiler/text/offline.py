"""The offline classifier: no network, no key; trained from the corpus at first use, cached.

The model is the geometric mean of two experts, counted equally: the n-gram expert
(`_pipeline.build_pipeline`: TF-IDF word and character n-grams of the whole trace and of its
decisive part, cue phrases with negation, keyword counts, a logistic regression) and, with the
``[embed]`` extra, the embedding expert (a logistic regression on the all-MiniLM-L6-v2
embedding of the decisive part, `_embedding`). On real models' traces the two err on different
traces (the n-grams read minimax worst-case reasoning as belief; the embedding does not), and
their mean beats either (README, "From text"). It is trained on every trace of the package's
corpus the first time it is needed, its probabilities calibrated by a temperature fitted on
folds grouped by writer family (`_calibration`), and kept on disk keyed by the corpus hash,
the feature and model versions, the embedding model and the scikit-learn version:
``$STRATLENS_MODEL_DIR``, else ``$XDG_CACHE_HOME/stratlens`` (``~/.cache/stratlens``). A
folder that cannot be written only means the model is trained again next time.

It declines to answer rather than answer wrongly with confidence:

- a trace in a language with fewer than `MIN_LANGUAGE_TRACES` corpus traces, or one whose
  traces the model labels right less than `MIN_LANGUAGE_ACCURACY` of the time out of fold, is
  ``unsupported_language`` (no label, uniform scores, the detected language named);
- a trace whose calibrated top probability is below `UNCERTAIN_BELOW` is ``uncertain`` (no
  label; the scores are kept).

The evidence of a label is the sentence of the decisive part (the last sentences and what
follows the last turn of the argument) that the model, reading that sentence alone, finds most
typical of the label; later sentences win ties.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from stratlens.errors import UsageError
from stratlens.profiler.text._base import (
    LABELS,
    UNCERTAIN,
    UNSUPPORTED_LANGUAGE,
    TextLabel,
    classifier,
)
from stratlens.profiler.text._calibration import fit_temperature, soften
from stratlens.profiler.text._cues import CUE_VERSION
from stratlens.profiler.text._language import UNDETERMINED, detect
from stratlens.profiler.text._pipeline import PIPELINE_VERSION, build_pipeline, decisive_text
from stratlens.profiler.text._sentences import after_turn, split_sentences, tail
from stratlens.profiler.text.corpus import corpus_hash, load_corpus

MODEL_DIR_ENV_VAR = "STRATLENS_MODEL_DIR"
DEFAULT_SEED = 0
#: A language is supported when the training traces hold at least this many in it, and the
#: out-of-fold accuracy on them (calibration folds) is at least `MIN_LANGUAGE_ACCURACY`.
MIN_LANGUAGE_TRACES = 50
MIN_LANGUAGE_ACCURACY = 0.65
#: Below this calibrated top probability the answer is ``uncertain``.
UNCERTAIN_BELOW = 0.4
#: Folds (grouped by writer family where groups are given) for fitting the temperature.
CALIBRATION_FOLDS = 3
#: The embedding expert's share of the geometric mean (the n-gram expert has the rest).
EMBEDDING_WEIGHT = 0.5


def model_dir() -> Path:
    """Where trained models are kept (see the module docstring)."""
    env = os.environ.get(MODEL_DIR_ENV_VAR)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stratlens"


def model_key() -> str:
    """Identity of the model trained on this corpus with this code."""
    import sklearn

    from stratlens.profiler.text import _embedding

    embed = _embedding.model_id() if _embedding.available() else "no-embedding"
    parts = f"{corpus_hash()}|{PIPELINE_VERSION}|{CUE_VERSION}|{sklearn.__version__}|{embed}"
    return hashlib.sha256(parts.encode()).hexdigest()[:16]


class _single_thread:
    """Runs scikit-learn with one BLAS thread: much faster for these small sparse problems
    than oversubscribed threads on a shared machine."""

    def __enter__(self) -> None:
        from threadpoolctl import threadpool_limits

        self._limit = threadpool_limits(1)

    def __exit__(self, *exc: object) -> None:
        self._limit.restore_original_limits()


@dataclass
class Experts:
    """The two fitted models whose geometric mean is the offline model's answer.

    ``ngrams``: the n-gram and cue pipeline (`_pipeline.build_pipeline`); ``embedding``: a
    logistic regression on the sentence embedding of the decisive part, or None without the
    ``[embed]`` extra. The two count equally (`EMBEDDING_WEIGHT`).
    """

    ngrams: Any
    embedding: Any | None

    def proba(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Uncalibrated probabilities with columns in `LABELS` order."""
        p = _raw_proba(self.ngrams, texts)
        if self.embedding is None:
            return p
        self.embedding.encode(texts)  # outside the one-thread limit: the encoder uses every core
        q = _raw_proba(self.embedding, texts)
        logp = (1 - EMBEDDING_WEIGHT) * np.log(np.clip(p, 1e-9, None))
        logp += EMBEDDING_WEIGHT * np.log(np.clip(q, 1e-9, None))
        mean = np.exp(logp - logp.max(axis=1, keepdims=True))
        return np.asarray(mean / mean.sum(axis=1, keepdims=True), dtype=float)


@dataclass
class OfflineModel:
    """The fitted experts, their calibration temperature and the languages they answer for.

    ``language_accuracy``: per language of the training traces, (traces, out-of-fold accuracy).
    """

    experts: Experts
    temperature: float
    languages: frozenset[str]
    language_accuracy: dict[str, tuple[int, float]]

    @property
    def pipeline(self) -> Any:
        """The n-gram pipeline (its features, and the evidence sentences, come from it)."""
        return self.experts.ngrams

    def predict_proba(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Calibrated probabilities with columns in `LABELS` order."""
        return soften(self.experts.proba(texts), self.temperature)


class _EmbeddingModel:
    """A logistic regression on `_embedding.embed` of each trace's decisive part."""

    def __init__(self, seed: int) -> None:
        from sklearn.linear_model import LogisticRegression

        self.model = LogisticRegression(
            C=1.0, max_iter=3000, class_weight="balanced", random_state=seed
        )

    @staticmethod
    def encode(texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """The embeddings of the decisive parts of ``texts`` (kept in memory by text)."""
        from stratlens.profiler.text import _embedding

        return _embedding.embed(decisive_text(texts))

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> _EmbeddingModel:
        self.model.fit(self.encode(texts), list(labels))
        return self

    @property
    def classes_(self) -> Any:
        return self.model.classes_

    def predict_proba(self, texts: Sequence[str]) -> Any:
        return self.model.predict_proba(self.encode(texts))


def _fit_experts(
    texts: Sequence[str], labels: Sequence[str], seed: int, embeddings: bool
) -> Experts:
    ngrams = build_pipeline(seed).fit(list(texts), list(labels))
    embedding = _EmbeddingModel(seed).fit(texts, labels) if embeddings else None
    return Experts(ngrams, embedding)


def _calibration_folds(
    labels: Sequence[str], groups: Sequence[str] | None, seed: int
) -> list[npt.NDArray[np.intp]]:
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    x = np.zeros(len(labels))
    if groups is not None and len(set(groups)) >= CALIBRATION_FOLDS:
        split = GroupKFold(n_splits=CALIBRATION_FOLDS).split(x, list(labels), list(groups))
    else:
        strat = StratifiedKFold(n_splits=CALIBRATION_FOLDS, shuffle=True, random_state=seed)
        split = strat.split(x, list(labels))
    return [test for _, test in split]


def fit_model(
    texts: Sequence[str],
    labels: Sequence[str],
    seed: int = DEFAULT_SEED,
    groups: Sequence[str] | None = None,
    embeddings: bool | None = None,
) -> OfflineModel:
    """The model for ``texts`` (the corpus, or a cross-validation fold's training part).

    The temperature is fitted on out-of-fold predictions over `CALIBRATION_FOLDS` folds,
    grouped by ``groups`` (the writer families) when given. ``embeddings``: whether to use the
    embedding expert (default: when the ``[embed]`` extra is installed).
    """
    from stratlens.profiler.text import _embedding

    use = _embedding.available() if embeddings is None else embeddings
    if use:
        _EmbeddingModel.encode(texts)  # once, with every core, before the one-thread fits
    with _single_thread():
        experts = _fit_experts(texts, labels, seed, use)
        oof = np.zeros((len(texts), len(LABELS)))
        for test in _calibration_folds(labels, groups, seed):
            train = np.setdiff1d(np.arange(len(texts)), test)
            part = _fit_experts([texts[i] for i in train], [labels[i] for i in train], seed, use)
            oof[test] = part.proba([texts[i] for i in test])
    truth = np.asarray([LABELS.index(y) for y in labels])
    detected = np.asarray([detect(t) for t in texts], dtype=object)
    right = oof.argmax(axis=1) == truth
    accuracy = {
        str(lang): (int(n), float(right[detected == lang].mean()))
        for lang, n in Counter(detected.tolist()).items()
    }
    languages = {
        lang
        for lang, (n, acc) in accuracy.items()
        if n >= MIN_LANGUAGE_TRACES and acc >= MIN_LANGUAGE_ACCURACY
    }
    if "en" in languages:  # undetermined text is notation read as English ("P2 likely c2")
        languages.add(UNDETERMINED)
    return OfflineModel(experts, fit_temperature(oof, truth), frozenset(languages), accuracy)


def _raw_proba(model: Any, texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """A pipeline's probabilities with columns in `LABELS` order (an unseen label gets 0)."""
    with _single_thread():
        raw = np.asarray(model.predict_proba(list(texts)), dtype=float)
    classes = [str(c) for c in model.classes_]
    out = np.zeros((len(texts), len(LABELS)))
    for j, label in enumerate(LABELS):
        if label in classes:
            out[:, j] = raw[:, classes.index(label)]
    return out


def _load(path: Path) -> OfflineModel | None:
    try:
        with path.open("rb") as f:
            model = pickle.load(f)  # our own file, written by _save below
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return model if isinstance(model, OfflineModel) else None


def _save(model: Any, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache folder: the model is trained again next time


def corpus_model(directory: Path | None = None) -> tuple[OfflineModel, bool]:
    """(the model trained on the whole corpus, whether it came from the disk cache)."""
    path = (directory or model_dir()) / f"offline-{model_key()}.pkl"
    model = _load(path)
    if model is not None:
        return model, True
    corpus = load_corpus()
    model = fit_model(
        [e.text for e in corpus], [e.label for e in corpus], groups=[e.group for e in corpus]
    )
    _save(model, path)
    return model, False


class OfflineClassifier:
    """The corpus-trained classifier (see the module docstring).

    ``model``: a fitted pipeline to use instead of the corpus model (cross-validation folds);
    ``evidence=False`` leaves the evidence empty (faster, for cross-validation).
    """

    name = "offline"

    def __init__(
        self,
        model: OfflineModel | None = None,
        *,
        directory: Path | None = None,
        evidence: bool = True,
    ) -> None:
        self._model = model
        self._directory = directory
        self._with_evidence = evidence
        self.from_cache: bool | None = None
        self.key = f"offline@{model_key()}" if model is None else "offline@fold"

    def fitted(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        seed: int,
        groups: Sequence[str] | None = None,
    ) -> OfflineClassifier:
        """A classifier of the same kind trained on ``texts`` only (a cross-validation fold)."""
        return OfflineClassifier(fit_model(texts, labels, seed, groups), evidence=False)

    @property
    def model(self) -> OfflineModel:
        if self._model is None:
            self._model, self.from_cache = corpus_model(self._directory)
        return self._model

    def classify(self, texts: Sequence[str]) -> list[TextLabel]:
        uniform = dict.fromkeys(LABELS, 1.0 / len(LABELS))
        out = [TextLabel(None, uniform, "", error="empty text") for _ in texts]
        languages = {i: detect(t) for i, t in enumerate(texts) if t.strip()}
        todo = []
        for i, lang in languages.items():
            if lang in self.model.languages:
                todo.append(i)
            else:
                out[i] = TextLabel(None, uniform, "", abstain=UNSUPPORTED_LANGUAGE, language=lang)
        if not todo:
            return out
        probs = self.model.predict_proba([texts[i] for i in todo])
        if self._with_evidence:
            evidence = self._evidence([texts[i] for i in todo], probs.argmax(axis=1))
        else:
            evidence = [""] * len(todo)
        for row, i in enumerate(todo):
            scores = {k: float(probs[row, j]) for j, k in enumerate(LABELS)}
            best = int(probs[row].argmax())
            if probs[row, best] < UNCERTAIN_BELOW:
                out[i] = TextLabel(
                    None, scores, evidence[row], abstain=UNCERTAIN, language=languages[i]
                )
            else:
                out[i] = TextLabel(LABELS[best], scores, evidence[row], language=languages[i])
        return out

    def _evidence(self, texts: Sequence[str], winners: npt.NDArray[np.intp]) -> list[str]:
        candidates: list[list[str]] = []
        for t in texts:
            sents = split_sentences(t)
            picked = {s.start: s for s in after_turn(sents) + tail(sents)}
            candidates.append([picked[k].text for k in sorted(picked)])
        flat = [s for c in candidates for s in c]
        probs = _raw_proba(self.model.pipeline, flat) if flat else np.zeros((0, len(LABELS)))
        out: list[str] = []
        pos = 0
        for cands, win in zip(candidates, winners, strict=True):
            best, best_p = "", -1.0
            for s in cands:
                p = float(probs[pos, int(win)])
                pos += 1
                if p >= best_p:
                    best, best_p = s, p
            out.append(best)
        return out


@classifier("offline")
def _make(arg: str | None, **options: str) -> OfflineClassifier:
    if options:
        raise UsageError(f"the offline classifier takes no options, got {sorted(options)}")
    return OfflineClassifier()
