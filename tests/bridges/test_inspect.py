"""stratlens's Inspect AI tasks end to end: ``inspect eval`` (Inspect's own ``eval()``) on
``mockllm/model`` and on a scripted OpenAI-compatible server on 127.0.0.1, the import of its
logs into the store, and the export back out (checked with Inspect's own log reader)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pandas as pd
import pytest

inspect_ai = pytest.importorskip("inspect_ai")

from inspect_ai import eval as inspect_eval  # noqa: E402
from inspect_ai.log import read_eval_log  # noqa: E402

from stratlens import evaluate  # noqa: E402
from stratlens.bridges.inspect_logs import import_logs  # noqa: E402
from stratlens.bridges.inspect_tasks import (  # noqa: E402
    inspect_config,
    offline_tokenizer_cache,
    suite,
)
from stratlens.cli import main  # noqa: E402
from stratlens.errors import UsageError  # noqa: E402
from stratlens.results import load_decisions, load_episodes  # noqa: E402
from stratlens.results.store import open_store  # noqa: E402
from stratlens.runner import EvalConfig, plan, resolve_games  # noqa: E402
from tests.agents.llm_server import FakeLLMServer, Reply, Request  # noqa: E402

GAMES = "competitive_baseline,trust_game,iterated_stag_hunt"
SERVED = "gpt-4o-mini"
_OPTIONS = re.compile(r"Your options: (.*)\.\n")


def scripted(req: Request) -> Reply:
    """A reply chosen by the prompt alone: a reasoned legal answer, or one that names none."""
    prompt = req.last
    found = _OPTIONS.search(prompt)
    options = found.group(1).split(", ") if found else ["nothing"]
    h = int(hashlib.sha256(prompt.encode()).hexdigest(), 16)
    if h % 6 == 0:
        return Reply("I would rather not commit to anything here.")
    return Reply(
        f"Weighing what the other player wants.\nFinal answer: {options[h % len(options)]}"
    )


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(scripted) as srv:
        yield srv


@pytest.fixture(scope="module")
def both_runs(server: FakeLLMServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The same model on the same seeds, by ``inspect eval`` and by ``stratlens eval``."""
    tmp = tmp_path_factory.mktemp("both")
    mp = pytest.MonkeyPatch()
    mp.setenv("FAKE_API_KEY", "sk-test-inspect")
    mp.setenv("FAKE_BASE_URL", server.url + "/v1")
    mp.setenv("OPENAI_API_KEY", "sk-test-inspect")
    try:
        server.reset(scripted)
        logs = inspect_eval(
            suite,
            model=f"openai-api/fake/{SERVED}",
            task_args={"game": GAMES, "episodes": 2, "protocol": "cot", "seed": 5},
            log_dir=str(tmp / "logs"),
            display="none",
        )
        inspect_prompts = [r.last for r in server.log]
        server.reset(scripted)
        report = evaluate(
            f"openai/{SERVED}",
            model_args={"api_base": server.url + "/v1", "client": "http"},
            games=[GAMES],
            episodes=2,
            seed=5,
            protocol="cot",
            store=str(tmp / "eval.db"),
            use_cache=False,
        )
    finally:
        mp.undo()
    return {"logs": logs, "tmp": tmp, "eval_run": report.run_id, "prompts": inspect_prompts}


COLUMNS = ["game_id", "role", "idx", "seed", "step", "player", "agent", "action",
           "action_label", "parse_status", "raw_output", "reasoning", "attempts",
           "prompt_tokens", "completion_tokens"]  # fmt: skip


def _decisions(store: Path) -> pd.DataFrame:
    frame = load_decisions(str(store), include_opponents=True)
    keys = ["game_id", "role", "idx", "step", "player"]
    return frame[COLUMNS].sort_values(keys).reset_index(drop=True)


