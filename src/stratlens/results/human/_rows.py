"""`HumanRow`: one game and role's human choice distribution, with its source."""

from __future__ import annotations

from dataclasses import dataclass

#: ``printed``: in the paper's text, tables or figure labels; ``appendix``: computed from the
#: individual choices the authors print in their data appendix; ``uncertain``: printed but
#: known to be wrong or incomplete (shown, never used in a distance or shift).
MARKS = ("printed", "appendix", "uncertain")


@dataclass(frozen=True)
class HumanRow:
    study: str
    game_id: str
    role: int
    shares: tuple[float, ...]  # per action id, in the game's action order
    n: int | None  # subjects in this role; None where the paper does not print it
    mark: str
    source: str
    note: str = ""
    #: The same subjects stand behind every role's row (a symmetric game's pooled choices):
    #: counted once when choices are counted (`stratlens.results.human.styles`).
    pooled: bool = False
    #: The information state the row is for, where a role decides at several: a private-value
    #: auction's ``"value 5"``; empty where the role's one decision is the row.
    context: str = ""

    def __post_init__(self) -> None:
        if self.mark not in MARKS:
            raise ValueError(f"{self.game_id}: unknown mark {self.mark!r}")
        if self.usable and abs(sum(self.shares) - 1.0) > 1e-9:
            raise ValueError(f"{self.game_id} role {self.role}: shares add to {sum(self.shares)}")

    @property
    def usable(self) -> bool:
        """Printed or from the appendix: used in distances and shifts."""
        return self.mark != "uncertain"

    @property
    def entry(self) -> str:
        """The leaderboard row's name, ``human/<study>``."""
        return f"human/{self.study}"
