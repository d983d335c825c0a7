"""Solution concepts of a two-player normal-form game, as pure functions on a bimatrix.

``A`` holds player 1's payoffs and ``B`` player 2's; rows are player 1's actions, columns
player 2's. Every comparison of payoffs uses a tolerance scaled by the largest absolute payoff
of the game (`scaled_tol`), so a game and its rescaling give the same answers.

Nash equilibria come from nashpy (vertex enumeration, with support enumeration as the
fallback); security levels and mixed dominance from linear programs (`scipy.optimize.linprog`).
Both are imported inside the functions that solve: importing them costs more than half a second,
and `stratlens games list` and the play loop never solve.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Cell = tuple[int, int]
Profile = tuple[Array, Array]

TOL = 1e-9
#: Two mixed strategies closer than this (largest coordinate difference) are one equilibrium.
DEDUPE_TOL = 1e-6


def scaled_tol(a: Array, b: Array | None = None, tol: float = TOL) -> float:
    """``tol`` times the payoff scale of the game (at least 1)."""
    scale = float(np.max(np.abs(a), initial=1.0))
    if b is not None:
        scale = max(scale, float(np.max(np.abs(b), initial=1.0)))
    return tol * scale


# --- sums and symmetry ---------------------------------------------------------------------


def zero_sum(a: Array, b: Array, tol: float = TOL) -> bool:
    return bool(np.all(np.abs(a + b) <= scaled_tol(a, b, tol)))


def constant_sum(a: Array, b: Array, tol: float = TOL) -> bool:
    total = a + b
    return bool(np.ptp(total) <= scaled_tol(a, b, tol))


def symmetric(a: Array, b: Array, tol: float = TOL) -> bool:
    """Square, and player 2's payoffs are player 1's transposed: u2(i, j) = u1(j, i)."""
    if a.shape[0] != a.shape[1]:
        return False
    return bool(np.all(np.abs(b - a.T) <= scaled_tol(a, b, tol)))


# --- Nash equilibria -----------------------------------------------------------------------


def pure_equilibria(a: Array, b: Array, tol: float = TOL) -> list[Cell]:
    """Cells where each action is a best reply to the other, in row-major order."""
    t = scaled_tol(a, b, tol)
    col_best = a.max(axis=0)  # player 1's best payoff against each column
    row_best = b.max(axis=1)  # player 2's best payoff against each row
    return [
        (i, j)
        for i in range(a.shape[0])
        for j in range(a.shape[1])
        if a[i, j] >= col_best[j] - t and b[i, j] >= row_best[i] - t
    ]


def is_equilibrium(a: Array, b: Array, x: Array, y: Array, tol: float = 1e-7) -> bool:
    """No player gains more than ``tol`` (scaled) by a pure deviation from ``(x, y)``."""
    t = scaled_tol(a, b, tol)
    u1, u2 = a @ y, x @ b
    return bool(u1.max() <= x @ u1 + t and u2.max() <= u2 @ y + t)


def _normalised(m: Array) -> Array:
    """A positive affine image of ``m`` with entries in [1, 2] (same best replies)."""
    spread = float(np.ptp(m))
    if spread == 0.0:
        return np.ones(m.shape)
    out: Array = 1.0 + (m - m.min()) / spread
    return out


def _candidates(a: Array, b: Array) -> list[Profile]:
    """Extreme equilibria by vertex enumeration; support enumeration if that fails."""
    import nashpy

    na, nb = _normalised(a), _normalised(b)
    game = nashpy.Game(na, nb)
    found: list[Profile] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nashpy warns on degenerate games; handled below
        try:
            found = [
                (np.asarray(x, float), np.asarray(y, float)) for x, y in game.vertex_enumeration()
            ]
        except Exception:  # qhull can fail on a degenerate polytope
            found = []
        found = [p for p in found if is_equilibrium(a, b, *p)]
        if not found:
            found = [
                (np.asarray(x, float), np.asarray(y, float))
                for x, y in game.support_enumeration(tol=1e-12)
            ]
            found = [p for p in found if is_equilibrium(a, b, *p)]
    return found


def _clean(p: Array) -> Array:
    """Clip tiny negative or near-zero probabilities and renormalise."""
    q: Array = np.where(p < 1e-10, 0.0, p)
    out: Array = q / q.sum()
    return out


def _dedupe(profiles: list[Profile], tol: float = DEDUPE_TOL) -> list[Profile]:
    kept: list[Profile] = []
    for x, y in profiles:
        if not any(
            np.max(np.abs(x - kx)) <= tol and np.max(np.abs(y - ky)) <= tol for kx, ky in kept
        ):
            kept.append((x, y))
    return kept


def _is_pure(p: Array) -> bool:
    return int(np.count_nonzero(p > DEDUPE_TOL)) == 1


def mixed_equilibria(a: Array, b: Array) -> list[Profile]:
    """Equilibria in which at least one player strictly mixes.

    From nashpy's vertex enumeration (support enumeration when that raises or finds nothing
    that checks out). Each candidate is verified against the original payoffs, near-zero
    probabilities are cleaned, and candidates within `DEDUPE_TOL` of each other are merged.
    In a degenerate game with a continuum of equilibria these are the extreme points of the
    equilibrium components that the enumeration returns. Sorted by (x, y), largest first
    (lexicographically). A game with more than `MAX_ENUMERATED_ACTIONS` actions for a player
    is reduced by iterated strict dominance first (`_mixed_after_elimination`).
    """
    if min(a.shape) == 1:  # a player without a choice: every extreme equilibrium is pure
        return []
    if max(a.shape) > MAX_ENUMERATED_ACTIONS:
        return _mixed_after_elimination(a, b)
    profiles = [(_clean(x), _clean(y)) for x, y in _candidates(a, b)]
    mixed = [p for p in _dedupe(profiles) if not (_is_pure(p[0]) and _is_pure(p[1]))]
    return sorted(mixed, key=lambda p: (tuple(-p[0]), tuple(-p[1])))


#: Mixed equilibria are enumerated only in games where each player has at most this many
#: actions once strictly dominated ones are removed (vertex enumeration grows exponentially).
MAX_ENUMERATED_ACTIONS = 12


def _mixed_after_elimination(a: Array, b: Array) -> list[Profile]:
    """Mixed equilibria of a large game, enumerated on what iterated strict dominance leaves.

    Strictly dominated actions have probability zero in every equilibrium, so the equilibria
    of the reduced game, padded with zeros, are those of the game. If the reduced game still
    has more than `MAX_ENUMERATED_ACTIONS` actions for a player (the minimum-effort game's 61
    efforts, every one a best reply) the mixed equilibria are not enumerated: the list is
    empty, and only the pure equilibria are known. Results are kept per game (the elimination
    takes seconds on 121 claims, and a reference agent asks at every decision).
    """
    key = (a.shape, a.tobytes(), b.tobytes())
    cached = _LARGE_CACHE.get(key)
    if cached is None:
        cached = _LARGE_CACHE[key] = _eliminate_then_enumerate(a, b)
        while len(_LARGE_CACHE) > _LARGE_CACHE_SIZE:
            _LARGE_CACHE.pop(next(iter(_LARGE_CACHE)))
    return [(x.copy(), y.copy()) for x, y in cached]


_LARGE_CACHE: dict[tuple[tuple[int, ...], bytes, bytes], list[Profile]] = {}
_LARGE_CACHE_SIZE = 32


def _eliminate_then_enumerate(a: Array, b: Array) -> list[Profile]:
    rows, cols = iterated_elimination(a, b)
    if max(len(rows), len(cols)) > MAX_ENUMERATED_ACTIONS:
        return []
    out: list[Profile] = []
    for x, y in mixed_equilibria(a[np.ix_(rows, cols)], b[np.ix_(rows, cols)]):
        fx, fy = np.zeros(a.shape[0]), np.zeros(a.shape[1])
        fx[rows], fy[cols] = x, y
        out.append((fx, fy))
    return out


def one_hot(n: int, i: int) -> Array:
    e = np.zeros(n)
    e[i] = 1.0
    return e


def all_equilibria(a: Array, b: Array) -> list[Profile]:
    """Pure equilibria as one-hot profiles, then the mixed ones."""
    m, n = a.shape
    pure = [(one_hot(m, i), one_hot(n, j)) for i, j in pure_equilibria(a, b)]
    return pure + mixed_equilibria(a, b)


# --- security (maximin) --------------------------------------------------------------------


def maximin_strategy(m: Array) -> tuple[float, Array]:
    """The row chooser's mixed security level of ``m`` and a strategy that guarantees it.

    Linear program: maximise v subject to (xᵀm)_j ≥ v for every column j, x in the simplex.
    For player 2 pass ``B.T``.
    """
    from scipy.optimize import linprog

    rows, cols = m.shape
    c = np.zeros(rows + 1)
    c[-1] = -1.0  # minimise -v
    a_ub = np.hstack([-m.T, np.ones((cols, 1))])  # v - xᵀm_j <= 0
    a_eq = np.append(np.ones(rows), 0.0).reshape(1, -1)
    bounds = [(0.0, 1.0)] * rows + [(None, None)]
    res = linprog(
        c, A_ub=a_ub, b_ub=np.zeros(cols), A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs"
    )
    if not res.success:  # cannot happen for a finite matrix; guard anyway
        raise RuntimeError(f"maximin LP failed: {res.message}")
    x = _clean(np.clip(res.x[:-1], 0.0, None))
    return float((x @ m).min()), x


def security_values(a: Array, b: Array) -> tuple[float, float]:
    """Each player's mixed security level (what it can guarantee whatever the other does)."""
    return maximin_strategy(a)[0], maximin_strategy(b.T)[0]


