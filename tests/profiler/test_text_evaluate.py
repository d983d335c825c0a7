"""Measuring text classifiers on labelled files, calibration, languages and abstentions.

The real-trace test reads ``../shared/real_traces/dev.jsonl`` (other people's model outputs,
kept outside the repository for evaluation only) and is skipped where that file is absent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from stratlens.cli import main
from stratlens.profiler.text import LABELS, TextClassifier, TextLabel, _base, _embedding, classifier
from stratlens.profiler.text._calibration import fit_temperature, soften
from stratlens.profiler.text._language import detect
from stratlens.profiler.text.evaluate import evaluate_file, macro_f1_interval
from stratlens.profiler.text.offline import (
    MIN_LANGUAGE_ACCURACY,
    UNCERTAIN_BELOW,
    OfflineClassifier,
)

REAL_TRACES = Path(__file__).resolve().parents[3] / "shared" / "real_traces" / "dev.jsonl"

# Written for this test; each decides in one style.
LABELLED = [
    (
        "a1",
        "minimax",
        "src-a",
        "Whatever they pick, D leaves me at least 1, C can leave me 0. D.",
    ),
    (
        "a2",
        "trust_based",
        "src-a",
        "We both played C for nine rounds; I keep our 3/3 going. C.",
    ),
    ("a3", "belief_anticipation", "src-a", "They will defect again, as they did in rounds 4-8. D."),
    ("b1", "other", "src-b", "No reason to prefer either option, I'll pick B at random."),
    ("b2", "minimax", "src-b", "The worst case of A is -5 and of B is 0: B is the safe choice."),
    (
        "b3",
        "trust_based",
        "src-b",
        "Mutual cooperation is best for both of us; I trust them. C.",
    ),
]


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> OfflineClassifier:
    return OfflineClassifier(directory=tmp_path_factory.mktemp("models"))


@pytest.fixture
def labelled_file(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": i, "label": y, "source_repo": g, "text": t}) + "\n"
            for i, y, g, t in LABELLED
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def abstainer() -> Iterator[str]:
    """A classifier that labels the first half of its traces `minimax` and abstains on the rest."""

    @classifier("half_sure")
    def _make(arg: str | None, **options: str) -> TextClassifier:
        class Half:
            name = "half_sure"
            key = "half_sure@1"

            def classify(self, texts: Sequence[str]) -> list[TextLabel]:
                scores = dict.fromkeys(LABELS, 0.25)
                half = len(texts) // 2
                return [
                    TextLabel("minimax", {**scores, "minimax": 0.9}, "")
                    if i < half
                    else TextLabel(None, scores, "", abstain="uncertain")
                    for i in range(len(texts))
                ]

        return Half()

    yield "half_sure"
    del _base._REGISTRY.factories["half_sure"]
    del _base._REGISTRY.takes_arg["half_sure"]


def test_file_figures_are_the_keyword_baselines_by_hand(labelled_file: Path) -> None:
    from stratlens.profiler.text.keywords import KeywordClassifier

    ev = evaluate_file("keywords", str(labelled_file), group_field="source_repo")
    answers = KeywordClassifier().classify([t for *_, t in LABELLED])
    right = [a.label == y for a, (_, y, _, _) in zip(answers, LABELLED, strict=True)]
    assert ev.n == 6 and ev.folds == 0
    assert ev.accuracy == pytest.approx(sum(right) / 6)
    assert sum(map(sum, ev.confusion)) == 6
    assert set(ev.by_group) == {"src-a", "src-b"}
    assert ev.by_group["src-a"]["accuracy"] == pytest.approx(sum(right[:3]) / 3)
    assert sum(r["n"] for r in ev.reliability) == 6
    # ECE is the table's weighted gap between confidence and accuracy
    gap = sum(r["n"] / 6 * abs(r["accuracy"] - r["confidence"]) for r in ev.reliability)
    assert ev.ece == pytest.approx(gap)


def test_abstentions_count_as_wrong_and_apart(labelled_file: Path, abstainer: str) -> None:
    ev = evaluate_file(abstainer, str(labelled_file))
    assert ev.abstained == {"uncertain": 3}
    assert ev.failures == 0
    # a1 is minimax and labelled minimax; the three abstentions are in the 'none' column
    assert ev.accuracy == pytest.approx(1 / 6)
    assert sum(row[-1] for row in ev.confusion) == 3
    assert ev.labelled_macro_f1 < 1.0  # a2, a3 were labelled minimax wrongly


def test_macro_f1_interval_is_sklearns_bootstrap() -> None:
    """The vectorised bootstrap gives sklearn's macro-F1 on the same resamples; it narrows
    with more traces; a perfect classifier's interval is a point."""
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(3)
    y = list(rng.choice(LABELS, size=300))
    pred = [t if rng.random() < 0.6 else str(rng.choice([*LABELS, "none"])) for t in y]
    low, high = macro_f1_interval(y, pred, draws=300, seed=5)
    idx = np.random.default_rng(5).integers(0, len(y), size=(300, len(y)))
    ya, pa = np.asarray(y, dtype=object), np.asarray(pred, dtype=object)
    ref = [
        f1_score(ya[i], pa[i], labels=list(LABELS), average="macro", zero_division=0) for i in idx
    ]
    assert (low, high) == pytest.approx(tuple(np.percentile(ref, [2.5, 97.5])))
    point = f1_score(y, pred, labels=list(LABELS), average="macro")
    assert low < point < high
    big_low, big_high = macro_f1_interval(y * 10, pred * 10, draws=300)
    assert 2 < (high - low) / (big_high - big_low) < 5  # about the square root of 10
    assert macro_f1_interval(y, y) == (1.0, 1.0)


