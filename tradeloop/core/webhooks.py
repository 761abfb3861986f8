"""Webhook endpoints as account state: where an account's notifications are sent, which ones, and the secret that signs them.

The secret is kept sealed (encrypted with the server's master key before it
reaches the account), so neither the journal nor a snapshot holds it in clear.
A rotation keeps the previous secret signing until `previous_until`, so a
receiver can move to the new one without dropping a request. Deliveries and
their attempts are not account state: the webhook dispatcher keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, assert_never
from urllib.parse import urlsplit
from uuid import UUID

from tradeloop.core.notifications import NotificationType
from tradeloop.errors import InvalidField, NotFound

MAX_WEBHOOKS: Final = 20
"""Endpoints an account may hold at once."""
MAX_URL_LENGTH: Final = 2048
MAX_DESCRIPTION_LENGTH: Final = 256
MAX_PATTERNS: Final = 50
ROTATION_GRACE: Final = timedelta(hours=24)
"""How long the previous secret keeps signing after a rotation."""


class WebhookStatus(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookEndpoint:
    """One endpoint of an account: its URL, the notification types it takes (patterns), and its sealed secrets."""

    id: UUID
    url: str
    events: tuple[str, ...]
    """Notification types, exact (`order.filled`), by prefix (`order.*`), or all (`*`)."""
    description: str
    secret_sealed: bytes
    previous_secret_sealed: bytes | None = None
    previous_until: datetime | None = None
    """Until when the previous secret signs too (None: no previous secret)."""
    status: WebhookStatus = WebhookStatus.ENABLED
    disabled_reason: str | None = None
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", tuple(self.events))  # the journal's codec gives tuples back as lists

    def takes(self, notification_type: str) -> bool:
        """Whether a notification of this type goes to the endpoint (its status aside)."""
        return any(pattern_matches(pattern, notification_type) for pattern in self.events)

    def sealed_secrets(self, now: datetime) -> tuple[bytes, ...]:
        """The secrets that sign a request sent now: the current one, and the previous one during its grace."""
        if self.previous_secret_sealed is not None and self.previous_until is not None and now < self.previous_until:
            return self.secret_sealed, self.previous_secret_sealed
        return (self.secret_sealed,)


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookCreated:
    account_id: UUID
    endpoint: WebhookEndpoint


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookUpdated:
    """The URL, the patterns, the description and/or the status were replaced (None: kept)."""

    account_id: UUID
    webhook_id: UUID
    url: str | None = None
    events: tuple[str, ...] | None = None
    description: str | None = None
    status: WebhookStatus | None = None
    timestamp: datetime

    def __post_init__(self) -> None:
        if self.events is not None:
            object.__setattr__(self, "events", tuple(self.events))


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookSecretRotated:
    account_id: UUID
    webhook_id: UUID
    secret_sealed: bytes
    previous_until: datetime
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookDisabled:
    """The server stopped delivering to the endpoint (it answered 410, or failed for over a day); notifies the owner."""

    account_id: UUID
    webhook_id: UUID
    url: str
    reason: str
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookDeleted:
    account_id: UUID
    webhook_id: UUID
    timestamp: datetime


WebhookEvent = WebhookCreated | WebhookUpdated | WebhookSecretRotated | WebhookDisabled | WebhookDeleted


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateWebhook:
    webhook_id: UUID
    """Chosen by the caller: the core draws no random numbers."""
    url: str
    events: tuple[str, ...]
    description: str
    secret_sealed: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateWebhook:
    """Replace the URL, the patterns, the description; enable or disable it (None: kept)."""

    webhook_id: UUID
    url: str | None = None
    events: tuple[str, ...] | None = None
    description: str | None = None
    enabled: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RotateWebhookSecret:
    webhook_id: UUID
    secret_sealed: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class DisableWebhook:
    """The dispatcher's: stop delivering, and say why. An endpoint already disabled is left as it is."""

    webhook_id: UUID
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteWebhook:
    webhook_id: UUID


WebhookCommand = CreateWebhook | UpdateWebhook | RotateWebhookSecret | DisableWebhook | DeleteWebhook


