"""Generated tokens per second of the hf/<path> agent, batched beside one answer at a time.

    python bench/local_agent.py [--answers 32] [--tokens 48] [--batch 1 8 32] [--layers 4]
                                [--width 256] [--device auto] [--threads N]

A GPT-2-style model (random weights, its own byte-level BPE tokenizer, built in a temporary
folder) answers the same ``--answers`` prompts of the ``payoff`` protocol, always generating
``--tokens`` tokens (no early stop), through `LocalAgent.generate` at each batch size, then
through concurrent `act` calls gathered by the agent's batcher. Each figure is printed as
tokens per second and as a ratio to batch size 1, all measured in this one run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.tiny_checkpoints


def build_model(folder: Path, layers: int, width: int) -> None:
    import numpy as np
    import torch
    from tests.tiny_checkpoints import _examples, _tokenizer
    from transformers import GPT2Config, GPT2LMHeadModel

    data = _examples(np.random.default_rng(0), 80)
    tok = _tokenizer([p + "\n" + r for p, r in data], chat=False)
    config = GPT2Config(
        vocab_size=len(tok),  # type: ignore[arg-type]
        n_positions=1024,
        n_embd=width,
        n_layer=layers,
        n_head=max(1, width // 64),
        eos_token_id=None,  # never stop early: every answer is --tokens long
    )
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = GPT2LMHeadModel(config)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)  # type: ignore[attr-defined]


def turns(n: int) -> list[object]:
    from stratlens.agents import Turn
    from stratlens.games import decision_view, get_game
    from stratlens.games.prompts import render

    out = []
    for i in range(n):
        spec = get_game(("prisoners_dilemma", "stag_hunt", "chicken")[i % 3])
        state = spec.game().new_initial_state()
        r = render(spec, state, i % 2, "payoff")
        out.append(
            Turn(
                spec.id,
                i % 2,
                r.rules,
                r.observation,
                r.legal_actions,
                "payoff",
                r.prompt,
                decision_view(spec, state, i % 2),
                seed=i,
            )
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--answers", type=int, default=32)
    ap.add_argument("--tokens", type=int, default=48)
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = ap.parse_args()

    import torch

    from stratlens.agents.local import LocalAgent

    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        build_model(Path(tmp), args.layers, args.width)
        ts = turns(args.answers)
        prompts = [t.prompt for t in ts]  # type: ignore[attr-defined]
        seeds = list(range(args.answers))
        rates: dict[str, float] = {}
        for b in args.batch:
            agent = LocalAgent(tmp, max_new_tokens=args.tokens, batch_size=b, device=args.device)
            agent.generate(prompts[:b], seeds[:b])  # warm-up
            start = time.perf_counter()
            made = 0
            for i in range(0, args.answers, b):
                made += sum(
                    len(g.tokens) for g in agent.generate(prompts[i : i + b], seeds[i : i + b])
                )
            rates[f"generate, batch {b}"] = made / (time.perf_counter() - start)
        big = max(args.batch)
        agent = LocalAgent(tmp, max_new_tokens=args.tokens, batch_size=big, device=args.device)

        async def play() -> int:
            ds = await asyncio.gather(*(agent.act(t) for t in ts))  # type: ignore[arg-type]
            return sum(d.usage.completion_tokens for d in ds)

        asyncio.run(play())  # warm-up
        agent.batch_sizes.clear()
        start = time.perf_counter()
        made = asyncio.run(play())
        rates[f"act ×{args.answers} concurrent (batches {agent.batch_sizes})"] = made / (
            time.perf_counter() - start
        )
    base = rates[f"generate, batch {args.batch[0]}"]
    print(
        f"model: GPT-2 {args.layers} layers × {args.width}, device {agent.model.device}, "
        f"torch threads {torch.get_num_threads()}; {args.answers} answers × {args.tokens} tokens"
    )
    for name, rate in rates.items():
        print(f"  {name:<48} {rate:9.1f} tokens/s   ×{rate / base:5.2f}")


if __name__ == "__main__":
    main()
