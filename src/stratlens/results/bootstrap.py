"""Bootstrap machinery: resampling unit rows, percentile intervals, and stable seeds.

A metric is a function of sums over units; `resample_sums` gives the point sums and one vector
of sums per bootstrap resample (units drawn with replacement), so one draw serves every metric
computed from the same units. `intervals` turns replicates into percentile intervals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

N_BOOT = 1000
LEVEL = 0.95
#: Resampling draws units one by one when there are at most this many, and not many more than
#: distinct rows; otherwise it draws multinomial counts of the rows (the same distribution).
_INDEX_LIMIT = 4096
_INDEX_PER_ROW = 16


@dataclass(frozen=True)
class Estimate:
    """A point estimate and its percentile bootstrap interval (NaN where undefined)."""

    value: float
    low: float
    high: float

    def to_json(self, digits: int = 6) -> dict[str, float | None]:
        return {k: _rounded(v, digits) for k, v in self.__dict__.items()}

    @property
    def defined(self) -> bool:
        return math.isfinite(self.value)


def _rounded(v: float, digits: int) -> float | None:
    return round(float(v), digits) + 0.0 if math.isfinite(v) else None


def resample_counts(
    mult: npt.ArrayLike, n_boot: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """How often each unit row is drawn in each of ``n_boot`` resamples of all the units.

    Row j stands for ``mult[j]`` identical units; a resample draws ``sum(mult)`` units with
    replacement (one by one when that is cheaper, as multinomial counts otherwise).
    """
    m = np.asarray(mult, dtype=np.int64)
    n = int(m.sum())
    if n == 0:
        return np.zeros((n_boot, len(m)), dtype=np.int64)
    if n <= _INDEX_LIMIT and n <= _INDEX_PER_ROW * len(m):
        units = np.repeat(np.arange(len(m)), m)
        picks = units[rng.integers(0, n, size=(n_boot, n))]
        offsets = (np.arange(n_boot) * len(m))[:, None]
        flat = np.bincount((picks + offsets).ravel(), minlength=n_boot * len(m))
        return flat.reshape(n_boot, len(m))
    return rng.multinomial(n, m / n, size=n_boot)


def resample_sums(
    rows: npt.ArrayLike, mult: npt.ArrayLike, n_boot: int, rng: np.random.Generator
) -> tuple[Array, Array]:
    """(point sums, replicate sums): Σ mult_j·row_j and one such sum per bootstrap resample."""
    u = np.asarray(rows, dtype=float).reshape(len(np.asarray(mult)), -1)
    w = np.asarray(mult, dtype=float)
    counts = resample_counts(w.astype(np.int64), n_boot, rng)
    return w @ u, counts.astype(float) @ u


def interval(point: float, reps: npt.ArrayLike, level: float = LEVEL) -> Estimate:
    """The percentile interval of the finite replicates (NaN when fewer than half are)."""
    r = np.asarray(reps, dtype=float)
    r = r[np.isfinite(r)]
    if not math.isfinite(point) or 2 * len(r) < np.asarray(reps).size or len(r) == 0:
        return Estimate(float(point), math.nan, math.nan)
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(r, [alpha, 1.0 - alpha])
    return Estimate(float(point), float(low), float(high))


def intervals(
    point: Mapping[str, npt.ArrayLike], reps: Mapping[str, npt.ArrayLike], level: float = LEVEL
) -> dict[str, Estimate]:
    """`interval` for many metrics at once: ``point[k]`` holds one value, ``reps[k]`` the
    replicates (the same quantiles as `numpy.quantile`, computed in one sort)."""
    names = list(point)
    if not names:
        return {}
    values = np.array([float(np.asarray(point[k], dtype=float).ravel()[0]) for k in names])
    table = np.stack([np.asarray(reps[k], dtype=float) for k in names])
    ordered = np.sort(table, axis=1)  # NaN sorts last
    finite = np.isfinite(table).sum(axis=1)
    rows = np.arange(len(names))
    alpha = (1.0 - level) / 2.0

    def quantile(q: float) -> Array:
        pos = q * np.maximum(finite - 1, 0)
        below = np.floor(pos).astype(np.int64)
        above = np.minimum(below + 1, np.maximum(finite - 1, 0))
        w = pos - below
        return np.asarray(ordered[rows, below] * (1 - w) + ordered[rows, above] * w)

    low, high = quantile(alpha), quantile(1.0 - alpha)
    ok = np.isfinite(values) & (finite > 0) & (2 * finite >= table.shape[1])
    return {
        k: Estimate(float(values[i]), float(low[i]), float(high[i]))
        if ok[i]
        else Estimate(float(values[i]), math.nan, math.nan)
        for i, k in enumerate(names)
    }


def ratio(num: npt.ArrayLike, den: npt.ArrayLike) -> Array:
    """num / den elementwise; NaN where den is 0."""
    n, d = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    out = np.full(np.broadcast(n, d).shape, np.nan)
    np.divide(n, d, out=out, where=d > 0)
    return out
