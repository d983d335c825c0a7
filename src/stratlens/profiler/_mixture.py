"""Maximum-likelihood finite mixture of the style models over a set of decisions.

Each decision is explained by the mixture ``sum_c w_c p_c(action) + w_other / n``: the
components c are minimax, trust_based and belief_anticipation at each fitted depth (level 2, 3,
…), and the weights the share of decisions each accounts for (EM steps, then SLSQP on the
simplex). Rows may carry counts: decisions that share a situation and an action are one row with
its count, which gives the same fit in a fraction of the time.

**Noise, and why it is not `other`.** With tremble noise a style plays its own choice with
probability 1 − ε and a uniform action with probability ε. In a mixture of decisions the
likelihood then sees only each style's *on-style* share ``a_s = w_s (1 − ε_s)`` and the total
uniform share ``u``; how u splits between the styles' trembles and ``other`` leaves every
choice probability unchanged, so no amount of data can tell a minimax player who trembles 40%
of the time from one who plays minimax 60% of the time and at random 40%. The fit estimates
what the data identify, (a, u), a concave problem with one optimum, and the profile reads u as
the styles' own noise first: a common ε = u / (Σa + u) up to ``EPS_MAX`` (0.5: a style is never
noisier than it is itself), and ``other`` is only the uniform play beyond that
(`attribute_tremble`). Uniform play says nothing about which style trembled, so the tremble
is one ε for every style. With logit noise, ``softmax(λ_s · values)``, the noise has a shape
(near-best actions are likelier) and each style gets its own precision λ_s, fitted by L-BFGS-B
from the best common λ of a grid; belief depths share belief's λ.
"""

from __future__ import annotations

import copy
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

#: The largest tremble a style is credited with; uniform play beyond it is `other`.
EPS_MAX = 0.5
#: The tremble in the likelihood of the identified (a, u) fit: keeps log-probabilities finite.
TREMBLE_FLOOR = 1e-9
#: Component index -> style index (minimax, trust_based, belief_anticipation) for 3 styles.
STYLE_COUNT = 3


@dataclass(frozen=True, eq=False)
class MixtureFit:
    """A fitted mixture.

    ``weights`` (components, then ``other``) and ``params`` (one noise parameter per component)
    are what the likelihood uses: with tremble noise, the identified on-style shares and the
    floor. ``style_weights`` (minimax, trust_based, belief_anticipation, other) and
    ``style_noise`` (one per style) are the profile, after `attribute_tremble`;
    ``depth_weights`` splits the belief weight over the fitted depths (NaN when it is 0).
    """

    weights: FloatArray
    params: FloatArray
    loglik: float
    style_weights: FloatArray
    style_noise: FloatArray
    depth_weights: FloatArray


class Prepared:
    """The decisions' style numbers as padded arrays, so that a likelihood matrix for any
    noise parameters is a few array operations."""

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

    def with_counts(self, counts: FloatArray) -> Prepared:
        """The same decisions with other counts (a bootstrap draw; a count may be 0)."""
        out = copy.copy(self)
        out.counts = np.asarray(counts, dtype=float)
        return out

    def likelihood(self, noise: Noise, param: float | FloatArray) -> FloatArray:
        """``L[d, c]``: probability of decision d's action under component c (``other``
        last); ``param`` is one noise parameter or one per component."""
        uniform = 1.0 / self.n_actions
        p = np.broadcast_to(np.asarray(param, dtype=float), (self.chosen_probs.shape[1],))
        if noise == "tremble":
            styled = (1.0 - p) * self.chosen_probs + p * uniform[:, None]
        elif noise == "logit":
            z = p[None, :, None] * self.values
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
    return float((counts * np.log(np.maximum(lik @ w, 1e-300))).sum())


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


def attribute_tremble(shares: FloatArray, eps_max: float = EPS_MAX) -> tuple[FloatArray, float]:
    """From identified shares (on-style shares a_c, then the uniform share u) to weights and
    one tremble ε: u is the styles' noise up to ``eps_max``, ``other`` the rest.

    With A = Σ a_c: if u ≤ A·ε_max/(1 − ε_max), ε = u / (A + u) and ``other`` is 0; else
    ε = ε_max and ``other`` = u − A·ε_max/(1 − ε_max). Each weight is a_c / (1 − ε).
    """
    a, u = shares[:-1], float(shares[-1])
    total = float(a.sum())
    room = total * eps_max / (1.0 - eps_max)
    eps = u / (total + u) if u <= room and total + u > 0 else eps_max
    other = 0.0 if u <= room else u - room
    out = np.append(a / (1.0 - eps), other)
    out /= out.sum()
    return out, float(eps)


