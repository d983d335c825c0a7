"""The command line: games list/show, eval's summary, and one-line errors with exit 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_cli

JIA2025_IDS = {
    "competitive_baseline",
    "competitive_high_stake",
    "competitive_low_stake",
    "cooperation_baseline",
    "cooperation_high_payoff",
    "cooperation_asymmetric",
    "mixed_motive_baseline",
    "mixed_motive_high_punishment",
    "mixed_motive_low_punishment",
    "sequential",
    "bayesian_coordination_p05",
    "bayesian_coordination_p09",
    "signaling",
    "sw10",
}


def test_games_list_json_covers_the_four_suites() -> None:
    out = run_cli("games", "list", "--json")
    assert out.returncode == 0, out.stderr
    games = json.loads(out.stdout)
    assert len(games) >= 30
    ids = {g["id"] for g in games}
    assert ids >= JIA2025_IDS
    suites = {s for g in games for s in g["suites"]}
    assert {"jia2025", "classic", "sequential", "repeated"} <= suites
    for g in games:
        assert {"id", "family", "suites", "players", "actions", "payoffs", "structure"} <= set(g)
        for key in (
            "zero_sum",
            "symmetric",
            "simultaneous",
            "repeated",
            "perfect_information",
            "pure_equilibria",
            "mixed_equilibria",
            "dominance_solvable",
            "social_dilemma",
            "security_values",
        ):
            assert key in g["structure"], (g["id"], key)
    jia = json.loads(run_cli("games", "list", "--suite", "jia2025", "--json").stdout)
    assert {g["id"] for g in jia} == JIA2025_IDS


def test_games_show_json_prints_the_paper_payoffs() -> None:
    out = run_cli("games", "show", "competitive_baseline", "--json")
    assert out.returncode == 0, out.stderr
    g = json.loads(out.stdout)
    a, b = g["payoffs"]
    assert a == [[10, 0, -5], [-10, 5, 8], [0, 5, -5]]
    assert b == [[-10, 5, 8], [10, 0, -5], [0, -5, 5]]
    assert g["actions"] == [["row 0", "row 1", "row 2"], ["column 0", "column 1", "column 2"]]
    assert g["structure"]["pure_equilibria"] == []


def test_eval_prints_a_summary_per_game_and_role(store_path: Path) -> None:
    out = run_cli(
        "eval",
        "--model",
        "baseline/minimax",
        "--game",
        "cooperation_baseline",
        "--game",
        "sequential",
        "--episodes",
        "4",
        "--store",
        str(store_path),
        "--json",
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    rows = {(r["game_id"], r["role"]): r for r in report["summary"]}
    assert set(rows) == {
        ("cooperation_baseline", 1),
        ("cooperation_baseline", 2),
        ("sequential", 1),
    }
    coop = rows[("cooperation_baseline", 1)]
    assert coop["episodes"] == 4 and coop["failures"] == 0
    assert coop["choices"] == "row 1 100%"  # the security row guarantees 5
    text = run_cli(
        "eval",
        "--model",
        "baseline/minimax",
        "--game",
        "cooperation_baseline",
        "--game",
        "sequential",
        "--episodes",
        "4",
        "--store",
        str(store_path),
    )
    assert text.returncode == 0
    assert "cooperation_baseline" in text.stdout and "0 episodes played" in text.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--game", "no_such_game"], "no_such_game"),
        (["--suite", "no_such_suite"], "no_such_suite"),
        (["--model", "nobody/knows"], "nobody/knows"),
        (["--model", "baseline/telepathy"], "telepathy"),
        (["-M", "k"], "'k'"),
        (["-M", "depth=3"], "depth"),
        (["--model", "baseline/belief", "-M", "k=two"], "k"),
        (["--episodes", "-3"], "episodes"),
        (["--episodes", str(10**12)], "at most 1,000,000 per run"),
        (["--prompt", "socratic"], "socratic"),
    ],
)
def test_bad_input_one_line_exit_2_store_untouched(
    args: list[str], needle: str, store_path: Path
) -> None:
    base = {"--model": "baseline/belief"}
    argv = ["eval", "--store", str(store_path), "--episodes", "1"]
    if "--model" not in args:
        argv += ["--model", base["--model"]]
    out = run_cli(*argv, *args)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stratlens: error:"), out.stderr
    assert needle in lines[0]
    assert not store_path.exists()


def test_unwritable_store_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    for target in (blocker / "store.db", tmp_path):
        out = run_cli(
            "eval", "--model", "baseline/random", "--episodes", "1", "--store", str(target)
        )
        assert out.returncode == 2
        assert len(out.stderr.strip().splitlines()) == 1
    assert blocker.read_text() == "not a directory"
    assert sorted(os.listdir(tmp_path)) == ["a_file"]


def test_existing_store_is_untouched_by_bad_input(store_path: Path) -> None:
    ok = run_cli(
        "eval",
        "--model",
        "baseline/random",
        "--game",
        "stag_hunt",
        "--episodes",
        "1",
        "--store",
        str(store_path),
    )
    assert ok.returncode == 0, ok.stderr
    before = store_path.read_bytes()
    bad = run_cli(
        "eval", "--model", "baseline/random", "--game", "nope", "--store", str(store_path)
    )
    assert bad.returncode == 2
    assert store_path.read_bytes() == before


def test_games_show_unknown_is_one_line() -> None:
    out = run_cli("games", "show", "nope")
    assert out.returncode == 2
    assert (
        out.stderr.strip() == "stratlens: error: unknown game 'nope' (see `stratlens games list`)"
    )


def test_games_list_never_cuts_an_id() -> None:
    from stratlens.games import list_games

    for columns in ("40", "80"):  # a narrow terminal's width, as a pipe inherits it
        out = run_cli("games", "list", env={"COLUMNS": columns})
        assert out.returncode == 0, out.stderr
        cells = [line.split("│")[1].strip() for line in out.stdout.splitlines() if "│" in line]
        assert {c for c in cells if c} == {s.id for s in list_games()}  # '': a wrapped title
        assert "…" not in out.stdout


def test_game_lists_and_suite_filters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from stratlens.cli import main
    from stratlens.runner import resolve_games

    assert resolve_games(None, ["stag_hunt,chicken", "sw10"]) == ("stag_hunt", "chicken", "sw10")
    assert resolve_games("classic", ["chicken"]) == ("chicken",)  # filters, does not add
    assert len(resolve_games("classic", None)) == 12
    store = tmp_path / "s.db"
    for game, needle in (("sw10", "--game sw10 not in suite 'classic'"),
                         ("stag_hunt,", "has an empty game id")):  # fmt: skip
        argv = ["eval", "--model", "baseline/random", "--suite", "classic", "--game", game,
                "--store", str(store)]  # fmt: skip
        assert main(argv) == 2
        assert needle in capsys.readouterr().err
    assert not store.exists()
    argv = ["eval", "--model", "baseline/random", "--suite", "classic", "--game",
            "stag_hunt,chicken", "--episodes", "1", "--store", str(store), "--json"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert {r["game_id"] for r in out["summary"]} == {"stag_hunt", "chicken"}
