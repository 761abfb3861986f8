"""`python -m bench --profile`: py-spy's raw stacks summed per thread, and the profiler's own plumbing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import profiling
from bench.__main__ import parse_args

SERVER = 'process 10:"python -m tradeloop serve --port 0"'
WRITER = 'process 11:"python -m tradeloop.snapshots.commits db NORMAL 1.0"'
LOOP = "thread (10): MainThread;<module> (__main__.py:1);run_forever (base_events.py:600);_run_once (base_events.py:1900)"
RAW = [
    f"{SERVER};{LOOP};Handle._run (events.py:80);place_order (orders.py:47);encode (codec.py:10) 6",
    f"{SERVER};{LOOP};Handle._run (events.py:80);place_order (orders.py:48) 2",
    f"{SERVER};{LOOP};EpollSelector.select (selectors.py:468) 2",
    f"{SERVER};thread (12): reader;Thread._bootstrap (threading.py:995);_worker (thread.py:81) 5",
    f"{SERVER};{WRITER};thread (11): MainThread;<module> (commits.py:1);serve (commits.py:200);commit (commits.py:120) 3",
    f"{SERVER};{WRITER};thread (11): MainThread;<module> (commits.py:1);serve (commits.py:200) 1",
    "a line that is not a stack",
    "",
]


def test_samples_are_summed_per_thread_of_each_process() -> None:
    profiles = {profile.thread: profile for profile in profiling.summarize(RAW)}

    assert sorted(profiles) == [
        "process 10 (python -m tradeloop serve --port 0) / thread MainThread",
        "process 10 (python -m tradeloop serve --port 0) / thread reader",
        "process 11 (python -m tradeloop.snapshots.commits db NORMAL 1.0) / thread MainThread",
    ]
    loop = profiles["process 10 (python -m tradeloop serve --port 0) / thread MainThread"]
    assert loop.samples == 10
    # place_order counts once per stack whatever line it was on; the spine every stack passes through is left out.
    assert loop.top == [
        ("Handle._run (events.py)", 0.8),
        ("place_order (orders.py)", 0.8),
        ("encode (codec.py)", 0.6),
        ("EpollSelector.select (selectors.py)", 0.2),
    ]
    writer = profiles["process 11 (python -m tradeloop.snapshots.commits db NORMAL 1.0) / thread MainThread"]
    # `serve` is on every stack, but one sample in four caught it at work itself: it is not spine.
    assert (writer.samples, writer.top) == (4, [("serve (commits.py)", 1.0), ("commit (commits.py)", 0.75)])


def test_threads_are_listed_busiest_first_and_the_summary_reads_as_text() -> None:
    profiles = profiling.summarize(RAW, limit=1)

    assert [profile.samples for profile in profiles] == [10, 5, 4]
    assert profiles[0].text().splitlines() == [
        "process 10 (python -m tradeloop serve --port 0) / thread MainThread: 10 samples",
        "   80.0%  Handle._run (events.py)",
    ]


def test_stacks_of_a_single_process_without_threads_are_summed_as_one() -> None:
    (profile,) = profiling.summarize(["main (a.py:1);work (a.py:5) 3", "main (a.py:1);idle (a.py:9) 1"])

    assert (profile.thread, profile.samples, profile.top) == ("sampled process", 4, [("work (a.py)", 0.75), ("idle (a.py)", 0.25)])


def test_profiling_is_off_unless_configured(tmp_path: Path) -> None:
    profiling.configure(None)
    with profiling.recording(1, "nothing"):
        pass
    assert not profiling.enabled()
    assert list(tmp_path.iterdir()) == []


def test_asking_for_profiles_without_py_spy_is_refused(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(profiling, "py_spy", lambda: None)

    with pytest.raises(SystemExit) as exited:
        parse_args(["--profile", "profiles"])

    assert exited.value.code == 2
    assert "--profile needs py-spy: pip install -e .[bench]" in capsys.readouterr().err


@pytest.mark.skipif(profiling.py_spy() is None, reason="py-spy is in the bench extra")
def test_a_recording_finds_where_a_process_spends_its_time(tmp_path: Path) -> None:
    busy = "def spin_in_a_known_place():\n    while True:\n        sum(range(1000))\nspin_in_a_known_place()\n"
    child = subprocess.Popen([sys.executable, "-c", busy])
    try:
        profiling.configure(tmp_path)
        with profiling.recording(child.pid, "busy"):
            time.sleep(1.0)
    finally:
        profiling.configure(None)
        child.kill()
        child.wait()

    top_file = tmp_path / "busy.top.txt"
    if not top_file.exists():
        pytest.skip("py-spy may not read another process here (ptrace not permitted)")
    assert (tmp_path / "busy.txt").read_text().strip()
    assert "spin_in_a_known_place (<string>)" in top_file.read_text()
