"""An entry's bootstrap, split where the population comes in (see `build`).

Everything about an entry except its population metrics depends on its own runs only: the
resamples of every game and role, the metrics that do not read the population, usage, text
styles, and the population-free part of its summary (`EntryBase`). That part is computed once
per entry content and kept (`_memo`); with it comes, per game and role, the (1 + n_boot,
k + 2) inputs of `stratlens.results.metrics.population_metrics` (the point row first), from
which the population metrics of any population are computed without resampling again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from stratlens.results.leaderboard._codec import ests, unests
from stratlens.results.leaderboard._memo import pack, unpack
from stratlens.results.leaderboard._pool import _merge
from stratlens.results.leaderboard.sources import STYLE_LABELS
from stratlens.results.metrics import (
    POPULATION_INPUTS,
    Estimate,
    GameFacts,
    base_metrics,
    game_columns,
    game_facts,
    has_population_metrics,
    interval,
    intervals,
    resample_sums,
    share_metrics,
    stable_seed,
    usage_metrics,
)

#: Group metrics averaged into an entry's summary (with intervals from the same replicates).
SUMMARY_METRICS = (
    "score",
    "norm_ref",
    "norm_pop",
    "regret_norm",
    "eq_distance",
    "cooperation",
    "trust",
    "failure_rate",
)
#: The summary metrics that read the population (the others are in `EntryBase.summary`).
POPULATION_SUMMARY = ("score", "norm_pop", "regret_norm")


class _HasReps(Protocol):
    metrics: dict[str, Estimate]
    reps: dict[str, np.ndarray]


@dataclass
class GroupBase:
    game_id: str
    role: int
    facts: GameFacts
    episodes: int
    decisions: int
    metrics: dict[str, Estimate]  # those of `base_metrics`, in its order
    usage: dict[str, Estimate]
    styles: dict[str, Estimate]
    samples: list[int]
    inputs: np.ndarray  # population_metrics' inputs: the point row, then the replicates
    reps: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # computing only


@dataclass
class EntryBase:
    groups: list[GroupBase]
    usage: dict[str, Estimate]
    total_cost: float
    decisions: int
    episodes: int
    styles: dict[str, Estimate]
    reasoning_unit: str
    summary: dict[str, Estimate]  # the summary metrics that do not read the population


def summary(groups: list[_HasReps], names: tuple[str, ...], level: float) -> dict[str, Estimate]:
    """Each metric's mean over the groups, its interval from the same replicates."""
    out = {}
    for name in names:
        points = np.array([g.metrics[name].value for g in groups])
        if not np.isfinite(points).any():
            out[name] = Estimate(float("nan"), float("nan"), float("nan"))
            continue
        stacked = np.stack([g.reps[name] for g in groups])
        keep = np.isfinite(points)
        finite = np.isfinite(stacked[keep])
        count = finite.sum(axis=0)
        total = np.where(finite, stacked[keep], 0.0).sum(axis=0)
        reps = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        out[name] = interval(float(np.mean(points[keep])), reps, level)
    return out


def _group_base(
    key: str,
    game_id: str,
    role: int,
    runs: list[dict[str, Any]],
    game: tuple[np.ndarray, np.ndarray],
    classifier: str | None,
    n_boot: int,
    level: float,
    seed: int,
) -> tuple[GroupBase, tuple[np.ndarray, np.ndarray] | None]:
    facts = game_facts(game_id)
    rng = np.random.default_rng([seed, stable_seed("group", key, game_id, role)])
    rows, mult = game
    point, reps = resample_sums(rows, mult, n_boot, rng)
    pm, p_in = base_metrics(point[None, :], facts, role)
    rm, r_in = base_metrics(reps, facts, role)
    urows, umult = _merge([g["usage"] for g in runs])
    usage: dict[str, Estimate] = {}
    usage_sums = None
    if len(urows):
        usage_sums = resample_sums(urows, umult, n_boot, rng)
        usage = _usage(*usage_sums, level)
    styles = _styles([g["styles"].get(classifier, {}) for g in runs], n_boot, level, rng)
    samples = [s for g in runs for s in g["samples"]]
    cols = {c: i for i, c in enumerate(game_columns(facts.n_actions[role]))}
    sums = mult.astype(float) @ rows if len(rows) else np.zeros(len(cols))
    base = GroupBase(
        game_id=game_id,
        role=role,
        facts=facts,
        episodes=int(sums[cols["episodes"]]) if len(rows) else 0,
        decisions=int(sums[cols["decisions"]]) if len(rows) else 0,
        metrics=intervals(pm, rm, level),
        usage=usage,
        styles=styles,
        samples=list(dict.fromkeys(samples))[:4],
        inputs=_inputs(facts, np.vstack([p_in, r_in])),
        reps={k: rm[k] for k in SUMMARY_METRICS if k not in POPULATION_SUMMARY},
    )
    return base, usage_sums


