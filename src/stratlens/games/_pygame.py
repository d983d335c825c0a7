"""The `pyspiel.GameType` of stratlens's own OpenSpiel Python games: two players unless said
otherwise, general-sum unless said otherwise, string observations (no tensors); what differs
between them is passed in."""

from __future__ import annotations

from typing import Any

import pyspiel


def python_game_type(
    short_name: str,
    long_name: str,
    *,
    simultaneous: bool,
    chance: bool,
    perfect_information: bool,
    terminal_rewards: bool,
    params: dict[str, Any],
    players: tuple[int, int] = (2, 2),
    constant_sum: bool = False,
) -> Any:
    gt = pyspiel.GameType
    return gt(
        short_name=short_name,
        long_name=long_name,
        dynamics=gt.Dynamics.SIMULTANEOUS if simultaneous else gt.Dynamics.SEQUENTIAL,
        chance_mode=gt.ChanceMode.EXPLICIT_STOCHASTIC if chance else gt.ChanceMode.DETERMINISTIC,
        information=(
            gt.Information.PERFECT_INFORMATION
            if perfect_information
            else gt.Information.IMPERFECT_INFORMATION
        ),
        utility=gt.Utility.CONSTANT_SUM if constant_sum else gt.Utility.GENERAL_SUM,
        reward_model=gt.RewardModel.TERMINAL if terminal_rewards else gt.RewardModel.REWARDS,
        max_num_players=players[1],
        min_num_players=players[0],
        provides_information_state_string=True,
        provides_information_state_tensor=False,
        provides_observation_string=True,
        provides_observation_tensor=False,
        parameter_specification=params,
    )
