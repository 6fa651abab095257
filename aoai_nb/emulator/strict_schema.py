"""Structured outputs' strict-mode rules for a JSON schema (function parameters, ``json_schema`` formats).

In strict mode the service accepts only schemas it can enforce: the root is an object, and every object says
``additionalProperties: false`` and lists every one of its properties in ``required``. A schema that breaks a
rule is refused with a 400 naming the rule and where (``In context=('properties', 'address'), ...``), as the
service does. The SDK's Pydantic helpers (``responses.parse``, ``pydantic_function_tool``) produce schemas that
pass.
"""

from __future__ import annotations

from typing import Any

from aoai_nb.emulator.wire import invalid_request

_NESTED_MAPS = ("properties", "$defs", "definitions")
_NESTED_LISTS = ("anyOf", "prefixItems")


def _problem_at(node: Any, context: tuple[str, ...]) -> str | None:
    if not isinstance(node, dict):
        return None
    kinds = node.get("type")
    is_object = kinds == "object" or (isinstance(kinds, list) and "object" in kinds)
    where = f"In context={context!r}, "
    if is_object or "properties" in node:
        if node.get("additionalProperties") is not False:
            return where + "'additionalProperties' is required to be supplied and to be false."
        properties = node.get("properties") or {}
        required = node.get("required") or []
        missing = [key for key in properties if key not in required]
        if missing:
            return (
                where + "'required' is required to be supplied and to be an array including every key in "
                f"properties. Missing '{missing[0]}'."
            )
    for key in _NESTED_MAPS:
        children = node.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                found = _problem_at(child, (*context, key, str(name)))
                if found:
                    return found
    for key in _NESTED_LISTS:
        children = node.get(key)
        if isinstance(children, list):
            for index, child in enumerate(children):
                found = _problem_at(child, (*context, key, str(index)))
                if found:
                    return found
    items = node.get("items")
    if isinstance(items, dict):
        return _problem_at(items, (*context, "items"))
    return None


def strict_problem(schema: dict[str, Any]) -> str | None:
    """The first strict-mode rule ``schema`` breaks, worded as the service words it; None when it complies."""
    if schema.get("type") != "object" and "$ref" not in schema and "anyOf" not in schema:
        return "In context=(), schema must be a JSON Schema of 'type: \"object\"', got 'type: " + (
            f'"{schema.get("type")}"\'.' if schema.get("type") else "None'."
        )
    return _problem_at(schema, ())


def check_strict(schema: dict[str, Any], subject: str, param: str, code: str) -> None:
    """Raise the 400 for a strict ``schema`` that breaks a rule; ``subject`` is e.g. ``function 'f'``."""
    problem = strict_problem(schema)
    if problem is not None:
        raise invalid_request(f"Invalid schema for {subject}: {problem}", param=param, code=code)
