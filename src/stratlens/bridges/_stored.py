"""A stored run read back as episodes: records with the prompts each decision was asked with.

The store keeps what was decided, not the prompt text; the prompt is rendered again by replaying
the episode's moves from its seed (chance as the runner drew it) to each decision's state,
the way the runner rendered it (`stratlens.games.prompts.render`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from stratlens.bridges._records import DecisionRecord, EpisodeRecord
from stratlens.errors import UsageError
from stratlens.games import get_game, is_simultaneous, sample_chance
from stratlens.games.prompts import render
from stratlens.results.store import Store, load_decisions, load_episodes, load_runs


def episode_prompts(
    game_id: str, seed: int, protocol: str, moves: Mapping[tuple[int, int], int]
) -> dict[tuple[int, int], str]:
    """The prompt of every decision of one episode, keyed by (step, player)."""
    spec = get_game(game_id)
    state = spec.game().new_initial_state()
    rng = np.random.default_rng(seed)
    simultaneous = is_simultaneous(spec)
    prompts: dict[tuple[int, int], str] = {}
    step = 0
    while not state.is_terminal():
        if state.is_chance_node():
            state.apply_action(sample_chance(state, rng))
            continue
        players = [0, 1] if simultaneous else [int(state.current_player())]
        for p in players:
            prompts[(step, p)] = render(spec, state, p, protocol).prompt
        if any((step, p) not in moves for p in players):
            break
        if simultaneous:
            state.apply_actions([moves[(step, p)] for p in players])
        else:
            state.apply_action(moves[(step, players[0])])
        step += 1
    return prompts


@dataclass
class StoredRun:
    """One run of the store: its row, its finished episodes, and each decision's prompt."""

    run: dict[str, Any]
    episodes: list[EpisodeRecord]
    prompts: dict[tuple[str, int, int], str]  # (episode_id, step, player) -> prompt
    labels: dict[tuple[str, int, int], dict[str, str]]  # … -> {classifier: label}


def _decision(row: Any) -> DecisionRecord:
    return DecisionRecord(
        step=int(row.step),
        player=int(row.player),
        agent=row.agent,
        model=str(row.model),
        action=None if pd.isna(row.action) else int(row.action),
        action_label=None if pd.isna(row.action_label) else str(row.action_label),
        legal_actions=dict(row.legal_actions),
        parse_status=str(row.parse_status),
        raw_output=str(row.raw_output),
        reasoning=str(row.reasoning),
        attempts=int(row.attempts),
        prompt_tokens=int(row.prompt_tokens),
        completion_tokens=int(row.completion_tokens),
        reasoning_tokens=int(row.reasoning_tokens),
        cost_usd=float(row.cost_usd),
        latency_s=float(row.latency_s),
        error=None if pd.isna(row.error) else str(row.error),
        cached=bool(row.cached),
        logprobs=row.logprobs if isinstance(row.logprobs, list) else None,
    )


def _labels(store: Store, run_id: str) -> dict[tuple[str, int, int], dict[str, str]]:
    out: dict[tuple[str, int, int], dict[str, str]] = {}
    with store.snapshot() as conn:
        rows = conn.execute(
            "SELECT d.episode_id, d.step, d.player, t.classifier, t.label FROM trace_labels t "
            "JOIN decisions d ON d.id = t.decision_id WHERE d.run_id = ? "
            "ORDER BY t.classifier",
            (run_id,),
        ).fetchall()
    for episode_id, step, player, classifier, label in rows:
        out.setdefault((episode_id, int(step), int(player)), {})[classifier] = label
    return out


def selected_runs(store: Store, run: str | None) -> list[str]:
    """The ids of the runs to export: ``run`` (an id, or a unique prefix of one), or all."""
    ids = [str(r) for r in load_runs(store).run_id]
    if run is None:
        if not ids:
            raise UsageError(f"store {store.path} has no runs to export")
        return ids
    found = [r for r in ids if r.startswith(run)]
    if len(found) != 1:
        what = "no run" if not found else f"{len(found)} runs"
        raise UsageError(f"--run {run!r} matches {what} in store {store.path}")
    return found


def read_run(store: Store, run_id: str) -> StoredRun:
    """A run's finished episodes (done or failed), in plan order, with prompts and labels."""
    runs = load_runs(store, run_id)
    row = {str(k): v for k, v in runs.iloc[0].to_dict().items()}
    episodes = load_episodes(store, run_id)
    decisions = load_decisions(store, run_id, include_opponents=True)
    by_episode = {eid: frame for eid, frame in decisions.groupby("episode_id", sort=False)}
    out: list[EpisodeRecord] = []
    prompts: dict[tuple[str, int, int], str] = {}
    for ep in cast(Iterable[Any], episodes.itertuples(index=False)):
        frame = by_episode.get(ep.episode_id)
        rows = cast(Iterable[Any], [] if frame is None else frame.itertuples(index=False))
        records = [_decision(r) for r in rows]
        returns = ep.returns if isinstance(ep.returns, list) else None
        payoff = None if pd.isna(ep.subject_payoff) else float(ep.subject_payoff)
        record = EpisodeRecord(
            str(ep.episode_id), run_id, str(ep.game_id), int(ep.role), int(ep.idx), int(ep.seed),
            str(ep.status), returns, payoff, None if pd.isna(ep.error) else str(ep.error),
            records,
        )  # fmt: skip
        out.append(record)
        moves = {(d.step, d.player): d.action for d in records if d.action is not None}
        rendered = episode_prompts(record.game_id, record.seed, str(row["protocol"]), moves)
        for (step, player), text in rendered.items():
            prompts[(record.episode_id, step, player)] = text
    return StoredRun(row, out, prompts, _labels(store, run_id))


def iter_runs(store: Store, run: str | None) -> Iterator[StoredRun]:
    for run_id in selected_runs(store, run):
        yield read_run(store, run_id)
