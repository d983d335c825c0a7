"""Suite ``beauty_contest``: the p-beauty contest (Nagel 1995) as the classic measure of depth
of reasoning.

N players guess a whole number from 0 to 100 at once; the guesses nearest p times the average
share a prize of 100 points (`stratlens.games._beauty`). For p < 1 the only equilibrium is
everyone guessing 0; people's first guesses sit far above it, at the few steps of "p times
what the others guess" they take. The model is Player 1; the other N - 1 players are the run's
``--opponent`` (a reference agent: ``baseline/belief(k=1)`` for level-1 players,
``baseline/ch(tau=1.5)`` for a cognitive-hierarchy population, each player's level drawn apart).

``params``: ``players``, ``p`` (as text, "2/3"), ``p_num``/``p_den``, ``max_guess``,
``prize`` and ``ordered`` (the options are numbers in order). Human numbers (Nagel's first
rounds) are known here only from secondary sources (``../shared/reference/human_baselines.md``,
row a: unverified) and are not shown as a human reference.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pyspiel

from stratlens.games import _beauty
from stratlens.games._guessing import fraction_text
from stratlens.games._spec import GameSpec, register

SUITE = ("beauty_contest",)
MAX_GUESS = 100
PRIZE = 100

RULES_TEMPLATE = (
    "All {n} players choose at the same time, without seeing the others' choices. The game is "
    "played once."
)


def payoff_rule(players: int, p: Fraction, max_guess: int = MAX_GUESS, prize: int = PRIZE) -> str:
    return (
        f"Each player chooses a guess: a whole number from 0 to {max_guess}. The target is "
        f"{fraction_text(p)} of the average of all {players} guesses (yours included). The "
        f"player whose guess is nearest the target gets {prize} points; if several guesses are "
        f"equally near, they share the {prize} points equally. Everyone else gets 0 points."
    )


def beauty_contest(game_id: str, players: int, p: Fraction) -> GameSpec:
    params: dict[str, Any] = {
        "players": players,
        "p": fraction_text(p),
        "p_num": p.numerator,
        "p_den": p.denominator,
        "max_guess": MAX_GUESS,
        "prize": PRIZE,
        "ordered": True,
    }
    game_string = (
        f"python_stratlens_beauty_contest(players={players},p_num={p.numerator},"
        f"p_den={p.denominator},max_guess={MAX_GUESS},prize={PRIZE})"
    )
    labels = tuple(f"guess {g}" for g in range(MAX_GUESS + 1))
    return register(
        GameSpec(
            id=game_id,
            title=f"p-beauty contest, {players} players, p = {fraction_text(p)}",
            family="competitive",
            suites=SUITE,
            kind="guess",
            build=lambda: pyspiel.load_game(game_string),
            rules=RULES_TEMPLATE.format(n=players),
            action_labels=(labels,) * players,
            roles=(0,),
            source="Nagel (1995), AER 85(5):1313-1326 (rules); one round, no feedback",
            params=params,
            payoff_rule=payoff_rule(players, p),
        )
    )


beauty_contest("beauty_contest", 3, Fraction(2, 3))
beauty_contest("beauty_contest_p12", 3, Fraction(1, 2))
beauty_contest("beauty_contest_n7", 7, Fraction(2, 3))

del _beauty  # imported for its registration with OpenSpiel
