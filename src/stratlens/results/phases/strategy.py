"""Strategic quality per checkpoint, from the analysis modules of the package.

- **Outcome metrics** (`stratlens.results.metrics`, computed as the leaderboard computes them,
  `stratlens.results.leaderboard.build.build`): ``norm_ref`` (payoff against the reference
  opponents, normalised to [0, 1], execution failures scored 0), ``regret_norm`` (normalised
  regret against the best response to the population of evaluated models, one-shot games),
  ``eq_distance`` (distance to the nearest Nash equilibrium strategy) and ``score``, each the
  mean over the run's games and roles with its bootstrap interval.
- **Depth** (`stratlens.profiler.tqre.fit`, estimator ``tqre``): τ fitted per one-shot game to
  the checkpoint's choice counts of both roles; ``tqre_tau`` is the mean τ over the games whose
  fit is identified (a unit per game).
- **Style shares**: from behaviour (`stratlens.profiler.behavior.behavior_profile`, the
  mixture weights ``behavior:<style>``) and from text (a registered text classifier,
  ``text:<label>`` shares over the checkpoint's traces, a unit per trace).

A part whose module is missing or fails leaves its metrics out, with a note saying why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stratlens.results.phases.stats import UnitStat
from stratlens.results.store import Store

#: Leaderboard metrics used, and whether higher is better.
OUTCOME_METRICS: dict[str, bool] = {
    "norm_ref": True,
    "regret_norm": False,
    "eq_distance": False,
    "score": True,
}


@dataclass(frozen=True)
class Estimated:
    value: float
    low: float
    high: float


#: Most parametric-bootstrap refits per run behind the behavioural fit test's p-value (the
#: weights' intervals are profile-likelihood ones for tremble fits and need no draws).
BEHAVIOR_DRAWS = 100


@dataclass
class StrategyResult:
    """Per run id: estimates (``outcome``, ``behavior``) and unit statistics (``units``)."""

    estimates: dict[str, dict[str, Estimated]] = field(default_factory=dict)
    units: dict[str, dict[str, UnitStat]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _outcomes(
    store: Store, keys: dict[str, str], n_boot: int, seed: int, result: StrategyResult
) -> None:
    try:
        from stratlens.results.leaderboard.build import build
    except ImportError as exc:  # pragma: no cover - the leaderboard ships with the package
        result.notes.append(f"outcome metrics unavailable: {exc}")
        return
    try:
        lb, _ = build(store.conn, n_boot=max(n_boot, 100), seed=seed, analysis=False)
    except Exception as exc:
        result.notes.append(f"outcome metrics failed: {type(exc).__name__}: {exc}")
        return
    # the entry that pools each run (one per model configuration: the run's -M included)
    by_run = {run_id: en for en in lb.entries for run_id in en.runs}
    for run_id in keys:
        en = by_run.get(run_id)
        if en is None:
            continue
        est = result.estimates.setdefault(run_id, {})
        for name in OUTCOME_METRICS:
            e = en.summary.get(name)
            if e is not None:
                est[name] = Estimated(e.value, e.low, e.high)


def _depth(decisions: pd.DataFrame, run_id: str, result: StrategyResult) -> None:
    try:
        from stratlens.profiler.tqre import fit, tqre_game
    except ImportError as exc:  # pragma: no cover
        result.notes.append(f"TQRE depth unavailable: {exc}")
        return
    taus: list[float] = []
    rows = decisions[(decisions.run_id == run_id) & (decisions.parse_status == "ok")]
    for game_id, g in rows.groupby("game_id", sort=True):
        try:
            game = tqre_game(str(game_id))
        except ValueError:
            continue  # not a one-shot game TQRE can fit
        counts: list[np.ndarray | None] = []
        for role in (0, 1):
            tables = game.tables[role]
            if tables is None:
                counts.append(None)
                continue
            acts = g[g.player == role].action.dropna().astype(int)
            counts.append(np.bincount(acts, minlength=tables[0].shape[0]).astype(float))
        if all(c is None or c.sum() == 0 for c in counts):
            continue
        try:
            fitted = fit(game, counts)
        except (ValueError, FloatingPointError):
            continue
        if fitted.identified and math.isfinite(fitted.tau):
            taus.append(float(fitted.tau))
    result.units.setdefault(run_id, {})["tqre_tau"] = UnitStat.of_ratio(taus)


def _behavior(
    decisions: pd.DataFrame,
    models: dict[str, str],
    result: StrategyResult,
    draws: int = 0,
    seed: int = 0,
) -> None:
    """Behavioural style weights per run with their intervals; ``draws`` bootstrap refits behind
    each fit test's p-value (and behind the intervals of logit fits)."""
    try:
        from stratlens.profiler.behavior import behavior_profile
    except ImportError as exc:  # pragma: no cover
        result.notes.append(f"behavioural styles unavailable: {exc}")
        return
    for run_id, model in models.items():
        frame = decisions[decisions.run_id == run_id]
        try:
            profiles = behavior_profile(frame, draws=draws, seed=seed)
        except Exception as exc:
            result.notes.append(f"behavioural styles failed for {run_id}: {exc}")
            continue
        prof = profiles.get(model)
        if prof is None:
            continue
        est = result.estimates.setdefault(run_id, {})
        bounds = prof.intervals or {}
        for style, w in prof.weights.items():
            low, high = bounds.get(style, (math.nan, math.nan))
            est[f"behavior:{style}"] = Estimated(float(w), float(low), float(high))
        if prof.fit is not None and prof.fit.rejected:
            result.notes.append(f"behavioural styles of {run_id}: {prof.fit.verdict}")


