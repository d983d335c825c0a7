"""Depth of reasoning in the p-beauty contest: the level-k reading of each guess, and the
cognitive-hierarchy τ of a set of guesses by maximum likelihood.

**Level points.** Level 0 guesses uniformly from 0 to ``max_guess`` (mean 50); level k guesses
the number that is exactly p times the average when every other player guesses level k-1's
mean, ``m_k = r m_{k-1}`` with ``r = p (N-1) / (N-p)`` (own guess in the average; the
``"game"`` points, what `baseline/belief(k=…)` plays). ``"classic"`` uses ``r = p``,
Nagel's 50 p^k (the limit of many players). `level_reading` gives the level whose point is
nearest a guess (ties to the lower level).

**Cognitive hierarchy** (Camerer, Ho & Chong 2004). Levels 0..K (K = 10) have Poisson(τ)
frequencies f_k, renormalised to those levels. Level 0 guesses uniformly; level k >= 1 believes
the others are levels 0..k-1 in proportions f_0..f_{k-1} and aims at r times their average
guess: ``mu_k = r * sum_{h<k} f_h mu_h / sum_{h<k} f_h`` (``mu_0 = max_guess / 2``). A level
k >= 1 player's guess is ``mu_k`` plus noise: a normal with standard deviation σ, discretised
to the whole numbers 0..max_guess. `fit_ch` maximises the log-likelihood of the guesses over
(τ, σ), τ in [0, 10] and σ in [0.5, 40] (a grid over τ, then a bounded search from the best
grid points), with a profile-likelihood interval for τ. `simulate_ch` draws guesses from the
same model, so a fit can be checked by recovering a known τ.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize, minimize_scalar
from scipy.stats import chi2, norm

from stratlens.games._guessing import CH_LEVELS, level_means, poisson_levels, target_ratio
from stratlens.games._guessing import ch_means as _ch_means

FloatArray = npt.NDArray[np.float64]
Points = Literal["game", "classic"]

MAX_LEVEL = CH_LEVELS
TAU_BOUNDS = (0.0, 10.0)
SIGMA_BOUNDS = (0.5, 40.0)
_TAU_GRID = np.concatenate([np.linspace(0.0, 3.0, 31)[1:], np.linspace(3.25, 10.0, 28)])


@dataclass(frozen=True)
class Contest:
    """The parameters of a p-beauty contest that the reading and the fit need."""

    players: int
    p: Fraction
    max_guess: int = 100

    def ratio(self, points: Points = "game") -> float:
        return float(self.p if points == "classic" else target_ratio(self.players, self.p))


def level_points(contest: Contest, levels: int = 6, points: Points = "game") -> list[float]:
    """Level k's guess for k = 0..``levels`` (level 0: the mean of uniform guesses)."""
    if points == "game":
        return level_means(contest.players, contest.p, contest.max_guess, levels)
    out = [contest.max_guess / 2.0]
    for _ in range(levels):
        out.append(min(float(contest.max_guess), float(contest.p) * out[-1]))
    return out


def level_reading(guess: float, contest: Contest, levels: int = 6, points: Points = "game") -> int:
    """The level whose guess is nearest ``guess`` (the lower level on a tie)."""
    pts = level_points(contest, levels, points)
    return int(np.argmin([abs(guess - m) for m in pts]))  # the first minimum: the lower level


def level_shares(
    guesses: Sequence[int], contest: Contest, levels: int = 6, points: Points = "game"
) -> list[float]:
    """The share of guesses read as each level 0..``levels``."""
    counts = np.zeros(levels + 1)
    for g in guesses:
        counts[level_reading(g, contest, levels, points)] += 1
    return [float(c) for c in counts / max(len(guesses), 1)]


# --- cognitive hierarchy ---------------------------------------------------------------------


def level_frequencies(tau: float, levels: int = MAX_LEVEL) -> FloatArray:
    return poisson_levels(tau, levels)


def ch_means(tau: float, contest: Contest, levels: int = MAX_LEVEL) -> FloatArray:
    """mu_k, k = 0..levels, of the cognitive hierarchy at τ (`stratlens.games._guessing`)."""
    return _ch_means(tau, contest.players, contest.p, contest.max_guess, levels)


def ch_probabilities(tau: float, sigma: float, contest: Contest) -> FloatArray:
    """The probability of each guess 0..max_guess under the model at (τ, σ)."""
    grid = np.arange(contest.max_guess + 1, dtype=float)
    f = level_frequencies(tau)
    mu = ch_means(tau, contest)
    lo = norm.cdf((grid[None, :] - 0.5 - mu[1:, None]) / sigma)
    hi = norm.cdf((grid[None, :] + 0.5 - mu[1:, None]) / sigma)
    mass = hi - lo
    mass /= np.maximum(mass.sum(axis=1, keepdims=True), 1e-300)
    probs = f[0] / len(grid) + f[1:] @ mass
    out: FloatArray = np.maximum(probs, 1e-300)
    return out


