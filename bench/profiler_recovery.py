"""Behavioural profile in simulation: fit-test rejections, interval coverage, trials to recover.

    python bench/profiler_recovery.py [--part all|agents|fit|coverage|dynamic|trials]
        [--reps 100] [--control-reps 40] [--draws 99] [--trials 30] [--null 1000]
        [--coverage-reps 400] [--trial-reps 40]
        [--dynamic-reps 40] [--dynamic-trials 10] [--dynamic-draws 49] [--seed 0]

``--part agents``: the reference agents (belief at k = 2 and 3, Nash, QRE λ = 5) play the
classic suite through the store, ``--trials`` episodes per game and role, and are profiled as
`stratlens profile` does.

``--part fit``: simulated players (`stratlens.profiler.behavior_recovery`) play the classic
suite's 24 (game, role) cells, ``--trials`` decisions each, and are profiled with tremble
noise, profile-likelihood intervals and a parametric bootstrap of ``--draws`` refits.
Printed per player, each a share of its replications (``--reps`` for the styles, the
mixture and level 3; ``--control-reps`` for the negative controls and the random player):

1. how often the fit test rejects at 5% (bootstrap p, with its 95% Wilson interval, and χ² p);
   for the true styles the bootstrap's 95% point of G² (mean over replications) beside the
   true one (the 95% quantile of G² over ``--null`` data sets drawn from the true player and
   fitted), which says whether the bootstrap reference is calibrated;
2. how often each weight's 95% interval covers the true weight, minimax/trust/belief/other
   (truth: the style's weight 1, or the mixture's weights; a tremble of up to 0.5 being the
   style's own noise): the profile-likelihood intervals the profile reports, and beside them
   the basic bootstrap intervals of the same refits;
3. for level 3 and belief, how often the profile names the true depth (3, 2).

``--part coverage``: the profile-likelihood intervals' coverage per weight alone, over
``--coverage-reps`` replications (no bootstrap draws, so many more), with the lowest weight's
95% Wilson interval and the mean widths.

``--part dynamic``: the same fit test on the tree and repeated games (sequential and repeated
suites), where every decision node or round with its history is a cell: a style player with
20% tremble, or a control, against a uniform opponent, ``--dynamic-trials`` episodes per
game and role, ``--dynamic-reps`` replications, ``--dynamic-draws`` bootstrap refits.
``--part trials``: the fewest trials per (game, role) at which a style (own weight ≥ 0.8 and
dominant) or the mixture (every weight within 0.1) is recovered in ≥ 90% of ``--trial-reps``
replications.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from stratlens.profiler.behavior import STYLES
from stratlens.profiler.behavior_recovery import (
    CONTROLS,
    STYLE_AGENTS,
    profile,
    simulate,
    simulate_dynamic,
)

MIXTURE = {"minimax": 0.5, "trust_based": 0.3, "belief_anticipation": 0.2}
TRIAL_GRID = (1, 2, 3, 5, 8, 12, 20, 30, 50)
Player = str | dict[str, float]


def _truth(player: Player) -> np.ndarray:
    if isinstance(player, dict):
        return np.asarray([player.get(s, 0.0) for s in STYLES])
    style = {"random": "other"}.get(player, player)
    style = "belief_anticipation" if style.startswith("level:") else style
    return np.asarray([float(s == style) for s in STYLES])


def _name(player: Player, eps: float) -> str:
    label = "mixture .5/.3/.2" if isinstance(player, dict) else player
    return f"{label}, tremble {eps:.0%}" if eps else label


def _rate(k: int, n: int) -> str:
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return f"{k / n:.2f} [{low:.2f}, {high:.2f}]"


def _covers(bounds: np.ndarray, truth: np.ndarray) -> np.ndarray:
    return np.asarray((bounds[:, 0] <= truth + 1e-9) & (truth - 1e-9 <= bounds[:, 1]))


def _null_point(player: Player, eps: float, args: argparse.Namespace) -> float:
    """The 95% quantile of G² over ``--null`` data sets drawn from the true player."""
    rng = np.random.default_rng(args.seed + 1)
    dev = []
    for _ in range(args.null):
        p = profile(simulate(player, args.trials, rng, eps=eps), intervals=False)
        assert p.fit is not None
        dev.append(p.fit.statistic)
    return float(np.quantile(dev, 0.95))


def part_fit(args: argparse.Namespace, rng: np.random.Generator) -> None:
    cases: list[tuple[Player, float, bool]] = [
        *((c, 0.0, False) for c in CONTROLS),
        ("random", 0.0, False),
        *((s, e, True) for s in STYLE_AGENTS for e in (0.0, 0.1, 0.2, 0.4)),
        ("level:3", 0.1, True),
        (MIXTURE, 0.1, True),
    ]
    print(f"1-3. fit test, intervals and depth, {args.trials} trials per (game, role), "
          f"{args.reps} replications ({args.control_reps} for controls), {args.draws} "
          f"bootstrap draws; G² 95% point: bootstrap mean / truth ({args.null} data sets)"
          )  # fmt: skip
    print(
        "player".ljust(34)
        + "reject(boot) [95% CI]".ljust(23)
        + "reject(χ²)  G² 95%: boot/true  "
        + "cover m/t/b/o: profile        basic boot         depth  weights m/t/b/o   s"
    )
    for player, eps, is_style in cases:
        t0 = time.perf_counter()
        reps = args.reps if is_style else args.control_reps
        truth = _truth(player)
        rej_b = rej_c = depth_ok = 0
        cover_p, cover_b = np.zeros(len(STYLES)), np.zeros(len(STYLES))
        weights, points = [], []
        for _ in range(reps):
            p = profile(simulate(player, args.trials, rng, eps=eps), draws=args.draws,
                        seed=int(rng.integers(2**31)))  # fmt: skip
            assert p.fit is not None and p.intervals is not None and p.bootstrap is not None
            rej_b += int(p.fit.rejected)
            rej_c += int(p.fit.p_chi2 is not None and p.fit.p_chi2 <= p.fit.alpha)
            w = np.asarray([p.weights[s] for s in STYLES])
            weights.append(w)
            cover_p += _covers(np.asarray([p.intervals[s] for s in STYLES]), truth)
            cover_b += _covers(p.bootstrap.intervals(w), truth)
            points.append(float(np.quantile(p.bootstrap.deviance, 0.95)))
            depth_ok += int(p.depth == (3 if player == "level:3" else 2))
        points_text = " " * 18
        covers = " " * 38
        depth = "     "
        if is_style:
            points_text = f"{np.mean(points):7.1f} / {_null_point(player, eps, args):6.1f}   "
            covers = (
                "/".join(f"{c / reps:.2f}" for c in cover_p)
                + "  "
                + "/".join(f"{c / reps:.2f}" for c in cover_b)
            )
            if player in ("level:3", "belief_anticipation"):
                depth = f"{depth_ok / reps:5.2f}"
        mean = np.mean(weights, axis=0)
        print(
            f"{_name(player, eps).ljust(34)}{_rate(rej_b, reps).ljust(23)}"
            f"{rej_c / reps:9.2f}  {points_text}  {covers}  {depth}  "
            + "/".join(f"{w:.2f}" for w in mean)
            + f"  {time.perf_counter() - t0:4.0f}",
            flush=True,
        )


def part_coverage(args: argparse.Namespace, rng: np.random.Generator) -> None:
    """Coverage of the profile-likelihood intervals alone (no bootstrap: many replications)."""
    reps = args.coverage_reps
    print(f"2b. profile-likelihood interval coverage, {args.trials} trials per (game, role), "
          f"{reps} replications (no bootstrap draws)")  # fmt: skip
    print("player".ljust(34) + "cover m/t/b/o            lowest [95% CI]    width m/t/b/o   s")
    cases: list[tuple[Player, float]] = [
        ("random", 0.0),
        *((s, e) for s in STYLE_AGENTS for e in (0.0, 0.1, 0.2, 0.4)),
        ("level:3", 0.1),
        (MIXTURE, 0.1),
    ]
    for player, eps in cases:
        t0 = time.perf_counter()
        truth = _truth(player)
        covered, width = np.zeros(len(STYLES), dtype=int), np.zeros(len(STYLES))
        for _ in range(reps):
            p = profile(simulate(player, args.trials, rng, eps=eps))
            assert p.intervals is not None
            bounds = np.asarray([p.intervals[s] for s in STYLES])
            covered += _covers(bounds, truth)
            width += bounds[:, 1] - bounds[:, 0]
        low = int(np.argmin(covered))
        print(
            f"{_name(player, eps).ljust(34)}"
            + "/".join(f"{c / reps:.2f}" for c in covered)
            + f"  {STYLES[low][:5]} {_rate(int(covered[low]), reps)}  "
            + "/".join(f"{w / reps:.2f}" for w in width)
            + f"  {time.perf_counter() - t0:4.0f}",
            flush=True,
        )


def part_dynamic(args: argparse.Namespace, rng: np.random.Generator) -> None:
    reps, trials, draws = args.dynamic_reps, args.dynamic_trials, args.dynamic_draws
    print(f"4. fit test on the tree and repeated games (sequential + repeated suites), "
          f"{trials} episodes per (game, role) against a uniform opponent, {draws} bootstrap "
          f"draws, {reps} replications per style ({max(reps // 2, 1)} per control)")  # fmt: skip
    print("player".ljust(34) + "reject(boot) [95% CI]".ljust(23) + "reject(χ²)  decisions  cells"
          "  weights m/t/b/o   s")  # fmt: skip
    cases = [*((s, 0.2, True) for s in STYLE_AGENTS), ("level:1", 0.0, False),
             ("qre:5", 0.0, False), ("random", 0.0, False)]  # fmt: skip
    for agent, eps, is_style in cases:
        t0 = time.perf_counter()
        n = reps if is_style else max(reps // 2, 1)
        rej_b = rej_c = 0
        weights, sizes, cells = [], [], []
        for _ in range(n):
            sample = simulate_dynamic(agent, trials, rng, eps=eps)
            p = profile(sample, draws=draws, seed=int(rng.integers(2**31)), intervals=False)
            assert p.fit is not None
            rej_b += int(p.fit.rejected)
            rej_c += int(p.fit.p_chi2 is not None and p.fit.p_chi2 <= p.fit.alpha)
            weights.append([p.weights[s] for s in STYLES])
            sizes.append(p.n_decisions)
            cells.append(p.fit.cells)
        print(
            f"{_name(agent, eps).ljust(34)}{_rate(rej_b, n).ljust(23)}{rej_c / n:9.2f}"
            f"{np.mean(sizes):11.0f}{np.mean(cells):7.0f}  "
            + "/".join(f"{w:.2f}" for w in np.mean(weights, axis=0))
            + f"  {time.perf_counter() - t0:4.0f}",
            flush=True,
        )


def part_trials(args: argparse.Namespace, rng: np.random.Generator) -> None:
    print(f"5. trials per (game, role) for 90% recovery ({args.trial_reps} replications per n)")
    cases: list[tuple[Player, float]] = [
        *((s, e) for s in STYLE_AGENTS for e in (0.0, 0.2, 0.4)),
        (MIXTURE, 0.1),
    ]
    for player, eps in cases:
        truth = _truth(player)
        found = None
        for n in TRIAL_GRID:
            ok = 0
            for _ in range(args.trial_reps):
                p = profile(simulate(player, n, rng, eps=eps), intervals=False)
                w = np.asarray([p.weights[s] for s in STYLES])
                if isinstance(player, dict):
                    ok += int(np.max(np.abs(w - truth)) <= 0.1)
                else:
                    ok += int(p.dominant == player and p.weights[player] >= 0.8)
            if ok >= 0.9 * args.trial_reps:
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
        ("baseline/belief", {"k": "3"}),
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
        depth = f" depth {p.depth}" if p.depth else ""
        print(f"{model}: {weights}{depth} | {p.fit.verdict}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--control-reps", type=int, default=40)
    ap.add_argument("--draws", type=int, default=99)
    ap.add_argument("--trials", type=int, default=30)
    ap.add_argument("--null", type=int, default=1000)
    ap.add_argument("--coverage-reps", type=int, default=400)
    ap.add_argument("--trial-reps", type=int, default=40)
    ap.add_argument("--dynamic-reps", type=int, default=40)
    ap.add_argument("--dynamic-trials", type=int, default=10)
    ap.add_argument("--dynamic-draws", type=int, default=49)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--part", choices=("all", "agents", "fit", "coverage", "dynamic", "trials"), default="all"
    )
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    if args.part in ("all", "agents"):
        part_agents(args)
    if args.part in ("all", "fit"):
        part_fit(args, rng)
    if args.part in ("all", "coverage"):
        part_coverage(args, rng)
    if args.part in ("all", "dynamic"):
        part_dynamic(args, rng)
    if args.part in ("all", "trials"):
        part_trials(args, rng)
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
