"""The bimatrix solvers against independent methods, on many random games.

The reference method here is a support enumeration written from scratch with numpy: for every
pair of equal-size supports it solves the indifference equations and keeps the solutions that
are probability vectors with no profitable pure deviation. In a nondegenerate game (payoffs
drawn from a continuous distribution) this finds every Nash equilibrium, and it shares no code
with nashpy's vertex enumeration that `mixed_equilibria` uses. Security levels are checked
against the value of the zero-sum game (A, -A), found by the same enumeration.

Examples are derived from a seed drawn by hypothesis, with ``derandomize=True``: every run
checks the same games.
"""

from __future__ import annotations

import itertools

import nashpy
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from stratlens.games import _equilibria as eq

Array = npt.NDArray[np.float64]

# Mostly small games (the 4x4 ones dominate the run time).
SHAPES = [(2, 2)] * 4 + [(2, 3), (3, 2)] * 2 + [(3, 3)] * 4 + [(3, 4), (4, 3), (4, 4), (2, 4)]


def _solve_indifference(m: Array) -> tuple[Array, float] | None:
    """Probabilities p (sum 1) making every row of ``m`` earn the same value against p."""
    k = m.shape[1]
    lhs = np.zeros((m.shape[0] + 1, k + 1))
    lhs[:-1, :k], lhs[:-1, k] = m, -1.0
    lhs[-1, :k] = 1.0
    rhs = np.zeros(m.shape[0] + 1)
    rhs[-1] = 1.0
    if abs(np.linalg.det(lhs)) < 1e-12:
        return None
    sol = np.linalg.solve(lhs, rhs)
    return sol[:k], float(sol[k])


def reference_equilibria(a: Array, b: Array) -> list[tuple[Array, Array]]:
    """All equilibria of a nondegenerate game, by enumerating equal-size support pairs."""
    m, n = a.shape
    found = []
    for k in range(1, min(m, n) + 1):
        for rows in itertools.combinations(range(m), k):
            for cols in itertools.combinations(range(n), k):
                ys = _solve_indifference(a[np.ix_(rows, cols)])  # P2 makes P1 indifferent
                xs = _solve_indifference(b[np.ix_(rows, cols)].T)  # and P1 makes P2 so
                if ys is None or xs is None:
                    continue
                (py, v), (px, w) = ys, xs
                if py.min() <= 0 or px.min() <= 0:
                    continue
                x, y = np.zeros(m), np.zeros(n)
                x[list(rows)], y[list(cols)] = px, py
                if (a @ y).max() <= v + 1e-9 and (x @ b).max() <= w + 1e-9:
                    found.append((x, y))
    return found


def zero_sum_value(m: Array) -> float:
    """The value of the zero-sum game in which the row player gets ``m``."""
    x, y = reference_equilibria(m, -m)[0]
    return float(x @ m @ y)


def same_profiles(got: list[tuple[Array, Array]], want: list[tuple[Array, Array]]) -> bool:
    def close(p: tuple[Array, Array], q: tuple[Array, Array]) -> bool:
        return bool(np.allclose(p[0], q[0], atol=1e-6) and np.allclose(p[1], q[1], atol=1e-6))

    return len(got) == len(want) and all(any(close(p, q) for q in want) for p in got)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(shape=st.sampled_from(SHAPES), seed=st.integers(0, 2**32 - 1))
