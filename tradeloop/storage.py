"""The data directory: its database, recovery at start-up (before the engine is built), the journal's lifetime, stored admin secrets."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Final

import msgpack
import pyotp

from tradeloop.actors.engine import HALTED_META, stored_halts
from tradeloop.config import Settings
from tradeloop.core.accounts import AccountState
from tradeloop.errors import JournalUnavailable
from tradeloop.http.admin.gate import TOTP_STEP_META, AdminGate, admin_key_digest
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.snapshots.lock import DatabaseLock
from tradeloop.snapshots.meta import read_meta, write_meta
from tradeloop.snapshots.recovery import recover
from tradeloop.vault import Vault, load_master_key

log = logging.getLogger(__name__)

DATABASE_FILE: Final = "tradeloop.db"
_ADMIN_META: Final = "admin"


class JournalFailed(JournalUnavailable):
    """The journal could not write when the server stopped; its closing logged what was not committed."""


@dataclass(frozen=True, slots=True)
class AdminSecrets:
    """The admin key's digest and the TOTP secret; the clear key only when just generated (to show once)."""

    key_digest: bytes = field(repr=False)
    totp_secret: str = field(repr=False)
    generated_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Stored:
    """What the data directory holds at start-up, for the engine to be built with: the open journal and what it recovered."""

    journal: JournalWriter
    accounts: Sequence[AccountState]
    halted: dict[str, str]


class Storage:
    """Everything that lives in the data directory."""

    def __init__(self, settings: Settings) -> None:
        self.data_dir = settings.data_dir
        self.path = settings.data_dir / DATABASE_FILE
        self._settings = settings
        self.vault = Vault(load_master_key(settings.master_key, settings.data_dir))

    def admin_secrets(self) -> AdminSecrets:
        """Configured admin credentials; else the stored ones; else new ones, stored (sealed) and shown once."""
        settings = self._settings
        if settings.admin_key is not None and settings.admin_totp_secret is not None:
            return AdminSecrets(admin_key_digest(settings.admin_key), settings.admin_totp_secret)
        stored = read_meta(self.path, _ADMIN_META)
        if stored is not None:
            record = msgpack.unpackb(stored)
            return AdminSecrets(record["key_digest"], self.vault.open(record["totp_sealed"]))
        key, totp_secret = secrets.token_urlsafe(32), pyotp.random_base32()
        digest = admin_key_digest(key)
        sealed = self.vault.seal(totp_secret)
        write_meta(self.path, _ADMIN_META, msgpack.packb({"key_digest": digest, "totp_sealed": sealed}))
        return AdminSecrets(digest, totp_secret, generated_key=key)

    @asynccontextmanager
    async def open(self, admin_gate: AdminGate | None = None) -> AsyncIterator[Stored]:
        """Lock the database, recover accounts and halts, open the journal; on the way out close the journal, then unlock.

        What it yields is what the engine is built with. The admin gate, when given, gets back the
        last TOTP step that opened a session, so no code is accepted twice.

        The lock comes first: a writing process of a server that was killed may still be finishing its
        last commit, and recovery must read the journal after it.

        Raises:
            StartupFailure: the database is locked by another server (DatabaseBusy) or damaged (CorruptData).
            JournalFailed: on the way out, when the journal was failing to write at the end.
        """
        loop = asyncio.get_running_loop()
        lock = DatabaseLock(self.path)
        await lock.acquire()
        try:
            recovered = await loop.run_in_executor(None, recover, self.path)
            halts = await loop.run_in_executor(None, read_meta, self.path, HALTED_META)
            if admin_gate is not None:
                admin_gate.restore(await loop.run_in_executor(None, read_meta, self.path, TOTP_STEP_META))
            log.info(
                "recovered %d accounts from %s (%d journal records replayed, journal at %d)",
                len(recovered.accounts),
                self.path,
                recovered.replayed_records,
                recovered.last_seq,
            )
            writer = JournalWriter(
                self.path,
                fsync=self._settings.fsync,
                last_seq=recovered.last_seq,
                last_hash=recovered.last_hash,
                lock=lock,
            )
            await writer.open()
            try:
                yield Stored(journal=writer, accounts=tuple(recovered.accounts.values()), halted=stored_halts(halts))
            finally:
                unwritten = await writer.close()
            if unwritten is not None:
                raise JournalFailed(f"the journal could not write; {unwritten} records were not committed")
        finally:
            lock.release()
