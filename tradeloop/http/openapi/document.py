"""Build the OpenAPI 3.1 document of an aiohttp application from its routes and the `@operation` on each handler.

Schemas come from pydantic (JSON Schema 2020-12, which OpenAPI 3.1 speaks),
all in one pass so that shared models appear once under components/schemas.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from http import HTTPStatus
from typing import Any, Final

from aiohttp import web
from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from tradeloop.errors import (
    InvalidField,
    InvalidParameter,
    MalformedJSON,
    PayloadTooLarge,
    RateLimited,
    StartupFailure,
    TradeloopError,
    Unauthorized,
)
from tradeloop.http.openapi.operation import JSON, Example, Operation, Security
from tradeloop.http.openapi.problem import Problem, error_responses
from tradeloop.http.openapi.routes import Route, served_routes
from tradeloop.http.openapi.security import COMPONENT_HEADERS, RATE_LIMIT_HEADERS, SECURITY_SCHEMES, requirement

OPENAPI_VERSION: Final = "3.1.0"
REF_TEMPLATE: Final = "#/components/schemas/{model}"
_PATH_PARAMETER: Final = re.compile(r"\{([^}:]+)\}")

_IMPLIED_BY_SECURITY: Final[Mapping[Security, tuple[type[TradeloopError], ...]]] = {
    Security.KEYS: (Unauthorized, RateLimited),  # auth_middleware, then the key's call budget
    Security.ADMIN: (Unauthorized,),
    Security.ADMIN_LOGIN: (Unauthorized, RateLimited),
    Security.NONE: (),
}
_IMPLIED_BY_BODY: Final = (MalformedJSON, InvalidField)  # bodies.read_model
_IMPLIED_BY_QUERY: Final = (InvalidParameter,)  # bodies.read_query
_IMPLIED_ALWAYS: Final = (
    PayloadTooLarge,  # body_size.declared_size_middleware: any request declaring too long a body, before its route
    TradeloopError,  # error_middleware: anything unforeseen is a bare 500
)


class DocumentError(StartupFailure):
    """The routes' descriptions contradict each other or the routes (a duplicate operation id, a wrong example)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.reason = message


