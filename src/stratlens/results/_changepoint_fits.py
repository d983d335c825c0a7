"""The fits behind `stratlens.results.changepoint`: weighted least squares, the execution
curves' flat / line / ramp-then-plateau models, and the strategy curves' slope and break.

Conventions (orientation, variances, BIC) are those of the changepoint module's documentation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
MIN_CHECKPOINTS = 4
MIN_AFTER = 3


def wls(x_cols: FloatArray, y: FloatArray, w: FloatArray) -> tuple[FloatArray, float, FloatArray]:
    """Coefficients, χ² and coefficient covariance of a weighted least-squares fit.

    statsmodels' ``WLS``: χ² is its ``ssr`` (Σ wᵢ eᵢ²) and the covariance its
    ``normalized_cov_params``, (X'WX)⁺, unscaled because the weights are known inverse
    variances.
    """
    import statsmodels.api as sm

    fit = sm.WLS(y, x_cols, weights=w).fit()
    beta = np.asarray(fit.params, dtype=np.float64)
    cov = np.asarray(fit.normalized_cov_params, dtype=np.float64)
    return beta, float(fit.ssr), cov


@dataclass(frozen=True)
class ExecutionFit:
    name: str
    model: Literal["flat", "line", "ramp", "none"]
    saturated_at: int | None  # index of c_E for this curve, None when it does not saturate
    bic: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class StrategyFit:
    name: str
    slope_after: float  # per checkpoint, oriented so positive is better; NaN when not computed
    t_after: float
    moving: bool
    break_at: int | None  # index where a flat-then-moving fit puts the break (cross-check)


def fit_execution(name: str, y: FloatArray, v: FloatArray, z: float) -> ExecutionFit:
    k = len(y)
    x = np.arange(k, dtype=np.float64)
    w = 1.0 / np.maximum(v, 1e-12)
    ln_k = math.log(k)
    bic: dict[str, float] = {}
    _, chi_flat, _ = wls(np.ones((k, 1)), y, w)
    bic["flat"] = chi_flat + ln_k
    beta_line, chi_line, cov_line = wls(np.column_stack([np.ones(k), x]), y, w)
    bic["line"] = chi_line + 2 * ln_k
    best_tau, best_ramp, best_t = -1, math.inf, 0.0
    for tau in range(1, k - 1):
        beta, chi, cov = wls(np.column_stack([np.ones(k), np.minimum(x, tau)]), y, w)
        if chi + 3 * ln_k < best_ramp:
            best_tau, best_ramp = tau, chi + 3 * ln_k
            best_t = float(beta[1]) / math.sqrt(max(float(cov[1, 1]), 1e-300))
    if best_tau > 0:
        bic["ramp"] = best_ramp
    line_t = float(beta_line[1]) / math.sqrt(max(float(cov_line[1, 1]), 1e-300))
    # A ramp or a line counts only when its slope is z errors away from 0.
    allowed = {"flat"}
    if abs(line_t) >= z:
        allowed.add("line")
    if "ramp" in bic and abs(best_t) >= z:
        allowed.add("ramp")
    model = min(allowed, key=lambda key: bic[key])
    if model == "line":
        return ExecutionFit(name, "line", None, bic)
    start = plateau_start(y, v, 0 if model == "flat" else best_tau, z)
    if start is None:
        return ExecutionFit(name, "line", None, bic)
    return ExecutionFit(name, "flat" if start == 0 else "ramp", start, bic)


def plateau_start(y: FloatArray, v: FloatArray, start: int, z: float) -> int | None:
    """The first index ≥ ``start`` from which every point lies within ``z`` errors of the mean
    of the points from there on (at least 2 of them); None if there is none."""
    k = len(y)
    w = 1.0 / np.maximum(v, 1e-12)
    while start <= k - 2:
        tail = slice(start, k)
        wt = w[tail]
        level = float(np.sum(wt * y[tail]) / np.sum(wt))
        v_level = 1.0 / float(np.sum(wt))
        bad = np.nonzero(np.abs(y[tail] - level) > z * np.sqrt(v[tail] + v_level))[0]
        if bad.size == 0:
            return start
        start = start + int(bad[-1]) + 1
    return None


def joint_ramp(ys: Sequence[tuple[FloatArray, FloatArray]], z: float) -> int | None:
    """The plateau start shared by several ramp curves: τ minimising their summed χ², then
    moved on until every curve is within its interval."""
    k = len(ys[0][0])
    x = np.arange(k, dtype=np.float64)
    best_tau, best_chi = 1, math.inf
    for tau in range(1, k - 1):
        design = np.column_stack([np.ones(k), np.minimum(x, tau)])
        chi = sum(wls(design, y, 1.0 / np.maximum(v, 1e-12))[1] for y, v in ys)
        if chi < best_chi:
            best_tau, best_chi = tau, chi
    start: int | None = best_tau
    for y, v in ys:
        if start is None:
            return None
        start = plateau_start(y, v, start, z)
    return start


def fit_strategy(
    name: str, y: FloatArray, v: FloatArray, start: int | None, z: float
) -> StrategyFit:
    """Movement after ``start`` (finite points only) and a flat-then-moving break."""
    ok = np.isfinite(y) & np.isfinite(v)
    x_all = np.arange(len(y), dtype=np.float64)
    slope, t, moving = math.nan, math.nan, False
    if start is not None:
        sel = ok & (x_all >= start)
        n = int(sel.sum())
        if n >= MIN_AFTER:
            w = 1.0 / np.maximum(v[sel], 1e-12)
            beta, chi, cov = wls(np.column_stack([np.ones(n), x_all[sel]]), y[sel], w)
            inflate = max(1.0, chi / max(n - 2, 1))
            se = math.sqrt(max(float(cov[1, 1]) * inflate, 1e-300))
            slope, t = float(beta[1]), float(beta[1]) / se
            moving = abs(t) >= z
    x, yy, w = x_all[ok], y[ok], 1.0 / np.maximum(v[ok], 1e-12)
    k = len(x)
    if k < MIN_CHECKPOINTS:
        return StrategyFit(name, slope, t, moving, None)
    ln_k = math.log(k)
    _, chi_flat, _ = wls(np.ones((k, 1)), yy, w)
    _, chi_line, _ = wls(np.column_stack([np.ones(k), x]), yy, w)
    best: tuple[float, int | None] = (min(chi_flat + ln_k, chi_line + 2 * ln_k), None)
    for tau in x[1:-1]:
        _, chi, _ = wls(np.column_stack([np.ones(k), np.maximum(x - tau, 0.0)]), yy, w)
        if chi + 3 * ln_k < best[0]:
            best = (chi + 3 * ln_k, int(tau))
    return StrategyFit(name, slope, t, moving, best[1])
