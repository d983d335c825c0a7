"""`stratlens compare` through Ray: four tiny checkpoints give the report numbers they give
in one process. Skipped without Ray (the ``[ray]`` extra) or the ``[local]`` extra."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from stratlens.cli import main
from tests.tiny_checkpoints import TinyCheckpoints, tiny_checkpoints

__all__ = ["tiny_checkpoints"]  # the session fixture, imported for the test below


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    ray = pytest.importorskip("ray", reason="the [ray] extra (ray) is not installed")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def _compare(ckpts: TinyCheckpoints, folder: Path, capsys: pytest.CaptureFixture[str],
             *extra: str) -> dict[str, object]:  # fmt: skip
    args = ["compare", str(ckpts.run), "-M", "max_new_tokens=48", "--game", "prisoners_dilemma",
            "--episodes", "2", "--store", str(folder / "s.db"), "--out", str(folder / "report"),
            "--classifier", "keywords", "--bootstrap", "50", "--no-progress", "--json",
            *extra]  # fmt: skip
    assert main(args) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


def test_compare_through_ray_gives_the_numbers_of_one_process(
    cluster: None,
    tiny_checkpoints: TinyCheckpoints,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "local").mkdir()
    (tmp_path / "ray").mkdir()
    local = _compare(tiny_checkpoints, tmp_path / "local", capsys)
    ray = _compare(tiny_checkpoints, tmp_path / "ray", capsys, "--executor", "ray")
    assert isinstance(local["checkpoints"], list) and len(local["checkpoints"]) == 4
    # The same answers (below); the numbers from logprobs agree to about 1e-8 (batches of
    # other sizes in the workers), bootstrap bounds to 1e-6.
    got, want = ray["metrics"], local["metrics"]
    assert isinstance(got, list) and isinstance(want, list) and len(got) == len(want) > 0
    for a, b in zip(got, want, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            if isinstance(b[key], float):
                assert a[key] == pytest.approx(b[key], rel=1e-5, abs=1e-6), (key, b)
            else:
                assert a[key] == b[key], (key, b)
    assert ray["boundary"] == local["boundary"]
    query = "SELECT episode_id, step, player, raw_output FROM decisions ORDER BY 1, 2, 3"
    rows = [
        sqlite3.connect(tmp_path / f / "s.db").execute(query).fetchall() for f in ("local", "ray")
    ]
    assert rows[0] == rows[1] and len(rows[0]) == 4 * 2 * 2 * 2
