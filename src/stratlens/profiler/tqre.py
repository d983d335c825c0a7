"""Reasoning depth: truncated quantal response equilibrium (TQRE), τ and γ from choice counts.

Two estimators (``reference/jia2025.md`` Sec. 4):

``"tqre"``
    The model as the paper writes it. Level k ~ Poisson(τ), levels 0..30 with the weights
    renormalised; a level-k player believes the *other* player is the W-weighted mixture of
    its levels 0..k-1 (computed from the other's payoffs) and answers with logit precision
    γ·k; level 0 is uniform. The log-likelihood is ``sum c ln p`` over the counts of every
    role, maximised over τ in [0, 10] and γ in [1e-4, 1e4] (a grid, then compass searches on
    (τ, ln γ) from the grid's best local maxima: the surface is multimodal, since in games
    with cycling best replies the levels' choices alternate as τ grows).

``"jia2025"``
    The released notebook, exactly: the same player's level-(k-1) vector as belief
    (``matrix @ v``), levels 0..10 with raw Poisson weights (no renormalisation), predictions
    floored at 1e-8, the objective ``-sum_roles sum_a q_a ln p_a`` on *proportions* q, player
    2's payoff table passed untransposed, L-BFGS-B on raw (τ, γ) with bounds τ ≤ 10 and
    γ ≥ 1e-8 (a NaN objective, e.g. at a negative τ, counts as 1e10), the best successful run
    of three. The notebook's three starting values were not released; `JIA2025_STARTS`
    = (0.5, 0.5), (1, 1), (2, 2) is ours, and with it the procedure returns every printed τ of
    the released rows. The objective is multimodal and jagged in γ (player 2's iterated
    self-responses cycle), so ``search="global"`` can find higher points than the printed
    ones: the global search adds a dense grid around the coarse grid's best maxima
    (`_tqre_fit.dense_starts`) to its starts, and a fit from the notebook's starts carries the
    global search's point when that is higher (``unsure``). ``loglik`` is minus the objective,
    the scale of the paper's Table 13.

Intervals are profile-likelihood intervals (see `stratlens.profiler._tqre_fit`); for
``jia2025`` the objective is multiplied by the mean number of observations per role to be
read as a log-likelihood (exact when both roles have as many answers, as in the paper's
design of 15 per role). ``identified`` is False when the interval of γ reaches 0 (uniform play
is not rejected, so every τ predicts the same) or τ's interval has no upper end.

Games: a catalog id or a pair of payoff tables ``(A, B)`` (rows = player 1's actions). For a
catalog game each role is modelled with the tables it is shown (`matrix_view`): the prior
expectation in the Bayesian games, the receiver's shown table in the signaling game. The
sequential game of Jia et al. (player 1 picks a row, player 2 sees it and picks a column) is
read as its 3×3 table played simultaneously, and only player 1's role is modelled: the paper
collects and fits player 1's choices only (chance log-likelihood -ln 3). Repeated games and
other trees are refused. The notebook has code for the competitive games only; ``jia2025``
applies the same recursion to any square game (player 1's own table, player 2's table
untransposed), so for the sequential game it iterates player 1's 3×3 table alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.stats import chi2

from stratlens.profiler import _tqre_fit as tf
from stratlens.profiler._tqre_data import (
    CountsLike,
    Observations,
    TQREGame,
    observations,
    tqre_game,
)
from stratlens.profiler._tqre_models import (
    JIA_FLOOR,
    JIA_NAN_OBJECTIVE,
    FloatArray,
    count_loglik,
    jia2025_loglik,
    jia2025_predict,
)

Estimator = Literal["tqre", "jia2025"]
Search = Literal["global", "starts"]
#: Starting points of the notebook's optimiser (its own were not released). From these three
#: the notebook's procedure reproduces every printed τ of the released competitive rows.
JIA2025_STARTS: tuple[tuple[float, float], ...] = ((0.5, 0.5), (1.0, 1.0), (2.0, 2.0))
ESTIMATORS: tuple[Estimator, ...] = ("tqre", "jia2025")


def _batch_ll(data: Observations, estimator: Estimator) -> tf.BatchLL:
    game = data.game

    def tqre(tau: FloatArray, gamma: FloatArray) -> FloatArray:
        preds = game.tqre_predictions(tau, gamma)
        total = np.zeros(tau.size)
        for r in data.roles:
            total += count_loglik(preds[r], data.counts[r])  # type: ignore[arg-type]
        return total

    def jia(tau: FloatArray, gamma: FloatArray) -> FloatArray:
        total = np.zeros(tau.size)
        for r in data.roles:
            total += jia2025_loglik(
                jia2025_predict(game.jia2025_matrix(r), tau, gamma), data.props[r]
            )
        out: FloatArray = np.where(np.isnan(total), -JIA_NAN_OBJECTIVE, total)
        return out

    if estimator == "tqre":
        return tqre
    if estimator == "jia2025":
        return jia
    raise ValueError(f"unknown estimator {estimator!r} (known: {', '.join(ESTIMATORS)})")


def _lbfgsb_notebook(
    ll: tf.BatchLL, starts: Sequence[tuple[float, float]]
) -> list[tuple[float, float, float, bool]]:
    """The notebook's optimiser from each start: L-BFGS-B on raw (τ, γ), τ ≤ 10, γ ≥ 1e-8."""

    def objective(x: FloatArray) -> float:
        return -float(ll(np.array([x[0]]), np.array([x[1]]))[0])

    out = []
    for t0, g0 in starts:
        res = minimize(
            objective, [t0, g0], method="L-BFGS-B", bounds=[(None, tf.TAU_MAX), (1e-8, None)]
        )
        out.append((float(res.x[0]), float(res.x[1]), -float(res.fun), bool(res.success)))
    return out


