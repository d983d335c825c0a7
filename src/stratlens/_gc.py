"""A run's garbage collection: the heap that exists before the run is left out of it.

With litellm, OpenSpiel and pandas imported, the process holds some 400,000 objects. Every
full collection of Python's cyclic garbage collector walks all of them, 100 to 250 ms on this
project's 2-core machine, and while it runs the event loop stands still: every request in
flight waits, and throughput against a fast server falls by a tenth (`bench/concurrency.py`).
`frozen_heap` moves the objects alive at its start into the collector's permanent generation
(``gc.freeze``) for the duration of the block, so full collections only walk what the run
itself allocates. On leaving the block they go back to the oldest generation: nothing that
was or became garbage meanwhile is kept for good.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Leave the objects alive now out of garbage collection while the block runs (nestable)."""
    global _depth
    if _depth == 0:
        gc.freeze()  # constant time: the generations' lists are moved, not walked
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            gc.unfreeze()
