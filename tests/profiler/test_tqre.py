"""TQRE: the notebook estimator against the paper's numbers, the paper's model, recovery."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import poisson

from stratlens.profiler._tqre_models import jia2025_loglik, jia2025_predict
from stratlens.profiler.jia2025_data import ANSWERS_PER_ROLE, GAME, ROWS
from stratlens.profiler.tqre import fit, loglik, predict, tqre_game
from stratlens.profiler.tqre_recovery import recovery, summarize_recovery

# Competitive baseline (reference/jia2025.md, Table 14a): player 1's and player 2's payoffs.
A = np.array([[10, 0, -5], [-10, 5, 8], [0, 5, -5]], dtype=float)
B = np.array([[-10, 5, 8], [10, 0, -5], [0, -5, 5]], dtype=float)
GPT4O = ((80.0, 20.0, 0.0), (20.0, 66.67, 13.33))
O1 = ((100.0, 0.0, 0.0), (0.0, 26.67, 73.33))


# -- jia2025: the released notebook -------------------------------------------------------


def test_test_vector_gpt4o_printed_point() -> None:
    p1, p2 = predict(GAME, 1.543, 1.486, estimator="jia2025")
    assert p1 is not None and p2 is not None
    np.testing.assert_allclose(p1, [0.7543, 0.1554, 0.0903], atol=5e-5)
    np.testing.assert_allclose(p2, [0.3184, 0.5913, 0.0903], atol=5e-5)
    ll = loglik(GAME, GPT4O, 1.543, 1.486, estimator="jia2025", n=ANSWERS_PER_ROLE)
    assert ll == pytest.approx(-1.4976, abs=5e-5)


def test_test_vector_o1_printed_point_unrenormalised() -> None:
    p1, p2 = predict(GAME, 4.741, 0.064, estimator="jia2025")
    assert p1 is not None and p2 is not None
    np.testing.assert_allclose(p1, [0.6576, 0.1524, 0.1805], atol=5e-5)
    np.testing.assert_allclose(p2, [0.3139, 0.4925, 0.1840], atol=5e-5)
    # K = 10 without renormalisation: the predictions sum to the Poisson mass of 0..10.
    assert p1.sum() == pytest.approx(poisson.cdf(10, 4.741), abs=1e-12)
    assert p1.sum() == pytest.approx(0.990, abs=5e-4)
    ll = loglik(GAME, O1, 4.741, 0.064, estimator="jia2025", n=ANSWERS_PER_ROLE)
    assert ll == pytest.approx(-1.8492, abs=5e-5)


@pytest.mark.parametrize("row", ROWS, ids=[r.label for r in ROWS])
def test_table13_loglik_at_printed_parameters(row) -> None:  # type: ignore[no-untyped-def]
    ll = loglik(GAME, (row.p1, row.p2), row.tau, row.gamma, estimator="jia2025", n=15)
    assert ll == pytest.approx(row.loglik, abs=5e-4)


def test_deepseek_r1_printed_gamma_does_not_fit_its_data() -> None:
    (r1,) = [r for r in ROWS if r.label == "DeepSeek-R1"]
    assert r1.printed_gamma is not None and r1.printed_loglik is not None
    ll = loglik(GAME, (r1.p1, r1.p2), r1.tau, r1.printed_gamma, estimator="jia2025", n=15)
    assert abs(ll - r1.printed_loglik) > 0.01  # the printed row belongs to another model


def test_player2_matrix_is_untransposed() -> None:
    q1 = np.array(GPT4O[0]) / 100
    q2 = np.array(GPT4O[1]) / 100
    t, g = np.array([1.543]), np.array([1.486])
    # A theory-consistent P2 (its payoffs with rows = its own actions) is far from Table 13.
    transposed = jia2025_loglik(jia2025_predict(A, t, g), q1) + jia2025_loglik(
        jia2025_predict(B.T, t, g), q2
    )
    assert float(transposed[0]) == pytest.approx(-2.839, abs=5e-4)
    assert np.array_equal(tqre_game(GAME).jia2025_matrix(1), B)


@pytest.mark.parametrize("row", ROWS, ids=[r.label for r in ROWS])
def test_notebook_procedure_reproduces_printed_tau(row) -> None:  # type: ignore[no-untyped-def]
    f = fit(GAME, (row.p1, row.p2), n=ANSWERS_PER_ROLE, estimator="jia2025")
    assert abs(f.tau - row.tau) < 0.01
    assert f.loglik == pytest.approx(row.loglik, abs=1e-3)
    assert f.converged and f.extra["search"] == "starts"


def test_printed_gpt4o_point_is_a_local_not_the_global_optimum() -> None:
    counts = GPT4O
    local = fit(GAME, counts, n=15, estimator="jia2025")
    best = fit(GAME, counts, n=15, estimator="jia2025", search="global")
    assert best.loglik > local.loglik + 0.02  # reference/jia2025.md §4.3: -1.475 beats -1.498
    assert "grid_best" in local.extra


def test_o3_mini_notebook_fit_is_flagged_and_the_global_search_is_global() -> None:
    # Issue 18: a dense grid reaches -1.3254 on the o3-mini row, where the old "global" search
    # stopped at -1.3484 and the notebook's starts at the printed -1.427.
    row = next(r for r in ROWS if r.label == "GPT-o3-mini")
    counts = (row.p1, row.p2)
    best = fit(GAME, counts, n=ANSWERS_PER_ROLE, estimator="jia2025", search="global")
    assert best.loglik >= -1.3254
    local = fit(GAME, counts, n=ANSWERS_PER_ROLE, estimator="jia2025")
    assert local.loglik == pytest.approx(row.loglik, abs=1e-3) and abs(local.tau - row.tau) < 0.01
    assert local.unsure and not best.unsure
    tau_g, gamma_g, ll_g = local.extra["global_best"]
    assert ll_g == pytest.approx(best.loglik) and tau_g == pytest.approx(best.tau)
    note = local.unsure_note
    assert note is not None and f"{local.loglik:.4f}" in note and f"{ll_g:.4f}" in note
    assert local.to_dict()["unsure"] is True and local.to_dict()["global_best"] == [
        tau_g,
        gamma_g,
        ll_g,
    ]


@pytest.mark.parametrize("label", ["GPT-o1", "DeepSeek-R1"])
def test_rows_whose_notebook_fit_is_global_are_not_flagged(label: str) -> None:
    row = next(r for r in ROWS if r.label == label)
    f = fit(GAME, (row.p1, row.p2), n=ANSWERS_PER_ROLE, estimator="jia2025")
    assert not f.unsure and f.unsure_note is None


def test_negative_tau_is_nan_objective_as_in_the_notebook() -> None:
    assert loglik(GAME, GPT4O, -0.5, 1.0, estimator="jia2025", n=15) == -1e10


# -- tqre: the model as the paper writes it -------------------------------------------------


def _naive_tqre(a: np.ndarray, b: np.ndarray, tau: float, gamma: float, levels: int = 30):  # type: ignore[no-untyped-def]
    """Sec. 2.2 line by line: explicit W weights over the other's levels 0..k-1."""
    f = poisson.pmf(np.arange(levels + 1), tau)
    f = f / f.sum()
    s1 = [np.full(a.shape[0], 1 / a.shape[0])]
    s2 = [np.full(a.shape[1], 1 / a.shape[1])]
    for k in range(1, levels + 1):
        w = f[:k] / f[:k].sum()
        belief2 = sum(w[h] * s2[h] for h in range(k))
        belief1 = sum(w[h] * s1[h] for h in range(k))
        u1, u2 = a @ belief2, b.T @ belief1
        e1, e2 = np.exp(gamma * k * (u1 - u1.max())), np.exp(gamma * k * (u2 - u2.max()))
        s1.append(e1 / e1.sum())
        s2.append(e2 / e2.sum())
    return sum(f[k] * s1[k] for k in range(levels + 1)), sum(
        f[k] * s2[k] for k in range(levels + 1)
    )


