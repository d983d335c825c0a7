"""The leaderboard's "against people" sections: the human rows, and each model's distance and
shift beside them (`stratlens.results.leaderboard.human`)."""

from __future__ import annotations

from stratlens.errors import UnknownGameError
from stratlens.games import get_game
from stratlens.profiler.behavior import StyleProfile
from stratlens.results.human import HumanRow, human_rows
from stratlens.results.human.styles import counted_rows, human_game_profile
from stratlens.results.leaderboard.build import EntryResult, Leaderboard
from stratlens.results.leaderboard.html import esc, est_cell, fmt, num_cell, table, text_cell
from stratlens.results.leaderboard.human import STUDY, EntryHuman, GameStyles

HUMAN_COLUMNS = (
    ("entry", "row", "text"),
    ("game", "game", "text"),
    ("role", "role", "num"),
    ("shares", "human choices", "text"),
    ("n", "n", "num"),
    ("mark", "source mark", "text"),
    ("source", "source", "text"),
)
DISTANCE_COLUMNS = (
    ("model", "model", "text"),
    ("cells", "games × roles", "num"),
    ("tv", "distance to people (TV)", "num"),
    ("ll", "log-likelihood / choice", "num"),
    ("with", "shifts with people", "num"),
    ("against", "shifts against people", "num"),
    ("none", "no clear shift", "num"),
)
SHIFT_COLUMNS = (
    ("pair", "treasure → contradiction", "text"),
    ("role", "role", "num"),
    ("measure", "measured on", "text"),
    ("human", "people move", "num"),
    ("model", "model moves", "num"),
    ("ratio", "shift ratio", "num"),
    ("direction", "direction", "text"),
)
STYLE_COLUMNS = (
    ("game", "game", "text"),
    ("human", "people's style", "text"),
    ("model", "model's style", "text"),
    ("same", "same leading style", "text"),
    ("fit", "fit test (people; model)", "text"),
)
PEOPLE_STYLE_COLUMNS = (
    ("game", "game", "text"),
    ("style", "people's style (behavioural fit)", "text"),
    ("n", "choices", "num"),
    ("fit", "fit test", "text"),
)
STYLE_NOTE = (
    "Style: the behavioural mixture of the profiler (minimax, trust-based, belief anticipation, "
    "other; tremble noise) fitted to people's choices and to the model's on the same game and "
    "roles (games whose human n is printed or in the appendix); the fit test's p is the χ² one. "
    "Where two styles choose alike in a game the fit cannot tell them apart there and splits "
    "their weight (the traveler's dilemma at R = 180: belief and minimax both claim 180)."
)
CELL_COLUMNS = (
    ("game", "game", "text"),
    ("role", "role", "num"),
    ("choices", "model choices", "num"),
    ("tv", "distance to people (TV)", "num"),
    ("ll", "log-likelihood / choice", "num"),
)
NOTE = (
    "People are data, not a ranked row. <b>Distance (TV)</b>: total-variation distance between "
    "the model's choice shares and the human shares (0 = the same). <b>Log-likelihood</b>: mean "
    "log-probability of the model's choices under the human distribution (smoothed with 1% "
    "uniform), per choice; higher is closer. <b>Shift ratio</b>: the model's move from the "
    "treasure to its contradiction in units of the people's move (mean choice for claims and "
    "efforts, else the projection of the change in shares on the people's change): 1 = as far "
    "as people, 0 = no move, negative = the other way. Intervals: 95% bootstrap over the "
    "model's episodes, the human numbers held fixed. Only numbers the paper prints or that "
    "come from its data appendix are used; a row marked uncertain is shown and never used."
)


def _shares_text(row: HumanRow) -> str:
    try:
        spec = get_game(row.game_id)
    except UnknownGameError:
        labels = tuple(f"option {i}" for i in range(len(row.shares)))
    else:  # the prompt's label, and the paper's name where it differs (row 0 (Top))
        paper = spec.params.get("paper_actions", [[], []])[row.role]
        labels = tuple(
            f"{lab} ({paper[i]})" if i < len(paper) and paper[i] != lab else lab
            for i, lab in enumerate(spec.action_labels[row.role])
        )
    parts = [f"{labels[i]} {100 * s:.0f}%" for i, s in enumerate(row.shares) if s > 0]
    return ", ".join(parts)


