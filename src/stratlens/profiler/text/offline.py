"""The offline classifier: no network, no key; trained from the corpus at first use, cached.

The model (`_pipeline.build_pipeline`: TF-IDF word and character n-grams of the whole trace and
of its decisive part, cue phrases with negation, a calibrated logistic regression) is trained
on every trace of the package's corpus the first time it is needed, and kept on disk keyed by
the corpus hash, the feature and model versions and the scikit-learn version:
``$STRATLENS_MODEL_DIR``, else ``$XDG_CACHE_HOME/stratlens`` (``~/.cache/stratlens``). A
folder that cannot be written only means the model is trained again next time.

The evidence of a label is the sentence of the decisive part (the last sentences and what
follows the last turn of the argument) that the model, reading that sentence alone, finds most
typical of the label; later sentences win ties.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from stratlens.errors import UsageError
from stratlens.profiler.text._base import LABELS, TextLabel, classifier
from stratlens.profiler.text._cues import CUE_VERSION
from stratlens.profiler.text._pipeline import PIPELINE_VERSION, build_pipeline
from stratlens.profiler.text._sentences import after_turn, split_sentences, tail
from stratlens.profiler.text.corpus import corpus_hash, load_corpus

MODEL_DIR_ENV_VAR = "STRATLENS_MODEL_DIR"
DEFAULT_SEED = 0


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

    parts = f"{corpus_hash()}|{PIPELINE_VERSION}|{CUE_VERSION}|{sklearn.__version__}"
    return hashlib.sha256(parts.encode()).hexdigest()[:16]


class _single_thread:
    """Runs scikit-learn with one BLAS thread: much faster for these small sparse problems
    than oversubscribed threads on a shared machine."""

    def __enter__(self) -> None:
        from threadpoolctl import threadpool_limits

        self._limit = threadpool_limits(1)

    def __exit__(self, *exc: object) -> None:
        self._limit.restore_original_limits()


def fit_model(texts: Sequence[str], labels: Sequence[str], seed: int = DEFAULT_SEED) -> Any:
    """A fitted pipeline (used for the corpus model and for each cross-validation fold)."""
    with _single_thread():
        model = build_pipeline(seed)
        model.fit(list(texts), list(labels))
    return model


def predict_proba(model: Any, texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """Probabilities with columns in `LABELS` order (a label unseen in training gets 0)."""
    with _single_thread():
        raw = np.asarray(model.predict_proba(list(texts)), dtype=float)
    classes = [str(c) for c in model.classes_]
    out = np.zeros((len(texts), len(LABELS)))
    for j, label in enumerate(LABELS):
        if label in classes:
            out[:, j] = raw[:, classes.index(label)]
    return out


def _load(path: Path) -> Any | None:
    try:
        with path.open("rb") as f:
            return pickle.load(f)  # our own file, written by _save below
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def _save(model: Any, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache folder: the model is trained again next time


def corpus_model(directory: Path | None = None) -> tuple[Any, bool]:
    """(the model trained on the whole corpus, whether it came from the disk cache)."""
    path = (directory or model_dir()) / f"offline-{model_key()}.pkl"
    model = _load(path)
    if model is not None:
        return model, True
    corpus = load_corpus()
    model = fit_model([e.text for e in corpus], [e.label for e in corpus])
    _save(model, path)
    return model, False


class OfflineClassifier:
    """The corpus-trained classifier (see the module docstring).

    ``model``: a fitted pipeline to use instead of the corpus model (cross-validation folds);
    ``evidence=False`` leaves the evidence empty (faster, for cross-validation).
    """

    name = "offline"

    def __init__(
        self, model: Any = None, *, directory: Path | None = None, evidence: bool = True
    ) -> None:
        self._model = model
        self._directory = directory
        self._with_evidence = evidence
        self.from_cache: bool | None = None
        self.key = f"offline@{model_key()}" if model is None else "offline@fold"

    def fitted(self, texts: Sequence[str], labels: Sequence[str], seed: int) -> OfflineClassifier:
        """A classifier of the same kind trained on ``texts`` only (a cross-validation fold)."""
        return OfflineClassifier(fit_model(texts, labels, seed), evidence=False)

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model, self.from_cache = corpus_model(self._directory)
        return self._model

    def classify(self, texts: Sequence[str]) -> list[TextLabel]:
        todo = [i for i, t in enumerate(texts) if t.strip()]
        out = [
            TextLabel(None, dict.fromkeys(LABELS, 1.0 / len(LABELS)), "", error="empty text")
            for _ in texts
        ]
        if not todo:
            return out
        probs = predict_proba(self.model, [texts[i] for i in todo])
        if self._with_evidence:
            evidence = self._evidence([texts[i] for i in todo], probs.argmax(axis=1))
        else:
            evidence = [""] * len(todo)
        for row, i in enumerate(todo):
            scores = {k: float(probs[row, j]) for j, k in enumerate(LABELS)}
            out[i] = TextLabel(LABELS[int(probs[row].argmax())], scores, evidence[row])
        return out

    def _evidence(self, texts: Sequence[str], winners: npt.NDArray[np.intp]) -> list[str]:
        candidates: list[list[str]] = []
        for t in texts:
            sents = split_sentences(t)
            picked = {s.start: s for s in after_turn(sents) + tail(sents)}
            candidates.append([picked[k].text for k in sorted(picked)])
        flat = [s for c in candidates for s in c]
        probs = predict_proba(self.model, flat) if flat else np.zeros((0, len(LABELS)))
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
