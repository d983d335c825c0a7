"""The leaderboard's layout in headless Chromium at 1,280 and 1,920 px: nothing overflows the
page (a table wider than the window scrolls inside its own frame), the ranking table fits
whole at 1,920 px, and a game's choices stay on one line. A screenshot of each is taken too.

The page is loaded in an iframe of the given width by a measuring page of our own (the
leaderboard's Content-Security-Policy forbids any script but its own).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.results.test_leaderboard_browser import CHROMIUM, site

__all__ = ["site"]  # the module fixture, imported for the tests below
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; CI has it)"
)

MEASURE = """<!doctype html><html><body style="margin:0">
<iframe id="f" src="{src}" style="border:0;width:{w}px;height:900px"></iframe>
<pre id="out">pending</pre>
<script>
document.getElementById("f").onload = () => {{
  const d = document.getElementById("f").contentDocument, de = d.documentElement;
  const lines = (el) => {{
    const r = d.createRange(); r.selectNodeContents(el);
    return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size;
  }};
  document.getElementById("out").textContent = JSON.stringify({{
    page: de.scrollWidth - de.clientWidth,
    tables: [...d.querySelectorAll(".wide")].map((w) => [
      w.querySelector("table").id, w.scrollWidth - w.clientWidth]),
    choices: Math.max(0, ...[...d.querySelectorAll("td.choices")].map(lines)),
    headers: Math.max(0, ...[...d.querySelectorAll("th")].map(lines)),
  }});
}};
</script></body></html>"""


def _chromium(*args: str, profile: Path) -> str:
    assert CHROMIUM is not None
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-extensions", f"--user-data-dir={profile}", *args]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def measure(page: Path, width: int, tmp: Path) -> dict[str, object]:
    probe = tmp / f"measure-{page.stem}-{width}.html"
    probe.write_text(MEASURE.format(src=page.as_uri(), w=width))
    dom = _chromium("--allow-file-access-from-files", f"--window-size={width + 40},1000",
                    "--virtual-time-budget=5000", "--dump-dom", probe.as_uri(),
                    profile=tmp / f"profile-{page.stem}-{width}")  # fmt: skip
    found = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    assert found and found.group(1) != "pending", dom[-2000:]
    result: dict[str, object] = json.loads(found.group(1).replace("&quot;", '"'))
    return result


@pytest.mark.parametrize("width", [1280, 1920])
def test_nothing_overflows_the_page(site: Path, tmp_path: Path, width: int) -> None:
    model = next(p for p in sorted((site / "models").iterdir()) if p.name.startswith("m-alpha"))
    for page in (site / "index.html", model):
        m = measure(page, width, tmp_path)
        assert m["page"] == 0, (page.name, width, m)  # no horizontal scroll of the page
        assert m["choices"] <= 1, (page.name, width, m)  # a game's choices on one line
        if page.name == "index.html" and width == 1920:
            board = dict(m["tables"])  # type: ignore[call-overload]
            assert board["board"] <= 0, m  # the whole ranking is visible, style columns too
        shot = tmp_path / f"{page.stem}-{width}.png"
        _chromium(f"--window-size={width},1000", "--hide-scrollbars", f"--screenshot={shot}",
                  page.as_uri(), profile=tmp_path / f"shot-{page.stem}-{width}")  # fmt: skip
        assert shot.stat().st_size > 10_000
