"""Parameter recovery for the TQRE estimators: simulate choices at known (τ, γ), fit them back.

Each replicate draws τ and γ uniformly from their ranges, simulates ``n`` choices per role
from the estimator's own predictions (multinomial), fits them, and records the absolute
errors, whether the intervals cover the truth, and the identification flag. The same draw is
used for every ``n`` of a replicate, so the sample sizes are compared on the same parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from stratlens.profiler.tqre import Estimator, fit, predict, tqre_game

if TYPE_CHECKING:
    import pandas as pd

IntArray = npt.NDArray[np.int64]


def simulate_counts(
    game: str | tuple[npt.ArrayLike, npt.ArrayLike],
    tau: float,
    gamma: float,
    n: int,
    rng: np.random.Generator,
    *,
    estimator: Estimator = "tqre",
) -> tuple[IntArray | None, IntArray | None]:
    """``n`` simulated choices of each modelled role at (τ, γ)."""
    out: list[IntArray | None] = []
    for p in predict(game, tau, gamma, estimator=estimator):
        if p is None:
            out.append(None)
        else:
            q = np.clip(p, 0.0, None)
            out.append(rng.multinomial(n, q / q.sum()).astype(np.int64))
    return out[0], out[1]


def recovery(
    games: Sequence[str],
    *,
    ns: Sequence[int] = (30, 300),
    reps: int = 20,
    seed: int = 0,
    tau_range: tuple[float, float] = (0.2, 3.0),
    gamma_range: tuple[float, float] = (0.2, 3.0),
    estimator: Estimator = "tqre",
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per (game, replicate, n): truth, estimate, errors, coverage, identification."""
    import pandas as pd

    rows = []
    rng = np.random.default_rng(seed)
    for game_id in games:
        game = tqre_game(game_id)
        for rep in range(reps):
            tau = float(rng.uniform(*tau_range))
            gamma = float(rng.uniform(*gamma_range))
            for n in ns:
                counts = simulate_counts(game_id, tau, gamma, n, rng, estimator=estimator)
                f = fit(game, counts, estimator=estimator, level=level)
                rows.append(
                    {
                        "game_id": game_id,
                        "rep": rep,
                        "n": n,
                        "tau": tau,
                        "gamma": gamma,
                        "tau_hat": f.tau,
                        "gamma_hat": f.gamma,
                        "tau_err": abs(f.tau - tau),
                        "gamma_err": abs(f.gamma - gamma),
                        "tau_covered": f.tau_ci[0] <= tau <= f.tau_ci[1],
                        "gamma_covered": f.gamma_ci[0] <= gamma <= f.gamma_ci[1],
                        "identified": f.identified,
                    }
                )
    return pd.DataFrame(rows)


def summarize_recovery(frame: pd.DataFrame) -> pd.DataFrame:
    """Per game and n: median absolute errors, interval coverage, share identified."""
    grouped = frame.groupby(["game_id", "n"], sort=False)
    return grouped.agg(
        reps=("rep", "size"),
        tau_mae=("tau_err", "median"),
        gamma_mae=("gamma_err", "median"),
        tau_coverage=("tau_covered", "mean"),
        gamma_coverage=("gamma_covered", "mean"),
        identified=("identified", "mean"),
    ).reset_index()


__all__ = ["recovery", "simulate_counts", "summarize_recovery"]
