"""The response cache: what its key covers, several processes at once, stats, clear, explain."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from stratlens.agents._cache import CACHE_ENV_VAR, CacheRequest, ResponseCache, resolve_cache_path

BASE = CacheRequest(
    model="openai/gpt-4o",
    params={"temperature": 0.0, "max_tokens": 64, "api_base": None},
    messages=[{"role": "user", "content": "Pick row 0 or row 1."}],
    sample=11,
)


@pytest.mark.parametrize(
    "changed",
    [
        CacheRequest("openai/gpt-4o-mini", BASE.params, BASE.messages, 11),
        CacheRequest("hosted_vllm/ckpts/step-1", BASE.params, BASE.messages, 11),
        CacheRequest(BASE.model, {**BASE.params, "temperature": 0.7}, BASE.messages, 11),
        CacheRequest(BASE.model, {**BASE.params, "max_tokens": 65}, BASE.messages, 11),
        CacheRequest(BASE.model, {**BASE.params, "seed": 1}, BASE.messages, 11),
        CacheRequest(BASE.model, {**BASE.params, "api_base": "http://x:1/v1"}, BASE.messages, 11),
        CacheRequest(BASE.model, {**BASE.params, "logprobs": True}, BASE.messages, 11),
        CacheRequest(
            BASE.model,
            {**BASE.params, "thinking": {"type": "enabled", "budget_tokens": 1024}},
            BASE.messages,
            11,
        ),
        CacheRequest(BASE.model, BASE.params, [{"role": "user", "content": "Pick row 1."}], 11),
        CacheRequest(
            BASE.model, BASE.params, [*BASE.messages, {"role": "assistant", "content": "?"}], 11
        ),
        CacheRequest(BASE.model, BASE.params, BASE.messages, 12),
    ],
)
def test_every_part_of_the_request_is_in_the_key(changed: CacheRequest, tmp_path: Path) -> None:
    assert changed.key != BASE.key
    with ResponseCache(tmp_path / "c.db") as cache:
        cache.put(BASE, {"content": "Final answer: row 0"})
        assert cache.get(changed) is None
        assert cache.get(BASE) == {"content": "Final answer: row 0"}
        assert (cache.hits, cache.misses) == (1, 1)


def test_the_key_ignores_the_order_of_parameters() -> None:
    swapped = CacheRequest(BASE.model, dict(reversed(list(BASE.params.items()))), BASE.messages, 11)
    assert swapped.key == BASE.key


def test_explain_names_what_changed(tmp_path: Path) -> None:
    with ResponseCache(tmp_path / "c.db") as cache:
        cache.put(BASE, {"content": "x"})
        assert cache.explain(BASE) == "cached"
        hotter = CacheRequest(BASE.model, {**BASE.params, "temperature": 0.7}, BASE.messages, 11)
        assert cache.explain(hotter) == (
            "cached for these messages with other settings (temperature: cached 0.0, now 0.7)"
        )
        other = CacheRequest(BASE.model, BASE.params, [{"role": "user", "content": "?"}], 11)
        assert cache.explain(other) == "no cached response for these messages"


def test_stats_and_clear(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with ResponseCache(path) as cache:
        for i in range(5):
            cache.put(CacheRequest("a/m", {}, BASE.messages, i), {"content": "x" * 10})
        for i in range(2):
            cache.put(CacheRequest("b/m", {}, BASE.messages, i), {"content": "y"})
        cache.get(CacheRequest("a/m", {}, BASE.messages, 0))
        cache.get(CacheRequest("a/m", {}, BASE.messages, 0))
        stats = cache.stats()
        assert (stats.entries, stats.hits) == (7, 2)
        assert [(m["model"], m["entries"], m["hits"]) for m in stats.models] == [
            ("a/m", 5, 2),
            ("b/m", 2, 0),
        ]
        assert cache.clear("b/m") == 2
        assert cache.stats().entries == 5
        assert cache.clear() == 5
        assert cache.stats().entries == 0


def test_default_path_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_ENV_VAR, raising=False)
    assert resolve_cache_path() == Path("results") / "cache.db"
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "x.db"))
    assert resolve_cache_path() == tmp_path / "x.db"
    assert resolve_cache_path(tmp_path / "y.db") == tmp_path / "y.db"


def _writer(path: str, worker: int, n: int) -> None:
    with ResponseCache(path) as cache:
        for i in range(n):
            # every worker writes its own entries and one shared entry per i
            cache.put(CacheRequest("m/w", {"w": worker}, BASE.messages, i), {"v": worker})
            cache.put(CacheRequest("m/shared", {}, BASE.messages, i), {"v": worker})
            assert cache.get(CacheRequest("m/shared", {}, BASE.messages, i)) is not None


def test_several_processes_share_one_file(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    # fork where there is one: the workers need no fresh interpreter, only their own connection
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    workers = [ctx.Process(target=_writer, args=(path, w, 150)) for w in range(4)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(120)
    assert [p.exitcode for p in workers] == [0, 0, 0, 0]  # no "database is locked"
    conn = sqlite3.connect(path)
    rows = dict(conn.execute("SELECT model, COUNT(*) FROM responses GROUP BY model").fetchall())
    hits = conn.execute("SELECT SUM(hits) FROM responses").fetchone()[0]
    conn.close()
    assert rows == {"m/w": 4 * 150, "m/shared": 150}
    assert hits == 4 * 150
