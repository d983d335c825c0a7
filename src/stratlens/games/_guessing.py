"""The p-beauty contest's payoff rule as plain arithmetic (no OpenSpiel), shared by the game,
its view and the reference agents.

Each of N players guesses a whole number from 0 to ``max_guess``. The target is p times the
average guess (``p = p_num / p_den``); the guesses nearest the target share the prize equally.
Distances are compared in integers, ``|N * p_den * guess - p_num * sum|``, so ties are exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def shares(guesses: Sequence[int], p_num: int, p_den: int, prize: float) -> list[float]:
    """Each player's payoff for one profile of guesses."""
    n = len(guesses)
    total = sum(guesses)
    dist = [abs(n * p_den * g - p_num * total) for g in guesses]
    best = min(dist)
    winners = sum(1 for d in dist if d == best)
    return [prize / winners if d == best else 0.0 for d in dist]


def own_shares(own: IntArray, others: IntArray, p_num: int, p_den: int, prize: float) -> FloatArray:
    """The first player's payoff for every own guess (axis 0) and others' profile (axis 1).

    ``own`` has shape (G,), ``others`` shape (M, N-1): the result has shape (G, M).
    """
    n = others.shape[1] + 1
    total = own[:, None] + others.sum(axis=1)[None, :]  # (G, M)
    scaled = p_num * total
    mine = np.abs(n * p_den * own[:, None] - scaled)
    theirs = np.abs(n * p_den * others[None, :, :] - scaled[:, :, None])  # (G, M, N-1)
    closest = np.minimum(mine, theirs.min(axis=2))
    won = mine == closest
    tied = 1 + (theirs == closest[:, :, None]).sum(axis=2)
    out: FloatArray = np.where(won, prize / tied, 0.0)
    return out


def target_ratio(players: int, p: Fraction) -> Fraction:
    """The guess g that equals p times the average when the N-1 others average m is ``r * m``
    with ``r = p (N-1) / (N - p)`` (own guess counted in the average; ``r -> p`` as N grows)."""
    return p * (players - 1) / (players - p)


def fraction_text(p: Fraction) -> str:
    return str(p.numerator) if p.denominator == 1 else f"{p.numerator}/{p.denominator}"


def level_means(players: int, p: Fraction, max_guess: int, levels: int) -> list[float]:
    """The level-k guesses 0..``levels``: level 0 guesses uniformly (mean ``max_guess / 2``);
    level k guesses the number that is exactly p times the average when the others all guess
    level k-1's mean: ``r * m_{k-1}`` with `target_ratio` r (``50 r^k`` for guesses 0..100).

    Against others who all guess m_{k-1} > 0 this wins outright (it *is* the target), so for
    k >= 2 it is a best reply; level 1 answers the mean of uniform guesses (with 3 players and
    p = 2/3 it guesses 29, where the exact best reply to two uniform guesses is 26)."""
    r = float(target_ratio(players, p))
    means = [max_guess / 2.0]
    for _ in range(levels):
        means.append(min(float(max_guess), r * means[-1]))
    return means


def nearest_guess(x: float, max_guess: int) -> int:
    """The whole number nearest ``x`` in 0..max_guess (halves round up)."""
    return int(min(max(np.floor(x + 0.5), 0), max_guess))


EXACT_OTHERS = 2  # every profile of the others is enumerated up to this many others


def other_profiles(players: int, max_guess: int) -> tuple[IntArray, bool]:
    """Profiles of the N-1 others' guesses, and whether they are all of them.

    Every profile up to `EXACT_OTHERS` others; beyond, the profiles in which the others use at
    most two numbers (x by the first j of them, y by the rest), a subset."""
    grid = np.arange(max_guess + 1, dtype=np.int64)
    m = players - 1
    if m <= EXACT_OTHERS:
        full = np.stack(np.meshgrid(*([grid] * m), indexing="ij"), axis=-1).reshape(-1, m)
        return full.astype(np.int64), True
    rows = [
        [x] * j + [y] * (m - j) for x in range(max_guess + 1) for y in grid for j in range(1, m + 1)
    ]
    return np.asarray(rows, dtype=np.int64), False


def worst_cases(
    players: int, p_num: int, p_den: int, max_guess: int, prize: float
) -> tuple[FloatArray, bool]:
    """Each guess's worst payoff over the others' guesses, and whether that is exact (it is
    whenever every profile was searched, or the worst found is 0, the least there is)."""
    profiles, complete = other_profiles(players, max_guess)
    own = np.arange(max_guess + 1, dtype=np.int64)
    worst: FloatArray = own_shares(own, profiles, p_num, p_den, prize).min(axis=1)
    return worst, complete or bool(np.all(worst <= 0.0))


def symmetric_equilibria(players: int, p_num: int, p_den: int, max_guess: int) -> list[int]:
    """The numbers c such that everyone guessing c is a pure equilibrium (no player gains by
    guessing anything else: with the others at c, each other guess pays at most 1/N)."""
    own = np.arange(max_guess + 1, dtype=np.int64)
    out = []
    for c in range(max_guess + 1):
        others = np.full((1, players - 1), c, dtype=np.int64)
        pay = own_shares(own, others, p_num, p_den, 1.0)[:, 0]
        if pay.max() <= pay[c] + 1e-12:
            out.append(c)
    return out


CH_LEVELS = 10  # the cognitive hierarchy's levels 0..CH_LEVELS


def poisson_levels(tau: float, levels: int = CH_LEVELS) -> FloatArray:
    """Poisson(τ) frequencies of levels 0..``levels``, renormalised to those levels."""
    k = np.arange(levels + 1)
    logf = k * np.log(max(tau, 1e-300)) - np.cumsum(np.log(np.maximum(k, 1))) - tau
    f = np.exp(logf - logf.max()) if tau > 0 else (k == 0).astype(float)
    out: FloatArray = f / f.sum()
    return out


def ch_means(
    tau: float, players: int, p: Fraction, max_guess: int, levels: int = CH_LEVELS
) -> FloatArray:
    """The cognitive hierarchy's mean guess per level (Camerer, Ho & Chong 2004): level 0
    guesses uniformly (mean ``max_guess / 2``); level k aims at `target_ratio` times the
    average of levels 0..k-1 weighted by their `poisson_levels` frequencies."""
    f = poisson_levels(tau, levels)
    r = float(target_ratio(players, p))
    mu = np.zeros(levels + 1)
    mu[0] = max_guess / 2.0
    for k in range(1, levels + 1):
        weight = float(f[:k].sum())
        prior = float(f[:k] @ mu[:k]) / weight if weight > 0 else mu[0]
        mu[k] = min(float(max_guess), r * prior)
    return mu
