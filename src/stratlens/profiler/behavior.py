"""Behavioural reasoning styles from choices alone: a finite mixture of noisy style models.

Public entry point (used by ``stratlens profile``)::

    frame = load_decisions(store, run=run, include_opponents=True)
    profiles = behavior_profile(frame, noise="tremble")   # -> dict[model, StyleProfile]
    profiles["openai/gpt-4o"].weights   # {"minimax": .., "trust_based": ..,
                                        #  "belief_anticipation": .., "other": ..}
    profiles["openai/gpt-4o"].fit.verdict   # does any mixture of the styles fit at all?

Each style of ``reference/profiles.md`` (``minimax``, ``trust_based``,
``belief_anticipation`` at depths 2 and 3; ``other`` = uniform) is a choice model with noise
(`stratlens.profiler._style_models`: by default the style's own choice probabilities mixed
with uniform play, ``(1 - eps) * probs + eps / n``; or logit on the style's values, one
precision per style). A model's decisions over all its games are explained as a finite mixture
``sum_s w_s p_s(action)`` fitted by maximum likelihood (`stratlens.profiler._mixture`):
``w_s`` is the weight of each style, the share of decisions the style accounts for, with the
belief weight split by depth. Uniform play is read as the styles' own tremble up to
``eps = 0.5`` and as ``other`` beyond (the likelihood cannot tell the two apart: see
`_mixture`), so a noisy minimax player is minimax. Each profile carries a likelihood-ratio
test against the saturated per-(game, role) model (`stratlens.profiler._gof`; with ``draws``,
its parametric-bootstrap p-value, `_fit_bootstrap`) and 95% intervals on the weights:
profile-likelihood intervals with tremble noise (`_fit_profile`), basic parametric-bootstrap
intervals with logit noise (with ``draws``).

Only the subject's decisions with a legal action (``parse_status == "ok"``) are fitted; their
views are rebuilt from the stored rows (`stratlens.profiler._replay`). A game informs the
profile only where the styles predict different actions: `diagnostic_power` measures it per
game, role and pair of styles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from stratlens.games import (
    CHANCE,
    DecisionView,
    TreeNode,
    TreeView,
    decision_view,
    get_game,
    list_games,
    matrix_view,
)
from stratlens.profiler._fit_bootstrap import BootstrapDraws, bootstrap
from stratlens.profiler._fit_profile import profile_intervals
from stratlens.profiler._gof import FitTest, fit_test
from stratlens.profiler._mixture import Prepared, fit_mixture, free_parameters
from stratlens.profiler._replay import ONE_SHOT_KINDS, decision_views
from stratlens.profiler._style_models import (
    MODELLED,
    NOISES,
    STYLES,
    Noise,
    StyleBasis,
    components,
    noisy_probs,
    style_basis,
)

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_K = 2
#: The belief-anticipation depths fitted: level 2 (the other best-responds to a uniform me)
#: and level 3 (it expects me to be level 2). Level 1 (best reply to a uniform other) reads
#: only one's own payoffs and is no opponent model (``reference/profiles.md``: `other`). On the
#: classic suite level 4 chooses as level 2 and level 5 as level 3 in every cell, so a level-k
#: player (k >= 2) is belief anticipation at depth 2 or 3, the depth read modulo that cycle.
DEFAULT_DEPTHS = (2, 3)
#: Below this belief weight a profile names no depth.
DEPTH_MIN_WEIGHT = 0.1


@dataclass(frozen=True)
class StyleProfile:
    """The behavioural profile of one model: style weights, each style's noise, the depth of
    its belief anticipation and how well the mixture fits."""

    model: str
    weights: dict[str, float]
    noise: dict[str, float]  # per modelled style: tremble ε (one for all) or logit λ_s
    noise_model: str
    loglik: float
    n_decisions: int
    games: tuple[str, ...]
    depths: tuple[int, ...] = DEFAULT_DEPTHS
    #: Share of the belief-anticipation weight at each depth (NaN when that weight is 0).
    depth_weights: dict[int, float] | None = None
    fit: FitTest | None = None  # the goodness-of-fit test of the mixture (`_gof`)
    #: Each weight's 95% interval (None when not computed).
    intervals: dict[str, tuple[float, float]] | None = None
    #: How: ``profile likelihood`` (tremble noise) or ``basic bootstrap`` (logit, with draws).
    interval_method: str | None = None
    #: The bootstrap refits behind the fit test's p-value (with draws; not stored).
    bootstrap: BootstrapDraws | None = field(default=None, repr=False, compare=False)

    @property
    def dominant(self) -> str:
        """The style of largest weight."""
        return max(self.weights, key=lambda s: self.weights[s])

    @property
    def depth(self) -> int | None:
        """The belief depth of largest share; None when belief anticipation has less than
        `DEPTH_MIN_WEIGHT` of the weight (its split by depth then rests on a few choices)."""
        if self.weights.get("belief_anticipation", 0.0) < DEPTH_MIN_WEIGHT:
            return None
        shares = {d: w for d, w in (self.depth_weights or {}).items() if w == w}
        return max(shares, key=lambda d: shares[d]) if shares else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "weights": dict(self.weights),
            "noise": dict(self.noise),
            "noise_model": self.noise_model,
            "loglik": self.loglik,
            "n_decisions": self.n_decisions,
            "games": list(self.games),
            "depths": list(self.depths),
            "depth_weights": None
            if self.depth_weights is None
            else {str(d): w for d, w in self.depth_weights.items()},
            "depth": self.depth,
            "fit": None if self.fit is None else self.fit.to_dict(),
            "intervals": None
            if self.intervals is None
            else {s: list(v) for s, v in self.intervals.items()},
            "interval_method": self.interval_method,
        }


class _Bases:
    """`style_basis` per (view, legal actions), computed once."""

    def __init__(self, depths: Sequence[int]) -> None:
        self.depths = tuple(depths)
        self.memo: dict[tuple[DecisionView, tuple[int, ...]], StyleBasis] = {}

    def __call__(self, view: DecisionView, legal: tuple[int, ...]) -> StyleBasis:
        key = (view, legal)
        hit = self.memo.get(key)
        if hit is None:
            hit = self.memo[key] = style_basis(view, legal, depths=self.depths)
        return hit


def fit_styles(
    views: Sequence[DecisionView],
    legal: Sequence[Sequence[int]],
    actions: Sequence[int],
    *,
    noise: Noise = "tremble",
    depths: Sequence[int] = DEFAULT_DEPTHS,
    model: str = "",
    games: Iterable[str] = (),
    cells: Sequence[Hashable] | None = None,
    draws: int = 0,
    seed: int = 0,
    intervals: bool = True,
) -> StyleProfile:
    """The mixture fit of one set of decisions: ``views[i]`` with legal actions ``legal[i]``
    where action ``actions[i]`` was taken, with its goodness-of-fit test. Belief anticipation
    is fitted at each level of ``depths`` (`_mixture`: each its own component).

    ``cells[i]`` names decision i's cell for the test's saturated model (decisions of one cell
    share one situation; `behavior_profile` passes (game, role, view, legal actions)); by default
    the cell is (view, legal actions). With ``draws`` > 0, a parametric bootstrap of that many
    refits (`stratlens.profiler._fit_bootstrap`, seeded by ``seed``) gives the fit test's
    p-value. With ``intervals``, each weight gets its 95% interval: profile likelihood with
    tremble noise (`stratlens.profiler._fit_profile`; no draws needed), the basic bootstrap
    interval of the draws with logit noise (none without draws).
    """
    if noise not in NOISES:
        raise ValueError(f"unknown noise model {noise!r} (known: {', '.join(NOISES)})")
    basis = _Bases(depths)
    style_of = [MODELLED.index(style) for style, _ in components(depths)]
    keys: list[Hashable] = []
    chosen: list[int] = []
    rows: dict[tuple[Hashable, int], int] = {}  # (cell, action) -> row of the aggregated fit
    cell_basis: dict[Hashable, StyleBasis] = {}
    for i, (view, leg, act) in enumerate(zip(views, legal, actions, strict=True)):
        legal_t = tuple(sorted(int(a) for a in leg))
        if int(act) not in legal_t:
            raise ValueError(f"action {act} is not among the legal actions {legal_t}")
        key: Hashable = cells[i] if cells is not None else (view, legal_t)
        cell_basis.setdefault(key, basis(view, legal_t))
        keys.append(key)
        chosen.append(legal_t.index(int(act)))
        rows.setdefault((key, chosen[-1]), len(rows))
    counts = Counter((key, c) for key, c in zip(keys, chosen, strict=True))
    row_counts = [float(counts[r]) for r in rows]
    fitted = fit_mixture(
        [cell_basis[key] for key, _ in rows], [c for _, c in rows], noise, row_counts, style_of
    )
    test = fit_test(
        keys,
        chosen,
        [len(cell_basis[key].legal) for key in keys],
        fitted.loglik,
        n_params=free_parameters(noise, style_of),
    )
    bounds, method, boot = None, None, None
    if intervals and noise == "tremble":
        prepared = Prepared([cell_basis[key] for key, _ in rows], [c for _, c in rows], row_counts)
        bounds = profile_intervals(
            prepared.likelihood(noise, fitted.params),
            prepared.counts,
            style_of,
            fitted.weights,
            fitted.style_weights,
        )
        method = "profile likelihood"
    if draws > 0:
        boot = bootstrap(
            cell_basis, Counter(keys), fitted, noise, draws, np.random.default_rng(seed), style_of
        )
        test = test.with_bootstrap(boot.p_value(test.statistic), draws)
        if intervals and bounds is None:
            bounds, method = boot.intervals(fitted.style_weights), "basic bootstrap"
    return StyleProfile(
        model=model,
        weights={s: float(w) for s, w in zip(STYLES, fitted.style_weights, strict=True)},
        noise={s: float(x) for s, x in zip(MODELLED, fitted.style_noise, strict=True)},
        noise_model=noise,
        loglik=fitted.loglik,
        n_decisions=len(keys),
        games=tuple(dict.fromkeys(games)),
        depths=tuple(depths),
        depth_weights={int(d): float(w) for d, w in zip(depths, fitted.depth_weights, strict=True)},
        fit=test,
        intervals=None
        if bounds is None
        else {s: (float(lo), float(hi)) for s, (lo, hi) in zip(STYLES, bounds, strict=True)},
        interval_method=method,
        bootstrap=boot,
    )


def usable_decisions(decisions: pd.DataFrame) -> pd.DataFrame:
    """The subject's decisions that named a legal action."""
    rows = decisions
    if "agent" in rows.columns:
        rows = rows[rows["agent"] == "subject"]
    rows = rows[(rows["parse_status"] == "ok") & rows["action"].notna()]
    return rows


