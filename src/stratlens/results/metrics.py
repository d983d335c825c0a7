"""Metric definitions: what is measured per model, game and role, and its bootstrap interval.

Every metric is a function of a vector of *sums* over units (episodes, or decisions for the
usage metrics). A bootstrap replicate resamples the units with replacement and recomputes the
sums, so one draw gives the interval of every metric at once (`stratlens.results.bootstrap`).
Intervals are percentile intervals of ``n_boot`` replicates drawn from a seeded
`numpy.random.Generator`.

Definitions (``x`` is the model's empirical strategy: the share of each action among its valid
decisions in one game and role; ``A`` its own payoff table, rows = its actions; ``p`` the
population's strategy in the other role; ``[lo, hi]`` the role's payoff range):

- ``share:<label>``: x itself.
- ``failure_rate``: decisions that named no legal action / all decisions; ``failure:<kind>``
  per ``parse_status`` (unparseable, illegal, refused, error).
- ``payoff_ref``: mean payoff over episodes against the reference agents (``baseline/*``
  opponents) that reached an outcome. ``norm_ref``: the same, normalised to [0, 1] by the
  role's payoff range (per round in repeated games), with an execution failure scored 0.
- ``payoff_pop``: x·A·p, the expected payoff against the population (one-shot games).
  ``regret``: max(A·p) − x·A·p, the loss against the best response to the population;
  ``regret_norm`` divides it by hi − lo. ``norm_pop``: (1 − failure_rate)·(x·A·p − lo)/(hi − lo).
- ``eq_distance``: total-variation distance ½‖x − e‖₁ from x to the nearest Nash equilibrium
  strategy e of the role (pure and mixed; the stage game's in repeated games). In sequential
  games: the share of decisions that leave the subgame-perfect action set at their node.
- ``cooperation``: families cooperation, mixed_motive and repeated: the share of the role's part
  of the team-reasoning cell (largest A + B, then fairest, then best for the role;
  `cooperative_action`); ultimatum proposer: offer / pie.
  ``trust``: trust game: sent / endowment (sender), returned / (multiplier·sent) (receiver,
  sent > 0); centipede: the share of "continue".
- ``score``: the mean of ``norm_ref`` and ``norm_pop`` where defined: normalised payoff, with
  execution failures as the worst outcome, against the reference agents and the population.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from stratlens._seeds import stable_seed
from stratlens.games import bimatrix, get_game, payoff_types, structure, tree_of
from stratlens.games.structure import subgame_perfect_outcomes
from stratlens.games.views import TreeNode
from stratlens.results.bootstrap import (
    LEVEL,
    N_BOOT,
    Estimate,
    interval,
    intervals,
    ratio,
    resample_counts,
    resample_sums,
)

Array = npt.NDArray[np.float64]

__all__ = [
    "BASE_COLUMNS",
    "FAIL_KINDS",
    "LEVEL",
    "N_BOOT",
    "USAGE_COLUMNS",
    "Estimate",
    "GameFacts",
    "base_metrics",
    "cooperative_action",
    "equilibrium_distance",
    "expected_payoff",
    "game_columns",
    "game_facts",
    "game_metrics",
    "has_population_metrics",
    "interval",
    "intervals",
    "normalised",
    "own_table",
    "population_metrics",
    "ratio",
    "regret",
    "resample_counts",
    "resample_sums",
    "share_metrics",
    "spe_actions",
    "stable_seed",
    "tree_rates",
    "tv_distance",
    "usage_metrics",
]

FAIL_KINDS = ("unparseable", "illegal", "refused", "error")
ONE_SHOT_KINDS = ("matrix", "bayesian", "signaling")
COOPERATION_FAMILIES = ("cooperation", "mixed_motive", "repeated")
_TOL = 1e-9

#: Columns of the per-episode unit rows of one game and role, before the action counts.
BASE_COLUMNS = (
    "episodes",
    "done",
    "outcome",
    "payoff",
    "norm",
    "ref_done",
    "ref_outcome",
    "ref_payoff",
    "ref_norm",
    "decisions",
    *(f"fail_{k}" for k in FAIL_KINDS),
    "eq_dev",
    "eq_den",
    "coop_num",
    "coop_den",
    "trust_num",
    "trust_den",
)
USAGE_COLUMNS = (
    "decisions",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "latency_s",
    "cost_usd",
    "reasoning_chars",
)


def game_columns(n_actions: int) -> tuple[str, ...]:
    return (*BASE_COLUMNS, *(f"a{i}" for i in range(n_actions)))


# --- game-theoretic definitions --------------------------------------------------------------


def tv_distance(x: npt.ArrayLike, y: npt.ArrayLike) -> Array:
    """Total-variation distance ½‖x − y‖₁ along the last axis."""
    return np.asarray(0.5 * np.abs(np.asarray(x, float) - np.asarray(y, float)).sum(axis=-1))


def equilibrium_distance(x: npt.ArrayLike, equilibria: Sequence[npt.ArrayLike]) -> Array:
    """Distance from strategy x (or each row of x) to the nearest of ``equilibria``."""
    xs = np.asarray(x, dtype=float)
    if not equilibria:
        return np.full(xs.shape[:-1], np.nan)
    return np.asarray(np.min([tv_distance(xs, e) for e in equilibria], axis=0), dtype=float)


def expected_payoff(x: npt.ArrayLike, table: npt.ArrayLike, p: npt.ArrayLike) -> Array:
    """x·A·p for strategy x (or each row of x), own table A and the other side's mix p."""
    return np.asarray(np.asarray(x, float) @ (np.asarray(table, float) @ np.asarray(p, float)))


