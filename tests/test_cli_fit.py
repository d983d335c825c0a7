"""`stratlens fit`: TQRE per model and game from a store, recorded in the fits table."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import stratlens
from stratlens.profiler.tqre import fit
from stratlens.results import load_decisions
from tests.conftest import run_cli

GAMES = ["competitive_baseline", "sequential", "iterated_chicken"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fit") / "store.db"
    stratlens.evaluate("baseline/qre", games=GAMES, episodes=15, store=str(path))
    return path


def _counts(path: Path, game: str, role: int, size: int) -> list[int]:
    frame = load_decisions(path)
    rows = frame[(frame["game_id"] == game) & (frame["player"] == role) & (frame["step"] == 0)]
    return np.bincount(rows["action"].astype(int), minlength=size).tolist()


def test_fit_json_per_game_and_recorded(store: Path) -> None:
    res = run_cli("fit", "--store", str(store), "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    by_game = {r["game_id"]: r for r in out}
    assert set(by_game) == {"competitive_baseline", "sequential"}  # the repeated game is skipped
    comp = by_game["competitive_baseline"]
    assert comp["model"] == "baseline/qre" and comp["estimator"] == "tqre"
    assert comp["n"] == [15.0, 15.0]
    assert by_game["sequential"]["n"] == [15.0, None]
    # The same numbers as the Python API on the stored counts.
    want = fit(
        "competitive_baseline",
        (
            _counts(store, "competitive_baseline", 0, 3),
            _counts(store, "competitive_baseline", 1, 3),
        ),
    )
    assert comp["tau"] == pytest.approx(want.tau)
    assert comp["gamma"] == pytest.approx(want.gamma)
    assert comp["identified"] == want.identified
    lo, hi = comp["tau_ci"]
    assert lo <= comp["tau"] and (hi is None or comp["tau"] <= hi)
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT game_id, method, n FROM fits ORDER BY game_id").fetchall()
    assert rows == [("competitive_baseline", "tqre", 30), ("sequential", "tqre", 15)]


def test_fit_jia2025_table(store: Path) -> None:
    res = run_cli("fit", "--store", str(store), "--estimator", "jia2025", "--no-save")
    assert res.returncode == 0, res.stderr
    assert "competitive_baseline" in res.stdout and "jia2025" in res.stdout
    assert "identified" in res.stdout
    with sqlite3.connect(store) as conn:
        methods = {r[0] for r in conn.execute("SELECT method FROM fits")}
    assert "jia2025" not in methods  # --no-save


def test_fit_bad_input_is_one_line(store: Path, tmp_path: Path) -> None:
    res = run_cli("fit", "--store", str(store), "--estimator", "nope")
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "invalid choice" in res.stderr
    res = run_cli("fit", "--store", str(tmp_path / "missing.db"))
    assert res.returncode == 2 and "no store" in res.stderr
    assert not (tmp_path / "missing.db").exists()
    res = run_cli("fit", "--store", str(store), "--run", "deadbeef")
    assert res.returncode == 2 and "no run" in res.stderr


def test_fit_table_flags_a_local_notebook_optimum(
    store: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from stratlens.cli import main
    from stratlens.profiler import depth
    from stratlens.profiler.jia2025_data import ANSWERS_PER_ROLE, GAME, ROWS

    row = next(r for r in ROWS if r.label == "GPT-o3-mini")
    local = fit(GAME, (row.p1, row.p2), n=ANSWERS_PER_ROLE, estimator="jia2025")
    flagged = depth.StoredFit("o3-mini", GAME, ("r",), local)
    monkeypatch.setattr(depth, "tqre_fits", lambda *a, **k: [flagged])
    assert main(["fit", "--store", str(store), "--estimator", "jia2025", "--no-save"]) == 0
    out = capsys.readouterr().out
    assert "unsure: o3-mini on competitive_baseline" in out
    assert f"loglik {local.loglik:.4f}" in out
    assert f"loglik {local.extra['global_best'][2]:.4f}" in out


def test_fit_reports_its_progress_per_cell(store: Path) -> None:
    from stratlens.profiler.depth import tqre_fits

    seen: list[tuple[str, int, int]] = []
    fits = tqre_fits(load_decisions(store), steps=lambda *s: seen.append(s))
    cells = load_decisions(store).query("agent == 'subject'").groupby(["model", "game_id"]).ngroups
    assert seen[0] == ("fits", 0, cells) and seen[-1] == ("fits", cells, cells)
    assert [d for _, d, _ in seen] == list(range(cells + 1))
    assert fits  # the one-shot games were fitted
