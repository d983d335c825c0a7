"""Token entropy: exact from logits, and bounded from the top-k log-probabilities a server returns.

All entropies are in nats, of the model's next-token distribution at temperature 1 (the raw
distribution, before temperature, top-p or top-k sampling are applied).

**Exact** (`exact_entropy`): ``H = logsumexp(z) − Σ_v p_v z_v`` with ``p = softmax(z)``, the
stable form of ``−Σ p log p``. The local ``hf/`` agent stores it for every generated token.

**From the top k** (`topk_entropy`): an OpenAI-compatible server (vLLM) returns at most k
alternatives per position (vLLM caps k at ``max_logprobs``, 20 by default). With p₁ ≥ … ≥ p_k,
S = Σ p_j and missing mass r = 1 − S:

- ``h_k = −Σ_{j≤k} p_j log p_j`` (truncated) never exceeds H.
- ``h_lo = h_k − r·log(min(r, p_k))`` is a tighter lower bound: every token of the tail has
  probability ≤ p_k (and ≤ r), so its share of the entropy is at least ``−r log min(r, p_k)``.
  It is exact when the tail is a single token of mass r ≤ p_k, or when r = 0.
- ``h_hi = h_k − r log r + r log(V − k)`` is an upper bound for a vocabulary of V tokens (the
  tail spread evenly over the V − k other tokens); it needs V.

**Bias of the estimate.** `topk_entropy` reports ``estimate = h_lo``. It is biased downwards:
``h_lo − H ∈ [−(h_hi − h_lo), 0]``, and the error grows with the missing mass r (it is 0 when
r = 0). The tail mass is largest where the model hesitates, so high-entropy (typically
planning) positions are under-estimated more than confident (typically execution) positions,
and the planning–execution gap is *compressed*, never inflated. Keep k fixed across the
checkpoints you compare and report the mean r beside the estimate. The renormalised top-k
entropy (q_j = p_j / S) is returned as ``h_renorm`` for reference only: it is capped at log k
(≈ 3.0 nats for k = 20) and can be above or below H, so it is not used as an estimate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def exact_entropy(logits: npt.ArrayLike) -> FloatArray:
    """Entropy of ``softmax(logits)`` along the last axis, computed stably in float64."""
    z = np.asarray(logits, dtype=np.float64)
    m = np.max(z, axis=-1, keepdims=True)
    shifted = z - m
    e = np.exp(shifted)
    s = np.sum(e, axis=-1, keepdims=True)
    p = e / s
    lse = np.log(s)[..., 0]
    out: FloatArray = lse - np.sum(p * shifted, axis=-1)
    return out


def log_softmax(logits: npt.ArrayLike) -> FloatArray:
    """``log softmax(logits)`` along the last axis, in float64."""
    z = np.asarray(logits, dtype=np.float64)
    m = np.max(z, axis=-1, keepdims=True)
    out: FloatArray = z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))
    return out


@dataclass(frozen=True)
class TopKEntropy:
    """Bounds on one position's entropy from its top-k log-probabilities (see the module doc)."""

    h_k: float
    h_lo: float
    h_hi: float | None
    missing_mass: float
    h_renorm: float
    k: int

    @property
    def estimate(self) -> float:
        """The reported estimate: the lower bound ``h_lo`` (biased down by at most
        ``h_hi − h_lo``)."""
        return self.h_lo


def topk_entropy(top_logprobs: Sequence[float], vocab_size: int | None = None) -> TopKEntropy:
    """Entropy bounds from the k largest log-probabilities of one position (any order).

    Log-probabilities above 0 (rounding) are clipped to 0; a total above 1 is renormalised
    (then r = 0 and every bound equals the top-k entropy).
    """
    if len(top_logprobs) == 0:
        raise ValueError("topk_entropy needs at least one log-probability")
    lp = np.minimum(np.asarray(top_logprobs, dtype=np.float64), 0.0)
    p = np.sort(np.exp(lp))[::-1]
    total = float(p.sum())
    if total > 1.0:
        p = p / total
        total = 1.0
    r = max(0.0, 1.0 - total)
    nz = p[p > 0]
    h_k = float(-np.sum(nz * np.log(nz)))
    p_k = float(p[-1])
    tail_cap = min(r, p_k) if p_k > 0 else r
    h_lo = h_k - r * math.log(tail_cap) if r > 0 and tail_cap > 0 else h_k
    h_hi: float | None = None
    k = len(p)
    if vocab_size is not None:
        if vocab_size < k:
            raise ValueError(f"vocab_size {vocab_size} is smaller than k = {k}")
        rest = vocab_size - k
        h_hi = h_k - r * math.log(r) + r * math.log(rest) if r > 0 and rest > 0 else h_k
    q = nz / nz.sum()
    h_renorm = float(-np.sum(q * np.log(q)))
    return TopKEntropy(h_k=h_k, h_lo=float(h_lo), h_hi=h_hi, missing_mass=r, h_renorm=h_renorm, k=k)
