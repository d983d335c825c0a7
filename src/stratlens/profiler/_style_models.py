"""Each behavioural style as a noisy choice model over one decision's legal actions.

The noise-free part comes from `stratlens.agents.style_choice` (the same computation the
reference agents play). Two noise models:

``"tremble"`` (the default)
    ``(1 - eps) * probs + eps * uniform``: the style's own choice probabilities (with its tie
    rules: the fairer joint cell, the LP maximin in constant-sum games, reciprocity in repeated
    games), mixed with uniform play.
``"logit"``
    ``softmax(lam * values / scale)``: logit choice on the numbers the style ranks actions by
    (worst case, joint payoff, expected payoff against the prediction), with ``scale`` the
    decision's payoff range so that ``lam`` does not depend on the payoff units. It drops the
    styles' tie rules and, in repeated games, rests on the stage values.

``other`` is uniform over the legal actions under both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from stratlens.agents import style_choice
from stratlens.games import DecisionView, GuessView, MatrixView, RepeatedView, TreeNode, TreeView

FloatArray = npt.NDArray[np.float64]
Noise = Literal["tremble", "logit"]
NOISES: tuple[Noise, ...] = ("tremble", "logit")

#: The behavioural styles of ``reference/profiles.md``, ``other`` last.
STYLES: tuple[str, ...] = ("minimax", "trust_based", "belief_anticipation", "other")
MODELLED: tuple[str, ...] = STYLES[:-1]

#: Bounds of the noise parameter. A style stays distinguishable from uniform play: with more
#: noise than this, play is attributed to ``other`` rather than to a style.
TREMBLE_BOUNDS = (1e-3, 0.5)
LOGIT_BOUNDS = (2.0, 200.0)


@dataclass(frozen=True, eq=False)
class StyleBasis:
    """Noise-free numbers of every modelled style at one decision, over its legal actions."""

    legal: tuple[int, ...]
    probs: FloatArray  # (styles, actions): each style's choice probabilities
    values: FloatArray  # (styles, actions): what each style ranks actions by, scaled to ~[0, 1]


def _tree_range(node: TreeNode) -> tuple[float, float]:
    if node.is_terminal:
        assert node.payoffs is not None
        return min(node.payoffs), max(node.payoffs)
    spans = [_tree_range(c[3]) for c in node.children]
    return min(s[0] for s in spans), max(s[1] for s in spans)


def payoff_scale(view: DecisionView) -> float:
    """The range of payoffs at stake in the decision (1 when there is none)."""
    if isinstance(view, RepeatedView):
        view = view.stage
    if isinstance(view, MatrixView):
        cells = np.asarray([view.own, view.other], dtype=float)
        lo, hi = float(cells.min()), float(cells.max())
    elif isinstance(view, GuessView):  # a guess wins the prize, a share of it, or nothing
        lo, hi = 0.0, view.prize
    else:
        assert isinstance(view, TreeView)
        lo, hi = _tree_range(view.root)
    return hi - lo if hi > lo else 1.0


def components(depths: Sequence[int]) -> tuple[tuple[str, int], ...]:
    """The mixture's modelled components: (style, belief level) — minimax, trust_based, then
    belief_anticipation once per level in ``depths`` (the level is 0 for the other styles)."""
    return (
        ("minimax", 0),
        ("trust_based", 0),
        *(("belief_anticipation", int(d)) for d in depths),
    )


def style_basis(
    view: DecisionView,
    legal: Sequence[int],
    *,
    k: int = 2,
    depths: Sequence[int] | None = None,
) -> StyleBasis:
    """Each modelled component's probabilities and scaled values on ``legal`` (in that
    order): the three styles with belief at level ``k``, or with ``depths`` one belief row per
    level (`components`).

    A style that puts no mass on any legal action gets uniform probabilities there.
    """
    legal_t = tuple(int(a) for a in legal)
    scale = payoff_scale(view)
    rows = components((k,) if depths is None else depths)
    probs = np.zeros((len(rows), len(legal_t)))
    values = np.zeros((len(rows), len(legal_t)))
    for s, (style, level) in enumerate(rows):
        res = style_choice(style, view, k=level or k)  # type: ignore[arg-type]
        pos = {a: i for i, a in enumerate(res.actions)}
        for j, a in enumerate(legal_t):
            if a in pos:
                probs[s, j] = res.probs[pos[a]]
                values[s, j] = res.values[pos[a]] / scale
        total = probs[s].sum()
        probs[s] = probs[s] / total if total > 1e-12 else 1.0 / len(legal_t)
    return StyleBasis(legal_t, probs, values)


def noisy_probs(basis: StyleBasis, noise: Noise, param: float | FloatArray) -> FloatArray:
    """(styles incl. ``other``, actions): each style's choice probabilities under the noise;
    ``param`` is one noise parameter for every row or one per row of the basis."""
    n = len(basis.legal)
    uniform = np.full((1, n), 1.0 / n)
    param = np.asarray(param, dtype=float).reshape(-1, 1) if np.ndim(param) else param
    if noise == "tremble":
        styled = (1.0 - param) * basis.probs + param * uniform
    elif noise == "logit":
        z = param * basis.values
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        styled = e / e.sum(axis=1, keepdims=True)
    else:
        raise ValueError(f"unknown noise model {noise!r} (known: {', '.join(NOISES)})")
    out: FloatArray = np.vstack([styled, uniform])
    return out


def noise_bounds(noise: Noise) -> tuple[float, float]:
    if noise == "tremble":
        return TREMBLE_BOUNDS
    if noise == "logit":
        return LOGIT_BOUNDS
    raise ValueError(f"unknown noise model {noise!r} (known: {', '.join(NOISES)})")
