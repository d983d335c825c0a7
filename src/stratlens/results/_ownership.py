"""Who plays an episode: owners and their leases.

An episode that is being played has an *owner* (an id, with the host and process that hold
it) and a *lease*: a time until which the owner is known to be alive. A live owner renews its
leases (`LeaseKeeper`, a thread); an owner that ends releases them. While a lease is live, no
other owner may restart the episode, add a decision to it or finish it. A lease is dead once it
has expired, or at once when its process is on this host and no longer exists (a process
killed with SIGKILL cannot release its leases; the next run on the same machine need not wait).

The owner is a value passed in, not read from ``os.getpid()`` where it is used, so that a
driver may hold leases on behalf of workers it schedules elsewhere.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from types import TracebackType

    from stratlens.results.store import Store

#: Seconds a lease lasts unless renewed; a live runner renews it every third of that.
DEFAULT_LEASE_S = 30.0


def this_host() -> str:
    return socket.gethostname()


@dataclass(frozen=True)
class Owner:
    """Who plays: ``id`` is unique to one runner; ``host`` and ``pid`` say where it runs."""

    id: str
    host: str
    pid: int

    @classmethod
    def here(cls, *, pid: int | None = None, host: str | None = None) -> Owner:
        """A new owner for this process (or for ``pid`` on ``host``), with a fresh id."""
        pid = os.getpid() if pid is None else int(pid)
        host = this_host() if host is None else host
        return cls(f"{host}/{pid}/{secrets.token_hex(6)}", host, pid)

    def describe(self) -> str:
        return f"pid {self.pid} on host {self.host}"


@dataclass(frozen=True)
class Holder:
    """The owner of an episode as the store has it, and when its lease ends (epoch seconds)."""

    owner: str
    host: str
    pid: int
    until: float

    def describe(self) -> str:
        return f"pid {self.pid} on host {self.host}"


@dataclass(frozen=True)
class Claim:
    """What asking for an episode gave: it is ours now, done already, or owned by a live
    owner (``holder``)."""

    status: Literal["claimed", "done", "owned"]
    holder: Holder | None = None


class LeaseError(ValueError):
    """An episode is owned by someone else: it cannot be restarted, written or finished."""

    def __init__(self, episode_id: str, holder: Holder | None) -> None:
        who = holder.describe() if holder is not None else "no live owner"
        super().__init__(f"episode {episode_id!r} is being played by another owner ({who})")
        self.episode_id = episode_id
        self.holder = holder


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    except OSError:
        return False
    return True


def lease_live(holder: Holder | None, now: float | None = None) -> bool:
    """Whether ``holder``'s lease still holds: not expired, and its process not known dead."""
    if holder is None:
        return False
    if holder.until <= (time.time() if now is None else now):
        return False
    return not (holder.host == this_host() and not pid_alive(holder.pid))


def holder_of(row: tuple[Any, ...]) -> Holder | None:
    """A `Holder` from ``(owner, owner_host, owner_pid, lease_until)`` columns (None: unowned)."""
    owner, host, pid, until = row
    if owner is None or until is None:
        return None
    return Holder(str(owner), str(host or ""), int(pid or 0), float(until))


def check_owner(episode_id: str, row: tuple[Any, ...], owner: Owner) -> None:
    """Raise `LeaseError` unless ``owner`` holds the episode (``row`` as for `holder_of`)."""
    if row[0] != owner.id:
        holder = holder_of(row)
        raise LeaseError(episode_id, holder if lease_live(holder) else None)


class LeaseKeeper:
    """Renews ``owner``'s leases in a thread while the block runs, and releases them after.

    A thread, not a task of the event loop, so that a loop kept busy (a local model) does
    not let the leases lapse. Renewal failures (the store busy) are retried at the next tick.
    """

    def __init__(self, store: Store, owner: Owner, lease_s: float = DEFAULT_LEASE_S) -> None:
        if not lease_s > 0:
            raise ValueError(f"a lease lasts a positive number of seconds, not {lease_s}")
        self.store, self.owner, self.lease_s = store, owner, float(lease_s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="stratlens-lease", daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                self.store.renew_leases(self.owner, self.lease_s)
            except sqlite3.Error:
                continue

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        try:
            self.store.release_leases(self.owner)
        except sqlite3.Error:  # the leases lapse on their own
            if exc is None:
                raise
