"""Profiling of reasoning styles (text classifiers, behavioural fits, TQRE depth).

Names are resolved on first use (as in `stratlens`), so importing one part of the profiler
does not import the others. TQRE itself is the module `stratlens.profiler.tqre`
(``tqre.fit(game, counts, estimator="tqre" | "jia2025")``).
"""

# The imports under TYPE_CHECKING only tell type checkers what the lazy names are.
# ruff: noqa: F401

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stratlens.profiler._persist import record_style_profiles, record_tqre_fits
    from stratlens.profiler.behavior import (
        StyleProfile,
        behavior_profile,
        catalog_views,
        diagnostic_power,
        fit_styles,
        separation,
    )
    from stratlens.profiler.coherence import Coherence, wilson
    from stratlens.profiler.depth import StoredFit, tqre_fits
    from stratlens.profiler.stored import label_stored, profile_store
    from stratlens.profiler.text import (
        LABELS,
        TextClassifier,
        TextLabel,
        available_classifiers,
        classifier,
        cross_validate,
        load_corpus,
        make_classifier,
    )
    from stratlens.profiler.tqre import TQREFit, tqre_game

_EXPORTS: dict[str, str] = {}

# -- behavioural styles and TQRE depth --
_EXPORTS.update(
    {
        "StyleProfile": "stratlens.profiler.behavior",
        "behavior_profile": "stratlens.profiler.behavior",
        "catalog_views": "stratlens.profiler.behavior",
        "diagnostic_power": "stratlens.profiler.behavior",
        "fit_styles": "stratlens.profiler.behavior",
        "separation": "stratlens.profiler.behavior",
        "record_style_profiles": "stratlens.profiler._persist",
        "record_tqre_fits": "stratlens.profiler._persist",
        "StoredFit": "stratlens.profiler.depth",
        "tqre_fits": "stratlens.profiler.depth",
        "TQREFit": "stratlens.profiler.tqre",
        "tqre_game": "stratlens.profiler.tqre",
    }
)

# -- text styles and says vs does --
_EXPORTS.update(
    {
        "LABELS": "stratlens.profiler.text",
        "TextClassifier": "stratlens.profiler.text",
        "TextLabel": "stratlens.profiler.text",
        "available_classifiers": "stratlens.profiler.text",
        "classifier": "stratlens.profiler.text",
        "cross_validate": "stratlens.profiler.text",
        "load_corpus": "stratlens.profiler.text",
        "make_classifier": "stratlens.profiler.text",
        "Coherence": "stratlens.profiler.coherence",
        "wilson": "stratlens.profiler.coherence",
        "label_stored": "stratlens.profiler.stored",
        "profile_store": "stratlens.profiler.stored",
    }
)

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'stratlens.profiler' has no attribute {name!r}")
    return getattr(import_module(module), name)
