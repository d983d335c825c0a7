"""Reference agents: one per reasoning style, model strings ``baseline/<name>``.

========================  ===============================  ===================
model string              style                            ``-M`` arguments
========================  ===============================  ===================
``baseline/random``       uniform over the legal actions   none
``baseline/minimax``      ``minimax``                      none
``baseline/trust``        ``trust_based``                  none
``baseline/belief``       ``belief_anticipation``          ``k`` (int ≥ 1, 2)
``baseline/nash``         ``nash``                         none
``baseline/qre``          ``qre``                          ``lam`` (> 0, 1.0)
``baseline/ch``           ``belief_anticipation``, a       ``tau`` (>= 0, 1.5)
                          cognitive-hierarchy population
========================  ===============================  ===================

``baseline/ch`` draws its level for each decision from Poisson(τ) over 0..10 (renormalised),
with a generator of its own seeded by the turn's seed: level 0 plays uniformly; level k >= 1
plays, in the p-beauty contest, the cognitive hierarchy's level-k guess (r times the
frequency-weighted average of the lower levels' mean guesses, `_guessing.ch_means`), and in
every other game ``belief_anticipation`` at level k (level-k beliefs: the hierarchy's mixed
beliefs are implemented for the p-beauty contest only). Opponents ``baseline/ch(tau=1.5)`` are
then a population of levels, each player drawn apart.

The arguments may also be written into the model string, as the agent's name prints them:
``baseline/belief(k=1)`` is ``baseline/belief -M k=1``. That is how ``--opponent`` (which takes
no ``-M``) chooses a level: ``--opponent 'baseline/belief(k=1)'`` makes every other player of a
p-beauty contest a level-1 reasoner (``baseline/random`` is level 0).

An agent computes its style's choice distribution from ``turn.view`` (`style_choice`),
restricts it to ``turn.legal_actions``, samples with ``numpy.random.default_rng(turn.seed)``
(its only source of randomness; drawn with `stratlens._seeds.draws`, the same numbers) and
writes a trace from the numbers it computed.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from stratlens._draws import Rng, draws
from stratlens.agents._choice import FloatArray, Style, StyleResult
from stratlens.agents._registry import agent_factory
from stratlens.agents._styles import DEFAULT_LAM, DEFAULT_LEVEL, style_choice
from stratlens.agents._styles_guess import guess_ch
from stratlens.agents._traces import Names, write_trace
from stratlens.contracts import Decision, Turn, Usage
from stratlens.errors import ModelArgsError, UnknownModelError
from stratlens.games._guessing import CH_LEVELS, poisson_levels
from stratlens.games.views import GuessView, MatrixView, TreeView

#: Agent name → the style it plays.
BASELINES: dict[str, Style] = {
    "random": "random",
    "minimax": "minimax",
    "trust": "trust_based",
    "belief": "belief_anticipation",
    "nash": "nash",
    "qre": "qre",
    "ch": "belief_anticipation",
}
_ARGS: dict[str, tuple[str, ...]] = {"belief": ("k",), "qre": ("lam",), "ch": ("tau",)}
DEFAULT_TAU = 1.5


class BaselineAgent:
    """A reference agent playing one style deterministically given the turn's seed."""

    def __init__(
        self,
        kind: str,
        *,
        k: int = DEFAULT_LEVEL,
        lam: float = DEFAULT_LAM,
        tau: float = DEFAULT_TAU,
    ) -> None:
        if kind not in BASELINES:
            raise UnknownModelError(_unknown(kind))
        if k < 1:
            raise ModelArgsError(f"baseline/belief: k must be an integer >= 1, got {k}")
        if not (lam > 0.0 and math.isfinite(lam)):
            raise ModelArgsError(f"baseline/qre: lam must be a positive number, got {lam}")
        if not (tau >= 0.0 and math.isfinite(tau)):
            raise ModelArgsError(f"baseline/ch: tau must be a number >= 0, got {tau}")
        self.tau = tau
        self.kind = kind
        self.style: Style = BASELINES[kind]
        self.k = k
        self.lam = lam
        self._plans: dict[tuple[int, tuple[tuple[int, str], ...]], tuple[object, _Plan]] = {}

    @property
    def name(self) -> str:
        if self.kind == "belief" and self.k != DEFAULT_LEVEL:
            return f"baseline/belief(k={self.k})"
        if self.kind == "qre" and self.lam != DEFAULT_LAM:
            return f"baseline/qre(lam={self.lam:g})"
        if self.kind == "ch" and self.tau != DEFAULT_TAU:
            return f"baseline/ch(tau={self.tau:g})"
        return f"baseline/{self.kind}"

    def compute(self, turn: Turn) -> StyleResult:
        """The style's full computation at this turn (before restricting to legal actions)."""
        if self.kind == "ch":
            level = self.level(turn)
            if level == 0:
                return style_choice("random", turn.view)
            if isinstance(turn.view, GuessView):
                return guess_ch(turn.view, self.tau, level)
            return style_choice("belief_anticipation", turn.view, k=level)
        return style_choice(self.style, turn.view, k=self.k, lam=self.lam)

    def level(self, turn: Turn) -> int:
        """``baseline/ch``: this decision's level, from a generator of its own (the turn's seed
        and the tag 1), so the draw of the action stays the turn's own."""
        probs = [float(x) for x in poisson_levels(self.tau, CH_LEVELS)]
        return draw_index(np.random.default_rng([turn.seed, 1]), probs)

    #: `act` answers without waiting: the episode runner asks it without a Task.
    synchronous = True

    def decide(self, turn: Turn) -> Decision:
        plan = self._plan(turn)
        rng = draws(turn.seed)  # numpy.random.default_rng(turn.seed)'s numbers, cheaply
        action = plan.legal[bisect.bisect_right(plan.cdf, rng.random())]
        reasoning = write_trace(plan.result, action, plan.names, rng)
        return Decision(
            action=action,
            parse_status="ok",
            raw_output=f"Final answer: {plan.names.mine(action)}",
            reasoning=reasoning,
            usage=_FREE,
        )

    def _plan(self, turn: Turn) -> _Plan:
        """What a decision at this view and these legal actions rests on, before its draws:
        computed once per view object (the games hand out one object per game and player, or
        per tree state) and set of legal actions; a style is a pure function of the view."""
        if self.kind == "ch":  # its level is drawn from the turn's seed: no two alike
            return self._new_plan(turn)
        key = (id(turn.view), tuple(turn.legal_actions.items()))
        found = self._plans.get(key)
        if found is not None and found[0] is turn.view:
            return found[1]
        plan = self._new_plan(turn)
        if len(self._plans) >= _PLANS_MAX:
            self._plans.clear()
        self._plans[key] = (turn.view, plan)  # the view kept alive: its id stays its own
        return plan

    def _new_plan(self, turn: Turn) -> _Plan:
        result = self.compute(turn)
        legal = sorted(turn.legal_actions)
        probs = _cdf([float(x) for x in _restrict(result, legal)])
        return _Plan(result, legal, probs, _names(turn))

    async def act(self, turn: Turn) -> Decision:
        return self.decide(turn)


