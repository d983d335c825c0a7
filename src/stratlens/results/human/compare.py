"""A model's choices beside people's: distance to the human distribution, and the shift
between a treasure and its contradiction.

Choices come as counts per action: the point counts (shape ``(K,)``) and one row of counts per
bootstrap resample of the model's episodes (shape ``(B, K)``, from
`stratlens.results.bootstrap.resample_sums`); each statistic is computed on the point counts
and on every resample, and its interval is the percentile interval of the resamples. The human
distribution is held fixed (its sampling error is not in the interval).

- **Total variation** ½ Σ |p − q| between the model's choice shares p and the human shares q
  (0: the same distribution; 1: no option in common).
- **Log-likelihood** of the model's choices under the human distribution, per choice (nats):
  mean log q̃(a) over the model's choices a, where q̃ = (1 − ε) q + ε / K with ε =
  `SMOOTHING`, so that a choice no subject made costs log(ε / K) instead of −∞. Higher is
  closer; a model that chooses as people do scores about minus the human entropy.
- **Shift ratio**: how far the model moves from the treasure to the contradiction, in units
  of how far people move. For ordered options (claims, efforts) it is the change in the mean
  choice divided by the humans' change; otherwise the model's change in shares projected on
  the humans' change, ⟨p_C − p_T, q_C − q_T⟩ / ‖q_C − q_T‖². 1: as far as people, in their
  direction; 0: no move; negative: the other way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from stratlens.results.bootstrap import Estimate, interval

Array = npt.NDArray[np.float64]
SMOOTHING = 0.01
Direction = Literal["with people", "against people", "no clear shift", "undefined"]


def shares(counts: npt.ArrayLike) -> Array:
    """Rows of counts to rows of shares (NaN where a row has no choice)."""
    c = np.asarray(counts, dtype=float)
    total = c.sum(axis=-1, keepdims=True)
    out = np.full(c.shape, np.nan)
    np.divide(c, total, out=out, where=total > 0)
    return out


def total_variation(counts: npt.ArrayLike, human: npt.ArrayLike) -> Array:
    return np.asarray(0.5 * np.abs(shares(counts) - np.asarray(human, float)).sum(axis=-1))


def log_likelihood(counts: npt.ArrayLike, human: npt.ArrayLike) -> Array:
    """Mean log q̃(a) per model choice (NaN without choices)."""
    q = np.asarray(human, dtype=float)
    smoothed = (1.0 - SMOOTHING) * q + SMOOTHING / len(q)
    c = np.asarray(counts, dtype=float)
    total = c.sum(axis=-1)
    out = np.full(total.shape, np.nan)
    np.divide(c @ np.log(smoothed), total, out=out, where=total > 0)
    return out


@dataclass(frozen=True)
class Distance:
    choices: int
    total_variation: Estimate
    log_likelihood: Estimate
    tv_reps: Array
    ll_reps: Array


def distance(point: npt.ArrayLike, reps: npt.ArrayLike, human: npt.ArrayLike) -> Distance:
    p, r = np.asarray(point, float), np.asarray(reps, float)
    tv_reps, ll_reps = total_variation(r, human), log_likelihood(r, human)
    return Distance(
        choices=int(p.sum()),
        total_variation=interval(float(total_variation(p, human)), tv_reps),
        log_likelihood=interval(float(log_likelihood(p, human)), ll_reps),
        tv_reps=tv_reps,
        ll_reps=ll_reps,
    )


def _move(treasure: Array, contradiction: Array, values: Array | None) -> Array:
    """The change from treasure to contradiction: mean choice (ordered) or shares."""
    if values is not None:
        return np.asarray((contradiction - treasure) @ values)
    return contradiction - treasure


def human_move(
    treasure: npt.ArrayLike, contradiction: npt.ArrayLike, values: Array | None
) -> float:
    """How far people move: the change in mean choice, or the TV between the two shares."""
    t, c = np.asarray(treasure, float), np.asarray(contradiction, float)
    if values is not None:
        return float(_move(t, c, values))
    return float(0.5 * np.abs(c - t).sum())


def shift_ratio(
    model_t: npt.ArrayLike,
    model_c: npt.ArrayLike,
    human_t: npt.ArrayLike,
    human_c: npt.ArrayLike,
    values: Array | None = None,
) -> Array:
    """The model's move in units of the humans' (see the module docstring); rows of shares."""
    ht, hc = np.asarray(human_t, float), np.asarray(human_c, float)
    mt, mc = np.asarray(model_t, float), np.asarray(model_c, float)
    if values is not None:
        h = float((hc - ht) @ values)
        return np.asarray(((mc - mt) @ values) / h) if h != 0 else np.full(mt.shape[:-1], np.nan)
    d = hc - ht
    norm = float(d @ d)
    if norm == 0.0:
        return np.full(mt.shape[:-1], np.nan)
    return np.asarray(((mc - mt) @ d) / norm)


@dataclass(frozen=True)
class Shift:
    ratio: Estimate
    direction: Direction


def shift(
    treasure: tuple[npt.ArrayLike, npt.ArrayLike],
    contradiction: tuple[npt.ArrayLike, npt.ArrayLike],
    human_t: npt.ArrayLike,
    human_c: npt.ArrayLike,
    values: Array | None = None,
) -> Shift:
    """The shift ratio of a model's (point, replicate) counts in the two treatments."""
    (pt, rt), (pc, rc) = treasure, contradiction
    point = float(shift_ratio(shares(pt), shares(pc), human_t, human_c, values))
    reps = shift_ratio(shares(rt), shares(rc), human_t, human_c, values)
    est = interval(point, reps)
    return Shift(est, direction_of(est))


def direction_of(est: Estimate) -> Direction:
    if not math.isfinite(est.value):
        return "undefined"
    if math.isfinite(est.low) and est.low > 0:
        return "with people"
    if math.isfinite(est.high) and est.high < 0:
        return "against people"
    if not math.isfinite(est.low):  # no interval: judge by the point
        return (
            "with people"
            if est.value > 0
            else ("against people" if est.value < 0 else "no clear shift")
        )
    return "no clear shift"
