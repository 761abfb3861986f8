"""Files written whole or not at all: under a failing fsync or rename the target keeps its old content."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tradeloop.snapshots.files import sync_directory, write_durably


def failing(name: str) -> Callable[..., None]:
    def fail(*args: object) -> None:
        raise OSError(errno.EIO, f"{name}: Input/output error")

    return fail


def names_in(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def test_writes_the_content_with_the_mode_and_leaves_only_the_target(tmp_path: Path) -> None:
    target = tmp_path / "secret"
    write_durably(target, b"new content", 0o600)
    assert target.read_bytes() == b"new content"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert names_in(tmp_path) == ["secret"]


def test_replaces_an_existing_file_and_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "secret"
    target.write_bytes(b"old content that is longer")
    target.chmod(0o644)
    write_durably(target, b"new", 0o640)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert names_in(tmp_path) == ["secret"]


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_failed_step_leaves_the_old_content_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    target = tmp_path / "secret"
    target.write_bytes(b"old")
    monkeypatch.setattr(os, step, failing(step))
    with pytest.raises(OSError, match="Input/output error"):
        write_durably(target, b"new")
    assert target.read_bytes() == b"old"
    assert names_in(tmp_path) == ["secret"]


@pytest.mark.parametrize("step", ["fsync", "replace", "link"])
def test_a_failed_first_write_leaves_no_file_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    """Never an empty or partial file where the new one was to be: the next start sees no file and begins anew."""
    monkeypatch.setattr(os, step, failing(step))
    with pytest.raises(OSError, match="Input/output error"):
        write_durably(tmp_path / "secret", b"new", exclusive=step == "link")
    assert names_in(tmp_path) == []


def test_the_file_is_synced_before_the_rename_and_the_directory_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "secret"
    synced: list[tuple[str, bytes | None]] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        kind = "directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        synced.append((kind, target.read_bytes() if target.exists() else None))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    write_durably(target, b"new")
    assert synced == [("file", None), ("directory", b"new")]


def test_exclusive_refuses_an_existing_file_and_keeps_it(tmp_path: Path) -> None:
    target = tmp_path / "secret"
    write_durably(target, b"first", exclusive=True)
    with pytest.raises(FileExistsError):
        write_durably(target, b"second", exclusive=True)
    assert target.read_bytes() == b"first"
    assert names_in(tmp_path) == ["secret"]


def test_sync_directory_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        sync_directory(tmp_path / "missing")
