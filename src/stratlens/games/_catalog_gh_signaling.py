"""Goeree & Holt (2001), section IV: the signaling game, treasure (Table 7) and contradiction
(Table 8), `stratlens.games._gh_signaling`.

Kind ``tree`` with ``params["sender_types"]``: a chance move (the sender's type), then the
sender's signal, then the responder's reply to the signal alone. Each player's prompt shows
both types' payoff tables and what that player knows: the sender its own type, the responder
the signal and the prior; its decision view is `SignalingState.decision_tree` (never the
true type for the responder). Payoffs are Tables 7 and 8 as printed; the appendix's (500, 350)
for type A / Left / E is not used (the game module says why). The treasure has a separating
equilibrium (A sends Right, B Left, C to both) and one pooling on Left; the contradiction has
pooling equilibria only (checked against the game in ``tests/games/test_gh_signaling.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pyspiel

from stratlens.games import _gh_signaling as sig
from stratlens.games._spec import GameSpec, register

TREASURE_ID = "gh_signaling_treasure"
CONTRADICTION_ID = "gh_signaling_contradiction"
LABELS = (sig.SIGNALS, sig.RESPONSES)

RULES = (
    "Before play, chance draws Player 1's type, A or B, each with probability 1/2. Player 1 "
    "learns its type and then sends a signal, Left or Right. Player 2 sees the signal but not "
    "the type, and then chooses C, D or E. The game is played once; points are cents."
)


def payoff_rule_text(b_left_c: int) -> str:
    """Both types' tables: rows the signal, columns Player 2's reply."""
    table = sig.payoff_table(b_left_c)
    parts = ["Each cell shows (Player 1's points, Player 2's points)."]
    for t, name in enumerate(sig.TYPES):
        lines = [
            f"If Player 1's type is {name}:",
            "",
            "| signal | " + " | ".join(sig.RESPONSES) + " |",
            "|---" * (len(sig.RESPONSES) + 1) + "|",
        ]
        for s, signal in enumerate(sig.SIGNALS):
            cells = " | ".join(f"({a}, {b})" for a, b in table[t][s])
            lines.append(f"| {signal} | {cells} |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def known_line(state: Any, player: int) -> str:
    """What ``player`` knows at its decision: its type (sender) or the signal (responder)."""
    if player == 0:
        t = state.sender_type
        if t is None:
            raise ValueError("Player 1's type has not been drawn yet")
        return f"Your type is {sig.TYPES[t]}."
    s = state.signal
    if s is None:
        raise ValueError("Player 1 has not sent a signal yet")
    return (
        f"Player 1 sent the signal {sig.SIGNALS[s]}. You do not see Player 1's type; "
        "each type had probability 1/2."
    )


def context_of(state: Any, player: int) -> str:
    """The information state a human row is kept for: ``"type A"`` or ``"signal Left"``."""
    if player == 0:
        return f"type {sig.TYPES[state.sender_type]}"
    return f"signal {sig.SIGNALS[state.signal]}"


def register_pair(
    suites: tuple[str, ...], source: str, params: Callable[..., dict[str, Any]]
) -> None:
    for game_id, b_left_c, role, table in (
        (TREASURE_ID, sig.TREASURE_B_LEFT_C, "treasure", 7),
        (CONTRADICTION_ID, sig.CONTRADICTION_B_LEFT_C, "contradiction", 8),
    ):
        register(
            GameSpec(
                id=game_id,
                title=f"Signaling game, type B / Left / C pays ({b_left_c}, {b_left_c})",
                family="signaling",
                suites=suites,
                kind="tree",
                build=partial(
                    pyspiel.load_game, f"python_stratlens_gh_signaling(b_left_c={b_left_c})"
                ),
                rules=RULES,
                action_labels=LABELS,
                source=f"{source}, section IV, Table {table} (p.1415)",
                params={
                    **params(
                        role, TREASURE_ID, f"type B / Left / C = ({b_left_c}, {b_left_c})", LABELS
                    ),
                    "sender_types": list(sig.TYPES),
                },
                payoff_rule=payoff_rule_text(b_left_c),
            )
        )


assert sig.SignalingGame is not None  # importing it registers the game
