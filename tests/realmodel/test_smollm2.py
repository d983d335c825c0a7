"""A real pretrained network in the loop: SmolLM2-135M-Instruct (Q4_1 GGUF) through ``hf/``.

Greedy decoding and few new tokens keep this within CI's time. The model is loaded once for the
module (`agent`); the CLI runs in this process and shares that load (`shared_model`).
What is checked is the plumbing on a real network's outputs: the GGUF loads with its own
tokenizer and chat template, the prompt goes through that template, every stored decision is a
legal move read as ``ok`` or an answer recorded as what it is (never a default move), the
store is a real SQLite file, and ``stratlens profile`` reads it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from stratlens.agents import make_agent
from stratlens.cli import main

pytestmark = pytest.mark.realmodel

GAMES = "prisoners_dilemma,stag_hunt"  # 2 games x 2 roles: 4 decisions of the model
ARGS = {"temperature": "0", "max_new_tokens": "40"}


@pytest.fixture(scope="module")
def agent(smollm2: Path) -> Any:
    start = time.perf_counter()
    a = make_agent(f"hf/{smollm2}", ARGS)
    print(f"\nSmolLM2 GGUF loaded in {time.perf_counter() - start:.1f} s")
    return a


def test_the_gguf_loads_with_its_own_tokenizer_and_chat_template(agent: Any, smollm2: Path) -> None:
    import torch

    from stratlens.agents._hf_source import available_cpus
    from tests.agents.test_local_agent import _turn

    model = agent.model
    assert model.source.gguf_file == smollm2.name
    assert 1 <= agent.threads <= available_cpus() and torch.get_num_threads() == agent.threads
    assert model.context == 8192
    assert model.model.config.model_type == "llama"
    assert model.model.config.num_hidden_layers == 30
    prompt = _turn().prompt
    text = model.format_prompt(prompt)
    assert text.startswith("<|im_start|>system\n") and prompt in text
    assert text.endswith("<|im_end|>\n<|im_start|>assistant\n")
    assert model.tokenizer.convert_ids_to_tokens(sorted(model.eos_ids)) == ["<|im_end|>"]
    ids = model.encode(prompt)
    assert model.tokenizer.decode(ids) == text  # the template's special tokens stay whole
    (gen,) = agent.generate([prompt], [0])
    assert gen.text.strip() and 1 <= len(gen.tokens) <= 40
    assert "".join(gen.tokens) == gen.text and gen.finish_reason in ("stop", "answer", "length")
    (again,) = agent.generate([prompt], [1])
    assert again.token_ids == gen.token_ids  # greedy: the seed does not matter


def test_eval_stores_what_the_model_said_and_profile_reads_it(
    agent: Any, smollm2: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "real.db"
    model = f"hf/{smollm2}"
    argv = ["eval", "--model", model, "--suite", "classic", "--game", GAMES, "--episodes", "1",
            "--store", str(store), "--no-cache", "--no-progress", "--json"]  # fmt: skip
    for key, value in ARGS.items():
        argv += ["-M", f"{key}={value}"]
    start = time.perf_counter()
    assert main(argv) == 0
    played_s = time.perf_counter() - start
    report = json.loads(capsys.readouterr().out)
    assert report["planned"] == report["played"] == 4 and report["failed"] == 0

    from stratlens.results import load_decisions, load_episodes

    ds = load_decisions(str(store))
    assert len(ds) == 4 and set(ds["model"]) == {model}
    assert sorted(set(ds["game_id"])) == sorted(GAMES.split(","))
    for row in ds.itertuples():
        labels = {int(k): v for k, v in dict(row.legal_actions).items()}
        if row.parse_status == "ok":  # a legal move, read from the text
            assert int(row.action) in labels and row.action_label == labels[int(row.action)]
        else:  # recorded as what it is: never a move
            assert row.parse_status in ("unparseable", "illegal", "refused"), row.parse_status
            assert pd.isna(row.action)
        assert row.raw_output.strip()
        assert row.prompt_tokens > 100 and 1 <= row.completion_tokens <= 40
        assert len(row.logprobs) == row.completion_tokens
        assert "".join(t["token"] for t in row.logprobs) == row.raw_output
        assert all(t["logprob"] <= 0 and t["entropy"] >= 0 for t in row.logprobs)
        assert 0 < row.latency_s <= played_s
    eps = load_episodes(str(store))
    assert len(eps) == 4 and set(eps["status"]) == {"done"}
    failures = (ds["parse_status"] != "ok").groupby(ds["episode_id"]).sum()
    assert eps.set_index("episode_id")["failures"].sort_index().tolist() == (
        failures.sort_index().astype(int).tolist()
    )
    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        (kept_model,) = conn.execute("SELECT model FROM runs").fetchone()
    assert kept_model == model

    assert main(["profile", "--store", str(store), "--classifier", "keywords", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["model"] for r in rows] == [model]
    print(f"\n4 decisions of SmolLM2 played in {played_s:.1f} s; profile: {json.dumps(rows[0])}")
    assert rows[0]["text"]["n"] <= 4


def test_eval_in_a_fresh_process(smollm2: Path, tmp_path: Path) -> None:
    # The command a user types, in its own process: nothing shared with the tests' load.
    from tests.conftest import run_cli

    store = tmp_path / "fresh.db"
    proc = run_cli(
        "eval", "--model", f"hf/{smollm2}", "--game", "prisoners_dilemma", "--episodes", "1",
        "-M", "temperature=0", "-M", "max_new_tokens=24", "--store", str(store), "--no-progress",
        "--json", timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["played"] == 2 and report["failed"] == 0
    from stratlens.results import load_decisions

    ds = load_decisions(str(store))
    assert len(ds) == 2 and (ds["completion_tokens"] <= 24).all()
    assert set(ds["parse_status"]) <= {"ok", "unparseable", "illegal", "refused"}
