"""The `operation` decorator: what the API reference says about a route handler, kept on the handler itself."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, TypeVar

from aiohttp import web
from pydantic import BaseModel

from tradeloop.errors import TradeloopError

H = TypeVar("H", bound=Callable[..., Awaitable[web.StreamResponse]])
_ATTRIBUTE: Final = "__tradeloop_operation__"
JSON: Final = "application/json"


class Security(StrEnum):
    """How a caller proves who it is to one operation."""

    KEYS = "keys"
    """The account's APCA-API-KEY-ID and APCA-API-SECRET-KEY headers."""
    ADMIN = "admin"
    """`Authorization: Bearer <session token>` from POST /admin/v1/sessions."""
    ADMIN_LOGIN = "admin_login"
    """`Authorization: Bearer <admin key>` plus a fresh `X-TOTP-Code`: opens an admin session."""
    NONE = "none"
    """Nothing: public, or authenticated inside its own protocol (the streams)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """One documented answer: its body's type (None: no body), media type, description and extra headers."""

    shape: object = None
    """A TypedDict, a pydantic model, or a type built of them (`list[OrderJson]`); None for no body."""
    description: str = ""
    content_type: str = JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    """Header name to description, for headers this answer carries besides the usual ones."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Example:
    """One example call: its path and query parameters, body, and the answer's status and body."""

    name: str
    summary: str = ""
    path: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: object = None
    """The JSON request body; None for a call without one."""
    status: int = 200
    response: object = None
    """The JSON answer; None for an answer without a body."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Operation:
    """Everything the reference says about one operation; `operation()` builds it."""

    operation_id: str
    tag: str
    summary: str
    description: str
    security: Security
    path: type[BaseModel] | None
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    responses: Mapping[int, tuple[Reply, ...]]
    """Each success status's answers, one per media type."""
    errors: tuple[type[TradeloopError], ...]
    examples: tuple[Example, ...]
    deprecated: bool = False


def operation(
    *,
    tag: str,
    security: Security,
    responses: Mapping[int, object],
    errors: Sequence[type[TradeloopError]] = (),
    path: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    examples: Sequence[Example] = (),
    operation_id: str | None = None,
    summary: str | None = None,
    description: str | None = None,
    deprecated: bool = False,
) -> Callable[[H], H]:
    """Attach the reference's description of a route to its handler; the handler itself is unchanged.

    `responses` maps each success status to a `Reply`, several (one per media
    type), or directly to the body's JSON type (None: no body). `errors` are the exception classes the handler can
    raise; those the edge raises for every such route (a bad body or query, a
    refused credential, an internal error) are added by the document's builder.
    The operation id defaults to the function's name; the summary to the
    docstring's first line and the description to the rest of it.

    Raises:
        TypeError: a model that is not a pydantic model, or an error class outside the exception tree.
        ValueError: a status that is not an HTTP status.
    """
    for model in (path, query, body):
        if model is not None and not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"{model!r} is not a pydantic model")
    for error in errors:
        if not (isinstance(error, type) and issubclass(error, TradeloopError)):
            raise TypeError(f"{error!r} is not a class of tradeloop.errors' tree")
    replies = {status: _reply(status, value) for status, value in responses.items()}
    for example in examples:
        _check_status(example.status)

    def attach(handler: H) -> H:
        doc_summary, doc_description = _split_docstring(inspect.getdoc(handler))
        found = Operation(
            operation_id=operation_id or handler.__name__,
            tag=tag,
            summary=summary if summary is not None else doc_summary or _humanize(handler.__name__),
            description=description if description is not None else doc_description,
            security=security,
            path=path,
            query=query,
            body=body,
            responses=replies,
            errors=tuple(errors),
            examples=tuple(examples),
            deprecated=deprecated,
        )
        setattr(handler, _ATTRIBUTE, found)  # functools.wraps copies it onto a wrapping decorator too
        return handler

    return attach


def operation_of(handler: Any) -> Operation | None:
    """The operation a handler was decorated with, looking through wrappers; None when it was not."""
    while handler is not None:
        found = getattr(handler, _ATTRIBUTE, None)
        if isinstance(found, Operation):
            return found
        handler = getattr(handler, "__wrapped__", None)
    return None


def _reply(status: int, value: object) -> tuple[Reply, ...]:
    _check_status(status)
    if isinstance(value, Reply):
        return (value,)
    if isinstance(value, (list, tuple)) and value and all(isinstance(item, Reply) for item in value):
        return tuple(value)
    return (Reply(shape=value),)


def _check_status(status: int) -> None:
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"{status!r} is not an HTTP status")


def _split_docstring(doc: str | None) -> tuple[str, str]:
    """The first line, and the rest without its `Raises:` section (the errors are documented apart)."""
    if not doc:
        return "", ""
    first, _, rest = doc.partition("\n")
    kept: list[str] = []
    for line in rest.strip().splitlines():
        if line.strip() == "Raises:":
            break
        kept.append(line)
    return first.strip(), "\n".join(kept).strip()


def _humanize(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()
