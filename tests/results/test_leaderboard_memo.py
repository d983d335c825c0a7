"""The leaderboard's memo: a regeneration from the cache is byte for byte a regeneration from
scratch, after a new run, after a run gains episodes, and never from a stale entry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from stratlens.results import open_store
from stratlens.results.leaderboard import write_leaderboard
from stratlens.results.leaderboard._memo import PREFIX
from stratlens.results.leaderboard.synthetic import write_synthetic_store
from stratlens.results.stats import _resampled_ranks, spearman_tests
from tests.results.test_leaderboard import tree
from tests.results.test_metrics import add_run, play

GAMES = ["prisoners_dilemma", "stag_hunt", "gh_matching_pennies", "iterated_prisoners_dilemma"]
BOOT = 100


def memo_keys(store: Path, kind: str) -> set[str]:
    with open_store(store) as s:
        rows = s.conn.execute("SELECT key FROM analysis_cache WHERE kind = ?", (PREFIX + kind,))
        return {str(r[0]) for r in rows}


@pytest.fixture(scope="module")
def cached_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three models (one a reference agent) and a hand-played run, regenerated once."""
    store = tmp_path_factory.mktemp("memo") / "store.db"
    write_synthetic_store(store, ["m/alpha", "m/beta", "baseline/ref"], GAMES, 6, seed=2)
    with open_store(store) as s:
        add_run(s, "hand", "m/hand")
        for i in range(3):
            play(s, "hand", "m/hand", "prisoners_dilemma", 0, i, [[(0, i % 2), (1, 0)]])
    write_leaderboard(store, store.parent / "first", n_boot=BOOT)
    return store