def test_an_import_has_the_decisions_of_stratlens_eval_on_the_same_seeds(
    both_runs: dict[str, object],
) -> None:
    tmp = both_runs["tmp"]
    assert isinstance(tmp, Path)
    (log,) = both_runs["logs"]  # type: ignore[misc]
    assert log.status == "success"
    # 3 games x 2 roles x 2 episodes, with the episode ids and seeds of the runner's plan
    config = inspect_config(
        f"openai-api/fake/{SERVED}", suite=None, game=GAMES, episodes=2, protocol="cot", seed=5
    )
    planned = {t.episode_id: (t.game_id, t.role, t.idx, str(t.seed)) for t in plan(config)}
    meta = [s.metadata["stratlens"] for s in log.samples]
    assert {s.id: (m["game_id"], m["role"], m["idx"], m["seed"]) for s, m in zip(
        log.samples, meta, strict=True)} == planned  # fmt: skip
    with open_store(tmp / "imported.db") as store:
        first = import_logs([tmp / "logs"], store)
        again = import_logs([tmp / "logs"], store)
        n_decisions = store.count_decisions()
    assert (first.imported, first.new_runs, first.skipped) == (12, 1, 0)
    assert (again.imported, again.new_runs, again.skipped) == (0, 0, 12)
    assert first.runs == [config.run_id]
    imported = _decisions(tmp / "imported.db")
    played = _decisions(tmp / "eval.db")
    assert len(imported) == n_decisions > 12  # the repeated game has many rounds
    pd.testing.assert_frame_equal(imported, played)
    # the script's unusable answers stayed failures, never moves
    failures = imported[imported.parse_status != "ok"]
    assert len(failures) > 0 and failures.action.isna().all()
    assert set(failures.agent) == {"subject"}
    eps_i = load_episodes(str(tmp / "imported.db")).sort_values(["game_id", "role", "idx"])
    eps_e = load_episodes(str(tmp / "eval.db")).sort_values(["game_id", "role", "idx"])
    assert eps_i.subject_payoff.tolist() == pytest.approx(
        eps_e.subject_payoff.tolist(), nan_ok=True
    )
    assert eps_i.status.tolist() == eps_e.status.tolist()


def test_the_scorer_reports_normalised_payoff_failure_and_parse_status(
    both_runs: dict[str, object],
) -> None:
    (log,) = both_runs["logs"]  # type: ignore[misc]
    seen = set()
    for sample in log.samples:
        score = sample.scores["payoff"]
        meta = score.metadata
        assert 0.0 <= score.value <= 1.0
        if meta["execution_failure"]:
            assert score.value == 0.0 and meta["payoff"] is None
            assert meta["parse_status"] in ("unparseable", "illegal")
        else:
            assert meta["parse_status"] == "ok" and meta["payoff"] is not None
        seen.add(meta["execution_failure"])
        # the conversation is the subject's prompts and answers, as the server got them
        users = [m.text for m in sample.messages if m.role == "user"]
        assert users and all(u in both_runs["prompts"] for u in users)  # type: ignore[operator]
    assert seen == {True, False}


def test_export_jsonl_has_each_decision_with_the_prompt_it_was_asked(
    both_runs: dict[str, object],
) -> None:
    tmp = both_runs["tmp"]
    assert isinstance(tmp, Path)
    out = tmp / "decisions.jsonl"
    assert main(["export", "--store", str(tmp / "eval.db"), "--format", "jsonl", str(out)]) == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    subject = load_decisions(str(tmp / "eval.db"))
    assert len(lines) == len(subject)
    prompts = both_runs["prompts"]
    for line in lines:
        prompt = line["arguments"]["gen_args_0"]["arg_0"]
        assert prompt in prompts  # type: ignore[operator]  # rendered again, word for word
        assert line["resps"] == [[line["raw_output"]]]
        assert line["filtered_resps"] == [line["action_label"]]
        assert line["execution_failure"] == (line["parse_status"] != "ok")
        assert line["tokens"] == {"prompt": 100, "completion": 10, "reasoning": 0}
    assert {x["parse_status"] for x in lines} >= {"ok", "unparseable"}


def test_export_inspect_opens_in_inspects_reader_and_imports_back_the_same(
    both_runs: dict[str, object],
) -> None:
    tmp = both_runs["tmp"]
    assert isinstance(tmp, Path)
    out = tmp / "exported"
    store = str(tmp / "eval.db")
    assert main(["export", "--store", store, "--format", "inspect", str(out)]) == 0
    (path,) = sorted(out.glob("*.eval"))
    log = read_eval_log(str(path))
    episodes = load_episodes(store)
    assert log.status == "success" and len(log.samples) == len(episodes)
    assert log.eval.model == f"openai/{SERVED}"
    assert {s.id for s in log.samples} == set(episodes.episode_id)
    assert all(0.0 <= s.scores["payoff"].value <= 1.0 for s in log.samples)
    assert main(["import", "inspect", str(path), "--store", str(tmp / "round.db")]) == 0
    pd.testing.assert_frame_equal(_decisions(tmp / "round.db"), _decisions(tmp / "eval.db"))
    # one file for one run; a file name with several runs selected is refused before writing
    assert main(["export", "--store", store, "--format", "inspect", str(tmp / "one.json")]) == 0
    assert len(read_eval_log(str(tmp / "one.json")).samples) == len(episodes)