def test_bad_labelled_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": 1, "text": "x", "label": "maybe"}) + "\n", encoding="utf-8")
    assert main(["profile", "evaluate", "--data", str(bad), "--classifier", "keywords"]) == 2
    err = capsys.readouterr().err.strip()
    assert "needs a 'label'" in err and len(err.splitlines()) == 1
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": 1, "text": "x", "label": "other"}) + "\n", encoding="utf-8")
    argv = ["profile", "evaluate", "--data", str(good), "--group-by", "source_repo"]
    assert main(argv) == 2
    assert "no 'source_repo' field" in capsys.readouterr().err
    assert main(["profile", "evaluate", "--data", str(good), "--folds", "3"]) == 2
    assert main(["profile", "classify", str(good), "--data", str(good)]) == 2


def test_cli_data_json_is_the_api(labelled_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["profile", "evaluate", "--data", str(labelled_file), "--classifier", "keywords"]
    assert main([*argv, "--json"]) == 0
    [ev] = json.loads(capsys.readouterr().out)["evaluations"]
    direct = evaluate_file("keywords", str(labelled_file), group_field="source_repo")
    assert ev["group_field"] == "source_repo"  # the default, present in every record
    assert ev["macro_f1"] == pytest.approx(direct.macro_f1)
    assert ev["macro_f1_interval"] == pytest.approx(list(direct.macro_f1_interval))
    for name, figures in direct.by_group.items():
        assert ev["by_group"][name] == pytest.approx(figures)
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "per source_repo" in out and "reliability" in out


def test_temperature_is_recovered_from_simulated_overconfidence() -> None:
    rng = np.random.default_rng(7)
    for true_t in (0.5, 2.0, 3.0):
        logits = rng.normal(0, 1.5, size=(4000, 4))
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        truth = np.array([rng.choice(4, p=p) for p in probs])
        shown = soften(probs, 1 / true_t)  # what an over- or underconfident model reports
        assert fit_temperature(shown, truth) == pytest.approx(true_t, rel=0.1)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("They defected twice, so I expect D again and answer with D.", "en"),
        ("Sie haben zweimal verraten, also rechne ich wieder mit D und spiele D.", "de"),
        ("Ils ont trahi deux fois, je m'attends donc à D et je joue D.", "fr"),
        ("Han traicionado dos veces, así que espero D otra vez y juego D.", "es"),
        ("对方已经背叛两次，我预计他还会选D，所以我也选D。", "zh"),
        ("Они дважды предали, поэтому я снова жду D и играю D.", "ru"),
        ("相手は二回裏切ったので、またDを選ぶと思います。", "ja"),
        ("P2 likely c2. BR = r1", "und"),
    ],
)
def test_language_detection(text: str, lang: str) -> None:
    assert detect(text) == lang


def test_unsupported_languages_get_no_label(offline: OfflineClassifier) -> None:
    texts = [
        "Они дважды предали, поэтому я снова жду D и играю D.",
        "Sie haben zweimal verraten, also rechne ich wieder mit D und spiele D.",
        "Whatever they pick, D leaves me at least 1, C can leave me 0. D.",
    ]
    ru, de, en = offline.classify(texts)
    assert ru.label is None and ru.abstain == "unsupported_language" and ru.language == "ru"
    assert ru.scores == dict.fromkeys(LABELS, 0.25)
    assert de.language == "de"
    # German is answered for only if the model labels German corpus traces well out of fold
    n, accuracy = offline.model.language_accuracy["de"]
    assert n >= 100
    supported = accuracy >= MIN_LANGUAGE_ACCURACY
    assert ("de" in offline.model.languages) == supported
    assert (de.abstain == "unsupported_language") == (not supported)
    assert en.label == "minimax" and "en" in offline.model.languages
    for lab in (de, en):
        if lab.abstain == "unsupported_language":
            continue
        top = max(lab.scores.values())
        assert (lab.label is None) == (top < UNCERTAIN_BELOW)


@pytest.mark.skipif(not REAL_TRACES.exists(), reason=f"no real traces at {REAL_TRACES}")
@pytest.mark.skipif(not _embedding.available(), reason="needs the [embed] extra")
def test_real_traces_floor(offline: OfflineClassifier) -> None:
    ev = evaluate_file(offline, str(REAL_TRACES), group_field="source_repo")
    kw = evaluate_file("keywords", str(REAL_TRACES), group_field="source_repo")
    assert ev.n == kw.n == 104
    # Floors a little under the figures measured when this test was written (README, "From
    # text"); the goal (macro-F1 0.80, 0.20 above the keyword baseline) is not reached yet.
    assert ev.macro_f1 >= 0.68
    assert ev.macro_f1 >= kw.macro_f1 + 0.05
    assert min(v["f1"] for v in ev.per_class.values()) >= 0.55
    assert ev.ece <= 0.10
    assert set(ev.by_language) == {"en"}
    assert kw.macro_f1 == pytest.approx(0.633, abs=0.005)
