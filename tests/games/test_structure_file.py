"""The file of structure features shared between processes, and the imports quick commands pay.

The speed itself is measured in ``bench/quick_commands.py``; here: what is read back is what a
fresh computation gives, an entry is used only for the game and code it was computed from, a
broken or unwritable file changes nothing but speed, and ``games list`` / ``--help`` do not
import the solvers or the package metadata.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyspiel
import pytest

from stratlens.games import GameSpec, _spec, _structure_file, get_game, iter_games
from stratlens.games.structure import STRUCTURE_KEYS, structure

# `stratlens.games.structure` is also the name of the function the package re-exports.
structure_module = importlib.import_module("stratlens.games.structure")

SOLVER_MODULES = ("nashpy", "scipy.optimize", "scipy")


@pytest.fixture
def cache_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh cache file, and nothing of this process's memory of earlier lookups."""
    path = tmp_path / "sub" / "structure.json"
    monkeypatch.setenv(_structure_file.CACHE_ENV_VAR, str(path))
    monkeypatch.setattr(structure_module, "_CACHE", {})
    _structure_file.forget()
    yield path
    _structure_file.forget()


def _matrix_spec(game_id: str, row: list[list[float]], col: list[list[float]]) -> GameSpec:
    return GameSpec(
        id=game_id,
        title="test matrix",
        family="mixed_motive",
        suites=("test",),
        kind="matrix",
        build=lambda: pyspiel.create_matrix_game(row, col),
        rules="",
        action_labels=(("A", "B"), ("A", "B")),
    )


def test_every_catalog_game_reads_back_as_computed(cache_file: Path) -> None:
    specs = list(iter_games())
    computed = {s.id: structure(s) for s in specs}
    assert cache_file.is_file()
    stored = json.loads(cache_file.read_text())
    assert stored["code_version"] == _structure_file.code_version()
    assert set(stored["games"]) == set(computed)
    # A new process: nothing in memory, everything from the file.
    structure_module._CACHE.clear()
    _structure_file.forget()
    for s in specs:
        read = _structure_file.lookup(s)
        assert read is not None, s.id
        assert read == computed[s.id] == json.loads(json.dumps(structure_module._compute(s)))
        assert list(read) == list(STRUCTURE_KEYS)


def test_an_entry_is_used_only_for_its_game_definition(
    cache_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pd = _matrix_spec("test_cache_pd", [[3, 0], [5, 1]], [[3, 5], [0, 1]])
    assert structure(pd)["pure_equilibria"] == [[1, 1]]
    # The file's entry is what later processes get: a planted value proves it is read.
    data = json.loads(cache_file.read_text())
    data["games"][pd.id]["structure"]["pure_equilibria"] = [[0, 0]]
    cache_file.write_text(json.dumps(data))
    _structure_file.forget()
    planted = _structure_file.lookup(pd)
    assert planted is not None and planted["pure_equilibria"] == [[0, 0]]
    # Same id, other payoffs (a coordination game): the entry does not match, so it is solved.
    _spec._BUILT.pop(pd.id)  # the built game is kept per id: build the other one
    coordination = _matrix_spec("test_cache_pd", [[2, 0], [0, 1]], [[2, 0], [0, 1]])
    assert _structure_file.lookup(coordination) is None
    monkeypatch.setattr(structure_module, "_CACHE", {})
    assert structure(coordination)["pure_equilibria"] == [[0, 0], [1, 1]]
    _spec._BUILT.pop(pd.id)


def test_another_code_version_is_ignored(cache_file: Path) -> None:
    spec = get_game("prisoners_dilemma")
    structure(spec)
    data = json.loads(cache_file.read_text())
    data["code_version"] = "0" * 64
    cache_file.write_text(json.dumps(data))
    _structure_file.forget()
    assert _structure_file.lookup(spec) is None


@pytest.mark.parametrize("content", ["{not json", "[]", '{"code_version": 1, "games": 2}'])
def test_a_broken_file_is_recomputed_and_replaced(cache_file: Path, content: str) -> None:
    cache_file.parent.mkdir(parents=True)
    cache_file.write_text(content)
    assert structure(get_game("matching_pennies"))["mixed_equilibria"] == [[[0.5, 0.5], [0.5, 0.5]]]
    assert "matching_pennies" in json.loads(cache_file.read_text())["games"]


def test_an_unwritable_place_only_costs_speed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv(_structure_file.CACHE_ENV_VAR, str(blocker / "structure.json"))
    monkeypatch.setattr(structure_module, "_CACHE", {})
    _structure_file.forget()
    assert structure(get_game("prisoners_dilemma"))["dominant_strategies"] == [1, 1]
    assert list(tmp_path.iterdir()) == [blocker]


def test_an_empty_variable_turns_the_file_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(_structure_file.CACHE_ENV_VAR, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(structure_module, "_CACHE", {})
    _structure_file.forget()
    assert _structure_file.cache_path() is None
    assert structure(get_game("prisoners_dilemma"))["social_dilemma"] is True
    assert list(tmp_path.iterdir()) == []


# --- what the quick commands import -----------------------------------------------------------


#: Runs the CLI with the remaining arguments and writes the names of every module it imported
#: (`sys.modules` at the end: ``-X importtime`` misses modules loaded by `importlib`).
_RUN_AND_LIST = """
import json, runpy, sys
out = sys.argv.pop(1)
try:
    runpy.run_module("stratlens.cli", run_name="__main__", alter_sys=True)
finally:
    with open(out, "w") as f:
        json.dump(sorted(sys.modules), f)
"""


def _imported(
    tmp_path: Path, *args: str, env: dict[str, str], status: int = 0
) -> tuple[set[str], str]:
    """The modules ``python -m stratlens.cli ARGS`` imports, and its stdout."""
    listing = tmp_path / "modules.json"
    proc = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST, str(listing), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )
    assert proc.returncode == status, proc.stderr
    return set(json.loads(listing.read_text())), proc.stdout


def test_games_list_imports_no_solver_and_json_reads_the_file(tmp_path: Path) -> None:
    env = {_structure_file.CACHE_ENV_VAR: str(tmp_path / "structure.json")}
    names, out = _imported(tmp_path, "games", "list", env=env)
    assert "prisoners_dilemma" in out
    assert "numpy" in names and "pyspiel" in names  # the parse found the imports
    assert not names & {*SOLVER_MODULES, "importlib.metadata", "asyncio", "pandas"}
    first, out1 = _imported(tmp_path, "games", "list", "--json", env=env)  # solves, fills the file
    assert "nashpy" in first and "scipy.optimize" in first
    again, out2 = _imported(tmp_path, "games", "list", "--json", env=env)
    assert not again & {*SOLVER_MODULES, "importlib.metadata"}
    assert out2 == out1  # the same text, keys in the same order
    assert len(json.loads(out2)) == len(list(iter_games()))


def test_help_imports_neither_numpy_nor_the_metadata(tmp_path: Path) -> None:
    names, out = _imported(tmp_path, "--help", env={})
    assert "games" in out and "eval" in out
    assert "stratlens._cli.games" in names
    assert not names & {"numpy", "pyspiel", "asyncio", "importlib.metadata", "rich"}
