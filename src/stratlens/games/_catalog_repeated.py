"""Suite ``repeated``: stage games of the classic suite played several rounds.

The fixed-horizon games use OpenSpiel's ``repeated_game`` transform. Every repeated game
declares ``params["stage"]`` (the id of its stage game in this catalog) and either
``params["horizon"]`` (number of rounds) or ``params["continue_probability"]`` (random stop).
"""

from __future__ import annotations

from functools import partial

import pyspiel

from stratlens.games import _random_stop
from stratlens.games._catalog_matrix import neutral_labels
from stratlens.games._spec import GameSpec, register

HORIZON = 10

_FIXED_RULES = (
    "The same two players play the game below for {n} rounds. In each round both choose at the "
    "same time; after each round both see what the other chose. Points add up over the rounds."
)

for _id, _title, _stage, _name in (
    ("iterated_prisoners_dilemma", "Iterated prisoner's dilemma", "prisoners_dilemma", "matrix_pd"),
    ("iterated_stag_hunt", "Iterated stag hunt", "stag_hunt", "matrix_sh"),
    ("iterated_chicken", "Iterated chicken", "chicken", "matrix_cd"),
):
    register(
        GameSpec(
            id=_id,
            title=f"{_title}, {HORIZON} rounds",
            family="repeated",
            suites=("repeated",),
            kind="repeated",
            build=partial(
                pyspiel.load_game, f"repeated_game(stage_game={_name}(),num_repetitions={HORIZON})"
            ),
            rules=_FIXED_RULES.format(n=HORIZON),
            action_labels=neutral_labels(2, 2),
            source=f"OpenSpiel `repeated_game` over `{_name}`",
            params={"stage": _stage, "horizon": HORIZON},
        )
    )

# --- random stop: an OpenSpiel Python game (registered by importing `_random_stop`) ---------
CONTINUE_PROBABILITY = 0.9
MAX_ROUNDS = 30
register(
    GameSpec(
        id="iterated_prisoners_dilemma_random_stop",
        title="Iterated prisoner's dilemma, random stop",
        family="repeated",
        suites=("repeated",),
        kind="repeated",
        build=lambda: pyspiel.load_game(
            f"{_random_stop.GAME_NAME}(stage_game=matrix_pd,"
            f"continue_probability={CONTINUE_PROBABILITY},max_rounds={MAX_ROUNDS})"
        ),
        rules=(
            "The same two players play the game below over several rounds. In each round both "
            "choose at the same time; after each round both see what the other chose. After "
            f"every round the game goes on to another round with probability "
            f"{CONTINUE_PROBABILITY:g} and ends otherwise, so nobody knows in advance which "
            f"round is the last; it ends for sure after {MAX_ROUNDS} rounds. Points add up over "
            "the rounds."
        ),
        action_labels=neutral_labels(2, 2),
        source="OpenSpiel `matrix_pd` as stage game; random stop as in "
        "`python_iterated_prisoners_dilemma`",
        params={
            "stage": "prisoners_dilemma",
            "horizon": None,
            "continue_probability": CONTINUE_PROBABILITY,
        },
    )
)
