"""Numerical building blocks of the styles, on a bimatrix seen from the decider.

``own[i, j]`` is the decider's payoff for its i-th action against the other's j-th, and
``other[i, j]`` the other player's payoff in the same cell, so the other player's own view of
the game is ``(other.T, own.T)``. Every function is pure and deterministic.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import root

from stratlens.agents._choice import FloatArray
from stratlens.games._equilibria import all_equilibria, maximin_strategy

TOL = 1e-9


def tol_for(*tables: FloatArray) -> float:
    """`TOL` scaled by the largest absolute payoff (at least 1)."""
    scale = max((float(np.max(np.abs(t), initial=1.0)) for t in tables), default=1.0)
    return TOL * max(scale, 1.0)


def uniform(n: int) -> FloatArray:
    return np.full(n, 1.0 / n)


def split_ties(values: FloatArray, tol: float = TOL, highest: bool = True) -> FloatArray:
    """Even split over the maximal (``highest``) or minimal entries of ``values``."""
    v = values if highest else -values
    best = (v >= v.max() - tol).astype(float)
    out: FloatArray = best / best.sum()
    return out


def first_best(values: FloatArray, tol: float = TOL, highest: bool = True) -> int:
    """Index of the first maximal (or minimal) entry."""
    v = values if highest else -values
    return int(np.flatnonzero(v >= v.max() - tol)[0])


def softmax(x: FloatArray) -> FloatArray:
    z = np.exp(x - x.max())
    out: FloatArray = z / z.sum()
    return out


def log_softmax(x: FloatArray) -> FloatArray:
    m = float(x.max())
    out: FloatArray = x - m - np.log(np.exp(x - m).sum())
    return out


def constant_sum(own: FloatArray, other: FloatArray) -> bool:
    return bool(np.ptp(own + other) <= tol_for(own, other))


def maximin_mixed(own: FloatArray) -> tuple[float, FloatArray]:
    """The mixed security level of the row chooser and a strategy guaranteeing it (an LP)."""
    value, x = maximin_strategy(own)
    return value, clean(x)


def clean(p: FloatArray, eps: float = 1e-10) -> FloatArray:
    """Zero near-zero probabilities and renormalise."""
    q = np.where(p < eps, 0.0, p)
    out: FloatArray = q / q.sum()
    return out


def is_equilibrium(own: FloatArray, other: FloatArray, x: FloatArray, y: FloatArray) -> bool:
    t = 1e2 * tol_for(own, other)
    u1, u2 = own @ y, x @ other
    return bool(u1.max() <= x @ u1 + t and u2.max() <= u2 @ y + t)


def nash_equilibria(own: FloatArray, other: FloatArray) -> list[tuple[FloatArray, FloatArray]]:
    """Nash equilibria (x for the decider, y for the other), verified and deduped.

    The equilibria are the structure module's (pure ones by best-response check, mixed ones
    from nashpy), checked again against these payoffs and merged when closer than 1e-6.
    Ordered by the sum of expected payoffs (highest first), then lexicographically by (x, y)
    with more weight on earlier actions first, so the first one is the deterministic selection
    the reference agent plays.
    """
    found = all_equilibria(own, other)
    kept: list[tuple[FloatArray, FloatArray]] = []
    for x, y in found:
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            continue
        if min(x.min(), y.min()) < -1e-9 or abs(x.sum() - 1) > 1e-6 or abs(y.sum() - 1) > 1e-6:
            continue
        x, y = clean(np.clip(x, 0.0, None)), clean(np.clip(y, 0.0, None))
        if not is_equilibrium(own, other, x, y):
            continue
        if any(np.abs(x - kx).max() <= 1e-6 and np.abs(y - ky).max() <= 1e-6 for kx, ky in kept):
            continue
        kept.append((x, y))

    def key(p: tuple[FloatArray, FloatArray]) -> tuple[float, ...]:
        x, y = p
        total = float(x @ (own + other) @ y)
        return (-round(total, 9), *(-round(float(v), 9) for v in np.concatenate([x, y])))

    return sorted(kept, key=key)


def _qre_residual(z: FloatArray, own: FloatArray, other: FloatArray, lam: float) -> FloatArray:
    n = own.shape[0]
    lx, ly = z[:n], z[n:]
    x, y = np.exp(lx), np.exp(ly)
    out: FloatArray = np.concatenate(
        [lx - log_softmax(lam * (own @ y)), ly - log_softmax(lam * (other.T @ x))]
    )
    return out


def logit_qre(own: FloatArray, other: FloatArray, lam: float) -> tuple[FloatArray, FloatArray]:
    """The logit quantal response equilibrium on the principal branch (McKelvey-Palfrey 1995).

    Each player's strategy is softmax(lam · expected payoffs against the other's strategy). The
    branch is traced from lam = 0 (both uniform) to ``lam`` by Newton steps in log-probabilities
    (`scipy.optimize.root`), shrinking the step whenever a solve fails, so the same game and
    precision always give the same equilibrium.
    """
    n, m = own.shape
    if lam <= 0.0:
        return uniform(n), uniform(m)
    z = np.concatenate([np.log(uniform(n)), np.log(uniform(m))])
    s, ds = 0.0, 0.05
    while s < 1.0:
        t = min(1.0, s + ds)
        sol = root(_qre_residual, z, args=(own, other, lam * t), method="hybr", tol=1e-13)
        ok = sol.success and float(np.abs(_qre_residual(sol.x, own, other, lam * t)).max()) < 1e-9
        if ok:
            z, s, ds = np.asarray(sol.x, dtype=float), t, min(ds * 2.0, 0.25)
        elif ds > 1e-5:
            ds /= 2.0
        else:  # give up on Newton; damped fixed-point iteration from the last point
            return _damped_qre(own, other, lam, np.exp(z[:n]), np.exp(z[n:]))
    return clean(np.exp(z[:n]), 0.0), clean(np.exp(z[n:]), 0.0)


def _damped_qre(
    own: FloatArray, other: FloatArray, lam: float, x: FloatArray, y: FloatArray
) -> tuple[FloatArray, FloatArray]:
    for _ in range(200_000):
        nx = 0.9 * x + 0.1 * softmax(lam * (own @ y))
        ny = 0.9 * y + 0.1 * softmax(lam * (other.T @ x))
        if max(np.abs(nx - x).max(), np.abs(ny - y).max()) < 1e-13:
            return nx, ny
        x, y = nx, ny
    return x, y


def level_k(
    own: FloatArray, other: FloatArray, k: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray | None]:
    """Level-k choice of the decider: (probs, own expected payoffs, prediction, other's values).

    Level 0 is uniform. A level-k player best-responds (ties split evenly) to the other at
    level k-1, computed from the other's own payoffs; ``other's values`` are the expected
    payoffs the other's level-(k-1) reasoning compares (None when k-1 is 0).
    """
    n, m = own.shape
    if k <= 0:
        return uniform(n), own @ uniform(m), uniform(m), None
    if k == 1:
        prediction, other_values = uniform(m), None
    else:
        prediction, other_values, _, _ = level_k(other.T, own.T, k - 1)
    values: FloatArray = own @ prediction
    return split_ties(values, tol_for(own)), values, prediction, other_values