def _text(
    decisions: pd.DataFrame, run_ids: Sequence[str], classifier: str, result: StrategyResult
) -> None:
    try:
        from stratlens.profiler.text._base import LABELS, make_classifier

        clf = make_classifier(classifier)
    except Exception as exc:
        result.notes.append(f"text styles unavailable ({classifier}): {exc}")
        return
    for run_id in run_ids:
        rows = decisions[
            (decisions.run_id == run_id)
            & (decisions.agent == "subject")
            & (decisions.parse_status == "ok")
        ]
        texts = [str(t or "") for t in rows.reasoning]
        texts = [t for t in texts if t.strip()]
        if not texts:
            continue
        try:
            labels = clf.classify(texts)
        except Exception as exc:
            result.notes.append(f"text styles failed for {run_id}: {exc}")
            continue
        onehot = np.array(
            [[float(lab.label == x) for x in LABELS] for lab in labels if lab.label is not None]
        )
        if onehot.size == 0:
            continue
        units = result.units.setdefault(run_id, {})
        for i, label in enumerate(LABELS):
            units[f"text:{label}"] = UnitStat.of_ratio(onehot[:, i])


def strategy_metrics(
    store: Store,
    decisions: pd.DataFrame,
    runs: Sequence[tuple[str, str, str]],
    *,
    classifier: str | None = "offline",
    n_boot: int = 200,
    seed: int = 0,
) -> StrategyResult:
    """Strategy metrics of ``runs`` (run id, model, protocol); ``decisions`` holds their rows
    with the opponents' (`load_decisions(..., include_opponents=True)`)."""
    from stratlens.results.leaderboard._pool import entry_key

    result = StrategyResult()
    _outcomes(store, {r: entry_key(m, p) for r, m, p in runs}, n_boot, seed, result)
    for run_id, _, _ in runs:
        _depth(decisions[decisions.agent == "subject"], run_id, result)
    _behavior(decisions, {r: m for r, m, _ in runs}, result, min(n_boot, BEHAVIOR_DRAWS), seed)
    if classifier:
        _text(decisions, [r for r, _, _ in runs], classifier, result)
    return result
