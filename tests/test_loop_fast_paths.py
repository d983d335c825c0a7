"""The play loop's shortcuts give exactly what the general code gives: seeds, draws, views."""

from __future__ import annotations

import numpy as np

from stratlens._seeds import digest, stable_seed
from stratlens.agents.baseline import draw_index
from stratlens.games import decision_view, get_game
from stratlens.games._extract import _matrix_view


def test_integer_seeds_hash_as_their_json() -> None:
    rnd = np.random.default_rng(0)
    for n in range(6):
        for _ in range(200):
            parts = tuple(int(x) for x in rnd.integers(-(2**62), 2**62, size=n))
            assert stable_seed(*parts) == int(digest(*parts)[:16], 16) >> 1
    assert stable_seed(True, 1) == int(digest(True, 1)[:16], 16) >> 1  # a bool is not an int
    assert stable_seed(3, 0, 1) != stable_seed(3, 1, 0)


def test_draw_index_is_numpys_choice_and_leaves_the_same_stream() -> None:
    rnd = np.random.default_rng(1)
    for seed in range(3000):
        n = int(rnd.integers(1, 8))
        p = rnd.random(n) ** 3
        p[rnd.random(n) < 0.3] = 0.0
        p[0] += 1e-3
        p = p / p.sum()
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        assert int(a.choice(n, p=p)) == draw_index(b, [float(x) for x in p])
        assert a.random() == b.random()


def test_a_matrix_view_is_computed_once_and_equals_a_fresh_one() -> None:
    spec = get_game("cooperation_asymmetric")
    state = spec.game().new_initial_state()
    first, again = decision_view(spec, state, 1), decision_view(spec, state, 1)
    assert first is again and first == _matrix_view(spec, 1)
    assert decision_view(spec, state, 0) == _matrix_view(spec, 0) != first
