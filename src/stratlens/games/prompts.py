"""Prompt text rendered from a game and a state, for one player and one protocol.

The text is written for people and models from the game's numbers (never from OpenSpiel's
``observation_string``). Player names and action labels are neutral: "Player 1", "row 0",
"offer 3". Three protocols: ``vanilla`` asks for the answer only, ``cot`` asks for reasoning
first and the answer on the last line, ``payoff`` is ``cot`` plus a line
``Expected payoff: <number>``: the mean points of the chosen option when every other choice is
uniform (checked by `stratlens.results.phases.execution`). All ask for the same final line,
``Final answer: <option>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from stratlens.games._catalog_gh_signaling import known_line
from stratlens.games._extract import bimatrix, joint_history, payoff_types, shown_tables, tree_of
from stratlens.games._spec import GameSpec, get_game
from stratlens.games.framings import framing_text
from stratlens.games.views import DecisionView, TreeNode, TreeView

PREAMBLE = (
    "You are taking part in a game with one other player. Your goal is to get as many points "
    "as you can for yourself."
)

ANSWER_FORMAT = {
    "vanilla": (
        "Answer with your choice only, no explanation, as one line in exactly this form:\n"
        "Final answer: <option>"
    ),
    "cot": (
        "Think about the possible outcomes with a view to getting as many points as you can, "
        "and explain your reasoning step by step. Then end with one line in exactly this form:\n"
        "Final answer: <option>"
    ),
    "payoff": (
        "Think about the possible outcomes with a view to getting as many points as you can, "
        "and explain your reasoning step by step. Then state the average number of points your "
        "choice gives you if every other choice (the other player's, and any later one) were "
        "made with equal probability among its options, as one line in exactly this form:\n"
        "Expected payoff: <number>\n"
        "and end with one line in exactly this form:\n"
        "Final answer: <option>"
    ),
}

ONE_SHOT_RULES = (
    "Both players choose at the same time, without seeing the other's choice. The game is "
    "played once, and the points of the chosen cell are what each player gets."
)

#: A matrix game whose payoffs are stated as a rule: no table, no cells.
RULE_RULES = (
    "Both players choose at the same time, without seeing the other's choice. The game is "
    "played once."
)

MAX_LISTED_OUTCOMES = 40


@dataclass(frozen=True)
class RenderedPrompt:
    rules: str
    observation: str
    legal_actions: dict[int, str]
    prompt: str


def _num(x: float) -> str:
    return f"{x:g}"


def _player(p: int) -> str:
    return f"Player {p + 1}"


def _preamble(spec: GameSpec) -> str:
    others = len(spec.action_labels) - 1
    if others == 1:
        return PREAMBLE
    return PREAMBLE.replace("with one other player", f"with {others} other players")


def _role_line(spec: GameSpec, player: int) -> str:
    if spec.kind in ("tree", "guess") or spec.payoff_rule:
        return f"You are {_player(player)}."
    what = "a row" if player == 0 else "a column"
    return (
        f"You are {_player(player)}: you choose {what}, and the other player chooses "
        f"{'a column' if player == 0 else 'a row'}."
    )


def table_text(a: np.ndarray, b: np.ndarray, labels: tuple[tuple[str, ...], ...]) -> str:
    """A payoff table in Markdown, each cell once as (Player 1's points, Player 2's points)."""
    rows, cols = labels[0][: a.shape[0]], labels[1][: a.shape[1]]
    lines = ["| | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for i, r in enumerate(rows):
        cells = " | ".join(f"({_num(a[i, j])}, {_num(b[i, j])})" for j in range(len(cols)))
        lines.append(f"| {r} | {cells} |")
    return "\n".join(lines)


_CELL_NOTE = "Each cell shows (Player 1's points, Player 2's points)."


def _matrix_observation(spec: GameSpec, player: int) -> str:
    labels = spec.action_labels
    if spec.kind == "bayesian":
        parts = [_CELL_NOTE]
        for k, (p, a, b) in enumerate(payoff_types(spec)):
            name = chr(ord("A") + k)
            parts.append(f"Table {name} (drawn with probability {_num(100 * p)}%):")
            parts.append(table_text(a, b, labels))
        return "\n\n".join(parts)
    if spec.kind == "signaling":
        true_a, true_b = payoff_types(spec)[0][1:]
        shown = shown_tables(spec, 1 - player) or shown_tables(spec, player)
        assert shown is not None
        if shown_tables(spec, player) is not None:
            return "\n\n".join(
                [
                    _CELL_NOTE,
                    "The table you are shown (it is not the true table):",
                    table_text(shown[0], shown[1], labels),
                ]
            )
        return "\n\n".join(
            [
                _CELL_NOTE,
                "The true table:",
                table_text(true_a, true_b, labels),
                "The table Player 2 is shown instead:",
                table_text(shown[0], shown[1], labels),
            ]
        )
    if spec.payoff_rule:
        return spec.payoff_rule
    pair = bimatrix(spec)
    assert pair is not None
    return _CELL_NOTE + "\n\n" + table_text(pair[0], pair[1], labels)


def private_value_line(state: Any, player: int) -> str:
    """What a bidder of a private-value auction knows of its own draw."""
    value = state.value(player)
    if value is None:
        raise ValueError("the bidder's value has not been drawn yet")
    return f"Your value for the prize is {value} dollars."


def _moves_so_far(state: Any, spec: GameSpec) -> list[str]:
    out = []
    for h in state.full_history():
        if h.player < 0:
            continue
        out.append(f"{_player(h.player)} chose {spec.action_labels[h.player][h.action]}.")
    return out


def _two_stage_table(root: TreeNode) -> tuple[list[str], list[str], np.ndarray, np.ndarray] | None:
    """A first mover's choice followed by a reply with the same options after every choice."""
    first = root.children
    if not first or any(c[3].is_terminal or c[3].player == root.player for c in first):
        return None
    reply_labels = [lab for _, lab, _, _ in first[0][3].children]
    a = np.zeros((len(first), len(reply_labels)))
    b = np.zeros_like(a)
    for i, (_, _, _, node) in enumerate(first):
        if [lab for _, lab, _, _ in node.children] != reply_labels:
            return None
        for j, (_, _, _, leaf) in enumerate(node.children):
            if leaf.payoffs is None:
                return None
            a[i, j], b[i, j] = leaf.payoffs
    return [lab for _, lab, _, _ in first], reply_labels, a, b


