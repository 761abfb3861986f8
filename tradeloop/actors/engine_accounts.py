"""The engine's accounts: opening one with its key pair, authenticating a key, and the account's own intentions
beside trading (cash in and out, events decided outside it)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from tradeloop.actors.account import AccountActor
from tradeloop.actors.engine_base import EngineBase, new_reply
from tradeloop.actors.ids import IdSource
from tradeloop.actors.messages import AdjustCash, RecordEvents
from tradeloop.core.accounts import AccountState, open_account
from tradeloop.core.events import AccountEvent, AccountOpened, CashAdjusted
from tradeloop.core.money import ZERO
from tradeloop.errors import InvalidField, Unauthorized
from tradeloop.security import hash_secret, new_key_id, new_secret, verify_secret


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """A new account's key pair; the secret is shown once and never stored."""

    account_id: UUID
    key_id: str
    secret_key: str


class AccountIntentions(EngineBase):
    """Accounts and their keys; cash and recorded events, journaled and applied by the account in its turn."""

    _ids: IdSource
    _keys: dict[str, UUID]

    def _spawn(self, state: AccountState) -> AccountActor:
        """Give an account its actor and its key (the engine's: it holds what an actor is given)."""
        raise NotImplementedError

    async def open_account(
        self, cash: Decimal, *, key_id: str | None = None, secret_key: str | None = None
    ) -> Credentials:
        """Open an account with its first key pair; the event is journaled before return."""
        if cash < ZERO:
            raise InvalidField("cash", "must not be negative")
        key_id = key_id or new_key_id()
        if key_id in self._keys:
            raise InvalidField("key_id", "already in use")
        self.check_journal_writes()
        secret_key = secret_key or new_secret()
        event = AccountOpened(
            account_id=self._ids.random_id(),
            account_number="PA" + "".join(secrets.choice("0123456789") for _ in range(10)),
            key_id=key_id,
            secret_hash=hash_secret(secret_key),
            cash=cash,
            created_at=self._clock(),
        )
        try:
            await self._journal.write(event.account_id, [event])
        finally:  # a write that failed is kept by the journal, to be committed once it writes again
            self._spawn(open_account(event))
        return Credentials(account_id=event.account_id, key_id=key_id, secret_key=secret_key)

    def authenticate(self, key_id: str, secret_key: str) -> AccountState:
        """Raises: Unauthorized for an unknown key or a wrong secret."""
        account_id = self._keys.get(key_id)
        if account_id is not None:
            state = self._accounts[account_id].state
            if verify_secret(secret_key, state.secret_hash):
                return state
        else:
            verify_secret(secret_key, hash_secret("", "0" * 32))  # same work either way
        raise Unauthorized("request is not authorized")

    def rekey(self, account_id: UUID, old_key_id: str, new_key_id: str) -> None:
        """Point authentication at an account's new key id; the old one stops working at once."""
        self._keys.pop(old_key_id, None)
        self._keys[new_key_id] = account_id

    async def record(self, account_id: UUID, events: Sequence[AccountEvent]) -> None:
        """Have an account journal and apply events decided outside it (administration)."""
        reply: asyncio.Future[None] = new_reply()
        await self._ask(account_id, RecordEvents(events=tuple(events), reply=reply), reply)

    async def adjust_cash(self, account_id: UUID, amount: Decimal, description: str) -> CashAdjusted:
        """Deposit or withdraw cash, decided by the account against its buying power."""
        reply: asyncio.Future[CashAdjusted] = new_reply()
        return await self._ask(account_id, AdjustCash(amount=amount, description=description, reply=reply), reply)
