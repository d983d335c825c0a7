"""``--framing`` end to end: part of the run id, in the prompt the agent is handed, a row of
its own on the leaderboard, and a one-line error for an unknown framing."""

from __future__ import annotations

from pathlib import Path

import pytest

import stratlens
from stratlens.cli import main
from stratlens.errors import UsageError
from stratlens.results.leaderboard import build_leaderboard
from stratlens.results.leaderboard.html import render_index
from stratlens.runner import EvalConfig

GAMES = ("prisoners_dilemma", "ultimatum")


def test_framing_is_part_of_the_run_id_and_neutral_keeps_the_old_one() -> None:
    base = EvalConfig(model="baseline/belief", games=GAMES)
    assert EvalConfig(model="baseline/belief", games=GAMES, framing="neutral").run_id == base.run_id
    ids = {EvalConfig(model="baseline/belief", games=GAMES, framing=f).run_id
           for f in ("neutral", "story", "name")}  # fmt: skip
    assert len(ids) == 3
    assert "framing" not in base.to_json()
    assert EvalConfig(model="m", games=GAMES, framing="story").to_json()["framing"] == "story"


def test_a_served_model_is_asked_the_framed_prompt_and_each_framing_is_a_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.agents.llm_server import FakeLLMServer, Reply, Request

    monkeypatch.setenv("STRATLENS_CACHE", str(tmp_path / "cache.db"))
    store = str(tmp_path / "s.db")

    def script(req: Request) -> Reply:  # the story moves this model; the name does not
        n = "1" if "The story:" in req.prompt else "0"
        option = f"column {n}" if "You are Player 2" in req.prompt else f"row {n}"
        return Reply(content=f"Final answer: {option}")

    with FakeLLMServer(script) as srv:
        for framing in ("neutral", "story", "name"):
            report = stratlens.evaluate(
                "hosted_vllm/m", model_args={"api_base": f"{srv.url}/v1"},
                games=["prisoners_dilemma"], episodes=1, store=store, framing=framing,
            )  # fmt: skip
            assert report.failed == 0
        prompts = [r.prompt for r in srv.log]
    named = [p for p in prompts if "This game is known as the prisoner's dilemma." in p]
    story = [p for p in prompts if "The story: a price war." in p]
    plain = [p for p in prompts if p not in named and p not in story]
    assert len(named) == len(story) == len(plain) == 2  # one episode per role, per framing
    tables = {p[p.index("| |") :] for p in prompts}
    assert len(tables) == 2  # the same table and options in every framing (one per role)
    lb = build_leaderboard(store, n_boot=100)
    label = f"hosted_vllm/m(api_base={srv.url}/v1)"
    assert sorted(en.key for en in lb.entries) == [label, f"{label} [name]", f"{label} [story]"]
    moved = {c.framing: c for c in lb.framings}
    assert set(moved) == {"story", "name"} and moved["story"].neutral == label
    assert moved["story"].total_variation.value == 1.0  # row 1 instead of row 0, both roles
    assert moved["name"].total_variation.value == 0.0
    assert [(c.game_id, c.role) for c in moved["story"].cells] == [
        ("prisoners_dilemma", 0), ("prisoners_dilemma", 1)]  # fmt: skip
    page = render_index(lb)
    assert "Framings: the same payoffs, other words" in page and f"{label} [story]" in page


def test_unknown_framing_is_a_one_line_error_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "s.db"
    argv = ["eval", "--model", "baseline/belief", "--game", "chicken", "--framing", "poem",
            "--store", str(store), "--no-progress"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unknown framing 'poem'" in err
    assert not store.exists()
    with pytest.raises(UsageError):
        stratlens.evaluate("baseline/belief", games=GAMES, store=str(store), framing="poem")
