"""The judge classifier against the scripted OpenAI-compatible server on 127.0.0.1
(`tests.agents.llm_server`): the rubric request, temperature 0, the answer schema, the cache,
unreadable answers, transient faults, both clients, and a call from inside a running loop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stratlens.errors import UsageError
from stratlens.profiler.text import make_classifier
from stratlens.profiler.text.judge import parse_reply, rubric
from tests.agents.llm_server import FakeLLMServer, Reply, Request

pytest.importorskip("litellm")

GOOD = {
    "label": "belief_anticipation",
    "scores": {"minimax": 0.1, "trust_based": 0.1, "belief_anticipation": 0.6, "other": 0.2},
    "evidence": "They will play column 2.",
}


def reply(req: Request) -> Reply | list[Reply]:
    """Answers by the trace's first word: GOOD, MINIMAX, BADTHENGOOD, ALWAYSBAD, FLAKY."""
    trace = req.prompt
    retried = len(req.messages) > 2
    if "MINIMAX" in trace:
        return Reply('Here it is: {"label": "Minimax", "evidence": "Row 0 never drops below 2."}')
    if "BADTHENGOOD" in trace and not retried:
        return Reply("I think this is belief-based.")
    if "ALWAYSBAD" in trace:
        return Reply('{"label": "cautious"}')
    if "FLAKY" in trace:  # two transient faults, then the answer
        return [Reply(status=503), Reply(fault="reset"), Reply(json.dumps(GOOD))]
    return Reply(json.dumps(GOOD))


class _Server:
    """The fake server with the judge's script; ``bodies`` are the request bodies in order."""

    def __init__(self, srv: FakeLLMServer) -> None:
        self.srv = srv
        self.port = int(srv.url.rsplit(":", 1)[1])

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.srv.log]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[_Server]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-secret")
    monkeypatch.setenv("STRATLENS_CACHE", str(tmp_path / "cache.db"))
    with FakeLLMServer(reply) as srv:
        yield _Server(srv)


def _judge(server: _Server, **options: str) -> Any:
    return make_classifier(
        "judge:openai/judge-test",
        **{"api_base": f"http://127.0.0.1:{server.port}/v1", "retries": "0", **options},
    )


def test_judge_sends_the_rubric_at_temperature_zero_and_caches(server: _Server) -> None:
    clf = _judge(server)
    assert clf.key.startswith("judge:openai/judge-test@")
    first = clf.classify(["GOOD: they will play column 2.", "MINIMAX: row 0 never drops below 2."])
    assert [a.label for a in first] == ["belief_anticipation", "minimax"]
    assert first[0].scores["belief_anticipation"] == pytest.approx(0.6)
    assert first[0].evidence == "They will play column 2."
    # no scores in the reply: all the probability on the label
    assert first[1].scores == {
        "minimax": 1.0,
        "trust_based": 0.0,
        "belief_anticipation": 0.0,
        "other": 0.0,
    }
    assert len(server.bodies) == 2
    for body in server.bodies:
        assert body["temperature"] == 0
        assert body["messages"][0] == {"role": "system", "content": rubric()}
    # the same traces again: answered from the cache, nothing sent
    again = _judge(server).classify(["GOOD: they will play column 2."])
    assert again[0].label == "belief_anticipation"
    assert len(server.bodies) == 2


def test_an_unreadable_answer_is_asked_again_then_given_up(server: _Server) -> None:
    clf = _judge(server)
    [ok] = clf.classify(["BADTHENGOOD: some trace"])
    assert ok.label == "belief_anticipation"
    assert len(server.bodies) == 2  # the retry carries the reason
    assert "could not be read" in server.bodies[1]["messages"][-1]["content"]
    [bad] = clf.classify(["ALWAYSBAD: another trace"])
    assert bad.label is None and bad.error is not None and "cautious" in bad.error
    assert len(server.bodies) == 4
    clf.classify(["ALWAYSBAD: another trace"])  # nothing was cached: asked again
    assert len(server.bodies) == 6


