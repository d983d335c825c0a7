"""A first-price sealed-bid auction with private values, as an OpenSpiel Python game.

``python_stratlens_first_price_auction(v0=…,v1=…,v2=…)``: Goeree & Holt (2001, section III,
Tables 4-6). Chance draws each bidder's value, independently and with equal probability, from
{v0, v1, v2} (the paper's treasure {0, 2, 5}, its contradiction {0, 3, 6}); each bidder learns
its own value only. The two then bid at the same time, in whole dollars. The higher bid wins
the prize and pays its bid, so the winner gets its value minus its bid and the loser 0; equal
bids are settled by a coin flip (a second chance node, heads: bidder 1 wins).

Bids run from 0 to `MAX_BID` = 6 in both treatments. The paper does not print a bid range; 6
is the highest value of either treatment and the highest bid its Table 6 tabulates (one
subject bid 6 with value 6), so 0-6 holds every bid the paper reports, and the two treatments
of the pair offer the same options (their choice distributions are comparable option by
option). A bid above one's value can only lose money; such bids stay legal, as in the
paper's Tables 4 and 5, which price bids up to 5 for a bidder of value 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyspiel

from stratlens.games._pygame import python_game_type
from stratlens.games._sequential import StringObserver

MAX_BID = 6
BIDS = tuple(range(MAX_BID + 1))
HEADS, TAILS = 0, 1
_PARAMS: dict[str, Any] = {"v0": 0, "v1": 2, "v2": 5}
_TYPE = python_game_type(
    "python_stratlens_first_price_auction",
    "First-price sealed-bid auction, private values",
    simultaneous=True,
    chance=True,
    perfect_information=False,
    terminal_rewards=True,
    params=_PARAMS,
)


def payoff(value: float, bid: int, other_bid: int) -> float:
    """A bidder's expected dollars over the coin flip: value − bid if it wins, half on a tie."""
    if bid > other_bid:
        return float(value - bid)
    if bid == other_bid:
        return 0.5 * (value - bid)
    return 0.0


class FirstPriceAuctionGame(pyspiel.Game):  # type: ignore[misc]
    def __init__(self, params: dict[str, Any] | None = None) -> None:
        params = {**_PARAMS, **(params or {})}
        values = []
        for key in ("v0", "v1", "v2"):
            v = params[key]
            if isinstance(v, bool) or int(v) != v or not 0 <= int(v) <= MAX_BID:
                raise ValueError(f"{key} must be a whole number from 0 to {MAX_BID}, got {v!r}")
            values.append(int(v))
        if values != sorted(set(values)):
            raise ValueError(f"values must increase, got {values}")
        self.values = tuple(values)
        super().__init__(
            _TYPE,
            pyspiel.GameInfo(
                num_distinct_actions=len(BIDS),
                max_chance_outcomes=len(values),
                num_players=2,
                min_utility=float(-MAX_BID),
                max_utility=float(max(values)),
                utility_sum=None,
                max_game_length=5,
            ),
            params,
        )

    def new_initial_state(self) -> FirstPriceAuctionState:
        return FirstPriceAuctionState(self)

    def make_py_observer(self, iig_obs_type: Any = None, params: Any = None) -> Any:
        return StringObserver(perfect_recall=False)  # observation strings only

    def payoff_types(self) -> list[tuple[float, np.ndarray, np.ndarray]]:
        """Each pair of values (bidder 1's, bidder 2's) with its probability 1/9 and the two
        bidders' expected payoffs over the coin flip, rows = bidder 1's bids."""
        out = []
        p = 1.0 / len(self.values) ** 2
        for v1 in self.values:
            for v2 in self.values:
                a = np.array([[payoff(v1, x, y) for y in BIDS] for x in BIDS])
                b = np.array([[payoff(v2, y, x) for y in BIDS] for x in BIDS])
                out.append((p, a, b))
        return out


