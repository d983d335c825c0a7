"""Where an ``hf/<path>`` checkpoint lives: a transformers folder or a GGUF file.

`resolve` turns the path of a model string into a `Source` before anything heavy is imported,
so that a wrong path is one line naming the problem (`UsageError`), not a traceback from deep
inside transformers. `default_threads` is the torch thread count used when ``-M threads`` is
not given. A leaf module: no torch, no transformers.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from stratlens.errors import UsageError


@dataclass(frozen=True)
class Source:
    """A checkpoint to load: ``folder``, and the GGUF file inside it (None: a transformers
    folder with ``config.json``)."""

    folder: Path
    gguf_file: str | None = None

    @property
    def path(self) -> Path:
        return self.folder / self.gguf_file if self.gguf_file else self.folder


def _is_gguf(p: Path) -> bool:
    return p.suffix.lower() == ".gguf"


def resolve(path: str) -> Source:
    """The checkpoint that ``hf/<path>`` names.

    ``path`` is a folder with ``config.json`` (a transformers checkpoint), a ``.gguf`` file, or a
    folder holding exactly one ``.gguf`` file (and no ``config.json``).
    """
    p = Path(path).expanduser()
    name = f"hf/{path}"
    if _is_gguf(p) or p.is_file():
        if not p.is_file():
            raise UsageError(f"{name}: no GGUF file at {p}")
        if not _is_gguf(p):
            raise UsageError(f"{name}: {p} is a file but not a .gguf file")
        return Source(p.parent, p.name)
    if not p.is_dir():
        raise UsageError(
            f"{name}: no checkpoint at {p} (a folder with config.json, a .gguf file, "
            "or a folder holding one)"
        )
    if (p / "config.json").is_file():
        return Source(p)
    ggufs = sorted(c.name for c in p.iterdir() if c.is_file() and _is_gguf(c))
    if not ggufs:
        raise UsageError(f"{name}: no checkpoint folder (with config.json) or .gguf file in {p}")
    if len(ggufs) > 1:
        shown = ", ".join(ggufs[:4]) + (", ..." if len(ggufs) > 4 else "")
        raise UsageError(
            f"{name}: {len(ggufs)} .gguf files in {p} ({shown}); name one, e.g. hf/{p / ggufs[0]}"
        )
    return Source(p, ggufs[0])


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_threads() -> int:
    """Torch threads when ``-M threads`` is not given: the CPUs this process may use that the
    1-minute load average leaves free, rounded up, at least one (half the CPUs where the load
    cannot be read). On a 2-core machine: 2 when it is quiet, 1 as soon as anything else runs.
    Torch's own default, every CPU, loses badly on a busy machine: `bench/local_threads.py`."""
    cpus = available_cpus()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on a Unix
        return max(1, cpus // 2)
    return max(1, min(cpus, math.ceil(cpus - load)))