def decide_webhook(
    endpoints: dict[UUID, WebhookEndpoint], command: WebhookCommand, *, account_id: UUID, now: datetime
) -> tuple[UUID, WebhookEvent | None]:
    """The id of the endpoint the command is about and the event it calls for (None: nothing changes).

    Raises:
        NotFound: the account has no endpoint with that id.
        InvalidField: a URL that is not http(s), patterns naming no notification type, too many endpoints.
    """
    if isinstance(command, CreateWebhook):
        if len(endpoints) >= MAX_WEBHOOKS:
            raise InvalidField("url", f"an account holds at most {MAX_WEBHOOKS} webhook endpoints")
        created = WebhookEndpoint(
            id=command.webhook_id,
            url=check_url(command.url),
            events=check_patterns(command.events),
            description=check_description(command.description),
            secret_sealed=command.secret_sealed,
            created_at=now,
            updated_at=now,
        )
        return created.id, WebhookCreated(account_id=account_id, endpoint=created)
    found = find_webhook(endpoints, command.webhook_id)
    match command:
        case UpdateWebhook():
            status = None if command.enabled is None else WebhookStatus.ENABLED if command.enabled else WebhookStatus.DISABLED
            return found.id, WebhookUpdated(
                account_id=account_id,
                webhook_id=found.id,
                url=None if command.url is None else check_url(command.url),
                events=None if command.events is None else check_patterns(command.events),
                description=None if command.description is None else check_description(command.description),
                status=status,
                timestamp=now,
            )
        case RotateWebhookSecret():
            return found.id, WebhookSecretRotated(
                account_id=account_id,
                webhook_id=found.id,
                secret_sealed=command.secret_sealed,
                previous_until=now + ROTATION_GRACE,
                timestamp=now,
            )
        case DisableWebhook():
            if found.status is WebhookStatus.DISABLED:
                return found.id, None
            return found.id, WebhookDisabled(
                account_id=account_id, webhook_id=found.id, url=found.url, reason=command.reason, timestamp=now
            )
        case DeleteWebhook():
            return found.id, WebhookDeleted(account_id=account_id, webhook_id=found.id, timestamp=now)
        case _:
            assert_never(command)


def apply_webhook_event(endpoints: dict[UUID, WebhookEndpoint], event: WebhookEvent) -> None:
    """Change an account's endpoints as the event says."""
    if isinstance(event, WebhookCreated):
        endpoints[event.endpoint.id] = event.endpoint
        return
    found = endpoints.get(event.webhook_id)
    if found is None:
        return
    match event:
        case WebhookUpdated():
            status = found.status if event.status is None else event.status
            endpoints[found.id] = replace(
                found,
                url=found.url if event.url is None else event.url,
                events=found.events if event.events is None else event.events,
                description=found.description if event.description is None else event.description,
                status=status,
                disabled_reason=None if status is WebhookStatus.ENABLED else found.disabled_reason or "disabled by the owner",
                updated_at=event.timestamp,
            )
        case WebhookSecretRotated():
            endpoints[found.id] = replace(
                found,
                secret_sealed=event.secret_sealed,
                previous_secret_sealed=found.secret_sealed,
                previous_until=event.previous_until,
                updated_at=event.timestamp,
            )
        case WebhookDisabled():
            endpoints[found.id] = replace(
                found, status=WebhookStatus.DISABLED, disabled_reason=event.reason, updated_at=event.timestamp
            )
        case WebhookDeleted():
            del endpoints[found.id]


def find_webhook(endpoints: dict[UUID, WebhookEndpoint], webhook_id: UUID) -> WebhookEndpoint:
    """Raises: NotFound when the account has no endpoint with that id."""
    found = endpoints.get(webhook_id)
    if found is None:
        raise NotFound("webhook not found")
    return found


def pattern_matches(pattern: str, notification_type: str) -> bool:
    """`*` takes every type, `order.*` every type under `order.`, anything else that type only."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return notification_type.startswith(pattern[:-1])
    return pattern == notification_type


KNOWN_TYPES: Final = frozenset(kind.value for kind in NotificationType)


def check_patterns(patterns: Iterable[str]) -> tuple[str, ...]:
    """The patterns, without repeats, each naming at least one notification type (a typo would silently match none).

    Raises:
        InvalidField: none given, too many, or one that matches no notification type (`events/<i>`).
    """
    found = tuple(dict.fromkeys(pattern.strip() for pattern in patterns))
    if not found:
        raise InvalidField("events", "name at least one notification type or pattern (`*` for all)")
    if len(found) > MAX_PATTERNS:
        raise InvalidField("events", f"at most {MAX_PATTERNS} patterns")
    for place, pattern in enumerate(found):
        if not any(pattern_matches(pattern, kind) for kind in KNOWN_TYPES):
            raise InvalidField(f"events/{place}", f"{pattern!r} matches no notification type")
    return found


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host and no credentials in it (where the request may go is checked on sending).

    Raises:
        InvalidField: anything else.
    """
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InvalidField("url", f"must be at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it checks the port is a number in range
    except ValueError:
        raise InvalidField("url", "is not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidField("url", "must be an http or https URL")
    if not parts.hostname:
        raise InvalidField("url", "must name a host")
    if parts.username is not None or parts.password is not None:
        raise InvalidField("url", "must not carry credentials (put a token in the path or query instead)")
    if parts.fragment:
        raise InvalidField("url", "must not have a fragment")
    return url


def check_description(description: str) -> str:
    """Raises: InvalidField for a description longer than MAX_DESCRIPTION_LENGTH."""
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidField("description", f"must be at most {MAX_DESCRIPTION_LENGTH} characters")
    return description
