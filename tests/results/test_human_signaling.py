"""The signaling game's human rows against §IV of Goeree & Holt (2001), and the leaderboard's
per-state comparison (the sender's type, the responder's signal) read back from a real store.

Counts are transcribed from ``reference/human_baselines.md`` §10, not from the data module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import stratlens
from stratlens.results import load_decisions, load_episodes
from stratlens.results.human import human_row, human_rows
from stratlens.results.human._goeree_holt_2001 import SIGNALING_DENIED
from stratlens.results.leaderboard import build_leaderboard

T, K = "gh_signaling_treasure", "gh_signaling_contradiction"
# (game, role, context) -> (counts per action, n) [P]
PRINTED = {
    (T, 0, "type A"): ((3, 7), 10),  # 7 of 10 sent Right
    (K, 0, "type A"): ((3, 10), 13),  # 10 of 13 sent Right
    (K, 0, "type B"): ((9, 2), 11),  # 9 of 11 sent Left
}


@pytest.mark.parametrize("cell", sorted(PRINTED))
def test_sender_rows_are_the_printed_counts(cell: tuple[str, int, str]) -> None:
    counts, n = PRINTED[cell]
    row = human_row(*cell)
    assert row is not None and row.usable and row.n == n
    assert tuple(round(s * n) for s in row.shares) == counts


def test_unprinted_numbers_are_marked_or_left_out() -> None:
    b = human_row(T, 0, "type B")
    assert b is not None and not b.usable and b.n is None and b.shares == (1.0, 0.0)
    for signal in ("signal Left", "signal Right"):  # "All responses in this game were C"
        row = human_row(T, 1, signal)
        assert row is not None and row.usable and row.shares == (1.0, 0.0, 0.0) and row.n is None
        assert human_row(K, 1, signal) is None  # only the Denied counts are printed
    assert SIGNALING_DENIED == {"signal Left": (6, 12), "signal Right": (2, 12)}
    rows = [r for r in human_rows("goeree_holt_2001") if r.game_id in (T, K)]
    assert len(rows) == 6 and all(r.context for r in rows)
    assert human_row(T, 0) is None  # no row for the role as a whole


# Table 7's outcomes of a type A sender (every pair differs from all of type B's) [P]
TYPE_A_OUTCOMES = {(300, 300), (0, 0), (500, 300), (450, 900), (150, 150), (1000, 300)}


def test_leaderboard_compares_each_type_and_signal(tmp_path: Path) -> None:
    store = str(tmp_path / "s.db")
    stratlens.evaluate("baseline/belief", games=[T, K], episodes=16, store=store)
    eps, dec = load_episodes(store), load_decisions(store, include_opponents=True)
    h = build_leaderboard(store, n_boot=100).human["baseline/belief"]
    cells = {(c.game_id, c.role, c.context): c for c in h.cells}
    assert (T, 0, "type B") not in cells  # the unusable row is never compared
    # each sender episode counted in the type it drew, read here off the treasure's outcomes
    senders = eps[(eps.game_id == T) & (eps.role == 0)]
    type_a = sum(tuple(int(x) for x in r) in TYPE_A_OUTCOMES for r in senders.returns)
    assert 0 < type_a < 16 and cells[(T, 0, "type A")].distance.choices == type_a
    # each responder episode counted in the signal it saw: the sender's stored move
    sent = dec[(dec.game_id == T) & (dec.role == 1) & (dec.step == 0)]
    for s, name in enumerate(("Left", "Right")):
        seen = int((sent.action == s).sum())
        cell = cells.get((T, 1, f"signal {name}"))
        assert (cell.distance.choices if cell else 0) == seen
    # the belief agent (level 2) expects C everywhere: type A sends Right in both games
    assert cells[(T, 0, "type A")].distance.total_variation.value == pytest.approx(0.3)
    assert cells[(K, 0, "type A")].distance.total_variation.value == pytest.approx(3 / 13)
    # and type B Right in the contradiction (450 > 300), away from people's 9 of 11 Left
    assert cells[(K, 0, "type B")].distance.total_variation.value == pytest.approx(9 / 11)
    # the shift of the one state with a usable row in both games: type A, 7/10 -> 10/13 Right
    (moved,) = [x for x in h.shifts if x.treasure == T]
    assert (moved.role, moved.context, moved.ordered) == (0, "type A → type A", False)
    assert moved.human_move == pytest.approx(10 / 13 - 7 / 10)
    assert moved.model_move == 0.0 and moved.shift.direction == "no clear shift"


def test_peoples_styles_read_each_type_and_signal_at_its_view() -> None:
    from stratlens.results.human.styles import human_game_profile, state_view

    def left_c(game_id: str) -> tuple[float, ...] | None:
        root = state_view(game_id, 0, "type B").root  # type: ignore[union-attr]
        (left, *_) = root.children
        return left[3].children[0][3].payoffs  # type: ignore[no-any-return]

    # Type B's own payoff (Table 7: 500, Table 8: 300); the responder's under the prior
    assert left_c("gh_signaling_treasure") == (500.0, (300.0 + 500.0) / 2)
    assert left_c("gh_signaling_contradiction") == (300.0, 300.0)
    reply = state_view("gh_signaling_contradiction", 1, "signal Left").root  # type: ignore[union-attr]
    assert reply.player == 1 and [c[1] for c in reply.children] == ["C", "D", "E"]
    people = human_game_profile("goeree_holt_2001", "gh_signaling_contradiction")
    assert people is not None and people.n_decisions == 13 + 11  # type A and type B senders
