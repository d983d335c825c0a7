"""The public API is a promise: these names, and only these, are exported."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PUBLIC = {
    "stratlens": [
        "EvalConfig",
        "RunReport",
        "StratlensError",
        "UsageError",
        "__version__",
        "evaluate",
        "load_decisions",
    ],
    "stratlens.games": [
        "CHANCE",
        "DecisionView",
        "FAMILIES",
        "GameSpec",
        "GuessView",
        "KINDS",
        "MatrixView",
        "PayoffType",
        "RepeatedView",
        "TERMINAL",
        "TreeNode",
        "TreeView",
        "bimatrix",
        "decision_view",
        "describe",
        "get_game",
        "guess_view",
        "is_simultaneous",
        "iter_games",
        "joint_history",
        "list_games",
        "matrix_view",
        "payoff_types",
        "register",
        "replay",
        "sample_chance",
        "shown_tables",
        "structure",
        "suites",
        "tree_of",
    ],
    "stratlens.agents": [
        "Agent",
        "Decision",
        "PARSE_STATUSES",
        "PROTOCOLS",
        "ParseStatus",
        "PromptProtocol",
        "Style",
        "StyleResult",
        "Turn",
        "Usage",
        "agent_factory",
        "make_agent",
        "parse_model_args",
        "registered_prefixes",
        "style_choice",
    ],
    "stratlens.results": [
        "DEFAULT_STORE_PATH",
        "SCHEMA_VERSION",
        "STORE_ENV_VAR",
        "Store",
        "check_store_location",
        "load_decisions",
        "load_episodes",
        "load_runs",
        "open_store",
        "resolve_store_path",
    ],
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_exports_are_exactly_the_public_api(module: str) -> None:
    mod = importlib.import_module(module)
    assert sorted(mod.__all__) == sorted(PUBLIC[module])
    for name in mod.__all__:
        assert getattr(mod, name) is not None


def test_unknown_attribute_is_an_attribute_error() -> None:
    import stratlens

    with pytest.raises(AttributeError, match="no_such_name"):
        _ = stratlens.no_such_name  # type: ignore[attr-defined]


def test_importing_the_cli_and_games_stays_light() -> None:
    code = (
        "import sys, stratlens.cli, stratlens.games; stratlens.cli.build_parser(); "
        "heavy = [m for m in ('litellm', 'torch', 'transformers', 'openai', 'anthropic', "
        "'inspect_ai') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_dir_shows_the_public_api_and_not_the_helpers() -> None:
    import stratlens

    shown = dir(stratlens)
    assert {"evaluate", "load_decisions", "EvalConfig", "__version__"} <= set(shown)
    assert set(shown) == set(PUBLIC["stratlens"])  # no Any, import_module, version, ...
