"""The styles on a round of a repeated game (`RepeatedView`).

``minimax``, ``nash``, ``qre`` and ``random`` play their stage choice every round.
``trust_based`` reciprocates: it opens with its part of the joint-payoff cell, keeps to it while
the other played its part in the previous round, and answers a deviation with one round of
the stage security action (tit for tat toward the joint cell). ``belief_anticipation`` is
fictitious play: it predicts the other's action from its empirical frequencies (the stage
level-(k-1) prediction before any history) and best-responds; in a known final round, where
the other has no future to protect, it predicts the other's stage level-(k-1) choice instead.
"""

from __future__ import annotations

import numpy as np

from stratlens.agents import _solvers as sv
from stratlens.agents._choice import FloatArray, RepeatedChoice, RepeatedReason, StyleResult
from stratlens.agents._styles_matrix import (
    matrix_belief,
    matrix_minimax,
    matrix_nash,
    matrix_qre,
    matrix_random,
    matrix_trust,
    tables,
)
from stratlens.games.views import RepeatedView


def _wrap(
    view: RepeatedView,
    stage: StyleResult,
    reason: RepeatedReason,
    probs: FloatArray | None = None,
    values: FloatArray | None = None,
    prediction: FloatArray | None = None,
    counts: FloatArray | None = None,
) -> RepeatedChoice:
    return RepeatedChoice(
        stage.style,
        stage.actions,
        stage.probs if probs is None else probs,
        stage.values if values is None else values,
        stage=stage,
        reason=reason,
        round=view.round,
        horizon=view.horizon,
        last_other=view.history[-1][1] if view.history else None,
        prediction=prediction,
        counts=counts,
    )


def repeated_random(view: RepeatedView) -> RepeatedChoice:
    return _wrap(view, matrix_random(view.stage), "stage")


def repeated_minimax(view: RepeatedView) -> RepeatedChoice:
    return _wrap(view, matrix_minimax(view.stage), "stage")


def repeated_nash(view: RepeatedView) -> RepeatedChoice:
    return _wrap(view, matrix_nash(view.stage), "stage")


def repeated_qre(view: RepeatedView, lam: float = 1.0) -> RepeatedChoice:
    return _wrap(view, matrix_qre(view.stage, lam), "stage")


def repeated_trust(view: RepeatedView) -> RepeatedChoice:
    stage = view.stage
    trust = matrix_trust(stage)
    if not view.history:
        return _wrap(view, trust, "open")
    last_other = view.history[-1][1]
    rows = sorted({stage.own_actions.index(i) for i, j in trust.cells if j == last_other})
    if rows:
        probs = np.zeros(len(stage.own_actions))
        probs[rows] = 1.0 / len(rows)
        return _wrap(view, trust, "reciprocate", probs=probs)
    safe = matrix_minimax(stage)
    return _wrap(view, safe, "punish")


def repeated_belief(view: RepeatedView, k: int = 2) -> RepeatedChoice:
    stage = view.stage
    own = tables(stage)[0]
    level = matrix_belief(stage, k)
    final = view.horizon is not None and view.round >= view.horizon - 1
    counts = np.zeros(len(stage.other_actions))
    for _, j in view.history:
        counts[stage.other_actions.index(j)] += 1.0
    reason: RepeatedReason
    if final:
        prediction, reason = level.prediction, "final"
    elif view.history:
        prediction, reason = counts / counts.sum(), "history"
    else:
        prediction, reason = level.prediction, "prior"
    values: FloatArray = own @ prediction
    probs = sv.split_ties(values, sv.tol_for(own))
    return _wrap(
        view, level, reason, probs=probs, values=values, prediction=prediction, counts=counts
    )
