"""Depth in the p-beauty contest: level-k readings and the cognitive-hierarchy τ, recovered
from guesses simulated at a known τ."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from stratlens.profiler.beauty import (
    Contest,
    ch_means,
    ch_probabilities,
    fit_ch,
    level_frequencies,
    level_points,
    level_reading,
    level_shares,
    simulate_ch,
)

THREE = Contest(3, Fraction(2, 3))


def test_level_points_game_and_classic() -> None:
    assert level_points(THREE, 3) == pytest.approx([50, 200 / 7, 800 / 49, 3200 / 343])
    assert level_points(THREE, 2, "classic") == pytest.approx([50, 100 / 3, 200 / 9])
    many = Contest(1000, Fraction(2, 3))  # r -> p as the players grow
    assert level_points(many, 2) == pytest.approx(level_points(many, 2, "classic"), rel=1e-3)


def test_level_reading_nearest_and_lower_on_a_tie() -> None:
    assert [level_reading(g, THREE) for g in (100, 50, 40, 29, 16, 9, 0)] == [0, 0, 0, 1, 2, 3, 6]
    classic = [level_reading(g, THREE, points="classic") for g in (33, 22, 15)]
    assert classic == [1, 2, 3]
    tie = (level_points(THREE, 1)[0] + level_points(THREE, 1)[1]) / 2
    assert level_reading(tie, THREE, levels=1) == 0
    assert level_shares([50, 29, 29, 16], THREE, levels=2) == [0.25, 0.5, 0.25]


def test_cognitive_hierarchy_model() -> None:
    f = level_frequencies(1.5)
    assert f.sum() == pytest.approx(1.0) and f[1] > f[0]
    mu = ch_means(1.5, THREE)
    assert mu[0] == 50 and mu[1] == pytest.approx(200 / 7)  # level 1 answers level 0
    assert mu[2] == pytest.approx(4 / 7 * (f[0] * 50 + f[1] * mu[1]) / (f[0] + f[1]))
    assert np.all(np.diff(mu) < 0)
    p = ch_probabilities(1.5, 3.0, THREE)
    assert p.sum() == pytest.approx(1.0)
    assert p[100] == pytest.approx(f[0] / 101)  # far from every level: level 0 alone
    assert 15 <= int(np.argmax(p)) <= 29  # levels >= 2 crowd together between 17 and 22


@pytest.mark.parametrize(("tau", "sigma"), [(0.5, 3.0), (1.5, 3.0), (3.0, 5.0)])
def test_fit_recovers_a_known_tau(tau: float, sigma: float) -> None:
    guesses = simulate_ch(tau, sigma, THREE, 1500, np.random.default_rng(11))
    fit = fit_ch(guesses, THREE)
    assert fit.n == 1500
    assert fit.tau == pytest.approx(tau, abs=0.25)
    assert fit.sigma == pytest.approx(sigma, rel=0.25)
    lo, hi = fit.tau_ci
    assert lo <= tau <= hi and hi - lo < 0.6


def test_fit_tells_apart_shallow_and_deep_guessers() -> None:
    rng = np.random.default_rng(2)
    shallow = fit_ch(simulate_ch(0.3, 3.0, THREE, 400, rng), THREE)
    deep = fit_ch(simulate_ch(2.5, 3.0, THREE, 400, rng), THREE)
    assert shallow.tau_ci[1] < deep.tau_ci[0]


def test_uniform_guesses_fit_level_zero() -> None:
    guesses = [int(g) for g in np.random.default_rng(4).integers(0, 101, 500)]
    fit = fit_ch(guesses, THREE)
    assert fit.tau < 0.3 and fit.tau_ci[0] == 0.0


def test_bad_guesses_are_refused() -> None:
    with pytest.raises(ValueError, match="no guesses"):
        fit_ch([], THREE)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        fit_ch([101], THREE)
