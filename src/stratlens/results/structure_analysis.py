"""Does performance (and style) follow the structure of the game, or the length of reasoning?

The input is one row per model, game and role (`ANALYSIS_COLUMNS` plus outcome columns): the
metrics of `stratlens.results.metrics`, the text-style shares where the profiler labelled the
traces, and the model's mean reasoning length in that game. Each row gets the game's structure
features (`structure_features`, computed from the games package). Then, per model and pooled:

- Spearman rank correlations of every outcome with every feature and with reasoning length,
  each with a percentile bootstrap interval (rows resampled), a two-sided permutation p-value,
  and Benjamini-Hochberg q-values over all the tests of the analysis;
- per outcome, an OLS regression on reasoning length and the structure features (all
  standardised), with cluster-robust standard errors clustered by game family (statsmodels'
  CR1: the sandwich with the factor G/(G−1)·(N−1)/(N−K)) and t tests on G − 1 degrees of
  freedom.
  Constant and collinear predictors are dropped; with G families at most G − 2 predictors are
  kept (reasoning length first, then the features in `FEATURES` order). The pooled regression
  has one dummy per model (model fixed effects) and standardises reasoning length within
  each model, so it asks whether length matters *within* a model.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from stratlens.games import get_game, structure
from stratlens.results.stats import (
    cluster_ols,
    spearman_tests,
)

#: ``cached(kind, parts, compute)``: compute's JSON-ready value, or the one kept for ``parts``.
Cached = Callable[[str, list[Any], Callable[[], Any]], Any]

Array = npt.NDArray[np.float64]

#: Structure features, in the order the regression keeps them.
FEATURES = (
    "constant_sum",
    "social_dilemma",
    "multiple_equilibria",
    "sequential",
    "incomplete_information",
    "repeated",
    "dominant_strategy",
    "log_actions",
    "symmetric",
    "pure_equilibrium",
)
REASONING = "reasoning_length"
PERFORMANCE = ("score", "norm_ref", "regret_norm", "eq_distance", "failure_rate")
ANALYSIS_COLUMNS = ("entry", "game_id", "role", REASONING)
POOLED = "all models"


@cache
def _features(game_id: str, role: int) -> tuple[tuple[str, float], ...]:
    spec = get_game(game_id)
    st = structure(spec)
    # A repeated game leaves its equilibrium features null (they are not the repeated game's);
    # the analysis reads them from its stage game, on purpose, and `repeated` marks the rows.
    eqs = st["stage"] if st["repeated"] else st
    equilibria = len(eqs["pure_equilibria"]) + len(eqs["mixed_equilibria"])
    values = {
        "constant_sum": st["constant_sum"],
        "social_dilemma": eqs["social_dilemma"],
        "multiple_equilibria": equilibria > 1,
        "sequential": not st["simultaneous"],
        "incomplete_information": st["types"] > 1 or st["table"] == "true",
        "repeated": st["repeated"],
        "dominant_strategy": eqs["dominant_strategies"][role] is not None,
        "log_actions": math.log(st["num_actions"][role]),
        "symmetric": st["symmetric"],
        "pure_equilibrium": bool(eqs["pure_equilibria"]) or bool(st["subgame_perfect"]),
    }
    return tuple((k, float(values[k])) for k in FEATURES)


def structure_features(game_id: str, role: int) -> dict[str, float]:
    """The game's structure features for one role, as numbers (booleans are 0/1)."""
    return dict(_features(game_id, role))


