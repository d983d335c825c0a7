"""The hf/<path> agent on real tiny checkpoints the tests build (tests/tiny_checkpoints.py)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from stratlens.agents import Turn, make_agent
from stratlens.errors import ModelArgsError, UsageError
from stratlens.games import decision_view, get_game
from stratlens.games.prompts import render
from stratlens.results.phases.entropy import exact_entropy, log_softmax
from tests.agents.tiny_gguf import TinyGGUF, write_tiny_gguf
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
    with pytest.raises(UsageError, match="no checkpoint at"):
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


# --- GGUF files, threads, per-decision latency -------------------------------------------------


@pytest.fixture(scope="module")
def tiny_ggufs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TinyGGUF]:
    """The tiny llama GGUF (tests/agents/tiny_gguf.py) in F32 and in Q4_1, each alone in a
    folder."""
    pytest.importorskip("gguf")
    pytest.importorskip("accelerate")
    out = {}
    for qtype in ("F32", "Q4_1"):
        folder = tmp_path_factory.mktemp(f"gguf-{qtype}")
        out[qtype] = write_tiny_gguf(folder / f"tiny-{qtype}.gguf", qtype=qtype)
    return out


@pytest.fixture()
def torch_threads() -> Iterator[None]:
    """torch's thread count is process-wide: put it back after the test."""
    import torch

    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("qtype", ["F32", "Q4_1"])
@pytest.mark.parametrize("named", ["file", "folder"])
def test_a_gguf_file_loads_directly(
    tiny_ggufs: dict[str, TinyGGUF], qtype: str, named: str, torch_threads: None
) -> None:
    import torch

    tiny = tiny_ggufs[qtype]
    where = tiny.path if named == "file" else tiny.path.parent
    agent = _agent(where, temperature="0")
    assert agent.name == f"hf/{where}"
    model = agent.model
    assert model.source.gguf_file == tiny.path.name and model.source.folder == tiny.path.parent
    # The tokenizer comes from the same file: same ids as the tokenizer it was written from,
    # its chat template and end-of-sequence token.
    prompt = _turn().prompt
    text = model.format_prompt(prompt)
    assert text == f"<|user|>\n{prompt}\n<|assistant|>\n"
    assert model.encode(prompt) == tiny.tokenizer(text)["input_ids"]
    assert model.eos_ids == {tiny.tokenizer.eos_token_id}
    assert model.context == 4096
    # The weights are the ones in the file, dequantised (Q4_1: not the float weights it was
    # quantised from).
    ids = torch.tensor([model.encode(prompt)[:64]])
    with torch.no_grad():
        got = model.model(input_ids=ids).logits
        want = tiny.reference(input_ids=ids).logits
    assert torch.allclose(got, want, atol=1e-5)
    # ... and it plays: a random network's answer is recorded as what it is.
    (gen,) = agent.generate([prompt], [0])
    d = asyncio.run(agent.act(_turn()))
    assert d.raw_output == gen.text and d.usage.completion_tokens == len(gen.tokens)
    assert d.parse_status in ("ok", "unparseable", "illegal", "refused")
    assert (d.action is None) == (d.parse_status != "ok")


def test_gguf_errors_are_one_line(
    tmp_path: Path, tiny_ggufs: dict[str, TinyGGUF], capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from stratlens.cli import main

    empty = tmp_path / "empty"
    empty.mkdir()
    two = tmp_path / "two"
    two.mkdir()
    for tiny in tiny_ggufs.values():
        shutil.copy(tiny.path, two / tiny.path.name)
    bad = tmp_path / "bad"
    bad.mkdir()
    write_tiny_gguf(bad / "q8k.gguf", unsupported=True)
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"GGUF? no: not a GGUF file")
    cases = {
        f"hf/{tmp_path / 'missing.gguf'}": "no GGUF file at",
        f"hf/{tmp_path / 'missing'}": "no checkpoint at",
        f"hf/{empty}": "no checkpoint folder (with config.json) or .gguf file in",
        f"hf/{two}": "2 .gguf files in",
        f"hf/{bad / 'q8k.gguf'}": "cannot dequantise: Dequantization for Q8_K",
        f"hf/{junk}": "cannot load the checkpoint",
    }
    for model, message in cases.items():
        with pytest.raises(UsageError, match=re.escape(message)) as info:
            make_agent(model)
        assert "\n" not in str(info.value)
    store = tmp_path / "s.db"
    argv = ["--game", "prisoners_dilemma", "--episodes", "1", "--store", str(store)]
    assert main(["eval", "--model", f"hf/{two}", *argv, "--no-progress"]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("stratlens:")]
    assert len(err) == 1 and "2 .gguf files in" in err[0] and "tiny-F32.gguf" in err[0]
    assert not store.exists()  # nothing written


