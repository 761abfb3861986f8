"""A run whose tests leave a thread running fails naming it, run in one process or on pytest-xdist's workers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEAKY_CONFTEST = """
import threading

released = threading.Event()


def pytest_unconfigure(config):
    released.set()  # after the check has run: the thread ends, and Python exits at once
"""
LEAKY_TEST = """
import threading

from conftest import released


def test_leaves_a_thread_running():
    threading.Thread(target=released.wait, name="left-running").start()
"""


@pytest.mark.parametrize("mode", [[], ["-p", "xdist", "-n", "1"]], ids=["one-process", "xdist"])
def test_a_thread_left_running_fails_the_run_and_is_named(tmp_path: Path, mode: list[str]) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    (tmp_path / "conftest.py").write_text(LEAKY_CONFTEST)
    (tmp_path / "test_leaky.py").write_text(LEAKY_TEST)
    # The installed plugins (hypothesis, schemathesis, ...) take seconds to load and play no part here.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    command = [sys.executable, "-m", "pytest", "-p", "tests.stragglers", *mode, "test_leaky.py"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert "1 passed" in done.stdout, done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout + done.stderr
    assert "threads still running 5 s after the tests" in done.stdout and "left-running" in done.stdout
