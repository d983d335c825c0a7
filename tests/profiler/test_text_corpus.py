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
LANGUAGES = ("en", "de", "fr", "es", "zh")
REGISTERS = (
    "persona",
    "bdi",
    "explanation_choice",
    "json",
    "numbered_list",
    "markdown",
    "long_hedged",
    "terse_arithmetic",
    "posthoc_repeated",
    "round_context",
    "sequential_amount",
    "advisor",
    "expository",
)


def test_size_balance_and_fields() -> None:
    corpus = load_corpus()
    assert len(corpus) >= 1500
    counts = Counter(e.label for e in corpus)
    assert set(counts) == set(LABELS)
    for label in LABELS:  # roughly balanced: each label 20-30% of the traces
        assert 0.2 <= counts[label] / len(corpus) <= 0.3, (label, counts[label])
    assert len({e.id for e in corpus}) == len(corpus)
    for e in corpus:
        assert e.text.strip() and e.player in (1, 2)
        assert "language model" in e.provenance
        assert "profiles.md" in e.labeller


def test_first_writers_games_and_families_are_the_catalogs() -> None:
    corpus = [e for e in load_corpus() if e.writer == "v1"]
    for e in corpus:
        assert get_game(e.game).family == e.family
    per_family = Counter(e.family for e in corpus)
    for family in FAMILIES:
        assert per_family[family] >= 15, family
    # every catalog game is used (the goeree_holt and beauty_contest suites came after the
    # corpus was written)
    later = {"goeree_holt", "beauty_contest"}
    catalog = {s.id for s in list_games() if not later & set(s.suites)}
    assert {e.game for e in corpus} == catalog


def test_languages_registers_and_writers_are_covered() -> None:
    corpus = load_corpus()
    for lang in LANGUAGES:  # each supported language has every label
        mine = Counter(e.label for e in corpus if e.language == lang)
        assert sum(mine.values()) >= 100, lang
        assert min(mine[k] for k in LABELS) >= 20, (lang, mine)
    registers = Counter(e.register for e in corpus)
    for register in REGISTERS:
        assert registers[register] >= 30, register
    groups = {e.group for e in corpus}
    assert len({e.writer for e in corpus}) >= 6 and len(groups) >= 30


def test_language_field_is_what_the_detector_reads() -> None:
    from stratlens.profiler.text._language import detect

    wrong = [e.id for e in load_corpus() if detect(e.text) not in (e.language, "und")]
    assert len(wrong) <= 0.01 * len(load_corpus()), wrong[:10]


def test_difficulty_tags_are_frequent_enough() -> None:
    corpus = [e for e in load_corpus() if e.language == "en"]
    no_kw = sum("no_keywords" in e.tags for e in corpus)
    cross = sum("cross_vocabulary" in e.tags for e in corpus)
    assert no_kw >= len(corpus) / 5
    assert cross >= len(corpus) / 12


def test_no_keywords_tag_is_exactly_the_lexicon_check() -> None:
    for e in load_corpus():
        own = keyword_counts(e.text)[e.label]
        expected = e.language == "en" and e.label != "other" and own == 0
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