def _outcomes(node: TreeNode, path: list[str], out: list[str]) -> None:
    if node.payoffs is not None:
        out.append(
            f"- if {', then '.join(path)}: Player 1 gets {_num(node.payoffs[0])}, "
            f"Player 2 gets {_num(node.payoffs[1])}"
        )
        return
    for _, label, prob, child in node.children:
        step = (
            f"chance gives {label}"
            if prob is not None
            else (f"{_player(node.player)} chooses {label}")
        )
        _outcomes(child, [*path, step], out)


def _count_leaves(node: TreeNode) -> int:
    return 1 if node.payoffs is not None else sum(_count_leaves(c[3]) for c in node.children)


def _tree_observation(spec: GameSpec, state: Any, player: int, root: TreeNode | None) -> str:
    parts = []
    root = tree_of(state) if root is None else root
    table = _two_stage_table(root) if root.player == player else None
    if table is not None:
        rows, cols, a, b = table
        parts.append(
            f"You move first; then {_player(1 - player)} sees your choice and replies. "
            + _CELL_NOTE
        )
        parts.append(table_text(a, b, (tuple(rows), tuple(cols))))
    elif _count_leaves(root) <= MAX_LISTED_OUTCOMES:
        lines: list[str] = []
        _outcomes(root, [], lines)
        parts.append("The possible outcomes from here:\n" + "\n".join(lines))
    moves = _moves_so_far(state, spec)
    parts.append("So far: " + " ".join(moves) if moves else "No move has been made yet.")
    return "\n\n".join(parts)


def _stage(spec: GameSpec) -> tuple[GameSpec, np.ndarray, np.ndarray, str]:
    """A repeated game's stage game, its tables and their text (once per game)."""
    found = _STAGES.get(spec.id)
    if found is None or found[0] is not spec:
        stage = get_game(spec.params["stage"])
        a, b = bimatrix(stage) or (np.zeros((1, 1)), np.zeros((1, 1)))
        a.flags.writeable = b.flags.writeable = False  # shared by every round's prompt
        found = (spec, (stage, a, b, table_text(a, b, stage.action_labels)))
        _STAGES[spec.id] = found
    return found[1]


