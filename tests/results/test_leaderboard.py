"""`stratlens leaderboard`: files, determinism, the cache, atomic replacement, escaping."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest

from stratlens.cli import main
from stratlens.results import open_store
from stratlens.results.leaderboard import build_leaderboard, write_leaderboard
from stratlens.results.leaderboard.html import json_for_script
from stratlens.results.leaderboard.publish import PAUSE_ENV
from stratlens.results.leaderboard.summaries import KIND
from stratlens.results.leaderboard.synthetic import write_synthetic_store
from tests.conftest import run_cli
from tests.results.test_metrics import add_run, play

PAYLOAD = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
EVIL = "evil/<img src=x onerror=document.title='pwned'>"
GAMES = ["prisoners_dilemma", "matching_pennies", "stag_hunt", "iterated_prisoners_dilemma"]
BOOT = "200"


def make_store(path: Path) -> None:
    """Two synthetic models, one with hostile text, text labels and a behavioural fit."""
    write_synthetic_store(path, ["m/alpha", "m/beta"], GAMES, 8, seed=3)
    with open_store(path) as store:
        add_run(store, "evil-run", EVIL)
        for i in range(3):
            play(store, "evil-run", EVIL, "prisoners_dilemma", 0, i, [[(0, i % 2), (1, 0)]],
                 reasoning=f"{PAYLOAD} step {i} </script><!--")  # fmt: skip
        play(store, "evil-run", EVIL, "ultimatum", 0, 0, [[(0, 4)], [(1, 0)]], reasoning=PAYLOAD)
        with store.transaction() as conn:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM decisions WHERE run_id = 'evil-run' AND agent = 'subject' "
                "ORDER BY id")]  # fmt: skip
            for k, did in enumerate(ids):
                label = ("minimax", "minimax", "trust_based", "belief_anticipation")[k % 4]
                conn.execute(
                    "INSERT INTO trace_labels VALUES (?, 'offline@test', ?, '{}', ?, 't')",
                    (did, label, f"evidence {PAYLOAD}"),
                )
            conn.execute(
                "INSERT INTO fits (model, runs, game_id, method, params, loglik, n, created_at) "
                "VALUES ('m/alpha', '[]', NULL, 'style_mixture', ?, -10.5, 40, 't')",
                (json.dumps({"weights": {"minimax": 0.2, "trust_based": 0.7, "other": 0.1}}),),
            )


def tree(root: Path) -> dict[str, str]:
    """relative path → sha256 of every file under ``root``."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A store and its leaderboard, made once for the module (tests copy before changing)."""
    root = tmp_path_factory.mktemp("lb")
    store = root / "store.db"
    make_store(store)
    out = root / "out"
    result = run_cli("leaderboard", "--store", str(store), "--out", str(out), "--bootstrap", BOOT)
    assert result.returncode == 0, result.stderr
    assert "3 models" in result.stdout and "3 computed, 0 from the cache" in result.stdout
    return store, out


