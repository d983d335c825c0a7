"""The style computations on hand-checked games: matrices, trees, repeated rounds."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from stratlens.agents._styles import (
    STYLES,
    matrix_belief,
    matrix_minimax,
    matrix_nash,
    matrix_qre,
    matrix_trust,
    repeated_belief,
    repeated_trust,
    style_choice,
    tree_belief,
    tree_minimax,
    tree_nash,
    tree_qre,
    tree_trust,
)
from stratlens.games import (
    CHANCE,
    TERMINAL,
    MatrixView,
    RepeatedView,
    TreeNode,
    TreeView,
    get_game,
    list_games,
    matrix_view,
)


def view_of(cells: list[list[tuple[float, float]]], player: int) -> MatrixView:
    a = np.asarray([[c[0] for c in row] for row in cells], dtype=float)
    b = np.asarray([[c[1] for c in row] for row in cells], dtype=float)
    own, other = (a, b) if player == 0 else (b.T, a.T)

    def t(m: np.ndarray) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(float(v) for v in r) for r in m)

    return MatrixView(t(own), t(other), tuple(range(own.shape[0])), tuple(range(own.shape[1])))


# --- matrix --------------------------------------------------------------------------------


def test_stag_hunt_of_the_paper() -> None:
    v = matrix_view(get_game("cooperation_baseline"), 0)  # (8,8) (0,7) / (7,0) (5,5)
    mm = matrix_minimax(v)
    assert mm.values.tolist() == [0.0, 5.0] and mm.modal() == (1,) and mm.floor == 5.0
    assert mm.worst_reply == (1, 1) and not mm.mixed
    tr = matrix_trust(v)
    assert tr.modal() == (0,) and tr.cells == ((0, 0),) and tr.cell_payoffs == (8.0, 8.0)
    # level 2: the other, facing a uniform me, expects 4 from column 0 and 6 from column 1
    be = matrix_belief(v, 2)
    assert be.other_values is not None and be.other_values.tolist() == [4.0, 6.0]
    assert be.prediction.tolist() == [0.0, 1.0]
    assert be.values.tolist() == [0.0, 5.0] and be.modal() == (1,)
    # level 1: best reply to a uniform other, 4 vs 6
    be1 = matrix_belief(v, 1)
    assert be1.values.tolist() == [4.0, 6.0] and be1.other_values is None and be1.modal() == (1,)
    # Nash: three equilibria, (0, 0) pays the most in total
    ne = matrix_nash(v)
    assert ne.n_equilibria == 3 and ne.modal() == (0,) and ne.expected == (8.0, 8.0)


def test_competitive_baseline_player1() -> None:
    v = matrix_view(get_game("competitive_baseline"), 0)
    mm = matrix_minimax(v)
    assert mm.values.tolist() == [-5.0, -10.0, -5.0]
    assert mm.probs.tolist() == [0.5, 0.0, 0.5] and mm.floor == -5.0
    # the other's averages against a uniform me: 0, 0, 8/3 → it plays column 2
    be = matrix_belief(v)
    assert be.other_values is not None
    assert np.allclose(be.other_values, [0.0, 0.0, 8 / 3])
    assert be.values.tolist() == [-5.0, 8.0, -5.0] and be.modal() == (1,)
    # best joint payoff 5 in cells (0, 1) and (1, 1), both as unfair; own payoff breaks the tie
    assert matrix_trust(v).modal() == (1,)


@pytest.mark.parametrize("player", [0, 1])
def test_prisoners_dilemma_all_styles(player: int) -> None:
    v = matrix_view(get_game("prisoners_dilemma"), player)  # (5,5) (0,10) / (10,0) (1,1)
    assert style_choice("minimax", v).modal() == (1,)
    assert style_choice("trust_based", v).modal() == (0,)
    assert style_choice("belief_anticipation", v).modal() == (1,)
    assert style_choice("nash", v).probs.tolist() == [0.0, 1.0]
    assert style_choice("random", v).probs.tolist() == [0.5, 0.5]
    q = matrix_qre(v, 1.0)
    assert 0.5 < q.probs[1] < 1.0  # defects more often, not always
    # the fixed point: each side's logit response to the other
    assert np.allclose(q.probs, _softmax(1.0 * q.values), atol=1e-8)


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max())
    out: np.ndarray = z / z.sum()
    return out


def test_minimax_mixes_in_zero_sum_without_saddle_point() -> None:
    v = matrix_view(get_game("rock_paper_scissors"), 0)
    mm = matrix_minimax(v)
    assert mm.mixed and abs(mm.floor) < 1e-9
    assert np.allclose(mm.probs, 1 / 3)
    # a constant-sum game with a pure saddle point keeps the pure security action
    saddle = view_of([[(3, -3), (5, -5)], [(1, -1), (4, -4)]], 0)
    assert matrix_minimax(saddle).modal() == (0,) and not matrix_minimax(saddle).mixed
    # skewed matching pennies: the LP mix beats every pure worst case (-1)
    skew = view_of([[(3, -3), (-1, 1)], [(-1, 1), (1, -1)]], 0)
    ms = matrix_minimax(skew)
    assert ms.mixed and np.allclose(ms.probs, [1 / 3, 2 / 3]) and np.isclose(ms.floor, 1 / 3)


def test_qre_limits_on_asymmetric_matching_pennies() -> None:
    # Goeree & Holt (2001): Nash has the row player at 1/2 and the column player at 1/8
    cells = [[(320.0, 40.0), (40.0, 80.0)], [(40.0, 80.0), (80.0, 40.0)]]
    row = view_of(cells, 0)
    near_uniform = matrix_qre(row, 1e-6)
    assert np.allclose(near_uniform.probs, 0.5, atol=1e-3)
    sharp = matrix_qre(row, 5.0)
    assert np.allclose(sharp.probs, [0.5, 0.5], atol=0.01)
    assert np.allclose(sharp.other_strategy, [1 / 8, 7 / 8], atol=0.01)
    # at moderate precision the row player over-plays its big payoff (own-payoff effect)
    mid = matrix_qre(row, 0.02)
    assert mid.probs[0] > 0.6
    assert np.allclose(mid.probs, _softmax(0.02 * mid.values), atol=1e-8)
    # matching pennies itself: uniform at any precision
    mp = matrix_view(get_game("matching_pennies"), 1)
    assert np.allclose(matrix_qre(mp, 50.0).probs, 0.5)


def _disjoint(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return not set(a) & set(b)


def test_classic_suite_separates_every_pair_of_styles() -> None:
    styles = ("minimax", "trust_based", "belief_anticipation")
    separated: dict[tuple[str, str], set[str]] = {p: set() for p in combinations(styles, 2)}
    for spec in list_games("classic"):
        for player in (0, 1):
            v = matrix_view(spec, player)
            modal = {s: style_choice(s, v).modal() for s in styles}  # type: ignore[arg-type]
            for s, t in separated:
                if _disjoint(modal[s], modal[t]):
                    separated[(s, t)].add(spec.id)
    for pair, games in separated.items():
        assert len(games) >= 3, (pair, games)
    # the three-level stag hunt separates all three, for both players
    for player in (0, 1):
        v = matrix_view(get_game("three_level_stag_hunt"), player)
        picks = [style_choice(s, v).modal() for s in styles]  # type: ignore[arg-type]
        assert picks == [(2,), (0,), (1,)]


def test_textbook_games_as_designed() -> None:
    kreps = get_game("kreps_game")
    col = matrix_view(kreps, 1)
    assert matrix_minimax(col).modal() == (2,) and matrix_minimax(col).floor == 30.0
    assert matrix_trust(col).modal() == (0,) and matrix_belief(col).modal() == (0,)
    row = matrix_view(kreps, 0)
    assert matrix_trust(row).modal() == (0,) and matrix_belief(row).modal() == (1,)
    safe = matrix_view(get_game("safe_or_rely"), 0)
    assert matrix_minimax(safe).modal() == (0,)  # 9 for sure
    assert matrix_belief(safe).values.tolist() == [9.0, 10.0]  # the other takes its 5
    secure = matrix_view(get_game("secure_outside_option"), 1)
    assert matrix_minimax(secure).modal() == (2,) and matrix_belief(secure).modal() == (1,)
    td = matrix_view(get_game("travelers_dilemma"), 0)
    assert matrix_nash(td).n_equilibria == 1 and matrix_nash(td).modal() == (0,)
    assert matrix_trust(td).modal() == (2,) and matrix_belief(td).modal() == (0,)


@pytest.mark.parametrize("style", STYLES)
def test_every_style_gives_a_distribution_on_every_one_shot_game(style: str) -> None:
    for spec in list_games("classic") + list_games("jia2025"):
        if spec.kind not in ("matrix", "bayesian", "signaling"):
            continue
        for player in (0, 1):
            r = style_choice(style, matrix_view(spec, player))  # type: ignore[arg-type]
            assert np.isclose(r.probs.sum(), 1.0) and (r.probs >= 0).all()
            assert len(r.probs) == len(r.values) == len(r.actions)


# --- trees ---------------------------------------------------------------------------------


def leaf(a: float, b: float) -> TreeNode:
    return TreeNode(TERMINAL, payoffs=(a, b))


def respond(accept: tuple[float, float]) -> TreeNode:
    return TreeNode(1, ((0, "accept", None, leaf(*accept)), (1, "reject", None, leaf(0, 0))))


# an ultimatum game with a sure option: take 2 each, offer 1 (5 / 1), offer 4 (4 / 4)
ULTIMATUM = TreeView(
    TreeNode(
        0,
        (
            (0, "take the sure 2", None, leaf(2, 2)),
            (1, "offer 1", None, respond((5, 1))),
            (2, "offer 4", None, respond((4, 4))),
        ),
    ),
    player=0,
)


def test_ultimatum_tree_separates_the_styles() -> None:
    mm = tree_minimax(ULTIMATUM)
    assert mm.values.tolist() == [2.0, 0.0, 0.0] and mm.modal() == (0,)
    assert mm.replies == (None, "reject", "reject")
    tr = tree_trust(ULTIMATUM)
    assert tr.values.tolist() == [4.0, 6.0, 8.0] and tr.modal() == (2,)
    assert tr.outcomes[2] == (4.0, 4.0)
    be = tree_belief(ULTIMATUM, 2)  # the responder accepts anything positive
    assert be.values.tolist() == [2.0, 5.0, 4.0] and be.modal() == (1,)
    assert be.replies == (None, "accept", "accept")
    be1 = tree_belief(ULTIMATUM, 1)  # a uniform responder: 2, 2.5, 2
    assert be1.values.tolist() == [2.0, 2.5, 2.0] and be1.replies == (None, None, None)
    assert tree_nash(ULTIMATUM).modal() == (1,)
    q = tree_qre(ULTIMATUM, 1.0)
    accept = 1 / (1 + np.exp(-1.0))  # the responder's logit acceptance of 1 vs 0
    assert np.isclose(q.values[1], 5 * accept)
    assert np.allclose(q.probs, _softmax(q.values))


def test_tree_chance_and_trust_tie_breaks() -> None:
    tails = TreeNode(1, ((0, "grab", None, leaf(0, 4)), (1, "share", None, leaf(2, 2))))
    gamble = TreeNode(CHANCE, ((0, "heads", 0.5, leaf(6, 0)), (1, "tails", 0.5, tails)))
    view = TreeView(
        TreeNode(0, ((0, "gamble", None, gamble), (1, "sure", None, leaf(2.5, 2.5)))), 0
    )
    # the worst case averages over chance: 0.5 * 6 + 0.5 * 0
    assert tree_minimax(view).values.tolist() == [3.0, 2.5]
    assert tree_minimax(view).modal() == (0,)
    # trust: grab and share both total 4, share is fairer; gamble and sure both total 5,
    # sure is fairer
    tr = tree_trust(view)
    assert tr.outcomes[0] == (4.0, 1.0) and tr.values.tolist() == [5.0, 5.0]
    assert tr.modal() == (1,)


def test_tree_belief_levels_in_a_centipede() -> None:
    last = TreeNode(0, ((0, "take", None, leaf(16, 4)), (1, "pass", None, leaf(8, 32))))
    mid = TreeNode(1, ((0, "take", None, leaf(2, 8)), (1, "pass", None, last)))
    view = TreeView(TreeNode(0, ((0, "take", None, leaf(4, 1)), (1, "pass", None, mid))), 0)
    assert tree_nash(view).modal() == (0,)
    assert tree_minimax(view).values.tolist() == [4.0, 2.0]
    assert tree_trust(view).modal() == (1,)
    # level 2: the other (level 1) expects a coin flip at my last node (18 > 8) and passes;
    # I take at my last node: 16
    b2 = tree_belief(view, 2)
    assert b2.values.tolist() == [4.0, 16.0] and b2.replies == (None, "pass")
    # level 3: the other expects me to take at the end (4 < 8) and takes at once
    b3 = tree_belief(view, 3)
    assert b3.values.tolist() == [4.0, 2.0] and b3.modal() == (0,) and b3.replies[1] == "take"


def test_second_mover_tree() -> None:
    view = TreeView(respond((5, 1)), player=1)
    assert tree_minimax(view).modal() == (0,)  # accept: 1 > 0 for the decider itself
    assert tree_belief(view).modal() == (0,)


# --- repeated ------------------------------------------------------------------------------


def rview(gid: str, history: list[tuple[int, int]], horizon: int | None = 10) -> RepeatedView:
    stage = matrix_view(get_game(gid), 0)
    return RepeatedView(stage, tuple(history), len(history), horizon)


def test_trust_reciprocates_and_punishes_for_one_round() -> None:
    assert repeated_trust(rview("prisoners_dilemma", [])).modal() == (0,)
    kept = repeated_trust(rview("prisoners_dilemma", [(0, 0)]))
    assert kept.reason == "reciprocate" and kept.modal() == (0,)
    hit = repeated_trust(rview("prisoners_dilemma", [(0, 0), (0, 1)]))
    assert hit.reason == "punish" and hit.modal() == (1,) and hit.last_other == 1
    back = repeated_trust(rview("prisoners_dilemma", [(0, 0), (0, 1), (1, 0)]))
    assert back.reason == "reciprocate" and back.modal() == (0,)


def test_belief_plays_against_the_history_and_the_last_round() -> None:
    # stag hunt (2,2) (0,1) / (1,0) (1,1): stag is worth 2p against stag frequency p
    often = repeated_belief(rview("stag_hunt", [(0, 0), (0, 0), (0, 1)]))
    assert often.reason == "history" and np.allclose(often.values, [4 / 3, 1.0])
    assert often.modal() == (0,)
    rarely = repeated_belief(rview("stag_hunt", [(0, 1), (0, 1), (0, 0)]))
    assert np.allclose(rarely.values, [2 / 3, 1.0]) and rarely.modal() == (1,)
    # the paper's stag hunt, always stag so far: stag while the game goes on, and in the known
    # last round the other's stage incentive (hare) decides
    history = [(0, 0)] * 9
    going = repeated_belief(
        RepeatedView(rview("cooperation_baseline", []).stage, tuple(history[:5]), 5, 10)
    )
    assert going.modal() == (0,)
    final = repeated_belief(rview("cooperation_baseline", history))
    assert final.reason == "final" and final.modal() == (1,)
    assert final.prediction is not None and final.prediction.tolist() == [0.0, 1.0]
    # no history: the level-1 prediction of the stage game
    first = repeated_belief(rview("cooperation_baseline", []))
    assert first.reason == "prior" and first.modal() == (1,)


def test_a_belief_trace_says_so_when_best_replies_tie() -> None:
    import numpy as np

    from stratlens.agents._choice import BeliefChoice
    from stratlens.agents._traces import Names, write_trace

    names = Names(mine=lambda a: f"row {a}", theirs=lambda j: f"column {j}")

    def trace(values: list[float], seed: int) -> str:
        best = np.array([float(v == max(values)) for v in values])
        choice = BeliefChoice(
            "belief_anticipation",
            (0, 1, 2),
            best / best.sum(),
            np.array(values),
            level=2,
            other_actions=(0, 1),
            prediction=np.array([1.0, 0.0]),
            other_values=np.array([4.0, 1.0]),
        )
        return write_trace(choice, int(np.argmax(best)), names, np.random.default_rng(seed))

    for seed in range(20):
        tied = trace([5.0, 5.0, 2.0], seed)
        assert "row 0 and row 1" in tied.lower() and ("equally well" in tied or "tie at 5" in tied)
        assert "does best" not in tied and "The best response is" not in tied
        single = trace([5.0, 3.0, 2.0], seed)
        assert "equally well" not in single and "tie at" not in single
