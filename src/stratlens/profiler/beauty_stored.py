"""Depth in the p-beauty contest per model and game, from stored decisions.

The subject's guesses (decisions that named a legal action) on every game of kind ``guess``,
per model and game: how many, their mean and median, the share read as each level
(`stratlens.profiler.beauty.level_shares`, the game's level points), and the
cognitive-hierarchy τ with its interval (`fit_ch`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from stratlens.games import get_game
from stratlens.profiler.beauty import CHFit, Contest, fit_ch, level_points, level_shares

if TYPE_CHECKING:
    import pandas as pd

LEVELS = 5


@dataclass(frozen=True)
class BeautyDepth:
    model: str
    game_id: str
    runs: tuple[str, ...]
    guesses: int
    mean: float
    median: float
    level_points: tuple[float, ...]
    level_shares: tuple[float, ...]
    fit: CHFit

    def to_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "game_id": self.game_id,
            "runs": list(self.runs),
            "guesses": self.guesses,
            "mean": self.mean,
            "median": self.median,
            "level_points": list(self.level_points),
            "level_shares": list(self.level_shares),
            "ch": self.fit.to_dict(),
        }


def contest_of(game_id: str) -> Contest | None:
    """The contest a catalog game is, or None for a game of another kind."""
    spec = get_game(game_id)
    if spec.kind != "guess":
        return None
    prm = spec.params
    return Contest(int(prm["players"]), Fraction(int(prm["p_num"]), int(prm["p_den"])),
                   int(prm["max_guess"]))  # fmt: skip


def beauty_depths(decisions: pd.DataFrame, level: float = 0.95) -> list[BeautyDepth]:
    """One `BeautyDepth` per model and p-beauty game of a `load_decisions` frame."""
    rows = decisions
    if "agent" in rows.columns:
        rows = rows[rows["agent"] == "subject"]
    rows = rows[(rows["parse_status"] == "ok") & rows["action"].notna()]
    out: list[BeautyDepth] = []
    for (model, game_id), group in rows.groupby(["model", "game_id"], sort=True):
        contest = contest_of(str(game_id))
        if contest is None:
            continue
        guesses = [int(a) for a in group["action"]]
        out.append(
            BeautyDepth(
                str(model),
                str(game_id),
                tuple(sorted(str(r) for r in group["run_id"].unique())),
                len(guesses),
                float(np.mean(guesses)),
                float(np.median(guesses)),
                tuple(level_points(contest, LEVELS)),
                tuple(level_shares(guesses, contest, LEVELS)),
                fit_ch(guesses, contest, level),
            )
        )
    return out
