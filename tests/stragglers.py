"""A pytest plugin that fails the run, naming them, when threads the tests started outlive the tests.

Python waits for every non-daemon thread before it exits, so such a thread means something opened was never
closed. Under pytest-xdist each worker checks its own threads and hands what it found to the controller, which
fails the run: a worker's own exit status does not reach the controller.
"""

from __future__ import annotations

import faulthandler
import sys
import threading
import time
from typing import Any, Final

import pytest

THREAD_JOIN_S: Final = 5.0
"""How long the run waits in all for threads still finishing (executors a closed loop shut down) before failing."""
EXIT_WATCHDOG_S: Final = 30.0
"""How long Python may then wait for them at exit before every thread's stack is dumped and the process ends (status 1)."""
WORKER_KEY: Final = "tradeloop_stragglers"
"""The entry of an xdist worker's output that carries its message to the controller."""
FOUND: Final = pytest.StashKey[list[str]]()
"""The controller's messages from its workers."""


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object | None) -> None:
    """Keep a finished xdist worker's message about its stragglers, for the controller's end of the run."""
    message = getattr(node, "workeroutput", {}).get(WORKER_KEY)
    if message:
        node.config.stash.setdefault(FOUND, []).append(f"{node.gateway.id}: {message}")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when threads outlive the tests here, or did in a worker."""
    deadline = time.monotonic() + THREAD_JOIN_S
    for thread in _stragglers():
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    alive = _stragglers()
    from_workers: list[str] = session.config.stash.get(FOUND, [])
    messages = list(from_workers)
    if alive:
        names = ", ".join(thread.name for thread in alive)
        message = (
            f"threads still running {THREAD_JOIN_S:g} s after the tests (something opened was never closed): {names}; "
            f"the run fails, and ends within {EXIT_WATCHDOG_S:g} s if they keep Python from exiting"
        )
        worker_output: dict[str, Any] | None = getattr(session.config, "workeroutput", None)
        if worker_output is not None:
            worker_output[WORKER_KEY] = message  # this worker's report is not shown: the controller says it
        else:
            messages.append(message)
    for message in messages:
        _report(session, message)
    if messages and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if alive:
        # Python joins every non-daemon thread before it exits, and one whose owner is still held (an open journal
        # writer, held by its writing process's pipes) never ends: show where each thread waits rather than hang.
        faulthandler.dump_traceback_later(EXIT_WATCHDOG_S, exit=True, file=sys.__stderr__ or sys.stderr)


def _report(session: pytest.Session, message: str) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write("\n")
        reporter.write_sep("!", message, red=True)
    else:
        sys.stderr.write(f"\n{message}\n")


def _stragglers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
