"""The server's side of the journal's writing process: start it, send it frames, hear its answers and its exit, stop it.

The protocol and the process itself are in `tradeloop.snapshots.commits`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import tradeloop
from tradeloop.errors import JournalUnavailable
from tradeloop.snapshots.commits import Frames, frame

log = logging.getLogger(__name__)

EXIT_WAIT_S: Final = 30.0
"""How long `stop` waits for the writing process to finish its last transaction before killing it."""


@dataclass(frozen=True, slots=True)
class JournalEnd:
    """Where the journal on disk ends, as the writing process read it: the last record's position and hash, the last audit id."""

    seq: int
    hash: bytes
    audit_id: int


def journal_end(answer: Any) -> JournalEnd:
    """The writing process's answer about the journal's end.

    Raises:
        JournalUnavailable: the answer is an error.
    """
    if isinstance(answer, dict):
        return JournalEnd(answer["seq"], answer["hash"], answer["audit"])
    raise JournalUnavailable(describe_failure(answer))


def describe_failure(answer: list[Any]) -> str:
    """A short reason for an error answer, e.g. "disk full (SQLITE_FULL: database or disk is full)"."""
    kind, message, name = (*answer, None)[:3]
    if name is None:
        return f"{kind}: {message}"
    if name == "SQLITE_FULL":
        what = "disk full"
    elif name.startswith("SQLITE_READONLY"):
        what = "read-only filesystem"
    elif name.startswith("SQLITE_IOERR"):
        what = "I/O error"
    else:
        what = "commit failed"
    return f"{what} ({name}: {message})"


class _Pipes(asyncio.SubprocessProtocol):
    """The process's answers, frame by frame, and its exit."""

    def __init__(self, process: WritingProcess) -> None:
        self._process = process
        self._frames = Frames()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        for answer in self._frames.feed(data):
            self._process._answered(answer)

    def process_exited(self) -> None:
        self._process._exited()


class WritingProcess:
    """One run of `python -m tradeloop.snapshots.commits` on a database; a writer starts another when one dies."""

    def __init__(
        self,
        path: Path,
        *,
        synchronous: str,
        checkpoint_every_s: float,
        lock_fd: int,
        on_answer: Callable[[Any], None],
        on_exit: Callable[[int | None], None],
    ) -> None:
        """`on_answer` hears every answer after the first; `on_exit` hears an exit, after a good start, that `stop` did not ask for."""
        self._path = path
        self._synchronous = synchronous
        self._checkpoint_every_s = checkpoint_every_s
        self._lock_fd = lock_fd
        self._on_answer = on_answer
        self._on_exit = on_exit
        self._transport: asyncio.SubprocessTransport | None = None
        self._stdin: asyncio.WriteTransport | None = None
        self._ready: asyncio.Future[JournalEnd] | None = None
        self._gone: asyncio.Future[None] | None = None
        self._stopping = False

    @property
    def pid(self) -> int | None:
        """The process's id while it runs."""
        return None if self._transport is None or not self.running else self._transport.get_pid()

    @property
    def running(self) -> bool:
        return self._gone is not None and not self._gone.done()

    async def start(self) -> JournalEnd:
        """Start the process; once it has opened the database, where the journal ends.

        Raises:
            JournalUnavailable: it could not open the database, or exited first.
        """
        loop = asyncio.get_running_loop()
        self._ready, self._gone = loop.create_future(), loop.create_future()
        self._transport, _ = await loop.subprocess_exec(
            lambda: _Pipes(self),
            sys.executable,
            "-m",
            "tradeloop.snapshots.commits",
            str(self._path),
            self._synchronous,
            str(self._checkpoint_every_s),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=None,
            pass_fds=(self._lock_fd,),
            env=_child_environment(),
        )
        self._stdin = self._transport.get_pipe_transport(0)  # type: ignore[assignment]
        return await self._ready

    def send(self, body: object) -> None:
        """Send one frame: a batch to commit, or `None` to ask where the journal ends."""
        assert self._stdin is not None, "the writing process is not started"
        self._stdin.write(frame(body))

    async def stop(self) -> None:
        """End the process's input and wait for it to exit (it finishes the transaction in hand); kill it past `EXIT_WAIT_S`."""
        transport, gone = self._transport, self._gone
        if transport is None or gone is None:
            return
        self._stopping = True
        if self._stdin is not None:
            self._stdin.close()
        try:
            await asyncio.wait_for(asyncio.shield(gone), EXIT_WAIT_S)
        except TimeoutError:
            log.error("the journal's writing process did not exit in %g s; killing it", EXIT_WAIT_S)
            transport.kill()
            await gone
        transport.close()
        self._transport = self._stdin = None

    def _answered(self, answer: Any) -> None:
        assert self._ready is not None
        if self._ready.done():
            self._on_answer(answer)
            return
        try:
            self._ready.set_result(journal_end(answer))
        except JournalUnavailable as exc:
            self._ready.set_exception(JournalUnavailable(f"cannot open {self._path}: {exc}"))

    def _exited(self) -> None:
        assert self._gone is not None and self._ready is not None and self._transport is not None
        code = self._transport.get_returncode()
        if not self._gone.done():
            self._gone.set_result(None)
        if not self._ready.done():
            self._ready.set_exception(JournalUnavailable(f"writing process exited (status {code})"))
        elif not self._stopping and not self._ready.cancelled() and self._ready.exception() is None:
            # An exit after a failed start was reported by the start: the writer never took this process on.
            self._on_exit(code)


def _child_environment() -> dict[str, str]:
    """The server's environment, with the folder tradeloop is imported from first on the path."""
    root = str(Path(tradeloop.__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root if not path else os.pathsep.join((root, path))}
