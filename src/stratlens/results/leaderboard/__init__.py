"""The leaderboard: tables, pages and plots regenerated from the store.

    from stratlens.results.leaderboard import build_leaderboard, write_leaderboard

    lb = build_leaderboard("results/stratlens.db")          # the tables, in memory
    report = write_leaderboard("results/stratlens.db", "results/leaderboard")

`write_leaderboard` is what ``stratlens leaderboard`` runs. The output depends on the store's
content only (the one timestamp in it is the newest run's), is swapped in atomically, and reuses
the per-run summaries and the steps computed from them (`_memo`) cached in the store's
``analysis_cache`` table.
"""

from __future__ import annotations

from stratlens.results.leaderboard.api import (
    DEFAULT_OUT,
    WriteReport,
    build_leaderboard,
    render_files,
    write_leaderboard,
)
from stratlens.results.leaderboard.build import EntryResult, GroupResult, Leaderboard

__all__ = [
    "DEFAULT_OUT",
    "EntryResult",
    "GroupResult",
    "Leaderboard",
    "WriteReport",
    "build_leaderboard",
    "render_files",
    "write_leaderboard",
]