def regenerate_both(store: Path, tmp: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(the leaderboard from the cache, the leaderboard from scratch) of a copy of ``store``."""
    scratch_copy = tmp / "scratch.db"
    shutil.copy(store, scratch_copy)
    write_leaderboard(store, tmp / "cached", n_boot=BOOT)
    write_leaderboard(scratch_copy, tmp / "scratch", n_boot=BOOT, use_cache=False)
    return tree(tmp / "cached"), tree(tmp / "scratch")


def test_a_warm_cache_changes_no_byte_and_computes_no_entry(
    cached_store: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store.db"
    shutil.copy(cached_store, store)
    before = {k: memo_keys(store, k) for k in ("entry", "human", "figure", "spearman")}
    assert all(before.values())
    cached, scratch = regenerate_both(store, tmp_path)
    assert cached == scratch
    assert cached == tree(cached_store.parent / "first")
    assert {k: memo_keys(store, k) for k in before} == before


def test_a_new_model_reuses_the_other_entries_and_equals_scratch(
    cached_store: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store.db"
    shutil.copy(cached_store, store)
    old_entries, old_figures = memo_keys(store, "entry"), memo_keys(store, "figure")
    write_synthetic_store(store, ["m/gamma"], GAMES, 6, seed=7, run_index=1)
    cached, scratch = regenerate_both(store, tmp_path)
    assert cached == scratch
    new_entries = memo_keys(store, "entry")
    # The four old entries are kept under their keys (their runs did not change), one added.
    assert old_entries < new_entries and len(new_entries - old_entries) == 1
    # m/gamma moves the population: every evaluated entry's figure is drawn anew.
    assert len(old_figures & memo_keys(store, "figure")) < len(old_figures)


def test_a_resumed_run_with_more_episodes_is_recomputed(cached_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    shutil.copy(cached_store, store)
    old = memo_keys(store, "entry")
    with open_store(store) as s:
        play(s, "hand", "m/hand", "prisoners_dilemma", 0, 3, [[(0, 1), (1, 1)]])
    cached, scratch = regenerate_both(store, tmp_path)
    assert cached == scratch
    new = memo_keys(store, "entry")
    assert len(old - new) == 1 and len(new - old) == 1  # only m/hand's entry, replaced


def _poison(store: Path) -> int:
    """Every cached entry of the store made wrong (a cost of 999): what a reuse would show."""
    with open_store(store) as s, s.transaction() as conn:
        rows = conn.execute(
            "SELECT key, value FROM analysis_cache WHERE kind = ?", (PREFIX + "entry",)
        ).fetchall()
        for key, value in rows:
            doc = json.loads(value)
            doc["total_cost"] = 999.0
            conn.execute(
                "UPDATE analysis_cache SET value = ? WHERE key = ?", (json.dumps(doc), key)
            )
    return len(rows)


def test_a_stale_entry_is_never_used(cached_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    shutil.copy(cached_store, store)
    assert _poison(store) == 4
    # Control: with nothing changed the poisoned entries are read (so the test can fail) ...
    write_leaderboard(store, tmp_path / "poisoned", n_boot=BOOT)
    assert "999" in (tmp_path / "poisoned" / "leaderboard.csv").read_text()
    # ... and once every run gains an episode, none of them is.
    with open_store(store) as s:
        run_ids = [r[0] for r in s.conn.execute("SELECT run_id, model FROM runs")]
        models = dict(s.conn.execute("SELECT run_id, model FROM runs").fetchall())
        for i, run_id in enumerate(run_ids):
            play(s, run_id, models[run_id], "prisoners_dilemma", 0, 50 + i, [[(0, 1), (1, 0)]])
    cached, scratch = regenerate_both(store, tmp_path)
    assert cached == scratch
    assert "999" not in (tmp_path / "cached" / "leaderboard.csv").read_text()
    assert len(memo_keys(store, "entry")) == 4  # stale entries dropped, fresh ones kept


def test_resampled_ranks_are_rankdata_exactly() -> None:
    rng = np.random.default_rng(5)
    for n in (4, 9, 60):
        values = np.round(rng.normal(size=n), 1)  # ties
        idx = rng.integers(0, n, size=(300, n))
        expected = scipy_stats.rankdata(values[idx], axis=-1)
        assert np.array_equal(_resampled_ranks(values, idx), expected)


def test_cached_spearman_outcomes_leave_the_generator_where_computing_would() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {"y1": rng.normal(size=30), "y2": rng.normal(size=30), "y3": rng.normal(size=30),
         "x": rng.normal(size=30), "b": rng.integers(0, 2, size=30).astype(float)}
    )  # fmt: skip
    store: dict[str, Any] = {}
    calls: list[str] = []

    def cached(parts: list[Any], compute: Any) -> Any:
        key = json.dumps(parts[:2]) + str(parts[2].tobytes()) + json.dumps(parts[3:])
        if key not in store:
            calls.append(parts[0])
            store[key] = json.loads(json.dumps(compute()))
        return store[key]

    plain = spearman_tests(frame, ["y1", "y2", "y3"], ["x", "b"], n_boot=200, n_perm=300)
    first = spearman_tests(frame, ["y1", "y2", "y3"], ["x", "b"], n_boot=200, n_perm=300,
                           cached=cached)  # fmt: skip
    pd.testing.assert_frame_equal(first, plain)
    frame["y2"] = frame["y2"] * 2 + frame["x"]  # the middle outcome changes
    calls.clear()
    changed = spearman_tests(frame, ["y1", "y2", "y3"], ["x", "b"], n_boot=200, n_perm=300,
                             cached=cached)  # fmt: skip
    assert calls == ["y2"]  # y1 and y3 read back: y3's draws come after the cached y1, y2
    expected = spearman_tests(frame, ["y1", "y2", "y3"], ["x", "b"], n_boot=200, n_perm=300)
    pd.testing.assert_frame_equal(changed, expected)


def test_an_unreadable_entry_is_computed_anew(cached_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    shutil.copy(cached_store, store)
    with open_store(store) as s, s.transaction() as conn:
        conn.execute(
            "UPDATE analysis_cache SET value = '{\"groups\": 1}' WHERE kind IN (?, ?, ?)",
            (PREFIX + "entry", PREFIX + "human", PREFIX + "figure"),
        )
    cached, scratch = regenerate_both(store, tmp_path)
    assert cached == scratch == tree(cached_store.parent / "first")
    with open_store(store) as s:  # and written back readable
        value = s.conn.execute(
            "SELECT value FROM analysis_cache WHERE kind = ? LIMIT 1", (PREFIX + "entry",)
        ).fetchone()[0]
    assert json.loads(value)["groups"] != 1
