"""Framings: the same payoffs told three ways (``--framing``).

- ``neutral``: today's prompt, a payoff table and nothing else.
- ``story``: a short story that gives the players and their options a setting (a hunt, a price
  war, an investment, a contest), chosen by the game's family.
- ``name``: the game's famous name (``the prisoner's dilemma``), or its family's.

Only the words before the table change: the table, the option labels (``row 0``), the answer
format and every number stay the same, so a choice that changes with the framing changed with
the words. Framings apply to matrix games; other kinds keep the neutral prompt whatever the
framing.
"""

from __future__ import annotations

from stratlens.games._spec import GameSpec

FRAMINGS = ("neutral", "story", "name")

#: Famous names of catalog games, by id; a game without one gets its family's.
NAMES = {
    "prisoners_dilemma": "the prisoner's dilemma",
    "stag_hunt": "the stag hunt",
    "battle_of_the_sexes": "the battle of the sexes",
    "chicken": "the game of chicken",
    "matching_pennies": "matching pennies",
    "rock_paper_scissors": "rock, paper, scissors",
    "pure_coordination": "a pure coordination game",
    "kreps_game": "the Kreps game",
    "secure_outside_option": "a coordination game with a secure outside option",
    "safe_or_rely": "Rosenthal's game of relying on the other's self-interest",
    "three_level_stag_hunt": "a stag hunt with a middle option",
    "travelers_dilemma": "the traveler's dilemma",
    "sw10": "Stahl and Wilson's game 10",
    "gh_travelers_dilemma_r180": "the traveler's dilemma",
    "gh_travelers_dilemma_r5": "the traveler's dilemma",
    "gh_matching_pennies": "matching pennies",
    "gh_matching_pennies_320": "asymmetric matching pennies",
    "gh_matching_pennies_44": "asymmetric matching pennies",
    "gh_coordination_x0": "a coordination game with a secure outside option",
    "gh_coordination_x400": "a coordination game with a secure outside option",
    "gh_minimum_effort_c01": "the minimum-effort coordination game",
    "gh_minimum_effort_c09": "the minimum-effort coordination game",
    "gh_kreps_treasure": "the Kreps game",
    "gh_kreps_basic": "the Kreps game",
    "gh_kreps_positive": "the Kreps game",
}
FAMILY_NAMES = {
    "competitive": "a competitive game in the spirit of matching pennies",
    "cooperation": "a stag hunt",
    "mixed_motive": "a prisoner's dilemma",
    "coordination": "a coordination game",
}
STORIES = {
    "competitive": (
        "The story: a penalty kick. Player 1 is the kicker and Player 2 the goalkeeper; each "
        "option is a side to aim at or to dive to, chosen at the same moment, and the points "
        "are what the shot is worth to each."
    ),
    "cooperation": (
        "The story: a hunt. Two hunters set out at dawn and each decides, alone, which quarry "
        "to go after; some quarry can only be caught together. The points are each hunter's "
        "share of the day's catch."
    ),
    "mixed_motive": (
        "The story: a price war. Two shops sell the same goods on one street and each sets "
        "its price for the week without knowing the other's; each option is a price policy, "
        "and the points are each shop's profit."
    ),
    "coordination": (
        "The story: an investment. Two partners each decide, without talking, where to put "
        "their money in a joint venture; the venture pays off only when their plans fit. The "
        "points are each partner's return."
    ),
}


def framing_text(spec: GameSpec, framing: str) -> str:
    """The words a framing adds to ``spec``'s prompt ('' for neutral and non-matrix games)."""
    if framing not in FRAMINGS:
        raise ValueError(f"unknown framing {framing!r} (known: {', '.join(FRAMINGS)})")
    if framing == "neutral" or spec.kind != "matrix":
        return ""
    if framing == "name":
        name = NAMES.get(spec.id) or FAMILY_NAMES.get(spec.family, "a two-player game")
        return f"This game is known as {name}."
    return STORIES.get(spec.family, "")
