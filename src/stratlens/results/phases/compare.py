"""Compare checkpoints: execution, strategy and token curves, and the phase boundary.

`compare_runs` reads the runs of the checkpoints from the store (it plays nothing: see
`stratlens compare` for that) and returns a `Comparison`: one row per checkpoint and metric
with its bootstrap interval, the curves, the strategic-gram lexicon used for the token tags,
and the phase boundary (`stratlens.results.changepoint.locate_boundary`).

Axes: ``execution`` (``format_valid``, ``legal``, ``payoff_arith``: the share of decisions
that name a legal action *and* state the payoff of the ``payoff`` protocol correctly; these
three find the boundary), ``strategy`` (``norm_ref``, ``regret_norm``, ``eq_distance``,
``tqre_tau``: these four are tested for movement after it; ``score`` and the style shares are
reported), ``tokens`` (`stratlens.results.phases.token_metrics`) and ``info`` (rates given
another: ``legal_given_format``, ``payoff_claimed``, ``payoff_correct_given_claim``, and
``relppl_plan`` / ``relppl_exec``, the perplexities relative to the first checkpoint).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stratlens._progress import Steps, report
from stratlens.results.changepoint import Boundary, Curve, locate_boundary
from stratlens.results.phases.checkpoints import Checkpoint
from stratlens.results.phases.execution import execution_table
from stratlens.results.phases.grams import StrategicGrams, build_strategic_grams
from stratlens.results.phases.lexicon import Lexicon
from stratlens.results.phases.stats import UnitStat
from stratlens.results.phases.strategy import OUTCOME_METRICS, strategy_metrics
from stratlens.results.phases.token_metrics import token_stats
from stratlens.results.store import Store, load_decisions, load_episodes

BOUNDARY_EXECUTION = ("format_valid", "legal", "payoff_arith")
BOUNDARY_STRATEGY = ("norm_ref", "regret_norm", "eq_distance", "tqre_tau")
LOWER_IS_BETTER = {"regret_norm", "eq_distance"}
Z95 = 1.959963984540054


@dataclass
class Comparison:
    checkpoints: list[Checkpoint]
    run_ids: list[str]
    table: pd.DataFrame  # checkpoint, label, step, run_id, axis, metric, value, low, high, n
    boundary: Boundary
    lexicon: Lexicon
    grams: StrategicGrams | None
    notes: list[str] = field(default_factory=list)

    def curve(self, metric: str) -> pd.DataFrame:
        return self.table[self.table.metric == metric].sort_values("checkpoint")


def _execution_stats(ex: pd.DataFrame) -> dict[str, tuple[str, UnitStat]]:
    fmt = ex.format_valid.to_numpy(dtype=float)
    legal = ex.legal.to_numpy(dtype=float)
    payoff = ex[ex.protocol_payoff] if "protocol_payoff" in ex else ex.iloc[0:0]
    claimed = payoff.claimed.to_numpy(dtype=float)
    correct = payoff.payoff_correct.fillna(False).to_numpy(dtype=float)
    out = {
        "format_valid": ("execution", UnitStat.of_ratio(fmt)),
        "legal": ("execution", UnitStat.of_ratio(legal)),
        "legal_given_format": ("info", UnitStat.of_ratio(legal, fmt)),
    }
    if len(payoff):
        out["payoff_arith"] = ("execution", UnitStat.of_ratio(correct))
        out["payoff_claimed"] = ("info", UnitStat.of_ratio(claimed))
        checked = payoff.payoff_correct.notna().to_numpy(dtype=float)
        out["payoff_correct_given_claim"] = ("info", UnitStat.of_ratio(correct, checked))
    return out


def _successful_traces(decisions: pd.DataFrame) -> list[str]:
    ok = decisions[(decisions.agent == "subject") & (decisions.parse_status == "ok")]
    return [str(t) for t in ok.reasoning if isinstance(t, str) and t.strip()]


def compare_runs(
    store: Store,
    checkpoints: Sequence[Checkpoint],
    run_ids: Sequence[str],
    *,
    lexicon: Lexicon | None = None,
    data_grams: bool = True,
    classifier: str | None = "offline",
    n_boot: int = 500,
    level: float = 0.95,
    seed: int = 0,
    steps: Steps | None = None,
) -> Comparison:
    """The comparison of the runs ``run_ids`` (one per checkpoint, in order); ``steps`` is
    told how far it got (see `stratlens._progress`)."""
    if len(run_ids) != len(checkpoints):
        raise ValueError("one run id per checkpoint")
    rng = np.random.default_rng(seed)
    report(steps, "reading the runs")
    decisions = load_decisions(store, run=list(run_ids), include_opponents=True)
    episodes = load_episodes(store, run=list(run_ids))
    subject = decisions[(decisions.agent == "subject") & (decisions.parse_status != "error")]
    notes: list[str] = []
    lex = lexicon or Lexicon.starter()
    grams: StrategicGrams | None = None
    if data_grams:
        grams = build_strategic_grams(_successful_traces(decisions))
        if grams.clusters:
            lex = lex.merged(grams.lexicon)
        else:
            notes.append("no strategic grams found in the successful traces (too few of them)")
    ex = execution_table(decisions, episodes)
    ex["protocol_payoff"] = ex.run_id.map(
        dict(zip(decisions.run_id, decisions.protocol == "payoff", strict=False))
    ).astype(bool)
    runs = [
        (r, str(store.get_run(r)["model"]), str(store.get_run(r)["protocol"]))  # type: ignore[index]
        for r in run_ids
    ]
    report(steps, "strategy metrics")
    strategy = strategy_metrics(
        store, decisions, runs, classifier=classifier, n_boot=n_boot, seed=seed
    )
    notes.extend(strategy.notes)
    rows: list[dict[str, Any]] = []
    stats: dict[str, list[UnitStat | None]] = {}
    for i, (ck, run_id) in enumerate(zip(checkpoints, run_ids, strict=True)):
        report(steps, "checkpoints (bootstrap)", i, len(checkpoints))
        base = {"checkpoint": i, "label": ck.label, "step": ck.step, "run_id": run_id}
        per: dict[str, tuple[str, UnitStat]] = {}
        per.update(_execution_stats(ex[ex.run_id == run_id]))
        for name, st in token_stats(subject[subject.run_id == run_id], lex).items():
            per[name] = ("tokens", st)
        for name, st in strategy.units.get(run_id, {}).items():
            per[name] = ("strategy", st)
        for name, (axis, st) in per.items():
            est = st.estimate(n_boot, rng, level)  # value and interval: one estimator
            rows.append({**base, "axis": axis, "metric": name, "value": est.value,
                         "low": est.low, "high": est.high, "n": st.n})  # fmt: skip
            stats.setdefault(name, [None] * len(checkpoints))[i] = st
        for name, e in strategy.estimates.get(run_id, {}).items():
            rows.append({**base, "axis": "strategy", "metric": name, "value": e.value,
                         "low": e.low, "high": e.high, "n": math.nan})  # fmt: skip
    report(steps, "checkpoints (bootstrap)", len(checkpoints), len(checkpoints))
    table = pd.DataFrame(rows)
    table = pd.concat([table, _relative_ppl(table)], ignore_index=True)
    curves = _curves(table, stats, len(checkpoints), level)
    boundary = locate_boundary(
        [c.step for c in checkpoints], curves, n_boot=n_boot, level=level, seed=rng
    )
    order = {"execution": 0, "strategy": 1, "tokens": 2, "info": 3}
    table = table.sort_values(
        ["axis", "metric", "checkpoint"], key=lambda s: s.map(order) if s.name == "axis" else s
    ).reset_index(drop=True)
    return Comparison(list(checkpoints), list(run_ids), table, boundary, lex, grams, notes)


def _relative_ppl(table: pd.DataFrame) -> pd.DataFrame:
    out = []
    for part in ("plan", "exec"):
        nll = table[table.metric == f"nll_{part}"].sort_values("checkpoint")
        if nll.empty or not math.isfinite(float(nll.value.iloc[0])):
            continue
        first = float(nll.value.iloc[0])
        recs: list[Any] = list(nll.itertuples())
        for r in recs:
            out.append({"checkpoint": r.checkpoint, "label": r.label, "step": r.step,
                        "run_id": r.run_id, "axis": "info", "metric": f"relppl_{part}",
                        "value": math.exp(float(r.value) - first), "low": math.nan,
                        "high": math.nan, "n": r.n})  # fmt: skip
    return pd.DataFrame(out)


def _curves(
    table: pd.DataFrame, stats: dict[str, list[UnitStat | None]], k: int, level: float
) -> list[Curve]:
    curves: list[Curve] = []
    for name in BOUNDARY_EXECUTION:
        sts = stats.get(name)
        if sts and all(s is not None and s.n > 0 for s in sts):
            pairs = [s.num_den() for s in sts if s is not None]
            curves.append(
                Curve(name, "execution", tuple(p[0] for p in pairs), tuple(p[1] for p in pairs))
            )
    z = Z95 if abs(level - 0.95) < 1e-9 else _z(level)
    for name in BOUNDARY_STRATEGY:
        better = name not in LOWER_IS_BETTER
        sts = stats.get(name)
        if sts is not None:
            pairs = [s.num_den() if s is not None else (np.zeros(0), np.zeros(0)) for s in sts]
            curves.append(
                Curve(
                    name, "strategy", tuple(p[0] for p in pairs), tuple(p[1] for p in pairs), better
                )
            )
            continue
        if name in OUTCOME_METRICS:
            part = table[table.metric == name].set_index("checkpoint")
            if part.empty:
                continue
            values = np.array([float(part.value.get(i, math.nan)) for i in range(k)])
            width = np.array(
                [
                    float(part.high.get(i, math.nan)) - float(part.low.get(i, math.nan))
                    for i in range(k)
                ]
            )
            curves.append(Curve.from_estimates(name, "strategy", values, width / (2 * z), better))
    return curves


def _z(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2.0))
