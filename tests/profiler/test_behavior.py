"""Behavioural styles: the noisy style models, the mixture fit, view replay, diagnostics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stratlens
from stratlens.agents import style_choice
from stratlens.games import MatrixView, RepeatedView, TreeView, get_game, matrix_view
from stratlens.profiler._mixture import Prepared, em_weights, likelihood_matrix
from stratlens.profiler._persist import record_style_profiles
from stratlens.profiler._replay import decision_views
from stratlens.profiler._style_models import STYLES, noisy_probs, style_basis
from stratlens.profiler.behavior import behavior_profile, diagnostic_power, separation
from stratlens.results import load_decisions, open_store

AGENTS = {
    "baseline/minimax": "minimax",
    "baseline/trust": "trust_based",
    "baseline/belief": "belief_anticipation",
    "baseline/random": "other",
}


@pytest.fixture(scope="module")
def classic_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("classic") / "store.db"
    for model in AGENTS:
        stratlens.evaluate(model, suite="classic", episodes=30, store=str(path))
    return path


@pytest.fixture(scope="module")
def dynamic_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dynamic") / "store.db"
    for model in ("baseline/minimax", "baseline/trust", "baseline/belief"):
        for suite in ("sequential", "repeated"):
            stratlens.evaluate(model, suite=suite, episodes=4, store=str(path))
    return path


# -- the style models ----------------------------------------------------------------------


def test_tremble_model_on_the_prisoners_dilemma() -> None:
    view = matrix_view(get_game("prisoners_dilemma"), 0)  # action 1 = defect
    probs = noisy_probs(style_basis(view, (0, 1)), "tremble", 0.2)
    # minimax and level-2 defect, team reasoning cooperates, other is uniform.
    np.testing.assert_allclose(probs, [[0.1, 0.9], [0.9, 0.1], [0.1, 0.9], [0.5, 0.5]])


def test_logit_model_is_scale_free() -> None:
    view = matrix_view(get_game("prisoners_dilemma"), 0)
    doubled = MatrixView(
        own=tuple(tuple(2 * x for x in r) for r in view.own),
        other=tuple(tuple(2 * x for x in r) for r in view.other),
        own_actions=view.own_actions,
        other_actions=view.other_actions,
    )
    a = noisy_probs(style_basis(view, (0, 1)), "logit", 20.0)
    b = noisy_probs(style_basis(doubled, (0, 1)), "logit", 20.0)
    np.testing.assert_allclose(a, b)
    assert a[0, 1] > 0.85  # minimax's worst cases 0 vs 1 on a payoff range of 10


def test_prepared_likelihood_matches_the_direct_one() -> None:
    views = [
        matrix_view(get_game(g), r) for g in ("stag_hunt", "travelers_dilemma") for r in (0, 1)
    ]
    bases = [style_basis(v, v.own_actions) for v in views]
    chosen = [0, 1, 2, 0]
    prepared = Prepared(bases, chosen)
    for noise, param in (("tremble", 0.07), ("logit", 9.0)):
        np.testing.assert_allclose(
            prepared.likelihood(noise, param),  # type: ignore[arg-type]
            likelihood_matrix(bases, chosen, noise, param),  # type: ignore[arg-type]
        )


def test_em_weights_on_a_separable_sample() -> None:
    # Three decisions only style 0 explains, one only style 1 explains, two nobody separates.
    lik = np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.1, 0.9], [0.5, 0.5], [0.5, 0.5]])
    w, ll = em_weights(lik)
    # d/dw of 3 ln(0.1 + 0.8w) + ln(0.9 - 0.8w) = 0  →  w = (3*0.9 - 0.1) / (4 * 0.8)
    assert w[0] == pytest.approx((3 * 0.9 - 0.1) / 3.2, abs=1e-6)
    assert ll == pytest.approx(float(np.log(lik @ w).sum()))


# -- the mixture fit recovers the reference agents -------------------------------------------


def test_reference_agents_recovered_on_classic(classic_store: Path) -> None:
    frame = load_decisions(classic_store, include_opponents=True)
    profiles = behavior_profile(frame)
    assert set(profiles) == set(AGENTS)
    for model, style in AGENTS.items():
        p = profiles[model]
        assert p.weights[style] >= 0.9, (model, p.weights)
        assert sum(p.weights.values()) == pytest.approx(1.0)
        assert p.n_decisions == 12 * 2 * 30
    assert profiles["baseline/minimax"].noise["minimax"] < 0.01  # it never leaves its style


def test_logit_noise_also_recovers_the_styles(classic_store: Path) -> None:
    frame = load_decisions(classic_store)
    profiles = behavior_profile(frame, noise="logit")
    for model, style in AGENTS.items():
        assert profiles[model].dominant == style, (model, profiles[model].weights)


def test_reference_agents_recovered_on_trees_and_repeated_games(dynamic_store: Path) -> None:
    profiles = behavior_profile(load_decisions(dynamic_store, include_opponents=True))
    for model in ("baseline/minimax", "baseline/trust", "baseline/belief"):
        assert profiles[model].weights[AGENTS[model]] >= 0.9, (model, profiles[model].weights)


def test_fits_are_recorded_in_the_store(classic_store: Path, tmp_path: Path) -> None:
    frame = load_decisions(classic_store)
    profile = behavior_profile(frame[frame["model"] == "baseline/trust"])["baseline/trust"]
    with open_store(tmp_path / "fits.db") as store:
        record_style_profiles(store, [(("r1",), profile)])
        record_style_profiles(store, [(("r1",), profile)])  # replaces, does not duplicate
        rows = store.conn.execute("SELECT model, method, game_id, params, n FROM fits").fetchall()
    assert len(rows) == 1
    model, method, game_id, params, n = rows[0]
    assert (model, method, game_id, n) == ("baseline/trust", "style_mixture", None, 720)
    assert json.loads(params)["weights"]["trust_based"] == pytest.approx(
        profile.weights["trust_based"]
    )


# -- rebuilding views from stored decisions --------------------------------------------------


def test_replayed_views_explain_every_recorded_action(dynamic_store: Path) -> None:
    frame = load_decisions(dynamic_store, include_opponents=True)
    subject = frame[(frame["agent"] == "subject") & frame["action"].notna()]
    views = decision_views(subject, frame)
    assert len(views) == len(subject)
    styles = {"baseline/minimax": "minimax", "baseline/trust": "trust_based"}
    seen = set()
    for view, row in zip(views, subject.itertuples(index=False), strict=True):
        if isinstance(view, RepeatedView):
            assert view.round == row.step
            seen.add("repeated")
        else:
            assert isinstance(view, TreeView) and view.player == row.player
            seen.add("tree")
        if row.model in styles:  # deterministic styles: the recorded action has probability 1
            res = style_choice(styles[row.model], view)  # type: ignore[arg-type]
            assert res.probs[res.actions.index(int(row.action))] == pytest.approx(1.0)
    assert seen == {"repeated", "tree"}
    random_stop = subject[subject["game_id"] == "iterated_prisoners_dilemma_random_stop"]
    assert random_stop["step"].max() > 0  # replayed through the chance nodes


def test_repeated_history_comes_from_both_players(dynamic_store: Path) -> None:
    frame = load_decisions(dynamic_store, include_opponents=True)
    ep = frame[frame["game_id"] == "iterated_stag_hunt"]["episode_id"].iloc[0]
    rows = frame[frame["episode_id"] == ep]
    subject = rows[rows["agent"] == "subject"]
    last = subject[subject["step"] == subject["step"].max()]
    (view,) = decision_views(last, frame)
    assert isinstance(view, RepeatedView)
    me = int(last["player"].iloc[0])
    expected = []
    for step in range(view.round):
        at = rows[rows["step"] == step].set_index("player")["action"]
        expected.append((int(at[me]), int(at[1 - me])))
    assert list(view.history) == expected


def test_missing_opponent_rows_are_an_error(dynamic_store: Path) -> None:
    subject_only = load_decisions(dynamic_store)
    repeated = subject_only[subject_only["game_id"] == "iterated_chicken"]
    with pytest.raises(ValueError, match="include_opponents=True"):
        decision_views(repeated)


# -- diagnostic power -------------------------------------------------------------------------


def _pair(frame: pd.DataFrame, game: str, a: str, b: str) -> pd.Series:
    row = frame[(frame["game_id"] == game) & (frame["style_a"] == a) & (frame["style_b"] == b)]
    return row.iloc[0]


def test_diagnostic_power_hand_facts() -> None:
    frame = diagnostic_power(["prisoners_dilemma", "matching_pennies"])
    pd_role0 = frame[frame["role"] == 0]
    assert _pair(pd_role0, "prisoners_dilemma", "minimax", "trust_based")["tv"] == 1.0
    assert _pair(pd_role0, "prisoners_dilemma", "minimax", "belief_anticipation")["tv"] == 0.0
    assert _pair(pd_role0, "prisoners_dilemma", "minimax", "other")["tv"] == pytest.approx(0.5)
    mp = frame[frame["game_id"] == "matching_pennies"]
    assert (mp["tv"] == 0.0).all() and np.allclose(mp["kl"], 0.0)
    sep = pd_role0[pd_role0["game_id"] == "prisoners_dilemma"]
    assert ((sep["tv"] > 0) == (sep["kl"] > 1e-12)).all()
    # KL(minimax || trust) at tremble 0.1: 0.95 ln 19 + 0.05 ln(1/19).
    want = 0.95 * np.log(0.95 / 0.05) + 0.05 * np.log(0.05 / 0.95)
    assert _pair(pd_role0, "prisoners_dilemma", "minimax", "trust_based")["kl"] == pytest.approx(
        want
    )


def test_classic_suite_separates_every_pair_of_styles() -> None:
    frame = diagnostic_power(suite="classic")
    games = frame[frame["tv"] >= 0.5].groupby(["style_a", "style_b"])["game_id"].nunique()
    assert len(games) == len(STYLES) * (len(STYLES) - 1) // 2
    assert games.min() >= 3


def test_separation_of_a_tree_averages_its_decision_nodes() -> None:
    from stratlens.profiler.behavior import catalog_views

    views = catalog_views("ultimatum", 1)
    assert len(views) == 11 and all(isinstance(v, TreeView) for v in views)
    frame = separation(views)
    assert set(frame.columns) >= {"style_a", "style_b", "tv", "kl", "kl_reverse"}
