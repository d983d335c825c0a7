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

import functools
import math
import sqlite3
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stratlens._progress import Steps, report
from stratlens.results.leaderboard import _codec, _entries, sources
from stratlens.results.leaderboard._entries import (
    POPULATION_SUMMARY,
    EntryBase,
    GroupBase,
    summary,
)
from stratlens.results.leaderboard._entries import (
    SUMMARY_METRICS as SUMMARY_METRICS,
)
from stratlens.results.leaderboard._memo import Memo
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
from stratlens.results.leaderboard.human import EntryHuman, compare_entry
from stratlens.results.leaderboard.summaries import load_summaries
from stratlens.results.metrics import (
    LEVEL,
    N_BOOT,
    Estimate,
    GameFacts,
    intervals,
    population_metrics,
)
from stratlens.results.structure_analysis import REASONING, StructureResult, analyze


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


def _group_result(base: GroupBase, population: np.ndarray | None, level: float) -> GroupResult:
    """A group's result: its population-free part with the population metrics added."""
    pop = population_metrics(base.inputs, base.facts, base.role, population)
    point = {k: v[:1] for k, v in pop.items()}
    reps = {k: v[1:] for k, v in pop.items()}
    return GroupResult(
        game_id=base.game_id,
        role=base.role,
        facts=base.facts,
        episodes=base.episodes,
        decisions=base.decisions,
        metrics={**base.metrics, **intervals(point, reps, level)},
        usage=base.usage,
        styles=base.styles,
        samples=base.samples,
        reps={k: reps[k] for k in POPULATION_SUMMARY},
    )


_NAN_ESTIMATE = Estimate(float("nan"), float("nan"), float("nan"))


def _common_cells(entries: list[EntryResult]) -> set[tuple[str, int]]:
    """The (game, role) cells that have a score in every entry."""
    cells = [
        {(g.game_id, g.role) for g in en.groups if math.isfinite(g.metrics["score"].value)}
        for en in entries
    ]
    return set.intersection(*cells) if cells else set()


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
    memo: Memo | None = None,
) -> tuple[Leaderboard, list[tuple[str, str, str]]]:
    """The leaderboard of the store behind ``conn``, and the summaries to write to the cache.

    Reads in one snapshot; writes nothing (see `summaries.write_cache`; the steps ``memo``
    computed are written by `_memo.write_memo`).
    """
    conn.execute("BEGIN")
    try:
        summaries, stats, fresh = load_summaries(conn, use_cache=use_cache, steps=steps)
        digests = {s["run_id"]: s["digest"] for s in summaries}
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
        memo = Memo(None, enabled=False) if memo is None else memo
        by_value = {key: merge_by_value(e["groups"]) for key, e in entries_raw.items()}
        framings = compare_framings(
            merged, _entry_framings(entries_raw, framed), n_boot=n_boot, level=level, seed=seed
        )
        entries: list[EntryResult] = []
        human: dict[str, EntryHuman] = {}
        for i, (key, e) in enumerate(entries_raw.items()):
            report(steps, "models (bootstrap)", i, len(entries_raw))
            content = [key, e["model"], e["protocol"], e["runs"], [digests[r] for r in e["runs"]]]
            found = memo.get(
                "human", [*content, n_boot, level, seed],
                functools.partial(compare_entry, key, merged[key], n_boot=n_boot, level=level,
                                  seed=seed, by_value=by_value.get(key)),
                _codec.entry_human, _codec.unentry_human,
            )  # fmt: skip
            if found.cells:
                human[key] = found
            base = memo.get(
                "entry", [*content, classifier, n_boot, level, seed],
                functools.partial(_entries.entry_base, key, e, merged[key], classifier, n_boot,
                                  level, seed),
                _entries.encode, _entries.decode,
            )  # fmt: skip
            groups = [
                _group_result(g, population.get((g.game_id, 1 - g.role)), level)
                for g in base.groups
            ]
            entries.append(_entry(key, e, base, groups, behaviour[key], level))
        report(steps, "models (bootstrap)", len(entries_raw), len(entries_raw))
        samples = sorted({s for en in entries for g in en.groups for s in g.samples})
        traces = sources.traces(conn, samples, classifier)
    finally:
        conn.execute("COMMIT")
    common = _common_cells(entries)
    for en in entries:
        shared = [g for g in en.groups if (g.game_id, g.role) in common]
        en.headline_score = (
            summary(list(shared), ("score",), level)["score"] if shared else _NAN_ESTIMATE
        )
    entries.sort(key=lambda en: (-_sortable(en.headline.value), en.key))
    pooled = None
    if analysis and entries:
        report(steps, "structure analysis")
        results = analyze(analysis_frame(entries), n_boot=n_boot, seed=seed, cached=memo.cached)
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
    base: EntryBase,
    groups: list[GroupResult],
    behaviour: list[dict[str, Any]],
    level: float,
) -> EntryResult:
    pop = summary(list(groups), POPULATION_SUMMARY, level)
    return EntryResult(
        key=key,
        model=e["model"],
        protocol=e["protocol"],
        runs=list(e["runs"]),
        slug=slug(key),
        groups=groups,
        summary={k: pop[k] if k in pop else base.summary[k] for k in SUMMARY_METRICS},
        usage=base.usage,
        total_cost=base.total_cost,
        decisions=base.decisions,
        episodes=base.episodes,
        styles=base.styles,
        behaviour=behaviour,
        reasoning_unit=base.reasoning_unit,
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
