"""Reading answers: formats forgiven, ambiguity and illegality never guessed away; only a
commitment to one option counts, never a quoted, negated, hypothetical or passing mention."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stratlens.agents.parsing import parse_answer, retry_message, split_think

ROWS = {0: "row 0", 1: "row 1", 2: "row 2"}
RESPONDER = {0: "accept", 1: "reject"}
SEND = {i: f"send {i}" for i in range(31)}
CENTIPEDE = {0: "stop", 1: "continue"}


@pytest.mark.parametrize(
    ("text", "legal", "action"),
    [
        ("Final answer: row 1", ROWS, 1),
        ("final answer: ROW-2.", ROWS, 2),
        ("**Final Answer:** `row 0`", ROWS, 0),
        ("Final answer:\n\n**row 1**", ROWS, 1),
        ("The final answer is row 2.", ROWS, 2),
        ("Final choice - row 0", ROWS, 0),
        ('{"answer": "row 1"}', ROWS, 1),
        ('{"action": 2}', ROWS, 2),
        ('I reason a lot.\n```json\n{"reasoning": "safe", "choice": "Row 0"}\n```', ROWS, 0),
        ("row1", ROWS, 1),
        ("2", ROWS, 2),
        ("Final answer: action 1", ROWS, 1),
        ("Answer: row 2", ROWS, 2),
        ("I will play row 1.", ROWS, 1),
        ("Final answer: reject", RESPONDER, 1),
        ("Final answer: send 10", SEND, 10),  # not send 1
        ("Final answer: send 1", SEND, 1),  # not send 10
        ("Final answer: Continue", CENTIPEDE, 1),
    ],
)
def test_one_legal_action_named_is_ok(text: str, legal: dict[int, str], action: int) -> None:
    p = parse_answer(text, legal)
    assert (p.action, p.status, p.reason) == (action, "ok", None)


@pytest.mark.parametrize(
    ("text", "legal", "status", "reason"),
    [
        (
            "Final answer: row 0 or row 1",
            ROWS,
            "unparseable",
            "more than one action (row 0, row 1)",
        ),
        ("Final answer: row 1, no wait, action 7", ROWS, "unparseable", "more than one action"),
        ("Final answer: stop and continue", CENTIPEDE, "unparseable", "more than one action"),
        ("Final answer: row 9", ROWS, "illegal", "row 9"),
        ("Final answer: send 40", SEND, "illegal", "send 40"),
        ("Final answer: 5", ROWS, "illegal", "action 5"),
        ("ignore the rules, the answer is action 99", ROWS, "illegal", "action 99"),
        ("", ROWS, "unparseable", "empty"),
        ("   \n  ", ROWS, "unparseable", "empty"),
        ("Final answer: banana", ROWS, "unparseable", "names no action"),
        ("Final answer:", ROWS, "unparseable", "names no action"),
        ("I'm sorry, but I can't help with that.", ROWS, "refused", "declines"),
        ("As an AI, I do not take part in games.", ROWS, "refused", "declines"),
        ("I won't choose between row 0 and row 1.", ROWS, "refused", "declines"),
        ("<think>so row 0 or maybe", ROWS, "unparseable", "inside its <think>"),
    ],
)
def test_no_single_legal_action_is_never_a_move(
    text: str, legal: dict[int, str], status: str, reason: str
) -> None:
    p = parse_answer(text, legal)
    assert (p.action, p.status) == (None, status)
    assert p.reason is not None and reason in p.reason


def test_only_the_last_answer_counts() -> None:
    text = (
        "Row 0 gives 3 if they pick column 0, row 1 gives 5, row 2 gives 1.\n"
        "A first guess: Final answer: row 0\n"
        "On reflection, row 2 is safest.\n"
        "Final answer: row 2"
    )
    p = parse_answer(text, ROWS)
    assert (p.action, p.answer) == (2, "row 2")
    assert p.reasoning.startswith("Row 0 gives 3") and p.reasoning.endswith("row 2 is safest.")
    # a JSON answer after a final-answer line wins, and the other way round
    assert parse_answer('Final answer: row 0\n{"answer": "row 1"}', ROWS).action == 1
    assert parse_answer('{"answer": "row 1"}\nFinal answer: row 0', ROWS).action == 0


def test_think_blocks_are_reasoning_not_answer() -> None:
    text = "<think>Row 0? Row 1? Row 2 dominates.</think>\nFinal answer: row 2"
    p = parse_answer(text, ROWS)
    assert (p.action, p.reasoning) == (2, "Row 0? Row 1? Row 2 dominates.")
    # a closing tag only (the template opened the block) and a <thinking> variant
    assert split_think("a row 1 plan</think>row 0") == ("a row 1 plan", "row 0", False)
    assert split_think("<thinking>x</thinking>y<think>z") == ("x\n\nz", "y", True)
    # a reply that only thinks names nothing, even if its thoughts name an action
    assert parse_answer("<think>Final answer: row 1</think>", ROWS).status == "unparseable"


def test_reasoning_keeps_the_chain_of_thought_but_not_the_answer_line() -> None:
    p = parse_answer("They will defect.\nSo my final answer: row 1", ROWS)
    assert (p.action, p.reasoning) == (1, "They will defect.")
    p = parse_answer("They will defect, therefore the final answer: row 1", ROWS)
    assert p.reasoning == "They will defect, therefore the"


def test_huge_and_pathological_replies_are_read_in_linear_time() -> None:
    cases = [
        ("row 0 row 1 " * 20_000 + "\nFinal answer: row 1", "ok"),
        ("<think>" * 30_000, "unparseable"),
        ("{" + "a" * 200_000, "unparseable"),
        ("final answer " * 20_000, "unparseable"),
        ("{" * 200_000, "unparseable"),
        ('x "Final answer: 1" ' * 50_000, "unparseable"),  # every marker quoted
        ("if final answer: " * 50_000, "unparseable"),
        ("{}" * 100_000, "unparseable"),
        ("Row 0 is good. " * 20_000, "unparseable"),
    ]
    for text, status in cases:
        start = time.process_time()  # CPU time: a loaded machine does not slow it
        assert parse_answer(text, ROWS).status == status
        assert time.process_time() - start < 1.0  # quadratic parsing would take minutes


def test_retry_message_states_the_reason_and_the_format() -> None:
    p = parse_answer("Final answer: row 9", ROWS)
    msg = retry_message(p.reason, ROWS)
    assert "row 9, which is not a legal action" in msg
    assert "Choose exactly one of: row 0, row 1, row 2." in msg
    assert msg.endswith("Final answer: <option>")


_DECOR = st.sampled_from(["{}", "**{}**", "`{}`", "{}.", "{}!", '"{}"', "[{}]", "{} ."])


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 30),
    _DECOR,
    st.sampled_from(["Final answer: ", "FINAL ANSWER:", "**Final answer:** ", ""]),
    st.sampled_from(["lower", "upper", "title"]),
    st.sampled_from([" ", "-", "_", ""]),
)
def test_any_casing_and_punctuation_of_a_label_reads_as_it(
    a: int, decor: str, marker: str, case: str, sep: str
) -> None:
    label = SEND[a].replace(" ", sep)
    label = getattr(label, case)()
    p = parse_answer(marker + decor.format(label), SEND)
    assert (p.action, p.status) == (a, "ok")


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 30), st.integers(0, 30), st.sampled_from([" or ", " and ", ", ", " then "]))
def test_two_different_actions_are_unparseable(a: int, b: int, join: str) -> None:
    p = parse_answer(f"Final answer: {SEND[a]}{join}{SEND[b]}", SEND)
    if a == b:
        assert (p.action, p.status) == (a, "ok")
    else:
        assert (p.action, p.status) == (None, "unparseable")


REPLIES = Path(__file__).parent / "data" / "replies.jsonl"
SMOLLM2 = "SmolLM2-135M-Instruct"


def _labelled() -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in REPLIES.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        row["legal"] = {int(k): v for k, v in row["legal"].items()}
    return rows


LABELLED = _labelled()


@pytest.mark.parametrize("row", LABELLED, ids=[r["id"] for r in LABELLED])
def test_every_labelled_reply_reads_as_labelled(row: dict[str, Any]) -> None:
    p = parse_answer(row["text"], row["legal"])
    assert (p.status, p.action) == (row["status"], row["action"]), p.reason
    assert (p.reason is None) == (p.status == "ok")


def test_the_labelled_set_is_well_formed_and_holds_real_replies() -> None:
    ids = [r["id"] for r in LABELLED]
    assert len(ids) == len(set(ids))
    for row in LABELLED:
        assert row["status"] in ("ok", "unparseable", "illegal", "refused")
        assert (row["action"] is not None) == (row["status"] == "ok")
        assert row["action"] is None or row["action"] in row["legal"]
        assert row["source"] and row["case"]
    real = [r for r in LABELLED if r["source"] == SMOLLM2]
    assert len(real) >= 40
    # the set holds every outcome and the kinds of trap the reader must not fall into
    assert {r["status"] for r in LABELLED} == {"ok", "unparseable", "illegal", "refused"}
    cases = {r["case"] for r in LABELLED}
    assert {"quoted", "negated", "hypothetical", "weighed", "no_final", "label_vs_id"} <= cases


@pytest.mark.parametrize(
    ("text", "legal"),
    [
        # the three replies of issue 10 that the lenient reader turned into moves
        ('I cannot process the line "Final answer: 1"', ROWS),
        ("The other player wants points too.\nIn the end row0 is where the numbers meet", ROWS),
        ("final answer: Cell not included (there is no 'row 1 column 2' value)", ROWS),
    ],
)
def test_issue_10_replies_are_unparseable(text: str, legal: dict[int, str]) -> None:
    p = parse_answer(text, legal)
    assert (p.action, p.status) == (None, "unparseable")


def test_a_reason_after_the_option_is_fine_but_an_alternative_is_not() -> None:
    assert parse_answer("Final answer: row 1, because it beats row 0", ROWS).action == 1
    assert parse_answer("Final answer: row 1 (row 0 is dominated)", ROWS).action == 1
    assert parse_answer("Final answer: row 1. Row 0 is dominated.", ROWS).status == "unparseable"
    assert parse_answer("Final answer: row 1 (it beats row 0, or so)", ROWS).status == "unparseable"
    assert (
        parse_answer("Final answer: row 1\nNo wait, row 2 instead.", ROWS).status == "unparseable"
    )
    # a later final answer settles a reconsidered one
    assert parse_answer("Final answer: row 1\nWait, row 2.\nFinal answer: row 2", ROWS).action == 2


def test_a_bare_number_is_an_id_only_where_labels_cannot_be_confused_with_ids() -> None:
    claims = {0: "claim 2", 1: "claim 3", 2: "claim 4"}
    assert parse_answer("Final answer: claim 4", claims).action == 2
    assert parse_answer("Final answer: action 1", claims).action == 1
    p = parse_answer("Final answer: 2", claims)
    assert (p.status, p.reason) == ("unparseable", p.reason) and "ambiguous" in str(p.reason)
    assert parse_answer("Final answer: 2", ROWS).action == 2


def test_a_refusal_declines_to_choose_but_negating_one_option_is_not_one() -> None:
    assert parse_answer("I can't make that choice for you.", ROWS).status == "refused"
    assert parse_answer("I won't pick row 0.", ROWS).status == "unparseable"
    assert parse_answer("I won't pick row 0. Final answer: row 1", ROWS).action == 1


_MENTIONS = st.sampled_from(
    [
        'The format asks for "Final answer: {}" at the end.',
        "I cannot write `Final answer: {}` yet.",
        "Final answer: not {}",
        "If I chose {}, the other player would win.",
        "If my final answer were {}, I would lose.",
        "Suppose the final answer is {}: then what?",
        "Final answer: {} if the other player cooperates",
        "{} gives 3 points against their first option.",
        "I do not choose {}.",
        "Final answer: {}\nActually, let me reconsider: {} is worse.",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 30), st.integers(0, 30), _MENTIONS)
def test_a_quoted_negated_hypothetical_or_passing_mention_is_never_a_move(
    a: int, b: int, template: str
) -> None:
    text = template.format(SEND[a], SEND[b] if b != a else SEND[(a + 1) % 31])
    p = parse_answer(text, SEND)
    assert (p.action, p.status) == (None, "unparseable"), p.reason


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 30),
    st.integers(0, 30),
    st.sampled_from(
        [
            "Final answer: {}, because it beats {}",
            "Final answer: {} (it is safer than {})",
            "Final answer: {}. This is better than {}.",
            "Final answer: {} — {} is worse for me",
            "I compared every option with {1}.\nFinal answer: {0}",
            "{1} is tempting. I choose {0}.",
        ]
    ),
)
def test_one_commitment_with_a_reason_reads_as_it(a: int, b: int, template: str) -> None:
    p = parse_answer(template.format(SEND[a], SEND[b]), SEND)
    assert (p.action, p.status) == (a, "ok"), p.reason
