"""`GameSpec`, one entry of the catalog, and the registry that holds them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from stratlens.errors import UnknownGameError, UnknownSuiteError

Kind = Literal["matrix", "bayesian", "signaling", "tree", "repeated", "guess"]
KINDS: tuple[Kind, ...] = ("matrix", "bayesian", "signaling", "tree", "repeated", "guess")

#: Families, as DESIGN.md names them. A game has exactly one.
FAMILIES = (
    "competitive",
    "cooperation",
    "mixed_motive",
    "coordination",
    "sequential",
    "bayesian",
    "signaling",
    "repeated",
)


@dataclass(frozen=True)
class GameSpec:
    """A game of the catalog.

    ``build`` returns the `pyspiel.Game`; everything numeric about the game (payoffs, structure
    features, equilibria) is computed from that object, never typed in twice. ``rules`` is the
    plain-words description a prompt opens with: how moves are made and who sees what. It must
    not name a style or hint at one. ``action_labels[p][a]`` is the neutral label of player p's
    action id a, as prompts show it. ``roles`` lists the players whose choices an evaluation
    collects (the paper's sequential game collects player 1's only). ``payoff_rule``, for a
    matrix game too large to print as a table (a claim from 180 to 300), states the payoffs
    in words; the prompt shows it instead of the table, and it is written from the same
    parameters the table is built from. Kind ``guess`` is the N-player p-beauty contest
    (`stratlens.games._beauty`): ``action_labels`` has one entry per player.
    """

    id: str
    title: str
    family: str
    suites: tuple[str, ...]
    kind: Kind
    build: Callable[[], Any]
    rules: str
    action_labels: tuple[tuple[str, ...], ...]
    roles: tuple[int, ...] = (0, 1)
    source: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    payoff_rule: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"game {self.id}: unknown kind {self.kind!r}")
        if self.family not in FAMILIES:
            raise ValueError(f"game {self.id}: unknown family {self.family!r}")

    def game(self) -> Any:
        """The `pyspiel.Game`, built once and cached."""
        cached = _BUILT.get(self.id)
        if cached is None:
            cached = _BUILT[self.id] = self.build()
        return cached


_BUILT: dict[str, Any] = {}
_CATALOG: dict[str, GameSpec] = {}


def register(spec: GameSpec) -> GameSpec:
    """Add a game to the catalog (each catalog module calls this at import)."""
    if spec.id in _CATALOG:
        raise ValueError(f"game id {spec.id!r} registered twice")
    _CATALOG[spec.id] = spec
    return spec


def get_game(game_id: str) -> GameSpec:
    try:
        return _CATALOG[game_id]
    except KeyError:
        raise UnknownGameError(f"unknown game {game_id!r} (see `stratlens games list`)") from None


def suites() -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for spec in _CATALOG.values():
        for s in spec.suites:
            seen.setdefault(s)
    return tuple(seen)


def list_games(suite: str | None = None) -> list[GameSpec]:
    """Games of one suite (all games when ``suite`` is None), in catalog order."""
    if suite is not None and suite not in suites():
        raise UnknownSuiteError(f"unknown suite {suite!r} (known: {', '.join(suites())})")
    return [g for g in _CATALOG.values() if suite is None or suite in g.suites]


def iter_games() -> Iterator[GameSpec]:
    return iter(_CATALOG.values())
