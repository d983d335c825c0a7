"""The play loop's shortcuts give exactly what the general code gives: seeds, draws, views."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from stratlens._draws import Draws, _NumpyDraws, draws
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


def test_draws_are_numpys_default_rng_bit_for_bit() -> None:
    rnd = np.random.default_rng(2)
    seeds = [0, 1, 2**32 - 1, 2**32, 2**63 - 1, 2**64 - 1]
    seeds += [int(x) for x in rnd.integers(0, 2**63, size=1500)]
    seeds += [int(x) for x in rnd.integers(0, 2**20, size=500)]
    for seed in seeds:
        a, b = np.random.default_rng(seed), Draws(seed)
        assert a.random() == b.random()
        for j in range(10):  # small ranges as the traces pick, and large ones (rejections)
            high = int(rnd.integers(1, 6)) if j % 4 else int(rnd.integers(2**31, 2**32 + 1))
            assert int(a.integers(high)) == b.integers(high), (seed, high)
        assert a.random() == b.random()  # the 32-bit halves left aside, as numpy does
        assert int(a.integers(2**32)) == b.integers(2**32)  # numpy's own path: no rejection
    assert isinstance(draws(2**64), _NumpyDraws) and isinstance(draws(5), Draws)
    big, ref = draws(2**70), np.random.default_rng(2**70)
    assert (big.random(), big.integers(3)) == (ref.random(), int(ref.integers(3)))
    with pytest.raises(ValueError, match="2\\*\\*64"):
        Draws(-1)


def test_a_tree_view_is_one_object_per_state_and_player() -> None:
    spec = get_game("centipede")
    state = spec.game().new_initial_state()
    first = decision_view(spec, state, state.current_player())
    assert decision_view(spec, state, state.current_player()) is first
    state.apply_action(state.legal_actions()[-1])
    nxt = decision_view(spec, state, state.current_player())
    assert nxt is not first and nxt.player == state.current_player()


def test_ids_of_plain_strings_and_integers_hash_as_their_json() -> None:
    rnd = np.random.default_rng(3)
    alphabet = [*'ab"\\\n\t/é€😀\x00\x1f ', "prisoners_dilemma", "run"]
    for _ in range(2000):
        parts: list[object] = []
        for _ in range(int(rnd.integers(0, 6))):
            if rnd.random() < 0.5:
                parts.append(int(rnd.integers(-(2**62), 2**62)))
            else:
                parts.append("".join(rnd.choice(alphabet, size=int(rnd.integers(0, 5)))))
        text = json.dumps(parts, sort_keys=True, default=str).encode()
        assert digest(*parts) == hashlib.sha256(text).hexdigest()
        assert stable_seed(*parts) == int(hashlib.sha256(text).hexdigest()[:16], 16) >> 1
    assert (
        digest("run", {"b": 1, "a": [2.5]}, None)
        == hashlib.sha256(json.dumps(["run", {"a": [2.5], "b": 1}, None]).encode()).hexdigest()
    )
