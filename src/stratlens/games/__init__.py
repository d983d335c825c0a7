"""The game library: a catalog of `GameSpec` over real `pyspiel.Game` objects.

Suites: ``jia2025`` (the 13 games of Jia et al. 2025 plus ``sw10``), ``classic`` (OpenSpiel's
matrix games and textbook games that separate the reasoning styles), ``sequential``
(ultimatum, trust, centipede), ``repeated`` (iterated games, fixed or random horizon) and
``goeree_holt`` (the treasure/contradiction pairs of Goeree & Holt 2001) and
``beauty_contest`` (the N-player p-beauty contest, a measure of depth of reasoning).

This package imports nothing of stratlens but `stratlens.errors`.
"""

from stratlens.games import (
    _catalog_beauty,
    _catalog_goeree_holt,
    _catalog_matrix,
    _catalog_repeated,
    _catalog_sequential,
    _catalog_textbook,
)
from stratlens.games._extract import (
    bimatrix,
    decision_view,
    guess_view,
    is_simultaneous,
    joint_history,
    matrix_view,
    payoff_types,
    shown_tables,
    tree_of,
)
from stratlens.games._replay import private_values, replay, sample_chance
from stratlens.games._spec import (
    FAMILIES,
    KINDS,
    GameSpec,
    get_game,
    iter_games,
    list_games,
    register,
    suites,
)
from stratlens.games.structure import describe, structure
from stratlens.games.views import (
    CHANCE,
    TERMINAL,
    DecisionView,
    GuessView,
    MatrixView,
    PayoffType,
    RepeatedView,
    TreeNode,
    TreeView,
)

del (
    _catalog_beauty,
    _catalog_goeree_holt,
    _catalog_matrix,
    _catalog_repeated,
    _catalog_sequential,
    _catalog_textbook,
)

__all__ = [
    "CHANCE",
    "FAMILIES",
    "KINDS",
    "TERMINAL",
    "DecisionView",
    "GameSpec",
    "GuessView",
    "MatrixView",
    "PayoffType",
    "RepeatedView",
    "TreeNode",
    "TreeView",
    "bimatrix",
    "decision_view",
    "describe",
    "get_game",
    "guess_view",
    "is_simultaneous",
    "iter_games",
    "joint_history",
    "list_games",
    "matrix_view",
    "payoff_types",
    "private_values",
    "register",
    "replay",
    "sample_chance",
    "shown_tables",
    "structure",
    "suites",
    "tree_of",
]