@pytest.mark.skipif(
    not any(ep.name == "stratlens" for ep in entry_points(group="inspect_ai")),
    reason="stratlens is installed without its inspect_ai entry point (pip install -e .)",
)
def test_inspect_eval_jia2025_on_mockllm_imports_and_reaches_the_leaderboard(
    tmp_path: Path,
) -> None:
    from stratlens.results.leaderboard import write_leaderboard

    (log,) = inspect_eval(
        "stratlens/jia2025",
        model="mockllm/model",
        limit=20,
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success" and len(log.samples) == 20
    config = EvalConfig(model="mockllm/model", games=resolve_games("jia2025", None),
                        suite="jia2025")  # fmt: skip
    assert {s.id for s in log.samples} == {t.episode_id for t in plan(config)[:20]}
    # mockllm's default reply names no action: every episode is an execution failure
    assert {s.scores["payoff"].metadata["parse_status"] for s in log.samples} == {"unparseable"}
    store = str(tmp_path / "s.db")
    assert main(["import", "inspect", str(tmp_path / "logs"), "--store", store]) == 0
    assert main(["import", "inspect", str(tmp_path / "logs"), "--store", store]) == 0
    eps = load_episodes(store)
    assert len(eps) == 20 and set(eps.run_id) == {config.run_id}
    report = write_leaderboard(store, tmp_path / "lb", n_boot=100)
    assert report.entries == 1
    assert "mockllm/model" in (tmp_path / "lb" / "leaderboard.md").read_text()


def test_bad_inputs_get_one_line_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "not_a_log.json"
    bogus.write_text("{}")
    store = tmp_path / "s.db"
    assert main(["import", "inspect", str(bogus), "--store", str(store)]) == 2
    assert main(["import", "inspect", str(tmp_path / "missing.eval"), "--store", str(store)]) == 2
    assert not store.exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("stratlens: error: ") for line in err)
    assert main(["export", "--store", str(store), "--format", "jsonl", "x.jsonl"]) == 2
    with pytest.raises(UsageError, match="unknown prompt protocol"):
        inspect_config("mockllm/model", suite="jia2025", protocol="chatty")
    with pytest.raises(UsageError, match="episodes"):
        inspect_config("mockllm/model", suite="jia2025", episodes=0)


def test_a_task_is_the_run_stratlens_eval_would_make() -> None:
    config = inspect_config("openai/gpt-4o", suite="classic", max_attempts=3, seed=2)
    same = EvalConfig(model="openai/gpt-4o", games=resolve_games("classic", None),
                      model_args={"max_attempts": "3"}, suite="classic", seed=2)  # fmt: skip
    assert config.run_id == same.run_id
    assert inspect_config("openai/gpt-4o", suite="classic").run_id != same.run_id


def test_tiktoken_finds_o200k_base_in_litellms_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("litellm")
    url = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    folder = offline_tokenizer_cache()
    assert folder is not None
    # tiktoken's cache key: the SHA-1 of the file's address
    assert (Path(folder) / hashlib.sha1(url.encode()).hexdigest()).is_file()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    assert offline_tokenizer_cache() == str(tmp_path)