def pure_security(a: Array, b: Array) -> tuple[float, float]:
    """Each player's best worst case over its pure actions."""
    return float(a.min(axis=1).max()), float(b.min(axis=0).max())


def maximin_actions(a: Array, b: Array, tol: float = TOL) -> tuple[list[int], list[int]]:
    """Each player's pure actions whose worst case equals its pure security level."""
    t = scaled_tol(a, b, tol)
    worst1, worst2 = a.min(axis=1), b.min(axis=0)
    return (
        [int(i) for i in np.flatnonzero(worst1 >= worst1.max() - t)],
        [int(j) for j in np.flatnonzero(worst2 >= worst2.max() - t)],
    )


# --- dominance -----------------------------------------------------------------------------


def _mixed_dominated(m: Array, i: int, others: list[int], tol: float) -> bool:
    """Is row ``i`` of ``m`` strictly dominated by a mixture of the rows ``others``?

    LP: maximise ε subject to Σ_k σ_k m[k, j] ≥ m[i, j] + ε for every column j.
    """
    if len(others) < 2:  # a mixture of one row is that row: the pure check covers it
        return False
    if np.any(m[others].max(axis=0) <= m[i] + tol):  # some column where nothing beats row i
        return False
    from scipy.optimize import linprog

    k, cols = len(others), m.shape[1]
    c = np.zeros(k + 1)
    c[-1] = -1.0
    a_ub = np.hstack([-m[others].T, np.ones((cols, 1))])
    a_eq = np.append(np.ones(k), 0.0).reshape(1, -1)
    bounds = [(0.0, 1.0)] * k + [(None, None)]
    res = linprog(c, A_ub=a_ub, b_ub=-m[i], A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs")
    return bool(res.success and -res.fun > tol)


def dominated_rows(m: Array, tol: float, mixed: bool = True) -> list[int]:
    """Rows of ``m`` strictly dominated by another row (or, if ``mixed``, a mixture).

    A row that is a best reply to some pure column is never strictly dominated (no mixture
    beats the best payoff of that column), so only the other rows are tested: in a game with
    many actions (the traveler's dilemma's 121 claims) that leaves one or two LPs per round.
    """
    out = []
    best_reply = np.any(m >= m.max(axis=0) - tol, axis=1)
    for i in range(m.shape[0]):
        if best_reply[i]:
            continue
        others = [k for k in range(m.shape[0]) if k != i]
        if any(np.all(m[k] > m[i] + tol) for k in others) or (
            mixed and _mixed_dominated(m, i, others, tol)
        ):
            out.append(i)
    return out


def dominated_strategies(a: Array, b: Array, mixed: bool = True) -> tuple[list[int], list[int]]:
    """Each player's strictly dominated actions in the full game (one round, no iteration)."""
    t = scaled_tol(a, b)
    return dominated_rows(a, t, mixed), dominated_rows(b.T, t, mixed)


def iterated_elimination(a: Array, b: Array, mixed: bool = True) -> tuple[list[int], list[int]]:
    """Actions that survive iterated elimination of strictly dominated strategies.

    Dominators may be mixed strategies when ``mixed`` (the textbook definition); the order of
    elimination does not matter for strict dominance.
    """
    t = scaled_tol(a, b)
    rows, cols = list(range(a.shape[0])), list(range(a.shape[1]))
    while True:
        sub_a, sub_b = a[np.ix_(rows, cols)], b[np.ix_(rows, cols)]
        drop_r = set(dominated_rows(sub_a, t, mixed))
        drop_c = set(dominated_rows(sub_b.T, t, mixed))
        if not drop_r and not drop_c:
            return rows, cols
        rows = [r for k, r in enumerate(rows) if k not in drop_r]
        cols = [c for k, c in enumerate(cols) if k not in drop_c]


def dominance_solvable(a: Array, b: Array, mixed: bool = True) -> bool:
    """Iterated strict dominance leaves a single cell."""
    rows, cols = iterated_elimination(a, b, mixed)
    return len(rows) == 1 and len(cols) == 1


def _dominant_row(m: Array, tol: float) -> int | None:
    for i in range(m.shape[0]):
        if all(np.all(m[i] > m[k] + tol) for k in range(m.shape[0]) if k != i):
            return i
    return None


def dominant_strategies(a: Array, b: Array) -> tuple[int | None, int | None]:
    """Each player's strictly dominant action (better than every other action against every
    action of the other player), or None."""
    t = scaled_tol(a, b)
    return _dominant_row(a, t), _dominant_row(b.T, t)


# --- equilibrium selection and efficiency --------------------------------------------------


def payoff_dominant(a: Array, b: Array) -> Cell | None:
    """The pure equilibrium that Pareto-dominates every other pure equilibrium.

    Pareto-dominates: at least as good for both players, strictly better for one. A unique pure
    equilibrium is returned as is (it dominates the others vacuously); None when there is no
    pure equilibrium or no single one dominates the rest.
    """
    eqs = pure_equilibria(a, b)
    t = scaled_tol(a, b)

    def dominates(e: Cell, f: Cell) -> bool:
        d1, d2 = a[e] - a[f], b[e] - b[f]
        return bool(d1 >= -t and d2 >= -t and (d1 > t or d2 > t))

    for e in eqs:
        if all(dominates(e, f) for f in eqs if f != e):
            return e
    return None


def nash_product(a: Array, b: Array, e: Cell, f: Cell) -> float:
    """Harsanyi–Selten product of deviation losses at equilibrium ``e`` against ``f``.

    The 2×2 game spanned by rows {e₀, f₀} and columns {e₁, f₁}: player 1's loss from moving
    from e₀ to f₀ (player 2 staying at e₁), times player 2's loss from moving from e₁ to f₁.
    """
    (i, j), (k, m) = e, f
    return float((a[i, j] - a[k, j]) * (b[i, j] - b[i, m]))


def risk_dominant(a: Array, b: Array) -> Cell | None:
    """The risk-dominant pure equilibrium (Harsanyi and Selten 1988), or None.

    In a 2×2 game with two strict equilibria on a diagonal, the one with the larger product of
    deviation losses (`nash_product`); a tie gives None. Larger games use the pairwise
    generalisation: each pair of pure equilibria is compared in the 2×2 game spanned by their
    rows and columns (both are equilibria of it), and the result is the equilibrium that
    strictly risk-dominates every other one, or None if none does or two pure equilibria share
    a row or a column (the comparison is then undefined). A unique pure equilibrium is returned
    as is; no pure equilibrium gives None.
    """
    eqs = pure_equilibria(a, b)
    if len(eqs) == 1:
        return eqs[0]
    if len({e[0] for e in eqs}) < len(eqs) or len({e[1] for e in eqs}) < len(eqs):
        return None
    t = TOL * scaled_tol(a, b, 1.0) ** 2  # products are quadratic in the payoffs
    for e in eqs:
        if all(nash_product(a, b, e, f) > nash_product(a, b, f, e) + t for f in eqs if f != e):
            return e
    return None


def pareto_improvable(a: Array, b: Array, u1: float, u2: float, tol: float = TOL) -> bool:
    """Does some cell give both players strictly more than (u1, u2)?"""
    t = scaled_tol(a, b, tol)
    return bool(np.any((a > u1 + t) & (b > u2 + t)))


def deficient_equilibria(a: Array, b: Array) -> list[Cell]:
    """Pure Nash equilibria that some cell beats for both players (strictly)."""
    return [c for c in pure_equilibria(a, b) if pareto_improvable(a, b, a[c], b[c])]


def social_dilemma(a: Array, b: Array) -> bool:
    """The game has a *deficient* equilibrium: a pure Nash equilibrium such that some outcome
    gives both players strictly more.

    This is the minimal definition of the social-dilemma literature: individually rational
    play can end in an outcome that is collectively irrational (Dawes 1980, "Social dilemmas",
    Annu. Rev. Psychol. 31: 169-193, where all are better off if all cooperate than if all
    defect; Kollock 1998, "Social dilemmas: the anatomy of cooperation", Annu. Rev. Sociol.
    24: 183-214, the deficient equilibrium). Equilibria are the pure outcomes of the game, as
    in those papers' 2×2 taxonomies; mixed equilibria do not count, so battle of the sexes and
    pure coordination (every pure equilibrium efficient, only the mixed one Pareto-dominated)
    are not dilemmas, while the prisoner's dilemma, the stag hunt and the traveler's dilemma
    are. Chicken is not one either: its pure equilibria (one swerves, one does not) are
    efficient.
    """
    return bool(deficient_equilibria(a, b))
