"""The master key file: written whole and synced before use, and a damaged one refused with a clear reason."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tradeloop.vault import MASTER_KEY_FILE, VaultError, load_master_key


def test_a_new_key_file_is_synced_then_its_directory_before_the_key_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / MASTER_KEY_FILE
    synced: list[tuple[str, bytes | None]] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        kind = "directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        synced.append((kind, path.read_bytes() if path.exists() else None))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    key = load_master_key(None, tmp_path)
    # The key's bytes are synced under another name, then the directory that holds them as master.key.
    assert synced == [("file", None), ("directory", key)]
    assert path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [MASTER_KEY_FILE]
    assert load_master_key(None, tmp_path) == key


def test_a_key_file_that_cannot_be_synced_is_not_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk error while the key is first written stops start-up and leaves no file, rather than an empty one."""

    def fail(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(VaultError, match=f"cannot write the master key to {tmp_path / MASTER_KEY_FILE}"):
        load_master_key(None, tmp_path)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    Fernet(load_master_key(None, tmp_path))


def test_a_key_file_created_by_another_process_meanwhile_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = Fernet.generate_key()
    real_link = os.link

    def link_after_them(source: str, target: str) -> None:
        Path(target).write_bytes(theirs)
        Path(target).chmod(0o600)
        real_link(source, target)

    monkeypatch.setattr(os, "link", link_after_them)
    assert load_master_key(None, tmp_path) == theirs
    assert [p.name for p in tmp_path.iterdir()] == [MASTER_KEY_FILE]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "is empty"),
        (b"\n", "is empty"),
        (Fernet.generate_key()[:20], "holds only 20 of a master key's 44 characters"),
    ],
    ids=["empty", "newline", "cut-short"],  # a random key in an id would differ between pytest-xdist's workers
)
def test_an_empty_or_cut_short_key_file_is_named_with_its_likely_cause(
    tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / MASTER_KEY_FILE
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(VaultError) as raised:
        load_master_key(None, tmp_path)
    message = str(raised.value)
    assert f"{path} {says}" in message
    assert "crash" in message and "TRADELOOP_MASTER_KEY" in message and "delete the file" in message
    assert path.read_bytes() == content  # never replaced: secrets may be sealed with the lost key


@pytest.mark.parametrize("content", [b"x" * 44, b"not a key!"])
def test_a_key_file_holding_something_else_is_not_blamed_on_a_crash(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / MASTER_KEY_FILE
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(VaultError, match="does not hold a valid master key") as raised:
        load_master_key(None, tmp_path)
    assert "crash" not in str(raised.value)


def test_a_configured_key_writes_no_file(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    assert load_master_key(key.decode(), tmp_path) == key
    assert list(tmp_path.iterdir()) == []