def human_table() -> str:
    rows = [
        text_cell(r.entry)
        + text_cell(r.game_id + (f", {r.context}" if r.context else ""))
        + f'<td data-v="{r.role + 1}">P{r.role + 1}</td>'
        + text_cell(_shares_text(r))
        + (num_cell(float(r.n), 0) if r.n is not None else text_cell("not printed"))
        + text_cell(r.mark + (f" ({r.note})" if r.note else ""))
        + text_cell(r.source)
        for r in human_rows()
    ]
    return table(HUMAN_COLUMNS, rows, table_id="human")


def weights_text(p: StyleProfile) -> str:
    ranked = sorted(p.weights.items(), key=lambda kv: -kv[1])
    return " · ".join(f"{s} {w:.2f}" for s, w in ranked if w >= 0.005)


def people_styles() -> str:
    rows = []
    for game_id in dict.fromkeys(r.game_id for r in counted_rows(STUDY)):
        p = human_game_profile(STUDY, game_id)
        if p is None:
            continue
        rows.append(
            text_cell(game_id)
            + text_cell(weights_text(p))
            + f'<td data-v="{p.n_decisions}">{p.n_decisions}</td>'
            + text_cell(p.fit.verdict if p.fit else None)
        )
    return table(PEOPLE_STYLE_COLUMNS, rows, table_id="human-styles")


def _count(h: EntryHuman, direction: str) -> int:
    return sum(1 for s in h.shifts if s.shift.direction == direction)


def index_section(lb: Leaderboard) -> str:
    """The index's section: each model's distance and shift, then the human rows."""
    if not lb.human:
        return ""
    rows = []
    for en in lb.entries:
        h = lb.human.get(en.key)
        if h is None:
            continue
        rows.append(
            f'<td class="text" data-v="{esc(en.key)}"><a href="models/{esc(en.slug)}.html">'
            f"{esc(en.key)}</a></td>"
            f'<td data-v="{len(h.cells)}">{len(h.cells)}</td>'
            + est_cell(h.total_variation)
            + est_cell(h.log_likelihood)
            + "".join(
                f'<td data-v="{_count(h, d)}">{_count(h, d)}</td>'
                for d in ("with people", "against people", "no clear shift")
            )
        )
    return "\n".join(
        [
            "<h2>Against people: human/goeree_holt_2001</h2>",
            f'<p class="note">{NOTE}</p>',
            table(DISTANCE_COLUMNS, rows, table_id="human-distance"),
            human_table(),
            f'<p class="note">{STYLE_NOTE}</p>',
            people_styles(),
        ]
    )


def _style_row(g: GameStyles) -> str:
    same = "yes" if g.human.dominant == g.model.dominant else "no"
    fits = "; ".join(p.fit.verdict.split(":")[0] if p.fit else "—" for p in (g.human, g.model))
    return (
        text_cell(g.game_id)
        + text_cell(weights_text(g.human))
        + text_cell(weights_text(g.model))
        + text_cell(same)
        + text_cell(fits)
    )


def model_section(lb: Leaderboard, en: EntryResult) -> str:
    """The model page's section: per game and role distance, and every pair's shift."""
    h = lb.human.get(en.key)
    if h is None:
        return ""
    cells = [
        text_cell(c.game_id + (f", {c.context}" if c.context else ""))
        + f'<td data-v="{c.role + 1}">P{c.role + 1}</td>'
        + f'<td data-v="{c.distance.choices}">{c.distance.choices}</td>'
        + est_cell(c.distance.total_variation)
        + est_cell(c.distance.log_likelihood)
        for c in h.cells
    ]
    shifts = [
        text_cell(f"{s.treasure} → {s.contradiction}" + (f" ({s.context})" if s.context else ""))
        + f'<td data-v="{s.role + 1}">P{s.role + 1}</td>'
        + text_cell("mean choice" if s.ordered else "shares (TV)")
        + num_cell(s.human_move, 2)
        + num_cell(s.model_move, 2)
        + est_cell(s.shift.ratio, 2)
        + text_cell(s.shift.direction)
        for s in h.shifts
    ]
    return "\n".join(
        [
            "<h2>Against people (Goeree &amp; Holt 2001)</h2>",
            f'<p class="note">Mean distance to people {fmt(h.total_variation.value)} (TV), '
            f"log-likelihood {fmt(h.log_likelihood.value)} per choice. {NOTE}</p>",
            table(CELL_COLUMNS, cells, table_id="human-cells"),
            table(SHIFT_COLUMNS, shifts, table_id="human-shifts"),
            f'<p class="note">{STYLE_NOTE}</p>',
            table(STYLE_COLUMNS, [_style_row(g) for g in h.styles], table_id="human-style"),
        ]
    )
