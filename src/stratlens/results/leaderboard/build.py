"""The leaderboard's tables, computed from the store's run summaries.

An *entry* is one model configuration (`stratlens._configuration`: the model, every ``-M``
that changes what is asked, and the prompt protocol: ``baseline/belief(k=1)`` and
``baseline/belief(k=3)``, ``openai/gpt-4o`` and ``openai/gpt-4o (cot)`` are two entries each);
all runs of an entry are pooled (`_pool`). For each entry, game and role the
metrics of `stratlens.results.metrics` come with bootstrap intervals; an entry's summary
metric is the mean over its games and roles, its interval from the same replicates (a
stratified bootstrap). The headline score is 100 × the mean group ``score`` over the game ×
role cells that every entry covers, so that all entries are ranked on the same games.

The population of a game and role is the mean strategy of the evaluated models (every entry
whose model is not a ``baseline/`` reference agent; all entries if there are none), each
entry weighted equally. Population metrics hold it fixed while the model is resampled.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stratlens._progress import Steps, report
from stratlens.results.leaderboard import sources
from stratlens.results.leaderboard._pool import (
    _merge,
    _pooled_groups,
    _population,
    merge_by_value,
    slug,
)
from stratlens.results.leaderboard.framing import (
    FramingComparison,
    compare_framings,
    framed_label,
    run_framings,
)
from stratlens.results.leaderboard.human import EntryHuman, compare_entries
from stratlens.results.leaderboard.sources import STYLE_LABELS
from stratlens.results.leaderboard.summaries import load_summaries
from stratlens.results.metrics import (
    LEVEL,
    N_BOOT,
    Estimate,
    GameFacts,
    game_columns,
    game_facts,
    game_metrics,
    interval,
    intervals,
    resample_sums,
    share_metrics,
    stable_seed,
    usage_metrics,
)
from stratlens.results.structure_analysis import REASONING, StructureResult, analyze

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


@dataclass
class GroupResult:
    game_id: str
    role: int
    facts: GameFacts
    episodes: int
    decisions: int
    metrics: dict[str, Estimate]
    usage: dict[str, Estimate]
    styles: dict[str, Estimate]
    samples: list[int]
    reps: dict[str, np.ndarray] = field(repr=False)
    usage_sums: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)


@dataclass
class EntryResult:
    key: str
    model: str
    protocol: str
    runs: list[str]
    slug: str
    groups: list[GroupResult]
    summary: dict[str, Estimate]
    usage: dict[str, Estimate]
    total_cost: float
    decisions: int
    episodes: int
    styles: dict[str, Estimate]
    behaviour: list[dict[str, Any]]
    reasoning_unit: str
    structure: StructureResult | None = None
    #: The mean score over the game × role cells that every row covers (`Leaderboard.common`).
    headline_score: Estimate | None = None

    @property
    def headline(self) -> Estimate:
        """100 × the mean score over the cells every row covers: rows ranked on the same
        games (the score over all of the row's own games is ``summary["score"]``)."""
        s = self.summary["score"] if self.headline_score is None else self.headline_score
        return Estimate(100 * s.value, 100 * s.low, 100 * s.high)

    @property
    def cells(self) -> int:
        """How many game × role cells the row covers."""
        return len(self.groups)


@dataclass
class Leaderboard:
    entries: list[EntryResult]
    generated_from: str  # the newest run's created_at: the one timestamp in the output
    classifier: str | None
    pooled: StructureResult | None
    traces: dict[int, dict[str, Any]]
    stats: dict[str, int]
    unknown_games: list[str]
    n_boot: int
    level: float
    seed: int
    #: The (game, role) cells with a score in every row: what the headline ranks on.
    common: list[tuple[str, int]] = field(default_factory=list)
    #: Each entry's distance to human play and its treasure→contradiction shifts, for the
    #: entries that played a game with human data (`stratlens.results.leaderboard.human`).
    human: dict[str, EntryHuman] = field(default_factory=dict)
    #: Each framed row beside its neutral twin (`stratlens.results.leaderboard.framing`).
    framings: list[FramingComparison] = field(default_factory=list)


def _group_result(
    key: str,
    game_id: str,
    role: int,
    runs: list[dict[str, Any]],
    game: tuple[np.ndarray, np.ndarray],
    population: np.ndarray | None,
    classifier: str | None,
    n_boot: int,
    level: float,
    seed: int,
) -> GroupResult:
    facts = game_facts(game_id)
    rng = np.random.default_rng([seed, stable_seed("group", key, game_id, role)])
    rows, mult = game
    point, reps = resample_sums(rows, mult, n_boot, rng)
    pm = game_metrics(point[None, :], facts, role, population)
    rm = game_metrics(reps, facts, role, population)
    metrics = intervals(pm, rm, level)
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
    return GroupResult(
        game_id=game_id,
        role=role,
        facts=facts,
        episodes=int(sums[cols["episodes"]]) if len(rows) else 0,
        decisions=int(sums[cols["decisions"]]) if len(rows) else 0,
        metrics=metrics,
        usage=usage,
        styles=styles,
        samples=list(dict.fromkeys(samples))[:4],
        reps={k: rm[k] for k in SUMMARY_METRICS},
        usage_sums=usage_sums,
    )


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


_NAN_ESTIMATE = Estimate(float("nan"), float("nan"), float("nan"))


def _common_cells(entries: list[EntryResult]) -> set[tuple[str, int]]:
    """The (game, role) cells that have a score in every entry."""
    cells = [
        {(g.game_id, g.role) for g in en.groups if math.isfinite(g.metrics["score"].value)}
        for en in entries
    ]
    return set.intersection(*cells) if cells else set()


def _summary(groups: list[GroupResult], level: float) -> dict[str, Estimate]:
    out = {}
    for name in SUMMARY_METRICS:
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


def _choose_classifier(summaries: list[dict[str, Any]]) -> str | None:
    totals: dict[str, int] = {}
    for s in summaries:
        for g in s["groups"].values():
            for clf, counts in g["styles"].items():
                totals[clf] = totals.get(clf, 0) + sum(counts.values())
    if not totals:
        return None
    return sorted(totals, key=lambda c: (-totals[c], c))[0]


def build(
    conn: sqlite3.Connection,
    *,
    n_boot: int = N_BOOT,
    level: float = LEVEL,
    seed: int = 0,
    use_cache: bool = True,
    analysis: bool = True,
    steps: Steps | None = None,
) -> tuple[Leaderboard, list[tuple[str, str, str]]]:
    """The leaderboard of the store behind ``conn``, and the summaries to write to the cache.

    Reads in one snapshot; writes nothing (see `summaries.write_cache`).
    """
    conn.execute("BEGIN")
    try:
        summaries, stats, fresh = load_summaries(conn, use_cache=use_cache, steps=steps)
        newest = sources.newest_run(conn)
        framed = run_framings(conn)
        labels = {
            run_id: framed_label(label, framing) for run_id, (label, framing) in framed.items()
        }
        entries_raw = _pooled_groups(summaries, labels)
        classifier = _choose_classifier(summaries)
        behaviour = {k: sources.behaviour(conn, e["model"]) for k, e in entries_raw.items()}
        merged = {
            key: {gr: _merge([g["game"] for g in gs]) for gr, gs in e["groups"].items()}
            for key, e in entries_raw.items()
        }
        population = _population(merged, {k: e["model"] for k, e in entries_raw.items()})
        by_value = {key: merge_by_value(e["groups"]) for key, e in entries_raw.items()}
        human = compare_entries(merged, n_boot=n_boot, level=level, seed=seed, by_value=by_value)
        framings = compare_framings(
            merged, _entry_framings(entries_raw, framed), n_boot=n_boot, level=level, seed=seed
        )
        entries: list[EntryResult] = []
        for i, (key, e) in enumerate(entries_raw.items()):
            report(steps, "models (bootstrap)", i, len(entries_raw))
            groups = [
                _group_result(
                    key,
                    game_id,
                    role,
                    runs,
                    merged[key][(game_id, role)],
                    population.get((game_id, 1 - role)),
                    classifier,
                    n_boot,
                    level,
                    seed,
                )
                for (game_id, role), runs in sorted(e["groups"].items())
            ]
            entries.append(_entry(key, e, groups, behaviour[key], classifier, n_boot, level, seed))
        report(steps, "models (bootstrap)", len(entries_raw), len(entries_raw))
        samples = sorted({s for en in entries for g in en.groups for s in g.samples})
        traces = sources.traces(conn, samples, classifier)
    finally:
        conn.execute("COMMIT")
    common = _common_cells(entries)
    for en in entries:
        shared = [g for g in en.groups if (g.game_id, g.role) in common]
        en.headline_score = _summary(shared, level)["score"] if shared else _NAN_ESTIMATE
    entries.sort(key=lambda en: (-_sortable(en.headline.value), en.key))
    pooled = None
    if analysis and entries:
        report(steps, "structure analysis")
        results = analyze(analysis_frame(entries), n_boot=n_boot, seed=seed)
        for en in entries:
            en.structure = results.get(en.key)
        pooled = results.get("all models")
    unknown = sorted({u for s in summaries for u in s["unknown_games"]})
    lb = Leaderboard(
        entries, newest, classifier, pooled, traces, stats, unknown, n_boot, level, seed,
        sorted(common), human, framings,
    )  # fmt: skip
    return lb, fresh


def _entry_framings(
    entries: dict[str, dict[str, Any]], framed: dict[str, tuple[str, str]]
) -> dict[str, tuple[str, str, str]]:
    """Row key → (its label without the framing, protocol, framing), from its first run."""
    out = {}
    for key, e in entries.items():
        label, framing = framed.get(e["runs"][0], (e["model"], "neutral"))
        out[key] = (label, e["protocol"], framing)
    return out


def _sortable(v: float) -> float:
    return v if np.isfinite(v) else -np.inf


def _entry(
    key: str,
    e: dict[str, Any],
    groups: list[GroupResult],
    behaviour: list[dict[str, Any]],
    classifier: str | None,
    n_boot: int,
    level: float,
    seed: int,
) -> EntryResult:
    rng = np.random.default_rng([seed, stable_seed("entry", key)])
    # Usage pooled over the entry's decisions: the groups' resampled sums add up (each game
    # and role resampled on its own, a stratified bootstrap).
    sums = [g.usage_sums for g in groups if g.usage_sums is not None]
    usage: dict[str, Estimate] = {}
    total_cost = 0.0
    if sums:
        point = np.sum([p for p, _ in sums], axis=0)
        usage = _usage(point, np.sum([r for _, r in sums], axis=0), level)
        total_cost = float(point[5])
    style_counts = [g["styles"].get(classifier, {}) for gs in e["groups"].values() for g in gs]
    tokens = sum(g.usage.get("reasoning_tokens_sum", Estimate(0, 0, 0)).value for g in groups)
    return EntryResult(
        key=key,
        model=e["model"],
        protocol=e["protocol"],
        runs=list(e["runs"]),
        slug=slug(key),
        groups=groups,
        summary=_summary(groups, level),
        usage=usage,
        total_cost=total_cost,
        decisions=sum(g.decisions for g in groups),
        episodes=sum(g.episodes for g in groups),
        styles=_styles(style_counts, n_boot, level, rng),
        behaviour=behaviour,
        reasoning_unit="tokens" if tokens > 0 else "characters",
    )


def analysis_frame(entries: list[EntryResult]) -> pd.DataFrame:
    """One row per entry, game and role: the outcomes and reasoning length the analysis reads."""
    rows = []
    for en in entries:
        column = "reasoning_tokens" if en.reasoning_unit == "tokens" else "reasoning_chars"
        for g in en.groups:
            row: dict[str, Any] = {
                "entry": en.key,
                "game_id": g.game_id,
                "role": g.role,
                REASONING: g.usage[column].value if column in g.usage else np.nan,
            }
            for name in ("score", "norm_ref", "regret_norm", "eq_distance", "failure_rate"):
                row[name] = g.metrics[name].value
            for label, est in g.styles.items():
                row[f"style:{label}"] = est.value
            rows.append(row)
    return pd.DataFrame(rows)
