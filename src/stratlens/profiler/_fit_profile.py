"""Profile-likelihood intervals on the behavioural weights (tremble noise).

With tremble noise the likelihood depends on the identified shares only (`_mixture`): the
on-style shares ``a_c`` of the components and the uniform share ``u``, on the simplex, where
the log-likelihood is concave. The profile's weights are functions of them
(`_mixture.attribute_tremble`): with ``A = Σ a_c``,

    w_s = S_s / max(A, 1/2)   (S_s: the shares of style s's components)
    w_other = max(0, 1 − 2A)

so ``w_s = v`` is a linear constraint on each side of ``A = 1/2`` (``S_s = v·A`` with
``A ≥ 1/2``, or ``S_s = v/2`` with ``A ≤ 1/2``), and ``w_other = v > 0`` is ``A = (1 − v)/2``.
The profile log-likelihood ``ℓ_p(v)`` is the largest log-likelihood under that constraint (a
concave problem on each side, solved by SLSQP), and the interval is
``{v : 2·(ℓ̂ − ℓ_p(v)) ≤ χ²₁(0.95)}``: an interval, since the weight is a continuous function
of the shares and each superlevel set of a concave function is convex.

**At the edges.** A style player's weight is 1 and the other styles' 0: the truth sits on the
edge of the parameter space, where the bootstrap is inconsistent (Andrews 2000) and the
likelihood ratio is no longer χ²₁: a weight of 1 sets every other component to 0 at once, and
the ratio is then a mixture of χ²₀ … χ²_k (Self and Liang 1987), k the number of components
set to 0. Its 95% point is at most χ²_k's, so an edge (0 or 1) is
in the interval when its ratio is at most ``χ²_k(0.95)``: k = the style's own components for
weight 0, the other components for weight 1 (for `other`: 1 at 0, all components at 1). That
is conservative at the edge and the same as χ²₁ away from it. `bench/profiler_recovery.py`
measures the coverage in simulation, beside the basic bootstrap interval's
(`_fit_bootstrap`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
from scipy.optimize import brentq, minimize
from scipy.stats import chi2

from stratlens.profiler._mixture import STYLE_COUNT, em_weights
from stratlens.profiler._style_models import FloatArray

LEVEL = 0.95
#: Below this gap the profile log-likelihood is taken to equal the maximum.
_LL_TOL = 1e-9
_HALF = 0.5

#: One linear constraint ``coef · x = rhs`` (eq) or ``coef · x >= rhs`` (ineq).
Linear = tuple[str, FloatArray, float]


class ProfileLikelihood:
    """The constrained maxima of the tremble mixture's log-likelihood on the shares.

    ``lik`` is the (rows, components + 1) likelihood matrix (`_mixture.Prepared.likelihood`
    at the tremble floor), ``counts`` the rows' counts, ``style_of[c]`` component c's style
    (0 minimax, 1 trust, 2 belief), ``shares`` and ``loglik`` the unconstrained maximum.
    """

    def __init__(
        self,
        lik: FloatArray,
        counts: FloatArray,
        style_of: Sequence[int],
        shares: FloatArray,
        loglik: float,
    ) -> None:
        self.lik = lik
        self.counts = np.asarray(counts, dtype=float)
        self.style_of = tuple(style_of)
        self.shares = np.asarray(shares, dtype=float)
        self.loglik = loglik
        self.scale = float(self.counts.sum())
        size = lik.shape[1]
        self.on_style = np.append(np.ones(size - 1), 0.0)  # A = on_style · x
        self._half_max: float | None = None

    def _of(self, style: int) -> FloatArray:
        return np.asarray([float(s == style) for s in self.style_of] + [0.0])

    def _value(self, x: FloatArray) -> float:
        return float((self.counts * np.log(np.maximum(self.lik @ x, 1e-300))).sum())

    def maximum(self, constraints: Sequence[Linear], start: FloatArray) -> float:
        """The largest log-likelihood on the simplex under ``constraints``."""
        lik, c, scale = self.lik, self.counts, self.scale

        def neg(x: FloatArray) -> tuple[float, FloatArray]:
            mix = np.maximum(lik @ x, 1e-300)
            grad: FloatArray = -(c[:, None] * lik / mix[:, None]).sum(axis=0) / scale
            return -float((c * np.log(mix)).sum()) / scale, grad

        cons: list[dict[str, object]] = [
            {"type": "eq", "fun": lambda x: float(x.sum()) - 1.0, "jac": lambda x: np.ones_like(x)}
        ]
        for kind, coef, rhs in constraints:
            cons.append(
                {
                    "type": kind,
                    "fun": lambda x, a=coef, b=rhs: float(a @ x) - b,
                    "jac": lambda x, a=coef: a,
                }
            )
        res = minimize(
            neg,
            start,
            jac=True,
            method="SLSQP",
            bounds=[(0.0, 1.0)] * len(start),
            constraints=cons,
            options={"ftol": 1e-12, "maxiter": 300},
        )
        x = np.clip(np.asarray(res.x, dtype=float), 0.0, None)
        x /= x.sum()
        # The constraints hold to SLSQP's tolerance; a far-off answer is not a maximum.
        if any(
            abs(float(a @ x) - b) > 1e-6 if k == "eq" else float(a @ x) < b - 1e-6
            for k, a, b in constraints
        ):
            return -np.inf
        return min(self._value(x), self.loglik)

    def half_max(self) -> float:
        """The largest log-likelihood with ``A ≤ 1/2`` (where `other` has weight)."""
        if self._half_max is None:
            if float(self.on_style @ self.shares) <= _HALF:
                self._half_max = self.loglik
            else:
                start = self.shares * 0.0
                start[-1] = 1.0
                self._half_max = self.maximum([("ineq", -self.on_style, -_HALF)], start)
        return self._half_max

    def _start(self, style: int, v: float, total: float) -> FloatArray:
        """A point with ``A = total`` and style ``style`` holding ``v`` of it."""
        mine = self._of(style)
        rest = self.on_style - mine
        x = np.zeros_like(self.shares)
        for mask, share in ((mine, v * total), (rest, (1 - v) * total)):
            w = (self.shares + 1e-3) * mask
            x += share * w / w.sum()
        x[-1] = 1.0 - total
        return x

    def style(self, style: int, v: float) -> float:
        """ℓ_p(v) for the weight of style ``style`` (0, 1, 2)."""
        mine = self._of(style)
        a_hat = float(self.on_style @ self.shares)
        piece1 = self.maximum(
            [("eq", mine - v * self.on_style, 0.0), ("ineq", self.on_style, _HALF)],
            self._start(style, v, max(a_hat, _HALF)),
        )
        if self.half_max() <= piece1 or not np.isfinite(self.half_max()):
            return piece1
        piece2 = self.maximum(
            [("eq", mine, v / 2), ("ineq", -self.on_style, -_HALF)],
            self._start(style, v, _HALF) if v > 0 else self._start(style, 0.0, _HALF),
        )
        return max(piece1, piece2)

    def other(self, v: float) -> float:
        """ℓ_p(v) for the weight of `other`."""
        if v <= 0.0:
            a_hat = float(self.on_style @ self.shares)
            if a_hat >= _HALF:
                return self.loglik
            start = self.shares.copy()
            start[:-1] *= _HALF / max(a_hat, 1e-12)
            start[-1] = _HALF
            return self.maximum([("ineq", self.on_style, _HALF)], start)
        total = (1.0 - v) / 2.0
        x = np.zeros_like(self.shares)
        w = self.shares[:-1] + 1e-3
        x[:-1] = total * w / w.sum()
        x[-1] = 1.0 - total
        return self.maximum([("eq", self.on_style, total)], x)


#: The largest likelihood ratio used (a constrained maximum that failed counts as this far).
_LR_CAP = 1e6


def _interval(
    profile: Callable[[float], float],
    best: float,
    estimate: float,
    crit: float,
    edge_crit: tuple[float, float],
) -> tuple[float, float]:
    """The χ²₁ profile interval around ``estimate``, reaching an edge (0 or 1) where the edge
    itself is not rejected at its own critical value ``edge_crit`` (module docstring)."""

    def ratio(v: float) -> float:
        return min(2.0 * (best - profile(v)), _LR_CAP)

    ends = []
    for edge, at_edge in zip((0.0, 1.0), edge_crit, strict=True):
        if abs(edge - estimate) < 1e-9 or ratio(edge) <= max(crit, at_edge):
            ends.append(edge)
        else:
            ends.append(float(brentq(lambda v: ratio(v) - crit, estimate, edge, xtol=1e-4)))
    return ends[0], ends[1]


def profile_intervals(
    lik: FloatArray,
    counts: FloatArray,
    style_of: Sequence[int],
    shares: FloatArray,
    style_weights: FloatArray,
    level: float = LEVEL,
) -> FloatArray:
    """(styles incl. other, 2): each weight's profile-likelihood interval at ``level``, from
    the identified ``shares`` of the tremble fit and its ``style_weights``."""
    _, best = em_weights(lik, shares, em_steps=0, counts=counts)
    prof = ProfileLikelihood(lik, counts, style_of, shares, best)
    crit = float(chi2.ppf(level, 1))

    def edge(k: int) -> float:
        return float(chi2.ppf(level, k)) if k > 0 else crit

    comps = len(style_of)
    out = np.empty((STYLE_COUNT + 1, 2))
    for s in range(STYLE_COUNT):
        mine = sum(1 for x in style_of if x == s)
        if mine == 0:  # a style with no component has weight 0
            out[s] = (0.0, 0.0)
            continue
        out[s] = _interval(
            partial(prof.style, s),
            best,
            float(style_weights[s]),
            crit,
            (edge(mine), edge(comps - mine)),
        )
    out[-1] = _interval(prof.other, best, float(style_weights[-1]), crit, (crit, edge(comps)))
    return out