def regret(x: npt.ArrayLike, table: npt.ArrayLike, p: npt.ArrayLike) -> Array:
    """max(A·p) − x·A·p: what a best response to p would have gained over x."""
    best = float(np.max(np.asarray(table, float) @ np.asarray(p, float)))
    return best - expected_payoff(x, table, p)


def own_table(a: Array, b: Array, role: int) -> Array:
    """The role's own payoffs with rows = its actions, columns = the other player's."""
    return a if role == 0 else b.T


def cooperative_action(a: Array, b: Array, role: int) -> int | None:
    """The role's part of the team-reasoning cell, when that part is unique.

    The cell with the largest joint payoff A + B; ties go to the fairer cell (smallest
    |A − B|), then to the role's own higher payoff (the ``trust_based`` reading of the
    profiler's style definitions).
    """
    tol = _TOL * max(1.0, float(np.abs(a).max()), float(np.abs(b).max()))
    own = a if role == 0 else b
    keys = (a + b, -np.abs(a - b), own)  # joint payoff, fairness, own payoff
    cells = [(i, j) for i in range(a.shape[0]) for j in range(a.shape[1])]
    for key in keys:
        best = max(float(key[c]) for c in cells)
        cells = [c for c in cells if float(key[c]) >= best - tol]
    parts = {int(c[role]) for c in cells}
    return parts.pop() if len(parts) == 1 else None


@dataclass(frozen=True)
class GameFacts:
    """What the metrics need to know about one game, computed from the game itself."""

    game_id: str
    family: str
    kind: str
    short_name: str
    params: Mapping[str, Any]
    roles: tuple[int, ...]
    labels: tuple[tuple[str, ...], tuple[str, ...]]
    n_actions: tuple[int, int]
    tables: tuple[Array, Array] | None  # own table per role (stage game for repeated games)
    payoff_range: tuple[tuple[float, float], tuple[float, float]]  # per round
    equilibria: tuple[tuple[Array, ...], tuple[Array, ...]]
    cooperative: tuple[int | None, int | None]

    @property
    def one_shot(self) -> bool:
        return self.kind in ONE_SHOT_KINDS


def _equilibria(
    st: Mapping[str, Any], n: tuple[int, int]
) -> tuple[tuple[Array, ...], tuple[Array, ...]]:
    """The equilibria a decision is measured against: a repeated game's are its stage game's."""
    if st["repeated"]:
        st = st["stage"]
    out: list[list[Array]] = [[], []]
    for cell in st["pure_equilibria"]:
        for role in (0, 1):
            out[role].append(np.eye(n[role])[int(cell[role])])
    for profile in st["mixed_equilibria"]:
        for role in (0, 1):
            out[role].append(np.asarray(profile[role], dtype=float))
    return tuple(out[0]), tuple(out[1])


def _terminal_payoffs(node: TreeNode) -> list[tuple[float, float]]:
    if node.is_terminal:
        assert node.payoffs is not None
        return [node.payoffs]
    return [p for _, _, _, child in node.children for p in _terminal_payoffs(child)]