def with_features(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``family`` column and one column per structure feature."""
    out = frame.copy()
    out["family"] = [get_game(g).family for g in out.game_id]
    feats = [structure_features(g, int(r)) for g, r in zip(out.game_id, out.role, strict=True)]
    for name in FEATURES:
        out[name] = [f[name] for f in feats]
    return out


# --- regression with errors clustered by family ----------------------------------------------


def _standardise(v: pd.Series) -> pd.Series:
    sd = float(v.std(ddof=0))
    return (v - v.mean()) / sd if sd > 1e-12 else v * 0.0


def _keep(columns: list[Array], candidate: Array) -> bool:
    if float(np.ptp(candidate)) <= 1e-12:
        return False
    stacked = np.column_stack([*columns, candidate])
    return bool(int(np.linalg.matrix_rank(stacked, tol=1e-8)) == stacked.shape[1])


def regress(
    frame: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    *,
    fixed_effects: str | None = None,
    cluster: str = "family",
    level: float = 0.95,
) -> pd.DataFrame:
    """Outcome on standardised predictors, CR1 errors by ``cluster``; one row per term.

    Empty when fewer than three clusters or too few rows remain.
    """
    return _regression_frame(
        _regression_rows(frame, outcome, predictors, fixed_effects, cluster, level)
    )


def _regression_rows(
    frame: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    fixed_effects: str | None,
    cluster: str,
    level: float,
) -> list[tuple[object, ...]]:
    cols = ["y", cluster, *predictors, *([fixed_effects] if fixed_effects else [])]
    data = frame.assign(y=frame[outcome]).dropna(subset=["y", *predictors])[cols].copy()
    g = data[cluster].nunique()
    if g < 3 or len(data) < 5:
        return []
    raw = data[list(predictors)].astype(float).apply(_standardise)
    design = raw
    y = data.y.astype(float)
    absorbed = 0
    base: list[Array] = []
    names: list[str] = []
    if fixed_effects:
        by = data[fixed_effects]
        design = raw - raw.groupby(by).transform("mean")  # for the rank checks only
        absorbed = int(by.nunique())
    else:
        base, names = [np.ones(len(data))], ["intercept"]
    cap = g - 2
    kept: list[str] = []
    for c in predictors:
        if len(kept) >= cap:
            break
        column = design[c].to_numpy()
        if _keep([*base, *(design[k].to_numpy() for k in kept)], column):
            kept.append(c)
    if not kept or len(data) <= len(base) + len(kept) + absorbed:
        return []
    x = np.column_stack([*base, *(raw[c].to_numpy() for c in kept)])
    fit = cluster_ols(
        y,
        x,
        data[cluster].tolist(),
        [*names, *kept],
        fixed_effects=data[fixed_effects].tolist() if fixed_effects else None,
        level=level,
    )
    low, high = fit.interval()
    return [
        (outcome, name, float(fit.coef[i]), float(fit.se[i]), float(fit.t[i]), float(fit.p[i]),
         float(low[i]), float(high[i]), fit.n, fit.clusters, fit.df)
        for i, name in enumerate(fit.names)
    ]  # fmt: skip


def _regression(
    part: pd.DataFrame,
    outcome: str,
    predictors: list[str],
    fixed_effects: str | None,
    level: float,
    cached: Cached | None,
) -> pd.DataFrame:
    if cached is None:
        return regress(part, outcome, predictors, fixed_effects=fixed_effects, level=level)
    inputs = [
        outcome, predictors, fixed_effects, level, part[outcome].to_numpy(dtype=float),
        part[predictors].to_numpy(dtype=float), part["family"].tolist(),
        part[fixed_effects].tolist() if fixed_effects else None,
    ]  # fmt: skip
    rows = cached(
        "regression",
        inputs,
        lambda: _regression_rows(part, outcome, predictors, fixed_effects, "family", level),
    )
    return _regression_frame([tuple(r) for r in rows])


def _regression_frame(rows: Sequence[tuple[object, ...]]) -> pd.DataFrame:
    names = ["outcome", "term", "coef", "se", "t", "p", "low", "high", "n", "clusters", "df"]
    return pd.DataFrame(rows, columns=names)


# --- the whole analysis ----------------------------------------------------------------------


@dataclass(frozen=True)
class StructureResult:
    """The correlations and regressions of one model (or of all models pooled)."""

    entry: str
    correlations: pd.DataFrame
    regressions: pd.DataFrame
    rows: int
    #: Outcomes with one value in every row (a failure rate always 0): nothing to relate to
    #: structure, so neither correlated nor regressed; outcome → that value.
    constant: dict[str, float] = field(default_factory=dict)

    def reasoning_verdict(self, outcome: str = "score", alpha: float = 0.05) -> str:
        """One sentence: does reasoning length matter for ``outcome`` given structure?"""
        reg = self.regressions
        hit = reg[(reg.outcome == outcome) & (reg.term == REASONING)]
        if outcome in self.constant:
            value = self.constant[outcome]
            return f"Reasoning length: nothing to explain, {outcome} is {value:.3g} in every game."
        if hit.empty:
            return f"Reasoning length: not estimable for {outcome} (constant or too few games)."
        r = hit.iloc[0]
        rows = reg[reg.outcome == outcome]
        moved = [
            str(t)
            for t, p in zip(rows.term, rows.p, strict=True)
            if t not in ("intercept", REASONING) and p < alpha
        ]
        said = "matters" if r.p < alpha else "does not matter"
        feats = ", ".join(moved) if moved else "none at the 5% level"
        return (
            f"Reasoning length {said} for {outcome} once structure is accounted for "
            f"(standardised coefficient {r.coef:+.3f}, 95% CI [{r.low:+.3f}, {r.high:+.3f}], "
            f"p = {r.p:.3g}); structure features that move it: {feats}."
        )


def outcome_columns(frame: pd.DataFrame) -> list[str]:
    """The outcomes present in ``frame``: performance first, then style shares."""
    styles = sorted(c for c in frame.columns if c.startswith("style:"))
    return [c for c in (*PERFORMANCE, *styles) if c in frame.columns and frame[c].notna().any()]


def analyze(
    frame: pd.DataFrame,
    *,
    n_boot: int = 1000,
    n_perm: int = 2000,
    level: float = 0.95,
    seed: int = 0,
    cached: Cached | None = None,
) -> dict[str, StructureResult]:
    """Per entry of ``frame`` (and pooled over entries, under `POOLED`), the analysis.

    ``cached(kind, parts, compute)``, where given, returns compute's (JSON-ready) value or the
    one kept under ``parts``: each outcome's tests and regression are looked up by their data.
    """
    data = with_features(frame)
    predictors = [REASONING, *FEATURES]
    out: dict[str, StructureResult] = {}
    entries = sorted(data.entry.unique())
    for i, entry in enumerate(entries):
        part = data[data.entry == entry]
        out[str(entry)] = _one(
            str(entry), part, predictors, None, n_boot, n_perm, level, seed + i, cached
        )
    if len(entries) > 1:
        pooled = data.copy()
        pooled[REASONING] = pooled.groupby("entry")[REASONING].transform(_standardise)
        out[POOLED] = _one(
            POOLED,
            pooled,
            predictors,
            "entry",
            n_boot,
            n_perm,
            level,
            seed + len(entries),
            cached,
        )
    return out


def _one(
    entry: str,
    part: pd.DataFrame,
    predictors: list[str],
    fixed_effects: str | None,
    n_boot: int,
    n_perm: int,
    level: float,
    seed: int,
    cached: Cached | None = None,
) -> StructureResult:
    outcomes, constant = [], {}
    for o in outcome_columns(part):
        values = part[o].dropna().astype(float)
        if len(values) and float(values.max() - values.min()) <= 1e-12 * max(
            1.0, abs(values.max())
        ):
            constant[o] = float(values.iloc[0])
        else:
            outcomes.append(o)
    tests = None if cached is None else functools.partial(cached, "spearman")
    corr = spearman_tests(
        part, outcomes, predictors, n_boot=n_boot, n_perm=n_perm, level=level, seed=seed,
        cached=tests,
    )  # fmt: skip
    regs = [_regression(part, o, predictors, fixed_effects, level, cached) for o in outcomes]
    reg = pd.concat(regs, ignore_index=True) if regs else _regression_frame([])
    return StructureResult(entry, corr, reg, len(part), constant)
