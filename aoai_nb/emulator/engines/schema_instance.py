"""Build a JSON value that validates against a JSON schema, filled from hints found in the user's message.

Used by the scripted chat engine for tool-call arguments and ``response_format`` ``json_schema``. Supported:
``type`` (single or list), ``enum``, ``const``, ``properties``/``required`` (every listed property is filled),
``items``/``prefixItems``/``minItems``/``maxItems``, string ``minLength``/``maxLength``/``format``, number
bounds and ``multipleOf``, ``anyOf``/``oneOf`` (first usable branch), ``allOf`` (merged), ``$ref`` into
``$defs``/``definitions``, ``default``/``examples``. ``pattern`` is not honoured.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

_PROPER_NOUN = re.compile(r"\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_QUOTED = re.compile(r"\"([^\"]+)\"|'([^']+)'")
_TEXT_NAMES = frozenset(
    "query text question prompt message content input search q body title subject summary description topic"
    " note notes comment reason instructions".split()
)
_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
    "hostname": "example.com",
}
_STOP_START = frozenset(
    "What What's Whats How Please Can Could Is Are Tell Give I The A Find Get Show Do Does Which When"
    " Where Why Who Hi Hello Call Use Run And Then Also Book Send Set Make Check Look List Search".split()
)


@dataclass(frozen=True)
class Hints:
    """Values lifted from a user message to fill string/number fields plausibly."""

    text: str
    phrases: tuple[str, ...]
    numbers: tuple[float, ...]

    @classmethod
    def from_text(cls, text: str) -> Hints:
        quoted = [a or b for a, b in _QUOTED.findall(text)]
        proper = []
        for match in _PROPER_NOUN.findall(text):
            words = [w for w in match.split() if w not in _STOP_START]
            if words:
                proper.append(re.sub(r"'s$", "", " ".join(words)))
        phrases = tuple(dict.fromkeys(p for p in quoted + proper if p))
        numbers = tuple(float(n) for n in _NUMBER.findall(text))
        return cls(text=text.strip(), phrases=phrases, numbers=numbers)


def instance_for(schema: Any, hints: Hints, name: str = "value", root: Any = None) -> Any:
    """A value valid against ``schema`` (a dict, or ``True``/``{}`` meaning anything)."""
    root = schema if root is None else root
    if not isinstance(schema, dict):
        return _string_for(name, {}, hints) if schema is not False else None
    if "$ref" in schema:
        return instance_for(_resolve(schema["$ref"], root), hints, name, root)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema and schema["enum"]:
        return _pick_enum(list(schema["enum"]), hints)
    if "allOf" in schema:
        merged = _merge([s for s in schema["allOf"] if isinstance(s, dict)] + [_without(schema, "allOf")])
        return instance_for(merged, hints, name, root)
    for key in ("anyOf", "oneOf"):
        if key in schema and schema[key]:
            branches = [b for b in schema[key] if not (isinstance(b, dict) and b.get("type") == "null")]
            base = _without(schema, key)
            return instance_for(_merge([base, (branches or schema[key])[0]]), hints, name, root)
    if "default" in schema:
        return schema["default"]
    if schema.get("examples"):
        return schema["examples"][0]
    kind = _pick_type(schema)
    if kind == "object":
        return _object_for(schema, hints, root)
    if kind == "array":
        return _array_for(schema, hints, name, root)
    if kind == "integer":
        return int(_number_for(schema, hints, integer=True))
    if kind == "number":
        return _number_for(schema, hints, integer=False)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string_for(name, schema, hints)


def _resolve(ref: str, root: Any) -> Any:
    if not ref.startswith("#"):
        raise ValueError(f"Only local $ref values ('#/$defs/...') are supported, got {ref!r}.")
    node = root
    for part in ref.lstrip("#").strip("/").split("/"):
        if part:
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _without(schema: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != key}


def _merge(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for schema in schemas:
        for key, value in schema.items():
            if key == "properties":
                merged.setdefault("properties", {}).update(value)
            elif key == "required":
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
            else:
                merged[key] = value
    return merged


def _pick_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        usable = [k for k in kind if k != "null"]
        kind = usable[0] if usable else "null"
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return "string"


def _pick_enum(options: list[Any], hints: Hints) -> Any:
    lowered = hints.text.lower()
    for option in options:
        if isinstance(option, str) and option and option.lower() in lowered:
            return option
    return options[0]


def _object_for(schema: dict[str, Any], hints: Hints, root: Any) -> dict[str, Any]:
    properties: dict[str, Any] = schema.get("properties", {})
    result = {key: instance_for(sub, hints, key, root) for key, sub in properties.items()}
    for key in schema.get("required", []):
        if key not in result:  # required but undeclared: any value the additionalProperties schema allows
            extra = schema.get("additionalProperties", True)
            result[key] = instance_for(extra if isinstance(extra, dict) else {}, hints, key, root)
    minimum = int(schema.get("minProperties", 0))
    extra_schema = schema.get("additionalProperties", True)
    while len(result) < minimum and extra_schema is not False:
        key = f"extra_{len(result)}"
        result[key] = instance_for(extra_schema if isinstance(extra_schema, dict) else {}, hints, key, root)
    return result


def _array_for(schema: dict[str, Any], hints: Hints, name: str, root: Any) -> list[Any]:
    prefix = [instance_for(s, hints, name, root) for s in schema.get("prefixItems", [])]
    count = max(int(schema.get("minItems", 0)), 1 if not prefix else len(prefix))
    if "maxItems" in schema:
        count = min(count, int(schema["maxItems"]))
    items = schema.get("items", {})
    singular = name[:-1] if name.endswith("s") and len(name) > 3 else name
    values = prefix[:count]
    while len(values) < count:
        value = instance_for(items if items is not False else {}, hints, singular, root)
        if schema.get("uniqueItems") and value in values:
            value = _unique_variant(value, len(values))
        values.append(value)
    return values


def _unique_variant(value: Any, index: int) -> Any:
    if isinstance(value, str):
        return f"{value} {index + 1}"
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value + index
    return value


def _number_for(schema: dict[str, Any], hints: Hints, *, integer: bool) -> float:
    low = schema.get("minimum", -math.inf)
    high = schema.get("maximum", math.inf)
    if "exclusiveMinimum" in schema:
        low = max(low, schema["exclusiveMinimum"] + (1 if integer else 1e-6))
    if "exclusiveMaximum" in schema:
        high = min(high, schema["exclusiveMaximum"] - (1 if integer else 1e-6))
    middle = (low + high) / 2 if math.isfinite(low + high) else 0.0
    candidates = [*hints.numbers, 1.0, middle, low, high]
    step = schema.get("multipleOf")
    for candidate in candidates:
        if not math.isfinite(candidate):
            continue
        value = float(math.ceil(candidate)) if integer else candidate
        if step:
            value = math.ceil(value / step) * step
            value = round(value, 10)
        if low <= value <= high and (not integer or value == int(value)):
            return value
    return float(math.ceil(low)) if math.isfinite(low) else 0.0


def _string_for(name: str, schema: dict[str, Any], hints: Hints) -> str:
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS:
        value = _FORMATS[fmt]
    elif name.lower() in _TEXT_NAMES and hints.text:
        value = hints.text
    elif hints.phrases:
        value = hints.phrases[0]
    else:
        value = f"example {name.replace('_', ' ')}"
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    if high is not None:
        value = value[: int(high)]
    if len(value) < low:
        value = value + "x" * (low - len(value))
    return value