@pytest.mark.parametrize("tau,gamma", [(0.3, 3.0), (1.543, 1.486), (4.0, 0.2)])
def test_tqre_matches_the_written_model(tau: float, gamma: float) -> None:
    want1, want2 = _naive_tqre(A, B, tau, gamma)
    got1, got2 = predict((A, B), tau, gamma)
    np.testing.assert_allclose(got1, want1, atol=1e-12)
    np.testing.assert_allclose(got2, want2, atol=1e-12)
    assert got1 is not None and got1.sum() == pytest.approx(1.0)  # renormalised levels


def test_tqre_differs_from_the_notebook() -> None:
    tq, _ = predict(GAME, 1.543, 1.486)
    nb, _ = predict(GAME, 1.543, 1.486, estimator="jia2025")
    assert tq is not None and nb is not None
    assert np.abs(tq - nb).max() > 0.1


def test_tqre_limits_are_uniform() -> None:
    for tau, gamma in [(0.0, 5.0), (3.0, 0.0)]:
        p1, p2 = predict("sw10", tau, gamma)
        np.testing.assert_allclose(p1, [1 / 3] * 3)  # type: ignore[arg-type]
        np.testing.assert_allclose(p2, [1 / 3] * 3)  # type: ignore[arg-type]


def test_tqre_dominant_defection_grows_with_depth() -> None:
    # Prisoner's dilemma, defection (action 1) strictly dominant.
    shares = [predict("mixed_motive_baseline", tau, 1.0)[0][1] for tau in (0.5, 1.0, 2.0, 4.0)]  # type: ignore[index]
    assert all(s > 0.5 for s in shares)
    assert shares == sorted(shares)


