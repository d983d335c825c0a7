"""Planning and execution tokens of one response, and the text measures of a set of responses.

A token is a **planning** token iff one of its non-blank characters lies inside an occurrence of
a strategic gram (`find_spans`); every other token is an **execution** token (HICRA's tagging,
``two_phase.md`` §2). Tokens come from the per-token records an agent stores with a decision
(``Decision.logprobs``), one dict per generated token:

- ``{"token": str, "logprob": float, "entropy": float}``: the local ``hf/`` agent (exact
  entropy of the full next-token distribution);
- ``[token, logprob, [[alternative, logprob], …]]``: the API agent's compact form of an
  OpenAI-compatible server's logprobs (vLLM with ``-M logprobs=true -M top_logprobs=k``), or
  the same as a dict with ``top_logprobs``; the entropy is then bounded from the top k
  (`topk_entropy`) and the lower bound is used, with the missing mass kept beside it.

The tokens' texts, joined, are the generated text: characters map to tokens by running offsets.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stratlens.results.phases.entropy import topk_entropy
from stratlens.results.phases.lexicon import Lexicon, Span, find_spans

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class TokenTrace:
    """The generated tokens of one response with their logprob and entropy (NaN if unknown).

    ``missing_mass`` is the probability outside the returned top k (0 for exact entropies, NaN
    when neither is known); ``entropy_hi`` the upper bound where it is known.
    """

    tokens: tuple[str, ...]
    logprobs: FloatArray
    entropies: FloatArray
    missing_mass: FloatArray
    entropy_hi: FloatArray
    exact: bool

    @property
    def text(self) -> str:
        return "".join(self.tokens)

    def offsets(self) -> list[tuple[int, int]]:
        out, pos = [], 0
        for tok in self.tokens:
            out.append((pos, pos + len(tok)))
            pos += len(tok)
        return out

    def __len__(self) -> int:
        return len(self.tokens)


def _f(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def _as_dict(rec: Any) -> Mapping[str, Any]:
    """A compact ``[token, logprob, alternatives]`` record as a dict; dicts pass through."""
    if isinstance(rec, Mapping):
        return rec
    if isinstance(rec, list | tuple):
        out: dict[str, Any] = {"token": rec[0] if rec else ""}
        if len(rec) > 1:
            out["logprob"] = rec[1]
        if len(rec) > 2 and rec[2]:
            out["top_logprobs"] = [
                {"token": a[0], "logprob": a[1]} if isinstance(a, list | tuple) else a
                for a in rec[2]
            ]
        return out
    return {}


def trace_from_records(
    records: Sequence[Any] | None, vocab_size: int | None = None
) -> TokenTrace | None:
    """A `TokenTrace` from stored per-token records (see the module doc); None if there are
    none."""
    if not records:
        return None
    tokens, lps, hs, rs, his = [], [], [], [], []
    exact = True
    for raw in records:
        rec = _as_dict(raw)
        tokens.append(str(rec.get("token", "")))
        lps.append(_f(rec.get("logprob")))
        if rec.get("entropy") is not None:
            hs.append(_f(rec["entropy"]))
            rs.append(0.0)
            his.append(_f(rec["entropy"]))
            continue
        exact = False
        top = rec.get("top_logprobs")
        if top:
            vals = [_f(t.get("logprob")) if isinstance(t, Mapping) else _f(t) for t in top]
            vals = [v for v in vals if not math.isnan(v)]
        else:
            vals = []
        if vals:
            est = topk_entropy(vals, vocab_size)
            hs.append(est.estimate)
            rs.append(est.missing_mass)
            his.append(math.nan if est.h_hi is None else est.h_hi)
        else:
            hs.append(math.nan)
            rs.append(math.nan)
            his.append(math.nan)
    return TokenTrace(
        tuple(tokens),
        np.asarray(lps, dtype=np.float64),
        np.asarray(hs, dtype=np.float64),
        np.asarray(rs, dtype=np.float64),
        np.asarray(his, dtype=np.float64),
        exact,
    )


def tag_tokens(trace: TokenTrace, spans: Iterable[Span]) -> BoolArray:
    """True for the planning tokens of ``trace``: a non-blank character inside a span."""
    text = trace.text
    inside = np.zeros(len(text) + 1, dtype=np.int64)
    for s in spans:
        inside[s.start] += 1
        inside[s.end] -= 1
    covered = np.cumsum(inside)[: len(text)] > 0
    out = np.zeros(len(trace), dtype=bool)
    for i, (a, b) in enumerate(trace.offsets()):
        out[i] = any(covered[j] and not text[j].isspace() for j in range(a, b))
    return out


@dataclass(frozen=True)
class TokenSplit:
    """Per-response sums over planning and execution tokens (pooled by the caller)."""

    n_plan: int
    n_exec: int
    h_plan: float  # sum of entropies over planning tokens with a known entropy
    h_exec: float
    nh_plan: int  # planning tokens with a known entropy
    nh_exec: int
    nll_plan: float  # sum of −logprob (surprisal) over planning tokens with a known logprob
    nll_exec: float
    nl_plan: int
    nl_exec: int
    missing_mass: float  # sum of the missing top-k mass over tokens where it is known
    n_missing: int


def split_entropy(trace: TokenTrace, lexicon: Lexicon) -> TokenSplit:
    """Sums of entropy and surprisal over the planning and the execution tokens of a response."""
    plan = tag_tokens(trace, find_spans(trace.text, lexicon))
    exe = ~plan
    h_ok = ~np.isnan(trace.entropies)
    l_ok = ~np.isnan(trace.logprobs)
    r_ok = ~np.isnan(trace.missing_mass)
    return TokenSplit(
        n_plan=int(plan.sum()),
        n_exec=int(exe.sum()),
        h_plan=float(trace.entropies[plan & h_ok].sum()),
        h_exec=float(trace.entropies[exe & h_ok].sum()),
        nh_plan=int((plan & h_ok).sum()),
        nh_exec=int((exe & h_ok).sum()),
        nll_plan=float(-trace.logprobs[plan & l_ok].sum()),
        nll_exec=float(-trace.logprobs[exe & l_ok].sum()),
        nl_plan=int((plan & l_ok).sum()),
        nl_exec=int((exe & l_ok).sum()),
        missing_mass=float(trace.missing_mass[r_ok].sum()),
        n_missing=int(r_ok.sum()),
    )


def gram_counts(texts: Iterable[str], lexicon: Lexicon) -> Counter[str]:
    """Occurrences of each strategic gram over all ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(s.phrase for s in find_spans(text, lexicon))
    return counts


