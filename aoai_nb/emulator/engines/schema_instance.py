"""Build a JSON value that validates against a JSON schema, filled from hints found in the user's message.

Used by the scripted chat engine for tool-call arguments and ``response_format`` ``json_schema``. Supported:
``type`` (single or list), ``enum``, ``const``, ``properties``/``required`` (every listed property is filled),
``items``/``prefixItems``/``minItems``/``maxItems``, string ``minLength``/``maxLength``/``format``, number
bounds and ``multipleOf``, ``anyOf``/``oneOf`` (first usable branch), ``allOf`` (merged), ``$ref`` into
``$defs``/``definitions``, ``default``/``examples``. ``pattern`` is not honoured. A recursive ``$ref`` is
expanded once in full, then minimally (required properties only, minItems items, null where allowed).

Limits (a schema over them is refused with ``SchemaError``): minItems/minProperties/minLength at most
MAX_COUNT, nesting at most MAX_DEPTH levels, and at most MAX_SIZE values plus string characters per reply.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

MAX_COUNT = 1_000  # the largest minItems / minProperties / minLength honoured
MAX_DEPTH = 64  # schema levels ($ref, allOf and anyOf hops count) before a schema is refused
MAX_SIZE = 20_000  # values plus string characters in one reply's instances
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


class SchemaError(ValueError):
    """The schema cannot be turned into an instance within the emulator's limits (the message says why)."""


class Budget:
    """How many values plus string characters one reply's instances may hold (shared by a reply's tool calls)."""

    def __init__(self, size: int = MAX_SIZE) -> None:
        self.size = self.left = size

    def spend(self, amount: int) -> None:
        self.left -= amount
        if self.left < 0:
            raise SchemaError(
                f"the instance it asks for is larger than the emulator's limit of {self.size} values and string "
                "characters; lower minItems/minProperties/minLength or nest less."
            )


# What a schema the generator cannot use raises: SchemaError, or Python's own error on a malformed value
# (a $ref to a missing key, a string where a number belongs, a multipleOf too small to divide by).
SCHEMA_ERRORS = (LookupError, TypeError, ValueError, AttributeError, RecursionError, OverflowError)


def instance_for(
    schema: Any, hints: Hints, name: str = "value", root: Any = None, *, budget: Budget | None = None
) -> Any:
    """A value valid against ``schema`` (a dict, or ``True``/``{}`` meaning anything). Raises ``SchemaError``
    (or another of ``SCHEMA_ERRORS``) for a schema it cannot use."""
    builder = _Builder(hints, schema if root is None else root, budget or Budget())
    return builder.build(schema, name, 0, (), False)


