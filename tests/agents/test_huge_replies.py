"""A 200 KB reply through a whole run: the answer is read from all of it, the store keeps at
most the reply size limit, and the response cache does not keep it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from stratlens.cli import main
from tests.agents.llm_server import FakeLLMServer, Reply, Request

KEY = "sk-test-huge-replies-0c4d"
MODEL = "openai/gpt-4o-mini"
SERVER_ENV: dict[str, str | None] = {"OPENAI_API_KEY": KEY}
PADDING = "Considering every option once more before I answer. " * 4000  # ~208 KB


def huge(req: Request) -> Reply:
    move = "column 1" if "You are Player 2" in req.prompt else "row 1"
    return Reply(f"{PADDING}\nFinal answer: {move}", completion_tokens=50_000)


def _argv(srv: FakeLLMServer, tmp: Path, store: str, *extra: str) -> list[str]:
    return ["eval", "--model", MODEL, "-M", f"api_base={srv.url}/v1", "--game",
            "prisoners_dilemma", "--episodes", "2", "--opponent", "baseline/random",
            "--store", str(tmp / store), "--cache", str(tmp / "cache.db"), "--json",
            "--no-progress", *extra]  # fmt: skip


def test_a_200_kb_reply_is_read_whole_and_stored_capped(
    srv: FakeLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srv.script = huge
    assert len(PADDING.encode()) > 200_000
    assert main(_argv(srv, tmp_path, "s.db", "--max-reply-bytes", "20000")) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["played"] == 4 and out["failed"] == 0
    with sqlite3.connect(tmp_path / "s.db") as con:
        rows = con.execute(
            "SELECT parse_status, action_label, length(CAST(raw_output AS BLOB)), "
            "length(CAST(reasoning_text AS BLOB)), raw_bytes, truncated, reasoning FROM decisions "
            "WHERE agent = 'subject'"
        ).fetchall()
    assert len(rows) == 4
    for status, label, stored, own_reasoning, given, cut, reasoning in rows:
        assert status == "ok" and label in ("row 1", "column 1")  # read from the whole reply
        assert stored <= 20_000 and own_reasoning == 0  # the reasoning is a span of it
        assert given > 200_000 and given - stored <= cut <= given - stored + 100  # recorded
        assert reasoning.startswith("Considering every option")
    # the cache kept none of them: the same run in a new store asks again
    with sqlite3.connect(tmp_path / "cache.db") as con:
        assert con.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 0
    asked = srv.total()
    assert main(_argv(srv, tmp_path, "s2.db")) == 0
    capsys.readouterr()
    assert srv.total() == asked + 4
