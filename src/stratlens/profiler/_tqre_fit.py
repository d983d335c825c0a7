"""Maximising a two-parameter log-likelihood over (τ, γ) and its profile-likelihood intervals.

The likelihood surfaces of TQRE are multimodal and have ridges, so the search starts from a
grid: ``TAU_GRID × GAMMA_GRID`` is evaluated in one batched call, and local searches start
from the grid's best local maxima (`pattern_search`, a batched compass search). The same grid
gives the profile likelihoods; an interval endpoint is then located by root finding on the
profile, each profile value being a grid maximum refined on a finer grid around it.

A 100·level % interval is the smallest interval holding every value whose profile
log-likelihood is within ``chi2.ppf(level, 1) / 2`` of the maximum (profile likelihood; with a
multimodal profile the set may have gaps, and the interval spans them). An end that reaches
the search region's edge is reported as the parameter's bound: 0, or ``inf`` at the top.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from stratlens.profiler._tqre_models import FloatArray

#: A batched log-likelihood: arrays τ and γ of one shape → one value per pair (higher = better).
BatchLL = Callable[[FloatArray, FloatArray], FloatArray]

TAU_MAX = 10.0
#: Steps of 0.1, and finer below 0.1 where a small change of τ moves the level mixture most.
#: The likelihood can change sharply with τ (in games with cycling best replies the levels'
#: choices alternate), so the grid is fine in τ.
TAU_GRID: FloatArray = np.concatenate([[0.0, 0.025, 0.05, 0.075], np.linspace(0.1, TAU_MAX, 100)])
GAMMA_GRID: FloatArray = np.geomspace(1e-3, 1e3, 73)
LOG_GAMMA_GRID: FloatArray = np.log(GAMMA_GRID)
#: Local maxima of the grid polished per fit (best first).
GRID_STARTS = 6


@dataclass(frozen=True)
class Optimum:
    tau: float
    gamma: float
    loglik: float
    converged: bool
    grid: FloatArray  # ll on TAU_GRID × GAMMA_GRID


def evaluate_grid(ll: BatchLL) -> FloatArray:
    t, g = np.meshgrid(TAU_GRID, GAMMA_GRID, indexing="ij")
    values = ll(t.ravel(), g.ravel()).reshape(t.shape)
    out: FloatArray = np.where(np.isfinite(values), values, -np.inf)
    return out


def grid_maxima(grid: FloatArray, limit: int) -> list[tuple[float, float]]:
    """The (τ, γ) of the grid's local maxima (8-neighbourhood), best first."""
    padded = np.pad(grid, 1, constant_values=-np.inf)
    centre = padded[1:-1, 1:-1]
    peak = np.ones_like(grid, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                nb = padded[1 + di : padded.shape[0] - 1 + di, 1 + dj : padded.shape[1] - 1 + dj]
                peak &= centre >= nb
    idx = np.argwhere(peak & np.isfinite(grid))
    order = np.argsort([-grid[i, j] for i, j in idx], kind="stable")
    return [(float(TAU_GRID[idx[o][0]]), float(GAMMA_GRID[idx[o][1]])) for o in order[:limit]]


#: Windows of the dense multi-start: ±`DENSE_SPAN` coarse steps around each of the coarse
#: grid's `DENSE_WINDOWS` best local maxima, `DENSE_POINTS` values per axis.
DENSE_WINDOWS = 8
DENSE_SPAN = 3
DENSE_POINTS = 161


def dense_starts(
    ll: BatchLL, grid: FloatArray, limit: int = DENSE_WINDOWS
) -> list[tuple[float, float]]:
    """The best point of a dense grid around each of the coarse grid's best local maxima.

    For a jagged surface (the jia2025 objective's narrow ridges in γ fall between the coarse
    grid's points) the local searches then start where the dense grid saw the ridge.
    """
    out = []
    for tau, gamma in grid_maxima(grid, limit):
        i = int(np.argmin(np.abs(TAU_GRID - tau)))
        j = int(np.argmin(np.abs(GAMMA_GRID - gamma)))
        t_lo, t_hi = (
            TAU_GRID[max(i - DENSE_SPAN, 0)],
            TAU_GRID[min(i + DENSE_SPAN, TAU_GRID.size - 1)],
        )
        g_lo = LOG_GAMMA_GRID[max(j - DENSE_SPAN, 0)]
        g_hi = LOG_GAMMA_GRID[min(j + DENSE_SPAN, GAMMA_GRID.size - 1)]
        t, g = np.meshgrid(
            np.linspace(t_lo, t_hi, DENSE_POINTS),
            np.exp(np.linspace(g_lo, g_hi, DENSE_POINTS)),
            indexing="ij",
        )
        values = ll(t.ravel(), g.ravel())
        values = np.where(np.isfinite(values), values, -np.inf)
        k = int(np.argmax(values))
        out.append((float(t.ravel()[k]), float(g.ravel()[k])))
    return out


def best_of(
    results: Sequence[tuple[float, float, float, bool]], *, prefer_converged: bool = False
) -> tuple[float, float, float, bool]:
    """The highest log-likelihood (among converged searches first, if asked and any did)."""
    finite = [r for r in results if math.isfinite(r[2])]
    if not finite:
        raise ValueError("no local search reached a finite log-likelihood")
    if prefer_converged:
        return max(finite, key=lambda r: (r[3], r[2]))
    return max(finite, key=lambda r: r[2])


LOG_GAMMA_BOUNDS = (math.log(1e-4), math.log(1e4))


def pattern_search(
    ll: BatchLL, starts: Sequence[tuple[float, float]], *, tol: float = 1e-6, max_iter: int = 400
) -> list[tuple[float, float, float, bool]]:
    """A batched compass search on (τ, ln γ) from every start at once.

    Each round evaluates a 5×5 stencil (offsets 0, ±h/2, ±h on both axes) around every
    unfinished point; a point moves to its stencil's best and widens its step by 1.5, or halves
    the step when nothing beats it, until the step is below ``tol``. Returns (τ, γ,
    log-likelihood, converged) per start.
    """
    lo = np.array([0.0, LOG_GAMMA_BOUNDS[0]])
    hi = np.array([TAU_MAX, LOG_GAMMA_BOUNDS[1]])
    x = np.clip(np.array([[t, math.log(max(g, 1e-300))] for t, g in starts]), lo, hi)
    if x.size == 0:
        return []
    value = ll(x[:, 0], np.exp(x[:, 1]))
    value = np.where(np.isfinite(value), value, -np.inf)
    h = np.full(len(x), 0.2)
    offsets = np.array([(a, b) for a in (-1, -0.5, 0, 0.5, 1) for b in (-1, -0.5, 0, 0.5, 1)])
    for _ in range(max_iter):
        active = np.flatnonzero(h >= tol)
        if active.size == 0:
            break
        cand = x[active, None, :] + h[active, None, None] * offsets[None, :, :]
        cand = np.clip(cand, lo, hi).reshape(-1, 2)
        v = ll(cand[:, 0], np.exp(cand[:, 1])).reshape(active.size, len(offsets))
        v = np.where(np.isfinite(v), v, -np.inf)
        j = np.argmax(v, axis=1)
        top = v[np.arange(active.size), j]
        better = top > value[active] + 1e-13
        moved = active[better]
        x[moved] = cand.reshape(active.size, len(offsets), 2)[better, j[better]]
        value[moved] = top[better]
        h[moved] = np.minimum(h[moved] * 1.5, 0.5)
        h[active[~better]] /= 2.0
    return [
        (float(x[i, 0]), math.exp(float(x[i, 1])), float(value[i]), bool(h[i] < tol))
        for i in range(len(x))
    ]


def _refined_max(f: Callable[[FloatArray], FloatArray], grid: FloatArray) -> float:
    """The maximum of a one-dimensional function: the best grid point, then the best of a
    32-times finer grid between that point's neighbours (one batched call each)."""
    values = f(grid)
    values = np.where(np.isfinite(values), values, -np.inf)
    j = int(np.argmax(values))
    fine = np.linspace(grid[max(j - 1, 0)], grid[min(j + 1, grid.size - 1)], 65)
    refined = f(fine)
    refined = np.where(np.isfinite(refined), refined, -np.inf)
    return max(float(values[j]), float(refined.max()))


def _profile_tau(ll: BatchLL, tau: float) -> float:
    """max over γ of the log-likelihood at τ."""
    return _refined_max(lambda lg: ll(np.full(lg.size, tau), np.exp(lg)), LOG_GAMMA_GRID)


_FINE_TAU: FloatArray = np.linspace(0.0, TAU_MAX, 101)


def _profile_gamma(ll: BatchLL, gamma: float) -> float:
    """max over τ of the log-likelihood at γ."""
    return _refined_max(lambda t: ll(t, np.full(t.size, gamma)), _FINE_TAU)


def _interval(
    profile: FloatArray,
    x: FloatArray,
    cut: float,
    at: Callable[[float], float],
    edges: tuple[float, float],
    estimate: float,
) -> tuple[float, float]:
    """Hull of ``{x : profile(x) >= cut}`` and the estimate; each end refined by root finding
    between the last grid point inside and the first outside, or the edge value at the grid's
    end."""
    inside = np.flatnonzero(profile >= cut)
    if inside.size == 0:  # a peak sharper than the grid: the cell around the estimate
        i = int(np.searchsorted(x, estimate))
        return float(x[max(i - 1, 0)]), float(x[min(i, x.size - 1)])
    lo_i, hi_i = int(inside[0]), int(inside[-1])

    def end(a: float, b: float) -> float:
        def f(v: float) -> float:
            return at(v) - cut

        fa, fb = f(a), f(b)
        if fa * fb > 0:
            return b if fa < 0 else a
        return float(brentq(f, a, b, xtol=1e-3))

    lo = edges[0] if lo_i == 0 else end(float(x[lo_i - 1]), float(x[lo_i]))
    hi = edges[1] if hi_i == x.size - 1 else end(float(x[hi_i]), float(x[hi_i + 1]))
    return min(lo, estimate), max(hi, estimate)


def profile_intervals(
    ll: BatchLL, best: Optimum, threshold: float, scale: float
) -> tuple[tuple[float, float], tuple[float, float], float]:
    """(τ interval, γ interval, best log-likelihood) on the objective's own scale.

    ``scale`` converts the objective to a log-likelihood of counts (1 for a count likelihood,
    the number of observations for a per-observation objective); ``threshold`` is the drop in
    count log-likelihood that bounds the interval.
    """
    grid = best.grid
    top = max(best.loglik, float(grid.max()))
    cut = top - threshold / scale
    tau_ci = _interval(
        grid.max(axis=1),
        TAU_GRID,
        cut,
        lambda t: _profile_tau(ll, t),
        (0.0, math.inf),
        best.tau,
    )
    log_ci = _interval(
        grid.max(axis=0),
        LOG_GAMMA_GRID,
        cut,
        lambda lg: _profile_gamma(ll, math.exp(lg)),
        (-math.inf, math.inf),
        math.log(best.gamma),
    )
    gamma_ci = (math.exp(log_ci[0]), math.exp(log_ci[1]))
    return tau_ci, gamma_ci, top
