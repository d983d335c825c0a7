"""Running a coroutine to its end from synchronous code, also inside a running event loop.

``asyncio.run`` refuses to start where a loop is already running (a Jupyter notebook, an
async web handler). There the coroutine runs on a loop of its own in a worker thread, and the
caller waits for it; elsewhere it is plain ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(work: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(work)``, or the same in a worker thread when a loop is running here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(1, thread_name_prefix="stratlens-run") as pool:
        return pool.submit(asyncio.run, work).result()
