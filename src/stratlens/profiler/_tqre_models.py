"""The two TQRE choice models, evaluated for many parameter pairs at once.

Each function takes arrays ``tau`` and ``gamma`` of the same shape ``(B,)`` and returns one
row of predictions (or one log-likelihood) per pair, so that a whole grid of parameters costs
one pass over the levels.

- `tqre_predict`: the model as Jia et al. (2025, Sec. 2.2 and App. A) write it. A level-k
  player believes the *other* player is a mixture of levels 0..k-1, weighted by the truncated
  Poisson weights ``W_h = f_h / sum_{l<k} f_l``; the other's level-h play is computed from the
  other's payoffs and its own beliefs about levels below h. Choice is logit with precision
  ``gamma * k`` (level 0 uniform). The population mixes levels ``0..TQRE_LEVELS`` with Poisson
  weights renormalised to sum to one.
- `jia2025_predict`: the released notebook's estimator, item by item (``reference/jia2025.md``
  Sec. 4.2): level k responds to the *same* player's level-(k-1) vector through
  ``matrix @ v``, levels 0..10 mix with raw Poisson weights (no renormalisation), and the
  matrix given for player 2 is its payoff table untransposed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln

FloatArray = npt.NDArray[np.float64]

#: Levels 0..TQRE_LEVELS of the paper's model (renormalised; the tail beyond is < 1e-7 at τ=10).
TQRE_LEVELS = 30
#: The notebook's K: levels 0..10, weights not renormalised.
JIA_LEVELS = 10
#: The notebook's floor on predictions before the logarithm.
JIA_FLOOR = 1e-8
#: The notebook's objective value when the likelihood is NaN (e.g. a negative τ).
JIA_NAN_OBJECTIVE = 1e10


def _softmax_rows(z: FloatArray) -> FloatArray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: FloatArray = e / e.sum(axis=1, keepdims=True)
    return out


def poisson_weights(tau: FloatArray, levels: int) -> FloatArray:
    """``f[b, k] = Poisson.pmf(k; tau[b])`` for k = 0..levels (NaN for a negative τ, as
    ``scipy.stats.poisson.pmf`` gives)."""
    k = np.arange(levels + 1, dtype=float)
    t = tau[:, None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_f = np.where(k[None, :] == 0, 0.0, k[None, :] * np.log(t)) - t - gammaln(k + 1)[None, :]
        out: FloatArray = np.where(t < 0, np.nan, np.exp(log_f))
    return out


#: Batches larger than this are evaluated in chunks, each stopping at its own last level.
_CHUNK = 1024


def tqre_predict(
    own: FloatArray,
    other: FloatArray,
    tau: FloatArray,
    gamma: FloatArray,
    levels: int = TQRE_LEVELS,
) -> tuple[FloatArray, FloatArray]:
    """Choice probabilities of the decider, shape ``(B, rows of own)``, and of the other
    player, shape ``(B, columns of own)``, when both are drawn from the same hierarchy.

    ``own[i, j]`` is the decider's payoff and ``other[i, j]`` the other player's, when the
    decider plays i and the other j. Levels whose Poisson weight (with all above) is below
    1e-15 for every pair of the batch are skipped.
    """
    if tau.size > _CHUNK:
        parts = [
            _tqre_chunk(own, other, tau[i : i + _CHUNK], gamma[i : i + _CHUNK], levels)
            for i in range(0, tau.size, _CHUNK)
        ]
        return (
            np.concatenate([p[0] for p in parts], axis=0),
            np.concatenate([p[1] for p in parts], axis=0),
        )
    return _tqre_chunk(own, other, tau, gamma, levels)


def _tqre_chunk(
    own: FloatArray, other: FloatArray, tau: FloatArray, gamma: FloatArray, levels: int
) -> tuple[FloatArray, FloatArray]:
    m, n = own.shape
    f = poisson_weights(tau, levels)
    f = f / f.sum(axis=1, keepdims=True)
    tail = np.cumsum(f[:, ::-1], axis=1)[:, ::-1].max(axis=0)  # max_b sum_{j>=k} f_bj
    me = np.full((tau.size, m), 1.0 / m)
    them = np.full((tau.size, n), 1.0 / n)
    sum_me, sum_them = f[:, :1] * me, f[:, :1] * them  # sum_{h<k} f_h sigma^(h)
    mass = f[:, 0].copy()  # sum_{h<k} f_h
    for k in range(1, levels + 1):
        if tail[k] < 1e-15:
            break
        belief_them = sum_them / mass[:, None]  # what a level-k decider expects of the other
        belief_me = sum_me / mass[:, None]  # what a level-k other expects of the decider
        lam = (gamma * k)[:, None]
        me = _softmax_rows(lam * (belief_them @ own.T))
        them = _softmax_rows(lam * (belief_me @ other))
        w = f[:, k : k + 1]
        sum_me += w * me
        sum_them += w * them
        mass += f[:, k]
    # sum_me and sum_them now hold sum_k f_k sigma^(k) over every level computed.
    return sum_me, sum_them


def jia2025_predict(matrix: FloatArray, tau: FloatArray, gamma: FloatArray) -> FloatArray:
    """The notebook's prediction for one player, shape ``(B, rows of matrix)``.

    ``matrix`` is what the notebook passes: player 1's payoff table, or player 2's payoff table
    in the (player 1 action, player 2 action) orientation, untransposed. Rows may not sum to 1.
    """
    rows = matrix.shape[0]
    if matrix.shape != (rows, rows):
        raise ValueError(f"the jia2025 estimator needs a square payoff table, got {matrix.shape}")
    w = poisson_weights(tau, JIA_LEVELS)
    v = np.full((tau.size, rows), 1.0 / rows)
    p: FloatArray = w[:, :1] * v
    for k in range(1, JIA_LEVELS + 1):
        eu = v @ matrix.T  # matrix @ v_{k-1}, one row per parameter pair
        v = _softmax_rows((gamma * k)[:, None] * eu)
        p = p + w[:, k : k + 1] * v
    return p


def count_loglik(p: FloatArray, counts: FloatArray) -> FloatArray:
    """``sum_a c_a ln p_a`` per row; cells with no observation contribute nothing."""
    safe = np.log(np.maximum(p, 1e-300))
    out: FloatArray = np.where(counts[None, :] > 0, counts[None, :] * safe, 0.0).sum(axis=1)
    return out


def jia2025_loglik(p: FloatArray, proportions: FloatArray) -> FloatArray:
    """One role's term of the notebook's objective with the sign flipped: ``sum_a q_a ln p_a``
    with p floored at 1e-8 (NaN stays NaN)."""
    out: FloatArray = (proportions[None, :] * np.log(np.clip(p, JIA_FLOOR, None))).sum(axis=1)
    return out
