"""Text classifiers: the registry, the keyword baseline, the offline classifier and its
cross-validation, and the reference agents' traces."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from stratlens._cli._reference_agents import reference_check
from stratlens.errors import UsageError
from stratlens.profiler.text import (
    LABELS,
    TextClassifier,
    TextLabel,
    _base,
    _embedding,
    available_classifiers,
    classifier,
    cross_validate,
    load_corpus,
    make_classifier,
)
from stratlens.profiler.text.evaluate import out_of_fold
from stratlens.profiler.text.keywords import KeywordClassifier
from stratlens.profiler.text.offline import OfflineClassifier

# Traces written for this test, not in the corpus; each decides in one style.
UNSEEN = {
    "minimax": "Row 1 pays 7 or 5, never less than 5 whichever column comes; row 0 can end at 0. "
    "I can't rely on reading them. Row 1.",
    "belief_anticipation": "Column 1 is better for Player 2 in both rows, so that's what they "
    "will play. Against column 1, row 1 gives me 2 and row 0 gives me 0. Row 1.",
    "trust_based": "The top-left gives each of us 8, the best cell in the table for the pair of "
    "us. Player 2 sees the same table; I'll play my half of it and count on them to play theirs.",
    "other": "No reason to prefer either option. I'll pick row 0 at random.",
}


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> OfflineClassifier:
    return OfflineClassifier(directory=tmp_path_factory.mktemp("models"))


@pytest.fixture
def extra_classifier() -> Iterator[str]:
    @classifier("always_trust")
    def _make(arg: str | None, **options: str) -> TextClassifier:
        class Always:
            name = "always_trust"
            key = "always_trust@1"

            def classify(self, texts: Sequence[str]) -> list[TextLabel]:
                return [TextLabel("trust_based", {"trust_based": 1.0}, t[:10]) for t in texts]

        return Always()

    yield "always_trust"
    del _base._REGISTRY.factories["always_trust"]
    del _base._REGISTRY.takes_arg["always_trust"]


def test_registry_names_and_errors(extra_classifier: str) -> None:
    assert {"offline", "keywords", "judge:MODEL", extra_classifier} <= set(available_classifiers())
    clf = make_classifier(extra_classifier)
    assert isinstance(clf, TextClassifier)
    assert [lab.label for lab in clf.classify(["a", "b"])] == ["trust_based"] * 2
    for bad in ("nope", "judge", "offline:x", "keywords:y"):
        with pytest.raises(UsageError):
            make_classifier(bad)
    with pytest.raises(UsageError):
        make_classifier("offline", api_base="http://x")


def test_a_registered_classifier_is_cross_validated_without_training(
    extra_classifier: str,
) -> None:
    ev = cross_validate(extra_classifier, folds=4)
    n_trust = sum(e.label == "trust_based" for e in load_corpus())
    assert ev.per_class["trust_based"]["recall"] == 1.0
    assert ev.per_class["minimax"]["recall"] == 0.0
    assert ev.accuracy == pytest.approx(n_trust / ev.n)
    assert sum(map(sum, ev.confusion)) == ev.n


def test_keyword_baseline_counts_words() -> None:
    kw = KeywordClassifier()
    text = (
        "I expect column 2 from them. But the worst case of row 1 is -10, "
        "and row 0 guarantees at least -5. Row 0 is the safe choice."
    )
    [lab] = kw.classify([text])
    assert lab.label == "minimax"  # 4 minimax words against 1 belief word
    assert lab.evidence == "Row 0 is the safe choice." or "guarantees" in lab.evidence
    assert sum(lab.scores.values()) == pytest.approx(1.0)
    assert lab.scores["minimax"] > lab.scores["belief_anticipation"] > lab.scores["trust_based"]
    [plain] = kw.classify(["Row 1 pays 7 or 5; row 0 pays 8 or 0. Row 1."])
    assert plain.label == "other"  # no style word at all


def test_cross_validation_never_trains_on_the_traces_it_scores() -> None:
    seen_by_fold: list[set[str]] = []

    class Spy:
        name = "spy"
        key = "spy"

        def __init__(self, train: Sequence[str] = ()) -> None:
            self.train = set(train)

        def fitted(self, texts: Sequence[str], labels: Sequence[str], seed: int) -> Spy:
            seen_by_fold.append(set(texts))
            return Spy(texts)

        def classify(self, texts: Sequence[str]) -> list[TextLabel]:
            assert not self.train & set(texts)  # no test trace was trained on
            return [TextLabel("other", {"other": 1.0}, "") for _ in texts]

    corpus = load_corpus()
    answers, parts = out_of_fold(Spy(), corpus, folds=5, seed=3)
    assert len(answers) == len(corpus) and len(seen_by_fold) == 5
    assert sorted(np.concatenate(parts).tolist()) == list(range(len(corpus)))
    for train, test in zip(seen_by_fold, parts, strict=True):
        assert len(train) == len(corpus) - len(test)


def test_offline_on_writer_families_it_never_saw(offline: OfflineClassifier) -> None:
    # Folds grouped by writer family: every trace is labelled by a model that saw nothing of
    # its writer's register. Floors a little under the figures in the README.
    ev = cross_validate("offline", folds=5, seed=0)
    kw = cross_validate("keywords", folds=5, seed=0)
    assert ev.grouped and ev.n == len(load_corpus()) and sum(map(sum, ev.confusion)) == ev.n
    floor = 0.7 if _embedding.available() else 0.65  # the n-gram expert alone is weaker
    assert ev.macro_f1 >= floor
    assert ev.labelled_macro_f1 >= floor + 0.07
    assert ev.macro_f1 - kw.macro_f1 >= 0.3  # the keyword baseline is far behind
    assert ev.by_tag["no_keywords"]["accuracy"] >= floor
    assert kw.by_tag["no_keywords"]["accuracy"] == 0.0  # it cannot see a style without words
    assert ev.ece < 0.1  # calibrated on other writers' traces
    # a language the fold's model reads badly is declined, never answered with confidence
    non_english = {k: v for k, v in ev.by_language.items() if k != "en"}
    assert sum(v["confident_wrong"] for v in non_english.values()) <= 0.03 * sum(
        v["n"] for v in non_english.values()
    )


def test_cross_validation_folds_keep_writer_families_apart() -> None:
    seen: list[set[str]] = []

    class Spy:
        name = "spy"
        key = "spy"

        def fitted(
            self, texts: Sequence[str], labels: Sequence[str], seed: int, groups: Sequence[str]
        ) -> Spy:
            seen.append(set(groups))
            return self

        def classify(self, texts: Sequence[str]) -> list[TextLabel]:
            return [TextLabel("other", {"other": 1.0}, "") for _ in texts]

    corpus = load_corpus()
    _, parts = out_of_fold(Spy(), corpus, folds=5, seed=0, grouped=True)
    for train_groups, test in zip(seen, parts, strict=True):
        assert not train_groups & {corpus[int(i)].group for i in test}


def test_offline_labels_unseen_traces(offline: OfflineClassifier) -> None:
    labels = offline.classify(list(UNSEEN.values()))
    for (truth, text), lab in zip(UNSEEN.items(), labels, strict=True):
        assert lab.label == truth, (truth, lab)
        assert set(lab.scores) == set(LABELS)
        assert sum(lab.scores.values()) == pytest.approx(1.0)
        assert lab.scores[truth] == max(lab.scores.values())
        assert lab.evidence and lab.evidence in text


def test_offline_empty_text_gets_no_label(offline: OfflineClassifier) -> None:
    [empty, full] = offline.classify(["   ", UNSEEN["minimax"]])
    assert empty.label is None and empty.error == "empty text"
    assert full.label == "minimax"


def test_offline_model_is_cached_on_disk(tmp_path: Path) -> None:
    first = OfflineClassifier(directory=tmp_path)
    a = first.classify([UNSEEN["trust_based"]])[0]
    assert first.from_cache is False
    assert len(list(tmp_path.glob("offline-*.pkl"))) == 1
    second = OfflineClassifier(directory=tmp_path)
    b = second.classify([UNSEEN["trust_based"]])[0]
    assert second.from_cache is True
    assert a.scores == pytest.approx(b.scores)
    assert first.key == second.key and first.key.startswith("offline@")


def test_reference_agents_are_labelled_with_their_styles(offline: OfflineClassifier) -> None:
    checks = reference_check(offline, suite="classic", episodes=5)
    assert [c.agent for c in checks] == ["baseline/minimax", "baseline/trust", "baseline/belief"]
    for c in checks:
        assert c.n == 120  # 12 games x 2 roles x 5 episodes, one decision each
        assert c.majority == c.style
        assert c.share >= 0.9


def test_reference_agents_keep_their_styles_round_after_round(offline: OfflineClassifier) -> None:
    # In repeated games the trust agent answers a deviation in kind (tit for tat toward the
    # joint cell): reciprocity, labelled trust_based, not a minimax floor.
    checks = reference_check(offline, suite="repeated", episodes=2)
    for c in checks:
        assert c.n > 100
        assert c.majority == c.style
        assert c.share >= 0.9, c.to_json()
