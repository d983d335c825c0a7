"""TQRE depth per model and game from stored decisions.

Choice counts are taken from the subject's first decisions (``step == 0``) that named a legal
action, per model, game and role; games TQRE cannot fit (repeated games and trees other than
the Jia et al. sequential game) are skipped. The jia2025 estimator additionally needs square
tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from stratlens._progress import Steps, report
from stratlens.profiler.tqre import Estimator, TQREFit, TQREGame, fit, tqre_game

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class StoredFit:
    """One fit of one model on one game, with the runs its decisions came from."""

    model: str
    game_id: str
    runs: tuple[str, ...]
    fit: TQREFit

    def to_dict(self) -> dict[str, object]:
        return {"model": self.model, "runs": list(self.runs), **self.fit.to_dict()}


def _game(game_id: str, estimator: Estimator) -> TQREGame | None:
    try:
        game = tqre_game(game_id)
    except ValueError:
        return None
    if estimator == "jia2025":
        for t in game.tables:
            if t is not None and t[0].shape[0] != t[0].shape[1]:
                return None
    return game


def choice_counts(decisions: pd.DataFrame, game: TQREGame) -> list[np.ndarray | None]:
    """Counts of each role's actions among these decision rows (one game, one model)."""
    out: list[np.ndarray | None] = []
    for role, tables in enumerate(game.tables):
        rows = decisions[decisions["player"] == role]
        if tables is None or rows.empty:
            out.append(None)
            continue
        counts = np.zeros(tables[0].shape[0])
        for a in rows["action"]:
            counts[int(a)] += 1.0
        out.append(counts)
    return out


def tqre_fits(
    decisions: pd.DataFrame,
    *,
    estimator: Estimator = "tqre",
    level: float = 0.95,
    games: Sequence[str] | None = None,
    steps: Steps | None = None,
) -> list[StoredFit]:
    """Fit τ and γ per model and game from a `load_decisions` frame; ``steps`` is told after
    each (model, game) cell (stage ``"fits"``)."""
    rows = decisions
    if "agent" in rows.columns:
        rows = rows[rows["agent"] == "subject"]
    rows = rows[(rows["parse_status"] == "ok") & rows["action"].notna() & (rows["step"] == 0)]
    if games is not None:
        rows = rows[rows["game_id"].isin(list(games))]
    out: list[StoredFit] = []
    cells = list(rows.groupby(["model", "game_id"], sort=True))
    for i, ((model, game_id), group) in enumerate(cells):
        report(steps, "fits", i, len(cells))
        game = _game(str(game_id), estimator)
        if game is None:
            continue
        counts = choice_counts(group, game)
        if all(c is None for c in counts):
            continue
        f = fit(game, counts, estimator=estimator, level=level)
        runs = tuple(sorted(str(r) for r in group["run_id"].unique()))
        out.append(StoredFit(str(model), str(game_id), runs, f))
    report(steps, "fits", len(cells), len(cells))
    return out


__all__ = ["StoredFit", "choice_counts", "tqre_fits"]
