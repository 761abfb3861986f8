"""What the API does with webhook endpoints: their secrets made and sealed here, their changes decided by the account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from tradeloop.actors.engine import Engine
from tradeloop.actors.ids import random_id
from tradeloop.core.webhooks import (
    CreateWebhook,
    DeleteWebhook,
    RotateWebhookSecret,
    UpdateWebhook,
    WebhookCommand,
    WebhookEndpoint,
    check_url,
    find_webhook,
)
from tradeloop.vault import Vault
from tradeloop.webhooks.secrets import new_secret
from tradeloop.webhooks.targets import check_target


@dataclass(frozen=True, slots=True, kw_only=True)
class WithSecret:
    """An endpoint and its secret in clear, as the owner sees it once: when it is created or its secret rotated."""

    endpoint: WebhookEndpoint
    secret: str


class Endpoints:
    """Creates, changes and deletes an account's endpoints; the secret is sealed before it reaches the account."""

    def __init__(self, engine: Engine, vault: Vault, *, allow_private: bool) -> None:
        self._engine = engine
        self._vault = vault
        self._allow_private = allow_private

    def of_account(self, account_id: UUID) -> list[WebhookEndpoint]:
        """The account's endpoints, in the order they were created."""
        return list(self._engine.account(account_id).webhooks.values())

    def get(self, account_id: UUID, webhook_id: UUID) -> WebhookEndpoint:
        """Raises: NotFound (another account's endpoint too)."""
        return find_webhook(self._engine.account(account_id).webhooks, webhook_id)

    async def create(self, account_id: UUID, url: str, events: Sequence[str], description: str) -> WithSecret:
        """Raises: InvalidField for a URL refused or a pattern naming no notification type, or too many endpoints."""
        await check_target(check_url(url), allow_private=self._allow_private)
        secret = new_secret()
        command = CreateWebhook(
            webhook_id=random_id(),
            url=url,
            events=tuple(events),
            description=description,
            secret_sealed=self._vault.seal(secret),
        )
        return WithSecret(endpoint=await self._change(account_id, command), secret=secret)

    async def update(
        self,
        account_id: UUID,
        webhook_id: UUID,
        *,
        url: str | None = None,
        events: Sequence[str] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> WebhookEndpoint:
        """Raises: NotFound; InvalidField as `create`."""
        if url is not None:
            await check_target(check_url(url), allow_private=self._allow_private)
        command = UpdateWebhook(
            webhook_id=webhook_id,
            url=url,
            events=None if events is None else tuple(events),
            description=description,
            enabled=enabled,
        )
        return await self._change(account_id, command)

    async def rotate_secret(self, account_id: UUID, webhook_id: UUID) -> WithSecret:
        """A new secret; the previous one keeps signing for a day. Raises: NotFound."""
        secret = new_secret()
        command = RotateWebhookSecret(webhook_id=webhook_id, secret_sealed=self._vault.seal(secret))
        return WithSecret(endpoint=await self._change(account_id, command), secret=secret)

    async def delete(self, account_id: UUID, webhook_id: UUID) -> None:
        """Raises: NotFound."""
        await self._engine.change_webhook(account_id, DeleteWebhook(webhook_id=webhook_id))

    async def _change(self, account_id: UUID, command: WebhookCommand) -> WebhookEndpoint:
        changed = await self._engine.change_webhook(account_id, command)
        assert changed is not None, "only a deletion leaves no endpoint"
        return changed