def test_random_games_agree_with_independent_methods(shape: tuple[int, int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=shape), rng.normal(size=shape)
    want = reference_equilibria(a, b)

    # Equilibria: pure ones from `pure_equilibria`, the rest from `mixed_equilibria`.
    got = eq.all_equilibria(a, b)
    assert same_profiles(got, want), (got, want)
    assert len(want) % 2 == 1  # nondegenerate games have an odd number of equilibria
    singles = [(x, y) for x, y in want if np.count_nonzero(x) == 1 and np.count_nonzero(y) == 1]
    pure = [(int(x.argmax()), int(y.argmax())) for x, y in singles]
    assert sorted(pure) == eq.pure_equilibria(a, b)

    # Security levels: the value of (A, -A) for P1 and of (B^T, -B^T) for P2.
    v1, v2 = eq.security_values(a, b)
    assert np.isclose(v1, zero_sum_value(a), atol=1e-7)
    assert np.isclose(v2, zero_sum_value(b.T), atol=1e-7)
    value, x = eq.maximin_strategy(a)
    assert np.isclose((x @ a).min(), value, atol=1e-7)  # the strategy guarantees the value
    assert eq.pure_security(a, b) == (
        max(min(row) for row in a.tolist()),
        max(min(col) for col in b.T.tolist()),
    )
    # No Nash equilibrium pays a player less than its security level.
    for x, y in want:
        assert x @ a @ y >= v1 - 1e-7 and x @ b @ y >= v2 - 1e-7

    # Dominance: equilibria only use surviving actions; solvable means one equilibrium.
    rows, cols = eq.iterated_elimination(a, b)
    for x, y in want:
        assert set(np.flatnonzero(x > 0)) <= set(rows)
        assert set(np.flatnonzero(y > 0)) <= set(cols)
    if eq.dominance_solvable(a, b):
        assert len(want) == 1 and eq.pure_equilibria(a, b) == [(rows[0], cols[0])]

    # Social dilemma, from the reference equilibria: a pure one that some cell beats for both.
    dilemma = any(np.any((a > x @ a @ y + 1e-9) & (b > x @ b @ y + 1e-9)) for x, y in singles)
    assert eq.social_dilemma(a, b) == dilemma


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    a=arrays(np.float64, st.sampled_from([(2, 2), (2, 3), (3, 3)]), elements=st.integers(-3, 3)),
    data=st.data(),
)
def test_degenerate_integer_games_are_handled(a: Array, data: st.DataObject) -> None:
    # Small integer payoffs produce ties, continua of equilibria and constant games.
    b = data.draw(arrays(np.float64, a.shape, elements=st.integers(-3, 3)))
    mixed = eq.mixed_equilibria(a, b)
    pure = eq.pure_equilibria(a, b)
    assert pure or mixed  # every finite game has an equilibrium
    for x, y in mixed:
        assert eq.is_equilibrium(a, b, x, y)
        assert np.isclose(x.sum(), 1) and np.isclose(y.sum(), 1)
        assert x.min() >= 0 and y.min() >= 0
        assert (x > 0).sum() > 1 or (y > 0).sum() > 1
    for i, j in pure:  # brute-force best-reply check
        assert a[i, j] == a[:, j].max() and b[i, j] == b[i, :].max()
    # Minimax theorem: P1's maximin value equals minus the maximin value of P2 in (A, -A).
    v, _ = eq.maximin_strategy(a)
    w, _ = eq.maximin_strategy(-a.T)
    assert np.isclose(v, -w, atol=1e-8)


def test_continuum_of_equilibria_reports_its_extreme_points() -> None:
    # P1 is indifferent everywhere; P2 matches P1's likelier row. Equilibria: (x, column 0)
    # for x0 >= 1/2, (x, column 1) for x0 <= 1/2, and ((1/2, 1/2), any y). The extreme points
    # with mixing are ((1/2, 1/2), column 0) and ((1/2, 1/2), column 1).
    a, b = np.zeros((2, 2)), np.eye(2)
    assert eq.pure_equilibria(a, b) == [(0, 0), (1, 1)]
    got = [(x.tolist(), y.tolist()) for x, y in eq.mixed_equilibria(a, b)]
    assert got == [([0.5, 0.5], [1.0, 0.0]), ([0.5, 0.5], [0.0, 1.0])]


def test_constant_game() -> None:
    a = np.full((3, 3), 2.0)
    assert len(eq.pure_equilibria(a, a)) == 9
    assert eq.mixed_equilibria(a, a) == []  # the extreme points are the pure profiles
    assert eq.security_values(a, a) == (2.0, 2.0)
    assert eq.dominant_strategies(a, a) == (None, None)
    assert eq.constant_sum(a, a) and not eq.zero_sum(a, a) and eq.symmetric(a, a)
    assert not eq.social_dilemma(a, a)