def _two(labels: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Players 1 and 2's labels (a p-beauty contest has N players, all with these labels)."""
    return labels[0], labels[1]


@cache
def game_facts(game_id: str) -> GameFacts:
    """The facts of a catalog game (`UnknownGameError` for an id not in the catalog)."""
    spec = get_game(game_id)
    game = spec.game()
    st = structure(spec)
    if spec.kind == "guess":  # the N-player p-beauty contest: player 1's guesses, a rule
        k, prize = int(game.num_distinct_actions()), float(game.max_utility())
        eq = tuple(np.eye(k)[int(c[0])] for c in st["pure_equilibria"])
        return GameFacts(
            spec.id, spec.family, spec.kind, game.get_type().short_name, dict(spec.params),
            spec.roles, _two(spec.action_labels), (k, k), None,
            ((0.0, prize), (0.0, prize)), (eq, eq), (None, None),
        )  # fmt: skip
    pair = bimatrix(spec)
    if pair is None:  # sequential: read everything off the tree
        root = tree_of(game.new_initial_state())
        outcomes = np.asarray(_terminal_payoffs(root))
        ranges = tuple((float(outcomes[:, r].min()), float(outcomes[:, r].max())) for r in (0, 1))
        # a mover's options: the game's actions, or fewer where its labels say so (the
        # signaling game's sender has 2 signals, its responder 3 replies)
        k = int(game.num_distinct_actions())
        n = tuple(min(k, len(spec.action_labels[r])) for r in (0, 1))
        return GameFacts(
            spec.id, spec.family, spec.kind, game.get_type().short_name, dict(spec.params),
            spec.roles, _two(spec.action_labels), (n[0], n[1]), None, (ranges[0], ranges[1]),
            ((), ()), (None, None),
        )  # fmt: skip
    a, b = pair
    source = get_game(spec.params["stage"]) if spec.kind == "repeated" else spec
    tables = [np.asarray(t[1 + r], dtype=float) for t in payoff_types(source) for r in (0, 1)]
    lo = [min(float(t.min()) for t in tables[r::2]) for r in (0, 1)]
    hi = [max(float(t.max()) for t in tables[r::2]) for r in (0, 1)]
    n = (int(a.shape[0]), int(a.shape[1]))
    coop = tuple(
        cooperative_action(a, b, r) if spec.family in COOPERATION_FAMILIES else None for r in (0, 1)
    )
    return GameFacts(
        spec.id, spec.family, spec.kind, game.get_type().short_name, dict(spec.params),
        spec.roles, _two(spec.action_labels), n, (own_table(a, b, 0), own_table(a, b, 1)),
        ((lo[0], hi[0]), (lo[1], hi[1])), _equilibria(st, n), (coop[0], coop[1]),
    )  # fmt: skip


@lru_cache(maxsize=65536)
def spe_actions(game_id: str, history: tuple[int, ...]) -> frozenset[int]:
    """The mover's subgame-perfect actions after ``history`` in a sequential game.

    An action is subgame-perfect when some subgame-perfect equilibrium of the subgame plays it
    (`stratlens.games.structure.subgame_perfect_outcomes`: every tie-break further down
    counts, so in the ultimatum game offers 0 and 1 both are).
    """
    state = get_game(game_id).game().new_initial_state()
    for action in history:
        state.apply_action(action)
    return frozenset(path[0] for path, _ in subgame_perfect_outcomes(tree_of(state)) if path)


def tree_rates(
    facts: GameFacts, role: int, history: tuple[int, ...], action: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """((cooperation num, den), (trust num, den)) of one decision in a sequential game."""
    name, params = facts.short_name, facts.params
    if name == "python_stratlens_ultimatum" and role == 0:
        return (action / float(params.get("pie", 10)), 1.0), (0.0, 0.0)
    if name == "python_stratlens_trust":
        if role == 0:
            return (0.0, 0.0), (action / float(params.get("endowment", 10)), 1.0)
        received = float(params.get("multiplier", 3)) * history[0]
        return (0.0, 0.0), ((action / received, 1.0) if received > 0 else (0.0, 0.0))
    if name == "python_stratlens_centipede":
        return (0.0, 0.0), (float(action == 1), 1.0)
    return (0.0, 0.0), (0.0, 0.0)


def normalised(value: npt.ArrayLike, lo: float, hi: float) -> Array:
    """(value − lo) / (hi − lo), clipped to [0, 1]; NaN where value is NaN or hi == lo."""
    v = np.asarray(value, dtype=float)
    if hi - lo <= 0:
        return np.full(v.shape, np.nan)
    return np.asarray(np.clip((v - lo) / (hi - lo), 0.0, 1.0))


# --- metrics of one game and role, from sums ------------------------------------------------


def game_metrics(
    sums: Array, facts: GameFacts, role: int, population: Array | None
) -> dict[str, Array]:
    """Every game metric of one model, game and role, from sums over its unit rows.

    ``sums`` is (R, d) with the columns of `game_columns`; each metric comes back as an
    array of R values (the point estimate and the bootstrap replicates alike). The same as
    `base_metrics` followed by `population_metrics`.
    """
    out, inputs = base_metrics(sums, facts, role)
    out.update(population_metrics(inputs, facts, role, population))
    return out


#: What `population_metrics` reads per row: the action counts (one column per action; none
#: where the game has no population metrics), then these.
POPULATION_INPUTS = ("failure_rate", "norm_ref")


def base_metrics(sums: Array, facts: GameFacts, role: int) -> tuple[dict[str, Array], Array]:
    """The metrics that do not depend on the population, and the (R, k + 2) inputs of
    `population_metrics` (the action counts, then `POPULATION_INPUTS`)."""
    cols = {c: i for i, c in enumerate(game_columns(facts.n_actions[role]))}
    s = np.atleast_2d(np.asarray(sums, dtype=float))

    def col(name: str) -> Array:
        return np.asarray(s[:, cols[name]])

    counts = s[:, len(BASE_COLUMNS) :]
    valid = counts.sum(axis=1)
    x = ratio(counts, valid[:, None])
    fails = np.stack([col(f"fail_{k}") for k in FAIL_KINDS], axis=1)
    failure = ratio(fails.sum(axis=1), col("decisions"))
    out: dict[str, Array] = {
        f"share:{facts.labels[role][i]}": x[:, i] for i in range(counts.shape[1])
    }
    out["failure_rate"] = failure
    for i, kind in enumerate(FAIL_KINDS):
        out[f"failure:{kind}"] = ratio(fails[:, i], col("decisions"))
    out["payoff_ref"] = ratio(col("ref_payoff"), col("ref_outcome"))
    out["payoff_all"] = ratio(col("payoff"), col("outcome"))
    out["norm_ref"] = ratio(col("ref_norm"), col("ref_done"))
    if facts.kind == "tree":
        out["eq_distance"] = ratio(col("eq_dev"), col("eq_den"))
    else:
        out["eq_distance"] = equilibrium_distance(x, facts.equilibria[role])
    coop = facts.cooperative[role]
    out["cooperation"] = x[:, coop] if coop is not None else ratio(col("coop_num"), col("coop_den"))
    out["trust"] = ratio(col("trust_num"), col("trust_den"))
    inputs = np.column_stack([counts, failure, out["norm_ref"]])
    return out, inputs


def has_population_metrics(facts: GameFacts) -> bool:
    """Whether the game's population metrics are defined (one-shot games with a table)."""
    return facts.one_shot and facts.tables is not None


def population_metrics(
    inputs: Array, facts: GameFacts, role: int, population: Array | None
) -> dict[str, Array]:
    """payoff_pop, regret, regret_norm, norm_pop and score from the inputs `base_metrics`
    gives (NaN but ``score`` where the game is not one-shot or there is no population)."""
    k = inputs.shape[1] - len(POPULATION_INPUTS)
    counts = inputs[:, :k]
    failure, norm_ref = inputs[:, k], inputs[:, k + 1]
    nan = np.full(len(inputs), np.nan)
    out: dict[str, Array] = dict(payoff_pop=nan, regret=nan, regret_norm=nan, norm_pop=nan)
    if has_population_metrics(facts) and population is not None:
        valid = counts.sum(axis=1)
        x = ratio(counts, valid[:, None])
        lo, hi = facts.payoff_range[role]
        assert facts.tables is not None
        table = facts.tables[role]
        pay = np.where(valid > 0, expected_payoff(np.nan_to_num(x), table, population), np.nan)
        out["payoff_pop"] = pay
        out["regret"] = float(np.max(table @ population)) - pay
        out["regret_norm"] = ratio(out["regret"], np.full(len(inputs), hi - lo))
        ok_share = np.nan_to_num(1.0 - failure)  # no valid decision: scored 0
        out["norm_pop"] = ok_share * np.nan_to_num(normalised(pay, lo, hi))
    both = np.stack([norm_ref, out["norm_pop"]])
    defined = np.isfinite(both)
    out["score"] = ratio(np.where(defined, both, 0.0).sum(axis=0), defined.sum(axis=0))
    return out


def usage_metrics(sums: Array) -> dict[str, Array]:
    """Means per decision of the usage columns (`USAGE_COLUMNS`), from sums."""
    s = np.atleast_2d(np.asarray(sums, dtype=float))
    return {c: ratio(s[:, i], s[:, 0]) for i, c in enumerate(USAGE_COLUMNS) if i > 0}


def share_metrics(counts: Array, labels: Sequence[str]) -> dict[str, Array]:
    """Shares of each label from (R, k) counts."""
    c = np.atleast_2d(np.asarray(counts, dtype=float))
    total = c.sum(axis=1)
    return {label: ratio(c[:, i], total) for i, label in enumerate(labels)}
