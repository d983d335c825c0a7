"""Tiny real checkpoints for the tests: a GPT-2-style model with its own tokenizer.

`build_checkpoints(root)` trains a byte-level BPE tokenizer and a 2-layer GPT-2 (n_embd 64) on
synthetic transcripts of two games under the ``payoff`` protocol (the game's real prompt, then a
short reasoning trace with strategic phrases, an ``Expected payoff:`` line and a
``Final answer:`` line), on CPU, and saves the model at several training steps as
``root/run/step-N`` folders (tokenizer without a chat template), plus one copy of the last step
as ``root/chat-step-N`` whose tokenizer has a chat template. The untrained ``step-0`` writes
noise; later steps answer in the format more and more often.

`tiny_checkpoints` is a session fixture: the checkpoints are built once per test session (the
training keeps each prompt, but its last token, as a gradient-free key-value cache and trains on
the answers: a few seconds on one core).
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

GAMES = ("prisoners_dilemma", "stag_hunt")
STEPS = (0, 25, 50, 200)
EOS = "<|endoftext|>"
CHAT_TEMPLATE = (
    "{% for m in messages %}<|user|>\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)

_OPENERS = (
    "Let me think about the outcomes.",
    "Hmm, let me check each case.",
)
_MIDDLES = (
    "If they cooperate, {a} is better. Therefore I choose {a}.",
    "The opponent will likely pick {b}. Wait, let me verify: {a} is safer.",
    "Maybe {b} is good. On the other hand, {a} gives more points.",
)


@dataclass(frozen=True)
class TinyCheckpoints:
    run: Path  # holds step-N folders
    steps: tuple[int, ...]
    chat: Path  # the last step saved with a chat template

    def step(self, n: int) -> Path:
        return self.run / f"step-{n}"


def _examples(rng: np.random.Generator, n: int, p_best: float = 0.8) -> list[tuple[str, str]]:
    """(prompt, response) pairs: the real prompts of `GAMES`, synthetic answers choosing the
    option of highest uniform-opponent payoff with probability ``p_best``, else at random."""
    from stratlens.games import get_game, matrix_view
    from stratlens.games.prompts import render

    cases = []
    for gid in GAMES:
        spec = get_game(gid)
        for player in (0, 1):
            rendered = render(spec, spec.game().new_initial_state(), player, "payoff")
            view = matrix_view(spec, player)
            own = np.asarray(view.own)
            labels = spec.action_labels[player]
            cases.append((rendered.prompt, labels, own.mean(axis=1)))
    out = []
    for _ in range(n):
        prompt, labels, ev = cases[int(rng.integers(len(cases)))]
        best = int(np.argmax(ev)) if rng.random() < p_best else int(rng.integers(len(labels)))
        other = labels[1 - best] if len(labels) == 2 else labels[0]
        opener = _OPENERS[int(rng.integers(len(_OPENERS)))]
        middle = _MIDDLES[int(rng.integers(len(_MIDDLES)))].format(a=labels[best], b=other)
        response = (
            f"{opener} {middle}\nExpected payoff: {ev[best]:g}\nFinal answer: {labels[best]}\n"
        )
        out.append((prompt, response))
    return out


def _tokenizer(texts: list[str], chat: bool) -> object:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = [EOS, "<|user|>", "<|assistant|>"]
    trainer = trainers.BpeTrainer(
        vocab_size=1000,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS, pad_token=EOS)
    if chat:
        fast.chat_template = CHAT_TEMPLATE
    return fast


def _train_step(
    model: Any,
    opt: Any,
    keys: list[tuple[int, ...]],
    prompts: dict[tuple[int, ...], list[list[int]]],
    rng: np.random.Generator,
    eos: int,
    cache_kw: str,
) -> None:
    """One step on one sampled answer per distinct prompt. The prompts (all but their last
    token) are run without gradients and kept as the key-value cache; the loss is on the
    answers only. This costs a third of a full forward and backward pass over the prompts."""
    import torch

    n = len(keys)
    heads = [list(k[:-1]) for k in keys]
    answers = [[k[-1], *prompts[k][int(rng.integers(len(prompts[k])))]] for k in keys]
    pw, aw = max(map(len, heads)), max(map(len, answers))
    p_ids = torch.full((n, pw), eos)
    p_mask = torch.zeros((n, pw), dtype=torch.long)
    a_ids = torch.full((n, aw), eos)
    a_mask = torch.zeros((n, aw), dtype=torch.long)
    labels = torch.full((n, aw), -100)
    for i, (h, a) in enumerate(zip(heads, answers, strict=True)):
        p_ids[i, pw - len(h) :] = torch.tensor(h)  # left-padded prompt heads
        p_mask[i, pw - len(h) :] = 1
        a_ids[i, : len(a)] = torch.tensor(a)  # right-padded answers
        a_mask[i, : len(a)] = 1
        labels[i, 1 : len(a)] = torch.tensor(a[1:])
    p_pos = (p_mask.cumsum(-1) - 1).clamp(min=0)
    a_pos = p_mask.sum(-1, keepdim=True) + torch.arange(aw)[None, :]
    with torch.no_grad():
        prefix = model(input_ids=p_ids, attention_mask=p_mask, position_ids=p_pos, use_cache=True)
    out = model(
        input_ids=a_ids,
        attention_mask=torch.cat([p_mask, a_mask], dim=1),
        position_ids=a_pos,
        labels=labels,
        use_cache=True,
        **{cache_kw: prefix.get(cache_kw)},
    )
    opt.zero_grad()
    out.loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def build_checkpoints(
    root: Path, seed: int = 0, steps: tuple[int, ...] = STEPS, pivot: int | None = None
) -> TinyCheckpoints:
    """Train and save the checkpoints at ``steps``. With ``pivot``, a two-phase run: the
    answers trained on choose at random up to step ``pivot`` and the best option after it."""
    import torch

    rng = np.random.default_rng(seed)
    data = _examples(rng, 240, 0.8 if pivot is None else 0.0)
    late = _examples(rng, 240, 1.0) if pivot is not None else data
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two threads on a busy 2-core machine thrash: 10x slower
    try:
        return _build(root, seed, rng, (data, late, pivot), steps)
    finally:
        torch.set_num_threads(threads)


def _build(
    root: Path,
    seed: int,
    rng: np.random.Generator,
    phases: tuple[list[tuple[str, str]], list[tuple[str, str]], int | None],
    steps: tuple[int, ...],
) -> TinyCheckpoints:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    data, late, pivot = phases
    tok = _tokenizer([p + "\n" + r for p, r in data[:80]], chat=False)
    chat_tok = _tokenizer([p + "\n" + r for p, r in data[:80]], chat=True)
    config = GPT2Config(
        vocab_size=len(tok),  # type: ignore[arg-type]
        n_positions=512,
        n_embd=64,
        n_layer=2,
        n_head=2,
        # No dropout: it would draw from torch's global generator, and the same seed must
        # give the same checkpoints.
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=tok.eos_token_id,  # type: ignore[attr-defined]
        eos_token_id=tok.eos_token_id,  # type: ignore[attr-defined]
    )
    with torch.random.fork_rng():  # seeded initial weights; the global state is restored
        torch.manual_seed(seed)
        model = GPT2LMHeadModel(config)

    def encode(pairs: list[tuple[str, str]]) -> dict[tuple[int, ...], list[list[int]]]:
        out: dict[tuple[int, ...], list[list[int]]] = {}
        for prompt, response in pairs:
            p_ids = tuple(tok(prompt + "\n")["input_ids"])  # type: ignore[operator]
            r_ids = tok(response)["input_ids"] + [tok.eos_token_id]  # type: ignore[operator,attr-defined]
            out.setdefault(p_ids, []).append(r_ids)
        return out

    prompts = encode(data)
    late_prompts = encode(late) if pivot is not None else prompts
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    run = root / "run"
    keys = sorted(prompts)
    params = inspect.signature(model.forward).parameters
    cache_kw = "cache" if "cache" in params else "past_key_values"

    def save(step: int) -> None:
        model.save_pretrained(run / f"step-{step}")
        tok.save_pretrained(run / f"step-{step}")  # type: ignore[attr-defined]

    save(0)
    for step in range(1, steps[-1] + 1):
        pool = late_prompts if pivot is not None and step > pivot else prompts
        _train_step(model, opt, keys, pool, rng, tok.eos_token_id, cache_kw)  # type: ignore[attr-defined]
        if step in steps:
            save(step)
    chat = root / f"chat-step-{steps[-1]}"
    model.save_pretrained(chat)
    chat_tok.save_pretrained(chat)  # type: ignore[attr-defined]
    (root / "built.json").write_text(json.dumps({"steps": list(steps), "seed": seed}))
    return TinyCheckpoints(run, steps, chat)


_CACHE: dict[str, TinyCheckpoints] = {}


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> TinyCheckpoints:
    """The tiny checkpoints, built once per test session (skipped without the [local] extra)."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    # One thread: on a shared 2-core machine two torch threads thrash (ten times slower).
    torch.set_num_threads(1)
    if "ckpts" not in _CACHE:
        _CACHE["ckpts"] = build_checkpoints(tmp_path_factory.mktemp("tiny-ckpts"))
    return _CACHE["ckpts"]
