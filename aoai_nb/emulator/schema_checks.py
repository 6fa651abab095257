"""Schemas no value can satisfy (``minimum 5, maximum 1``, ``minLength`` above ``maxLength`` ...): refused with
a 400 before any engine sees them, so neither engine answers with an instance that violates the schema.

The check walks every subschema (``properties``, ``items``, ``$defs``, ``anyOf`` ... alike) and looks at each
one's own bounds; it does not reason across ``allOf`` branches or ``$ref`` targets (those are checked where they
are written). OpenAI's message form is ``Invalid schema for response_format '<name>': ...``.
"""

from __future__ import annotations

import math
from typing import Any, TypeGuard

from aoai_nb.emulator.wire import AzureError, clip, echo, invalid_request

MAX_WALK = 10_000  # subschemas looked at; a bigger schema is checked only this far (request size bounds it)
_PAIRS = (
    ("minLength", "maxLength"),
    ("minItems", "maxItems"),
    ("minProperties", "maxProperties"),
    ("minContains", "maxContains"),
)


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numeric_problem(node: dict[str, Any]) -> str | None:
    lows = [
        (float(node[k]), k.startswith("exclusive"))
        for k in ("minimum", "exclusiveMinimum")
        if _number(node.get(k))
    ]
    highs = [
        (float(node[k]), k.startswith("exclusive"))
        for k in ("maximum", "exclusiveMaximum")
        if _number(node.get(k))
    ]
    if not lows or not highs:
        return None
    bottom, open_bottom = max(lows)  # the tighter bound; at a tie, the exclusive one
    top, open_top = min(highs, key=lambda bound: (bound[0], not bound[1]))
    if bottom > top or (bottom == top and (open_bottom or open_top)):
        return f"no number lies between its lower bound {bottom:g} and its upper bound {top:g}"
    if node.get("type") == "integer":
        first = math.floor(bottom) + 1 if open_bottom else math.ceil(bottom)
        last = math.ceil(top) - 1 if open_top else math.floor(top)
        if first > last:
            return f"no integer lies between its lower bound {bottom:g} and its upper bound {top:g}"
    return None


def _problem(node: dict[str, Any]) -> str | None:
    for low_key, high_key in _PAIRS:
        low, high = node.get(low_key), node.get(high_key)
        if _number(low) and _number(high) and float(low) > float(high):
            return f"'{low_key}' ({echo(low)}) is greater than '{high_key}' ({echo(high)})"
    if "enum" in node and node["enum"] == []:
        return "'enum' is empty, so no value is allowed"
    for key in ("anyOf", "oneOf"):
        if key in node and node[key] == []:
            return f"'{key}' is empty, so no value is allowed"
    required, properties = node.get("required"), node.get("properties")
    most = node.get("maxProperties")
    if isinstance(required, list) and _number(most):
        if len(set(map(str, required))) > float(most):
            return f"it requires {len(required)} properties but allows at most {echo(node['maxProperties'])}"
    if (
        isinstance(required, list)
        and isinstance(properties, dict)
        and node.get("additionalProperties") is False
    ):
        missing = [r for r in required if isinstance(r, str) and r not in properties]
        if missing:
            return f"required property {echo(missing[0])} is not in 'properties' and no other is allowed"
    return _numeric_problem(node)


def unsatisfiable(schema: Any) -> str | None:
    """Why no value validates against ``schema`` (with where), or None when the check finds no contradiction."""
    stack: list[tuple[Any, str]] = [(schema, "#")]
    seen = 0
    while stack and seen < MAX_WALK:
        node, where = stack.pop()
        seen += 1
        if isinstance(node, list):
            stack.extend((item, f"{where}/{i}") for i, item in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        if "const" not in node:
            problem = _problem(node)
            if problem is not None:
                return f"at {clip(where)}, {problem}"
        for key, value in node.items():
            if isinstance(value, dict | list) and key not in ("const", "enum", "default", "examples"):
                stack.append((value, f"{where}/{key}"))
    return None


def check_schema(schema: Any, what: str, name: Any, param: str) -> None:
    """Raise the 400 ``Invalid schema for <what> '<name>': ...`` when ``schema`` cannot be satisfied."""
    problem = unsatisfiable(schema)
    if problem is not None:
        raise bad_schema(what, name, problem, param)


def bad_schema(what: str, name: Any, problem: str, param: str) -> AzureError:
    label = clip(name) if isinstance(name, str) else echo(name)
    return invalid_request(
        f"Invalid schema for {what} '{label}': {problem}. No value can satisfy it; fix the bounds.",
        param=param,
        code="invalid_value",
    )
