"""Shape of an alert (tradeloop's /v2/alerts)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field
from typing_extensions import TypedDict

from tradeloop.core.alerts import AccountMetric, AlertCondition, AlertKind, AlertStatus, PercentReference, Repeat
from tradeloop.http.openapi.fields import DecimalText, Timestamp, UuidText


def _enum(values: type[StrEnum]) -> Any:
    return Field(json_schema_extra={"enum": [str(each.value) for each in values]})


AlertKindText = Annotated[str, _enum(AlertKind)]
AlertStatusText = Annotated[str, _enum(AlertStatus)]
ConditionText = Annotated[str, _enum(AlertCondition)]
RepeatText = Annotated[str, _enum(Repeat)]
MetricText = Annotated[str, _enum(AccountMetric)]
ReferenceText = Annotated[str, _enum(PercentReference)]


class AlertJson(TypedDict):
    """An alert: what it watches (the fields of its kind; the others null), how it repeats, and where it stands.

    `condition` is text (`crosses_above`, ...) for price and account alerts, and the strategy language's
    condition object for an indicator alert.
    """

    id: UuidText
    kind: AlertKindText
    symbol: str | None
    condition: ConditionText | dict[str, Any] | None
    price: DecimalText | None
    percent: DecimalText | None
    reference: ReferenceText | None
    reference_price: DecimalText | None
    amount: DecimalText | None
    metric: MetricText | None
    level: DecimalText | None
    timeframe: str | None
    indicators: dict[str, Any] | None
    repeat: RepeatText
    cooldown_s: int
    expires_at: Timestamp | None
    note: str
    status: AlertStatusText
    created_at: Timestamp
    updated_at: Timestamp
    triggered_at: Timestamp | None
    trigger_count: int