def behavior_profile(
    decisions: pd.DataFrame,
    *,
    history: pd.DataFrame | None = None,
    noise: Noise = "tremble",
    depths: Sequence[int] = DEFAULT_DEPTHS,
    draws: int = 0,
    seed: int = 0,
    intervals: bool = True,
) -> dict[str, StyleProfile]:
    """Style weights per model from stored decisions, each with its fit test and the weights'
    intervals (``draws``: bootstrap refits for the test's p-value; see `fit_styles`).

    ``decisions`` is a `load_decisions` frame; its subject rows are fitted. Tree and repeated
    games need every decision of their episodes to rebuild the views: pass
    ``load_decisions(..., include_opponents=True)`` as ``decisions`` (or as ``history``).
    Models with no usable decision are left out.
    """
    rows = usable_decisions(decisions)
    source = decisions if history is None else history
    out: dict[str, StyleProfile] = {}
    for model, group in rows.groupby("model", sort=True):
        views = decision_views(group, source)
        legal = [sorted(int(a) for a in la) for la in group["legal_actions"]]
        games = [str(g) for g in group["game_id"]]
        out[str(model)] = fit_styles(
            views,
            legal,
            [int(a) for a in group["action"]],
            noise=noise,
            depths=depths,
            model=str(model),
            games=games,
            draws=draws,
            seed=seed,
            intervals=intervals,
            cells=[
                (g, int(r), v, tuple(la))
                for g, r, v, la in zip(games, group["player"], views, legal, strict=True)
            ],
        )
    return out