_PLANS_MAX = 4096
_FREE = Usage()  # what a reference agent's decision costs (immutable: one serves all)


@dataclass(frozen=True)
class _Plan:
    result: StyleResult
    legal: list[int]
    cdf: list[float]  # cumulative probabilities of ``legal``, scaled by the last
    names: Names


def _cdf(probs: list[float]) -> list[float]:
    cdf = list(itertools.accumulate(probs))
    total = cdf[-1]
    return [c / total for c in cdf]


def draw_index(rng: Rng, probs: list[float]) -> int:
    """``int(rng.choice(len(probs), p=probs))`` without numpy's per-call checks: the same
    uniform draw against the same cumulative sums (added in order, then scaled by the last),
    so the same index and the generator left in the same state."""
    return bisect.bisect_right(_cdf(probs), rng.random())


def _restrict(result: StyleResult, legal: list[int]) -> FloatArray:
    """The style's probabilities on the legal actions, renormalised.

    If the style puts no mass on a legal action, the legal actions of highest style value are
    taken (ties split); actions the style does not know get nothing unless nothing else is left.
    """
    pos = {a: i for i, a in enumerate(result.actions)}
    p = np.asarray([result.probs[pos[a]] if a in pos else 0.0 for a in legal], dtype=float)
    if p.sum() > 1e-12:
        out: FloatArray = p / p.sum()
        return out
    known = [i for i, a in enumerate(legal) if a in pos]
    if not known:
        return np.full(len(legal), 1.0 / len(legal))
    vals = np.asarray([result.values[pos[legal[i]]] for i in known], dtype=float)
    best = vals >= vals.max() - 1e-9
    out = np.zeros(len(legal))
    for i, b in zip(known, best, strict=True):
        out[i] = float(b)
    out /= out.sum()
    return out


_NUMBERED = re.compile(r"^(row|column) \d+$")


