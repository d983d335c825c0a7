"""The styles on a sequential decision of perfect information (`TreeView`).

Each style is a rule for choosing at a decision node given what the subtrees are worth;
chance nodes average. Payoffs are carried as pairs indexed by player (0, 1), and reported to
the decider as (own, other).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from stratlens.agents import _solvers as sv
from stratlens.agents._choice import FloatArray, Style, TreeChoice
from stratlens.games.views import CHANCE, TreeNode, TreeView

Pair = tuple[float, float]
#: A choice rule: (node, the children's payoff pairs) → probabilities over the children.
Rule = Callable[[TreeNode, list[Pair]], FloatArray]


def _average(probs: FloatArray, pairs: list[Pair]) -> Pair:
    arr = np.asarray(pairs, dtype=float)
    avg = probs @ arr
    return float(avg[0]), float(avg[1])


def _chance_probs(node: TreeNode) -> FloatArray:
    p = np.asarray([c[2] if c[2] is not None else 0.0 for c in node.children], dtype=float)
    out: FloatArray = p / p.sum()
    return out


class _Backward:
    """Backward induction with one choice rule at every decision node (memoised per node)."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.memo: dict[int, tuple[Pair, FloatArray]] = {}

    def value(self, node: TreeNode) -> Pair:
        return self.solve(node)[0]

    def solve(self, node: TreeNode) -> tuple[Pair, FloatArray]:
        hit = self.memo.get(id(node))
        if hit is not None:
            return hit
        if node.is_terminal:
            assert node.payoffs is not None
            out: tuple[Pair, FloatArray] = (node.payoffs, np.zeros(0))
        else:
            pairs = [self.value(c[3]) for c in node.children]
            probs = _chance_probs(node) if node.player == CHANCE else self.rule(node, pairs)
            out = (_average(probs, pairs), probs)
        self.memo[id(node)] = out
        return out


def _tree_tol(node: TreeNode) -> float:
    """Tolerance scaled by the largest payoff in the tree."""
    if node.is_terminal:
        assert node.payoffs is not None
        return sv.TOL * max(1.0, *(abs(v) for v in node.payoffs))
    return max(_tree_tol(c[3]) for c in node.children)


def _one_hot(n: int, i: int) -> FloatArray:
    e = np.zeros(n)
    e[i] = 1.0
    return e


def _lowest_id(node: TreeNode, values: FloatArray, tol: float, highest: bool) -> FloatArray:
    """The best child by ``values``, ties to the lowest action id."""
    v = values if highest else -values
    best = [k for k in range(len(v)) if v[k] >= v.max() - tol]
    k = min(best, key=lambda k: node.children[k][0])
    return _one_hot(len(values), k)


def _result(
    style: Style,
    view: TreeView,
    value: Callable[[TreeNode], Pair],
    probs: FloatArray,
    reply: Callable[[TreeNode], FloatArray | None],
    *,
    joint: bool = False,
    level: int | None = None,
    lam: float | None = None,
) -> TreeChoice:
    """Assemble the result: ``value`` gives a subtree's payoffs under the style's model,
    ``reply`` the other's distribution at its node; ``joint`` ranks root actions by the
    payoff sum instead of the decider's own payoff."""
    me, root = view.player, view.root
    pairs = [value(c[3]) for c in root.children]
    replies: list[str | None] = []
    for c in root.children:
        child, dist = c[3], None
        if child.player == 1 - me:
            dist = reply(child)
        if dist is None or np.count_nonzero(dist >= dist.max() - 1e-9) != 1:
            replies.append(None)
        else:
            replies.append(child.children[int(np.argmax(dist))][1])
    ranked = [p[0] + p[1] if joint else p[me] for p in pairs]
    return TreeChoice(
        style,
        tuple(c[0] for c in root.children),
        probs,
        np.asarray(ranked, dtype=float),
        labels=tuple(c[1] for c in root.children),
        outcomes=tuple((p[me], p[1 - me]) for p in pairs),
        replies=tuple(replies),
        level=level,
        lam=lam,
    )


def tree_random(view: TreeView) -> TreeChoice:
    n = len(view.root.children)
    solver = _Backward(lambda node, pairs: sv.uniform(len(pairs)))
    return _result("random", view, solver.value, sv.uniform(n), lambda node: None)


