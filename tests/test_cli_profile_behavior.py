"""`stratlens profile` shows the behavioural fit test and the weights' intervals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stratlens.cli import main


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the minimax reference agent and the Nash agent (no style) on classic."""
    from stratlens.runner import evaluate

    store = tmp_path_factory.mktemp("store") / "store.db"
    for agent in ("baseline/minimax", "baseline/nash"):
        evaluate(agent, suite="classic", episodes=8, store=str(store))
    return store


def test_profile_json_and_table_carry_the_fit_test(
    played: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("stratlens.profiler.stored.BEHAVIOR_DRAWS", 39)
    assert main(["profile", "--store", str(played), "--classifier", "keywords", "--json"]) == 0
    rows = {r["model"]: r["behavior"] for r in json.loads(capsys.readouterr().out)}
    minimax, nash = rows["baseline/minimax"], rows["baseline/nash"]
    assert minimax["fit"]["rejected"] is False and minimax["fit"]["draws"] == 39
    assert minimax["fit"]["df"] == 29 and minimax["fit"]["cells"] == 24
    assert minimax["fit"]["verdict"].startswith("the style mixture fits")
    # Nash play is trust in some games and belief in others: no single mixture explains it.
    assert nash["fit"]["rejected"] is True and nash["fit"]["p"] < 0.05
    assert nash["fit"]["verdict"].startswith("no style fits")
    for b in (minimax, nash):
        for style, (low, high) in b["intervals"].items():
            assert 0.0 <= low <= high <= 1.0, style
    low, high = minimax["intervals"]["minimax"]
    assert low >= 0.8 and high == pytest.approx(1.0)

    assert main(["profile", "--store", str(played), "--classifier", "keywords"]) == 0
    out = capsys.readouterr().out
    assert "behaviour (no fit)" in out
    assert "behaviour fit, baseline/nash: no style fits" in out
    assert "behaviour fit, baseline/minimax: the style mixture fits" in out