def build_openapi(
    app: web.Application,
    *,
    title: str,
    version: str,
    description: str = "",
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every decorated route the application serves (`undocumented` lists the others).

    `tags` gives each tag's description, in the order the reference lists them;
    a tag used by an operation but not named there is listed after them.

    Raises:
        DocumentError: two operations share an id, a path model disagrees with its path, or an example names
            a parameter or status the operation does not have.
    """
    documented = _one_id_per_route([(route, op) for route in served_routes(app) if (op := route.operation) is not None])
    schemas = _Schemas()
    schemas.add("problem", "serialization", Problem)
    for route, op in documented:
        for kind, model in (("path", op.path), ("query", op.query), ("body", op.body)):
            if model is not None:
                schemas.add((route.method, route.path, kind), "validation", model)
        for status, replies in op.responses.items():
            for reply in replies:
                if reply.shape is not None:
                    schemas.add((route.method, route.path, status, reply.content_type), "serialization", reply.shape)
    refs, components = schemas.render()

    paths: dict[str, dict[str, Any]] = {}
    seen_ids: dict[str, Route] = {}
    for route, op in documented:
        if op.operation_id in seen_ids:
            first = seen_ids[op.operation_id]
            raise DocumentError(
                f"operation id {op.operation_id!r} of {route.method} {route.path} is taken by {first.method} {first.path}"
            )
        seen_ids[op.operation_id] = route
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, op, refs, components)

    used_tags = list(dict.fromkeys(op.tag for _, op in documented))
    described = dict(tags or {})
    tag_list = [{"name": name, "description": text} for name, text in described.items()]
    tag_list += [{"name": name} for name in used_tags if name not in described]
    info: dict[str, Any] = {"title": title, "version": version}
    if description:
        info["description"] = description
    return {
        "openapi": OPENAPI_VERSION,
        "info": info,
        "tags": tag_list,
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": SECURITY_SCHEMES,
            "headers": COMPONENT_HEADERS,
        },
    }


def _one_id_per_route(documented: list[tuple[Route, Operation]]) -> list[tuple[Route, Operation]]:
    """A handler served on several paths (/v2/iex and /v2/sip) gets an id per path: its own, then the path's words."""
    routes_of: dict[int, int] = {}
    for _, op in documented:
        routes_of[id(op)] = routes_of.get(id(op), 0) + 1
    found: list[tuple[Route, Operation]] = []
    for route, op in documented:
        if routes_of[id(op)] > 1:
            words = "_".join(word for word in re.split(r"[^A-Za-z0-9]+", route.path) if word)
            words += "_slash" if route.path.endswith("/") else ""  # /stream/ beside /stream
            op = replace(op, operation_id=f"{op.operation_id}_{words}")
        found.append((route, op))
    return found


class _Schemas:
    """Every type the document names, rendered by pydantic in one pass so shared models appear once."""

    def __init__(self) -> None:
        self._inputs: list[tuple[Any, JsonSchemaMode, TypeAdapter[Any]]] = []
        self._adapters: dict[Any, TypeAdapter[Any]] = {}

    def add(self, key: Any, mode: JsonSchemaMode, shape: Any) -> None:
        adapter = self._adapters.get(shape)
        if adapter is None:
            adapter = self._adapters[shape] = TypeAdapter(shape)
        self._inputs.append((key, mode, adapter))

    def render(self) -> tuple[dict[Any, dict[str, Any]], dict[str, Any]]:
        """Each key's schema (mostly a $ref) and the named schemas, for components/schemas."""
        found, definitions = TypeAdapter.json_schemas(self._inputs, ref_template=REF_TEMPLATE)
        return {key: dict(schema) for (key, _), schema in found.items()}, dict(definitions.get("$defs", {}))


def _operation(route: Route, op: Operation, refs: Mapping[Any, dict[str, Any]], components: Mapping[str, Any]) -> dict[str, Any]:
    key = (route.method, route.path)
    parameters = _path_parameters(route, op, refs, components) + _query_parameters(op, refs.get((*key, "query")), components)
    body = None
    if op.body is not None:
        body = {"required": True, "content": {"application/json": {"schema": refs[(*key, "body")]}}}
    responses = _responses(route, op, refs)
    _add_examples(route, op, parameters, body, responses)

    found: dict[str, Any] = {"operationId": op.operation_id, "tags": [op.tag], "summary": op.summary}
    if op.description:
        found["description"] = op.description
    if parameters:
        found["parameters"] = parameters
    if body is not None:
        found["requestBody"] = body
    found["responses"] = {str(status): answer for status, answer in sorted(responses.items())}
    found["security"] = requirement(op.security)
    if op.deprecated:
        found["deprecated"] = True
    return found


def _model_schema(ref: Mapping[str, Any] | None, components: Mapping[str, Any]) -> dict[str, Any]:
    if ref is None:
        return {}
    name = str(ref["$ref"]).rsplit("/", 1)[-1]
    return dict(components[name])


def _parameter(name: str, where: str, schema: Mapping[str, Any], required: bool) -> dict[str, Any]:
    schema = {k: v for k, v in schema.items() if k != "title"}
    options = [option for option in schema.get("anyOf", ()) if option != {"type": "null"}]
    if options and where == "query":  # a parameter left out is the None: there is no null to send
        del schema["anyOf"]
        rest = {k: v for k, v in schema.items() if not (k == "default" and v is None)}
        schema = {**options[0], **rest} if len(options) == 1 else {"anyOf": options, **rest}
    parameter: dict[str, Any] = {"name": name, "in": where, "required": required}
    description = schema.pop("description", None)
    if description:
        parameter["description"] = description
    if schema.get("type") == "array" or any(option.get("type") == "array" for option in schema.get("anyOf", ())):
        parameter["style"], parameter["explode"] = "form", False  # symbols=AAPL,MSFT
    parameter["schema"] = schema
    return parameter


def _path_parameters(route: Route, op: Operation, refs: Mapping[Any, Any], components: Mapping[str, Any]) -> list[dict[str, Any]]:
    names = _PATH_PARAMETER.findall(route.path)
    model = _model_schema(refs.get((route.method, route.path, "path")), components)
    properties: Mapping[str, Any] = model.get("properties", {})
    if op.path is not None and set(properties) != set(names):
        raise DocumentError(
            f"path model {op.path.__name__} of {route.method} {route.path} has {sorted(properties)}, the path has {sorted(names)}"
        )
    return [_parameter(name, "path", properties.get(name, {"type": "string"}), True) for name in names]


def _query_parameters(op: Operation, ref: Mapping[str, Any] | None, components: Mapping[str, Any]) -> list[dict[str, Any]]:
    model = _model_schema(ref, components)
    required = set(model.get("required", ()))
    return [_parameter(name, "query", schema, name in required) for name, schema in model.get("properties", {}).items()]


def _responses(route: Route, op: Operation, refs: Mapping[Any, Any]) -> dict[int, dict[str, Any]]:
    answers: dict[int, dict[str, Any]] = {}
    for status, replies in op.responses.items():
        answer: dict[str, Any] = {"description": " ".join(r.description for r in replies if r.description) or _phrase(status)}
        for reply in replies:
            if reply.shape is not None:
                schema = refs[(route.method, route.path, status, reply.content_type)]
                answer.setdefault("content", {})[reply.content_type] = {"schema": schema}
            elif reply.content_type != JSON:  # a page or a file: its bytes
                answer.setdefault("content", {})[reply.content_type] = {"schema": {"type": "string"}}
            for name, text in reply.headers.items():
                answer.setdefault("headers", {})[name] = {"description": text, "schema": {"type": "string"}}
        answers[status] = answer
    implied = _IMPLIED_BY_SECURITY[op.security]
    implied += _IMPLIED_BY_BODY if op.body is not None else ()
    implied += _IMPLIED_BY_QUERY if op.query is not None else ()
    for status, answer in error_responses((*op.errors, *implied, *_IMPLIED_ALWAYS), route.path).items():
        if status in answers:  # a documented answer with a body of its own (/readyz's 503): both media types
            answers[status].setdefault("content", {}).update(answer["content"])
        else:
            answers[status] = answer
    if op.security is Security.KEYS:
        for answer in answers.values():
            answer.setdefault("headers", {}).update({name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS})
    return answers


def _add_examples(
    route: Route, op: Operation, parameters: list[dict[str, Any]], body: dict[str, Any] | None, responses: dict[int, dict[str, Any]]
) -> None:
    where = f"{route.method} {route.path}"
    by_name = {(parameter["in"], parameter["name"]): parameter for parameter in parameters}
    for example in op.examples:
        for location, values in (("path", example.path), ("query", example.query)):
            for name, value in values.items():
                parameter = by_name.get((location, name))
                if parameter is None:
                    raise DocumentError(f"example {example.name!r} of {where} names no {location} parameter {name!r}")
                parameter.setdefault("examples", {})[example.name] = _named(example, value)
        if example.body is not None:
            if body is None:
                raise DocumentError(f"example {example.name!r} of {where} has a body; the operation takes none")
            body["content"]["application/json"].setdefault("examples", {})[example.name] = _named(example, example.body)
        answer = responses.get(example.status)
        if answer is None:
            raise DocumentError(f"example {example.name!r} of {where} answers {example.status}, which is not documented")
        if example.response is not None:
            contents = answer.get("content", {})
            if not contents:
                raise DocumentError(f"example {example.name!r} of {where} has a body for {example.status}, which has none")
            content = next(iter(contents.values()))
            content.setdefault("examples", {})[example.name] = _named(example, example.response)


def _named(example: Example, value: object) -> dict[str, Any]:
    return {"summary": example.summary, "value": value} if example.summary else {"value": value}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(status)
