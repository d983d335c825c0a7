"""Where execution stops being the bottleneck: the phase boundary across checkpoints.

Input: curves over checkpoints c = 0 … K−1, each on the *execution* axis (valid format, legal
action, payoff arithmetic) or the *strategy* axis (payoff, regret, equilibrium distance, depth,
style shares), with the per-unit values behind each point (0/1 trials or per-decision values),
so that each point has a standard error and can be bootstrapped. Checkpoints are equally spaced
on the x axis (their index), whatever their training steps.

**Execution saturation** c_E, per execution curve (oriented so higher is better), by weighted
least squares with each point's variance and model choice by BIC (χ² + p·ln K) among

- *flat*: one level throughout (saturated from the first checkpoint: phase ① absent);
- *line*: a straight line (still changing at the last checkpoint: not saturated);
- *ramp then plateau*: ``a + b·min(x, τ)`` for τ = 1 … K−2 (the plateau holds ≥ 2 points),

then checked "within its interval": every point from c_E on lies within ``z`` standard errors
of the plateau's mean (else c_E moves past the last point that does not). c_E over all
execution curves is the latest of theirs; a curve that does not saturate means none.

**Strategy still moves** after c_E when, over the checkpoints from c_E on (at least 3), the
weighted slope of some strategy curve is ``z`` standard errors away from 0 (its standard error
inflated by the lack of fit when the points scatter more than their errors say).

**The boundary** is the step of c_E when both hold, otherwise none, with the reason. Its
interval: the boundary recomputed on ``n_boot`` bootstrap resamples (units resampled within
each checkpoint), the ``level`` percentile interval of the steps found, and the share of
resamples that found one (the interval is given only when the data themselves give a
boundary). A strategy break (flat, then moving: ``a + b·max(x − τ, 0)``) is reported per
strategy curve as a cross-check; the two phases may overlap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Axis = Literal["execution", "strategy"]
MIN_CHECKPOINTS = 4
MIN_AFTER = 3


@dataclass(frozen=True)
class Curve:
    """One metric over checkpoints: per checkpoint, the per-unit numerators and denominators
    (the point is ``Σ num / Σ den``; plain means have denominators 1).

    A metric known only as an estimate and its standard error per checkpoint (``fixed``) is
    resampled from the normal approximation instead of by units.
    """

    name: str
    axis: Axis
    num: tuple[FloatArray, ...]
    den: tuple[FloatArray, ...]
    higher_is_better: bool = True
    fixed: tuple[FloatArray, FloatArray] | None = None

    @classmethod
    def from_estimates(
        cls,
        name: str,
        axis: Axis,
        values: npt.ArrayLike,
        ses: npt.ArrayLike,
        higher_is_better: bool = True,
    ) -> Curve:
        v = np.asarray(values, dtype=np.float64)
        se = np.asarray(ses, dtype=np.float64)
        empty = tuple(np.zeros(0) for _ in v)
        return cls(name, axis, empty, empty, higher_is_better, (v, se))

    def __len__(self) -> int:
        return len(self.fixed[0]) if self.fixed is not None else len(self.num)

    @classmethod
    def from_samples(
        cls,
        name: str,
        axis: Axis,
        samples: Sequence[npt.ArrayLike],
        higher_is_better: bool = True,
    ) -> Curve:
        num = tuple(np.asarray(s, dtype=np.float64).ravel() for s in samples)
        return cls(name, axis, num, tuple(np.ones_like(n) for n in num), higher_is_better)

    def point_estimates(self) -> tuple[FloatArray, FloatArray]:
        """Per checkpoint, the value and the variance of the value (NaN where undefined)."""
        if self.fixed is not None:
            values, ses = self.fixed
            var = np.where(np.isfinite(values), np.maximum(ses, 0.0) ** 2, np.nan)
            return values.copy(), var
        return _estimates(self.num, self.den)

    def resampled(self, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        """One bootstrap replicate of `point_estimates`."""
        if self.fixed is not None:
            values, var = self.point_estimates()
            draw = values + np.sqrt(np.nan_to_num(var)) * rng.standard_normal(len(values))
            return draw, var
        return _estimates(*_resample(self, rng))


def _estimates(
    num: Sequence[FloatArray], den: Sequence[FloatArray]
) -> tuple[FloatArray, FloatArray]:
    """Means and variances of the means (delta method, residual variance shrunk toward the
    pooled one by one pseudo-unit so that a checkpoint at 100 % does not get zero variance)."""
    k = len(num)
    means = np.full(k, np.nan)
    s2 = np.full(k, np.nan)
    m = np.zeros(k)
    sums = np.zeros(k)
    for c in range(k):
        n, d = num[c], den[c]
        m[c] = len(n)
        sums[c] = float(d.sum())
        if m[c] == 0 or sums[c] <= 0:
            continue
        means[c] = float(n.sum()) / sums[c]
        resid = n - means[c] * d
        s2[c] = float(resid @ resid) / max(m[c] - 1, 1)
    ok = ~np.isnan(s2)
    if all(_is_binary(n, d) for n, d in zip(num, den, strict=True)):
        # 0/1 trials: the binomial variance at the add-one (Laplace) smoothed rate, so that
        # 30 successes out of 30 do not make a point of zero variance.
        p = (np.array([float(n.sum()) for n in num]) + 1.0) / (m + 2.0)
        var_b = p * (1.0 - p) / np.maximum(m, 1)
        var_b[~ok] = np.nan
        return means, var_b
    pooled = float(np.average(s2[ok], weights=np.maximum(m[ok] - 1, 1))) if ok.any() else 0.0
    pooled = max(pooled, 1e-12)
    shrunk = ((m - 1).clip(0) * np.nan_to_num(s2) + pooled) / np.maximum(m, 1)
    dbar = sums / np.maximum(m, 1)
    var = shrunk / np.maximum(m, 1) / np.where(dbar > 0, dbar, 1.0) ** 2
    var[~ok] = np.nan
    return means, var


def _is_binary(num: FloatArray, den: FloatArray) -> bool:
    return bool(np.all(den == 1.0) and np.all((num == 0.0) | (num == 1.0)))


def _wls(x_cols: FloatArray, y: FloatArray, w: FloatArray) -> tuple[FloatArray, float, FloatArray]:
    """Coefficients, χ² and coefficient covariance of a weighted least-squares fit."""
    sw = np.sqrt(w)
    a = x_cols * sw[:, None]
    b = y * sw
    xtx = a.T @ a
    cov: FloatArray = np.linalg.pinv(xtx).astype(np.float64)
    beta = cov @ (a.T @ b)
    resid = b - a @ beta
    return beta, float(resid @ resid), cov


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


@dataclass(frozen=True)
class Boundary:
    """The phase boundary (or none, and why) with its bootstrap interval."""

    step: int | None
    index: int | None
    reason: str
    interval: tuple[int, int] | None
    found_share: float
    level: float
    n_boot: int
    steps: tuple[int, ...]
    execution: tuple[ExecutionFit, ...]
    strategy: tuple[StrategyFit, ...]

    @property
    def found(self) -> bool:
        return self.step is not None


def _orient(curve: Curve, y: FloatArray) -> FloatArray:
    return y if curve.higher_is_better else -y


def _fit_execution(name: str, y: FloatArray, v: FloatArray, z: float) -> ExecutionFit:
    k = len(y)
    x = np.arange(k, dtype=np.float64)
    w = 1.0 / np.maximum(v, 1e-12)
    ln_k = math.log(k)
    bic: dict[str, float] = {}
    _, chi_flat, _ = _wls(np.ones((k, 1)), y, w)
    bic["flat"] = chi_flat + ln_k
    beta_line, chi_line, cov_line = _wls(np.column_stack([np.ones(k), x]), y, w)
    bic["line"] = chi_line + 2 * ln_k
    best_tau, best_ramp, best_t = -1, math.inf, 0.0
    for tau in range(1, k - 1):
        beta, chi, cov = _wls(np.column_stack([np.ones(k), np.minimum(x, tau)]), y, w)
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
    start = _plateau_start(y, v, 0 if model == "flat" else best_tau, z)
    if start is None:
        return ExecutionFit(name, "line", None, bic)
    return ExecutionFit(name, "flat" if start == 0 else "ramp", start, bic)


def _plateau_start(y: FloatArray, v: FloatArray, start: int, z: float) -> int | None:
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


def _joint_ramp(ys: Sequence[tuple[FloatArray, FloatArray]], z: float) -> int | None:
    """The plateau start shared by several ramp curves: τ minimising their summed χ², then
    moved on until every curve is within its interval."""
    k = len(ys[0][0])
    x = np.arange(k, dtype=np.float64)
    best_tau, best_chi = 1, math.inf
    for tau in range(1, k - 1):
        design = np.column_stack([np.ones(k), np.minimum(x, tau)])
        chi = sum(_wls(design, y, 1.0 / np.maximum(v, 1e-12))[1] for y, v in ys)
        if chi < best_chi:
            best_tau, best_chi = tau, chi
    start: int | None = best_tau
    for y, v in ys:
        if start is None:
            return None
        start = _plateau_start(y, v, start, z)
    return start


def _fit_strategy(
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
            beta, chi, cov = _wls(np.column_stack([np.ones(n), x_all[sel]]), y[sel], w)
            inflate = max(1.0, chi / max(n - 2, 1))
            se = math.sqrt(max(float(cov[1, 1]) * inflate, 1e-300))
            slope, t = float(beta[1]), float(beta[1]) / se
            moving = abs(t) >= z
    x, yy, w = x_all[ok], y[ok], 1.0 / np.maximum(v[ok], 1e-12)
    k = len(x)
    if k < MIN_CHECKPOINTS:
        return StrategyFit(name, slope, t, moving, None)
    ln_k = math.log(k)
    _, chi_flat, _ = _wls(np.ones((k, 1)), yy, w)
    _, chi_line, _ = _wls(np.column_stack([np.ones(k), x]), yy, w)
    best: tuple[float, int | None] = (min(chi_flat + ln_k, chi_line + 2 * ln_k), None)
    for tau in x[1:-1]:
        _, chi, _ = _wls(np.column_stack([np.ones(k), np.maximum(x - tau, 0.0)]), yy, w)
        if chi + 3 * ln_k < best[0]:
            best = (chi + 3 * ln_k, int(tau))
    return StrategyFit(name, slope, t, moving, best[1])


def _decide(
    curves: Sequence[Curve],
    est: Sequence[tuple[FloatArray, FloatArray]],
    steps: Sequence[int],
    z: float,
) -> tuple[int | None, str, list[ExecutionFit], list[StrategyFit]]:
    k = len(steps)
    exec_fits: list[ExecutionFit] = []
    for curve, (y, v) in zip(curves, est, strict=True):
        if curve.axis != "execution":
            continue
        if not np.isfinite(y).all() or not np.isfinite(v).all():
            exec_fits.append(ExecutionFit(curve.name, "none", None))
            continue
        exec_fits.append(_fit_execution(curve.name, _orient(curve, y), v, z))
    usable = [f for f in exec_fits if f.model != "none"]
    c_e: int | None = None
    reason = ""
    if not usable:
        reason = "no execution curve has a value at every checkpoint"
    elif any(f.saturated_at is None for f in usable):
        names = ", ".join(f.name for f in usable if f.saturated_at is None)
        reason = f"execution has not saturated: {names} still changing at the last checkpoint"
    else:
        c_e = max(int(f.saturated_at or 0) for f in usable)
        ramps = [f.name for f in usable if f.model == "ramp"]
        if len(ramps) > 1:
            c_e = _joint_ramp(
                [
                    (_orient(c, y), v)
                    for c, (y, v) in zip(curves, est, strict=True)
                    if c.axis == "execution" and c.name in ramps
                ],
                z,
            )
            if c_e is None:
                reason = "execution has not saturated: no common plateau of the execution curves"
    strat_fits: list[StrategyFit] = []
    for curve, (y, v) in zip(curves, est, strict=True):
        if curve.axis != "strategy" or not np.isfinite(y).any():
            continue
        strat_fits.append(_fit_strategy(curve.name, _orient(curve, y), v, c_e, z))
    if c_e is None:
        return None, reason, exec_fits, strat_fits
    if c_e == 0:
        reason = (
            f"execution was already saturated at the first checkpoint (step {steps[0]}): "
            "phase ① absent"
        )
        return None, reason, exec_fits, strat_fits
    if k - c_e < MIN_AFTER:
        reason = (
            f"execution saturates at step {steps[c_e]}, leaving fewer than {MIN_AFTER} "
            "checkpoints to see strategy move"
        )
        return None, reason, exec_fits, strat_fits
    if not any(math.isfinite(f.t_after) for f in strat_fits):
        reason = (
            f"execution saturates at step {steps[c_e]} but no strategy curve has "
            f"{MIN_AFTER} values from there on"
        )
        return None, reason, exec_fits, strat_fits
    if not any(f.moving for f in strat_fits):
        reason = (
            f"execution saturates at step {steps[c_e]} but no strategy curve moves after it "
            "(no pivot)"
        )
        return None, reason, exec_fits, strat_fits
    movers = ", ".join(f.name for f in strat_fits if f.moving)
    reason = f"execution saturated from step {steps[c_e]}; strategy still moves after it ({movers})"
    return c_e, reason, exec_fits, strat_fits


def _resample(
    curve: Curve, rng: np.random.Generator
) -> tuple[tuple[FloatArray, ...], tuple[FloatArray, ...]]:
    nums, dens = [], []
    for n, d in zip(curve.num, curve.den, strict=True):
        if len(n) == 0:
            nums.append(n)
            dens.append(d)
            continue
        idx = rng.integers(0, len(n), size=len(n))
        nums.append(n[idx])
        dens.append(d[idx])
    return tuple(nums), tuple(dens)


def locate_boundary(
    steps: Sequence[int],
    curves: Sequence[Curve],
    *,
    n_boot: int = 500,
    level: float = 0.95,
    z: float = 2.0,
    seed: int | np.random.Generator = 0,
) -> Boundary:
    """The phase boundary of ``curves`` over checkpoints at ``steps`` (see the module doc)."""
    k = len(steps)
    for c in curves:
        if len(c) != k or len(c.num) != len(c.den):
            raise ValueError(f"curve {c.name!r} has {len(c)} points for {k} checkpoints")
    if k < MIN_CHECKPOINTS:
        return Boundary(
            None,
            None,
            f"too few checkpoints ({k}; at least {MIN_CHECKPOINTS} are needed)",
            None,
            0.0,
            level,
            0,
            tuple(steps),
            (),
            (),
        )
    est = [c.point_estimates() for c in curves]
    index, reason, exec_fits, strat_fits = _decide(curves, est, steps, z)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    found: list[int] = []
    for _ in range(n_boot):
        boot = [c.resampled(rng) for c in curves]
        b_index = _decide(curves, boot, steps, z)[0]
        if b_index is not None:
            found.append(b_index)
    share = len(found) / n_boot if n_boot else 0.0
    interval: tuple[int, int] | None = None
    if found and index is not None:
        alpha = (1.0 - level) / 2.0
        lo = int(np.quantile(found, alpha, method="lower"))
        hi = int(np.quantile(found, 1.0 - alpha, method="higher"))
        interval = (int(steps[lo]), int(steps[hi]))
    return Boundary(
        None if index is None else int(steps[index]),
        index,
        reason,
        interval,
        share,
        level,
        n_boot,
        tuple(int(s) for s in steps),
        tuple(exec_fits),
        tuple(strat_fits),
    )
