"""Structure analysis: the statistics on hand-computed cases, and a planted effect recovered."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from stratlens.games import list_games
from stratlens.results.leaderboard import build_leaderboard
from stratlens.results.leaderboard.synthetic import uniform_policy, write_synthetic_store
from stratlens.results.stats import (
    bh_adjust,
    cluster_ols,
    permutation_p,
    spearman,
    spearman_tests,
)
from stratlens.results.structure_analysis import (
    FEATURES,
    POOLED,
    REASONING,
    regress,
    structure_features,
    with_features,
)


def test_cluster_ols_intercept_only_by_hand() -> None:
    # y = 1, 2, 3, 6 in clusters a, a, b, b. β = mean = 3; residuals -2, -1, 0, 3; cluster
    # sums of scores -3 and 3, so meat = 18; (X'X)⁻¹ = 1/4; CR1 factor G/(G-1)·(N-1)/(N-K)
    # = 2·3/3 = 2: V = 2·18/16 = 2.25, se = 1.5, t = 2 on G - 1 = 1 degree of freedom.
    fit = cluster_ols([1, 2, 3, 6], np.ones((4, 1)), ["a", "a", "b", "b"], ["intercept"])
    assert fit.coef[0] == pytest.approx(3.0)
    assert fit.se[0] == pytest.approx(1.5)
    assert fit.df == 1
    assert fit.p[0] == pytest.approx(2 * stats.t.sf(2.0, 1))
    _, high = fit.interval()
    assert high[0] - fit.coef[0] == pytest.approx(stats.t.ppf(0.975, 1) * 1.5)


def _sandwich_by_loops(y: np.ndarray, x: np.ndarray, groups: Sequence[int]) -> np.ndarray:
    n, k = x.shape
    xtx = np.zeros((k, k))
    for i in range(n):
        xtx += np.outer(x[i], x[i])
    bread = np.linalg.inv(xtx)
    beta = bread @ (x.T @ y)
    meat = np.zeros((k, k))
    for g in sorted(set(groups)):
        score = np.zeros(k)
        for i in range(n):
            if groups[i] == g:
                score += x[i] * (y[i] - x[i] @ beta)
        meat += np.outer(score, score)
    c = len(set(groups)) / (len(set(groups)) - 1) * (n - 1) / (n - k)
    return np.sqrt(np.diag(c * bread @ meat @ bread))


def test_cluster_ols_matches_the_sandwich_computed_by_loops() -> None:
    rng = np.random.default_rng(3)
    n = 40
    groups = [i % 6 for i in range(n)]
    x = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, n)])
    y = 1.0 + 0.5 * x[:, 1] - x[:, 2] + rng.normal(size=n) + np.array(groups) * 0.3
    fit = cluster_ols(y, x, groups, ["c", "x1", "x2"])
    assert fit.coef == pytest.approx(np.linalg.lstsq(x, y, rcond=None)[0])
    assert fit.se == pytest.approx(_sandwich_by_loops(y, x, groups))
    # One observation per cluster: CR1 is HC1, n/(n-k)·(X'X)⁻¹ Σ x x' e² (X'X)⁻¹.
    single = cluster_ols(y, x, list(range(n)), ["c", "x1", "x2"])
    bread = np.linalg.inv(x.T @ x)
    e = y - x @ fit.coef
    hc1 = n / (n - 3) * bread @ (x.T * e**2) @ x @ bread
    assert single.se == pytest.approx(np.sqrt(np.diag(hc1)))


def test_cluster_ols_fixed_effects_are_dummies_counted_in_the_correction() -> None:
    # Within estimator by hand: demean y and x inside each fixed-effect group, the CR1
    # sandwich on the demeaned data with K = slopes + groups in (N - 1)/(N - K).
    rng = np.random.default_rng(4)
    n = 36
    fe = [i % 3 for i in range(n)]
    groups = [i % 6 for i in range(n)]
    x = rng.normal(size=(n, 2))
    y = x @ [0.7, -0.2] + np.array(fe) * 2.0 + rng.normal(size=n)
    fit = cluster_ols(y, x, groups, ["x1", "x2"], fixed_effects=fe)
    frame = pd.DataFrame({"y": y, "a": x[:, 0], "b": x[:, 1], "fe": fe})
    within = frame[["y", "a", "b"]] - frame.groupby("fe")[["y", "a", "b"]].transform("mean")
    xd, yd = within[["a", "b"]].to_numpy(), within.y.to_numpy()
    beta = np.linalg.lstsq(xd, yd, rcond=None)[0]
    assert fit.coef == pytest.approx(beta)
    se_k2 = _sandwich_by_loops(yd, xd, groups)  # its factor counts K = 2
    g = 6
    rescale = np.sqrt(((n - 1) / (n - 5)) / ((n - 1) / (n - 2)))  # K = 2 slopes + 3 groups
    assert fit.se == pytest.approx(se_k2 * rescale)
    assert fit.k == 5 and fit.df == g - 1 and fit.names == ("x1", "x2")
    assert fit.p == pytest.approx(2 * stats.t.sf(np.abs(beta / fit.se), g - 1))


def test_spearman_permutation_and_bh_by_hand() -> None:
    # d = (-1, 1, -1, 1, 0): rho = 1 - 6·4 / (5·24) = 0.8.
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)
    assert spearman([0, 0, 1, 1], [1, 2, 3, 5]) == pytest.approx(
        stats.spearmanr([0, 0, 1, 1], [1, 2, 3, 5]).statistic
    )
    assert np.isnan(spearman([1, 1, 1, 1], [1, 2, 3, 4]))
    rng = np.random.default_rng(0)
    x = np.arange(10.0)
    # A perfect rank agreement of 10 rows: 2 of 10! orderings are as extreme.
    assert permutation_p(x, x**2, 999, rng) == pytest.approx(1 / 1000)
    # Under independence the p-values are uniform: their mean is near 1/2.
    null = [permutation_p(x, rng.permutation(x), 199, rng) for _ in range(40)]
    assert 0.35 < float(np.mean(null)) < 0.65
    # BH: p = .01, .04, .03, .5 → q = .04, .0533, .0533, .5 (NaN is not a test).
    q = bh_adjust([0.01, 0.04, 0.03, 0.5, np.nan])
    assert q[:4] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert np.isnan(q[4])


def test_permutation_p_is_scipys_exact_permutation_test() -> None:
    # Pinned to scipy.stats.permutation_test: with 7 rows all 7! = 5040 pairings are
    # enumerated (the exact p, P(|rho*| >= |rho|)); our Monte Carlo p with 20,000
    # permutations must be within 4 standard errors of it, for a ranked and a 0/1 predictor.
    rng = np.random.default_rng(4)
    y = np.array([3.1, 0.4, 2.2, 5.0, 1.7, 4.4, 2.9])
    frame = pd.DataFrame(
        {"y": y, "x": [2.0, 1.0, 2.0, 6.0, 0.5, 3.0, 5.0], "b": [1.0, 0, 0, 1, 0, 1, 1]}
    )
    table = spearman_tests(frame, ["y"], ["x", "b"], n_boot=50, n_perm=20_000, seed=3)
    for name in ("x", "b"):
        x = frame[name].to_numpy()
        exact = stats.permutation_test(  # one sample, "pairings": every ordering of y
            (y,),
            lambda yy, x=x: abs(stats.spearmanr(x, yy).statistic),
            permutation_type="pairings",
            alternative="greater",
            n_resamples=np.inf,
        )
        assert 0.01 < exact.pvalue < 0.9  # a p-value with room either side
        se = math.sqrt(exact.pvalue * (1 - exact.pvalue) / 20_000)
        assert len(exact.null_distribution) == math.factorial(7)
        ours = permutation_p(x, y, 20_000, rng)
        assert ours == pytest.approx(exact.pvalue, abs=4 * se), name
        row = table.set_index("predictor").loc[name]
        assert row.p == pytest.approx(exact.pvalue, abs=4 * se), name
        assert row.rho == pytest.approx(stats.spearmanr(frame[name], y).statistic)


def test_spearman_tests_table_and_intervals() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=60), "noise": rng.normal(size=60)})
    frame["y"] = frame.x + 0.3 * rng.normal(size=60)
    table = spearman_tests(frame, ["y"], ["x", "noise"], n_boot=300, n_perm=500, seed=2)
    row = table.set_index("predictor")
    assert row.rho["x"] == pytest.approx(stats.spearmanr(frame.x, frame.y).statistic)
    assert row.low["x"] < row.rho["x"] < row.high["x"]
    assert row.q["x"] < 0.01
    assert row.q["noise"] > 0.05
    assert list(table.columns) == ["outcome", "predictor", "n", "rho", "low", "high", "p", "q"]


def test_structure_features_come_from_the_games() -> None:
    pd_ = structure_features("prisoners_dilemma", 0)
    assert pd_["social_dilemma"] == 1.0 and pd_["dominant_strategy"] == 1.0
    assert pd_["constant_sum"] == 0.0 and pd_["sequential"] == 0.0
    assert structure_features("matching_pennies", 1)["constant_sum"] == 1.0
    assert structure_features("ultimatum", 0)["sequential"] == 1.0
    assert structure_features("bayesian_coordination_p05", 0)["incomplete_information"] == 1.0
    assert structure_features("iterated_stag_hunt", 0)["repeated"] == 1.0
    assert structure_features("kreps_game", 1)["log_actions"] == pytest.approx(np.log(4))
    # High punishment: only player 2 has a dominant strategy.
    assert structure_features("mixed_motive_high_punishment", 0)["dominant_strategy"] == 0.0
    assert structure_features("mixed_motive_high_punishment", 1)["dominant_strategy"] == 1.0


def test_regression_drops_constant_and_caps_predictors() -> None:
    games = [(s.id, r) for s in list_games() if s.kind != "tree" for r in s.roles]
    rng = np.random.default_rng(5)
    rows = [
        {"entry": "m", "game_id": g, "role": r, REASONING: rng.uniform(0, 1), "y": rng.normal()}
        for g, r in games
    ]
    frame = with_features(pd.DataFrame(rows))
    reg = regress(frame, "y", [REASONING, *FEATURES])
    assert "sequential" not in set(reg.term)  # constant: no sequential game here
    clusters = frame.family.nunique()
    assert len(reg) - 1 <= clusters - 2  # at most G - 2 predictors besides the intercept
    assert reg.term.iloc[1] == REASONING


PLANTED = "social_dilemma"


def _policy(model: str, game_id: str, role: int, n: int) -> tuple[Sequence[float], int]:
    strategy, _ = uniform_policy(model, game_id, role, n)
    h = hashlib.sha256(f"{model}|{game_id}|{role}".encode()).digest()
    return strategy, 50 + h[0] * 8  # reasoning length unrelated to anything


def _outcome(model: str, game_id: str, role: int) -> float:
    return 0.3 + 0.3 * structure_features(game_id, role)[PLANTED]


def test_planted_structure_effect_is_found_and_reasoning_length_is_not(tmp_path: Path) -> None:
    """Payoff (share of the payoff range) is 0.3 + 0.3·social_dilemma + noise in every game,
    whatever the reasoning length; the analysis names the feature and not the length."""
    path = tmp_path / "planted.db"
    games = [s.id for s in list_games() if s.kind not in ("tree", "guess")]  # tables only
    write_synthetic_store(path, ["m/a", "m/b"], games, 10, seed=0, policy=_policy, outcome=_outcome)
    lb = build_leaderboard(path, n_boot=200)
    results = {en.key: en.structure for en in lb.entries} | {POOLED: lb.pooled}
    for name, res in results.items():
        assert res is not None, name
        corr = res.correlations[res.correlations.outcome == "norm_ref"].set_index("predictor")
        reg = res.regressions[res.regressions.outcome == "norm_ref"].set_index("term")
        assert corr.q[PLANTED] < 0.01, name
        assert reg.p[PLANTED] < 0.01, name
        assert corr.q[REASONING] > 0.05, name
        assert reg.p[REASONING] > 0.01, name
        features = corr.loc[list(FEATURES)].rho.abs()
        assert features.idxmax() == PLANTED, name
        assert abs(reg.coef[PLANTED]) > 5 * abs(reg.coef[REASONING]), name
    verdict = results[POOLED].reasoning_verdict("norm_ref")
    assert verdict.startswith("Reasoning length does not matter") and PLANTED in verdict


def test_constant_outcomes_are_marked_and_not_analysed() -> None:
    # A failure rate of 0 in every game has nothing to explain: it gave SE 0.000 rows and a
    # p-value of 0.29 in the regression table. It is marked instead, and in neither table.
    from stratlens.results.leaderboard.html import structure_tables
    from stratlens.results.structure_analysis import analyze

    games = [(s.id, r) for s in list_games() if s.kind != "tree" for r in s.roles]
    rng = np.random.default_rng(2)
    rows = [
        {"entry": e, "game_id": g, "role": r, REASONING: rng.uniform(0, 1),
         "score": rng.uniform(0, 1), "failure_rate": 0.0, "norm_ref": 1.0}
        for e in ("m/a", "m/b") for g, r in games
    ]  # fmt: skip
    results = analyze(with_features(pd.DataFrame(rows)), n_boot=50, n_perm=100)
    for name, res in results.items():
        assert res.constant == {"failure_rate": 0.0, "norm_ref": 1.0}, name
        assert set(res.correlations.outcome) == set(res.regressions.outcome) == {"score"}, name
        assert res.reasoning_verdict("failure_rate").endswith("is 0 in every game.")
    page = structure_tables(results[POOLED])
    assert "Constant in every game, so not analysed: failure_rate = 0, norm_ref = 1." in page


def test_fit_values_are_shown_rounded_not_as_json() -> None:
    from stratlens.results.leaderboard.html import values_text

    values = {"tau": 1.5425131905263158, "gamma": 0.23000000000000001, "identified": False,
              "tau_ci": [0.7010339483911452, float("inf")],
              "weights": {"minimax": 0.1234567}}  # fmt: skip
    assert values_text(values) == (
        "gamma 0.23 · identified no · tau 1.54 · tau_ci [0.701, ∞] · weights (minimax 0.123)"
    )