def test_judge_options_are_checked() -> None:
    with pytest.raises(UsageError, match="unknown judge option"):
        make_classifier("judge:openai/x", temprature="0")
    with pytest.raises(UsageError):
        make_classifier("judge:openai/x", concurrency="0")


def test_parse_reply() -> None:
    lab = parse_reply(
        '```json\n{"label": "trust", "scores": {"trust-based": 3, "other": 1}, '
        '"evidence": "We both gain."}\n```'
    )
    assert lab.label == "trust_based"
    assert lab.scores["trust_based"] == pytest.approx(0.75)
    assert lab.scores["other"] == pytest.approx(0.25)
    for bad in ("no json here", '{"label": "nash"}', "[1, 2]", '{"label": '):
        with pytest.raises(ValueError):
            parse_reply(bad)


@pytest.mark.parametrize("client", ["litellm", "http"])
def test_transient_faults_are_retried_by_the_one_policy(server: _Server, client: str) -> None:
    clf = _judge(server, retries="2", backoff="0.01", client=client)
    [lab] = clf.classify(["FLAKY: they will play column 2."])
    assert lab.label == "belief_anticipation"
    assert len(server.bodies) == 3
    # with no retries allowed the fault is the trace's error, and nothing is cached
    [failed] = _judge(server, client=client).classify(["FLAKY: once more."])
    assert failed.label is None and failed.error is not None and "503" in failed.error


def test_classify_works_inside_a_running_event_loop(server: _Server) -> None:
    clf = _judge(server, client="http")

    async def notebook_cell() -> list[Any]:
        return clf.classify(["GOOD: they will play column 2.", "MINIMAX: row 0."])

    labels = asyncio.run(notebook_cell())
    assert [lab.label for lab in labels] == ["belief_anticipation", "minimax"]


def test_rubric_v2_carries_the_hard_case_rules_and_corpus_examples() -> None:
    from stratlens.profiler.text import load_corpus
    from stratlens.profiler.text.judge import RUBRIC_EXAMPLES, rubric_key

    text = rubric()
    for rule in (
        "A dominance argument",
        "A gift or a fair split given with no expectation",
        "predicting the salient option the others will pick",
        "strategy or probability that the rules state",
    ):
        assert rule in text
    by_id = {e.id: e for e in load_corpus()}
    for ident in RUBRIC_EXAMPLES:  # each example is a corpus trace, quoted with its label
        e = by_id[ident]
        assert f"<<<{' '.join(e.text.split())}>>> -> {e.label}" in text
    assert {by_id[i].label for i in RUBRIC_EXAMPLES} == {
        "minimax",
        "trust_based",
        "belief_anticipation",
        "other",
    }
    assert rubric_key().startswith("2-")


def test_judge_is_evaluated_on_a_labelled_file_through_the_cli(
    server: _Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from stratlens.cli import main

    data = tmp_path / "labelled.jsonl"
    rows = [
        {"id": 1, "text": "GOOD: they will play column 2.", "label": "belief_anticipation"},
        {"id": 2, "text": "MINIMAX: row 0 never drops below 2.", "label": "minimax"},
        {"id": 3, "text": "ALWAYSBAD: no idea.", "label": "other"},
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    argv = ["profile", "evaluate", "--data", str(data), "--classifier", "judge:openai/judge-test"]
    options = ["-M", f"api_base=http://127.0.0.1:{server.port}/v1", "-M", "retries=0"]
    assert main([*argv, *options, "--json"]) == 0
    [ev] = json.loads(capsys.readouterr().out)["evaluations"]
    assert ev["n"] == 3 and ev["failures"] == 1  # the unreadable answer counts as wrong
    assert ev["accuracy"] == pytest.approx(2 / 3)
    assert ev["confusion"][3][4] == 1  # other -> none
    requests = len(server.bodies)
    assert main([*argv, *options, "--json"]) == 0  # answers come from the cache
    capsys.readouterr()
    assert len(server.bodies) == requests + 2  # only the unreadable trace is asked again (twice)
