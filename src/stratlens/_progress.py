"""Progress of long analyses: a callback that library code calls, and a bar that shows it.

Library code takes ``steps: Steps | None`` and calls ``steps(stage, done, total)`` as it goes
(``total`` 0 when a stage has no count); it never prints. The CLI passes a `StageBar`, which
draws one rich progress line per stage on stderr, or nothing when stderr is not a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

#: ``steps(stage, done, total)``: ``done`` of ``total`` units of ``stage`` are finished.
Steps = Callable[[str, int, int], None]


def report(steps: Steps | None, stage: str, done: int = 0, total: int = 0) -> None:
    """Call ``steps`` if there is one."""
    if steps is not None:
        steps(stage, done, total)


class StageBar:
    """A context manager and a `Steps`: a transient rich bar per stage, on stderr.

    ``enabled=None`` shows it when stderr is a terminal.
    """

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> StageBar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._bar is None:
            return
        task = self._tasks.get(stage)
        if task is None:
            task = self._tasks[stage] = self._bar.add_task(stage, total=total or None)
        self._bar.update(task, completed=done, total=total or None)