def test_threads(
    tiny_ggufs: dict[str, TinyGGUF], monkeypatch: pytest.MonkeyPatch, torch_threads: None
) -> None:
    import os

    import torch

    from stratlens.agents import _hf_source

    def machine(cpus: int, load: float | None) -> int:
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)))
        if load is None:

            def unreadable() -> tuple[float, float, float]:
                raise OSError("no load average")

            monkeypatch.setattr(os, "getloadavg", unreadable)
        else:
            monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
        assert _hf_source.available_cpus() == cpus
        return _hf_source.default_threads()

    # The CPUs the load leaves free, rounded up; at least one; half without a load average.
    assert machine(8, 0.0) == 8 and machine(8, 5.5) == 3 and machine(8, 30.0) == 1
    assert machine(2, 0.4) == 2 and machine(2, 1.0) == 1 and machine(2, 6.0) == 1
    assert machine(1, 0.0) == 1 and machine(8, None) == 4 and machine(3, None) == 1
    machine(3, 2.5)
    torch.set_num_threads(3)
    path = tiny_ggufs["Q4_1"].path
    agent = _agent(path)  # the default, from the CPUs this process may use
    assert agent.threads == 1 and torch.get_num_threads() == 1
    agent = _agent(path, threads="2")
    assert agent.threads == 2 and torch.get_num_threads() == 2
    # Generation runs in a worker thread: torch's setting holds there too.
    seen = asyncio.run(asyncio.to_thread(torch.get_num_threads))
    assert seen == 2
    with pytest.raises(ModelArgsError, match="threads must be >= 1"):
        _agent(path, threads="0")
    with pytest.raises(ModelArgsError, match="must be a number"):
        _agent(path, threads="all")


def test_latency_is_each_decisions_own(tiny_checkpoints: TinyCheckpoints) -> None:
    import time

    agent = _agent(
        tiny_checkpoints.step(tiny_checkpoints.steps[1]),
        temperature="1",
        max_new_tokens="40",
        batch_size="8",
        batch_window_ms="200",
    )
    prompts = [_turn("stag_hunt", i % 2).prompt for i in range(6)]
    start = time.perf_counter()
    gens = agent.generate(prompts, list(range(6)))
    wall = time.perf_counter() - start
    # Forward steps each answer took part in: its tokens, and one more for an end-of-sequence.
    steps = [len(g.token_ids) + (g.finish_reason == "stop") for g in gens]
    assert len(set(steps)) >= 2, steps  # the seeds give answers of different lengths
    assert all(0 < g.seconds <= wall for g in gens)
    for a, b in zip(gens, steps, strict=True):
        for c, d in zip(gens, steps, strict=True):
            if b < d:
                assert a.seconds < c.seconds  # stopped earlier, its last token came earlier
            elif b == d:
                assert a.seconds == c.seconds
    # act stores each decision's own seconds, not the batch's.
    turns = [_turn("stag_hunt", i % 2, seed=i) for i in range(6)]

    async def play() -> list:  # type: ignore[type-arg]
        return list(await asyncio.gather(*(agent.act(t) for t in turns)))

    decisions = asyncio.run(play())
    assert agent.batch_sizes[-1] == 6
    again = agent.generate([t.prompt for t in turns], [t.seed for t in turns])
    lengths = [d.usage.completion_tokens for d in decisions]
    assert lengths == [len(g.tokens) for g in again]  # same seeds, same answers
    order = sorted(range(6), key=lambda i: (lengths[i], decisions[i].latency_s))
    latencies = [decisions[i].latency_s for i in order]
    assert latencies == sorted(latencies) and len(set(latencies)) >= 2


def test_agents_on_one_checkpoint_share_the_loaded_model(
    tmp_path: Path, tiny_ggufs: dict[str, TinyGGUF], torch_threads: None
) -> None:
    import os
    import shutil

    path = tmp_path / "copy.gguf"
    shutil.copy(tiny_ggufs["F32"].path, path)
    a, b = _agent(path), _agent(path, temperature="0")
    assert a.model is b.model and a.temperature != b.temperature
    assert _agent(path, dtype="bfloat16").model is not a.model
    os.utime(path, ns=(1, 1))  # the file changed: loaded again
    c = _agent(path)
    assert c.model is not a.model
    assert _agent(tmp_path).model is c.model  # the folder holding it names the same file


@pytest.mark.parametrize("kind", ["gpt2", "llama-gguf"])
def test_a_shared_opening_is_computed_once_and_changes_nothing(
    kind: str,
    tiny_checkpoints: TinyCheckpoints,
    tiny_ggufs: dict[str, TinyGGUF],
    monkeypatch: pytest.MonkeyPatch,
    torch_threads: None,
) -> None:
    from stratlens.agents import _hf_model

    where = tiny_checkpoints.step(tiny_checkpoints.steps[-1]) if kind == "gpt2" else None
    agent = _agent(where or tiny_ggufs["F32"].path, temperature="1", max_new_tokens="12")
    model = agent.model
    base = _turn("stag_hunt", 1).prompt
    prompts = [base, base + "\nAnswer now.", base + "\nThink it over first, then answer."]
    seeds = [3, 4, 5]
    monkeypatch.setattr(_hf_model, "MIN_SHARED", 10**9)  # no sharing: the reference
    model._prefix = None
    alone = agent.generate(prompts, seeds)
    assert model._prefix is None
    monkeypatch.setattr(_hf_model, "MIN_SHARED", 32)
    shared = agent.generate(prompts, seeds)
    kept = model._prefix
    assert kept is not None and len(kept[0]) >= 100  # the common opening of the three
    assert list(kept[0]) == model.encode(base)[: len(kept[0])]
    # A later batch that starts with it reuses it, a single prompt included.
    (one,) = agent.generate([prompts[2]], [5])
    assert model._prefix is kept
    for a, b in zip(alone, [*shared, one][:3], strict=True):
        assert a.token_ids == b.token_ids
        assert np.allclose(a.logprobs, b.logprobs, atol=1e-4)
        assert np.allclose(a.entropies, b.entropies, atol=1e-4)
    assert one.token_ids == alone[2].token_ids
    assert np.allclose(one.logprobs, alone[2].logprobs, atol=1e-4)
    # Prompts that do not start with it: computed without it, nothing reused.
    (other,) = agent.generate([_turn("prisoners_dilemma", 0).prompt], [1])
    assert model._prefix is kept and other.token_ids