def _names(turn: Turn) -> Names:
    """Labels for the decider's actions (from the turn) and for the other player's."""
    labels = dict(turn.legal_actions)
    if isinstance(turn.view, TreeView):
        for a, label, _, _ in turn.view.root.children:
            labels.setdefault(a, label)
    mine_kind = next(
        (m.group(1) for m in map(_NUMBERED.match, labels.values()) if m is not None), None
    )
    other_kind = {"row": "column", "column": "row"}.get(mine_kind or "", "option")
    # A symmetric game of numbered choices (claims, efforts): the other chooses from the same
    # numbers, so its option j reads as the decider's label j ("claim 180", not "option 0").
    same = _same_numbered(turn, labels)

    def mine(a: int) -> str:
        try:
            return labels[a]
        except KeyError:  # (``get`` would write the fallback every time)
            return f"option {a}"

    def theirs(j: int) -> str:
        if same is not None:
            return f"their {same[j]}" if j < len(same) else f"their option {j}"
        return f"{other_kind} {j}" if other_kind != "option" else f"their option {j}"

    return Names(mine=mine, theirs=theirs)


_CHOICE = re.compile(r"^[a-z]+ -?\d+$")


def _same_numbered(turn: Turn, labels: dict[int, str]) -> list[str] | None:
    """The decider's labels in id order when a matrix decision is between numbered choices
    of one word ("claim 180") and the other player has as many options; else None."""
    view = turn.view
    if not isinstance(view, MatrixView) or len(view.own_actions) != len(view.other_actions):
        return None
    ordered = [labels.get(a, "") for a in view.own_actions]
    words = {lab.split()[0] for lab in ordered if _CHOICE.match(lab)}
    if len(words) != 1 or not all(_CHOICE.match(lab) for lab in ordered) or words <= {"row"}:
        return None
    return ordered


def _unknown(kind: str) -> str:
    known = ", ".join(f"baseline/{k}" for k in BASELINES)
    return f"unknown model 'baseline/{kind}' (known: {known})"


def _parse_k(value: str) -> int:
    try:
        k = int(value)
    except ValueError:
        raise ModelArgsError(
            f"model argument k={value!r} for baseline/belief: expected an integer >= 1"
        ) from None
    if k < 1:
        raise ModelArgsError(f"model argument k={value!r} for baseline/belief: must be >= 1")
    return k


def _parse_lam(value: str) -> float:
    try:
        lam = float(value)
    except ValueError:
        raise ModelArgsError(
            f"model argument lam={value!r} for baseline/qre: expected a positive number"
        ) from None
    if not (lam > 0.0 and math.isfinite(lam)):
        raise ModelArgsError(f"model argument lam={value!r} for baseline/qre: must be > 0")
    return lam


_INLINE = re.compile(r"^([a-z]+)\((.*)\)$")


def _inline_args(name: str, args: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """``belief(k=1)`` → ``("belief", {"k": "1"})``, merged with the ``-M`` arguments."""
    m = _INLINE.match(name)
    if m is None:
        return name, dict(args)
    merged = dict(args)
    for pair in m.group(2).split(","):
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ModelArgsError(f"malformed argument {pair!r} in baseline/{name}: expected k=v")
        if key in merged and merged[key] != value.strip():
            raise ModelArgsError(f"baseline/{name}: {key} given twice ({merged[key]!r} and -M)")
        merged[key] = value.strip()
    return m.group(1), merged


@agent_factory("baseline")
def make_baseline(name: str, args: Mapping[str, str]) -> BaselineAgent:
    """``baseline/<name>`` with its ``-M`` arguments (``k`` for belief, ``lam`` for qre,
    ``tau`` for ch), or with them in the name: ``belief(k=3)``."""
    name, args = _inline_args(name, args)
    if name not in BASELINES:
        raise UnknownModelError(_unknown(name))
    allowed = _ARGS.get(name, ())
    for key in args:
        if key not in allowed:
            takes = f"takes {', '.join(allowed)}" if allowed else "takes no arguments"
            raise ModelArgsError(f"unknown model argument {key!r} for baseline/{name} ({takes})")
    k = _parse_k(args["k"]) if "k" in args else DEFAULT_LEVEL
    lam = _parse_lam(args["lam"]) if "lam" in args else DEFAULT_LAM
    tau = _parse_tau(args["tau"]) if "tau" in args else DEFAULT_TAU
    return BaselineAgent(name, k=k, lam=lam, tau=tau)


def _parse_tau(value: str) -> float:
    try:
        tau = float(value)
    except ValueError:
        raise ModelArgsError(
            f"model argument tau={value!r} for baseline/ch: expected a number >= 0"
        ) from None
    if not (tau >= 0.0 and math.isfinite(tau)):
        raise ModelArgsError(f"model argument tau={value!r} for baseline/ch: must be >= 0")
    return tau
