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


def test_profile_bootstrap_option_sets_the_draws(
    played: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["profile", "--help"])
    assert "--bootstrap N" in capsys.readouterr().out
    args = ["profile", "--store", str(played), "--classifier", "keywords", "--json"]
    assert main([*args, "--bootstrap", "19"]) == 0
    rows = {r["model"]: r["behavior"] for r in json.loads(capsys.readouterr().out)}
    fit = rows["baseline/minimax"]["fit"]
    assert fit["draws"] == 19 and fit["p_bootstrap"] is not None
    assert "bootstrap, 19 draws" in fit["verdict"]
    # No draws: the χ² p alone, and the weights keep their profile-likelihood intervals.
    assert main([*args, "--bootstrap", "0"]) == 0
    rows = {r["model"]: r["behavior"] for r in json.loads(capsys.readouterr().out)}
    minimax = rows["baseline/minimax"]
    assert minimax["fit"]["p_bootstrap"] is None and minimax["fit"]["draws"] == 0
    assert minimax["interval_method"] == "profile likelihood"
    assert minimax["intervals"]["minimax"][1] == pytest.approx(1.0)
    assert main([*args, "--bootstrap", "-1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "bootstrap draws must be >= 0, got -1" in err and "\n" not in err
    assert main(["profile", "evaluate", "--bootstrap", "5"]) == 2
    assert "--bootstrap is not used by profile evaluate" in capsys.readouterr().err
