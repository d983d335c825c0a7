"""`stratlens compare`: checkpoints in, curves, boundary and report out."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest

from stratlens.agents import Decision, Turn, agent_factory
from stratlens.cli import main
from stratlens.errors import UsageError
from stratlens.games.views import MatrixView, TreeView
from stratlens.results.phases.checkpoints import resolve_checkpoints
from stratlens.results.phases.compare import compare_runs
from stratlens.results.phases.execution import execution_table, stated_payoff
from stratlens.results.phases.report import to_html, to_markdown
from stratlens.results.store import load_decisions, load_episodes, open_store
from stratlens.runner import evaluate
from tests.tiny_checkpoints import TinyCheckpoints, tiny_checkpoints

__all__ = ["tiny_checkpoints"]  # the session fixture, imported for the tests below

# The uniform-continuation payoff of the scripted agent's choice, worked out by hand:
# prisoner's dilemma (5, 0 / 10, 1): row 0 → (5 + 0) / 2; column 0 → (5 + 0) / 2.
# Ultimatum (pie 10): offering 4 → (6 + 0) / 2 = 3; accepting an offer k → k.
HAND = {("prisoners_dilemma", 0): 2.5, ("prisoners_dilemma", 1): 2.5, ("ultimatum", 0): 3.0}


class _Scripted:
    """States the payoff of its choice: right, off by one, or not at all."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    @property
    def name(self) -> str:
        return f"scriptedpayoff/{self.mode}"

    async def act(self, turn: Turn) -> Decision:
        if turn.game_id == "ultimatum" and turn.player == 0:
            action, value = 4, HAND[("ultimatum", 0)]
        elif turn.game_id == "ultimatum":
            assert isinstance(turn.view, TreeView)
            action = 0  # accept: the payoff is the offer
            value = next(c for a, _, _, c in turn.view.root.children if a == 0).payoffs[1]  # type: ignore[index]
        else:
            assert isinstance(turn.view, MatrixView)
            action, value = 0, HAND[(turn.game_id, turn.player)]
        label = turn.legal_actions[action]
        said = {
            "right": f"Expected payoff: {value:g}\n",
            "wrong": f"Expected payoff: {value + 1:g}\n",
        }
        text = f"<script>x</script> Let me check.\n{said.get(self.mode, '')}Final answer: {label}"
        return Decision(action, "ok", raw_output=text, reasoning="Let me check.")


@agent_factory("scriptedpayoff")
def _scripted(rest: str, args: Mapping[str, str]) -> _Scripted:
    return _Scripted(rest)


def test_payoff_arithmetic_is_checked_against_the_uniform_continuation(store_path: Path) -> None:
    runs = {}
    for mode in ("right", "wrong", "silent"):
        rep = evaluate(
            f"scriptedpayoff/{mode}", games=["prisoners_dilemma", "ultimatum"], episodes=2,
            protocol="payoff", store=str(store_path), opponent="baseline/random",
        )  # fmt: skip
        runs[mode] = rep.run_id
    dec = load_decisions(store_path, include_opponents=True)
    ex = execution_table(dec, load_episodes(store_path))
    by = {m: ex[ex.run_id == r] for m, r in runs.items()}
    assert len(by["right"]) == 8  # 2 games × 2 roles × 2 episodes, one subject decision each
    assert by["right"].payoff_correct.tolist() == [True] * 8
    assert by["wrong"].payoff_correct.tolist() == [False] * 8
    assert by["silent"].claimed.tolist() == [False] * 8
    assert by["silent"].payoff_correct.isna().all()
    pd_right = by["right"][by["right"].game_id == "prisoners_dilemma"]
    assert pd_right.reference.tolist() == [2.5] * 4
    responder = by["right"][(by["right"].game_id == "ultimatum") & (by["right"].player == 1)]
    assert (responder.reference == responder.stated).all()
    assert stated_payoff("Expected payoff: **10/4**") == 2.5
    assert stated_payoff("no number here") is None

    # The report escapes what it shows, and the comparison reads these runs.
    with open_store(store_path) as store:
        cks = resolve_checkpoints(
            list(runs.values()), {r: f"scriptedpayoff/{m}" for m, r in runs.items()}
        )
        seen: list[tuple[str, int, int]] = []
        comp = compare_runs(store, cks, list(runs.values()), classifier=None, n_boot=50,
                            steps=lambda *step: seen.append(step))  # fmt: skip
    assert [s for s in seen if s[0] == "checkpoints (bootstrap)"][-1][1:] == (3, 3)
    assert {s[0] for s in seen} >= {"reading the runs", "strategy metrics"}
    shown = comp.table.dropna(subset=["low", "high"])
    tol = 1e-9 * shown.value.abs().clip(lower=1.0)
    inside = (shown.low - tol <= shown.value) & (shown.value <= shown.high + tol)
    assert inside.all(), shown[~inside]  # every interval holds its own estimate
    arith = comp.table[comp.table.metric == "payoff_arith"].sort_values("checkpoint")
    assert arith.value.tolist() == [1.0, 0.0, 0.0]
    comp.notes.append("<img src=x onerror=alert(1)>")
    page = to_html(comp, [])
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=x" not in to_markdown(comp, [])