def _by_style(weights: FloatArray, style_of: Sequence[int]) -> tuple[FloatArray, FloatArray]:
    """(style weights incl. other, belief depth shares) from component weights."""
    out = np.zeros(STYLE_COUNT + 1)
    for c, s in enumerate(style_of):
        out[s] += weights[c]
    out[-1] = weights[-1]
    belief = np.asarray([weights[c] for c, s in enumerate(style_of) if s == STYLE_COUNT - 1])
    depth = belief / belief.sum() if belief.sum() > 1e-12 else np.full(belief.shape, np.nan)
    return out, depth


def _fit_tremble(prepared: Prepared, style_of: Sequence[int]) -> MixtureFit:
    params = np.full(len(style_of), TREMBLE_FLOOR)
    shares, ll = em_weights(prepared.likelihood("tremble", params), counts=prepared.counts)
    weights, eps = attribute_tremble(shares)
    by_style, depth = _by_style(weights, style_of)
    return MixtureFit(shares, params, ll, by_style, np.full(STYLE_COUNT, eps), depth)


def _fit_logit(prepared: Prepared, style_of: Sequence[int]) -> MixtureFit:
    lo, hi = noise_bounds("logit")
    cache: dict[tuple[float, ...], tuple[FloatArray, float]] = {}
    index = np.asarray(style_of)

    def profile(per_style: FloatArray) -> float:
        key = tuple(float(x) for x in per_style)
        if key not in cache:
            lik = prepared.likelihood("logit", per_style[index])
            cache[key] = em_weights(lik, counts=prepared.counts)
        return cache[key][1]

    def common(x: float) -> float:
        return profile(np.full(STYLE_COUNT, x))

    grid = np.geomspace(lo, hi, 12)
    values = [common(float(g)) for g in grid]
    j = int(np.argmax(values))
    a, b = float(grid[max(j - 1, 0)]), float(grid[min(j + 1, grid.size - 1)])
    res = minimize_scalar(
        lambda x: -common(float(x)), bounds=(a, b), method="bounded", options={"xatol": 1e-4}
    )
    start = float(res.x) if -float(res.fun) > values[j] else float(grid[j])
    scale = float(prepared.counts.sum())
    own = minimize(
        lambda z: -profile(np.exp(z)) / scale,
        np.full(STYLE_COUNT, np.log(start)),
        method="L-BFGS-B",
        bounds=[(np.log(lo), np.log(hi))] * STYLE_COUNT,
        options={"ftol": 1e-12},
    )
    best = np.exp(np.asarray(own.x, dtype=float))
    if profile(best) < common(start):
        best = np.full(STYLE_COUNT, start)
    w, ll = cache[tuple(float(x) for x in best)]
    by_style, depth = _by_style(w, style_of)
    return MixtureFit(w, best[index], ll, by_style, best, depth)


def fit_mixture(
    bases: Sequence[StyleBasis],
    chosen: Sequence[int],
    noise: Noise,
    counts: Sequence[float] | None = None,
    style_of: Sequence[int] = (0, 1, 2),
) -> MixtureFit:
    """The maximum-likelihood mixture for these decisions (rows with ``counts``);
    ``style_of[c]`` is the style of the basis' row c (0 minimax, 1 trust, 2 belief)."""
    if not bases:
        raise ValueError("no decisions to fit")
    return fit_prepared(Prepared(bases, chosen, counts), noise, style_of)


def fit_prepared(
    prepared: Prepared, noise: Noise, style_of: Sequence[int] = (0, 1, 2)
) -> MixtureFit:
    """`fit_mixture` of decisions already prepared."""
    if noise == "tremble":
        return _fit_tremble(prepared, style_of)
    if noise == "logit":
        return _fit_logit(prepared, style_of)
    raise ValueError(f"unknown noise model {noise!r}")


def free_parameters(noise: Noise, style_of: Sequence[int]) -> int:
    """The mixture's free parameters: its weights on the simplex, and with logit noise one
    precision per style (the tremble's split against `other` is not a parameter of the
    likelihood)."""
    return len(style_of) + (STYLE_COUNT if noise == "logit" else 0)
