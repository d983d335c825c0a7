"""Results: the SQLite store that play writes and analysis reads, and its loaders."""

from stratlens.results.store import (
    DEFAULT_STORE_PATH,
    SCHEMA_VERSION,
    STORE_ENV_VAR,
    Store,
    check_store_location,
    load_decisions,
    load_episodes,
    load_runs,
    open_store,
    resolve_store_path,
)

__all__ = [
    "DEFAULT_STORE_PATH",
    "SCHEMA_VERSION",
    "STORE_ENV_VAR",
    "Store",
    "check_store_location",
    "load_decisions",
    "load_episodes",
    "load_runs",
    "open_store",
    "resolve_store_path",
]
