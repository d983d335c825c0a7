"""The judge on a local checkpoint, ``judge:hf/<path>``, with tiny GGUF models the test writes
(tests/agents/tiny_gguf.py): one that always answers with a fixed JSON reply, one that writes
noise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stratlens.errors import UsageError
from stratlens.profiler.text import make_classifier
from stratlens.profiler.text.judge import messages_for
from tests.agents.tiny_gguf import write_tiny_gguf

pytest.importorskip("torch")
pytest.importorskip("gguf")
pytest.importorskip("accelerate")

REPLY = json.dumps(
    {
        "label": "minimax",
        "scores": {"minimax": 0.7, "trust_based": 0.1, "belief_anticipation": 0.1, "other": 0.1},
        "evidence": "row 1 never pays less than 5",
    }
)
TEXTS = ["Row 1 never pays less than 5, so row 1.", "They will defect; I defect.", "Pick 3."]


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRATLENS_CACHE", str(tmp_path / "cache.db"))


def test_a_local_judge_reads_the_models_reply_and_caches_it(tmp_path: Path) -> None:
    path = write_tiny_gguf(tmp_path / "judge.gguf", always=REPLY).path
    judge = make_classifier(f"judge:hf/{path}", max_tokens="1", concurrency="3")
    labels = judge.classify([*TEXTS, "  "])
    assert [lab.label for lab in labels] == ["minimax"] * 3 + [None]
    assert labels[0].scores["minimax"] == pytest.approx(0.7)
    assert labels[0].evidence == "row 1 never pays less than 5"
    assert labels[3].error == "empty text"
    assert judge.calls == 3 and judge._local.batch_sizes == [3]  # one batch of three
    # The request is the rubric and the trace through the model's own chat template.
    model = judge._local.model
    text = model.format_messages(messages_for(TEXTS[0]))
    assert text.startswith("<|user|>\nYou label the reasoning style") and TEXTS[0] in text
    assert text.endswith("<|assistant|>\n")
    # Cached: asked again, nothing is generated.
    again = make_classifier(f"judge:hf/{path}", max_tokens="1", concurrency="3")
    assert [lab.label for lab in again.classify(TEXTS)] == ["minimax"] * 3
    assert again.calls == 0 and again._local.batch_sizes == []


def test_an_unreadable_local_reply_is_no_label(tmp_path: Path) -> None:
    path = write_tiny_gguf(tmp_path / "noise.gguf").path
    judge = make_classifier(f"judge:hf/{path}", max_tokens="8", concurrency="2")
    labels = judge.classify(TEXTS[:2])
    assert [lab.label for lab in labels] == [None, None]
    assert all(lab.error.startswith("unreadable answer: ") for lab in labels)
    assert judge.calls == 4  # asked again once, with the reason


def test_local_judge_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no checkpoint at"):
        make_classifier(f"judge:hf/{tmp_path / 'missing'}")
    path = write_tiny_gguf(tmp_path / "j.gguf").path
    with pytest.raises(UsageError, match="-M api_base is not used by a local judge"):
        make_classifier(f"judge:hf/{path}", api_base="http://127.0.0.1:1/v1")


def test_a_trace_past_the_local_context_is_an_error_not_a_label(tmp_path: Path) -> None:
    from tests.agents import tiny_gguf

    path = write_tiny_gguf(tmp_path / "j.gguf", always=REPLY).path
    judge = make_classifier(f"judge:hf/{path}", max_tokens="1")
    (label,) = judge.classify(["why " * (tiny_gguf.CONTEXT + 10)])
    assert label.label is None and judge.calls == 1  # not asked again: it cannot fit
    assert label.error.startswith(f"hf/{path}: a prompt of ")
    assert label.error.endswith(f"exceeds the model's context of {tiny_gguf.CONTEXT} tokens")
