"""Says vs does: does a trace's text style match the style whose predicted action was taken?

For each stored decision, the decision's view is rebuilt from the store (one-shot games: the
payoff table; sequential and repeated games: the episode's earlier moves replayed through the
game), and each of the three styles' predicted actions is computed with
`stratlens.agents.style_choice` (an action is predicted by a style when it is among the style's
most probable actions). A decision is **diagnostic** when the three styles do not all predict
the same actions. Among the diagnostic decisions whose text label is one of the three styles,
a decision is **coherent** when the action taken is one that the text's style predicts. The
coherence rate per model comes with a Wilson interval; decisions whose text label is ``other``
have no style to match and are counted apart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

STYLES = ("minimax", "trust_based", "belief_anticipation")


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``k / n`` (NaNs when ``n`` is 0), from
    statsmodels' ``proportion_confint(method="wilson")``; exactly 0 (1) at k = 0 (k = n)."""
    if n <= 0:
        return (float("nan"), float("nan"))
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(k, n, alpha=1 - level, method="wilson")
    return (0.0 if k == 0 else float(low), 1.0 if k == n else float(high))


@dataclass(frozen=True)
class StoredMove:
    """One stored decision, as much of it as the replay needs."""

    decision_id: int
    episode_id: str
    game_id: str
    step: int
    player: int
    action: int | None
    subject: bool
    seed: int = 0  # the episode's seed: chance outcomes are replayed from it


@cache
def _matrix_predictions(game_id: str, player: int) -> tuple[frozenset[int], ...]:
    from stratlens.games import get_game
    from stratlens.games._extract import matrix_view

    return _predictions(matrix_view(get_game(game_id), player))


def _predictions(view: Any) -> tuple[frozenset[int], ...]:
    from stratlens.agents import style_choice

    return tuple(frozenset(style_choice(s, view).modal()) for s in STYLES)  # type: ignore[arg-type]


def episode_predictions(
    moves: list[StoredMove],
) -> dict[int, tuple[frozenset[int], ...]]:
    """Each subject decision's predicted actions per style (in `STYLES` order), by decision id.

    ``moves`` are one episode's decisions (both players) in step order; sequential and repeated
    episodes are replayed (`stratlens.profiler._replay`). Decisions after a move without an
    action cannot be replayed and are left out.
    """
    from stratlens.games import get_game
    from stratlens.profiler._replay import ONE_SHOT_KINDS, replay_episode

    if not moves:
        return {}
    game_id = moves[0].game_id
    if get_game(game_id).kind in ONE_SHOT_KINDS:
        return {m.decision_id: _matrix_predictions(game_id, m.player) for m in moves if m.subject}
    taken = {(m.step, m.player): m.action for m in moves if m.action is not None}
    views = replay_episode(game_id, moves[0].seed, taken)
    return {
        m.decision_id: _predictions(views[(m.step, m.player)])
        for m in moves
        if m.subject and (m.step, m.player) in views
    }


def predictions(moves: Iterable[StoredMove]) -> dict[int, tuple[frozenset[int], ...]]:
    """`episode_predictions` over every episode of ``moves``."""
    by_episode: dict[str, list[StoredMove]] = {}
    for m in moves:
        by_episode.setdefault(m.episode_id, []).append(m)
    out: dict[int, tuple[frozenset[int], ...]] = {}
    for group in by_episode.values():
        out.update(episode_predictions(sorted(group, key=lambda m: (m.step, m.player))))
    return out


@dataclass
class Coherence:
    """One model's says-vs-does figures (see the module docstring)."""

    n: int  # diagnostic decisions with a style text label and an action
    coherent: int
    rate: float
    low: float
    high: float
    diagnostic: int  # diagnostic decisions with a text label and an action
    other_label: int  # of those, labelled ``other`` in text

    def to_json(self) -> dict[str, Any]:
        return {
            "rate": None if math.isnan(self.rate) else self.rate,
            "low": None if math.isnan(self.low) else self.low,
            "high": None if math.isnan(self.high) else self.high,
            "n": self.n,
            "coherent": self.coherent,
            "diagnostic": self.diagnostic,
            "other_label": self.other_label,
        }


def coherence(
    decisions: Iterable[tuple[int | None, str]],
    predicted: Iterable[tuple[frozenset[int], ...]],
) -> Coherence:
    """Coherence of ``(action, text label)`` pairs with each decision's style predictions."""
    n = coherent = diagnostic = other = 0
    for (action, label), preds in zip(decisions, predicted, strict=True):
        if action is None or len(set(preds)) == 1:
            continue
        diagnostic += 1
        if label not in STYLES:
            other += 1
            continue
        n += 1
        coherent += int(action in preds[STYLES.index(label)])
    low, high = wilson(coherent, n)
    rate = coherent / n if n else float("nan")
    return Coherence(n, coherent, rate, low, high, diagnostic, other)


def model_coherence(
    rows: Iterable[Mapping[str, Any]], predicted: Mapping[int, tuple[frozenset[int], ...]]
) -> Coherence:
    """`coherence` of rows with ``decision_id``, ``action`` and ``label`` keys."""
    pairs: list[tuple[int | None, str]] = []
    preds: list[tuple[frozenset[int], ...]] = []
    for r in rows:
        p = predicted.get(int(r["decision_id"]))
        if p is None:
            continue
        pairs.append((r["action"], str(r["label"])))
        preds.append(p)
    return coherence(pairs, preds)
