"""The leaderboard's behavioural headline reads the stored fit test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stratlens.results.leaderboard.sources import NO_STYLE_FITS, behaviour_label


def _fit(values: dict[str, Any]) -> dict[str, Any]:
    return {"source": "fit", "method": "style_mixture", "game_id": None, "label": None,
            "values": values, "n": 720, "loglik": -400.0}  # fmt: skip


def test_a_rejected_mixture_headlines_no_style() -> None:
    weights = {"minimax": 0.0, "trust_based": 0.41, "belief_anticipation": 0.59, "other": 0.0}
    rejected = _fit({"weights": weights, "fit": {"rejected": True, "p": 0.001}})
    assert behaviour_label([rejected]) == (NO_STYLE_FITS, None)
    passing = _fit({"weights": weights, "fit": {"rejected": False, "p": 0.4}})
    assert behaviour_label([passing]) == ("belief_anticipation", 0.59)
    # A fit stored before the test existed keeps its weights' headline.
    assert behaviour_label([_fit({"weights": weights})]) == ("belief_anticipation", 0.59)


def test_compare_notes_a_run_whose_behaviour_no_style_fits(tmp_path: Path) -> None:
    import stratlens
    from stratlens.results import load_decisions
    from stratlens.results.phases.strategy import StrategyResult, _behavior

    store = tmp_path / "s.db"
    stratlens.evaluate("baseline/nash", suite="classic", episodes=8, store=str(store))
    stratlens.evaluate("baseline/minimax", suite="classic", episodes=8, store=str(store))
    frame = load_decisions(store, include_opponents=True)
    models = dict(frame.groupby("run_id")["model"].first())
    result = StrategyResult()
    _behavior(frame, models, result, draws=29, seed=0)
    nash_run = next(r for r, m in models.items() if m == "baseline/nash")
    assert [n for n in result.notes if n.startswith(f"behavioural styles of {nash_run}")]
    assert all("no style fits" in n for n in result.notes)
    assert len(result.notes) == 1  # the minimax run fits
    assert result.estimates[nash_run]["behavior:trust_based"].value > 0.2
    est = result.estimates[nash_run]["behavior:trust_based"]
    assert est.low <= est.value <= est.high and est.high - est.low < 0.5
