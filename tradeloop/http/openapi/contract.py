"""The strict contract check: every answer held to the OpenAPI document, a mismatch turned into a loud 500.

A developer aid, off by default (`Settings.contract_check`, TRADELOOP_CONTRACT_CHECK): the test suites turn it
on, so every test that talks to the server checks the reference too. Each answer of a documented operation
must have a status the operation documents, one of that status's media types, and a JSON body its schema
accepts (JSON Schema 2020-12, formats included). A WebSocket or an answer already streamed is left alone.
The schemas are checked by jsonschema-rs (a test dependency, imported only when the check is on), each
compiled once, on its first answer: an order's answer takes about 6 us to check, where the jsonschema
package takes about 1.1 ms, which over the HTTP tests added some 8% to their time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import orjson
from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from tradeloop.errors import StartupFailure, TradeloopError
from tradeloop.http.problems import render

if TYPE_CHECKING:
    from jsonschema_rs import Draft202012Validator

log = logging.getLogger(__name__)

JSON_MEDIA_TYPES: Final = frozenset({"application/json", "application/problem+json"})
"""Media types whose bodies are checked against their schema; a page, a script or a file only by its type."""
VIOLATION: Final = "the answer breaks the API reference"
"""Starts the log line and the 500's message of every mismatch, so a test run can find them."""


class ContractUnavailable(StartupFailure):
    """The contract check is on, but jsonschema-rs (a test dependency: pip install tradeloop[test]) is missing."""


@dataclass(frozen=True, slots=True)
class _Operation:
    operation_id: str
    responses: Mapping[str, Any]


@dataclass(slots=True)
class Contract:
    """The document's answers by operation, and a validator per schema, compiled when first needed."""

    document: Mapping[str, Any]
    _operations: dict[tuple[str, str], _Operation] = field(default_factory=dict)
    _validators: dict[tuple[str, str, str, str], Draft202012Validator] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path, item in self.document["paths"].items():
            for method, op in item.items():
                self._operations[(method.upper(), path)] = _Operation(op["operationId"], op["responses"])

    def operation_id(self, method: str, path: str) -> str | None:
        found = self._operations.get((method, path))
        return None if found is None else found.operation_id

    def mismatch(self, method: str, path: str, status: int, media_type: str | None, body: bytes | None) -> str | None:
        """What is wrong with this answer of `method path` (a route's canonical path); None when nothing is.

        `body` None means the body is not at hand (a file, a stream): only the status and media type are checked.
        """
        op = self._operations.get((method, path))
        if op is None:
            return None  # not a documented route: the route/document equality test speaks of it
        answer = op.responses.get(str(status)) or op.responses.get("default")
        if answer is None:
            return f"status {status} is not documented (documented: {', '.join(op.responses)})"
        content: Mapping[str, Any] = answer.get("content", {})
        if not content:
            if body:
                return f"status {status} is documented without a body, but {len(body)} bytes came"
            return None
        if media_type not in content:
            return f"media type {media_type} is not documented for {status} (documented: {', '.join(content)})"
        if body is None or media_type not in JSON_MEDIA_TYPES:
            return None
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return f"the {media_type} body is not JSON ({exc})"
        validator = self._validator(method, path, str(status), media_type, content[media_type]["schema"])
        errors = sorted(validator.iter_errors(value), key=lambda error: [str(part) for part in error.instance_path])
        if not errors:
            return None
        where = "/".join(str(part) for part in errors[0].instance_path) or "(the body)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return f"{status} {media_type} body at {where}: {errors[0].message}{more}"

    def _validator(
        self, method: str, path: str, status: str, media_type: str, schema: Mapping[str, Any]
    ) -> Draft202012Validator:
        key = (method, path, status, media_type)
        validator = self._validators.get(key)
        if validator is None:
            from jsonschema_rs import Draft202012Validator  # noqa: F811 - at run time, only when the check is on

            # "#/components/..." refs resolve against the root, so the components ride along in it.
            root = {**schema, "components": self.document["components"]}
            validator = self._validators[key] = Draft202012Validator(root, validate_formats=True)
        return validator


@dataclass(slots=True)
class ContractCheck:
    """The contract of a running application: empty until its document is built at start-up."""

    contract: Contract | None = None

    def load(self, document: Mapping[str, Any]) -> None:
        """Check answers against `document` from now on.

        Raises:
            ContractUnavailable: jsonschema-rs is not installed.
        """
        try:
            import jsonschema_rs  # noqa: F401 - imported here so that a server without the check never needs it
        except ImportError:
            raise ContractUnavailable(
                "the contract check (TRADELOOP_CONTRACT_CHECK) needs jsonschema-rs: pip install tradeloop[test]"
            ) from None
        contract = _CONTRACTS.get(id(document))
        if contract is None or contract.document is not document:
            contract = _CONTRACTS[id(document)] = Contract(document)
        self.contract = contract


_CONTRACTS: dict[int, Contract] = {}
"""Contracts by document: applications sharing a rendered document share its compiled validators."""


CONTRACT: Final = web.AppKey("contract", ContractCheck)


def install(app: web.Application) -> ContractCheck:
    """Check every answer of `app` and its sub-applications; load the document into the returned check at start-up."""
    check = app[CONTRACT] = ContractCheck()
    app.middlewares.insert(0, contract_middleware)  # outermost: it sees the answers the error middleware rendered
    return check


@web.middleware
async def contract_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Hold each answer to the document; a mismatch is logged naming the operation, and answered as a 500."""
    response = await handler(request)
    contract = request.config_dict[CONTRACT].contract
    if contract is None or request.method == hdrs.METH_HEAD or response.prepared:
        return response  # a WebSocket or a stream has gone out already: it is not the document's to check
    if request.match_info.http_exception is not None:
        return response  # no route matched: no operation to hold it to
    resource = request.match_info.route.resource
    if resource is None:
        return response
    path = resource.canonical  # whole, under a sub-application too: the document's path
    media_type: str | None
    body: bytes | None
    if isinstance(response, web.Response) and response.body is None:
        media_type, body = None, b""
    elif isinstance(response, web.Response):
        media_type = response.content_type
        body = response.body if isinstance(response.body, bytes) else None  # a payload object is not at hand
    else:  # a file: its headers say what it is
        media_type = response.headers.get(hdrs.CONTENT_TYPE, "").partition(";")[0].strip() or None
        body = None
    problem = contract.mismatch(request.method, path, response.status, media_type, body)
    if problem is None:
        return response
    operation_id = contract.operation_id(request.method, path)
    log.error("%s: %s %s (%s): %s", VIOLATION, request.method, path, operation_id, problem)
    return render(TradeloopError(f"{VIOLATION}: {request.method} {path} ({operation_id}): {problem}"), request)
