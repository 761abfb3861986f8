"""Checks of an OpenAPI document for the tests: every example against its own schema."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from pydantic import TypeAdapter


def _validator(schema: Mapping[str, Any], document: Mapping[str, Any]) -> Draft202012Validator:
    # "#/components/..." refs resolve against the root, so the components ride along in it.
    return Draft202012Validator({**schema, "components": document["components"]}, format_checker=FormatChecker())


def example_failures(document: Mapping[str, Any]) -> list[str]:
    """Every example in the document that its schema refuses, as 'METHOD path where: error'; empty when all pass."""
    return list(_failures(document))


def _failures(document: Mapping[str, Any]) -> Iterator[str]:
    for path, item in document["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            for parameter in op.get("parameters", ()):
                for name, example in parameter.get("examples", {}).items():
                    value = _as_parameter(example["value"], parameter["schema"])
                    for error in _validator(parameter["schema"], document).iter_errors(value):
                        yield f"{where} parameter {parameter['name']} example {name}: {error.message}"
            contents = [("request", op.get("requestBody", {}).get("content", {}))]
            contents += [(f"response {status}", answer.get("content", {})) for status, answer in op["responses"].items()]
            for what, content in contents:
                for media, body in content.items():
                    for name, example in body.get("examples", {}).items():
                        for error in _validator(body["schema"], document).iter_errors(example["value"]):
                            yield f"{where} {what} {media} example {name}: {error.message}"


def _as_parameter(value: Any, schema: Mapping[str, Any]) -> Any:
    """A parameter example as its schema types it: query text such as '1' is an integer parameter's 1."""
    if isinstance(value, str) and schema.get("type") == "integer" and value.lstrip("-").isdigit():
        return int(value)
    if isinstance(value, str) and schema.get("type") == "array":
        return value.split(",")
    return value


def shape_failures(shape: Any, value: Any) -> list[str]:
    """What the JSON Schema the reference renders for `shape` finds wrong in a decoded JSON answer; empty when nothing."""
    schema = TypeAdapter(shape).json_schema(mode="serialization")
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(value)]
