"""The one error body of the reference: the `Problem` shape, and the error answers of an operation grouped by status."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from typing_extensions import NotRequired, TypedDict

from tradeloop.errors import TradeloopError

PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class Problem(TypedDict):
    """An error, as tradeloop.http.problems renders every one: Alpaca's code and message plus RFC 9457 problem fields.

    Some errors add fields of their own: `field` names a refused parameter or
    body field, `symbol` and `age_seconds` a stale price, `retry_after` the
    seconds to wait (also in the Retry-After header).
    """

    code: int
    """Alpaca's stable error code, e.g. 40010001."""
    message: str
    type: str
    title: str
    status: int
    detail: str
    instance: NotRequired[str]
    field: NotRequired[str]
    symbol: NotRequired[str]
    age_seconds: NotRequired[float | None]
    retry_after: NotRequired[int]


def example_problem(error: type[TradeloopError], instance: str) -> dict[str, Any]:
    """What an error of this class looks like on the wire, from the class's own code, status, title and slug."""
    own_doc = error.__dict__.get("__doc__")
    if error.status == 500:  # rendered bare, whatever happened inside
        message = "internal server error"
    else:
        message = own_doc.strip().splitlines()[0] if own_doc else error.title.lower()
    return {
        "code": error.code,
        "message": message,
        "type": f"https://tradeloop.dev/problems/{error.slug}",
        "title": error.title,
        "status": error.status,
        "detail": message,
        "instance": instance,
    }


def error_responses(errors: Iterable[type[TradeloopError]], instance: str) -> dict[int, dict[str, Any]]:
    """One response object per status, its schema `Problem`, an example per error class; in status order."""
    by_status: dict[int, list[type[TradeloopError]]] = {}
    for error in dict.fromkeys(errors):
        by_status.setdefault(error.status, []).append(error)
    answers: dict[int, dict[str, Any]] = {}
    for status in sorted(by_status):
        classes = by_status[status]
        examples = {error.slug: {"summary": f"{error.code} {error.slug}", "value": example_problem(error, instance)} for error in classes}
        headers = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}} if status in (429, 503) else {}
        answer: dict[str, Any] = {
            "description": f"{classes[0].title}: " + ", ".join(error.slug for error in classes),
            "content": {PROBLEM_JSON: {"schema": PROBLEM_REF, "examples": examples}},
        }
        if headers:
            answer["headers"] = headers
        answers[status] = answer
    return answers
