"""How TQRE reads a game and a set of choice counts (see `stratlens.profiler.tqre`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stratlens.profiler._tqre_models import FloatArray, tqre_predict

CountsLike = Sequence[npt.ArrayLike | None] | Mapping[int, npt.ArrayLike | None]
Tables = tuple[FloatArray, FloatArray]


@dataclass(frozen=True, eq=False)
class TQREGame:
    """A game as TQRE reads it: per role, (own, other) tables with rows = that role's actions;
    None for a role the model does not cover."""

    tables: tuple[Tables | None, Tables | None]
    game_id: str | None = None

    @property
    def joint(self) -> bool:
        """Both roles see the same tables, so one hierarchy predicts both."""
        t0, t1 = self.tables
        if t0 is None or t1 is None:
            return False
        return bool(np.array_equal(t1[0], t0[1].T) and np.array_equal(t1[1], t0[0].T))

    def tqre_predictions(self, tau: FloatArray, gamma: FloatArray) -> list[FloatArray | None]:
        """The paper's model: each modelled role's predictions, one row per (τ, γ)."""
        t0, t1 = self.tables
        if self.joint:
            assert t0 is not None
            return list(tqre_predict(t0[0], t0[1], tau, gamma))
        return [None if t is None else tqre_predict(t[0], t[1], tau, gamma)[0] for t in (t0, t1)]

    def jia2025_matrix(self, role: int) -> FloatArray:
        """The table the notebook passes for ``role``: player 2's is untransposed."""
        t = self.tables[role]
        if t is None:
            raise ValueError(f"role {role} is not modelled in this game")
        return t[0] if role == 0 else t[0].T


def _two_move_tables(spec: Any) -> Tables | None:
    """Player 1's and player 2's tables of a tree where player 1 moves, then player 2 with the
    same actions after every move, then the game ends (None for any other tree)."""
    from stratlens.games import tree_of

    root = tree_of(spec.game().new_initial_state())
    if root.player != 0:
        return None
    cols: tuple[int, ...] | None = None
    a_rows, b_rows = [], []
    for _, _, _, node in root.children:
        ids = tuple(c[0] for c in node.children)
        if node.player != 1 or (cols is not None and ids != cols):
            return None
        cols = ids
        if any(c[3].payoffs is None or not c[3].is_terminal for c in node.children):
            return None
        a_rows.append([float(c[3].payoffs[0]) for c in node.children])  # type: ignore[index]
        b_rows.append([float(c[3].payoffs[1]) for c in node.children])  # type: ignore[index]
    return np.asarray(a_rows), np.asarray(b_rows)


def tqre_game(game: str | tuple[npt.ArrayLike, npt.ArrayLike] | TQREGame) -> TQREGame:
    """Resolve a catalog id or an (A, B) pair of player 1's and player 2's payoff tables."""
    if isinstance(game, TQREGame):
        return game
    if isinstance(game, str):
        from stratlens.games import get_game, matrix_view

        spec = get_game(game)
        if spec.kind in ("matrix", "bayesian", "signaling"):
            views = [matrix_view(spec, p) for p in (0, 1)]
            t0, t1 = ((np.asarray(v.own, float), np.asarray(v.other, float)) for v in views)
            return TQREGame((t0, t1), spec.id)
        if spec.kind == "tree":
            pair = _two_move_tables(spec)
            if pair is not None:
                return TQREGame((pair, None), spec.id)
        raise ValueError(f"game {spec.id!r} ({spec.kind}) is not a one-shot game TQRE can fit")
    a, b = (np.asarray(x, dtype=float) for x in game)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(
            f"payoff tables must be two matrices of one shape, got {a.shape}, {b.shape}"
        )
    return TQREGame(((a, b), (b.T, a.T)))


@dataclass(frozen=True, eq=False)
class Observations:
    game: TQREGame
    roles: tuple[int, ...]
    counts: dict[int, FloatArray]
    props: dict[int, FloatArray]
    n: dict[int, float]


def _proportions(v: FloatArray) -> FloatArray:
    """Shares as the notebook reads them: percentages (a vector summing to 100 ± 0.5) are
    divided by 100 and proportions (summing to 1 ± 0.005) are kept as they are, so rounded
    shares such as 13.33 / 73.33 / 13.33 stay unrenormalised; anything else is normalised."""
    total = float(v.sum())
    if abs(total - 100.0) <= 0.5:
        return v / 100.0
    if abs(total - 1.0) <= 0.005:
        return v.copy()
    return v / total


def observations(
    game: TQREGame, counts: CountsLike, n: float | Sequence[float] | None
) -> Observations:
    """Observations per role. Without ``n`` the vectors are counts (whole numbers); with ``n``
    they are frequencies (see `_proportions`) of ``n`` observations per role."""
    items = dict(counts) if isinstance(counts, Mapping) else dict(enumerate(counts))
    if set(items) - {0, 1}:
        raise ValueError("counts are given for roles 0 (player 1) and 1 (player 2) only")
    ns = [n, n] if n is None or isinstance(n, int | float) else list(n)
    out_c: dict[int, FloatArray] = {}
    out_q: dict[int, FloatArray] = {}
    out_n: dict[int, float] = {}
    for role, raw in sorted(items.items()):
        if raw is None:
            continue
        v = np.asarray(raw, dtype=float)
        if v.size and not np.any(v > 0):
            continue
        tables = game.tables[role]
        if tables is None:
            raise ValueError(f"role {role} is not modelled in this game; give no counts for it")
        if v.shape != (tables[0].shape[0],):
            raise ValueError(f"role {role} has {tables[0].shape[0]} actions, got counts {v.shape}")
        if np.any(v < 0) or not np.all(np.isfinite(v)):
            raise ValueError(f"role {role}: counts must be finite and non-negative")
        q = _proportions(v)
        n_role = ns[role]
        if n_role is None:
            if not np.allclose(v, np.round(v), atol=1e-9):
                raise ValueError(
                    f"role {role}: counts are not whole numbers; to read them as frequencies "
                    "give n, the number of observations per role"
                )
            c = np.round(v)
        else:
            if not n_role > 0:
                raise ValueError(f"n must be positive, got {n_role}")
            c = q * float(n_role)
        out_c[role], out_q[role], out_n[role] = c, q, float(c.sum())
    if not out_c:
        raise ValueError("no observations: every role's counts are missing or zero")
    return Observations(game, tuple(out_c), out_c, out_q, out_n)
