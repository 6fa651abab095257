"""The JSON-schema instance generator: every generated value validates (checked with jsonschema)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from aoai_nb.emulator.engines.base import ChatMessage, ChatRequest
from aoai_nb.emulator.engines.schema_instance import (
    MAX_COUNT,
    MAX_SIZE,
    SCHEMA_ERRORS,
    Budget,
    Hints,
    SchemaError,
    instance_for,
)
from aoai_nb.emulator.engines.scripted import ScriptedChatEngine

from .helpers import drain, text_of

SCHEMAS: dict[str, dict[str, Any]] = {
    "flat object": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}, "ok": {"type": "boolean"}},
        "required": ["name", "age", "ok"],
        "additionalProperties": False,
    },
    "strict structured output with $defs": {
        "type": "object",
        "properties": {
            "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}},
            "final_answer": {"type": "string"},
        },
        "required": ["steps", "final_answer"],
        "additionalProperties": False,
        "$defs": {
            "step": {
                "type": "object",
                "properties": {"explanation": {"type": "string"}, "output": {"type": "string"}},
                "required": ["explanation", "output"],
                "additionalProperties": False,
            }
        },
    },
    "enums and nullable": {
        "type": "object",
        "properties": {
            "colour": {"enum": ["red", "green", "blue"]},
            "nickname": {"type": ["string", "null"]},
            "maybe": {"anyOf": [{"type": "null"}, {"type": "number", "minimum": 10}]},
            "kind": {"const": "fixed"},
        },
        "required": ["colour", "nickname", "maybe", "kind"],
    },
    "number bounds": {
        "type": "object",
        "properties": {
            "score": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "count": {"type": "integer", "minimum": 5, "maximum": 9, "multipleOf": 3},
            "price": {"type": "number", "multipleOf": 0.25, "minimum": 2.1},
            "negative": {"type": "integer", "maximum": -4},
        },
        "required": ["score", "count", "price", "negative"],
    },
    "strings": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "minLength": 12, "maxLength": 12},
            "short": {"type": "string", "maxLength": 3},
            "when": {"type": "string", "format": "date"},
            "site": {"type": "string", "format": "uri"},
            "id": {"type": "string", "format": "uuid"},
        },
        "required": ["code", "short", "when", "site", "id"],
    },
    "arrays": {
        "type": "array",
        "items": {"type": "integer"},
        "minItems": 3,
        "maxItems": 5,
        "uniqueItems": True,
    },
    "tuple": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}], "items": False},
    "allOf merge": {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"b": {"type": "integer", "minimum": 2}}, "required": ["b"]},
        ]
    },
    "nested with definitions": {
        "type": "object",
        "properties": {"root": {"$ref": "#/definitions/node"}},
        "required": ["root"],
        "definitions": {
            "node": {
                "type": "object",
                "properties": {"label": {"type": "string"}, "weight": {"type": "number"}},
                "required": ["label"],
            }
        },
    },
    "min properties from additionalProperties": {
        "type": "object",
        "additionalProperties": {"type": "integer"},
        "minProperties": 2,
    },
    "bare": {},
    "recursive tree": {
        "$ref": "#/$defs/node",
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "label": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                },
                "required": ["label", "children"],
                "additionalProperties": False,
            }
        },
    },
    "linked list with a null end": {
        "type": "object",
        "properties": {"value": {"type": "integer"}, "next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}},
        "required": ["value", "next"],
    },
    "optional property refers back": {"type": "object", "properties": {"a": {"$ref": "#"}}},
    "counts at the limit": {
        "type": "object",
        "properties": {"tags": {"type": "array", "items": {"type": "integer"}, "minItems": MAX_COUNT}},
        "required": ["tags"],
    },
}


@pytest.mark.parametrize("schema", SCHEMAS.values(), ids=SCHEMAS.keys())
def test_generated_instance_validates(schema: dict[str, Any]) -> None:
    hints = Hints.from_text('Plan a trip to "New York" for 4 people on a budget of 1200.5 dollars')
    value = instance_for(schema, hints)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(value)
    assert json.loads(json.dumps(value)) == value


def test_values_come_from_the_message_where_possible() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "guests": {"type": "integer"},
            "query": {"type": "string"},
        },
    }
    value = instance_for(schema, Hints.from_text("Book a table in Lisbon for 4 guests"))
    assert value == {"city": "Lisbon", "guests": 4, "query": "Book a table in Lisbon for 4 guests"}


def test_strings_without_hints_name_their_field() -> None:
    assert instance_for({"type": "string"}, Hints.from_text(""), name="user_name") == "example user name"


def test_hints_skip_sentence_starters_and_keep_quotes_first() -> None:
    hints = Hints.from_text('What is the capital of France? Compare with "Old Town" and Spain\'s coast.')
    assert hints.phrases == ("Old Town", "France", "Compare", "Spain")


def test_chat_json_schema_reply_validates() -> None:
    schema = SCHEMAS["strict structured output with $defs"]
    request = ChatRequest(
        messages=(ChatMessage("user", "Solve 8x + 7 = -23"),),
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "math", "schema": schema, "strict": True},
        },
    )
    deltas, finish = drain(ENGINE.chat(request))
    jsonschema.validate(json.loads(text_of(deltas)), schema)
    assert finish.finish_reason == "stop"


ENGINE = ScriptedChatEngine()


UNUSABLE: dict[str, Any] = {
    "minItems over the limit": {"type": "array", "minItems": MAX_COUNT + 1},
    "minLength 50,000,000": {"type": "string", "minLength": 50_000_000},
    "minProperties a string": {"type": "object", "minProperties": "3"},
    "minItems infinite": {"type": "array", "minItems": float("inf")},
    "nested counts over the size limit": {
        "type": "array",
        "minItems": MAX_COUNT,
        "items": {"type": "string", "minLength": MAX_COUNT},
    },
    "$ref a number": {"$ref": 5},
    "$ref to itself": {"$ref": "#"},
    "required property refers back": {
        "type": "object",
        "properties": {"a": {"$ref": "#"}},
        "required": ["a"],
    },
    "$ref to a missing key": {"$ref": "#/$defs/nope"},
    "$ref past a list": {"$ref": "#/x/3", "x": [1]},
    "multipleOf 1e-320": {"type": "integer", "multipleOf": 1e-320},
    "multipleOf zero": {"type": "number", "multipleOf": 0},
    "properties a list": {"type": "object", "properties": [1]},
}


@pytest.mark.parametrize("schema", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_unusable_schemas_raise_a_schema_error(schema: dict[str, Any]) -> None:
    with pytest.raises(SCHEMA_ERRORS):
        instance_for(schema, Hints.from_text("hi"))


def test_limit_errors_say_which_limit() -> None:
    with pytest.raises(SchemaError, match=f"minItems must be a whole number from 0 to {MAX_COUNT}"):
        instance_for({"type": "array", "minItems": 3_000_000}, Hints.from_text(""))
    with pytest.raises(SchemaError, match="deeper than"):
        instance_for({"$ref": "#"}, Hints.from_text(""))
    with pytest.raises(SchemaError, match=f"limit of {MAX_SIZE} values"):
        instance_for(UNUSABLE["nested counts over the size limit"], Hints.from_text(""))


def test_a_budget_is_shared_by_the_instances_of_one_reply() -> None:
    schema = {"type": "string", "minLength": 600}
    budget = Budget(1000)
    assert len(instance_for(schema, Hints.from_text(""), budget=budget)) == 600
    with pytest.raises(SchemaError):
        instance_for(schema, Hints.from_text(""), budget=budget)


def test_recursion_is_expanded_once_then_minimally() -> None:
    value = instance_for(SCHEMAS["recursive tree"], Hints.from_text(""))
    assert value == {"label": "example label", "children": [{"label": "example label", "children": []}]}
