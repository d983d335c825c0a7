"""The test session keeps away from the user's own ``results/`` folder."""

from __future__ import annotations

from pathlib import Path

from stratlens.agents._cache import resolve_cache_path
from stratlens.results.store import resolve_store_path
from tests.conftest import SESSION_RESULTS


def test_the_default_store_and_cache_are_the_sessions_not_the_users() -> None:
    cwd = Path.cwd().resolve()
    for path in (resolve_store_path(), resolve_cache_path()):
        assert path.resolve().is_relative_to(SESSION_RESULTS.resolve()), path
        assert not path.resolve().is_relative_to(cwd / "results"), path