def _search(
    ll: tf.BatchLL,
    grid: FloatArray,
    estimator: Estimator,
    search: Search,
    starts: Sequence[tuple[float, float]],
) -> tuple[float, float, float, bool]:
    if search == "global":
        points = [*starts, *tf.grid_maxima(grid, tf.GRID_STARTS)]
        if estimator == "jia2025":  # a jagged objective: start where a dense grid saw a ridge
            points += tf.dense_starts(ll, grid)
        found = tf.pattern_search(ll, points)
        if estimator == "jia2025":
            # The notebook's L-BFGS-B stops early on the ridges of its objective; started
            # where the compass search ended, its answer is a local optimum of that objective.
            found = [*found, *_lbfgsb_notebook(ll, [*starts, *((f[0], f[1]) for f in found)])]
        return tf.best_of(found)
    if search != "starts":
        raise ValueError(f"unknown search {search!r} (global or starts)")
    if estimator == "jia2025":
        return tf.best_of(_lbfgsb_notebook(ll, starts or JIA2025_STARTS), prefer_converged=True)
    if not starts:
        raise ValueError("search='starts' needs starting points for the tqre estimator")
    return tf.best_of(tf.pattern_search(ll, starts))


@dataclass(frozen=True)
class TQREFit:
    """A fitted (τ, γ) with profile-likelihood intervals.

    ``loglik`` is the maximised objective on the estimator's scale: for ``tqre`` the count
    log-likelihood ``sum c ln p``; for ``jia2025`` the notebook's ``sum_roles sum_a q ln p``.
    ``loglik_per_obs`` is ``sum_roles sum_a q ln p`` for both (the paper's Table 13 scale), and
    ``chance_loglik`` uniform play on the scale of ``loglik``.
    """

    estimator: str
    tau: float
    gamma: float
    loglik: float
    loglik_per_obs: float
    chance_loglik: float
    tau_ci: tuple[float, float]
    gamma_ci: tuple[float, float]
    identified: bool
    n: tuple[float | None, float | None]
    predictions: tuple[tuple[float, ...] | None, tuple[float, ...] | None]
    converged: bool
    level: float = 0.95
    ci_method: str = "profile likelihood"
    game_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def unsure(self) -> bool:
        """The global search found a higher point than this fit (``extra["global_best"]``)."""
        return "global_best" in self.extra

    @property
    def unsure_note(self) -> str | None:
        """Both points in words, when `unsure`."""
        if not self.unsure:
            return None
        t, g, ll = self.extra["global_best"]
        return (
            f"{self.extra.get('search', '')} search stops at tau {self.tau:.3f}, gamma "
            f"{self.gamma:.3g}, loglik {self.loglik:.4f}; the global search finds tau {t:.3f}, "
            f"gamma {g:.3g}, loglik {ll:.4f}: the reported optimum is a local one"
        )

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {
            "estimator": self.estimator,
            "game_id": self.game_id,
            "tau": self.tau,
            "gamma": self.gamma,
            "loglik": self.loglik,
            "loglik_per_obs": self.loglik_per_obs,
            "chance_loglik": self.chance_loglik,
            "tau_ci": [num(self.tau_ci[0]), num(self.tau_ci[1])],
            "gamma_ci": [num(self.gamma_ci[0]), num(self.gamma_ci[1])],
            "identified": self.identified,
            "n": list(self.n),
            "predictions": [list(p) if p is not None else None for p in self.predictions],
            "converged": self.converged,
            "level": self.level,
            "ci_method": self.ci_method,
            "unsure": self.unsure,
            **self.extra,
        }


def predict(
    game: str | tuple[npt.ArrayLike, npt.ArrayLike] | TQREGame,
    tau: float,
    gamma: float,
    *,
    estimator: Estimator = "tqre",
) -> tuple[FloatArray | None, FloatArray | None]:
    """Each modelled role's predicted choice probabilities at (τ, γ)."""
    g = tqre_game(game)
    t, gm = np.array([float(tau)]), np.array([float(gamma)])
    if estimator == "tqre":
        rows = g.tqre_predictions(t, gm)
    elif estimator == "jia2025":
        rows = [
            None if tables is None else jia2025_predict(g.jia2025_matrix(role), t, gm)
            for role, tables in enumerate(g.tables)
        ]
    else:
        raise ValueError(f"unknown estimator {estimator!r} (known: {', '.join(ESTIMATORS)})")
    out = [None if r is None else r[0] for r in rows]
    return out[0], out[1]


