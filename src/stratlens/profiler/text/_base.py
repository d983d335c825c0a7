"""What every text classifier is: the labels, the answer per trace, the protocol, the registry.

A classifier turns reasoning traces into `TextLabel` answers: the label of the step that
decides the final choice (``reference/profiles.md``), a probability per label, and the sentence
or span that decided. Classifiers are registered by name with `classifier`; a name may carry an
argument after a colon (``judge:openai/gpt-4o``), which the factory receives::

    @classifier("mine")
    def _make(arg: str | None, **options: str) -> TextClassifier: ...

`make_classifier` builds one from its name, so adding a classifier touches one file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from stratlens.errors import UsageError

#: The four labels, in the order every score table and confusion matrix uses.
LABELS: tuple[str, ...] = ("minimax", "trust_based", "belief_anticipation", "other")
#: Why a classifier may decline to label a trace: its confidence is below its calibrated
#: threshold, or the trace is in a language it was not trained on.
UNCERTAIN = "uncertain"
UNSUPPORTED_LANGUAGE = "unsupported_language"
ABSTENTIONS: tuple[str, ...] = (UNCERTAIN, UNSUPPORTED_LANGUAGE)


@dataclass(frozen=True)
class TextLabel:
    """One trace's label: ``scores`` maps each of `LABELS` to a probability (they sum to 1).

    ``evidence`` is the sentence or span that decided (empty when the text is empty).
    ``abstain`` is set, and ``label`` is None, when the classifier read the trace and declines
    to label it (one of `ABSTENTIONS`; ``language`` then says which language it saw): that is
    an answer, stored and counted apart from the labels. ``error`` is set, and ``label`` is
    None, when the classifier gave no answer for the trace (e.g. a judge model whose reply
    could not be read): such answers are never stored.
    """

    label: str | None
    scores: Mapping[str, float]
    evidence: str
    error: str | None = None
    abstain: str | None = None
    language: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "scores": {k: round(float(self.scores.get(k, 0.0)), 6) for k in LABELS},
            "evidence": self.evidence,
        }
        if self.abstain is not None:
            out["abstain"] = self.abstain
        if self.language is not None:
            out["language"] = self.language
        if self.error is not None:
            out["error"] = self.error
        return out

    @property
    def outcome(self) -> str:
        """The label, else the abstention reason, else ``error``."""
        return self.label or self.abstain or "error"


@runtime_checkable
class TextClassifier(Protocol):
    """Labels reasoning traces.

    ``name`` is what the user typed (``offline``, ``judge:openai/gpt-4o``); ``key`` names the
    exact model behind it (the corpus hash, the rubric version), so that stored labels are
    reused only while they would come out the same.
    """

    @property
    def name(self) -> str: ...

    @property
    def key(self) -> str: ...

    def classify(self, texts: Sequence[str]) -> list[TextLabel]: ...


Factory = Callable[..., TextClassifier]


@dataclass
class _Registry:
    factories: dict[str, Factory] = field(default_factory=dict)
    takes_arg: dict[str, bool] = field(default_factory=dict)


_REGISTRY = _Registry()


def classifier(name: str, *, takes_arg: bool = False) -> Callable[[Factory], Factory]:
    """Registers a factory ``f(arg, **options) -> TextClassifier`` under ``name``.

    With ``takes_arg``, the classifier is named ``name:ARG`` (e.g. ``judge:MODEL``) and the
    factory gets ``ARG``; otherwise it gets None and ``name:…`` is refused.
    """
    if not name or ":" in name:
        raise ValueError(f"bad classifier name {name!r}")

    def register(factory: Factory) -> Factory:
        _REGISTRY.factories[name] = factory
        _REGISTRY.takes_arg[name] = takes_arg
        return factory

    return register


def available_classifiers() -> list[str]:
    """Registered names, ``name:ARG`` for those that take an argument."""
    _load_builtins()
    return sorted(f"{n}:MODEL" if _REGISTRY.takes_arg[n] else n for n in _REGISTRY.factories)


def make_classifier(spec: str, **options: str) -> TextClassifier:
    """The classifier named ``spec`` (``offline``, ``keywords``, ``judge:MODEL``, …).

    ``options`` are passed to its factory (for the judge: ``-M`` arguments such as
    ``api_base``). An unknown name or a missing argument is a `UsageError`.
    """
    _load_builtins()
    name, sep, arg = spec.partition(":")
    if name not in _REGISTRY.factories:
        known = ", ".join(available_classifiers())
        raise UsageError(f"unknown classifier {spec!r} (known: {known})")
    if _REGISTRY.takes_arg[name] and not arg:
        raise UsageError(f"classifier {name!r} needs an argument: {name}:MODEL")
    if not _REGISTRY.takes_arg[name] and sep:
        raise UsageError(f"classifier {name!r} takes no argument")
    return _REGISTRY.factories[name](arg or None, **options)


def _load_builtins() -> None:
    # The built-in classifiers register themselves on import.
    import stratlens.profiler.text.judge
    import stratlens.profiler.text.keywords
    import stratlens.profiler.text.offline  # noqa: F401


def normalised(scores: Mapping[str, float]) -> dict[str, float]:
    """``scores`` over `LABELS`, non-negative and summing to 1 (uniform when all are 0)."""
    vals = {k: max(0.0, float(scores.get(k, 0.0))) for k in LABELS}
    total = sum(vals.values())
    if total <= 0.0:
        return {k: 1.0 / len(LABELS) for k in LABELS}
    return {k: v / total for k, v in vals.items()}


def top_label(scores: Mapping[str, float]) -> str:
    """The label of largest score; ties go to the first in `LABELS`."""
    return max(LABELS, key=lambda k: (scores.get(k, 0.0), -LABELS.index(k)))
