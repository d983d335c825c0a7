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
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from stratlens.results._changepoint_fits import (
    MIN_AFTER,
    MIN_CHECKPOINTS,
    ExecutionFit,
    FloatArray,
    StrategyFit,
    fit_execution,
    fit_strategy,
    joint_ramp,
)

Axis = Literal["execution", "strategy"]


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
        exec_fits.append(fit_execution(curve.name, _orient(curve, y), v, z))
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
            c_e = joint_ramp(
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
        strat_fits.append(fit_strategy(curve.name, _orient(curve, y), v, c_e, z))
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
