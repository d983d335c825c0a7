"""Synthetic stores for benchmarks and tests of the analysis, written in bulk.

`write_synthetic_store` fills a store with runs of made-up models on one-shot and repeated
games against a uniformly random reference opponent (``baseline/random``): each model plays a
mixed strategy given by a policy, answers fail to parse at a given rate, and reasoning text
has a policy-given length. Everything is drawn from one seeded generator and written with
``executemany`` in one transaction per run, so a million decisions take seconds, and the same
arguments give the same store content (timestamps included).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from stratlens._version import __version__
from stratlens.games import bimatrix, get_game
from stratlens.results.metrics import game_facts
from stratlens.results.store import open_store

OPPONENT = "baseline/random"
#: policy(model, game_id, role, n_actions) -> (strategy, reasoning characters)
Policy = Callable[[str, str, int, int], tuple[Sequence[float], int]]
#: outcome(model, game_id, role) -> the subject's mean payoff as a share of its payoff range
Outcome = Callable[[str, str, int], float]
OUTCOME_NOISE = 0.1


@dataclass(frozen=True)
class SyntheticRun:
    run_id: str
    model: str
    decisions: int
    episodes: int


def uniform_policy(model: str, game_id: str, role: int, n: int) -> tuple[Sequence[float], int]:
    """A model-specific, game-specific strategy and reasoning length (hash-derived)."""
    key = f"{model}|{game_id}|{role}"
    h = hashlib.sha256(key.encode()).digest()
    while len(h) <= n:  # a game with more actions than one digest has bytes (121 claims)
        h += hashlib.sha256(f"{key}|{len(h)}".encode()).digest()
    weights = np.array([1.0 + b for b in h[:n]], dtype=float)
    return (weights / weights.sum()).tolist(), 40 + h[n] * 4


def _hex(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _time(i: int) -> str:
    return f"2025-01-01T00:{(i // 60) % 60:02d}:{i % 60:02d}.000+00:00"


def write_synthetic_store(
    path: str | os.PathLike[str],
    models: Sequence[str],
    games: Sequence[str],
    episodes: int,
    *,
    seed: int = 0,
    policy: Policy = uniform_policy,
    failure_rate: float = 0.02,
    protocol: str = "vanilla",
    run_index: int = 0,
    outcome: Outcome | None = None,
) -> list[SyntheticRun]:
    """Add one run per model (``episodes`` per game and role) to the store at ``path``.

    Games must be one-shot (matrix, Bayesian, signaling) or repeated; payoffs are read from
    their (prior-expected, or stage) tables, unless ``outcome`` plants them: the subject's
    payoff per round is then lo + (hi − lo)·clip(outcome + N(0, 0.1²), 0, 1) for its payoff
    range [lo, hi]. ``run_index`` offsets the runs' timestamps and ids, so later calls add
    newer runs.
    """
    rng = np.random.default_rng(seed)
    specs = [get_game(g) for g in games]
    for spec in specs:
        if spec.kind in ("tree", "guess"):
            raise ValueError(f"synthetic stores have games with payoff tables only ({spec.id})")
    out = []
    with open_store(path) as store, store.transaction() as conn:
        for m, model in enumerate(models):
            i = run_index * 1000 + m
            run_id = _hex("synthetic-run", model, protocol, seed, i)[:16]
            conn.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, _time(i), model, "{}", None, json.dumps(list(games)), protocol,
                 OPPONENT, episodes, seed, __version__, json.dumps({"synthetic": True})),
            )  # fmt: skip
            eps: list[tuple[object, ...]] = []
            decs: list[tuple[object, ...]] = []
            for spec in specs:
                pair = bimatrix(spec)
                assert pair is not None
                a, b = pair
                rounds = int(spec.params.get("horizon") or 10) if spec.kind == "repeated" else 1
                for role in spec.roles:
                    target = None if outcome is None else outcome(model, spec.id, role)
                    _play(spec.id, model, run_id, role, a, b, rounds, episodes, policy,
                          failure_rate, rng, eps, decs, _time(i), target)  # fmt: skip
            conn.executemany(
                "INSERT INTO episodes (episode_id, run_id, game_id, role, idx, seed, status, "
                "returns, subject_payoff, error, started_at, finished_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                eps,
            )
            conn.executemany(
                "INSERT INTO decisions (episode_id, run_id, step, player, agent, model, action, "
                "action_label, legal_actions, parse_status, raw_output, reasoning_text, attempts, "
                "prompt_tokens, completion_tokens, reasoning_tokens, cost_usd, latency_s, "
                "logprobs, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?)",
                decs,
            )
            out.append(SyntheticRun(run_id, model, len(decs), len(eps)))
    return out


def _play(
    game_id: str,
    model: str,
    run_id: str,
    role: int,
    a: np.ndarray,
    b: np.ndarray,
    rounds: int,
    episodes: int,
    policy: Policy,
    failure_rate: float,
    rng: np.random.Generator,
    eps: list[tuple[object, ...]],
    decs: list[tuple[object, ...]],
    when: str,
    target: float | None,
) -> None:
    spec = get_game(game_id)
    n_own, n_other = (a.shape[0], a.shape[1]) if role == 0 else (a.shape[1], a.shape[0])
    strategy, length = policy(model, game_id, role, n_own)
    own = rng.choice(n_own, size=(episodes, rounds), p=np.asarray(strategy, dtype=float))
    other = rng.integers(0, n_other, size=(episodes, rounds))
    failed = rng.random((episodes, rounds)) < failure_rate
    rows, cols = (own, other) if role == 0 else (other, own)
    gains = np.stack([a[rows, cols], b[rows, cols]])
    if target is not None:
        lo, hi = game_facts(game_id).payoff_range[role]
        share = np.clip(target + rng.normal(0.0, OUTCOME_NOISE, size=(episodes, 1)), 0.0, 1.0)
        gains[role] = lo + (hi - lo) * np.broadcast_to(share, (episodes, rounds))
    labels = spec.action_labels
    legal = [json.dumps({str(k): v for k, v in enumerate(labels[p][: a.shape[p]])}) for p in (0, 1)]
    tokens = rng.integers(5, 50, size=(episodes, rounds))
    latency = np.round(rng.gamma(2.0, 0.5, size=(episodes, rounds)), 3)
    text = "r" * length
    for e in range(episodes):
        eid = _hex("synthetic-episode", run_id, game_id, role, e)[:20]
        played = rounds
        stop = np.flatnonzero(failed[e])
        if len(stop):
            played = int(stop[0]) + 1
        for t in range(played):
            fail = t == played - 1 and len(stop) > 0
            mine = None if fail else int(own[e, t])
            theirs = int(other[e, t])
            actions = (mine, theirs) if role == 0 else (theirs, mine)
            for player, action in enumerate(actions):
                subject = player == role
                decs.append(
                    (eid, run_id, t, player, "subject" if subject else "opponent",
                     model if subject else OPPONENT, action,
                     None if action is None else labels[player][action], legal[player],
                     "unparseable" if action is None else "ok",
                     "no answer" if action is None else str(action),
                     text if subject else "", 1, 100 if subject else 0,
                     int(tokens[e, t]) if subject else 0,
                     length // 4 if subject else 0,
                     round(1e-5 * int(tokens[e, t]), 8) if subject else 0.0,
                     float(latency[e, t]) if subject else 0.0, None, None)
                )  # fmt: skip
        if len(stop):
            returns, payoff = None, None
        else:
            total = gains[:, e, :].sum(axis=1)
            returns, payoff = json.dumps([float(total[0]), float(total[1])]), float(total[role])
        seed = int(_hex("seed", eid)[:12], 16)
        eps.append(
            (eid, run_id, game_id, role, e, seed, "done", returns, payoff,
             "player unparseable" if returns is None else None, when, when)
        )  # fmt: skip
