"""The offline classifier's model: text features and a calibrated linear classifier.

Features, all fitted on the training texts only (so cross-validation refits them per fold):

- word uni- and bigrams (TF-IDF) of the whole trace;
- word uni- to trigrams (TF-IDF) of the decisive part: the last sentences and what follows the
  last turn of the argument, weighted more than the whole;
- character 3–5-grams (TF-IDF) of the decisive part, for spelling and morphology;
- the cue-phrase counts of `_cues` (with negation and position).

The classifier is a multinomial logistic regression fitted by log loss, a proper scoring rule,
so its scores are probabilities; their calibration is measured, not assumed (`evaluate`: log
loss, Brier score, expected calibration error). On the corpus's development split, Platt scaling
over inner folds (`CalibratedClassifierCV(method="sigmoid")`) made them worse (expected
calibration error 0.12 against 0.03) and is not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from stratlens.profiler.text._cues import cue_matrix
from stratlens.profiler.text._sentences import views

PIPELINE_VERSION = "2"
WEIGHTS = {"whole": 1.0, "decisive": 2.0, "chars": 0.7, "cues": 0.6}
C = 8.0


def whole_view(texts: Sequence[str]) -> list[str]:
    return [views(t)[0] for t in texts]


def decisive_view(texts: Sequence[str]) -> list[str]:
    out = []
    for t in texts:
        _, last, turn = views(t)
        out.append(last if last == turn or turn in last else f"{turn} {last}")
    return out


def cue_view(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    return cue_matrix(list(texts))


def build_pipeline(seed: int = 0) -> Any:
    """An unfitted scikit-learn pipeline: texts in, `LABELS`-ordered probabilities out."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    def text_branch(view: Any, **tfidf: Any) -> Any:
        return make_pipeline(FunctionTransformer(view), TfidfVectorizer(sublinear_tf=True, **tfidf))

    features = FeatureUnion(
        [
            ("whole", text_branch(whole_view, ngram_range=(1, 2), min_df=2)),
            ("decisive", text_branch(decisive_view, ngram_range=(1, 3), min_df=2)),
            (
                "chars",
                text_branch(decisive_view, analyzer="char_wb", ngram_range=(3, 5), min_df=2),
            ),
            ("cues", FunctionTransformer(cue_view)),
        ],
        transformer_weights=WEIGHTS,
    )
    linear = LogisticRegression(C=C, max_iter=5000, class_weight="balanced", random_state=seed)
    return Pipeline([("features", features), ("model", linear)])
