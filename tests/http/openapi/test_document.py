"""The reference builder on a tiny application: routes under sub-applications, models, errors, examples."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from openapi_spec_validator import validate

from tests.http.openapi.tiny import (
    THING,
    THING_ID,
    OtherPath,
    ThingPath,
    decorated_make_thing,
    get_thing,
    make_thing,
    plain,
    tiny_app,
)
from tests.http.reference_checks import example_failures
from tradeloop.http.admin.sessions import TOTP_HEADER
from tradeloop.http.openapi import (
    DocumentError,
    Example,
    Security,
    build_openapi,
    operation,
    operation_of,
    undocumented,
)
from tradeloop.http.openapi.fields import DECIMAL_PATTERN
from tradeloop.http.openapi.security import SECURITY_SCHEMES


def document(**kwargs: Any) -> dict[str, Any]:
    return build_openapi(tiny_app(**kwargs), title="tiny", version="1.2.3", tags={"things": "Things to have."})


def test_the_document_of_routes_under_nested_sub_applications_is_valid_openapi_3_1() -> None:
    built = document()
    validate(built)
    assert built["openapi"] == "3.1.0" and built["info"] == {"title": "tiny", "version": "1.2.3"}
    assert set(built["paths"]) == {"/v9/things/{thing_id}", "/v9/admin/things"}
    assert set(built["paths"]["/v9/admin/things"]) == {"post"}
    assert built["tags"] == [{"name": "things", "description": "Things to have."}]


def test_path_and_query_models_become_parameters() -> None:
    op = document()["paths"]["/v9/things/{thing_id}"]["get"]
    by_name = {parameter["name"]: parameter for parameter in op["parameters"]}
    assert by_name["thing_id"]["in"] == "path" and by_name["thing_id"]["required"] is True
    assert by_name["thing_id"]["schema"] == {"type": "string", "format": "uuid"}
    assert by_name["limit"] == {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "default": 10},
        "examples": {"one": {"summary": "a thing", "value": "1"}},
    }
    # A comma-separated list, and no null to send for a parameter left out.
    assert by_name["symbols"]["style"] == "form" and by_name["symbols"]["explode"] is False
    assert by_name["symbols"]["schema"]["type"] == "array"


def test_body_and_response_shapes_are_components_with_decimal_text_and_times() -> None:
    built = document()
    post = built["paths"]["/v9/admin/things"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NewThing"}
    assert post["responses"]["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ThingJson"}
    thing = built["components"]["schemas"]["ThingJson"]
    assert thing["description"] == "A thing as the tiny API sends it."
    assert thing["properties"]["made_at"]["format"] == "date-time"
    assert {"type": "string", "pattern": DECIMAL_PATTERN} in [
        {k: v for k, v in option.items() if k != "examples"} for option in thing["properties"]["price"]["anyOf"]
    ]
    assert {"type": "null"} in thing["properties"]["price"]["anyOf"]


def test_every_error_the_route_or_the_edge_raises_answers_with_the_problem_schema() -> None:
    built = document()
    get = built["paths"]["/v9/things/{thing_id}"]["get"]["responses"]
    post = built["paths"]["/v9/admin/things"]["post"]["responses"]
    # Keys: 401 and 429; a query: 400; its own NotFound: 404; a declared body too long (on any route): 413;
    # anything unforeseen: 500.
    assert set(get) == {"200", "400", "401", "404", "413", "429", "500"}
    # An admin session: 401; a body: 400 malformed JSON, 422 invalid field; its own UnknownSymbol: 422.
    assert set(post) == {"201", "400", "401", "413", "422", "500"}
    assert set(post["422"]["content"]["application/problem+json"]["examples"]) == {"unknown-symbol", "invalid-field"}
    for answers in (get, post):
        for status, answer in answers.items():
            if int(status) >= 400:
                assert answer["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    problem = built["components"]["schemas"]["Problem"]
    assert {"code", "message", "type", "title", "status", "detail"} <= set(problem["required"])
    assert "instance" in problem["properties"] and "instance" not in problem["required"]
    assert get["429"]["headers"]["Retry-After"] == {"$ref": "#/components/headers/RetryAfter"}


def test_security_names_the_schemes_each_operation_needs() -> None:
    built = document()
    assert built["paths"]["/v9/things/{thing_id}"]["get"]["security"] == [{"apiKeyId": [], "apiSecretKey": []}]
    assert built["paths"]["/v9/admin/things"]["post"]["security"] == [{"adminSession": []}]
    schemes = built["components"]["securitySchemes"]
    assert schemes["apiKeyId"]["name"] == "APCA-API-KEY-ID" and schemes["apiSecretKey"]["name"] == "APCA-API-SECRET-KEY"
    assert schemes["adminSession"] == {**schemes["adminSession"], "type": "http", "scheme": "bearer"}
    assert SECURITY_SCHEMES["totpCode"]["name"] == TOTP_HEADER
    # Calls made with keys carry the rate-limit headers on every answer.
    headers = built["paths"]["/v9/things/{thing_id}"]["get"]["responses"]["404"]["headers"]
    assert headers["X-RateLimit-Remaining"] == {"$ref": "#/components/headers/X-RateLimit-Remaining"}


def test_examples_land_beside_their_parameters_body_and_answer_and_match_their_schemas() -> None:
    built = document()
    post = built["paths"]["/v9/admin/things"]["post"]
    assert post["requestBody"]["content"]["application/json"]["examples"] == {"new": {"value": {"name": "x", "price": "1.50"}}}
    assert post["responses"]["201"]["content"]["application/json"]["examples"] == {"new": {"value": THING}}
    assert example_failures(built) == []


def test_an_example_that_breaks_its_schema_is_caught() -> None:
    wrong = operation(
        tag="things",
        security=Security.KEYS,
        path=ThingPath,
        responses={200: dict[str, int]},
        examples=[Example(name="bad", path={"thing_id": "not-a-uuid"}, response={"n": "text"})],
    )(get_thing())
    failures = example_failures(document(get=wrong))
    assert len(failures) == 2 and "parameter thing_id example bad" in failures[0] and "response 200" in failures[1]


def test_routes_without_an_operation_are_reported() -> None:
    app = tiny_app(make=make_thing())
    assert [(route.method, route.path) for route in undocumented(app)] == [("GET", "/plain"), ("POST", "/v9/admin/things")]
    assert "/v9/admin/things" not in build_openapi(app, title="t", version="1")["paths"]
    assert undocumented(tiny_app())[0].handler is plain


def test_summary_and_description_come_from_the_docstring_without_its_raises_section() -> None:
    op = document()["paths"]["/v9/things/{thing_id}"]["get"]
    assert op["operationId"] == "get_thing"
    assert op["summary"] == "One thing by id." and op["description"] == "Things are kept forever."
    post = document()["paths"]["/v9/admin/things"]["post"]
    assert post["summary"] == "Make thing" and "description" not in post


def test_a_wrapper_made_with_functools_wraps_keeps_the_operation() -> None:
    guarded_handler = decorated_make_thing()  # @operation first, then a guarding decorator
    found = operation_of(guarded_handler)
    assert found is not None and found.operation_id == "make_thing" and found.security is Security.ADMIN


def test_two_operations_with_one_id_are_refused() -> None:
    clash = operation(tag="things", security=Security.KEYS, path=ThingPath, responses={200: None}, operation_id="make_thing")
    with pytest.raises(DocumentError, match="operation id 'make_thing'"):
        document(get=clash(get_thing()))


def test_a_path_model_that_disagrees_with_its_path_is_refused() -> None:
    wrong = operation(tag="things", security=Security.KEYS, responses={200: None}, path=OtherPath)
    with pytest.raises(DocumentError, match="path model OtherPath"):
        document(get=wrong(get_thing()))


def test_an_example_for_an_undocumented_status_is_refused() -> None:
    wrong = operation(tag="things", security=Security.KEYS, path=ThingPath, responses={200: None}, examples=[
        Example(name="gone", path={"thing_id": THING_ID}, status=410)
    ])
    with pytest.raises(DocumentError, match="answers 410"):
        document(get=wrong(get_thing()))


def test_the_decorator_refuses_what_is_not_a_model_an_error_class_or_a_status() -> None:
    with pytest.raises(TypeError):
        operation(tag="t", security=Security.NONE, responses={200: None}, body=dict)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        operation(tag="t", security=Security.NONE, responses={200: None}, errors=(ValueError,))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        operation(tag="t", security=Security.NONE, responses={700: None})


def test_a_handler_served_on_two_paths_gets_an_operation_id_for_each() -> None:
    handler = operation(tag="things", security=Security.NONE, responses={200: None})(get_thing())
    app = web.Application()
    app.router.add_get("/v9/iex", handler)
    app.router.add_get("/v9/sip", handler)
    paths = build_openapi(app, title="t", version="1")["paths"]
    assert paths["/v9/iex"]["get"]["operationId"] == "get_thing_v9_iex"
    assert paths["/v9/sip"]["get"]["operationId"] == "get_thing_v9_sip"
