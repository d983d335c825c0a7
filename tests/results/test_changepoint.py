"""The phase-boundary detector on synthetic curves at the noise of a 30-trial evaluation."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from stratlens.results._changepoint_fits import wls
from stratlens.results.changepoint import Curve, _estimates, locate_boundary

STEPS = [0, 100, 200, 300, 400, 500, 600, 700, 800]
N = 30  # trials per checkpoint and metric
REPLICATES = 40


def _ramp(lo: float, hi: float, b: int) -> np.ndarray:
    """Rises linearly from lo to hi at checkpoint b, flat after."""
    return np.array([lo + (hi - lo) * min(c, b) / b for c in range(len(STEPS))])


def _rise_after(lo: float, hi: float, b: int) -> np.ndarray:
    """Flat at lo up to checkpoint b, then rises linearly to hi at the last one."""
    k = len(STEPS)
    return np.array([lo + (hi - lo) * max(c - b, 0) / (k - 1 - b) for c in range(k)])


def _curves(
    rng: np.random.Generator, valid: np.ndarray, legal: np.ndarray, payoff: np.ndarray
) -> list[Curve]:
    def trials(p: np.ndarray) -> list[np.ndarray]:
        return [rng.binomial(1, q, N) for q in p]

    return [
        Curve.from_samples("valid", "execution", trials(valid)),
        Curve.from_samples("legal", "execution", trials(legal)),
        Curve.from_samples("payoff", "strategy", trials(payoff)),
    ]


def _outcomes(make: object, replicates: int = REPLICATES) -> Counter[int | None]:
    found: Counter[int | None] = Counter()
    for seed in range(replicates):
        rng = np.random.default_rng(seed)
        valid, legal, payoff = make(rng)  # type: ignore[operator]
        found[locate_boundary(STEPS, _curves(rng, valid, legal, payoff), n_boot=0).step] += 1
    return found


@pytest.mark.parametrize("b", [3, 4, 5])
def test_planted_boundary_is_found_at_its_step(b: int) -> None:
    def make(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        return _ramp(0.2, 0.95, b), _ramp(0.4, 0.97, b), _rise_after(0.3, 0.8, b)

    found = _outcomes(make)
    truth = STEPS[b]
    exact = found[truth] / REPLICATES
    near = sum(v for k, v in found.items() if k is not None and abs(k - truth) <= 100)
    assert exact >= 0.75, found
    assert near / REPLICATES >= 0.9, found


def test_no_boundary_when_execution_never_saturates() -> None:
    def make(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        k = len(STEPS)
        return np.linspace(0.2, 0.95, k), np.linspace(0.4, 0.97, k), np.linspace(0.3, 0.6, k)

    found = _outcomes(make)
    assert found[None] / REPLICATES >= 0.95, found
    rng = np.random.default_rng(0)
    b = locate_boundary(STEPS, _curves(rng, *make(rng)), n_boot=0)
    assert b.step is None and "has not saturated" in b.reason


def test_no_boundary_when_strategy_does_not_pivot() -> None:
    def make(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        return _ramp(0.2, 0.95, 4), _ramp(0.4, 0.97, 4), np.full(len(STEPS), 0.4)

    found = _outcomes(make)
    assert found[None] / REPLICATES >= 0.85, found
    rng = np.random.default_rng(1)
    b = locate_boundary(STEPS, _curves(rng, *make(rng)), n_boot=0)
    assert b.step is None and "no pivot" in b.reason


def test_no_boundary_when_execution_is_saturated_from_the_start() -> None:
    def make(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        k = len(STEPS)
        return np.full(k, 0.95), np.full(k, 0.97), np.linspace(0.3, 0.8, k)

    found = _outcomes(make)
    assert found[None] / REPLICATES >= 0.85, found
    rng = np.random.default_rng(2)
    b = locate_boundary(STEPS, _curves(rng, *make(rng)), n_boot=0)
    assert b.step is None and "phase ① absent" in b.reason


def test_bootstrap_interval_covers_the_planted_step() -> None:
    rng = np.random.default_rng(5)
    curves = _curves(rng, _ramp(0.2, 0.95, 4), _ramp(0.4, 0.97, 4), _rise_after(0.3, 0.8, 4))
    b = locate_boundary(STEPS, curves, n_boot=200, seed=3)
    assert b.step == 400
    assert b.interval is not None and b.interval[0] <= 400 <= b.interval[1]
    assert b.found_share > 0.5
    assert [f.saturated_at for f in b.execution] == [4, 4]
    (strat,) = b.strategy
    assert strat.moving and strat.slope_after > 0
    # The same seed gives the same interval.
    again = locate_boundary(STEPS, curves, n_boot=200, seed=3)
    assert (again.interval, again.found_share) == (b.interval, b.found_share)


def test_strategy_curve_known_only_by_estimates() -> None:
    rng = np.random.default_rng(6)
    valid, legal = _ramp(0.2, 0.95, 4), _ramp(0.4, 0.97, 4)
    ex = _curves(rng, valid, legal, valid)[:2]
    regret = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.3, 0.2, 0.1])  # falls after step 400
    strat = Curve.from_estimates("regret", "strategy", regret, np.full(9, 0.03), False)
    b = locate_boundary(STEPS, [*ex, strat], n_boot=0)
    assert b.step == 400
    assert b.strategy[0].slope_after > 0  # oriented: a falling regret is an improvement
    flat = Curve.from_estimates("regret", "strategy", np.full(9, 0.5), np.full(9, 0.03), False)
    assert locate_boundary(STEPS, [*ex, flat], n_boot=0).step is None


def test_too_few_checkpoints_say_so() -> None:
    c = Curve.from_samples("valid", "execution", [np.ones(30)] * 3)
    b = locate_boundary([0, 1, 2], [c], n_boot=10)
    assert b.step is None and "too few checkpoints" in b.reason


def test_variance_of_a_saturated_binomial_point_is_not_zero() -> None:
    means, var = _estimates([np.ones(30), np.r_[np.ones(15), np.zeros(15)]], [np.ones(30)] * 2)
    p_full = 31 / 32  # add-one smoothed rate of 30/30
    assert means.tolist() == [1.0, 0.5]
    assert var[0] == pytest.approx(p_full * (1 - p_full) / 30)
    assert var[1] == pytest.approx(0.5 * 0.5 / 30)


def test_wls_by_hand() -> None:
    # A weighted mean: y = (1, 2, 4), w = (1, 1, 2). beta = (1 + 2 + 8) / 4 = 2.75;
    # chi2 = 1·1.75² + 1·0.75² + 2·1.25² = 6.75; var(beta) = 1 / Σw = 0.25 (known variances).
    beta, chi2, cov = wls(np.ones((3, 1)), np.array([1.0, 2.0, 4.0]), np.array([1.0, 1.0, 2.0]))
    assert beta == pytest.approx([2.75]) and chi2 == pytest.approx(6.75)
    assert cov.shape == (1, 1) and cov[0, 0] == pytest.approx(0.25)
    # A line through (0, 0), (1, 1), (2, 2) fits exactly, whatever the weights.
    beta, chi2, _ = wls(np.column_stack([np.ones(3), np.arange(3.0)]), np.arange(3.0), np.ones(3))
    assert beta == pytest.approx([0.0, 1.0], abs=1e-12) and chi2 == pytest.approx(0.0, abs=1e-20)
