"""Parameter recovery of the p-beauty contest's cognitive-hierarchy fit.

τ drawn from U(0.2, 3) and σ from U(1, 6); ``n`` guesses simulated from the model of
`stratlens.profiler.beauty` (3 players, p = 2/3) and fitted back. Prints, per n, the median
absolute error of τ, the coverage of its 95% profile interval and fits per second.

    python bench/beauty_recovery.py [--reps 20] [--n 30 300]
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

import numpy as np

from stratlens.profiler.beauty import Contest, fit_ch, simulate_ch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--n", type=int, nargs="+", default=[30, 300])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    contest = Contest(3, Fraction(2, 3))
    rng = np.random.default_rng(args.seed)
    print("| n | reps | tau median abs error | tau 95% coverage | fits/s |")
    print("|---|---|---|---|---|")
    for n in args.n:
        errors, covered = [], 0
        start = time.perf_counter()
        for _ in range(args.reps):
            tau, sigma = float(rng.uniform(0.2, 3.0)), float(rng.uniform(1.0, 6.0))
            fit = fit_ch(simulate_ch(tau, sigma, contest, n, rng), contest)
            errors.append(abs(fit.tau - tau))
            covered += int(fit.tau_ci[0] <= tau <= fit.tau_ci[1])
        rate = args.reps / (time.perf_counter() - start)
        print(
            f"| {n} | {args.reps} | {np.median(errors):.3f} | {covered / args.reps:.2f} | "
            f"{rate:.2f} |"
        )


if __name__ == "__main__":
    main()
