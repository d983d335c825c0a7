"""The leaderboard in a real browser: Debian's headless Chromium, offline, from file:// URLs.

``.ci/run`` installs Chromium, so these run in CI; on a machine without it they are skipped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from stratlens.results.leaderboard import write_leaderboard
from tests.results.test_leaderboard import EVIL, make_store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; CI has it)"
)


def dump_dom(url: str, profile: Path) -> str:
    """The DOM after the page's scripts ran, as Chromium serialises it."""
    assert CHROMIUM is not None
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", f"--user-data-dir={profile}",
        "--dump-dom", url,
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "<html" in done.stdout, done.stderr[-2000:]
    return done.stdout


class _Board(HTMLParser):
    """Rows of the table with id ``board``: each row's cells as (data-v, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str | None, str]]] = []
        self.headers: dict[str, str | None] = {}
        self.title = ""
        self._table = False
        self._cell: tuple[str | None, list[str]] | None = None
        self._in_title = False
        self._th: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id") == "board"
        elif self._table and tag == "tr":
            self.rows.append([])
        elif self._table and tag == "td":
            self._cell = (a.get("data-v"), [])
        elif self._table and tag == "th":
            self.headers[str(a.get("data-key"))] = a.get("aria-sort")
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append((self._cell[0], "".join(self._cell[1]).strip()))
            self._cell = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[1].append(data)
        if self._in_title:
            self.title += data


def board(dom: str) -> _Board:
    parsed = _Board()
    parsed.feed(dom)
    parsed.rows = [r for r in parsed.rows if r]  # the header row has no <td>
    return parsed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    make_store(root / "store.db")
    write_leaderboard(root / "store.db", root / "site", n_boot=200)
    return root / "site"


def test_table_renders_every_model_and_sorts(site: Path, tmp_path: Path) -> None:
    index = (site / "index.html").as_uri()
    plain = board(dump_dom(index, tmp_path / "p1"))
    models = [row[1][1] for row in plain.rows]
    assert sorted(models) == sorted(["m/alpha", "m/beta", EVIL])
    assert [row[0][1] for row in plain.rows] == ["1", "2", "3"]
    assert plain.title == "stratlens leaderboard"
    # A header click (the page clicks it for ?sort=): by model name, ascending.
    by_name = board(dump_dom(index + "?sort=model", tmp_path / "p2"))
    names = [row[1][1] for row in by_name.rows]
    assert names == sorted(models, key=str.lower)
    assert by_name.headers["model"] == "ascending"
    # Two clicks on the headline column: ascending scores, so the ranks come out reversed.
    up = board(dump_dom(index + "?sort=headline&dir=asc", tmp_path / "p3"))
    scores = [float(row[3][0] or "nan") for row in up.rows]
    assert scores == sorted(scores) and scores[0] < scores[-1]
    assert [row[0][1] for row in up.rows] == ["3", "2", "1"]
    assert up.headers["headline"] == "ascending"


def test_hostile_traces_run_nothing(site: Path, tmp_path: Path) -> None:
    page = next(p for p in (site / "models").iterdir() if p.name.startswith("evil-"))
    # The page as written, and a copy without its Content-Security-Policy: escaping alone
    # must keep the payloads inert.
    bare = page.with_name("bare-" + page.name)
    text = page.read_text()
    bare.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text))
    assert "Content-Security-Policy" not in bare.read_text()
    for i, target in enumerate((page, bare)):
        dom = dump_dom(target.as_uri(), tmp_path / f"x{i}")
        parsed = board(dom)
        assert parsed.title == f"{EVIL} · stratlens"  # a payload would have set it to 'pwned'
        assert not re.search(r"<img[^>]*\bsrc=\"x\"", dom)
        assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
        assert "<details" in dom and 'data-game="prisoners_dilemma"' in dom
    index_dom = dump_dom((site / "index.html").as_uri(), tmp_path / "idx")
    assert board(index_dom).title == "stratlens leaderboard"
    assert not re.search(r"<img[^>]*\bsrc=\"x\"", index_dom)
