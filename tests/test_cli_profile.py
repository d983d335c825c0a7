"""`stratlens profile`, `profile classify` and `profile evaluate` from the command line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from stratlens.cli import main
from stratlens.profiler.text import cross_validate
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def _models(monkeypatch: pytest.MonkeyPatch, model_dir: Path) -> None:
    monkeypatch.setenv("STRATLENS_MODEL_DIR", str(model_dir))


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the minimax and trust reference agents on the classic suite (cot)."""
    from stratlens.runner import evaluate

    store = tmp_path_factory.mktemp("store") / "store.db"
    for agent in ("baseline/minimax", "baseline/trust"):
        evaluate(agent, suite="classic", episodes=2, protocol="cot", store=str(store))
    return store


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_classify_writes_labels_and_keeps_fields(
    tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _write(
        tmp_path / "in.jsonl",
        [
            json.dumps(
                {
                    "id": "a",
                    "text": "Row 1 guarantees at least 5; the worst case of row 0 is 0.",
                    "model": "m1",
                }
            ),
            "",
            json.dumps({"id": 7, "text": "I expect column 1, so my best response is row 1."}),
        ],
    )
    out = tmp_path / "out.jsonl"
    assert (
        main(["profile", "classify", str(src), "--classifier", "keywords", "--out", str(out)]) == 0
    )
    assert capsys.readouterr().out == ""
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", 7]
    assert rows[0]["model"] == "m1"
    assert [r["label"] for r in rows] == ["minimax", "belief_anticipation"]
    for r in rows:
        assert sum(r["scores"].values()) == pytest.approx(1.0, abs=1e-5)
        assert r["evidence"]
    # the offline classifier, to stdout, in a fresh process
    proc = run_cli("profile", "classify", str(src), env={"STRATLENS_MODEL_DIR": str(model_dir)})
    assert proc.returncode == 0, proc.stderr
    offline = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["label"] for r in offline] == ["minimax", "belief_anticipation"]
    texts = [json.loads(line)["text"] for line in src.read_text().splitlines() if line]
    assert all(r["evidence"] and r["evidence"] in t for r, t in zip(offline, texts, strict=True))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"id": "a", "text": "x"}', "{not json"], "line 2: not JSON"),
        (['{"id": "a"}'], "line 1: needs a 'text' string"),
        (['{"text": "x"}'], "line 1: needs an 'id'"),
        (['["a", "b"]'], "line 1: not a JSON object"),
        ([""], "no traces"),
    ],
)
def test_classify_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str], message: str
) -> None:
    src = _write(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    out.write_text("previous content\n")
    assert main(["profile", "classify", str(src), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert out.read_text() == "previous content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "classify", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["profile", "classify"]) == 2
    assert main(["profile", "evaluate", "--out", "x.jsonl"]) == 2
    assert "--out is not used by profile evaluate" in capsys.readouterr().err
    assert main(["profile", "--store", str(tmp_path / "none.db")]) == 2
    assert "no store at" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()
    assert main(["profile", "evaluate", "--classifier", "nope"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["profile", "explain"])
    assert exc.value.code == 2


def test_evaluate_json_matches_the_api(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["profile", "evaluate", "--classifier", "keywords", "--folds", "3", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    [ev] = out["evaluations"]
    direct = cross_validate("keywords", folds=3)
    assert ev["classifier"] == "keywords" and ev["folds"] == 3
    assert ev["macro_f1"] == pytest.approx(direct.macro_f1)
    assert ev["kappa"] == pytest.approx(direct.kappa)
    assert sum(map(sum, ev["confusion"])) == out["corpus"]["n"]
    assert set(ev["per_class"]) == {"minimax", "trust_based", "belief_anticipation", "other"}
    assert out["reference_agents"] is None


def test_evaluate_checks_the_reference_agents_on_three_suites(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["profile", "evaluate", "--classifier", "offline", "--folds", "2", "--agents", "--json"]
    assert main(argv) == 0
    checks = json.loads(capsys.readouterr().out)["reference_agents"]["offline"]
    assert {(c["suite"], c["agent"]) for c in checks} == {
        (suite, agent)
        for suite in ("classic", "repeated", "sequential")
        for agent in ("baseline/minimax", "baseline/trust", "baseline/belief")
    }
    for c in checks:
        assert c["majority"] == c["style"]
        if c["suite"] != "sequential":  # last moves there read as "other" (see the README)
            assert c["share"] >= 0.9, c


def test_profile_store_labels_once_and_reports_per_model(
    played: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["profile", "--store", str(played), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["model"] for r in rows] == ["baseline/minimax", "baseline/trust"]
    for r, style in zip(rows, ("minimax", "trust_based"), strict=True):
        assert set(r) >= {"model", "text", "behavior", "coherence"}
        assert r["text"]["n"] == 48  # 12 games x 2 roles x 2 episodes
        share = r["text"]["shares"][style]
        assert share["share"] >= 0.9 and share["low"] <= share["share"] <= share["high"]
        weights = r["behavior"]["weights"]
        assert max(weights, key=weights.get) == style
        coh = r["coherence"]
        assert coh["n"] > 0 and coh["rate"] >= 0.9
    with sqlite3.connect(played) as conn:
        first = conn.execute("SELECT decision_id, created_at FROM trace_labels").fetchall()
    assert len(first) == 96
    assert main(["profile", "--store", str(played), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == rows
    with sqlite3.connect(played) as conn:
        assert conn.execute("SELECT decision_id, created_at FROM trace_labels").fetchall() == first
        # the behavioural profiles are kept, once per model, where the leaderboard reads them
        kept = conn.execute("SELECT model, method, n FROM fits ORDER BY model").fetchall()
        from stratlens.results.leaderboard.sources import behaviour, behaviour_label

        headline = {m: behaviour_label(behaviour(conn, m)) for m, *_ in kept}
    assert [(m, meth) for m, meth, _ in kept] == [
        ("baseline/minimax", "style_mixture"),
        ("baseline/trust", "style_mixture"),
    ]
    assert [n for *_, n in kept] == [r["behavior"]["n_decisions"] for r in rows]
    assert headline["baseline/minimax"][0] == "minimax"
    assert headline["baseline/trust"][0] == "trust_based"
    assert main(["profile", "--store", str(played), "--run", "nope"]) == 2
    assert "no run 'nope'" in capsys.readouterr().err


def test_profile_table_in_a_fresh_process(played: Path, model_dir: Path) -> None:
    proc = run_cli("profile", "--store", str(played), env={"STRATLENS_MODEL_DIR": str(model_dir)})
    assert proc.returncode == 0, proc.stderr
    assert "baseline/minimax" in proc.stdout and "says = does" in proc.stdout