# -- diagnostic power --------------------------------------------------------------------


def _tree_views(node: TreeNode, role: int) -> list[DecisionView]:
    if node.is_terminal:
        return []
    here: list[DecisionView] = [TreeView(node, role)] if node.player == role else []
    below = [v for c in node.children for v in _tree_views(c[3], role)]
    return here + below


def catalog_views(game_id: str, role: int) -> list[DecisionView]:
    """The decisions of ``role`` in a catalog game, as diagnostics weigh them: the one view of
    a one-shot game; every decision node of the role in a tree (chance nodes descended); the
    first round of a repeated game."""
    spec = get_game(game_id)
    if spec.kind in ONE_SHOT_KINDS:
        return [matrix_view(spec, role)]
    state = spec.game().new_initial_state()
    if "sender_types" in spec.params:  # signaling: one view per information state, not the
        # tree of perfect information (the responder's view is the same for either type)
        if role == 0:
            return [decision_view(spec, state.child(t), 0) for t, _ in state.chance_outcomes()]
        typed = state.child(state.chance_outcomes()[0][0])
        return [decision_view(spec, typed.child(s), 1) for s in typed.legal_actions()]
    if spec.kind == "tree":
        from stratlens.games import tree_of

        return _tree_views(tree_of(state), role)
    while state.is_chance_node():
        state.apply_action(state.chance_outcomes()[0][0])
    return [decision_view(spec, state, role)]


