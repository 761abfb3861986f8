"""Secrets at rest: a master key kept apart from the database encrypts what must be recoverable."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Final

from cryptography.fernet import Fernet, InvalidToken

from tradeloop.errors import StartupFailure
from tradeloop.snapshots.files import write_durably

MASTER_KEY_FILE: Final = "master.key"
_KEY_LENGTH: Final = 44
"""Characters of a Fernet key: 32 bytes in url-safe base64."""
_KEY_ALPHABET: Final = frozenset((string.ascii_letters + string.digits + "-_=").encode())


class VaultError(StartupFailure):
    """The master key is missing, unreadable, or does not open the stored secrets."""


def load_master_key(configured: str | None, data_dir: Path) -> bytes:
    """The configured master key, else the key file beside the database (created 0600 and synced on first use).

    Raises:
        VaultError: the key file exists but is empty, partial or not a key, or is readable by others;
            or a new one could not be written (then nothing is left in its place).
    """
    if configured is not None:
        return configured.encode()
    path = data_dir / MASTER_KEY_FILE
    if not path.exists():
        key = Fernet.generate_key()
        try:
            # On disk before anything is sealed with it: a key lost to a crash would lock those secrets away.
            write_durably(path, key, 0o600, exclusive=True)
        except FileExistsError:
            pass  # another process created it meanwhile: use that one
        except OSError as exc:
            raise VaultError(f"cannot write the master key to {path}: {exc.strerror or exc}") from None
        else:
            return key
    if path.stat().st_mode & 0o077:
        raise VaultError(f"{path} must be readable by its owner only (chmod 600 {path})")
    key = path.read_bytes().strip()
    try:
        Fernet(key)
    except ValueError:
        raise VaultError(_invalid_key_message(path, key)) from None
    return key


def _invalid_key_message(path: Path, content: bytes) -> str:
    """Why `content` is not a key, telling an empty or cut-short file (a crash while it was written) from others."""
    if content and (len(content) >= _KEY_LENGTH or not set(content) <= _KEY_ALPHABET):
        return f"{path} does not hold a valid master key"
    found = "is empty" if not content else f"holds only {len(content)} of a master key's {_KEY_LENGTH} characters"
    return (
        f"{path} {found}: it was probably left by a crash while the server first wrote it. "
        "Restore it from a backup (or set TRADELOOP_MASTER_KEY to the key). If the key is lost, delete the file: "
        "the next start makes a new one, and if that start refuses the stored admin credentials (sealed with "
        "the lost key), set TRADELOOP_ADMIN_KEY and TRADELOOP_ADMIN_TOTP_SECRET."
    )


class Vault:
    """Encrypts and decrypts small secrets with the master key (Fernet: AES-128-CBC + HMAC-SHA256)."""

    def __init__(self, master_key: bytes) -> None:
        self._fernet = Fernet(master_key)

    def seal(self, secret: str) -> bytes:
        return self._fernet.encrypt(secret.encode())

    def open(self, sealed: bytes) -> str:
        """Raises: VaultError when the master key does not match."""
        try:
            return self._fernet.decrypt(sealed).decode()
        except InvalidToken:
            raise VaultError("stored secrets do not open with this master key") from None