def tree_minimax(view: TreeView) -> TreeChoice:
    """My nodes maximise my payoff, the other's minimise it, chance averages (ties: lowest id)."""
    me, tol = view.player, _tree_tol(view.root)

    def rule(node: TreeNode, pairs: list[Pair]) -> FloatArray:
        mine = np.asarray([p[me] for p in pairs], dtype=float)
        return _lowest_id(node, mine, tol, highest=node.player == me)

    solver = _Backward(rule)
    probs = solver.solve(view.root)[1]
    return _result("minimax", view, solver.value, probs, lambda n: solver.solve(n)[1])


def tree_trust(view: TreeView) -> TreeChoice:
    """Every mover maximises the joint payoff (ties: fairer, then the mover's own, lowest id)."""
    tol = _tree_tol(view.root)

    def rule(node: TreeNode, pairs: list[Pair]) -> FloatArray:
        joint = np.asarray([a + b for a, b in pairs])
        cand = [k for k in range(len(pairs)) if joint[k] >= joint.max() - tol]
        gap = min(abs(pairs[k][0] - pairs[k][1]) for k in cand)
        cand = [k for k in cand if abs(pairs[k][0] - pairs[k][1]) <= gap + tol]
        own = max(pairs[k][node.player] for k in cand)
        cand = [k for k in cand if pairs[k][node.player] >= own - tol]
        return _one_hot(len(pairs), min(cand, key=lambda k: node.children[k][0]))

    solver = _Backward(rule)
    probs = solver.solve(view.root)[1]
    return _result(
        "trust_based", view, solver.value, probs, lambda n: solver.solve(n)[1], joint=True
    )


def tree_nash(view: TreeView) -> TreeChoice:
    """Subgame-perfect backward induction: each mover maximises its own payoff (ties split)."""
    tol = _tree_tol(view.root)

    def rule(node: TreeNode, pairs: list[Pair]) -> FloatArray:
        return sv.split_ties(np.asarray([p[node.player] for p in pairs], dtype=float), tol)

    solver = _Backward(rule)
    probs = solver.solve(view.root)[1]
    return _result("nash", view, solver.value, probs, lambda n: solver.solve(n)[1])


def tree_qre(view: TreeView, lam: float = 1.0) -> TreeChoice:
    """Agent logit QRE by backward induction: softmax(lam · the mover's continuation values)."""

    def rule(node: TreeNode, pairs: list[Pair]) -> FloatArray:
        return sv.softmax(lam * np.asarray([p[node.player] for p in pairs], dtype=float))

    solver = _Backward(rule)
    probs = solver.solve(view.root)[1]
    return _result("qre", view, solver.value, probs, lambda n: solver.solve(n)[1], lam=lam)


class _LevelK:
    """Level-k on a tree: a level-k player maximises its expected payoff when the other plays
    level k-1 at the other's nodes and it plays level k at its own later nodes; level 0 is
    uniform at every node. Memoised per (node, player, level)."""

    def __init__(self, tol: float) -> None:
        self.tol = tol
        self.values: dict[tuple[int, int, int], Pair] = {}
        self.policies: dict[tuple[int, int, int], FloatArray] = {}

    def policy(self, node: TreeNode, player: int, k: int) -> FloatArray:
        """``player``'s level-k distribution at its own node."""
        if k <= 0:
            return sv.uniform(len(node.children))
        key = (id(node), player, k)
        if key not in self.policies:
            mine = [self.value(c[3], player, k)[player] for c in node.children]
            self.policies[key] = sv.split_ties(np.asarray(mine, dtype=float), self.tol)
        return self.policies[key]

    def value(self, node: TreeNode, player: int, k: int) -> Pair:
        """Payoffs below ``node`` with ``player`` at level k and the other at level k-1."""
        if node.is_terminal:
            assert node.payoffs is not None
            return node.payoffs
        key = (id(node), player, k)
        if key not in self.values:
            if node.player == CHANCE:
                probs = _chance_probs(node)
            elif node.player == player:
                probs = self.policy(node, player, k)
            else:
                probs = self.policy(node, node.player, k - 1)
            pairs = [self.value(c[3], player, k) for c in node.children]
            self.values[key] = _average(probs, pairs)
        return self.values[key]


def tree_belief(view: TreeView, k: int = 2) -> TreeChoice:
    """Level-k on the tree (see `_LevelK`); the other's modelled replies are its level k-1."""
    me = view.player
    lk = _LevelK(_tree_tol(view.root))
    probs = lk.policy(view.root, me, k)

    def reply(node: TreeNode) -> FloatArray | None:
        return None if k - 1 <= 0 else lk.policy(node, node.player, k - 1)

    return _result("belief_anticipation", view, lambda n: lk.value(n, me, k), probs, reply, level=k)
