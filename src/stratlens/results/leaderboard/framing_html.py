"""The index's framing section: each framed row's distance from its neutral twin."""

from __future__ import annotations

from stratlens.results.leaderboard.build import Leaderboard
from stratlens.results.leaderboard.framing import largest
from stratlens.results.leaderboard.html import est_cell, table, text_cell

COLUMNS = (
    ("row", "row", "text"),
    ("neutral", "neutral twin", "text"),
    ("framing", "framing", "text"),
    ("cells", "games × roles", "num"),
    ("tv", "choices vs neutral (TV)", "num"),
    ("most", "moved most", "text"),
)
NOTE = (
    "The same payoffs told as a story or by the game's name (<code>--framing</code>), beside "
    "the same model shown the plain table: the total-variation distance between the two rows' "
    "choice shares, averaged over the games and roles both played (0 = the same choices; two "
    "samples of one player differ a little by chance, so read the 95% interval). A model whose "
    "choices move with the words and not the payoffs is reading words, not games."
)


def index_section(lb: Leaderboard) -> str:
    if not lb.framings:
        return ""
    rows = []
    for c in lb.framings:
        top = largest(c)
        most = f"{top.game_id} P{top.role + 1} ({top.total_variation.value:.2f})" if top else None
        rows.append(
            text_cell(c.key)
            + text_cell(c.neutral)
            + text_cell(c.framing)
            + f'<td data-v="{len(c.cells)}">{len(c.cells)}</td>'
            + est_cell(c.total_variation)
            + text_cell(most)
        )
    return "\n".join(
        [
            "<h2>Framings: the same payoffs, other words</h2>",
            f'<p class="note">{NOTE}</p>',
            table(COLUMNS, rows, table_id="framings"),
        ]
    )


def to_json(lb: Leaderboard) -> list[dict[str, object]]:
    return [
        {
            "row": c.key,
            "neutral": c.neutral,
            "framing": c.framing,
            "total_variation": c.total_variation.to_json(),
            "cells": [
                {
                    "game_id": x.game_id,
                    "role": x.role,
                    "total_variation": x.total_variation.to_json(),
                }
                for x in c.cells
            ],
        }
        for c in lb.framings
    ]
