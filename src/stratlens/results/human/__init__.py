"""Human laboratory choices, shown beside the models and never mixed into their rows.

    from stratlens.results.human import human_rows
    rows = human_rows("goeree_holt_2001")    # one HumanRow per game and role

Each row is a study's choice distribution for one catalog game and role, with its n, its
source and how sure it is (`HumanRow.mark`). `compare` puts a model's choices beside them:
distance (total variation, log-likelihood under the human distribution) and the shift
between a treasure and its contradiction.
"""

from __future__ import annotations

from stratlens.results.human import _goeree_holt_2001
from stratlens.results.human._rows import MARKS, HumanRow

STUDIES = {_goeree_holt_2001.STUDY: _goeree_holt_2001.ROWS}


def human_rows(study: str | None = None) -> list[HumanRow]:
    """Every study's rows (or one study's), in the study's order."""
    if study is not None and study not in STUDIES:
        raise ValueError(f"unknown human study {study!r} (known: {', '.join(STUDIES)})")
    return [r for s, rows in STUDIES.items() if study in (None, s) for r in rows]


def human_row(game_id: str, role: int, context: str = "") -> HumanRow | None:
    """The first study's row for this game and role, if any (of one information state,
    ``context``, in a game whose role decides at several)."""
    return next(
        (
            r
            for r in human_rows()
            if r.game_id == game_id and r.role == role and r.context == context
        ),
        None,
    )


__all__ = ["MARKS", "STUDIES", "HumanRow", "human_row", "human_rows"]
