"""The engine's webhook endpoints: changing them through their account (delivery runs beside the actors)."""

from __future__ import annotations

import asyncio
from uuid import UUID

from tradeloop.actors.engine_base import EngineBase, new_reply
from tradeloop.actors.messages import ChangeWebhook
from tradeloop.core.webhooks import WebhookCommand, WebhookEndpoint


class WebhookIntentions(EngineBase):
    """Webhook endpoints, decided by their account in its turn."""

    async def change_webhook(self, account_id: UUID, command: WebhookCommand) -> WebhookEndpoint | None:
        """Change a webhook endpoint, decided by the account in its turn; the endpoint as it then stands (None: deleted).

        Raises: NotFound for an endpoint the account does not have, InvalidField for a bad URL or pattern.
        """
        reply: asyncio.Future[WebhookEndpoint | None] = new_reply()
        return await self._ask(account_id, ChangeWebhook(command=command, reply=reply), reply)
