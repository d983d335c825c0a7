"""Writing the leaderboard folder atomically.

The files are written into a fresh folder beside the target, then swapped in: on Linux with one
``renameat2(RENAME_EXCHANGE)`` call (the target is never missing), elsewhere with two renames,
the old folder kept aside until the new one is in place. A regeneration killed at any moment
leaves the previous leaderboard whole; the next one removes the leftovers (and puts the old
folder back, should a kill have fallen between the two renames). A lock file keeps two
regenerations of the same folder from overlapping.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from stratlens.errors import UsageError

#: Seconds to pause after each file (and announce it on stderr); for tests of interruption.
PAUSE_ENV = "STRATLENS_LEADERBOARD_PAUSE_S"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class FolderWriter:
    """Writes files under one folder, in the order given, and remembers them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[str] = []
        self._pause = float(os.environ.get(PAUSE_ENV) or 0.0)

    def write(self, relpath: str, data: bytes | str) -> None:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.files.append(relpath)
        if self._pause > 0:
            print(f"leaderboard: wrote {relpath}", file=sys.stderr, flush=True)
            time.sleep(self._pause)


def check_target(out: Path) -> None:
    """`UsageError` unless ``out`` is, or can become, a folder we may write beside."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    parent = out.absolute().parent
    existing = parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write the leaderboard beside {out}: {existing} is not writable")


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _recover(out: Path) -> None:
    """Undo what an interrupted regeneration left beside ``out``."""
    parent = out.parent
    olds = sorted(parent.glob(f".{out.name}.old-*"))
    if not out.exists() and olds:
        os.rename(olds[-1], out)
        olds = olds[:-1]
    for leftover in [*olds, *parent.glob(f".{out.name}.tmp-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    lock = out.parent / f".{out.name}.lock"
    with open(lock, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def publish(out: Path, fill: Callable[[FolderWriter], None]) -> list[str]:
    """Write the folder ``out`` with ``fill`` and swap it in; return the files written."""
    out = out.absolute()
    check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        _recover(out)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        try:
            os.chmod(tmp, 0o755)
            writer = FolderWriter(tmp)
            fill(writer)
            if not out.exists():
                os.rename(tmp, out)
                return writer.files
            if not _exchange(tmp, out):
                old = out.parent / f".{out.name}.old-{os.getpid()}"
                os.rename(out, old)
                os.rename(tmp, out)
                tmp = old
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return writer.files
