"""The one-way flow of ``../shared/DESIGN.md``: lower floors never import upper ones.

games ← contracts ← agents ← runner; results never imports agents or the runner, and the
profiler (which reads the store, reusing the agents' style computations and API clients)
never imports the runner: the reference-agent check, which plays games, is in the CLI layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "stratlens"

#: package folder or module → the stratlens modules it must not import (prefixes)
FORBIDDEN = {
    "games": ("stratlens.agents", "stratlens.runner", "stratlens.results", "stratlens.profiler"),
    "contracts.py": ("stratlens.agents", "stratlens.runner", "stratlens.results"),
    "results": ("stratlens.agents", "stratlens.runner"),
    # the profiler reuses the agents' style computations and API clients (the judge), but never
    # plays: no runner
    "profiler": ("stratlens.runner",),
    "_version.py": ("stratlens.",),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_no_upward_imports(part: str) -> None:
    target = SRC / part
    files = [target] if target.is_file() else sorted(target.rglob("*.py"))
    assert files
    bad = [
        (str(f.relative_to(SRC)), name)
        for f in files
        for name in sorted(_imports(f))
        if any(
            name == p.rstrip(".") or name.startswith(p.rstrip(".") + ".") for p in FORBIDDEN[part]
        )
    ]
    assert bad == []


def test_only_the_bridges_import_inspect_ai_and_only_the_cli_imports_the_bridges() -> None:
    """Inspect AI is an optional extra, imported where it is used (``../shared/DESIGN.md``,
    "Bridges"): by `stratlens.bridges` alone, which nothing but the CLI's commands import."""
    inspect_users, bridge_users = [], []
    for f in sorted(SRC.rglob("*.py")):
        rel = f.relative_to(SRC)
        names = _imports(f)
        if rel.parts[0] == "bridges":
            continue
        if any(n == "inspect_ai" or n.startswith("inspect_ai.") for n in names):
            inspect_users.append(str(rel))
        if rel.parts[0] != "_cli" and any(n.startswith("stratlens.bridges") for n in names):
            bridge_users.append(str(rel))
    assert inspect_users == []
    assert bridge_users == []
    assert any(
        n.startswith("inspect_ai") for f in (SRC / "bridges").glob("*.py") for n in _imports(f)
    )