def test_batch_mode_reaches_one_shot_games_only(tmp_path: Path) -> None:
    from inspect_ai.model import get_model

    seen: dict[str, set[object]] = {"matrix": set(), "repeated": set()}

    def reply(messages: list[object], tools: object, choice: object, config: object) -> object:
        from inspect_ai.model import ModelOutput

        text = messages[-1].text  # type: ignore[attr-defined]
        kind = "repeated" if "Earlier rounds" in text or "round" in text.lower() else "matrix"
        seen[kind].add(config.batch)  # type: ignore[attr-defined]
        found = _OPTIONS.search(text)
        label = found.group(1).split(", ")[0] if found else "x"
        return ModelOutput.from_content("mockllm", f"Final answer: {label}")

    model = get_model("mockllm/model", custom_outputs=reply, memoize=False)
    (log,) = inspect_eval(
        suite,
        model=model,
        task_args={"game": "competitive_baseline,iterated_stag_hunt", "episodes": 1},
        batch=True,
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success"
    assert seen["matrix"] == {True}
    assert seen["repeated"] == {False}
    # every episode reached an outcome: the scripted answers were read as moves
    assert all(not s.scores["payoff"].metadata["execution_failure"] for s in log.samples)


def test_export_to_one_file_needs_one_run(tmp_path: Path) -> None:
    store = str(tmp_path / "two.db")
    for model in ("baseline/minimax", "baseline/trust"):
        evaluate(model, games=["competitive_baseline"], episodes=1, store=store)
    one = tmp_path / "one.eval"
    assert main(["export", "--store", store, "--format", "inspect", str(one)]) == 2
    assert not one.exists() and list(tmp_path.glob(".*partial*")) == []
    assert main(["export", "--store", store, "--format", "inspect", str(tmp_path / "all")]) == 0
    assert len(list((tmp_path / "all").glob("*.eval"))) == 2
    assert main(["export", "--store", store, "--format", "jsonl", "--run", "zzz", "x.jsonl"]) == 2


def test_an_inspect_limit_ends_the_sample_as_inspect_does(tmp_path: Path) -> None:
    (log,) = inspect_eval(
        suite,
        model="mockllm/model",
        task_args={"game": "iterated_stag_hunt", "episodes": 1},
        token_limit=50,  # below one prompt: the first request reaches it
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success" and len(log.samples) == 2
    for sample in log.samples:
        assert sample.error is None and sample.limit is not None
        assert sample.limit.type == "token"
        assert sample.store["stratlens_episode"]["status"] == "failed"
    with open_store(tmp_path / "s.db") as store:
        report = import_logs([tmp_path / "logs"], store)
        assert store.count_episodes(status="failed") == 2
    assert report.imported == 2


def test_a_model_opponent_plays_through_an_inspect_model_role(tmp_path: Path) -> None:
    from inspect_ai.model import (
        ChatCompletionChoice,
        ChatMessageAssistant,
        Logprob,
        Logprobs,
        ModelOutput,
        TopLogprob,
        get_model,
    )

    def answer(first: bool) -> object:
        def reply(messages: list[object], tools: object, choice: object, config: object) -> object:
            text = messages[-1].text  # type: ignore[attr-defined]
            found = _OPTIONS.search(text)
            options = found.group(1).split(", ") if found else ["x"]
            label = options[0] if first else options[-1]
            top = [TopLogprob(token="x", logprob=-2.0)]
            probs = Logprobs(content=[Logprob(token=label, logprob=-0.25, top_logprobs=top)])
            message = ChatMessageAssistant(content=f"Final answer: {label}", model="mockllm")
            return ModelOutput(
                model="mockllm",
                choices=[ChatCompletionChoice(message=message, stop_reason="stop", logprobs=probs)],
            )

        return reply

    subject = get_model("mockllm/model", custom_outputs=answer(True), memoize=False)
    rival = get_model("mockllm/rival", custom_outputs=answer(False), memoize=False)
    (log,) = inspect_eval(
        suite,
        model=subject,
        model_roles={"rival": rival},
        task_args={"game": "competitive_baseline", "episodes": 1, "opponent": "role:rival"},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success" and len(log.samples) == 2
    with open_store(tmp_path / "s.db") as store:
        import_logs([tmp_path / "logs"], store)
    frame = load_decisions(str(tmp_path / "s.db"), include_opponents=True)
    assert set(frame[frame.agent == "opponent"].model) == {"role:rival=mockllm/rival"}
    # the subject picks its first option, the rival its last: the roles were not mixed up
    for row in frame.itertuples():
        labels = list(row.legal_actions.values())
        assert row.action_label == (labels[0] if row.agent == "subject" else labels[-1])
        assert row.logprobs == [[row.action_label, -0.25, [["x", -2.0]]]]
    assert set(load_episodes(str(tmp_path / "s.db")).opponent) == {"role:rival=mockllm/rival"}