def test_mixed_dominance_is_found_by_the_linear_program() -> None:
    # Row 2 is beaten by no pure row ((3, 0) and (0, 3) each lose a column to (1, 1)), but the
    # 50/50 mixture of rows 0 and 1 earns (1.5, 1.5) > (1, 1). Then column 1 (0 < 1 against
    # both remaining rows for P2) goes, then row 1, leaving (0, 0).
    a = np.array([[3.0, 0.0], [0.0, 3.0], [1.0, 1.0]])
    b = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert eq.iterated_elimination(a, b, mixed=False) == ([0, 1, 2], [0, 1])
    assert eq.iterated_elimination(a, b, mixed=True) == ([0], [0])
    assert eq.dominance_solvable(a, b) and not eq.dominance_solvable(a, b, mixed=False)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(gaps=st.tuples(st.floats(0.1, 10), st.floats(0.1, 10)), base=st.floats(-5, 5))
def test_risk_dominance_in_symmetric_coordination_games(
    gaps: tuple[float, float], base: float
) -> None:
    # A symmetric 2x2 coordination game with deviation losses g0 at (0, 0) and g1 at (1, 1).
    # Risk dominance by the basin of attraction: (0, 0) is risk-dominant exactly when the mixed
    # equilibrium puts less than 1/2 on action 0, p* = g1 / (g0 + g1) < 1/2.
    g0, g1 = gaps
    assume(g0 == g1 or abs(g0 - g1) > 1e-3)  # no near-ties: tolerances would decide those
    a = np.array([[base + g0, base], [base, base + g1]])
    p_star = g1 / (g0 + g1)
    expected = None if g0 == g1 else ((0, 0) if p_star < 0.5 else (1, 1))
    assert eq.risk_dominant(a, a.T) == expected
    assert eq.payoff_dominant(a, a.T) == expected  # here the better equilibrium is also safer


def test_risk_dominance_in_a_3x3_game() -> None:
    # Symmetric (B = A^T). Best rows: column 0 -> row 0 (9), column 1 -> row 0 (5), column 2
    # -> row 2 (4), so the equilibria are (0, 0) = (9, 9) and (2, 2) = (4, 4). In the 2x2 game
    # on rows/columns {0, 2}: (0, 0): (9 - 8)(9 - 8) = 1; (2, 2): (4 - 0)(4 - 0) = 16.
    a = np.array([[9.0, 5.0, 0.0], [1.0, 0.0, 1.0], [8.0, 1.0, 4.0]])
    assert eq.pure_equilibria(a, a.T) == [(0, 0), (2, 2)]
    assert eq.risk_dominant(a, a.T) == (2, 2)
    assert eq.payoff_dominant(a, a.T) == (0, 0)


def test_support_enumeration_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    # When vertex enumeration fails (qhull on a bad polytope), nashpy's support enumeration
    # answers instead. Battle of the sexes: the mixed equilibrium is ((3/5, 2/5), (2/5, 3/5)).
    def broken(self: object) -> None:
        raise ValueError("qhull failed")

    monkeypatch.setattr(nashpy.Game, "vertex_enumeration", broken)
    a, b = np.array([[3.0, 0.0], [0.0, 2.0]]), np.array([[2.0, 0.0], [0.0, 3.0]])
    got = eq.mixed_equilibria(a, b)
    assert len(got) == 1
    assert np.allclose(got[0][0], [0.6, 0.4]) and np.allclose(got[0][1], [0.4, 0.6])


def test_dominated_strategies_one_round() -> None:
    # Rows: row 2 (1, 1) is dominated only by the mixture of rows 0 and 1 (1.5, 1.5).
    # Columns for P2: column 1 pays (0, 0, 1) vs column 0's (1, 1, 0): no dominance yet.
    a = np.array([[3.0, 0.0], [0.0, 3.0], [1.0, 1.0]])
    b = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert eq.dominated_strategies(a, b) == ([2], [])
    assert eq.dominated_strategies(a, b, mixed=False) == ([], [])
