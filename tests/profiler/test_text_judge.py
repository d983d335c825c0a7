"""The judge classifier through litellm against a scripted OpenAI-compatible server on
127.0.0.1: the rubric request, temperature 0, the answer schema, the cache, unreadable answers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from stratlens.errors import UsageError
from stratlens.profiler.text import make_classifier
from stratlens.profiler.text.judge import RUBRIC, parse_reply

pytest.importorskip("litellm")

GOOD = {
    "label": "belief_anticipation",
    "scores": {"minimax": 0.1, "trust_based": 0.1, "belief_anticipation": 0.6, "other": 0.2},
    "evidence": "They will play column 2.",
}


class _Server:
    """Answers by the trace's first word: GOOD, MINIMAX, BADTHENGOOD, ALWAYSBAD."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.bodies.append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                payload = json.dumps(_completion(outer.reply(body))).encode()
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def reply(self, body: dict[str, Any]) -> str:
        trace = body["messages"][1]["content"]
        retried = len(body["messages"]) > 2
        if "MINIMAX" in trace:
            return 'Here it is: {"label": "Minimax", "evidence": "Row 0 never drops below 2."}'
        if "BADTHENGOOD" in trace and not retried:
            return "I think this is belief-based."
        if "ALWAYSBAD" in trace:
            return '{"label": "cautious"}'
        return json.dumps(GOOD)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _completion(content: str) -> dict[str, Any]:
    return {
        "id": "cmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "judge-test",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70},
    }


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[_Server]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-secret")
    monkeypatch.setenv("STRATLENS_CACHE", str(tmp_path / "cache.db"))
    s = _Server()
    yield s
    s.close()


def _judge(server: _Server) -> Any:
    return make_classifier(
        "judge:openai/judge-test", api_base=f"http://127.0.0.1:{server.port}/v1", retries="0"
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
        assert body["messages"][0] == {"role": "system", "content": RUBRIC}
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