def simulate_ch(
    tau: float, sigma: float, contest: Contest, n: int, rng: np.random.Generator
) -> list[int]:
    """``n`` guesses drawn from the model at (τ, σ)."""
    probs = ch_probabilities(tau, sigma, contest)
    return [int(g) for g in rng.choice(len(probs), size=n, p=probs / probs.sum())]


@dataclass(frozen=True)
class CHFit:
    tau: float
    sigma: float
    loglik: float
    n: int
    tau_ci: tuple[float, float]
    level: float

    def to_dict(self) -> dict[str, object]:
        return {
            "tau": self.tau,
            "sigma": self.sigma,
            "loglik": self.loglik,
            "n": self.n,
            "tau_ci": list(self.tau_ci),
            "level": self.level,
        }


def _counts(guesses: Sequence[int], contest: Contest) -> FloatArray:
    g = np.asarray(list(guesses), dtype=int)
    if g.size == 0:
        raise ValueError("no guesses to fit")
    if g.min() < 0 or g.max() > contest.max_guess:
        raise ValueError(f"guesses must lie in 0..{contest.max_guess}")
    return np.bincount(g, minlength=contest.max_guess + 1).astype(float)


def _loglik(tau: float, sigma: float, counts: FloatArray, contest: Contest) -> float:
    return float(counts @ np.log(ch_probabilities(tau, sigma, contest)))


def _best_sigma(tau: float, counts: FloatArray, contest: Contest) -> tuple[float, float]:
    res = minimize_scalar(
        lambda ls: -_loglik(tau, math.exp(ls), counts, contest),
        bounds=(math.log(SIGMA_BOUNDS[0]), math.log(SIGMA_BOUNDS[1])),
        method="bounded",
        options={"xatol": 1e-4},
    )
    return math.exp(float(res.x)), -float(res.fun)


def fit_ch(guesses: Sequence[int], contest: Contest, level: float = 0.95) -> CHFit:
    """τ and σ by maximum likelihood, with a ``level`` profile-likelihood interval for τ."""
    counts = _counts(guesses, contest)
    profile = [(float(t), *_best_sigma(float(t), counts, contest)) for t in _TAU_GRID]
    starts = sorted(profile, key=lambda r: -r[2])[:3]
    best = (starts[0][0], starts[0][1], starts[0][2])
    for tau0, sigma0, _ in starts:
        res = minimize(
            lambda x: -_loglik(x[0], math.exp(x[1]), counts, contest),
            x0=[tau0, math.log(sigma0)],
            method="L-BFGS-B",
            bounds=[TAU_BOUNDS, (math.log(SIGMA_BOUNDS[0]), math.log(SIGMA_BOUNDS[1]))],
        )
        if -float(res.fun) > best[2]:
            best = (float(res.x[0]), math.exp(float(res.x[1])), -float(res.fun))
    cut = best[2] - chi2.ppf(level, 1) / 2.0
    inside = [t for t, _, ll in profile if ll >= cut] + [best[0]]
    lo, hi = min(inside), max(inside)
    # The interval's ends: between the last grid point inside and the first outside.
    lo = _edge(lo, -1, cut, counts, contest)
    hi = _edge(hi, +1, cut, counts, contest)
    return CHFit(best[0], best[1], best[2], int(counts.sum()), (lo, hi), level)


def _edge(start: float, direction: int, cut: float, counts: FloatArray, contest: Contest) -> float:
    """Walk from ``start`` in ``direction`` until the profile log-likelihood drops below
    ``cut`` (bisection on the last step); the bound of τ when it never does."""
    bound = TAU_BOUNDS[1] if direction > 0 else TAU_BOUNDS[0]
    step = 0.05
    inside = start
    while True:
        nxt = min(max(inside + direction * step, TAU_BOUNDS[0]), TAU_BOUNDS[1])
        if nxt == inside:
            return bound
        if _best_sigma(nxt, counts, contest)[1] < cut:
            break
        inside = nxt
    a, b = inside, nxt
    for _ in range(12):
        mid = (a + b) / 2
        if _best_sigma(mid, counts, contest)[1] >= cut:
            a = mid
        else:
            b = mid
    return a


__all__ = [
    "CHFit",
    "Contest",
    "ch_means",
    "ch_probabilities",
    "fit_ch",
    "level_frequencies",
    "level_points",
    "level_reading",
    "level_shares",
    "simulate_ch",
]