def _inputs(facts: GameFacts, inputs: np.ndarray) -> np.ndarray:
    """The inputs of the population metrics, without the action counts where the game has
    no population metrics (nothing reads them there)."""
    if has_population_metrics(facts):
        return inputs
    return inputs[:, inputs.shape[1] - len(POPULATION_INPUTS) :]


def _usage(point: np.ndarray, reps: np.ndarray, level: float) -> dict[str, Estimate]:
    out = intervals(usage_metrics(point[None, :]), usage_metrics(reps), level)
    nan = float("nan")
    out["decisions"] = Estimate(float(point[0]), nan, nan)
    out["reasoning_tokens_sum"] = Estimate(float(point[3]), nan, nan)
    out["cost_sum"] = Estimate(float(point[5]), nan, nan)
    return out


def _styles(
    counts: list[dict[str, int]], n_boot: int, level: float, rng: np.random.Generator
) -> dict[str, Estimate]:
    total: dict[str, int] = {}
    for c in counts:
        for label, n in c.items():
            total[label] = total.get(label, 0) + n
    if not total:
        return {}
    known = [x for x in STYLE_LABELS if x in total]
    labels = known + sorted(x for x in total if x not in STYLE_LABELS)
    eye = np.eye(len(labels))
    point, reps = resample_sums(eye, np.array([total[x] for x in labels]), n_boot, rng)
    return intervals(share_metrics(point[None, :], labels), share_metrics(reps, labels), level)


def entry_base(
    key: str,
    e: dict[str, Any],
    merged: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]],
    classifier: str | None,
    n_boot: int,
    level: float,
    seed: int,
) -> EntryBase:
    """The population-free part of an entry (``e`` from `_pool._pooled_groups`)."""
    built = [
        _group_base(key, game_id, role, runs, merged[(game_id, role)], classifier, n_boot,
                    level, seed)
        for (game_id, role), runs in sorted(e["groups"].items())
    ]  # fmt: skip
    groups = [g for g, _ in built]
    rng = np.random.default_rng([seed, stable_seed("entry", key)])
    # Usage pooled over the entry's decisions: the groups' resampled sums add up (each game
    # and role resampled on its own, a stratified bootstrap).
    sums = [s for _, s in built if s is not None]
    usage: dict[str, Estimate] = {}
    total_cost = 0.0
    if sums:
        point = np.sum([p for p, _ in sums], axis=0)
        usage = _usage(point, np.sum([r for _, r in sums], axis=0), level)
        total_cost = float(point[5])
    style_counts = [g["styles"].get(classifier, {}) for gs in e["groups"].values() for g in gs]
    tokens = sum(g.usage.get("reasoning_tokens_sum", Estimate(0, 0, 0)).value for g in groups)
    names = tuple(k for k in SUMMARY_METRICS if k not in POPULATION_SUMMARY)
    return EntryBase(
        groups=groups,
        usage=usage,
        total_cost=total_cost,
        decisions=sum(g.decisions for g in groups),
        episodes=sum(g.episodes for g in groups),
        styles=_styles(style_counts, n_boot, level, rng),
        reasoning_unit="tokens" if tokens > 0 else "characters",
        summary=summary(list(groups), names, level),
    )


def encode(b: EntryBase) -> dict[str, Any]:
    groups = [
        [g.game_id, g.role, g.episodes, g.decisions, ests(g.metrics), ests(g.usage),
         ests(g.styles), g.samples, pack(g.inputs[:, :-2]), pack(g.inputs[:, -2:])]
        for g in b.groups
    ]  # fmt: skip
    return {
        "groups": groups,
        "usage": ests(b.usage),
        "total_cost": b.total_cost,
        "decisions": b.decisions,
        "episodes": b.episodes,
        "styles": ests(b.styles),
        "reasoning_unit": b.reasoning_unit,
        "summary": ests(b.summary),
    }


def decode(v: dict[str, Any]) -> EntryBase:
    groups = [
        GroupBase(game_id, int(role), game_facts(game_id), int(episodes), int(decisions),
                  unests(metrics), unests(usage), unests(styles), [int(s) for s in samples],
                  np.hstack([unpack(counts), unpack(rest)]))
        for game_id, role, episodes, decisions, metrics, usage, styles, samples, counts, rest
        in v["groups"]
    ]  # fmt: skip
    return EntryBase(
        groups=groups,
        usage=unests(v["usage"]),
        total_cost=float(v["total_cost"]),
        decisions=int(v["decisions"]),
        episodes=int(v["episodes"]),
        styles=unests(v["styles"]),
        reasoning_unit=str(v["reasoning_unit"]),
        summary=unests(v["summary"]),
    )
