"""The p-beauty contest end to end: N players per episode through the runner and the store,
opponents of a chosen level, `stratlens eval --game` and `stratlens beauty`."""

from __future__ import annotations

import json
from pathlib import Path

from stratlens import evaluate, load_decisions
from stratlens.profiler.beauty_stored import beauty_depths
from tests.conftest import run_cli


def test_every_player_of_an_episode_is_asked_and_recorded(store_path: Path) -> None:
    report = evaluate(
        "baseline/belief",  # level 2
        suite="beauty_contest",
        episodes=3,
        opponent="baseline/belief(k=1)",
        store=str(store_path),
    )
    assert report.failed == 0
    df = load_decisions(str(store_path), include_opponents=True)
    sizes = df.groupby("episode_id").size()
    players = (
        df.groupby("episode_id")
        .game_id.first()
        .map({"beauty_contest": 3, "beauty_contest_p12": 3, "beauty_contest_n7": 7})
    )
    assert (sizes == players).all() and len(sizes) == 9
    assert set(df[df.agent == "opponent"].model) == {"baseline/belief(k=1)"}
    for episode, rows in df.groupby("episode_id"):
        assert sorted(rows.player) == list(range(len(rows)))
        assert rows.payoff.sum() == 100.0, episode  # the prize, split among the nearest
    subject = df[df.agent == "subject"]
    # level 2 against level-1 players hits the target and takes the whole prize
    assert (subject.payoff == 100.0).all()
    guesses = dict(zip(subject.game_id, subject.action_label, strict=False))
    assert guesses == {
        "beauty_contest": "guess 16",
        "beauty_contest_p12": "guess 8",
        "beauty_contest_n7": "guess 20",
    }
    depth = {d.game_id: d for d in beauty_depths(load_decisions(str(store_path)))}
    assert set(depth) == set(guesses)
    assert depth["beauty_contest"].level_shares[2] == 1.0
    assert depth["beauty_contest"].guesses == 3


def test_eval_and_beauty_commands(tmp_path: Path) -> None:
    store = str(tmp_path / "s.db")
    out = run_cli(
        "eval", "--model", "baseline/random", "--game", "beauty_contest", "--episodes", "40",
        "--opponent", "baseline/belief(k=1)", "--store", store, "--no-progress",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "beauty_contest" in out.stdout
    out = run_cli("beauty", "--store", store, "--json")
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    assert row["model"] == "baseline/random" and row["guesses"] == 40
    assert row["ch"]["tau"] < 1.0  # uniform guesses are level 0
    assert len(row["level_shares"]) == 6 and abs(sum(row["level_shares"]) - 1) < 1e-9
    table = run_cli("beauty", "--store", store)
    assert table.returncode == 0 and "level points of beauty_contest" in table.stdout
    bad = run_cli("beauty", "--store", store, "--level", "2")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    missing = run_cli("beauty", "--store", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "no store" in missing.stderr


def test_games_show_json_for_an_n_player_game() -> None:
    out = run_cli("games", "show", "beauty_contest_n7", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["players"] == 7 and len(d["actions"]) == 7
    assert d["structure"]["pure_equilibria"] == [[0] * 7, [1] * 7]
    assert d["structure"]["players"] == 7


def test_a_cognitive_hierarchy_population_is_fitted_back(store_path: Path) -> None:
    """`baseline/ch` draws each player's level from Poisson(τ); `stratlens beauty` reads τ
    back from its guesses (within 0.15: its guesses are the levels' exact whole numbers, which
    the fit's normal noise models at its floor σ = 0.5)."""
    fitted = {}
    for tau in ("0.5", "3"):
        evaluate(
            "baseline/ch",
            model_args={"tau": tau},
            games=["beauty_contest"],
            episodes=300,
            opponent=f"baseline/ch(tau={tau})",
            store=str(store_path),
        )
    for d in beauty_depths(load_decisions(str(store_path))):
        fitted[d.model] = d.fit.tau
    assert set(fitted) == {"baseline/ch(tau=0.5)", "baseline/ch(tau=3)"}
    assert abs(fitted["baseline/ch(tau=0.5)"] - 0.5) < 0.15
    assert abs(fitted["baseline/ch(tau=3)"] - 3.0) < 0.15


def test_the_leaderboard_counts_the_contest_like_any_game(store_path: Path) -> None:
    from stratlens.results.leaderboard import build_leaderboard

    for model in ("baseline/belief", "baseline/nash"):  # level 2 and everyone-at-0
        evaluate(model, suite="beauty_contest", episodes=4, opponent="baseline/belief(k=1)",
                 store=str(store_path))  # fmt: skip
    lb = build_leaderboard(store_path, n_boot=100)
    rows = {e.model: e for e in lb.entries}
    assert set(rows) == {"baseline/belief", "baseline/nash"}
    for model, row in rows.items():
        games = {g.game_id: g for g in row.groups}
        assert set(games) == {"beauty_contest", "beauty_contest_p12", "beauty_contest_n7"}
        contest = games["beauty_contest"]
        assert contest.metrics["share:guess 16"].value == (model == "baseline/belief")
        # the symmetric equilibrium of 3 players is everyone at 0
        assert contest.metrics["eq_distance"].value == (1.0 if model == "baseline/belief" else 0.0)
    nash = {g.game_id: g.metrics["payoff_all"].value for g in rows["baseline/nash"].groups}
    # 0 against two level-1 players (29, target 12.9) wins; against six (32, target 18.3) not
    assert nash["beauty_contest"] == 100.0 and nash["beauty_contest_n7"] == 0.0
