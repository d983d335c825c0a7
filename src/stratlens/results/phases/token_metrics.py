"""The token and text measures of one checkpoint's responses, as bootstrappable statistics.

Every response of the evaluated model (``error`` decisions left out) is one unit. With the
per-token records of the decision (``logprobs``): the mean entropy of planning, execution and
all tokens (``h_plan``, ``h_exec``, ``h_all``, pooled over tokens), the mean surprisal
``−log p`` of the realised tokens (``nll_plan``, ``nll_exec``: log-perplexities) and, for
top-k estimates, the mean missing mass ``topk_missing``. From the text alone: the semantic
entropy of the strategic grams (``h_sem``) and the conditional entropy of the three words
after a gram (``h_cond``), thought switches per response (``switches``), strategic-gram
density per 1,000 tokens by category (``sg_density:<category>``, per 1,000 words when the
token count is unknown), and trace length (``length_tokens``, ``length_words``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from stratlens.contracts import final_output
from stratlens.results.phases.lexicon import Lexicon, find_spans
from stratlens.results.phases.stats import UnitStat, conditional_entropy_rows, entropy_rows
from stratlens.results.phases.tokens import (
    split_entropy,
    thought_switches,
    trace_from_records,
    word_count,
)

TOKEN_METRICS = (
    "h_plan",
    "h_exec",
    "h_all",
    "nll_plan",
    "nll_exec",
    "topk_missing",
    "h_sem",
    "h_cond",
    "switches",
    "length_tokens",
    "length_words",
)
WINDOW = 3


def _text(row: Any) -> str:
    return final_output(str(row.raw_output or ""), int(row.attempts))


def token_stats(
    responses: pd.DataFrame, lexicon: Lexicon, switches: Lexicon | None = None
) -> dict[str, UnitStat]:
    """Statistics of one checkpoint's responses (rows of `load_decisions`)."""
    switches = switches or Lexicon.switches()
    rows: list[dict[str, float]] = []
    texts: list[str] = []
    spans_per: list[list[Any]] = []
    rows_in: list[Any] = list(responses.itertuples())
    for r in rows_in:
        trace = trace_from_records(r.logprobs) if isinstance(r.logprobs, list) else None
        text = trace.text if trace is not None and trace.text else _text(r)
        texts.append(text)
        spans = find_spans(text, lexicon)
        spans_per.append(spans)
        n_tok = float(len(trace)) if trace is not None else float(r.completion_tokens or 0)
        row = {
            "switches": float(thought_switches(text, switches)),
            "tokens": n_tok,
            "words": float(word_count(text)),
        }
        if trace is not None:
            sp = split_entropy(trace, lexicon)
            row.update(
                h_plan=sp.h_plan, nh_plan=sp.nh_plan, h_exec=sp.h_exec, nh_exec=sp.nh_exec,
                nll_plan=sp.nll_plan, nl_plan=sp.nl_plan, nll_exec=sp.nll_exec,
                nl_exec=sp.nl_exec, missing=sp.missing_mass, n_missing=sp.n_missing,
            )  # fmt: skip
        rows.append(row)
    frame = pd.DataFrame(rows)
    out: dict[str, UnitStat] = {}

    def col(name: str) -> np.ndarray:
        return (
            frame[name].fillna(0.0).to_numpy(dtype=float) if name in frame else np.zeros(len(frame))
        )

    if len(frame):
        out["h_plan"] = UnitStat.of_ratio(col("h_plan"), col("nh_plan"))
        out["h_exec"] = UnitStat.of_ratio(col("h_exec"), col("nh_exec"))
        out["h_all"] = UnitStat.of_ratio(
            col("h_plan") + col("h_exec"), col("nh_plan") + col("nh_exec")
        )
        out["nll_plan"] = UnitStat.of_ratio(col("nll_plan"), col("nl_plan"))
        out["nll_exec"] = UnitStat.of_ratio(col("nll_exec"), col("nl_exec"))
        out["topk_missing"] = UnitStat.of_ratio(col("missing"), col("n_missing"))
        out["switches"] = UnitStat.of_ratio(col("switches"))
        out["length_tokens"] = UnitStat.of_ratio(col("tokens"))
        out["length_words"] = UnitStat.of_ratio(col("words"))
        per_k = np.where(col("tokens") > 0, col("tokens"), col("words")) / 1000.0
        for category in lexicon.categories():
            counts = [sum(1 for s in spans if s.category == category) for spans in spans_per]
            out[f"sg_density:{category}"] = UnitStat.of_ratio(counts, per_k)
    out.update(_gram_entropies(texts, spans_per))
    return out


def _gram_entropies(texts: list[str], spans_per: list[list[Any]]) -> Mapping[str, UnitStat]:
    grams = sorted({s.phrase for spans in spans_per for s in spans})
    gi = {g: i for i, g in enumerate(grams)}
    pairs: dict[tuple[str, str], int] = {}
    joint_rows = []
    counts = np.zeros((len(texts), max(len(grams), 1)))
    for i, (text, spans) in enumerate(zip(texts, spans_per, strict=True)):
        row: dict[int, float] = {}
        for s in spans:
            counts[i, gi[s.phrase]] += 1
            after = " ".join(text[s.end :].lower().split()[:WINDOW])
            j = pairs.setdefault((s.phrase, after), len(pairs))
            row[j] = row.get(j, 0.0) + 1.0
        joint_rows.append(row)
    joint = np.zeros((len(texts), max(len(pairs), 1)))
    for i, row in enumerate(joint_rows):
        for j, c in row.items():
            joint[i, j] = c
    groups = np.zeros(max(len(pairs), 1), dtype=np.int64)
    for (g, _), j in pairs.items():
        groups[j] = gi[g]
    return {
        "h_sem": UnitStat(counts, entropy_rows, bias_corrected=True),
        "h_cond": UnitStat(
            joint, lambda s: conditional_entropy_rows(s, groups), bias_corrected=True
        ),
    }
