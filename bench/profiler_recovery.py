"""Behavioural profile in simulation: fit-test rejections, interval coverage, trials to recover.

    python bench/profiler_recovery.py [--reps 40] [--draws 99] [--trials 30] [--seed 0]

``--part agents``: the reference agents (and Nash, QRE λ = 5) play the classic suite through
the store, ``--trials`` episodes per game and role, and are profiled as `stratlens profile`
does. Simulated players (`stratlens.profiler.behavior_recovery`) play the classic suite's 24
(game, role) cells, ``--trials`` decisions each, and are profiled with tremble noise and a
parametric bootstrap of ``--draws`` refits. Printed, each a share of ``--reps`` replications:

1. how often the fit test rejects (bootstrap p and χ² p, both at 5%), for the negative controls
   (nash, QRE at λ 0.5 and 5, level 1), the random player, each style with 0%, 10%, 20% and
   40% tremble, level 3 (belief at depth 3) and a mixture; with the mean weights;
2. how often each weight's 95% bootstrap interval covers the true weight (``cover(each)``: the
   mean over the four weights; ``cover(all)``: all four at once; truth: the style's weight 1,
   or the mixture's weights, a tremble of up to 0.5 being the style's own noise);
3. the fewest trials per (game, role) at which a style (own weight ≥ 0.8 and dominant) or the
   mixture (every weight within 0.1) is recovered in ≥ 90% of replications (no bootstrap).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from stratlens.profiler.behavior import STYLES
from stratlens.profiler.behavior_recovery import CONTROLS, STYLE_AGENTS, profile, simulate

MIXTURE = {"minimax": 0.5, "trust_based": 0.3, "belief_anticipation": 0.2}
TRIAL_GRID = (1, 2, 3, 5, 8, 12, 20, 30, 50)


def _truth(player: str | dict[str, float]) -> np.ndarray:
    if isinstance(player, dict):
        return np.asarray([player.get(s, 0.0) for s in STYLES])
    style = "belief_anticipation" if player.startswith("level:") else player
    return np.asarray([float(s == style) for s in STYLES])


def _name(player: str | dict[str, float], eps: float) -> str:
    label = "mixture .5/.3/.2" if isinstance(player, dict) else player
    return f"{label}, tremble {eps:.0%}" if eps else label


def part_one(args: argparse.Namespace, rng: np.random.Generator) -> None:
    cases: list[tuple[str | dict[str, float], float, bool]] = [
        *((c, 0.0, False) for c in CONTROLS),
        ("random", 0.0, False),
        *((s, e, True) for s in STYLE_AGENTS for e in (0.0, 0.1, 0.2, 0.4)),
        ("level:3", 0.1, True),
        (MIXTURE, 0.1, True),
    ]
    print(f"1-2. fit test and intervals, {args.trials} trials per (game, role), "
          f"{args.reps} replications, {args.draws} bootstrap draws")  # fmt: skip
    head = "player".ljust(34) + "reject(boot) reject(chi2)  cover(each) cover(all)  weights m/t/b/o"
    print(head)
    for player, eps, check_cover in cases:
        rej_b = rej_c = covered = 0
        each = 0.0
        weights = []
        for _ in range(args.reps):
            sample = simulate(player, args.trials, rng, eps=eps)
            p = profile(sample, draws=args.draws, seed=int(rng.integers(2**31)))
            assert p.fit is not None and p.intervals is not None
            rej_b += int(p.fit.rejected)
            rej_c += int(p.fit.p_chi2 is not None and p.fit.p_chi2 <= p.fit.alpha)
            weights.append([p.weights[s] for s in STYLES])
            truth = _truth(player)
            lows = np.asarray([p.intervals[s][0] for s in STYLES])
            highs = np.asarray([p.intervals[s][1] for s in STYLES])
            inside = (lows <= truth + 1e-9) & (truth - 1e-9 <= highs)
            covered += int(np.all(inside))
            each += float(np.mean(inside))
        mean = np.mean(weights, axis=0)
        cover = f"{each / args.reps:11.2f}{covered / args.reps:11.2f}" if check_cover else " " * 22
        print(
            f"{_name(player, eps).ljust(34)}{rej_b / args.reps:12.2f}{rej_c / args.reps:13.2f}"
            f"  {cover}  " + "/".join(f"{w:.2f}" for w in mean),
            flush=True,
        )


def part_three(args: argparse.Namespace, rng: np.random.Generator) -> None:
    print(f"3. trials per (game, role) for 90% recovery ({args.reps} replications per n)")
    for player, eps in [
        *((s, e) for s in STYLE_AGENTS for e in (0.0, 0.2, 0.4)),
        (MIXTURE, 0.1),
    ]:
        truth = _truth(player)
        found = None
        for n in TRIAL_GRID:
            ok = 0
            for _ in range(args.reps):
                p = profile(simulate(player, n, rng, eps=eps))
                w = np.asarray([p.weights[s] for s in STYLES])
                if isinstance(player, dict):
                    ok += int(np.max(np.abs(w - truth)) <= 0.1)
                else:
                    ok += int(p.dominant == player and p.weights[player] >= 0.8)
            if ok >= 0.9 * args.reps:
                found = n
                break
        print(f"{_name(player, eps).ljust(34)} {found if found else f'> {TRIAL_GRID[-1]}'}")


def part_agents(args: argparse.Namespace) -> None:
    """The reference agents played through the store, profiled as `stratlens profile` does."""
    import tempfile
    from pathlib import Path

    import stratlens
    from stratlens.profiler.behavior import behavior_profile
    from stratlens.results import load_decisions

    print(f"0. reference agents, classic suite, {args.trials} episodes per game and role, "
          f"{args.draws} bootstrap draws")  # fmt: skip
    agents: list[tuple[str, dict[str, str] | None]] = [
        ("baseline/minimax", None),
        ("baseline/trust", None),
        ("baseline/belief", None),
        ("baseline/random", None),
        ("baseline/nash", None),
        ("baseline/qre", {"lam": "5"}),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "store.db")
        for model, model_args in agents:
            stratlens.evaluate(
                model, suite="classic", episodes=args.trials, store=store, model_args=model_args
            )
        frame = load_decisions(store, include_opponents=True)
    for model, p in behavior_profile(frame, draws=args.draws, seed=args.seed).items():
        assert p.fit is not None and p.intervals is not None
        weights = " ".join(
            f"{s} {w:.2f} [{p.intervals[s][0]:.2f}, {p.intervals[s][1]:.2f}]"
            for s, w in p.weights.items()
        )
        print(f"{model}: {weights} | {p.fit.verdict}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=40)
    ap.add_argument("--draws", type=int, default=99)
    ap.add_argument("--trials", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--part", choices=("all", "agents", "fit", "trials"), default="all")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    if args.part in ("all", "agents"):
        part_agents(args)
    if args.part in ("all", "fit"):
        part_one(args, rng)
    if args.part in ("all", "trials"):
        part_three(args, rng)
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
