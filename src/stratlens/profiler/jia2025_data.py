"""Reference numbers of Jia et al. (2025) that the TQRE estimators are checked against.

From ``reference/jia2025.md``: the released competitive-baseline choice shares
(``dt_sample/base.csv``, Sec. 6; percent of answers, 15 answers per role) and the gpt-4o
zero-shot CoT row (``baseCoT.csv``, Sec. 8), with the estimates the paper prints for them
(Table 3 τ, Table 10 γ, Table 13 log-likelihood; Table 9 τ for the CoT row, whose γ and
log-likelihood are not printed and come from re-running the released estimator).

DeepSeek-R1's printed γ and log-likelihood do not fit its released data; the values of the
DeepSeek-V3 row do (the two rows look swapped in Tables 10 and 13). ``gamma`` and ``loglik``
below hold the values that fit the data, and ``printed_gamma`` / ``printed_loglik`` what the
paper prints in R1's row.
"""

from __future__ import annotations

from dataclasses import dataclass

GAME = "competitive_baseline"
ANSWERS_PER_ROLE = 15


@dataclass(frozen=True)
class ReleasedRow:
    label: str  # the model as the paper names it
    file_label: str  # the row label in the released CSV
    p1: tuple[float, float, float]  # percent of answers as player 1 (rows 0..2)
    p2: tuple[float, float, float]  # percent of answers as player 2 (columns 0..2)
    tau: float  # printed τ
    gamma: float  # γ that goes with the printed τ
    loglik: float  # log-likelihood at (tau, gamma), Table 13 scale
    printed_gamma: float | None = None  # where the paper prints another γ for this model
    printed_loglik: float | None = None


ROWS: tuple[ReleasedRow, ...] = (
    ReleasedRow("GPT-4o", "gpt-4o", (80.0, 20.0, 0.0), (20.0, 66.67, 13.33), 1.543, 1.486, -1.498),
    ReleasedRow(
        "GPT-o1", "o1-preview", (100.0, 0.0, 0.0), (0.0, 26.67, 73.33), 4.741, 0.064, -1.849
    ),
    ReleasedRow(
        "GPT-o3-mini",
        "o3-mini-2025-01-31",
        (60.0, 40.0, 0.0),
        (0.0, 100.0, 0.0),
        1.309,
        1.482,
        -1.427,
    ),
    ReleasedRow(
        "DeepSeek-R1",
        "deepseek-reasoner",
        (6.67, 93.33, 0.0),
        (0.0, 53.33, 46.67),
        0.075,
        0.706,
        -2.195,
        printed_gamma=13.719,
        printed_loglik=-2.148,
    ),
    ReleasedRow(
        "GPT-4o CoT",
        "gpt-4o (baseCoT.csv)",
        (13.33, 73.33, 13.33),
        (6.67, 86.67, 6.67),
        0.511,
        1.351,
        -2.040,
    ),
)

__all__ = ["ANSWERS_PER_ROLE", "GAME", "ROWS", "ReleasedRow"]
