"""Parametric bootstrap of the behavioural mixture: a p-value for the fit test that does not
lean on the χ² approximation, and (with logit noise) intervals on the weights.

Each draw simulates, in every cell, as many decisions as were observed from the *fitted*
mixture's choice distribution, refits the mixture and records the refitted style weights and
the deviance G² against the saturated model. The bootstrap p-value of the fit test is
``(1 + #{G²* >= G²}) / (1 + draws)`` (Davison and Hinkley 1997, ch. 4). The χ² reference
rejects true styles too often when cells have few expected choices of some actions (G² is
anti-conservative there); the bootstrap reference is built at the observed cell sizes. In a
tree or repeated game a cell is a decision node or a round with its history, and the draw
keeps the situations that were reached (the likelihood conditions on them too).

The basic bootstrap interval of the weights (`BootstrapDraws.intervals`) is what logit fits
report; tremble fits report profile-likelihood intervals (`_fit_profile`), which keep their
coverage where a style player's weights sit at 0 and 1 and the bootstrap's does not.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from stratlens.profiler._mixture import MixtureFit, Prepared, fit_prepared
from stratlens.profiler._style_models import FloatArray, Noise, StyleBasis, noisy_probs

LEVEL = 0.95
#: Deviances closer than this (relative, at least absolute) are equal.
DEVIANCE_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class BootstrapDraws:
    """The refitted style weights (draws, styles incl. other), per-style noise (draws, 3) and
    deviances (draws,)."""

    weights: FloatArray
    noise: FloatArray
    deviance: FloatArray

    def p_value(self, observed: float) -> float:
        """``(1 + #{G²* >= G²}) / (1 + draws)``; deviances within `DEVIANCE_TOL` of each other
        are ties (a deterministic player's G² is rounding noise around 0)."""
        n = len(self.deviance)
        tol = DEVIANCE_TOL * max(1.0, abs(observed))
        return float((1 + np.sum(self.deviance >= observed - tol)) / (1 + n))

    def intervals(self, observed: FloatArray, level: float = LEVEL) -> FloatArray:
        """(styles, 2): the basic bootstrap interval of each weight,
        ``[2ŵ − q_hi, 2ŵ − q_lo]`` clipped to [0, 1].

        The basic interval rather than the percentile one: a weight near 0 or 1 is biased
        toward the inside (trembles land on actions other styles predict), the refits repeat
        that bias, and reflecting the quantiles about the estimate takes it back out.
        """
        alpha = (1 - level) / 2
        q_lo, q_hi = np.quantile(self.weights, [alpha, 1 - alpha], axis=0)
        low = np.clip(2 * observed - q_hi, 0.0, 1.0)
        high = np.clip(2 * observed - q_lo, 0.0, 1.0)
        out: FloatArray = np.column_stack([low, high])
        return out


def predicted(basis: StyleBasis, fitted: MixtureFit, noise: Noise) -> FloatArray:
    """The fitted mixture's choice distribution over the cell's legal actions."""
    q = noisy_probs(basis, noise, fitted.params).T @ fitted.weights
    out: FloatArray = np.clip(q, 0.0, None) / max(float(q.sum()), 1e-300)
    return out


def bootstrap(
    bases: Mapping[Hashable, StyleBasis],
    sizes: Mapping[Hashable, int],
    fitted: MixtureFit,
    noise: Noise,
    draws: int,
    rng: np.random.Generator,
    style_of: Sequence[int] = (0, 1, 2),
) -> BootstrapDraws:
    """``draws`` parametric bootstrap refits (see the module docstring).

    Every (cell, action) is one row of a single `Prepared` whose counts each draw replaces
    (an action not drawn has count 0), and the cells of one width are drawn in one
    multinomial call: a draw costs one refit, however many cells there are (a tree or a
    repeated game has one per decision node or history).
    """
    cells = list(sizes)
    width = np.asarray([len(bases[c].legal) for c in cells])
    size = np.asarray([sizes[c] for c in cells])
    probs = [predicted(bases[c], fitted, noise) for c in cells]
    start = np.concatenate([[0], np.cumsum(width)])  # cell i's rows: start[i] .. start[i+1]
    prepared = Prepared(
        [bases[c] for c, w in zip(cells, width, strict=True) for _ in range(w)],
        [j for w in width for j in range(w)],
    )
    row_size = np.repeat(size, width).astype(float)
    groups = [np.flatnonzero(width == w) for w in np.unique(width)]
    group_probs = [np.asarray([probs[i] for i in group]) for group in groups]
    group_rows = [start[g][:, None] + np.arange(width[g[0]])[None, :] for g in groups]
    weights = np.empty((draws, len(fitted.style_weights)))
    noises = np.empty((draws, len(fitted.style_noise)))
    deviance = np.empty(draws)
    counts = np.zeros(int(start[-1]))
    for b in range(draws):
        for group, p, rows in zip(groups, group_probs, group_rows, strict=True):
            counts[rows] = rng.multinomial(size[group], p)
        seen = counts > 0
        saturated = float((counts[seen] * np.log(counts[seen] / row_size[seen])).sum())
        refit = fit_prepared(prepared.with_counts(counts.copy()), noise, style_of)
        weights[b] = refit.style_weights
        noises[b] = refit.style_noise
        deviance[b] = max(0.0, 2.0 * (saturated - refit.loglik))
    return BootstrapDraws(weights, noises, deviance)