def entropy_of_counts(counts: Mapping[str, int] | Sequence[int] | FloatArray) -> float:
    """Plug-in entropy (nats) of a frequency distribution; 0 for an empty one."""
    vals = np.asarray(
        list(counts.values()) if isinstance(counts, Mapping) else counts, dtype=np.float64
    )
    vals = vals[vals > 0]
    if vals.size == 0:
        return 0.0
    f = vals / vals.sum()
    return float(-np.sum(f * np.log(f)))


def semantic_entropy(texts: Iterable[str], lexicon: Lexicon) -> float:
    """H_sem = −Σ_g f(g) log f(g) over the strategic grams' occurrences in ``texts``."""
    return entropy_of_counts(gram_counts(texts, lexicon))


def conditional_entropy(texts: Iterable[str], lexicon: Lexicon, window: int = 3) -> float:
    """H(E|G): entropy of the ``window`` words right after a gram, given the gram (nats)."""
    joint: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for s in find_spans(text, lexicon):
            after = " ".join(text[s.end :].lower().split()[:window])
            joint[(s.phrase, after)] += 1
    total = sum(joint.values())
    if total == 0:
        return 0.0
    per_gram: Counter[str] = Counter()
    for (g, _), c in joint.items():
        per_gram[g] += c
    return float(-sum(c / total * math.log(c / per_gram[g]) for (g, _), c in joint.items()))


def thought_switches(text: str, markers: Lexicon | None = None) -> int:
    """Transition expressions that open a new line of attack ("alternatively", "wait", …)."""
    return len(find_spans(text, markers or Lexicon.switches()))


def word_count(text: str) -> int:
    return len(text.split())
