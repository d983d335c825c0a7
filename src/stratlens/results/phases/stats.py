"""Per-checkpoint statistics with bootstrap intervals, from per-unit rows.

A `UnitStat` is a statistic of the column sums of a unit matrix (one row per response or
episode): a ratio ``Σ num / Σ den``, an entropy of summed counts, … A bootstrap replicate
resamples the rows with replacement (`stratlens.results.bootstrap.resample_sums`, as the
leaderboard's metrics do), so every statistic of one checkpoint gets its percentile interval
the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stratlens.results.bootstrap import LEVEL, Estimate, interval, ratio, resample_sums

FloatArray = npt.NDArray[np.float64]
SumsFn = Callable[[FloatArray], FloatArray]  # (B, d) column sums → (B,) values


def _ratio(s: FloatArray) -> FloatArray:
    return ratio(s[:, 0], s[:, 1])


@dataclass(frozen=True)
class UnitStat:
    """``fn`` of the column sums of ``units``. ``bias_corrected``: a statistic that resampling
    biases (a plug-in entropy: a resample repeats units, so its counts are more concentrated
    and its entropy lower), reported bias-corrected with the basic interval (`estimate`)."""

    units: FloatArray  # (m, d)
    fn: SumsFn
    ratio: bool = False
    bias_corrected: bool = False

    @classmethod
    def of_ratio(cls, num: npt.ArrayLike, den: npt.ArrayLike | None = None) -> UnitStat:
        n = np.asarray(num, dtype=np.float64).ravel()
        d = np.ones_like(n) if den is None else np.asarray(den, dtype=np.float64).ravel()
        return cls(np.column_stack([n, d]) if len(n) else np.zeros((0, 2)), _ratio, True)

    @property
    def n(self) -> int:
        return int(self.units.shape[0])

    def value(self) -> float:
        if self.n == 0:
            return math.nan
        return float(self.fn(self.units.sum(axis=0)[None, :])[0])

    def replicates(self, n_boot: int, rng: np.random.Generator) -> FloatArray:
        """The statistic on ``n_boot`` resamples of the units (`resample_sums`)."""
        if self.n == 0 or n_boot <= 0:
            return np.full(max(n_boot, 0), np.nan)
        _, sums = resample_sums(self.units, np.ones(self.n, dtype=np.int64), n_boot, rng)
        return self.fn(sums)

    def interval(
        self, n_boot: int, rng: np.random.Generator, level: float = LEVEL
    ) -> tuple[float, float]:
        """The interval of `estimate`."""
        est = self.estimate(n_boot, rng, level)
        return est.low, est.high

    def estimate(self, n_boot: int, rng: np.random.Generator, level: float = LEVEL) -> Estimate:
        """The value and its interval, from one estimator.

        Plain statistics: the plug-in value and the percentile interval of the replicates
        (`stratlens.results.bootstrap.interval`). ``bias_corrected`` ones: the bootstrap
        bias-corrected value ``2·θ − mean(θ*)`` and the basic interval ``[2·θ − q_hi,
        2·θ − q_lo]`` (Efron & Tibshirani 1993, 10.6 and 13.4), which holds it whenever the
        replicates' mean lies between their quantiles; the percentile interval of a
        statistic the resamples bias can miss its own plug-in value altogether.
        """
        point = self.value()
        reps = self.replicates(n_boot, rng)
        est = interval(point, reps, level)
        if not self.bias_corrected or not math.isfinite(est.low):
            return est
        mean = float(np.mean(reps[np.isfinite(reps)]))
        return Estimate(2 * point - mean, 2 * point - est.high, 2 * point - est.low)

    def num_den(self) -> tuple[FloatArray, FloatArray]:
        """The units as (numerators, denominators) of a ratio statistic."""
        if not self.ratio:
            raise ValueError("not a ratio statistic")
        return self.units[:, 0].copy(), self.units[:, 1].copy()


def entropy_rows(s: FloatArray) -> FloatArray:
    """Plug-in entropy (nats) of each row of counts."""
    total = s.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(total > 0, s / np.where(total > 0, total, 1.0), 0.0)
        terms = np.where(f > 0, f * np.log(np.where(f > 0, f, 1.0)), 0.0)
    return np.asarray(-terms.sum(axis=1))


def conditional_entropy_rows(s: FloatArray, groups: npt.NDArray[np.int64]) -> FloatArray:
    """H(E|G) per row of joint counts; column j belongs to gram ``groups[j]``."""
    total = s.sum(axis=1, keepdims=True)
    per_group = np.zeros((s.shape[0], int(groups.max()) + 1 if groups.size else 1))
    np.add.at(per_group.T, groups, s.T)
    cond = per_group[:, groups]
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(
            s > 0, s * np.log(np.where(s > 0, s, 1.0) / np.where(cond > 0, cond, 1.0)), 0.0
        )
        out = np.where(
            total[:, 0] > 0, -terms.sum(axis=1) / np.where(total[:, 0] > 0, total[:, 0], 1), 0.0
        )
    return np.asarray(out)
