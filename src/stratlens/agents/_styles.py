"""The reasoning styles as choice models: one function per style and view shape.

`style_choice` computes, for any `DecisionView`, the probability vector a style puts on the
decider's actions together with the numbers its reasoning rests on (a `StyleResult`). The
definitions follow ``reference/profiles.md``:

============================  =============================================================
style                         matrix / tree / repeated
============================  =============================================================
``minimax``                   best worst case (LP maximin in constant-sum games without a
                              pure saddle point) / the other minimises my payoff / the stage
                              security action every round
``trust_based``               own part of the largest joint-payoff cell / every mover
                              maximises the joint payoff / reciprocity toward the joint cell
``belief_anticipation``       level-k best response (k=2 by default) / level-k on the tree /
                              fictitious play, stage prediction in a known final round
``nash``                      selected Nash equilibrium / subgame perfection / stage Nash
``qre``                       logit QRE at precision ``lam`` / agent QRE / stage QRE
``random``                    uniform
============================  =============================================================

On a guess of the p-beauty contest (`GuessView`) see `stratlens.agents._styles_guess`.

Every function is pure: the same view gives the same result.
"""

from __future__ import annotations

from stratlens.agents._choice import (
    STYLES,
    BeliefChoice,
    EquilibriumChoice,
    FloatArray,
    MinimaxChoice,
    RepeatedChoice,
    Style,
    StyleResult,
    TreeChoice,
    TrustChoice,
)
from stratlens.agents._styles_guess import (
    guess_belief,
    guess_minimax,
    guess_nash,
    guess_qre,
    guess_random,
    guess_trust,
)
from stratlens.agents._styles_matrix import (
    matrix_belief,
    matrix_minimax,
    matrix_nash,
    matrix_qre,
    matrix_random,
    matrix_trust,
)
from stratlens.agents._styles_repeated import (
    repeated_belief,
    repeated_minimax,
    repeated_nash,
    repeated_qre,
    repeated_random,
    repeated_trust,
)
from stratlens.agents._styles_tree import (
    tree_belief,
    tree_minimax,
    tree_nash,
    tree_qre,
    tree_random,
    tree_trust,
)
from stratlens.games.views import DecisionView, GuessView, MatrixView, RepeatedView, TreeView

DEFAULT_LEVEL = 2
DEFAULT_LAM = 1.0


def style_choice(
    style: Style, view: DecisionView, *, k: int = DEFAULT_LEVEL, lam: float = DEFAULT_LAM
) -> StyleResult:
    """What ``style`` chooses at ``view``; ``k`` is the belief level, ``lam`` the QRE precision."""
    if k < 1:
        raise ValueError(f"belief level k must be at least 1, got {k}")
    if not lam > 0.0:
        raise ValueError(f"QRE precision lam must be positive, got {lam}")
    if isinstance(view, MatrixView):
        if style == "minimax":
            return matrix_minimax(view)
        if style == "trust_based":
            return matrix_trust(view)
        if style == "belief_anticipation":
            return matrix_belief(view, k)
        if style == "nash":
            return matrix_nash(view)
        if style == "qre":
            return matrix_qre(view, lam)
        if style == "random":
            return matrix_random(view)
    elif isinstance(view, TreeView):
        if style == "minimax":
            return tree_minimax(view)
        if style == "trust_based":
            return tree_trust(view)
        if style == "belief_anticipation":
            return tree_belief(view, k)
        if style == "nash":
            return tree_nash(view)
        if style == "qre":
            return tree_qre(view, lam)
        if style == "random":
            return tree_random(view)
    elif isinstance(view, RepeatedView):
        if style == "minimax":
            return repeated_minimax(view)
        if style == "trust_based":
            return repeated_trust(view)
        if style == "belief_anticipation":
            return repeated_belief(view, k)
        if style == "nash":
            return repeated_nash(view)
        if style == "qre":
            return repeated_qre(view, lam)
        if style == "random":
            return repeated_random(view)
    elif isinstance(view, GuessView):
        if style == "minimax":
            return guess_minimax(view)
        if style == "trust_based":
            return guess_trust(view)
        if style == "belief_anticipation":
            return guess_belief(view, k)
        if style == "nash":
            return guess_nash(view)
        if style == "qre":
            return guess_qre(view, lam)
        if style == "random":
            return guess_random(view)
    raise ValueError(f"no style {style!r} for a {type(view).__name__}")


__all__ = [
    "DEFAULT_LAM",
    "DEFAULT_LEVEL",
    "STYLES",
    "BeliefChoice",
    "EquilibriumChoice",
    "FloatArray",
    "MinimaxChoice",
    "RepeatedChoice",
    "Style",
    "StyleResult",
    "TreeChoice",
    "TrustChoice",
    "matrix_belief",
    "matrix_minimax",
    "matrix_nash",
    "matrix_qre",
    "matrix_random",
    "matrix_trust",
    "repeated_belief",
    "repeated_minimax",
    "repeated_nash",
    "repeated_qre",
    "repeated_random",
    "repeated_trust",
    "style_choice",
    "tree_belief",
    "tree_minimax",
    "tree_nash",
    "tree_qre",
    "tree_random",
    "tree_trust",
]
