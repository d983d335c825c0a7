"""The signaling game of Goeree & Holt (2001, section IV), as an OpenSpiel Python game.

``python_stratlens_gh_signaling(b_left_c=…)``: chance draws the sender's type, A or B, each
with probability 1/2 (the paper's die); the sender (player 1) learns it and sends a signal,
Left or Right; the responder (player 2) sees the signal but not the type and chooses C, D or E
(the paper's Concede, Deny, Evade, shown as letters only). Payoffs are the paper's, in cents,
(sender, responder), Tables 7 and 8 (p.1415). The two treatments differ in one cell: type B,
Left, C pays (500, 500) in the treasure (Table 7, the default) and (300, 300) in the
contradiction (Table 8); ``b_left_c`` is that cell's payoff to both players.

The paper's appendix instructions (Table A, signal I = Left, S = Right) print type A / Left /
E as (500, 350); Tables 7 and 8 print (500, 300). This game uses Tables 7 and 8.

The responder's information state is the signal alone: states that differ only in the type
give it the same string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyspiel

from stratlens.games._pygame import python_game_type
from stratlens.games._sequential import StringObserver
from stratlens.games.views import TERMINAL, TreeNode, TreeView

TYPES = ("A", "B")
SIGNALS = ("Left", "Right")
RESPONSES = ("C", "D", "E")
Cell = tuple[int, int]
#: PAYOFFS[type][signal][response] = (sender, responder), Table 7 (treasure).
TREASURE: tuple[tuple[tuple[Cell, ...], ...], ...] = (
    (((300, 300), (0, 0), (500, 300)), ((450, 900), (150, 150), (1000, 300))),
    (((500, 500), (300, 450), (300, 0)), ((450, 0), (0, 300), (0, 150))),
)
TREASURE_B_LEFT_C = 500
CONTRADICTION_B_LEFT_C = 300
_PARAMS: dict[str, Any] = {"b_left_c": TREASURE_B_LEFT_C}
_TYPE = python_game_type(
    "python_stratlens_gh_signaling",
    "Signaling game with two sender types (Goeree & Holt 2001)",
    simultaneous=False,
    chance=True,
    perfect_information=False,
    terminal_rewards=True,
    params=_PARAMS,
)


def payoff_table(b_left_c: int) -> tuple[tuple[tuple[Cell, ...], ...], ...]:
    """Table 7 with type B / Left / C set to (b_left_c, b_left_c) (Table 8: 300)."""
    b_left = ((b_left_c, b_left_c), *TREASURE[1][0][1:])
    return (TREASURE[0], (b_left, TREASURE[1][1]))


class SignalingGame(pyspiel.Game):  # type: ignore[misc]
    def __init__(self, params: dict[str, Any] | None = None) -> None:
        params = {**_PARAMS, **(params or {})}
        v = params["b_left_c"]
        if isinstance(v, bool) or int(v) != v:
            raise ValueError(f"b_left_c must be a whole number of cents, got {v!r}")
        self.table = payoff_table(int(v))
        flat = [x for t in self.table for s in t for cell in s for x in cell]
        super().__init__(
            _TYPE,
            pyspiel.GameInfo(
                num_distinct_actions=len(RESPONSES),
                max_chance_outcomes=len(TYPES),
                num_players=2,
                min_utility=float(min(flat)),
                max_utility=float(max(flat)),
                utility_sum=None,
                max_game_length=3,
            ),
            params,
        )

    def new_initial_state(self) -> SignalingState:
        return SignalingState(self)

    def make_py_observer(self, iig_obs_type: Any = None, params: Any = None) -> Any:
        return StringObserver(perfect_recall=False)  # observation strings only


class SignalingState(pyspiel.State):  # type: ignore[misc]
    def __init__(self, game: SignalingGame) -> None:
        super().__init__(game)
        self._table = game.table  # plain data: a cloned state loses the game's attributes
        self._moves: list[int] = []  # type, signal, response

    @property
    def sender_type(self) -> int | None:
        return self._moves[0] if self._moves else None

    @property
    def signal(self) -> int | None:
        return self._moves[1] if len(self._moves) > 1 else None

    def current_player(self) -> int:
        if not self._moves:
            return int(pyspiel.PlayerId.CHANCE)
        if len(self._moves) == 3:
            return int(pyspiel.PlayerId.TERMINAL)
        return len(self._moves) - 1

    def _legal_actions(self, player: int) -> list[int]:
        return list(range(len(SIGNALS) if player == 0 else len(RESPONSES)))

    def chance_outcomes(self) -> list[tuple[int, float]]:
        return [(t, 1.0 / len(TYPES)) for t in range(len(TYPES))]

    def _apply_action(self, action: int) -> None:
        self._moves.append(int(action))

    def _action_to_string(self, player: int, action: int) -> str:
        if player == pyspiel.PlayerId.CHANCE:
            return f"type {TYPES[action]}"
        return SIGNALS[action] if player == 0 else RESPONSES[action]

    def is_terminal(self) -> bool:
        return len(self._moves) == 3

    def returns(self) -> list[float]:
        if not self.is_terminal():
            return [0.0, 0.0]
        t, s, r = self._moves
        return [float(x) for x in self._table[t][s][r]]

    def information_state_string(self, player: int) -> str:
        return self._observation(player)

    def observation_string(self, player: int) -> str:
        return self._observation(player)

    def _observation(self, player: int) -> str:
        seen = f"p{player}"
        if player == 0:
            t = self.sender_type
            seen += f" type={'?' if t is None else TYPES[t]}"
        s = self.signal
        seen += f" signal={'?' if s is None else SIGNALS[s]}"
        if self.is_terminal():
            seen += f" response={RESPONSES[self._moves[2]]}"
        return seen

    def __str__(self) -> str:
        return f"moves={self._moves}"

    def decision_tree(self, player: int) -> TreeView:
        """``player``'s decision as it knows it. The sender sees its own type's payoffs and,
        for the responder, the payoffs the responder expects under the prior (it does not see
        the type); the responder sees the signal's outcomes expected under the prior 1/2, 1/2
        (the sender's strategy is not known to it), the same view whatever the true type."""
        if self.current_player() != player:
            raise ValueError(f"player {player} does not move here")

        def prior(s: int, r: int, who: int) -> float:
            return sum(self._table[t][s][r][who] for t in range(len(TYPES))) / len(TYPES)

        def replies(s: int, own: int | None) -> tuple[tuple[int, str, None, TreeNode], ...]:
            return tuple(
                (
                    r,
                    RESPONSES[r],
                    None,
                    TreeNode(
                        TERMINAL,
                        payoffs=(
                            float(self._table[own][s][r][0]) if own is not None else prior(s, r, 0),
                            prior(s, r, 1),
                        ),
                    ),
                )
                for r in range(len(RESPONSES))
            )

        if player == 1:
            assert self.signal is not None
            return TreeView(root=TreeNode(1, replies(self.signal, None)), player=1)
        t = self.sender_type
        children = tuple(
            (s, SIGNALS[s], None, TreeNode(1, replies(s, t))) for s in range(len(SIGNALS))
        )
        return TreeView(root=TreeNode(0, children), player=0)


pyspiel.register_game(_TYPE, SignalingGame)

#: A sender strategy: type -> distribution over signals; a responder strategy: signal ->
#: distribution over responses.
Strategy = Mapping[int, Sequence[float]]


def expected_returns(game: Any, sender: Strategy, responder: Strategy) -> dict[int, list[float]]:
    """Each type's expected (sender, responder) returns under the two strategies, played out
    on the game's own states (the type drawn at the root, then the signal and the response)."""
    out: dict[int, list[float]] = {}
    root = game.new_initial_state()
    for t, _ in root.chance_outcomes():
        total = [0.0, 0.0]
        typed = root.child(t)
        for s, p in enumerate(sender[t]):
            for r, q in enumerate(responder[s]):
                if p * q:
                    ret = typed.child(s).child(r).returns()
                    total = [total[0] + p * q * ret[0], total[1] + p * q * ret[1]]
        out[t] = total
    return out


def is_equilibrium(
    game: Any, sender: Strategy, responder: Strategy, tol: float = 1e-9
) -> tuple[bool, str]:
    """Whether no type of sender and no responder after a signal sent with positive
    probability gains by a pure deviation (a Nash equilibrium of the game; an unsent signal's
    response is left to `best_replies`). Returns the verdict and the first gain found."""
    base = expected_returns(game, sender, responder)
    for t in sender:
        for s in range(len(SIGNALS)):
            pure = {**sender, t: [1.0 if k == s else 0.0 for k in range(len(SIGNALS))]}
            gain = expected_returns(game, pure, responder)[t][0] - base[t][0]
            if gain > tol:
                return False, f"type {TYPES[t]} gains {gain:g} by sending {SIGNALS[s]}"
    root = game.new_initial_state()
    for s in range(len(SIGNALS)):
        belief = [0.5 * sender[t][s] for t in range(len(TYPES))]
        if sum(belief) == 0:
            continue
        pays = best_replies(root, s, [b / sum(belief) for b in belief])[1]
        now = sum(q * pays[r] for r, q in enumerate(responder[s]))
        if max(pays) - now > tol:
            return False, f"the responder gains {max(pays) - now:g} after {SIGNALS[s]}"
    return True, ""


def best_replies(root: Any, signal: int, belief: Sequence[float]) -> tuple[list[int], list[float]]:
    """The responder's best responses to ``signal`` under ``belief`` (type -> probability),
    and its expected payoff of each response, read from the game's states below ``root``."""
    pays = [
        sum(b * root.child(t).child(signal).child(r).returns()[1] for t, b in enumerate(belief))
        for r in range(len(RESPONSES))
    ]
    best = max(pays)
    return [r for r, v in enumerate(pays) if best - v < 1e-9], pays


def pure_equilibria(game: Any) -> list[tuple[tuple[int, int], tuple[int, int], list[float]]]:
    """Every perfect Bayesian equilibrium in pure strategies: (type A's and type B's signal,
    the reply to Left and to Right, the ex-ante expected returns). A Nash equilibrium
    (`is_equilibrium`) whose reply to an unsent signal is a best reply to some belief about
    the type. The type is drawn at the root and the responder's information sets join the two
    types, so the game is its own only subgame."""
    out = []
    n_s, n_r = len(SIGNALS), len(RESPONSES)
    root = game.new_initial_state()
    for a in range(n_s):
        for b in range(n_s):
            sender = {0: _one(a, n_s), 1: _one(b, n_s)}
            for left in range(n_r):
                for right in range(n_r):
                    replies = (left, right)
                    unsent = [s for s in range(n_s) if s not in (a, b)]
                    if not all(justified(root, s, replies[s]) for s in unsent):
                        continue
                    responder = {0: _one(left, n_r), 1: _one(right, n_r)}
                    if is_equilibrium(game, sender, responder)[0]:
                        ret = expected_returns(game, sender, responder)
                        mean = [sum(ret[t][p] for t in ret) / len(ret) for p in (0, 1)]
                        out.append(((a, b), replies, mean))
    return out


def justified(root: Any, signal: int, reply: int) -> bool:
    """Whether ``reply`` to ``signal`` is a best reply to some belief that the type is B with
    probability q in [0, 1]. The payoffs are linear in q, so the beliefs to try are the ends
    and the points where two replies pay the same."""
    ends = [best_replies(root, signal, [1.0 - q, q])[1] for q in (0.0, 1.0)]
    qs = {0.0, 1.0}
    for i in range(len(RESPONSES)):
        for j in range(i):
            slope = (ends[1][i] - ends[0][i]) - (ends[1][j] - ends[0][j])
            if slope:
                q = (ends[0][j] - ends[0][i]) / slope
                if 0.0 <= q <= 1.0:
                    qs.add(q)
    return any(reply in best_replies(root, signal, [1.0 - q, q])[0] for q in sorted(qs))


def _one(k: int, n: int) -> list[float]:
    return [1.0 if i == k else 0.0 for i in range(n)]
