"""Structure features kept in a file between processes, so quick commands stay quick.

Solving a game (nashpy, scipy's linear programs) costs a second of imports and a fraction of a
second per catalog, far more than `stratlens games list --json` may take. The features of each
game are therefore written to one JSON file and read back by later processes:
``$STRATLENS_STRUCTURE_CACHE``, else ``$XDG_CACHE_HOME/stratlens/structure.json``
(``~/.cache/stratlens/structure.json``); an empty ``$STRATLENS_STRUCTURE_CACHE`` turns the file
off.

An entry is used only when both its keys match:

- the **code version**: a hash of the source of this package (the catalog and every module
  that computes features) and of the installed solver packages' files (path, size and
  modification time of numpy, scipy, nashpy and OpenSpiel), so an edit or an upgrade
  recomputes everything;
- the game's **fingerprint**: a hash of its definition as the solvers see it (kind,
  parameters, the OpenSpiel game and its type, the payoff tables, payoff types and shown
  tables, or the whole tree of a sequential game), so a game registered from outside this
  package is keyed by what it is, not by its id alone.

The file is a cache: one that cannot be read or written is ignored, and a write replaces the
file atomically (another process's entries are merged in first).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from stratlens.games._extract import bimatrix, payoff_types, shown_tables, tree_of
from stratlens.games._spec import GameSpec

CACHE_ENV_VAR = "STRATLENS_STRUCTURE_CACHE"
#: Packages whose installed files take part in the code version (the solvers and OpenSpiel).
SOLVER_PACKAGES = ("numpy", "scipy", "nashpy", "pyspiel")

_code_version: str | None = None
_loaded: dict[str, Any] | None = None  # the file's entries for this code version


def cache_path() -> Path | None:
    """The cache file, or None when ``$STRATLENS_STRUCTURE_CACHE`` is set empty."""
    env = os.environ.get(CACHE_ENV_VAR)
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stratlens" / "structure.json"


def code_version() -> str:
    """A hash of this package's source and of the installed solver packages' files."""
    global _code_version
    if _code_version is None:
        h = hashlib.sha256()
        for source in sorted(Path(__file__).parent.glob("*.py")):
            h.update(source.name.encode())
            h.update(source.read_bytes())
        for name in SOLVER_PACKAGES:
            spec = importlib.util.find_spec(name)
            origin = None if spec is None else spec.origin
            if origin is None:
                h.update(f"{name}: absent".encode())
                continue
            st = os.stat(origin)
            h.update(f"{name}: {origin} {st.st_size} {st.st_mtime_ns}".encode())
        _code_version = h.hexdigest()
    return _code_version


def _tables(pair: tuple[np.ndarray, np.ndarray] | None) -> Any:
    return None if pair is None else [np.asarray(m, dtype=float).tolist() for m in pair]


def fingerprint(spec: GameSpec) -> str:
    """A hash of the game's definition as the feature computation reads it."""
    game = spec.game()
    game_type = game.get_type()
    record: dict[str, Any] = {
        "id": spec.id,
        "kind": spec.kind,
        "params": spec.params,
        "game": str(game),
        "players": int(game.num_players()),
        "information": str(game_type.information),
        "chance": str(game_type.chance_mode),
        "dynamics": str(game_type.dynamics),
    }
    if spec.kind == "tree":
        record["tree"] = repr(tree_of(game.new_initial_state()))
    elif spec.kind == "guess":  # the payoff rule is the game string's parameters
        record["rule"] = spec.payoff_rule
    else:
        record["tables"] = _tables(bimatrix(spec))
        record["types"] = [[float(p), _tables((a, b))] for p, a, b in payoff_types(spec)]
        record["shown"] = _tables(shown_tables(spec, 1))
    text = json.dumps(record, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def _read(path: Path) -> dict[str, Any]:
    """The entries of ``path`` for this code version ({} when absent, unreadable or stale)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("code_version") != code_version():
        return {}
    games = data.get("games")
    return games if isinstance(games, dict) else {}


def lookup(spec: GameSpec) -> dict[str, Any] | None:
    """The stored features of ``spec``, or None when the file has no current entry for it."""
    global _loaded
    path = cache_path()
    if path is None:
        return None
    if _loaded is None:
        _loaded = _read(path)
    entry = _loaded.get(spec.id)
    if not isinstance(entry, dict) or entry.get("fingerprint") != fingerprint(spec):
        return None
    value = entry.get("structure")
    return value if isinstance(value, dict) else None


def store(spec: GameSpec, value: dict[str, Any]) -> None:
    """Write ``value`` as the features of ``spec`` (merged with what the file holds now)."""
    global _loaded
    path = cache_path()
    if path is None:
        return
    games = _read(path)
    games[spec.id] = {"fingerprint": fingerprint(spec), "structure": value}
    text = json.dumps({"code_version": code_version(), "games": games})  # keys in their order
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".structure-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:  # a read-only home or a full disk: the cache is optional
        return
    _loaded = games


def forget() -> None:
    """Drop what this process read from the file (the next lookup reads it again)."""
    global _loaded
    _loaded = None
