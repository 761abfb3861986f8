"""Secrets at rest: a master key kept apart from the database encrypts what must be recoverable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from cryptography.fernet import Fernet, InvalidToken

MASTER_KEY_FILE: Final = "master.key"


class VaultError(RuntimeError):
    """The master key is missing, unreadable, or does not open the stored secrets."""


def load_master_key(configured: str | None, data_dir: Path) -> bytes:
    """The configured master key, else the key file beside the database (created 0600 on first use).

    Raises:
        VaultError: the key file exists but is not a key, or is readable by others.
    """
    if configured is not None:
        return configured.encode()
    path = data_dir / MASTER_KEY_FILE
    if not path.exists():
        key = Fernet.generate_key()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
    if path.stat().st_mode & 0o077:
        raise VaultError(f"{path} must be readable by its owner only (chmod 600 {path})")
    key = path.read_bytes().strip()
    try:
        Fernet(key)
    except ValueError:
        raise VaultError(f"{path} does not hold a valid master key") from None
    return key


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
