"""Fits per second: TQRE (both estimators) and the behavioural style mixture.

    python bench/profiler_fit.py [--reps 20] [--episodes 30]

TQRE: ``--reps`` data sets simulated from the paper's model at random (τ, γ) on the
competitive baseline game, 30 answers per role, each fitted with profile-likelihood intervals
by ``tqre``, by ``jia2025`` with the notebook's procedure (L-BFGS-B from three starts) and by
``jia2025`` with the global search. Style mixture: the four reference agents
(minimax, trust, belief, random) play the classic suite (``--episodes`` per game and role);
each model's decisions are fitted (view rebuild + style models + mixture), with tremble and
with logit noise. All timings in this one process; the ratios compare the fits side by side.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import stratlens
from stratlens.profiler._style_models import Noise
from stratlens.profiler.behavior import behavior_profile
from stratlens.profiler.tqre import fit
from stratlens.profiler.tqre_recovery import simulate_counts
from stratlens.results import load_decisions

GAME = "competitive_baseline"
AGENTS = ("baseline/minimax", "baseline/trust", "baseline/belief", "baseline/random")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--episodes", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    data = []
    for _ in range(args.reps):
        tau, gamma = (float(x) for x in rng.uniform(0.2, 3.0, 2))
        data.append(simulate_counts(GAME, tau, gamma, 30, rng))
    rates: dict[str, float] = {}
    for label, kwargs in (
        ("tqre (global search)", {"estimator": "tqre"}),
        ("jia2025 (notebook starts)", {"estimator": "jia2025"}),
        ("jia2025 (global search)", {"estimator": "jia2025", "search": "global"}),
    ):
        t0 = time.perf_counter()
        for counts in data:
            fit(GAME, counts, **kwargs)  # type: ignore[arg-type]
        rates[label] = args.reps / (time.perf_counter() - t0)

    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "store.db")
        for model in AGENTS:
            stratlens.evaluate(model, suite="classic", episodes=args.episodes, store=store)
        frame = load_decisions(store)
    n_decisions = int((frame["model"] == AGENTS[0]).sum())
    noises: tuple[Noise, ...] = ("tremble", "logit")
    for noise in noises:
        t0 = time.perf_counter()
        behavior_profile(frame, noise=noise)
        rates[f"style mixture, {noise} ({n_decisions} decisions)"] = len(AGENTS) / (
            time.perf_counter() - t0
        )

    base = rates["tqre (global search)"]
    width = max(len(k) for k in rates)
    print(f"{'fit'.ljust(width)}  fits/s   × tqre")
    for label, rate in rates.items():
        print(f"{label.ljust(width)}  {rate:7.2f}  {rate / base:6.2f}")


if __name__ == "__main__":
    main()
