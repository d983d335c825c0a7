"""The hf/<path> agent on real tiny checkpoints the tests build (tests/tiny_checkpoints.py)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from stratlens.agents import Turn, make_agent
from stratlens.errors import ModelArgsError, UsageError
from stratlens.games import decision_view, get_game
from stratlens.games.prompts import render
from stratlens.results.phases.entropy import exact_entropy, log_softmax
from tests.tiny_checkpoints import CHAT_TEMPLATE, TinyCheckpoints, tiny_checkpoints

pytest.importorskip("torch")
__all__ = ["tiny_checkpoints"]  # the session fixture, imported for the tests below


def _turn(game_id: str = "prisoners_dilemma", player: int = 0, seed: int = 0) -> Turn:
    spec = get_game(game_id)
    state = spec.game().new_initial_state()
    r = render(spec, state, player, "payoff")
    return Turn(
        game_id=spec.id, player=player, rules=r.rules, observation=r.observation,
        legal_actions=r.legal_actions, protocol="payoff", prompt=r.prompt,
        view=decision_view(spec, state, player), seed=seed,
    )  # fmt: skip


def _agent(path: Path, **args: str):  # type: ignore[no-untyped-def]
    return make_agent(f"hf/{path}", {"max_new_tokens": "24", **args})


def test_plain_prompt_and_chat_template(tiny_checkpoints: TinyCheckpoints) -> None:
    plain = _agent(tiny_checkpoints.step(tiny_checkpoints.steps[-1]))
    chat = _agent(tiny_checkpoints.chat)
    prompt = _turn().prompt
    assert not plain.model.has_chat_template
    assert plain.model.format_prompt(prompt) == prompt + "\n"
    assert chat.model.has_chat_template
    assert chat.model.tokenizer.chat_template == CHAT_TEMPLATE
    assert chat.model.format_prompt(prompt) == f"<|user|>\n{prompt}\n<|assistant|>\n"
    assert plain.name == f"hf/{tiny_checkpoints.step(tiny_checkpoints.steps[-1])}"


def test_logprobs_and_entropies_match_the_logits(tiny_checkpoints: TinyCheckpoints) -> None:
    import torch

    agent = _agent(tiny_checkpoints.step(tiny_checkpoints.steps[1]), temperature="1")
    model = agent.model
    prompt = _turn().prompt
    (gen,) = agent.generate([prompt], [7])
    assert len(gen.tokens) >= 5
    ids = model.encode(prompt) + list(gen.token_ids)
    with torch.no_grad():
        logits = model.model(input_ids=torch.tensor([ids])).logits[0].double().numpy()
    n_prompt = gen.prompt_tokens
    z = logits[n_prompt - 1 : n_prompt - 1 + len(gen.token_ids)]  # the logits before each token
    want_h = exact_entropy(z)
    want_lp = log_softmax(z)[np.arange(len(gen.token_ids)), list(gen.token_ids)]
    assert np.allclose(gen.entropies, want_h, atol=1e-4)
    assert np.allclose(gen.logprobs, want_lp, atol=1e-4)
    assert "".join(gen.tokens) == gen.text  # every character belongs to one token
    recs = gen.records()
    assert recs[0]["entropy"] == pytest.approx(want_h[0], abs=1e-5)


def test_batched_generation_equals_one_at_a_time(tiny_checkpoints: TinyCheckpoints) -> None:
    agent = _agent(tiny_checkpoints.step(tiny_checkpoints.steps[-1]), temperature="0")
    prompts = [_turn("prisoners_dilemma", 0).prompt, _turn("stag_hunt", 1).prompt,
               _turn("prisoners_dilemma", 1).prompt]  # fmt: skip
    batch = agent.generate(prompts, [0, 1, 2])
    for prompt, got in zip(prompts, batch, strict=True):
        (alone,) = agent.generate([prompt], [0])
        assert got.token_ids == alone.token_ids
        assert np.allclose(got.logprobs, alone.logprobs, atol=1e-4)
        assert np.allclose(got.entropies, alone.entropies, atol=1e-4)


def test_seeded_sampling_does_not_depend_on_the_batch(tiny_checkpoints: TinyCheckpoints) -> None:
    agent = _agent(tiny_checkpoints.step(tiny_checkpoints.steps[1]), temperature="1")
    prompt = _turn().prompt
    a = agent.generate([prompt, prompt, prompt], [11, 12, 11])
    (b,) = agent.generate([prompt], [12])
    assert a[0].token_ids == a[2].token_ids  # same seed, same answer
    assert a[1].token_ids == b.token_ids  # whatever shares the batch
    assert a[0].token_ids != a[1].token_ids


def test_concurrent_turns_are_generated_in_one_batch(tiny_checkpoints: TinyCheckpoints) -> None:
    agent = _agent(
        tiny_checkpoints.step(tiny_checkpoints.steps[-1]),
        batch_window_ms="200",
        batch_size="8",
        temperature="0",
    )
    turns = [_turn("stag_hunt", i % 2, seed=i) for i in range(6)]

    async def play() -> list:  # type: ignore[type-arg]
        return list(await asyncio.gather(*(agent.act(t) for t in turns)))

    decisions = asyncio.run(play())
    assert agent.batch_sizes == [6]
    for t, d in zip(turns, decisions, strict=True):
        assert d.parse_status in ("ok", "unparseable", "illegal", "refused")
        assert (d.action is None) == (d.parse_status != "ok")
        if d.action is not None:
            assert d.action in t.legal_actions
        assert "".join(r["token"] for r in d.logprobs) == d.raw_output
        assert d.usage.completion_tokens == len(d.logprobs)
        assert d.usage.prompt_tokens > 100
    # A second event loop gets its own batcher.
    asyncio.run(play())
    assert agent.batch_sizes == [6, 6]


def test_bad_model_strings_and_arguments(tmp_path: Path, tiny_checkpoints: TinyCheckpoints) -> None:
    with pytest.raises(UsageError, match="no checkpoint folder"):
        make_agent(f"hf/{tmp_path / 'missing'}")
    good = tiny_checkpoints.step(0)
    with pytest.raises(ModelArgsError, match="unknown model argument"):
        make_agent(f"hf/{good}", {"temp": "1"})
    with pytest.raises(ModelArgsError, match="top_p"):
        make_agent(f"hf/{good}", {"top_p": "0"})
    with pytest.raises(ModelArgsError, match="must be a number"):
        make_agent(f"hf/{good}", {"max_new_tokens": "many"})


def test_importing_the_agents_does_not_import_torch() -> None:
    code = (
        "import sys, stratlens.agents; print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_a_prompt_longer_than_the_context_is_one_error_and_stops_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A checkpoint of 48 positions: every prompt of the suite is longer. Before, each decision
    # failed on "IndexError: index out of range in self" and compare reported empty metrics.
    pytest.importorskip("transformers")
    from transformers import GPT2Config, GPT2LMHeadModel

    from stratlens.cli import main
    from tests.tiny_checkpoints import _tokenizer

    tok = _tokenizer(["Final answer: row 0", "You are Player 1. column 1"] * 20, chat=False)
    config = GPT2Config(vocab_size=len(tok), n_positions=48, n_embd=8, n_layer=1, n_head=1,  # type: ignore[arg-type]
                        eos_token_id=tok.eos_token_id, bos_token_id=tok.eos_token_id)  # type: ignore[attr-defined]  # fmt: skip
    folder = tmp_path / "short"
    GPT2LMHeadModel(config).save_pretrained(folder)
    tok.save_pretrained(folder)  # type: ignore[attr-defined]
    store = tmp_path / "s.db"
    argv = ["--game", "prisoners_dilemma", "--episodes", "3", "--store", str(store),
            "--no-progress"]  # fmt: skip
    assert main(["eval", "--model", f"hf/{folder}", *argv]) == 1
    err = capsys.readouterr().err  # (transformers draws its loading bars there too)
    ours = [ln for ln in err.splitlines() if ln.startswith("stratlens:")]
    assert len(ours) == 1 and "exceeds the model's context of 48 tokens" in ours[0], err
    assert "a prompt of " in ours[0] and "IndexError" not in err
    out = tmp_path / "report"
    assert main(["compare", f"hf/{folder}", *argv, "--out", str(out), "--classifier", "none"]) == 1
    assert "exceeds the model's context of 48 tokens" in capsys.readouterr().err
    assert not out.exists()  # no report of empty metrics
    from stratlens.results import load_episodes

    assert len(load_episodes(str(store))) == 0  # nothing counted as finished