@dataclass
class _Builder:
    hints: Hints
    root: Any
    budget: Budget

    def build(self, schema: Any, name: str, depth: int, refs: tuple[str, ...], minimal: bool) -> Any:
        """``refs``: the $refs being expanded; ``minimal``: inside a recursion, build the least allowed."""
        if depth > MAX_DEPTH:
            raise SchemaError(
                f"it nests deeper than {MAX_DEPTH} levels, or a $ref refers back to itself with no way out "
                "(a recursive schema needs an optional property, an empty array or a null branch)."
            )
        self.budget.spend(1)
        deeper = depth + 1
        if not isinstance(schema, dict):
            return self.string(name, {}) if schema is not False else None
        if "$ref" in schema:
            ref = schema["$ref"]
            target = _resolve(ref, self.root)
            return self.build(target, name, deeper, (*refs, ref), minimal or ref in refs)
        if "const" in schema:
            return self.given(schema["const"])
        if "enum" in schema and schema["enum"]:
            return self.given(_pick_enum(list(schema["enum"]), self.hints))
        if "allOf" in schema:
            merged = _merge([s for s in schema["allOf"] if isinstance(s, dict)] + [_without(schema, "allOf")])
            return self.build(merged, name, deeper, refs, minimal)
        for key in ("anyOf", "oneOf"):
            if key in schema and schema[key]:
                branches = [b for b in schema[key] if not (isinstance(b, dict) and b.get("type") == "null")]
                if minimal and len(branches) < len(schema[key]):
                    return None
                base = _without(schema, key)
                return self.build(_merge([base, (branches or schema[key])[0]]), name, deeper, refs, minimal)
        if "default" in schema:
            return self.given(schema["default"])
        if schema.get("examples"):
            return self.given(schema["examples"][0])
        kind = _pick_type(schema, minimal)
        if kind == "object":
            return self.object(schema, deeper, refs, minimal)
        if kind == "array":
            return self.array(schema, name, deeper, refs, minimal)
        if kind == "integer":
            return int(_number_for(schema, self.hints, integer=True))
        if kind == "number":
            return _number_for(schema, self.hints, integer=False)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self.string(name, schema)

    def given(self, value: Any) -> Any:
        """A value written in the schema (const, default, enum, examples), charged at its JSON size."""
        self.budget.spend(len(json.dumps(value)))
        return value

    def object(
        self, schema: dict[str, Any], depth: int, refs: tuple[str, ...], minimal: bool
    ) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        required = list(schema.get("required", []))
        result = {
            key: self.build(sub, key, depth, refs, minimal)
            for key, sub in properties.items()
            if not minimal or key in required
        }
        extra = schema.get("additionalProperties", True)
        extra_schema = extra if isinstance(extra, dict) else {}
        for key in required:
            if key not in result:  # required but undeclared: any value the additionalProperties schema allows
                result[key] = self.build(properties.get(key, extra_schema), key, depth, refs, minimal)
        minimum = _count(schema, "minProperties")
        while len(result) < minimum and extra is not False:
            key = f"extra_{len(result)}"
            result[key] = self.build(extra_schema, key, depth, refs, minimal)
        return result

    def array(
        self, schema: dict[str, Any], name: str, depth: int, refs: tuple[str, ...], minimal: bool
    ) -> list[Any]:
        prefix = list(schema.get("prefixItems", []))
        count = max(_count(schema, "minItems"), 0 if minimal else 1 if not prefix else len(prefix))
        if "maxItems" in schema:
            if _count(schema, "minItems") > schema["maxItems"]:
                raise SchemaError(f"minItems is greater than maxItems {schema['maxItems']!r}.")
            count = min(count, int(schema["maxItems"]))
        items = schema.get("items", {})
        singular = name[:-1] if name.endswith("s") and len(name) > 3 else name
        values = [self.build(s, name, depth, refs, minimal) for s in prefix[:count]]
        while len(values) < count:
            value = self.build(items if items is not False else {}, singular, depth, refs, minimal)
            if schema.get("uniqueItems") and value in values:
                value = _unique_variant(value, len(values))
            values.append(value)
        return values

    def string(self, name: str, schema: dict[str, Any]) -> str:
        value = _string_for(name, schema, self.hints)
        self.budget.spend(len(value))
        return value


def _count(schema: dict[str, Any], key: str) -> int:
    """``minItems``/``minProperties``/``minLength``: a whole number up to MAX_COUNT."""
    value = schema.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_COUNT:
        raise SchemaError(
            f"{key} must be a whole number from 0 to {MAX_COUNT} (the emulator's limit), not {value!r}."
        )
    return int(value)


def _resolve(ref: Any, root: Any) -> Any:
    if not isinstance(ref, str) or not ref.startswith("#"):
        raise SchemaError(f"only local $ref strings ('#/$defs/...') are supported, got {ref!r}.")
    node = root
    for part in ref.lstrip("#").strip("/").split("/"):
        if part:
            key = part.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
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


def _pick_type(schema: dict[str, Any], minimal: bool) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        usable = [k for k in kind if k != "null"]
        kind = usable[0] if usable and not (minimal and "null" in kind) else "null"
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
    if step is not None and (isinstance(step, bool) or not isinstance(step, int | float) or not step > 0):
        raise SchemaError(f"multipleOf must be a number above 0, not {step!r}.")
    for candidate in candidates:
        if not math.isfinite(candidate):
            continue
        for rounding in (math.ceil, math.floor):  # up first; down finds an integer under a bare maximum
            value = float(rounding(candidate)) if integer else candidate
            if step:
                if not math.isfinite(value / step):
                    raise SchemaError(f"multipleOf {step!r} is too small to compute a multiple of it.")
                value = round(rounding(value / step) * step, 10)
            if low <= value <= high and (not integer or value == int(value)):
                return value
    raise SchemaError(  # answering a number outside the bounds would break the schema's own contract
        f"no {'integer' if integer else 'number'}{f' multiple of {step:g}' if step else ''} lies between "
        f"{low:g} and {high:g}; fix minimum/maximum."
    )


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
    low, high = _count(schema, "minLength"), schema.get("maxLength")
    if high is not None and low > high:
        raise SchemaError(f"minLength {low} is greater than maxLength {high!r}.")
    if high is not None:
        value = value[: int(high)]
    if len(value) < low:
        value = value + "x" * (low - len(value))
    return value