class FirstPriceAuctionState(pyspiel.State):  # type: ignore[misc]
    def __init__(self, game: FirstPriceAuctionGame) -> None:
        super().__init__(game)
        self._values = game.values  # plain data: a cloned state loses the game's attributes
        self._drawn: list[int] = []  # value indices, bidder 1's then bidder 2's
        self._bids: list[int] | None = None
        self._coin: int | None = None

    def value(self, player: int) -> int | None:
        """The player's value, once chance has drawn it."""
        return self._values[self._drawn[player]] if len(self._drawn) > player else None

    def _tied(self) -> bool:
        return self._bids is not None and self._bids[0] == self._bids[1]

    def current_player(self) -> int:
        if len(self._drawn) < 2:
            return int(pyspiel.PlayerId.CHANCE)
        if self._bids is None:
            return int(pyspiel.PlayerId.SIMULTANEOUS)
        if self._tied() and self._coin is None:
            return int(pyspiel.PlayerId.CHANCE)
        return int(pyspiel.PlayerId.TERMINAL)

    def _legal_actions(self, player: int) -> list[int]:
        return list(BIDS)

    def chance_outcomes(self) -> list[tuple[int, float]]:
        if len(self._drawn) < 2:
            return [(i, 1.0 / len(self._values)) for i in range(len(self._values))]
        return [(HEADS, 0.5), (TAILS, 0.5)]

    def _apply_action(self, action: int) -> None:
        if len(self._drawn) < 2:
            self._drawn.append(action)
        else:
            self._coin = action

    def _apply_actions(self, actions: list[int]) -> None:
        self._bids = list(actions)

    def _action_to_string(self, player: int, action: int) -> str:
        if player == pyspiel.PlayerId.CHANCE:
            if len(self._drawn) < 2:
                return f"bidder {len(self._drawn) + 1} value {self._values[action]}"
            return "coin: bidder 1 wins" if action == HEADS else "coin: bidder 2 wins"
        return f"bid {action}"

    def is_terminal(self) -> bool:
        return self._bids is not None and (not self._tied() or self._coin is not None)

    def returns(self) -> list[float]:
        if not self.is_terminal() or self._bids is None:
            return [0.0, 0.0]
        b = self._bids
        # the higher bid wins; equal bids: heads, bidder 1; tails, bidder 2
        winner = int(b[1] > b[0]) if b[0] != b[1] else int(self._coin == TAILS)
        out = [0.0, 0.0]
        value = self.value(winner)
        assert value is not None
        out[winner] = float(value - b[winner])
        return out

    def information_state_string(self, player: int) -> str:
        return self._observation(player)

    def observation_string(self, player: int) -> str:
        return self._observation(player)

    def _observation(self, player: int) -> str:
        values = ",".join(str(v) for v in self._values)
        own = self.value(player)
        seen = f"p{player} values={values} value={'?' if own is None else own}"
        if self._bids is not None:
            seen += f" bids={self._bids}"
        if self._coin is not None:
            seen += f" coin={self._coin}"
        return seen

    def __str__(self) -> str:
        return f"drawn={self._drawn} bids={self._bids} coin={self._coin}"


pyspiel.register_game(_TYPE, FirstPriceAuctionGame)


def _returns_after(state: Any, p: float, out: list[float]) -> None:
    """Add ``p`` times the expected returns of ``state`` (chance nodes averaged) to ``out``."""
    if state.is_terminal():
        r = state.returns()
        out[0] += p * r[0]
        out[1] += p * r[1]
        return
    assert state.is_chance_node(), "a decision node below the bids"
    for action, q in state.chance_outcomes():
        _returns_after(state.child(action), p * q, out)


def expected_bid_payoff(
    game: Any, player: int, value: int, bid: int, other: Sequence[Sequence[float]]
) -> float:
    """``player``'s expected payoff with ``value`` and ``bid`` when the other bidder bids by
    ``other[k]`` (a distribution over `BIDS`) at its k-th value, played out on the game's own
    states: chance's draw of the other's value, the bids and the coin flip."""
    root = game.new_initial_state()
    values = list(game.values)
    own = values.index(value)
    total = [0.0, 0.0]
    for k, q in root.chance_outcomes():
        draws = (own, k) if player == 0 else (k, own)
        state = root.child(draws[0]).child(draws[1])
        for other_bid, r in enumerate(other[k]):
            if r == 0:
                continue
            bids = [bid, other_bid] if player == 0 else [other_bid, bid]
            after = state.clone()
            after.apply_actions(bids)
            _returns_after(after, q * r, total)
    return total[player]
