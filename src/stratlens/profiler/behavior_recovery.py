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

`simulate` draws the decisions, `profile` fits them with `fit_styles`. Tests use a few
replications; ``bench/profiler_recovery.py`` runs many and prints rejection rates, interval
coverage and the trials needed for 90% recovery.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from stratlens.agents import style_choice
from stratlens.games import DecisionView, list_games
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


@cache
def agent_probs(agent: str, cell: Cell) -> FloatArray:
    """The agent's choice probabilities over ``cell.legal`` (see the module docstring)."""
    name, _, arg = agent.partition(":")
    if name in STYLE_AGENTS:
        res = style_choice(name, cell.view)  # type: ignore[arg-type]
    elif name == "level":
        res = style_choice("belief_anticipation", cell.view, k=int(arg))
    elif name == "qre":
        res = style_choice("qre", cell.view, lam=float(arg))
    elif name in ("nash", "random"):
        res = style_choice(name, cell.view)  # type: ignore[arg-type]
    else:
        raise ValueError(f"unknown simulated agent {agent!r}")
    return _aligned(res.actions, res.probs, cell.legal)


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
    cells: list[tuple[str, int]]
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
    cells: list[tuple[str, int]] = []
    for cell in suite_cells(suite):
        counts = rng.multinomial(trials, mixture_probs(w, cell, eps, lam))
        for j, k in enumerate(counts):
            views += [cell.view] * int(k)
            legal += [cell.legal] * int(k)
            actions += [cell.legal[j]] * int(k)
            cells += [(cell.game_id, cell.role)] * int(k)
    return Sample(views, legal, actions, cells, [c[0] for c in cells])


def profile(
    sample: Sample, *, noise: Noise = "tremble", model: str = "", draws: int = 0, seed: int = 0
) -> StyleProfile:
    """The behavioural profile of a simulated sample (``draws``: bootstrap refits)."""
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
    )