def test_writes_every_file(built: tuple[Path, Path]) -> None:
    _, out = built
    files = set(tree(out))
    for name in ("index.html", "leaderboard.md", "leaderboard.csv", "per_game.csv",
                 "leaderboard.json", "plots/headline.png", "plots/headline.svg",
                 "plots/structure-all.png", "plots/structure-all.svg"):  # fmt: skip
        assert name in files
    assert len([f for f in files if f.startswith("models/")]) == 3
    assert len([f for f in files if f.startswith("plots/structure-")]) == 2 * 4
    assert (out / "plots/headline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (out / "plots/headline.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<dc:date>" not in svg
    doc = json.loads((out / "leaderboard.json").read_text())
    assert [e["rank"] for e in doc["entries"]] == [1, 2, 3]
    assert doc["generated_from"] == max(doc_runs(built[0]))
    evil = next(e for e in doc["entries"] if e["model"] == EVIL)
    assert evil["text_styles"]["minimax"]["value"] == pytest.approx(0.5)
    alpha = next(e for e in doc["entries"] if e["model"] == "m/alpha")
    assert alpha["behaviour"][0]["values"]["weights"]["trust_based"] == 0.7
    csv_lines = (out / "leaderboard.csv").read_text().splitlines()
    assert csv_lines[0].startswith("rank,model,protocol,headline,headline_low,headline_high")
    assert len(csv_lines) == 4
    md = (out / "leaderboard.md").read_text()
    assert "evil/&lt;img src=x onerror=document.title='pwned'&gt;" in md
    assert "<img" not in md


def doc_runs(store: Path) -> list[str]:
    with open_store(store) as s:
        return [r[0] for r in s.conn.execute("SELECT created_at FROM runs")]


def test_same_store_gives_identical_bytes_and_the_cache_changes_nothing(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    store, out = built
    again = write_leaderboard(store, tmp_path / "again", n_boot=int(BOOT))
    assert (again.computed, again.reused) == (0, 3)
    assert tree(tmp_path / "again") == tree(out)
    fresh = write_leaderboard(store, tmp_path / "fresh", n_boot=int(BOOT), use_cache=False)
    assert fresh.computed == 3
    assert tree(tmp_path / "fresh") == tree(out)


def test_incremental_regeneration_reuses_the_runs_it_has_seen(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    store = tmp_path / "store.db"
    shutil.copy(built[0], store)
    write_synthetic_store(store, ["m/gamma"], GAMES, 8, seed=4, run_index=1)
    report = write_leaderboard(store, tmp_path / "inc", n_boot=int(BOOT))
    assert (report.computed, report.reused, report.entries) == (1, 3, 4)
    with open_store(store) as s:
        keys = s.conn.execute("SELECT COUNT(*) FROM analysis_cache WHERE kind = ?", (KIND,))
        assert keys.fetchone()[0] == 4
    full = write_leaderboard(store, tmp_path / "full", n_boot=int(BOOT), use_cache=False)
    assert full.computed == 4
    assert tree(tmp_path / "inc") == tree(tmp_path / "full")
    # A run that changes (one more episode) is summarised again; the others are not.
    with open_store(store) as s:
        play(s, "evil-run", EVIL, "prisoners_dilemma", 0, 9, [[(0, 1), (1, 1)]])
    again = build_leaderboard(store, n_boot=int(BOOT))
    assert (again.stats["computed"], again.stats["reused"]) == (1, 3)
    assert build_leaderboard(store, n_boot=int(BOOT)).stats["computed"] == 0


def test_killed_regeneration_leaves_the_previous_leaderboard_whole(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    store, out = tmp_path / "store.db", tmp_path / "out"
    shutil.copy(built[0], store)
    shutil.copytree(built[1], out)
    before = tree(out)
    write_synthetic_store(store, ["m/delta"], GAMES, 8, seed=5, run_index=2)
    env = {**os.environ, PAUSE_ENV: "0.5"}
    cmd = [sys.executable, "-m", "stratlens.cli", "leaderboard", "--store", str(store),
           "--out", str(out), "--bootstrap", BOOT]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True)  # fmt: skip
    assert proc.stderr is not None
    written = 0
    for line in proc.stderr:
        written += line.startswith("leaderboard: wrote")
        if written == 3:  # mid-regeneration: some new files are on disk, beside the old
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert tree(out) == before
    assert any(p.name.startswith(".out.tmp-") for p in tmp_path.iterdir())  # left by the kill
    report = write_leaderboard(store, out, n_boot=int(BOOT))
    assert report.entries == 4
    assert "m/delta" in (out / "leaderboard.md").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".out.tmp-", ".out.old-"))]


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text of each <script> element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def test_model_text_is_escaped_everywhere(built: tuple[Path, Path]) -> None:
    _, out = built
    pages = sorted((out / "models").iterdir())
    evil = next(p for p in pages if p.name.startswith("evil-"))
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in evil.read_text()
    page_js = resources.files("stratlens.results.leaderboard") / "templates" / "page.js"
    for page in [out / "index.html", *pages]:
        parsed = _Elements()
        parsed.feed(page.read_text())
        assert not [t for t, a in parsed.tags if t == "img" and a.get("src") == "x"], page
        handlers = [(t, k) for t, a in parsed.tags for k in a if k.startswith("on")]
        assert handlers == [], page
        for attrs, text in parsed.scripts:  # only our own script, or inert JSON
            assert text == page_js.read_text() or attrs.get("type") == "application/json"
    parsed = _Elements()
    parsed.feed((out / "index.html").read_text())
    data = next(text for attrs, text in parsed.scripts if attrs.get("type"))
    assert "<" not in data and EVIL in [row["model"] for row in json.loads(data)]


