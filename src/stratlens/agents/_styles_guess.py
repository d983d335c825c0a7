"""The styles on a guess of the N-player p-beauty contest (`GuessView`).

============================  =============================================================
style                         guess game
============================  =============================================================
``belief_anticipation``       level k: the guess that is p times the average when every
                              other player guesses level k-1's mean (level 0: uniform, mean
                              50), `stratlens.games._guessing.level_means`
``nash``                      everyone guesses 0 (p < 1; the top guess for p > 1; any common
                              guess for p = 1, split evenly)
``minimax``                   the best worst case over the others' guesses (exact for up to
                              3 players; beyond, over the profiles where the others use at
                              most two numbers, exact whenever that worst case is 0)
``trust_based``               every profile pays the prize in full, and equal guesses split it
                              evenly: every guess is one's part of a best joint outcome
                              (uniform)
``qre``                       symmetric logit QRE at ``lam`` (expected payoffs exact for up to
                              3 players, else from 2,000 profiles drawn with a fixed seed)
``random``                    uniform
============================  =============================================================

`guess_ch` is the cognitive-hierarchy player of `baseline/ch`: its level is drawn per decision.
"""

from __future__ import annotations

import functools

import numpy as np

from stratlens.agents import _solvers as sv
from stratlens.agents._choice import FloatArray, GuessChoice, Style, StyleResult
from stratlens.games._guessing import (
    EXACT_OTHERS,
    ch_means,
    level_means,
    nearest_guess,
    other_profiles,
    poisson_levels,
    worst_cases,
)
from stratlens.games.views import GuessView

SAMPLED_PROFILES = 2000
QRE_ITERATIONS = 400
QRE_DAMPING = 0.3


def _result(
    style: Style,
    view: GuessView,
    probs: FloatArray,
    values: FloatArray,
    level: int | None = None,
    others_mean: float | None = None,
    worst_exact: bool | None = None,
    lam: float | None = None,
) -> GuessChoice:
    return GuessChoice(
        style,
        view.own_actions,
        probs,
        values,
        players=view.players,
        p_text=f"{view.p_num}/{view.p_den}" if view.p_den != 1 else str(view.p_num),
        level=level,
        others_mean=others_mean,
        worst_exact=worst_exact,
        lam=lam,
    )


def guess_random(view: GuessView) -> StyleResult:
    n = len(view.own_actions)
    return _result("random", view, sv.uniform(n), np.zeros(n))


def _point(n: int, guess: int) -> FloatArray:
    out = np.zeros(n)
    out[guess] = 1.0
    return out


def guess_belief(view: GuessView, k: int = 2) -> GuessChoice:
    """Level k (k >= 1): p times the average when the others all guess level k-1's mean;
    ``values`` are the payoffs of each guess when every other player guesses that mean."""
    means = level_means(view.players, view.p, view.max_guess, k)
    guess = nearest_guess(means[k], view.max_guess)
    others = nearest_guess(means[k - 1], view.max_guess)
    own = np.asarray(view.own_actions)
    values = view.payoffs(own, np.full((1, view.players - 1), others))[:, 0]
    n = len(own)
    return _result(
        "belief_anticipation", view, _point(n, guess), values, level=k, others_mean=means[k - 1]
    )


def guess_nash(view: GuessView) -> GuessChoice:
    n = len(view.own_actions)
    if view.p < 1:
        probs, common = _point(n, 0), 0
    elif view.p > 1:
        probs, common = _point(n, view.max_guess), view.max_guess
    else:
        probs, common = sv.uniform(n), 0
    own = np.asarray(view.own_actions)
    values = view.payoffs(own, np.full((1, view.players - 1), common))[:, 0]
    return _result("nash", view, probs, values, others_mean=float(common))


@functools.lru_cache(maxsize=16)
def _worst(view: GuessView) -> tuple[FloatArray, bool]:
    return worst_cases(view.players, view.p_num, view.p_den, view.max_guess, view.prize)


def guess_minimax(view: GuessView) -> GuessChoice:
    worst, exact = _worst(view)
    return _result(
        "minimax", view, sv.split_ties(worst, sv.tol_for(worst)), worst, worst_exact=exact
    )


def guess_trust(view: GuessView) -> GuessChoice:
    n = len(view.own_actions)
    return _result("trust_based", view, sv.uniform(n), np.full(n, view.prize / view.players))


@functools.lru_cache(maxsize=4)
def _share_tensor(view: GuessView) -> np.ndarray:
    """payoff[g, x, y] for two others (3 players), or payoff[g, x] for one."""
    own = np.asarray(view.own_actions)
    g = len(own)
    profiles, _ = other_profiles(view.players, view.max_guess)
    return view.payoffs(own, profiles).reshape((g,) * view.players)


def expected_payoffs(view: GuessView, sigma: FloatArray, rng_seed: int = 0) -> FloatArray:
    """Each guess's expected payoff when every other player guesses from ``sigma``."""
    m = view.players - 1
    if m <= EXACT_OTHERS:
        t = _share_tensor(view)
        out = t @ sigma if m == 1 else np.einsum("gxy,x,y->g", t, sigma, sigma)
        return np.asarray(out, dtype=float)
    u = np.random.default_rng(rng_seed).random((SAMPLED_PROFILES, m))
    cdf = np.cumsum(sigma)
    profiles = np.minimum(np.searchsorted(cdf / cdf[-1], u, side="right"), len(sigma) - 1)
    return np.asarray(view.payoffs(np.asarray(view.own_actions), profiles).mean(axis=1))


@functools.lru_cache(maxsize=16)
def _qre(view: GuessView, lam: float) -> tuple[FloatArray, FloatArray]:
    sigma = sv.uniform(len(view.own_actions))
    eu = expected_payoffs(view, sigma)
    for _ in range(QRE_ITERATIONS):
        new = (1 - QRE_DAMPING) * sigma + QRE_DAMPING * sv.softmax(lam * eu)
        done = float(np.abs(new - sigma).max()) < 1e-9
        sigma = new
        eu = expected_payoffs(view, sigma)
        if done:
            break
    return sigma, eu


def guess_qre(view: GuessView, lam: float = 1.0) -> GuessChoice:
    sigma, eu = _qre(view, lam)
    others = float(np.asarray(view.own_actions) @ sigma)
    return _result("qre", view, sigma.copy(), eu.copy(), others_mean=others, lam=lam)


def guess_ch(view: GuessView, tau: float, level: int) -> GuessChoice:
    """A cognitive-hierarchy player of ``level`` (>= 1) at τ: the guess nearest r times the
    average of the lower levels' mean guesses, weighted by their Poisson(τ) frequencies."""
    mu = ch_means(tau, view.players, view.p, view.max_guess)
    level = min(level, len(mu) - 1)
    guess = nearest_guess(float(mu[level]), view.max_guess)
    f = poisson_levels(tau)[:level]
    others = float(f @ mu[:level] / f.sum()) if f.sum() > 0 else float(mu[0])
    own = np.asarray(view.own_actions)
    values = view.payoffs(
        own, np.full((1, view.players - 1), nearest_guess(others, view.max_guess))
    )
    return _result(
        "belief_anticipation",
        view,
        _point(len(own), guess),
        values[:, 0],
        level=level,
        others_mean=others,
    )
