"""Simulated players for the behavioural profile: known styles, mixtures and negative controls.

A simulated player is a choice rule over a suite's one-shot decisions, each (game, role) a
cell played ``trials`` times. The rules are the reference agents' own computations
(`stratlens.agents.style_choice`):

- the three styles (``minimax``, ``trust_based``, ``belief_anticipation`` at level 2), each
  optionally with tremble noise ``eps`` (its choice with probability 1 − eps, uniform else);
- a mixture: each decision drawn from style s with probability w_s (the model the profile
  fits, its weights the truth);
- negative controls, players that are none of the styles: ``nash`` (the selected Nash
  equilibrium), ``qre:LAM`` (logit QRE at precision LAM), ``level:1`` (best reply to a uniform
  other: own payoffs only, no opponent model) and ``random`` (uniform: the ``other`` component
  itself, a control for the weights rather than for the fit test);
- ``level:K`` for K ≥ 2 *is* belief anticipation at depth K (level 2 is
  ``belief_anticipation``): level 3 checks that the depth is recovered;
- ``logit`` players: a style choosing ``softmax(lam · values)`` on the style's own values
  (`simulate(..., lam=...)`), for the logit noise model.

`simulate` draws the decisions, `profile` fits them with `fit_styles`. `simulate_dynamic`
plays the tree and repeated games of a suite instead, episode by episode (a style player with
tremble against a uniform opponent), where every decision node or round with its history is a
cell of its own. Tests use a few replications; ``bench/profiler_recovery.py`` runs many and
prints rejection rates, interval coverage and the trials needed for 90% recovery.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from stratlens.agents import style_choice
from stratlens.games import (
    DecisionView,
    decision_view,
    get_game,
    is_simultaneous,
    list_games,
    sample_chance,
)
from stratlens.profiler._replay import ONE_SHOT_KINDS
from stratlens.profiler._style_models import MODELLED, FloatArray, Noise, noisy_probs, style_basis
from stratlens.profiler.behavior import StyleProfile, _legal_of, catalog_views, fit_styles

STYLE_AGENTS = ("minimax", "trust_based", "belief_anticipation")
#: Players that no style mixture should fit (``random`` is `other` itself: it should fit).
CONTROLS = ("nash", "qre:0.5", "qre:5", "level:1")


@dataclass(frozen=True)
class Cell:
    """One recurring decision: a (game, role) of a one-shot game."""

    game_id: str
    role: int
    view: DecisionView
    legal: tuple[int, ...]


@cache
def suite_cells(suite: str = "classic") -> tuple[Cell, ...]:
    """Every (game, role) of the suite's one-shot games."""
    out = []
    for spec in list_games(suite):
        if spec.kind not in ONE_SHOT_KINDS:
            continue
        for role in spec.roles:
            (view,) = catalog_views(spec.id, role)
            out.append(Cell(spec.id, role, view, tuple(sorted(_legal_of(view)))))
    return tuple(out)


def _aligned(actions: Sequence[int], probs: FloatArray, legal: tuple[int, ...]) -> FloatArray:
    pos = {int(a): float(p) for a, p in zip(actions, probs, strict=True)}
    q = np.asarray([max(pos.get(a, 0.0), 0.0) for a in legal])
    out: FloatArray = q / q.sum() if q.sum() > 0 else np.full(len(legal), 1.0 / len(legal))
    return out


def _agent_probs(agent: str, view: DecisionView, legal: tuple[int, ...]) -> FloatArray:
    name, _, arg = agent.partition(":")
    if name in STYLE_AGENTS:
        res = style_choice(name, view)  # type: ignore[arg-type]
    elif name == "level":
        res = style_choice("belief_anticipation", view, k=int(arg))
    elif name == "qre":
        res = style_choice("qre", view, lam=float(arg))
    elif name in ("nash", "random"):
        res = style_choice(name, view)  # type: ignore[arg-type]
    else:
        raise ValueError(f"unknown simulated agent {agent!r}")
    return _aligned(res.actions, res.probs, legal)


@cache
def agent_probs(agent: str, cell: Cell) -> FloatArray:
    """The agent's choice probabilities over ``cell.legal`` (see the module docstring)."""
    return _agent_probs(agent, cell.view, cell.legal)


@cache
def logit_probs(style: str, cell: Cell, lam: float) -> FloatArray:
    """``softmax(lam · values)`` of a style (values scaled by the decision's payoff range)."""
    basis = style_basis(cell.view, cell.legal)
    row = MODELLED.index(style)
    out: FloatArray = noisy_probs(basis, "logit", lam)[row]
    return out


