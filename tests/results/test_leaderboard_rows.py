"""Leaderboard rows: one per model configuration, ranked on the games every row covers."""

from __future__ import annotations

import numpy as np
import pytest

from stratlens import evaluate
from stratlens.results.leaderboard import build_leaderboard
from stratlens.results.leaderboard.export import ranking_markdown, to_markdown

BOTH = ["stag_hunt", "chicken"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("rows") / "s.db")
    kw = {"episodes": 4, "store": path, "opponent": "baseline/random"}
    for k in ("1", "3"):  # two configurations of one model: two rows, never one
        evaluate("baseline/belief", model_args={"k": k}, games=BOTH, **kw)  # type: ignore[arg-type]
    evaluate("baseline/trust", games=[*BOTH, "prisoners_dilemma"], **kw)  # type: ignore[arg-type]
    # another run of the same configuration (other games, fewer episodes): the same row
    evaluate("baseline/trust", games=BOTH, episodes=2, store=path, opponent="baseline/random")
    return path


def test_one_row_per_configuration_labelled_readably(store: str) -> None:
    lb = build_leaderboard(store, n_boot=100)
    assert sorted(en.model for en in lb.entries) == [
        "baseline/belief(k=1)", "baseline/belief(k=3)", "baseline/trust",
    ]  # fmt: skip
    trust = next(en for en in lb.entries if en.model == "baseline/trust")
    assert len(trust.runs) == 2 and trust.cells == 6

    from stratlens._configuration import configuration_label

    label = configuration_label("openai/gpt-4o", {"temperature": "0", "client": "http"})
    assert label == "openai/gpt-4o(temperature=0)"  # client changes how, not what, is asked
    assert "| baseline/belief(k=1) |" in ranking_markdown(lb)


def test_the_headline_ranks_every_row_on_the_same_games(store: str) -> None:
    lb = build_leaderboard(store, n_boot=100)
    assert lb.common == [(g, r) for g in sorted(BOTH) for r in (0, 1)]
    for en in lb.entries:
        shared = [g.metrics["score"].value for g in en.groups if g.game_id in BOTH]
        assert en.headline.value == pytest.approx(100 * float(np.mean(shared)))
    trust = next(en for en in lb.entries if en.model == "baseline/trust")
    assert trust.summary["score"].value != pytest.approx(trust.headline.value / 100)
    md = to_markdown(lb)
    assert "Headline over the 4 game × role cells every row covers: chicken, stag\\_hunt." in md


def test_a_row_without_a_score_is_not_drawn_at_zero() -> None:
    from stratlens.results.leaderboard.plots import headline_plot
    from stratlens.results.metrics import Estimate

    nan = float("nan")
    _, svg = headline_plot(["m/a", "m/b"], [Estimate(50, 40, 60), Estimate(nan, nan, nan)])
    assert svg.count(b"no score") == 1  # written as such beside its label, no marker at 0
