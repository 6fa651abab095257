"""The JSON-schema instance generator: every generated value validates (checked with jsonschema)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from aoai_nb.emulator.engines.base import ChatMessage, ChatRequest
from aoai_nb.emulator.engines.schema_instance import Hints, instance_for
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
