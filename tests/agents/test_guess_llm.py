"""An API model plays the p-beauty contest against a fake server on 127.0.0.1: the prompt it
is sent, the answers it gives in the forms people write, and what the store keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratlens import evaluate, load_decisions
from stratlens.agents.parsing import parse_answer
from tests.agents.llm_server import FakeLLMServer, Reply, Request

KEY = "sk-test-3b9e0f8c61d24a7a"
SERVER_ENV: dict[str, str | None] = {"OPENAI_API_KEY": KEY}
LEGAL = {g: f"guess {g}" for g in range(101)}


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("Final answer: 33", 33),
        ("Final answer: guess 33", 33),
        ("Two thirds of 33 is 22.\nFinal answer: **22**", 22),
        ("Final answer: 0", 0),
        ("Final answer: 22.5", None),
        ("Final answer: guess 101", None),
    ],
)
def test_guesses_as_written(text: str, action: int | None) -> None:
    assert parse_answer(text, LEGAL).action == action


def test_an_api_model_guesses_against_level_one_players(srv: FakeLLMServer, tmp_path: Path) -> None:
    seen: list[str] = []

    def script(req: Request) -> Reply:
        seen.append(req.prompt)
        return Reply(
            "The others say about 29, two thirds of that with mine in it.\nFinal answer: 17"
        )

    srv.script = script
    store = str(tmp_path / "s.db")
    report = evaluate(
        "openai/gpt-4o-mini",
        model_args={"api_base": srv.url + "/v1", "backoff": "0.01"},
        games=["beauty_contest"],
        episodes=2,
        protocol="cot",
        opponent="baseline/belief(k=1)",
        store=store,
    )
    assert report.failed == 0
    assert len(seen) == 2  # one request per episode: the opponents are reference agents
    assert seen[0].startswith("You are taking part in a game with 2 other players.")
    assert "guess 0, guess 1," in seen[0] and seen[0].rstrip().endswith("Final answer: <option>")
    df = load_decisions(store, include_opponents=True)
    subject = df[df.agent == "subject"]
    assert list(subject.action) == [17, 17] and (subject.payoff == 100.0).all()
    assert set(df[df.agent == "opponent"].action_label) == {"guess 29"}
