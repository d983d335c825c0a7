"""Goeree & Holt (2001), section III: the first-price sealed-bid auction, treasure values
{0, 2, 5} and contradiction {0, 3, 6} (`stratlens.games._auction`).

Kind ``bayesian`` with ``params["private_values"]``: unlike the Bayesian coordination game,
each bidder observes its own draw, so its prompt and its decision view are those of its value
(`stratlens.games._extract.decision_view`); the game's ``payoff_types`` (the nine value pairs)
give the ex-ante tables that structure and metrics read. Bids 0-6 in both treatments (the
`stratlens.games._auction` docstring says why). The Bayesian Nash bids are 0, 1, 2 for the
low, middle and high value in both treatments (the paper's prediction, checked against the
game in ``tests/games/test_gh_auction.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pyspiel

from stratlens.games import _auction
from stratlens.games._spec import GameSpec, register

TREASURE_VALUES = (0, 2, 5)
CONTRADICTION_VALUES = (0, 3, 6)
LABELS = tuple(f"bid {b}" for b in _auction.BIDS)


def rules_text(values: tuple[int, ...]) -> str:
    listed = ", ".join(str(v) for v in values[:-1]) + f" or {values[-1]}"
    return (
        "You and the other player are the two bidders in a sealed-bid auction for one prize. "
        "Before bidding, each bidder's value for the prize is drawn at random, separately for "
        f"the two bidders: {listed} dollars, each with probability 1/{len(values)}. Each "
        "bidder learns its own value but not the other bidder's. Both bid at the same time, "
        "without seeing the other's bid. The game is played once; points are dollars."
    )


def payoff_rule_text() -> str:
    return (
        f"Each bidder bids a whole number of dollars from 0 to {_auction.MAX_BID}. The higher "
        "bid wins the prize: the winner gets its value minus its bid, and the other bidder "
        "gets 0. If the two bids are equal, a coin flip decides which bidder wins."
    )


def register_pair(
    suites: tuple[str, ...], source: str, params: Callable[..., dict[str, Any]]
) -> None:
    for values, role in ((TREASURE_VALUES, "treasure"), (CONTRADICTION_VALUES, "contradiction")):
        suffix = "".join(str(v) for v in values)
        game_string = (
            "python_stratlens_first_price_auction("
            + ",".join(f"v{i}={v}" for i, v in enumerate(values))
            + ")"
        )
        register(
            GameSpec(
                id=f"gh_auction_{suffix}",
                title=f"First-price auction, values {', '.join(map(str, values))}",
                family="bayesian",
                suites=suites,
                kind="bayesian",
                build=partial(pyspiel.load_game, game_string),
                rules=rules_text(values),
                action_labels=(LABELS, LABELS),
                source=f"{source}, section III, Tables 4-6 (values {values})",
                params={
                    **params(role, "gh_auction_025", f"values = {values}", (LABELS, LABELS)),
                    "ordered": True,
                    "private_values": list(values),
                },
                payoff_rule=payoff_rule_text(),
            )
        )


assert _auction.FirstPriceAuctionGame is not None  # importing it registers the game
