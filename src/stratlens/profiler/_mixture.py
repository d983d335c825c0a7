"""Maximum-likelihood finite mixture of the style models over a set of decisions.

Each decision is explained by the mixture ``sum_s w_s p_s(action)``: the weights are the
share of decisions each style accounts for (EM steps, then SLSQP on the simplex), and the one
noise parameter shared by the modelled styles is chosen by maximising the profile
log-likelihood (a log-spaced grid over its bounds, then a bounded Brent search between the best
grid point's neighbours). Rows may carry counts: decisions that share a situation and an action
are one row with its count, which gives the same fit in a fraction of the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from stratlens.profiler._style_models import (
    FloatArray,
    Noise,
    StyleBasis,
    noise_bounds,
    noisy_probs,
)


@dataclass(frozen=True, eq=False)
class MixtureFit:
    weights: FloatArray  # (styles,), summing to 1
    noise: float
    loglik: float
    responsibilities: FloatArray  # (decisions, styles): posterior of each style per decision


class Prepared:
    """The decisions' style numbers as padded arrays, so that a likelihood matrix for any
    noise parameter is a few array operations."""

    def __init__(
        self,
        bases: Sequence[StyleBasis],
        chosen: Sequence[int],
        counts: Sequence[float] | None = None,
    ) -> None:
        d = len(bases)
        self.counts = np.ones(d) if counts is None else np.asarray(counts, dtype=float)
        width = max(len(b.legal) for b in bases)
        styles = bases[0].probs.shape[0]
        self.n_actions = np.asarray([len(b.legal) for b in bases], dtype=float)
        self.chosen_probs = np.empty((d, styles))
        self.values = np.full((d, styles, width), -np.inf)
        self.chosen = np.asarray(chosen, dtype=int)
        for i, (b, c) in enumerate(zip(bases, chosen, strict=True)):
            if not 0 <= c < len(b.legal):
                raise ValueError(f"decision {i}: chosen index {c} outside its legal actions")
            self.chosen_probs[i] = b.probs[:, c]
            self.values[i, :, : len(b.legal)] = b.values

    def likelihood(self, noise: Noise, param: float) -> FloatArray:
        """``L[d, s]``: probability of decision d's action under style s (``other`` last)."""
        uniform = 1.0 / self.n_actions
        if noise == "tremble":
            styled = (1.0 - param) * self.chosen_probs + param * uniform[:, None]
        elif noise == "logit":
            z = param * self.values
            z = z - z.max(axis=2, keepdims=True)
            e = np.exp(z)
            rows = np.arange(len(self.chosen))
            styled = e[rows, :, self.chosen] / e.sum(axis=2)
        else:
            raise ValueError(f"unknown noise model {noise!r}")
        out: FloatArray = np.hstack([styled, uniform[:, None]])
        return out


def likelihood_matrix(
    bases: Sequence[StyleBasis], chosen: Sequence[int], noise: Noise, param: float
) -> FloatArray:
    """``L[d, s]``: probability of decision d's action under style s (``other`` last)."""
    rows = [noisy_probs(b, noise, param)[:, c] for b, c in zip(bases, chosen, strict=True)]
    out: FloatArray = np.asarray(rows, dtype=float)
    return out


def _em_step(lik: FloatArray, w: FloatArray, counts: FloatArray) -> FloatArray:
    mix = lik @ w
    out: FloatArray = (counts[:, None] * lik * w / mix[:, None]).sum(axis=0) / counts.sum()
    return out


def _loglik(lik: FloatArray, w: FloatArray, counts: FloatArray) -> float:
    return float((counts * np.log(lik @ w)).sum())


def em_weights(
    lik: FloatArray,
    start: FloatArray | None = None,
    *,
    em_steps: int = 50,
    counts: FloatArray | None = None,
) -> tuple[FloatArray, float]:
    """Mixing weights maximising ``sum_d n_d ln sum_s w_s L[d, s]``, and that maximum
    (``n_d`` = ``counts``, 1 by default).

    The log-likelihood is concave in w: a few EM steps, then SLSQP on the simplex with the
    analytic gradient (EM alone crawls where styles overlap or a weight tends to 0).
    """
    c = np.ones(lik.shape[0]) if counts is None else np.asarray(counts, dtype=float)
    w = np.full(lik.shape[1], 1.0 / lik.shape[1]) if start is None else start.copy()
    w = np.maximum(w, 1e-12)
    w /= w.sum()
    for _ in range(em_steps):
        w = _em_step(lik, w, c)
    scale = float(c.sum())

    def neg(x: FloatArray) -> tuple[float, FloatArray]:
        mix = np.maximum(lik @ x, 1e-300)
        grad: FloatArray = -(c[:, None] * lik / mix[:, None]).sum(axis=0) / scale
        return -float((c * np.log(mix)).sum()) / scale, grad

    res = minimize(
        neg,
        w,
        jac=True,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * lik.shape[1],
        constraints=[{"type": "eq", "fun": lambda x: float(x.sum()) - 1.0}],
        options={"ftol": 1e-14, "maxiter": 500},
    )
    polished = np.clip(np.asarray(res.x, dtype=float), 0.0, None)
    polished /= polished.sum()
    if _loglik(lik, polished, c) >= _loglik(lik, w, c):
        w = polished
    return w, _loglik(lik, w, c)


def fit_mixture(
    bases: Sequence[StyleBasis],
    chosen: Sequence[int],
    noise: Noise,
    counts: Sequence[float] | None = None,
) -> MixtureFit:
    """The maximum-likelihood weights and noise for these decisions (rows with ``counts``)."""
    if not bases:
        raise ValueError("no decisions to fit")
    lo, hi = noise_bounds(noise)
    grid = np.geomspace(lo, hi, 12)
    prepared = Prepared(bases, chosen, counts)
    cache: dict[float, tuple[FloatArray, float]] = {}

    def profile(param: float) -> float:
        if param not in cache:
            lik = prepared.likelihood(noise, param)
            cache[param] = em_weights(lik, counts=prepared.counts)
        return cache[param][1]

    values = [profile(float(p)) for p in grid]
    j = int(np.argmax(values))
    a, b = float(grid[max(j - 1, 0)]), float(grid[min(j + 1, grid.size - 1)])
    res = minimize_scalar(
        lambda x: -profile(float(x)), bounds=(a, b), method="bounded", options={"xatol": 1e-4}
    )
    best = float(res.x) if -float(res.fun) > values[j] else float(grid[j])
    profile(best)
    w, ll = cache[best]
    lik = prepared.likelihood(noise, best)
    post = lik * w
    post /= post.sum(axis=1, keepdims=True)
    return MixtureFit(weights=w, noise=best, loglik=ll, responsibilities=post)