def loglik(
    game: str | tuple[npt.ArrayLike, npt.ArrayLike] | TQREGame,
    counts: CountsLike,
    tau: float,
    gamma: float,
    *,
    estimator: Estimator = "tqre",
    n: float | Sequence[float] | None = None,
) -> float:
    """The estimator's log-likelihood at (τ, γ): for ``jia2025`` minus the notebook's
    objective (-1e10 where it is NaN), for ``tqre`` the count log-likelihood."""
    data = observations(tqre_game(game), counts, n)
    return float(_batch_ll(data, estimator)(np.array([float(tau)]), np.array([float(gamma)]))[0])


def fit(
    game: str | tuple[npt.ArrayLike, npt.ArrayLike] | TQREGame,
    counts: CountsLike,
    *,
    estimator: Estimator = "tqre",
    n: float | Sequence[float] | None = None,
    level: float = 0.95,
    starts: Sequence[tuple[float, float]] = (),
    search: Search | None = None,
) -> TQREFit:
    """Fit τ and γ to the choices of each role.

    ``counts[r]`` are role r's choice counts (None or all zero: the role is missing). Counts
    must be whole numbers unless ``n`` (observations per role, one number or one per role)
    is given, in which case each vector is read as frequencies (see `_data`).

    ``search``: ``"global"`` (the default for ``tqre``) evaluates a (τ, γ) grid and runs local
    searches from its best local maxima and from ``starts``; ``"starts"`` (the default for
    ``jia2025``) runs the local searches from ``starts`` only, which for ``jia2025`` is the
    notebook's procedure: L-BFGS-B from each start (default `JIA2025_STARTS`), the best
    successful run kept. The objective is multimodal (and jagged in γ for ``jia2025``), so
    the two can disagree; ``extra["grid_best"]`` then records the better grid point, and for
    ``jia2025`` from its starts ``extra["global_best"]`` the (τ, γ, loglik) of the global search
    when that is higher (`TQREFit.unsure`: the fit reports a local optimum).
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    g = tqre_game(game)
    data = observations(g, counts, n)
    ll = _batch_ll(data, estimator)
    if search is None:
        search = "global" if estimator == "tqre" else "starts"
    grid = tf.evaluate_grid(ll)
    found = _search(ll, grid, estimator, search, starts)
    best = tf.Optimum(*found, grid=grid)
    scale = 1.0 if estimator == "tqre" else float(np.mean([data.n[r] for r in data.roles]))
    threshold = float(chi2.ppf(level, 1)) / 2.0
    tau_ci, gamma_ci, _ = tf.profile_intervals(ll, best, threshold, scale)
    preds = predict(g, best.tau, best.gamma, estimator=estimator)
    floor = JIA_FLOOR if estimator == "jia2025" else 1e-300
    per_obs = 0.0
    for r in data.roles:
        pr = preds[r]
        assert pr is not None
        per_obs += float(data.props[r] @ np.log(np.clip(pr, floor, None)))
    chance = sum(
        -math.log(data.props[r].size) * (data.n[r] if estimator == "tqre" else 1.0)
        for r in data.roles
    )
    extra: dict[str, Any] = {"search": search}
    i, j = np.unravel_index(int(np.argmax(grid)), grid.shape)
    if grid[i, j] > best.loglik + 1e-9:
        extra["grid_best"] = [float(tf.TAU_GRID[i]), float(tf.GAMMA_GRID[j]), float(grid[i, j])]
    if search == "starts" and estimator == "jia2025":
        # The notebook's procedure stops at local optima: say so when the global search
        # (dense multi-start) finds a higher point, and give both.
        tau_g, gamma_g, ll_g, _ = _search(ll, grid, estimator, "global", starts)
        if ll_g > best.loglik + 1e-6 * max(1.0, abs(best.loglik)):
            extra["global_best"] = [tau_g, gamma_g, ll_g]
    return TQREFit(
        estimator=estimator,
        tau=best.tau,
        gamma=best.gamma,
        loglik=best.loglik,
        loglik_per_obs=per_obs,
        chance_loglik=chance,
        tau_ci=tau_ci,
        gamma_ci=gamma_ci,
        identified=gamma_ci[0] > 0.0 and math.isfinite(tau_ci[1]),
        n=(data.n.get(0), data.n.get(1)),
        predictions=(
            tuple(float(x) for x in preds[0]) if 0 in data.roles and preds[0] is not None else None,
            tuple(float(x) for x in preds[1]) if 1 in data.roles and preds[1] is not None else None,
        ),
        converged=best.converged,
        level=level,
        game_id=g.game_id,
        extra=extra,
    )


__all__ = [
    "ESTIMATORS",
    "JIA2025_STARTS",
    "CountsLike",
    "Estimator",
    "Search",
    "TQREFit",
    "TQREGame",
    "fit",
    "loglik",
    "predict",
    "tqre_game",
]
