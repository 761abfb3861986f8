"""Small files written whole or not at all: what start-up needs beside the database, such as the master key.

A file written in place can be left empty or cut short by a crash or a disk
error (ext4 allocates a new file's blocks later than its name), and a renamed
file is only durable once its directory is. So a file is written under a
temporary name in the same directory, flushed and fsynced, renamed over the
target, and the directory fsynced: the target holds the old content or the
new one, never a part.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_durably(path: Path, data: bytes, mode: int = 0o600, *, exclusive: bool = False) -> None:
    """Put `data` in `path` (permissions `mode`) and on disk before returning; a failure leaves `path` as it was.

    With `exclusive`, `path` must not exist yet (the rename is a hard link, which refuses an existing name),
    so of two processes creating the same file, one gets FileExistsError and the file holds the other's data.

    Raises:
        FileExistsError: `exclusive` and `path` exists.
        OSError: a step failed; the temporary file is gone. Only a failure of the directory's fsync,
            the last step, comes after `path` already holds the new data (maybe not yet on disk).
    """
    directory = path.parent
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with open(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(temporary, path)
            os.unlink(temporary)
        else:
            os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    sync_directory(directory)


def sync_directory(directory: Path) -> None:
    """fsync a directory, so that the names created, renamed or removed in it are on disk.

    Raises:
        OSError: the directory cannot be opened or synced.
    """
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
