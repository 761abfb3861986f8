"""One writer per database: an exclusive lock on the file beside it, shared with the journal's writing process.

`flock` locks belong to an open file, not to a process: the journal's writing
process inherits the server's descriptor, so the lock lasts until both have
exited. A server started again right after `kill -9` waits here until the old
writing process has committed its last batch and gone, and only then reads the
journal; two servers on one data directory cannot both write it.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from pathlib import Path
from typing import Final

from tradeloop.errors import StartupFailure

WAIT_S: Final = 10.0
"""How long to wait for a previous writer to exit: it finishes the one transaction in hand."""
_POLL_S: Final = 0.02


class DatabaseBusy(StartupFailure):
    """Another process holds the database's lock; start-up stops."""


class DatabaseLock:
    """An exclusive `flock` on `<database>.lock`."""

    def __init__(self, database: Path) -> None:
        self.path = Path(f"{database}.lock")
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def fileno(self) -> int:
        if self._fd is None:
            raise RuntimeError(f"{self.path} is not locked")
        return self._fd

    async def acquire(self, wait_s: float | None = None) -> None:
        """Take the lock, waiting up to `wait_s` (default `WAIT_S`) for its holder to let go.

        Raises:
            DatabaseBusy: it is still held after `wait_s`.
        """
        if self._fd is not None:
            return
        wait_s = WAIT_S if wait_s is None else wait_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise DatabaseBusy(
                        f"{self.path.with_suffix('')} is in use by another tradeloop process (waited {wait_s:g} s for {self.path})"
                    ) from None
                await asyncio.sleep(_POLL_S)
            else:
                self._fd = fd
                return

    def release(self) -> None:
        """Let go of this process's hold; a writing process that inherited it keeps it until it exits."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