def test_compare_on_tiny_checkpoints(
    tiny_checkpoints: TinyCheckpoints, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, out = tmp_path / "s.db", tmp_path / "report"
    common = ["--game", "prisoners_dilemma", "--game", "stag_hunt", "--episodes", "3",
              "--store", str(store), "--classifier", "keywords", "--bootstrap", "100",
              "--no-progress", "--json"]  # fmt: skip
    args = ["compare", str(tiny_checkpoints.run), "-M", "max_new_tokens=64", "--out", str(out)]
    assert main([*args, *common]) == 0
    result = json.loads(capsys.readouterr().out)
    steps = [c["step"] for c in result["checkpoints"]]
    assert steps == list(tiny_checkpoints.steps)
    assert all(
        c["model"].endswith(f"step-{s}") for c, s in zip(result["checkpoints"], steps, strict=True)
    )
    m = pd.DataFrame(result["metrics"])

    def curve(name: str) -> list[float]:
        return m[m.metric == name].sort_values("checkpoint").value.tolist()

    valid = curve("format_valid")
    assert len(valid) == 4 and valid[-1] > valid[0] and valid[-1] >= 0.3
    h_all = curve("h_all")
    assert len(h_all) == 4 and h_all[0] > 5.0 > 2.0 > h_all[-1]  # noise, then a trained model
    assert all(math.isfinite(v) for v in curve("h_plan")[1:]) and len(curve("h_exec")) == 4
    assert (
        len(curve("length_tokens")) == 4 and 50 < curve("length_tokens")[0] <= 64
    )  # noise rarely stops
    b = result["boundary"]
    assert isinstance(b["reason"], str) and b["reason"]
    assert (b["step"] is None) == (not b["found"])
    for name in ("report.html", "report.md", "metrics.csv", "metrics.json", "curves_execution.png"):
        assert (out / name).is_file(), name
    assert (out / "curves_tokens.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(pd.read_csv(out / "metrics.csv")) == len(result["metrics"])
    assert "![curves_execution](curves_execution.png)" in (out / "report.md").read_text()
    with open_store(store) as s:
        assert s.count_episodes() == 4 * 2 * 2 * 3
    dec = load_decisions(store)
    assert dec.logprobs.map(lambda x: isinstance(x, list)).all()  # [] when EOS came first
    assert all("entropy" in r for recs in dec.logprobs for r in recs)
    assert sum(map(len, dec.logprobs)) == dec.completion_tokens.sum() > 0

    # The same checkpoints as stored runs: nothing is played again, the numbers are the same.
    run_ids = [c["run_id"] for c in result["checkpoints"]]
    assert main(["compare", *run_ids, "--out", str(tmp_path / "again"), *common]) == 0
    again = json.loads(capsys.readouterr().out)
    with open_store(store) as s:
        assert s.count_episodes() == 4 * 2 * 2 * 3
    m2 = pd.DataFrame(again["metrics"])
    for name in ("format_valid", "legal", "h_plan", "h_sem"):
        assert m2[m2.metric == name].sort_values("checkpoint").value.tolist() == pytest.approx(
            curve(name), nan_ok=True
        )


def test_checkpoint_arguments(tmp_path: Path) -> None:
    run = tmp_path / "run"
    for n in (100, 20, 3):
        (run / f"checkpoint-{n}").mkdir(parents=True)
        (run / f"checkpoint-{n}" / "config.json").write_text("{}")
    (run / "notes").mkdir()
    cks = resolve_checkpoints([str(run)], {})
    assert [c.step for c in cks] == [3, 20, 100]
    assert cks[0].model == f"hf/{(run / 'checkpoint-3').resolve()}"
    served = resolve_checkpoints(["hosted_vllm/ck-b@step=200", "hosted_vllm/ck-a@step=50"], {})
    assert [(c.model, c.step) for c in served] == [
        ("hosted_vllm/ck-a", 50),
        ("hosted_vllm/ck-b", 200),
    ]
    stored = resolve_checkpoints(
        ["abc123", f"hf/{run / 'checkpoint-20'}"], {"abc123": "hf/x/step-7"}
    )
    assert [(c.run_id, c.step) for c in stored] == [("abc123", 7), (None, 20)]
    mixed = resolve_checkpoints(["openai/gpt-4o", "abc123"], {"abc123": "m/x"})
    assert [c.step for c in mixed] == [0, 1]  # no steps of their own: the given order
    with pytest.raises(UsageError, match="no checkpoint folder"):
        resolve_checkpoints([f"hf/{tmp_path / 'nope'}"], {})
    with pytest.raises(UsageError, match="not a checkpoint folder"):
        resolve_checkpoints(["nonsense"], {})
    with pytest.raises(UsageError, match="neither a checkpoint"):
        resolve_checkpoints([str(run / "notes")], {})


def test_gguf_checkpoints(tmp_path: Path) -> None:
    """A .gguf file, a folder holding one, and step-N.gguf files are checkpoints too."""
    run = tmp_path / "gguf-run"
    run.mkdir()
    for n in (40, 8):
        (run / f"step-{n}.gguf").write_bytes(b"GGUF")
    (run / "notes.txt").write_text("x")
    cks = resolve_checkpoints([str(run)], {})
    assert [(c.step, c.model) for c in cks] == [
        (8, f"hf/{(run / 'step-8.gguf').resolve()}"),
        (40, f"hf/{(run / 'step-40.gguf').resolve()}"),
    ]
    [one] = resolve_checkpoints([f"hf/{run / 'step-40.gguf'}"], {})
    assert (one.step, one.explicit_step) == (40, True)
    holder = tmp_path / "model"
    holder.mkdir()
    (holder / "m.gguf").write_bytes(b"GGUF")
    [held] = resolve_checkpoints([f"hf/{holder}"], {})
    assert held.model == f"hf/{holder.resolve()}" and not held.explicit_step
    (holder / "n.gguf").write_bytes(b"GGUF")  # two files: which one is meant is not clear
    with pytest.raises(UsageError, match="neither a checkpoint"):
        resolve_checkpoints([f"hf/{holder}"], {})


def test_served_checkpoints_get_top_k_entropy_bounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.agents.llm_server import FakeLLMServer, Reply, Request

    monkeypatch.setenv("STRATLENS_CACHE", str(tmp_path / "cache.db"))
    monkeypatch.chdir(tmp_path)

    def script(req: Request) -> Reply:
        option = "column 0" if "You are Player 2" in req.prompt else "row 0"
        return Reply(
            content=f"Hmm, let me check the table. Wait, {option}.\nFinal answer: {option}"
        )

    with FakeLLMServer(script) as srv:
        code = main(
            ["compare", "hosted_vllm/ckpt-b@step=20", "hosted_vllm/ckpt-a@step=10",
             "--game", "prisoners_dilemma", "--episodes", "2", "--prompt", "cot",
             "-M", f"api_base={srv.url}/v1", "-M", "logprobs=true", "-M", "top_logprobs=3",
             "--store", str(tmp_path / "s.db"), "--out", str(tmp_path / "out"),
             "--classifier", "none", "--bootstrap", "50", "--no-progress", "--json"]
        )  # fmt: skip
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert [(c["model"], c["step"]) for c in result["checkpoints"]] == [
        ("hosted_vllm/ckpt-a", 10),
        ("hosted_vllm/ckpt-b", 20),
    ]
    m = pd.DataFrame(result["metrics"])
    for name in ("h_plan", "h_exec", "topk_missing"):
        values = m[m.metric == name].value.tolist()
        assert len(values) == 2 and all(v is not None and v >= 0 for v in values), name
    assert m[m.metric == "format_valid"].value.tolist() == [1.0, 1.0]
    assert "payoff_arith" not in set(m.metric)  # no payoff protocol, no arithmetic check