_STAGES: dict[str, tuple[GameSpec, tuple[GameSpec, np.ndarray, np.ndarray, str]]] = {}


def _repeated_observation(spec: GameSpec, state: Any, player: int) -> str:
    stage, a, b, table = _stage(spec)
    parts = ["Points of one round. " + _CELL_NOTE, table]
    past = joint_history(state)
    horizon = spec.params.get("horizon")
    n = len(past) + 1
    parts.append(f"This is round {n}" + (f" of {horizon}." if horizon else "."))
    if past:
        lines = []
        for k, (r, c) in enumerate(past, start=1):
            mine, theirs = (r, c) if player == 0 else (c, r)
            lines.append(
                f"Round {k}: you chose {stage.action_labels[player][mine]}, the other player "
                f"chose {stage.action_labels[1 - player][theirs]}; points: "
                f"you {_num((a if player == 0 else b)[r, c])}, the other "
                f"{_num((b if player == 0 else a)[r, c])}."
            )
        parts.append("Earlier rounds:\n" + "\n".join(lines))
    return "\n\n".join(parts)


def render(
    spec: GameSpec,
    state: Any,
    player: int,
    protocol: str,
    view: DecisionView | None = None,
    framing: str = "neutral",
) -> RenderedPrompt:
    """The prompt for ``player`` at ``state`` under ``protocol`` (a key of `ANSWER_FORMAT`).

    ``view``, when the caller has it (`decision_view` of the same state), saves walking the
    game tree a second time. ``framing`` (`stratlens.games.framings`) adds a story or the
    game's name after the opening line of a matrix game; the rest is the same."""
    if protocol not in ANSWER_FORMAT:
        raise ValueError(f"unknown prompt protocol {protocol!r}")
    if spec.kind not in _ONE_SHOT or "private_values" in spec.params:  # the state counts
        return _render(spec, state, player, protocol, view, framing)
    # A one-shot decision's prompt depends on the game, the player and the legal actions only:
    # rendered once for each.
    key = (spec.id, player, protocol, framing, tuple(state.legal_actions(player)))
    found = _RENDERED.get(key)
    if found is None or found[0] is not spec:
        found = (spec, _render(spec, state, player, protocol, view, framing))
        if len(_RENDERED) >= 4096:
            _RENDERED.clear()
        _RENDERED[key] = found
    return found[1]


_ONE_SHOT = ("matrix", "bayesian", "signaling")
_RENDERED: dict[tuple[str, int, str, str, tuple[int, ...]], tuple[GameSpec, RenderedPrompt]] = {}


def _render(
    spec: GameSpec,
    state: Any,
    player: int,
    protocol: str,
    view: DecisionView | None,
    framing: str,
) -> RenderedPrompt:
    one_shot = RULE_RULES if spec.payoff_rule else ONE_SHOT_RULES
    game_rules = spec.rules or (one_shot if spec.kind == "matrix" else "")
    told = framing_text(spec, framing)
    opening = _preamble(spec)
    rules = "\n".join(x for x in (opening, told, game_rules, _role_line(spec, player)) if x)
    if spec.kind == "guess":  # N players, one rule for the payoffs
        observation = spec.payoff_rule
    elif "private_values" in spec.params:  # an auction: the rule, then the bidder's own value
        observation = spec.payoff_rule + "\n\n" + private_value_line(state, player)
    elif "sender_types" in spec.params:  # signaling: both types' tables, then what one knows
        observation = spec.payoff_rule + "\n\n" + known_line(state, player)
    elif spec.kind in _ONE_SHOT:
        observation = _matrix_observation(spec, player)
    elif spec.kind == "tree":
        root = view.root if isinstance(view, TreeView) else None
        observation = _tree_observation(spec, state, player, root)
    else:
        observation = _repeated_observation(spec, state, player)
    legal = {int(a): spec.action_labels[player][a] for a in state.legal_actions(player)}
    options = "Your options: " + ", ".join(legal.values()) + "."
    prompt = "\n\n".join([rules, observation, options, ANSWER_FORMAT[protocol]])
    return RenderedPrompt(rules, observation, legal, prompt)
