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


def test_behavioural_weights_carry_their_intervals_on_every_page(tmp_path: Path) -> None:
    import csv
    import json

    from stratlens.results import open_store
    from stratlens.results.leaderboard import write_leaderboard
    from stratlens.results.leaderboard.synthetic import write_synthetic_store

    store = tmp_path / "s.db"
    write_synthetic_store(store, ["m/alpha"], ["prisoners_dilemma", "stag_hunt"], 4, seed=1)
    profile = {
        "weights": {"minimax": 0.2, "trust_based": 0.7, "belief_anticipation": 0.0, "other": 0.1},
        "intervals": {"minimax": [0.08, 0.31], "trust_based": [0.552, 0.84],
                      "belief_anticipation": [0.0, 0.05], "other": [0.0, 0.2]},
        "noise": {"minimax": 0.1, "trust_based": 0.1, "belief_anticipation": 0.1},
        "noise_model": "tremble", "depth": None,
        "fit": {"rejected": False, "verdict": "the style mixture fits: (G² = 20.1, df = 29)"},
    }  # fmt: skip
    with open_store(store) as s, s.transaction() as conn:
        conn.execute(
            "INSERT INTO fits (model, runs, game_id, method, params, loglik, n, created_at) "
            "VALUES ('m/alpha', '[]', NULL, 'style_mixture', ?, -10.5, 40, 't')",
            (json.dumps(profile),),
        )
    out = tmp_path / "lb"
    write_leaderboard(store, out, n_boot=100)
    assert ">trust_based 70% [55%, 84%]<" in (out / "index.html").read_text()
    # Markdown escapes the label's underscore and the brackets.
    assert r"| trust\_based 70% \[55%, 84%\] |" in (out / "leaderboard.md").read_text()
    (row,) = csv.DictReader((out / "leaderboard.csv").open())
    assert row["behaviour_style"] == "trust_based"
    assert float(row["behaviour_style_weight"]) == 0.7
    assert (float(row["behaviour_style_low"]), float(row["behaviour_style_high"])) == (0.552, 0.84)
    page = next((out / "models").iterdir()).read_text()
    assert "trust_based 0.7 [0.552, 0.84]" in page and "minimax 0.2 [0.08, 0.31]" in page
    assert "noise tremble (belief_anticipation 0.1" in page
    assert "fit: the style mixture fits: (G² = 20.1, df = 29)" in page
    # A fit stored without intervals shows its weight alone.
    assert behaviour_label([_fit({"weights": profile["weights"]})]) == ("trust_based", 0.7)