def separation(
    views: Sequence[DecisionView], *, noise_level: float = 0.1, k: int = DEFAULT_K
) -> pd.DataFrame:
    """How well decisions at these views separate each pair of styles.

    Per ordered pair (a, b): ``tv``, the total-variation distance between the noise-free
    predictions (``other`` = uniform), and ``kl``, the expected log-likelihood ratio per
    decision in favour of a when a plays with tremble ``noise_level`` (KL(p_a || p_b)); both
    averaged over the views.
    """
    import pandas as pd

    tv = np.zeros((len(STYLES), len(STYLES)))
    kl = np.zeros_like(tv)
    for view in views:
        legal = _legal_of(view)
        basis = style_basis(view, legal, k=k)
        clean = noisy_probs(basis, "tremble", 0.0)
        noisy = noisy_probs(basis, "tremble", noise_level)
        tv += 0.5 * np.abs(clean[:, None, :] - clean[None, :, :]).sum(axis=2)
        logs = np.log(noisy)
        kl += (noisy[:, None, :] * (logs[:, None, :] - logs[None, :, :])).sum(axis=2)
    tv /= max(len(views), 1)
    kl /= max(len(views), 1)
    rows = [
        {"style_a": a, "style_b": b, "tv": float(tv[i, j]), "kl": float(kl[i, j])}
        for i, a in enumerate(STYLES)
        for j, b in enumerate(STYLES)
        if i < j
    ]
    for r in rows:
        i, j = STYLES.index(r["style_a"]), STYLES.index(r["style_b"])
        r["kl_reverse"] = float(kl[j, i])
    return pd.DataFrame(rows)


def _legal_of(view: DecisionView) -> tuple[int, ...]:
    from stratlens.games import GuessView, MatrixView, RepeatedView

    if isinstance(view, MatrixView):
        return view.own_actions
    if isinstance(view, RepeatedView):
        return view.stage.own_actions
    if isinstance(view, GuessView):
        return view.own_actions
    return tuple(c[0] for c in view.root.children if view.root.player != CHANCE)


def diagnostic_power(
    games: Iterable[str] | None = None,
    *,
    suite: str | None = None,
    noise_level: float = 0.1,
    k: int = DEFAULT_K,
) -> pd.DataFrame:
    """Per game, role and pair of styles: ``tv`` and ``kl`` of `separation` on the game's
    `catalog_views`. ``games`` (ids) or ``suite`` (default: every game of the catalog)."""
    import pandas as pd

    ids = list(games) if games is not None else [g.id for g in list_games(suite)]
    frames = []
    for game_id in ids:
        spec = get_game(game_id)
        for role in spec.roles:
            frame = separation(catalog_views(game_id, role), noise_level=noise_level, k=k)
            frame.insert(0, "role", role)
            frame.insert(0, "game_id", game_id)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


__all__ = [
    "DEFAULT_K",
    "STYLES",
    "StyleProfile",
    "behavior_profile",
    "catalog_views",
    "diagnostic_power",
    "fit_styles",
    "separation",
    "usable_decisions",
]
