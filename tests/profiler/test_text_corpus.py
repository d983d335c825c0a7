"""The labelled corpus: size, balance, coverage, and tags that hold up against the lexicon."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from importlib import resources

from stratlens.games import get_game, list_games
from stratlens.profiler.text import LABELS, corpus_hash, load_corpus
from stratlens.profiler.text.keywords import keyword_counts

FAMILIES = (
    "competitive",
    "cooperation",
    "mixed_motive",
    "coordination",
    "sequential",
    "bayesian",
    "signaling",
    "repeated",
)


def test_size_balance_and_fields() -> None:
    corpus = load_corpus()
    assert len(corpus) >= 300
    counts = Counter(e.label for e in corpus)
    assert set(counts) == set(LABELS)
    for label in LABELS:  # roughly balanced: each label 20-30% of the traces
        assert 0.2 <= counts[label] / len(corpus) <= 0.3, (label, counts[label])
    assert len({e.id for e in corpus}) == len(corpus)
    for e in corpus:
        assert e.text.strip() and e.player in (1, 2)
        assert "language model" in e.provenance
        assert "profiles.md" in e.labeller


def test_games_and_families_are_the_catalogs() -> None:
    corpus = load_corpus()
    for e in corpus:
        assert get_game(e.game).family == e.family
    per_family = Counter(e.family for e in corpus)
    for family in FAMILIES:
        assert per_family[family] >= 15, family
    # every catalog game is used
    assert {e.game for e in corpus} == {s.id for s in list_games()}


def test_difficulty_tags_are_frequent_enough() -> None:
    corpus = load_corpus()
    no_kw = sum("no_keywords" in e.tags for e in corpus)
    cross = sum("cross_vocabulary" in e.tags for e in corpus)
    assert no_kw >= len(corpus) / 4
    assert cross >= len(corpus) / 6


def test_no_keywords_tag_is_exactly_the_lexicon_check() -> None:
    for e in load_corpus():
        own = keyword_counts(e.text)[e.label]
        expected = e.label != "other" and own == 0
        assert ("no_keywords" in e.tags) == expected, e.id


def test_cross_vocabulary_traces_use_another_styles_words() -> None:
    for e in load_corpus():
        if "cross_vocabulary" in e.tags:
            counts = keyword_counts(e.text)
            assert max(v for k, v in counts.items() if k != e.label) >= 2, e.id


def test_hash_is_of_the_file() -> None:
    raw = resources.files("stratlens.profiler").joinpath("corpus", "traces.jsonl").read_bytes()
    assert corpus_hash() == hashlib.sha256(raw).hexdigest()


def test_readme_counts_match_the_file() -> None:
    readme = (
        resources.files("stratlens.profiler").joinpath("corpus", "README.md").read_text("utf-8")
    )
    row = next(line for line in readme.splitlines() if line.startswith("| **all** |"))
    numbers = [int(n) for n in re.findall(r"\*\*(\d+)\*\*", row)]
    counts = Counter(e.label for e in load_corpus())
    assert numbers == [*(counts[k] for k in LABELS), len(load_corpus())]