def test_uniform_play_is_not_identified() -> None:
    f = fit(GAME, ([5, 5, 5], [5, 5, 5]))
    assert not f.identified
    assert f.gamma_ci[0] == 0.0
    assert f.loglik == pytest.approx(-30 * math.log(3), abs=1e-6)  # uniform play reached


def test_intervals_hold_the_estimate() -> None:
    f = fit(GAME, ([150, 60, 90], [80, 160, 60]))
    assert f.tau_ci[0] <= f.tau <= f.tau_ci[1]
    assert f.gamma_ci[0] <= f.gamma <= f.gamma_ci[1]
    assert f.loglik >= loglik(GAME, ([150, 60, 90], [80, 160, 60]), f.tau, f.gamma) - 1e-9


def test_sequential_game_models_player_one_only() -> None:
    game = tqre_game("sequential")
    assert game.tables[1] is None
    assert game.tables[0] is not None
    np.testing.assert_array_equal(game.tables[0][0], [[0, 0, 0], [5, 3, -1], [2, 4, 0]])
    np.testing.assert_array_equal(game.tables[0][1], [[5, 3, 0], [2, 3, -1], [4, 3, -2]])
    f = fit("sequential", ([2, 10, 3], None))
    assert f.n == (15.0, None) and f.predictions[1] is None
    assert f.chance_loglik == pytest.approx(-15 * math.log(3))
    with pytest.raises(ValueError, match="role 1 is not modelled"):
        fit("sequential", ([2, 10, 3], [1, 1, 1]))


def test_counts_validation() -> None:
    with pytest.raises(ValueError, match="not whole numbers"):
        fit(GAME, ([0.5, 0.25, 0.25], None))
    with pytest.raises(ValueError, match="3 actions"):
        fit(GAME, ([1, 2], None))
    with pytest.raises(ValueError, match="no observations"):
        fit(GAME, (None, [0, 0, 0]))
    with pytest.raises(ValueError, match="not a one-shot game"):
        tqre_game("iterated_prisoners_dilemma")
    one_role = fit(GAME, (None, [3, 10, 2]))
    assert one_role.n == (None, 15.0)


def test_frequencies_with_n_equal_counts() -> None:
    a = fit(GAME, ([12, 3, 0], [3, 10, 2]))
    b = fit(GAME, ([80, 20, 0], [20, 200 / 3, 40 / 3]), n=15)
    assert a.tau == pytest.approx(b.tau, abs=1e-6)
    assert a.loglik == pytest.approx(b.loglik, abs=1e-6)


def test_parameter_recovery_improves_with_n_and_intervals_cover() -> None:
    frame = recovery([GAME], ns=(30, 300), reps=10, seed=3)
    summary = summarize_recovery(frame).set_index("n")
    assert summary.loc[300, "tau_mae"] < summary.loc[30, "tau_mae"]
    assert summary.loc[300, "gamma_mae"] < summary.loc[30, "gamma_mae"]
    assert summary.loc[300, "tau_mae"] < 0.3
    # Nominal 95%; 10 replications: at least 7 covered (P < 2% under 95% coverage).
    assert summary.loc[300, "tau_coverage"] >= 0.7
    assert summary.loc[300, "gamma_coverage"] >= 0.7
    assert summary.loc[300, "identified"] >= 0.8