def mixture_probs(
    weights: Mapping[str, float], cell: Cell, eps: float = 0.0, lam: float | None = None
) -> FloatArray:
    """The choice distribution of a player who draws agent a with probability weights[a] and
    trembles (uniform) with probability ``eps``; with ``lam`` the styles choose by logit."""
    n = len(cell.legal)
    total = sum(weights.values())
    p = sum(
        w / total * (agent_probs(a, cell) if lam is None else logit_probs(a, cell, lam))
        for a, w in weights.items()
    )
    out: FloatArray = (1.0 - eps) * np.asarray(p) + eps / n
    return out


@dataclass(frozen=True)
class Sample:
    """Simulated decisions, as `fit_styles` takes them."""

    views: list[DecisionView]
    legal: list[tuple[int, ...]]
    actions: list[int]
    cells: list[Hashable]  # (game, role) of a one-shot cell; (game, role, view) in a dynamic one
    games: list[str]


def simulate(
    weights: Mapping[str, float] | str,
    trials: int,
    rng: np.random.Generator,
    *,
    eps: float = 0.0,
    lam: float | None = None,
    suite: str = "classic",
) -> Sample:
    """``trials`` decisions per cell of ``suite`` by the player ``weights`` (an agent name or
    a mixture of agents), with tremble ``eps`` (or, with ``lam``, logit choice)."""
    w = {weights: 1.0} if isinstance(weights, str) else dict(weights)
    views: list[DecisionView] = []
    legal: list[tuple[int, ...]] = []
    actions: list[int] = []
    cells: list[Hashable] = []
    games: list[str] = []
    for cell in suite_cells(suite):
        counts = rng.multinomial(trials, mixture_probs(w, cell, eps, lam))
        for j, k in enumerate(counts):
            views += [cell.view] * int(k)
            legal += [cell.legal] * int(k)
            actions += [cell.legal[j]] * int(k)
            cells += [(cell.game_id, cell.role)] * int(k)
            games += [cell.game_id] * int(k)
    return Sample(views, legal, actions, cells, games)


#: The suites whose tree and repeated games `simulate_dynamic` plays.
DYNAMIC_SUITES = ("sequential", "repeated")


def simulate_dynamic(
    agent: str,
    trials: int,
    rng: np.random.Generator,
    *,
    eps: float = 0.0,
    suites: Sequence[str] = DYNAMIC_SUITES,
) -> Sample:
    """``trials`` episodes per (game, role) of the tree and repeated games of ``suites``: the
    subject plays ``agent`` (a style or a control, named as in `agent_probs`) with tremble
    ``eps`` at each of its decisions, the other player uniformly, chance by its probabilities.
    A decision's cell is its (game, role, view)."""
    views: list[DecisionView] = []
    legal: list[tuple[int, ...]] = []
    actions: list[int] = []
    cells: list[Hashable] = []
    games: list[str] = []
    ids = [g.id for suite in suites for g in list_games(suite) if g.kind not in ONE_SHOT_KINDS]
    for spec in (get_game(i) for i in dict.fromkeys(ids)):
        together = is_simultaneous(spec)
        for role in spec.roles:
            for _ in range(trials):
                state = spec.game().new_initial_state()
                while not state.is_terminal():
                    if state.is_chance_node():
                        state.apply_action(sample_chance(state, rng))
                        continue
                    moves = []
                    for player in [0, 1] if together else [state.current_player()]:
                        options = tuple(sorted(int(a) for a in state.legal_actions(player)))
                        if player != role:
                            moves.append(int(rng.choice(options)))
                            continue
                        view = decision_view(spec, state, player)
                        q = (1.0 - eps) * _agent_probs(agent, view, options) + eps / len(options)
                        pick = options[int(rng.choice(len(options), p=q))]
                        views.append(view)
                        legal.append(options)
                        actions.append(pick)
                        cells.append((spec.id, role, view))
                        games.append(spec.id)
                        moves.append(pick)
                    if together:
                        state.apply_actions(moves)
                    else:
                        state.apply_action(moves[0])
    return Sample(views, legal, actions, cells, games)


def profile(
    sample: Sample,
    *,
    noise: Noise = "tremble",
    model: str = "",
    draws: int = 0,
    seed: int = 0,
    intervals: bool = True,
) -> StyleProfile:
    """The behavioural profile of a simulated sample (``draws``: bootstrap refits;
    ``intervals``: the weights' intervals, see `fit_styles`)."""
    return fit_styles(
        sample.views,
        sample.legal,
        sample.actions,
        noise=noise,
        model=model,
        games=sample.games,
        cells=list(sample.cells),
        draws=draws,
        seed=seed,
        intervals=intervals,
    )
