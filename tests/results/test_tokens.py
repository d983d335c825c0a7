"""Strategic-gram tagging, the planning/execution entropy split, and the entropy estimators."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from stratlens.results.phases.entropy import exact_entropy, log_softmax, topk_entropy
from stratlens.results.phases.grams import build_strategic_grams, ngrams
from stratlens.results.phases.lexicon import Lexicon, find_spans
from stratlens.results.phases.stats import UnitStat
from stratlens.results.phases.tokens import (
    conditional_entropy,
    semantic_entropy,
    split_entropy,
    tag_tokens,
    thought_switches,
    trace_from_records,
)


def _trace(tokens: list[str], entropies: list[float], logprobs: list[float] | None = None):  # type: ignore[no-untyped-def]
    lps = logprobs or [-0.5] * len(tokens)
    recs = [
        {"token": t, "logprob": lp, "entropy": h}
        for t, lp, h in zip(tokens, lps, entropies, strict=True)
    ]
    trace = trace_from_records(recs)
    assert trace is not None
    return trace


# A hand-made trace: planning spans "Let me check" and "the opponent will likely" (in the
# starter lexicon), execution everywhere else ("row 0 gives 3 + 2 = 5 points").
TOKENS = [
    "Let", " me", " check", ":", " row", " 0", " gives", " 3", " +", " 2", " =", " 5", ".",
    " The", " opponent", " will", " likely", " defect", ".",
]  # fmt: skip
PLANNING = {0, 1, 2, 13, 14, 15, 16}
ENTROPIES = [2.0, 1.0, 3.0, 0.1, 0.2, 0.3, 0.2, 0.1, 0.1, 0.2, 0.1, 0.1, 0.2,
             1.5, 2.5, 0.5, 1.0, 0.8, 0.1]  # fmt: skip


def test_tagger_marks_exactly_the_planning_span_tokens() -> None:
    trace = _trace(TOKENS, ENTROPIES)
    spans = find_spans(trace.text, Lexicon.starter())
    assert [s.phrase for s in spans] == ["let me check", "the opponent will likely"]
    assert trace.text[spans[0].start : spans[0].end] == "Let me check"
    tags = tag_tokens(trace, spans)
    assert set(np.nonzero(tags)[0].tolist()) == PLANNING


def test_entropy_split_on_known_spans() -> None:
    trace = _trace(TOKENS, ENTROPIES)
    sp = split_entropy(trace, Lexicon.starter())
    plan = [ENTROPIES[i] for i in sorted(PLANNING)]
    exe = [h for i, h in enumerate(ENTROPIES) if i not in PLANNING]
    assert (sp.n_plan, sp.n_exec) == (7, 12)
    assert sp.h_plan / sp.nh_plan == pytest.approx(np.mean(plan))
    assert sp.h_exec / sp.nh_exec == pytest.approx(np.mean(exe))
    assert sp.h_plan / sp.nh_plan == pytest.approx(11.5 / 7)  # 2+1+3 + 1.5+2.5+0.5+1
    assert sp.h_exec / sp.nh_exec == pytest.approx(2.5 / 12)
    assert sp.nll_plan == pytest.approx(3.5) and sp.missing_mass == 0.0


def test_leftmost_longest_matching_and_word_boundaries() -> None:
    lex = Lexicon.starter()
    text = "But wait, WAITING is not a phrase; hold on. I’m not sure, actually."
    spans = find_spans(text, lex)
    assert [s.phrase for s in spans] == ["but wait", "hold on", "i'm not sure", "actually"]
    assert {s.category for s in spans} == {"backtracking", "hedging"}
    assert thought_switches(text) == 3  # but wait, hold on, actually


def test_semantic_and_conditional_entropy_by_hand() -> None:
    lex = Lexicon.from_categories({"x": ["therefore", "wait"]})
    texts = ["therefore we go up. wait a moment", "therefore we go down"]
    # Grams: therefore ×2, wait ×1.
    assert semantic_entropy(texts, lex) == pytest.approx(
        -(2 / 3) * math.log(2 / 3) - (1 / 3) * math.log(1 / 3)
    )
    # After "therefore": "we go up." and "we go down" (two outcomes, 1/2 each); after "wait": one.
    assert conditional_entropy(texts, lex) == pytest.approx((2 / 3) * math.log(2))


def test_compact_records_with_top_k_use_the_lower_bound() -> None:
    top = [[" a", math.log(0.5)], [" b", math.log(0.3)]]  # missing mass 0.2 > p_k? no: 0.2 < 0.3
    trace = trace_from_records([[" a", math.log(0.5), top], ["!", -0.1, []]])
    assert trace is not None and not trace.exact
    est = topk_entropy([math.log(0.5), math.log(0.3)])
    assert trace.entropies[0] == pytest.approx(est.h_lo)
    assert trace.missing_mass[0] == pytest.approx(0.2)
    assert math.isnan(trace.entropies[1])  # no alternatives: unknown, not zero
    assert trace.text == " a!"


def test_exact_entropy_matches_the_definition() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4, 50)) * 3
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert exact_entropy(z) == pytest.approx(-(p * np.log(p)).sum(axis=1))
    assert exact_entropy(np.array([1000.0, 0.0, -1000.0])) == pytest.approx(0.0, abs=1e-12)
    assert exact_entropy(np.zeros(7)) == pytest.approx(math.log(7))
    assert log_softmax(z) == pytest.approx(np.log(p))


def test_topk_estimator_against_exact_entropy_of_a_known_distribution() -> None:
    # Zipf over 1,000 tokens: a long tail, as at a hesitant (planning) position.
    v = 1000
    p = 1.0 / np.arange(1, v + 1)
    p /= p.sum()
    h = float(-(p * np.log(p)).sum())
    est = topk_entropy(np.log(p[:20]), vocab_size=v)
    assert est.missing_mass == pytest.approx(1 - p[:20].sum())
    assert est.h_k <= est.h_lo <= h <= est.h_hi  # type: ignore[operator]
    assert est.estimate == est.h_lo
    assert est.h_renorm <= math.log(20) + 1e-12 < h  # renormalised: capped at log k
    # The bias is negative and within the stated bound.
    assert -(est.h_hi - est.h_lo) <= est.h_lo - h <= 0  # type: ignore[operator]
    # A peaked distribution (an execution token): tiny missing mass, tiny error.
    q = np.r_[0.97, np.full(999, 0.03 / 999)]
    hq = float(-(q * np.log(q)).sum())
    eq = topk_entropy(np.log(q[:20]), vocab_size=1000)
    assert eq.missing_mass < 0.03 and abs(eq.h_lo - hq) < 0.05
    # Exact when the tail is a single token no larger than p_k.
    r = np.array([0.6, 0.25, 0.15])
    assert topk_entropy(np.log(r[:2])).h_lo == pytest.approx(float(-(r * np.log(r)).sum()))


def test_ngrams_leave_out_answer_lines_and_numbers() -> None:
    text = "Let me check the table. Row 0 gives 3.\nExpected payoff: 2.5\nFinal answer: row 0"
    grams = ngrams(text)
    assert "let me check" in grams and "let me check the" in grams
    assert not any("final answer" in g or "expected payoff" in g for g in grams)
    assert not any(ch.isdigit() for g in grams for ch in g)
    assert not any("table. row" in g for g in grams)  # never across a sentence end


def test_strategic_grams_keep_frequent_scaffolding_clusters() -> None:
    rng = np.random.default_rng(0)
    scaffold = ["let me check the payoffs", "let me check this payoff", "let me check the cells"]
    content = ["the cell on the left", "a quiet blue river", "seven tall green trees",
               "many small red boxes", "an old stone bridge"]  # fmt: skip
    traces = []
    for i in range(20):
        words = [scaffold[i % 3], content[int(rng.integers(5))] if i % 4 == 0 else "ok"]
        traces.append(". ".join(words) + ".")
    sg = build_strategic_grams(traces, min_df=2)
    selected = {g for c in sg.clusters if c.selected for g in c.grams}
    assert "let me check the" in selected and "let me check" in selected
    assert not any("river" in g or "bridge" in g for g in selected)
    top = sg.clusters[0]
    assert top.selected and top.document_frequency == 20
    assert "let me check" in sg.lexicon.phrases and sg.lexicon.phrases["let me check"] == "data"


def test_lexicon_files_and_the_robustness_subset(tmp_path: Path) -> None:
    j = tmp_path / "lex.json"
    j.write_text(json.dumps({"mine": ["Best Reply", "  two   spaces "]}))
    t = tmp_path / "lex.txt"
    t.write_text("# comment\nopponent: they will fold\nplain phrase\n")
    assert dict(Lexicon.load(j).phrases) == {"best reply": "mine", "two spaces": "mine"}
    assert dict(Lexicon.load(t).phrases) == {"they will fold": "opponent", "plain phrase": "custom"}
    starter = Lexicon.starter()
    assert len(starter) == 75
    sub = starter.without_fraction(0.3, np.random.default_rng(0))
    assert len(sub) == 75 - 22 and set(sub.phrases) < set(starter.phrases)


def test_unit_statistics_and_their_intervals() -> None:
    st = UnitStat.of_ratio([2.0, 4.0, 0.0], [1.0, 2.0, 1.0])
    assert st.value() == pytest.approx(6 / 4)
    lo, hi = st.interval(300, np.random.default_rng(0))
    assert 0.0 <= lo <= 1.5 <= hi <= 2.0
    assert math.isnan(UnitStat.of_ratio([]).value())


def test_every_token_metric_lies_in_its_own_interval() -> None:
    # Every "therefore" is followed by words seen once: a resample repeats responses, so its
    # plug-in entropies are lower than the sample's, and a percentile interval of them would
    # lie below the sample's own value (as h_cond did at every demo checkpoint).
    import pandas as pd

    from stratlens.results.bootstrap import interval
    from stratlens.results.phases.token_metrics import token_stats

    words = [f"w{i}" for i in range(60)]
    triples = zip(words[:53], words[3:56], words[7:], strict=True)
    texts = [f"therefore {a} {b} {c}. wait {c} {a}" for a, b, c in triples]
    frame = pd.DataFrame({"reasoning": texts, "raw_output": texts, "logprobs": None,
                          "completion_tokens": 40, "attempts": 1})  # fmt: skip
    lex = Lexicon.from_categories({"x": ["therefore", "wait"]})
    stats = token_stats(frame, lex)
    for name, st in stats.items():
        est = st.estimate(400, np.random.default_rng(0))
        if math.isfinite(est.low):  # (a constant rate's sums may differ in the last digit)
            tol = 1e-9 * max(1.0, abs(est.value))
            assert est.low - tol <= est.value <= est.high + tol, (name, est)
    plain = stats["h_cond"]
    percentile = interval(plain.value(), plain.replicates(400, np.random.default_rng(0)))
    assert percentile.high < percentile.value  # what the bias correction is for