def test_json_for_script_cannot_close_the_script() -> None:
    text = json_for_script({"a": "</script><!-- & \u2028"})
    assert "</" not in text and "<!--" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def cli(*args: str) -> tuple[int, str]:
        code = main(["leaderboard", *args])
        return code, capsys.readouterr().err

    code, err = cli("--store", str(tmp_path / "none.db"), "--out", str(tmp_path / "o"))
    assert code == 2 and err.count("\n") == 1 and "no store" in err
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "o").exists()
    store = tmp_path / "s.db"
    write_synthetic_store(store, ["m/x"], ["stag_hunt"], 3, seed=0)
    (tmp_path / "file").write_text("x")
    code, err = cli("--store", str(store), "--out", str(tmp_path / "file"))
    assert code == 2 and "not a folder" in err
    code, err = cli("--store", str(store), "--out", str(tmp_path / "o"), "--bootstrap", "5")
    assert code == 2 and "at least 100" in err
    assert not (tmp_path / "o").exists()


def test_missing_profiler_outputs_show_a_dash(built: tuple[Path, Path]) -> None:
    _, out = built
    beta = next(p for p in (out / "models").iterdir() if p.name.startswith("m-beta")).read_text()
    assert 'Text styles: <span class="none">—</span>' in beta
    assert 'Behavioural styles: <span class="none">—</span>' in beta
    alpha = next(p for p in (out / "models").iterdir() if p.name.startswith("m-alpha"))
    assert "style_mixture" in alpha.read_text()
    index = (out / "index.html").read_text()
    assert ">trust_based 70%<" in index  # alpha's behavioural style, from its fit
    assert ">minimax 50%<" in index  # the evil model's text style, from trace_labels


def test_workflow_regenerates_on_a_schedule() -> None:
    yaml = pytest.importorskip("yaml")
    path = Path(__file__).parents[2] / ".github" / "workflows" / "leaderboard.yml"
    flow = yaml.safe_load(path.read_text())
    triggers = flow[True]  # YAML 1.1 reads the key `on` as True
    (cron,) = [s["cron"] for s in triggers["schedule"]]
    assert len(cron.split()) == 5
    steps = [s.get("run", "") for s in flow["jobs"]["regenerate"]["steps"]]
    assert any(r.startswith("stratlens leaderboard --store") for r in steps)


def test_prints_the_ranking_and_reports_its_progress(
    built: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from stratlens._progress import StageBar

    store = tmp_path / "store.db"
    shutil.copy(built[0], store)
    seen: list[tuple[str, int, int]] = []
    write_leaderboard(store, tmp_path / "a", n_boot=200, steps=lambda *s: seen.append(s))
    last = {stage: (done, total) for stage, done, total in seen}
    assert last["run summaries"] == (3, 3) and last["models (bootstrap)"] == (3, 3)
    assert last["pages and plots"] == (4, 4) and "structure analysis" in last
    with StageBar(True) as bar:  # the terminal's bar draws these steps (on stderr)
        for step in seen:
            bar(*step)
    capsys.readouterr()
    assert main(["leaderboard", "--store", str(store), "--out", str(tmp_path / "b"),
                 "--bootstrap", BOOT]) == 0  # fmt: skip
    out = capsys.readouterr().out
    table = [ln for ln in (tmp_path / "b" / "leaderboard.md").read_text().splitlines()
             if ln.startswith("|")]  # fmt: skip
    assert len(table) == 5 and out.splitlines()[: len(table)] == table  # header, rule, 3 rows
    assert "leaderboard: 3 models" in out
