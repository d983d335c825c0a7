"""Temperature scaling: one parameter that makes a classifier's probabilities mean what they say.

A logistic regression trained on one corpus is overconfident on text from elsewhere. Dividing
its log-probabilities by a temperature T > 1 (and renormalising) softens every answer without
changing which label wins; T is fitted by maximum likelihood on out-of-fold predictions, so it
is learnt from traces the model did not see (Guo et al. 2017, "On calibration of modern neural
networks"). The offline classifier fits T on folds grouped by writer family, which makes it
account for the step from one writer's traces to another's.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

T_BOUNDS = (0.05, 20.0)


def soften(probs: npt.NDArray[np.float64], temperature: float) -> npt.NDArray[np.float64]:
    """``probs`` (rows summing to 1) at ``temperature``."""
    logp = np.log(np.clip(probs, 1e-12, None)) / temperature
    logp -= logp.max(axis=1, keepdims=True)
    out = np.exp(logp)
    return np.asarray(out / out.sum(axis=1, keepdims=True), dtype=float)


def fit_temperature(probs: npt.NDArray[np.float64], truth: npt.NDArray[np.intp]) -> float:
    """The temperature that maximises the likelihood of the true columns ``truth``."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(truth))

    def nll(log_t: float) -> float:
        p = soften(probs, float(np.exp(log_t)))
        return float(-np.mean(np.log(np.clip(p[rows, truth], 1e-12, None))))

    lo, hi = (float(np.log(b)) for b in T_BOUNDS)
    res = minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(res.x))
