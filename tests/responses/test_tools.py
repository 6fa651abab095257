"""Function calling as a full loop, tool_choice, parallel calls, strict schemas, and structured outputs."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import jsonschema
import openai
import pytest
from pydantic import BaseModel

from tests.responses.conftest import MODEL


def _tool(name: str, properties: dict[str, Any], strict: bool | None = True) -> dict[str, Any]:
    tool: dict[str, Any] = {
        "type": "function",
        "name": name,
        "description": f"The {name} tool",
        "parameters": {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        },
    }
    if strict is not None:
        tool["strict"] = strict
    return tool


WEATHER = _tool("get_weather", {"city": {"type": "string"}})
TIME = _tool("get_time", {"zone": {"type": "string", "enum": ["UTC", "CET"]}})


def _run_tool(name: str, arguments: dict[str, Any]) -> str:
    if name == "get_weather":
        return json.dumps({"city": arguments["city"], "sky": "clear", "celsius": 18})
    return json.dumps({"zone": arguments["zone"], "time": "12:00"})


def test_full_tool_loop_with_previous_response_id(v1: openai.OpenAI) -> None:
    first = v1.responses.create(model=MODEL, input="What's the weather in Lisbon?", tools=[WEATHER])
    [call] = [item for item in first.output if item.type == "function_call"]
    assert call.name == "get_weather" and call.call_id.startswith("call_") and call.id.startswith("fc_")
    arguments = json.loads(call.arguments)
    jsonschema.validate(arguments, WEATHER["parameters"])
    assert arguments["city"] == "Lisbon"
    output = {
        "type": "function_call_output",
        "call_id": call.call_id,
        "output": _run_tool(call.name, arguments),
    }
    second = v1.responses.create(model=MODEL, previous_response_id=first.id, input=[output], tools=[WEATHER])
    assert second.status == "completed"
    assert "get_weather returned" in second.output_text and '"sky": "clear"' in second.output_text


def test_full_tool_loop_replaying_items_without_state(v1: openai.OpenAI) -> None:
    history: list[Any] = [{"role": "user", "content": "Weather in Rome and the time in CET?"}]
    first = v1.responses.create(model=MODEL, input=history, tools=[WEATHER, TIME], store=False)
    calls = [item for item in first.output if item.type == "function_call"]
    assert {c.name for c in calls} == {"get_weather", "get_time"}  # parallel calls by default
    history += [c.model_dump(exclude_none=True) for c in calls]
    history += [
        {
            "type": "function_call_output",
            "call_id": c.call_id,
            "output": _run_tool(c.name, json.loads(c.arguments)),
        }
        for c in calls
    ]
    second = v1.responses.create(model=MODEL, input=history, tools=[WEATHER, TIME], store=False)
    assert "get_weather returned" in second.output_text and "get_time returned" in second.output_text


def test_parallel_tool_calls_false_makes_one_call(v1: openai.OpenAI) -> None:
    response = v1.responses.create(
        model=MODEL,
        input="Weather in Rome and the time in CET?",
        tools=[WEATHER, TIME],
        parallel_tool_calls=False,
    )
    assert [item.type for item in response.output] == ["function_call"]
    assert response.parallel_tool_calls is False


def test_tool_choice_modes(v1: openai.OpenAI) -> None:
    named = v1.responses.create(
        model=MODEL,
        input="hello",
        tools=[WEATHER, TIME],
        tool_choice={"type": "function", "name": "get_time"},
    )
    assert [i.name for i in named.output if i.type == "function_call"] == ["get_time"]
    assert named.tool_choice.name == "get_time"  # type: ignore[union-attr]
    required = v1.responses.create(model=MODEL, input="hello", tools=[WEATHER], tool_choice="required")
    assert required.output[0].type == "function_call"
    none = v1.responses.create(model=MODEL, input="weather in Oslo?", tools=[WEATHER], tool_choice="none")
    assert [i.type for i in none.output] == ["message"]
    auto = v1.responses.create(model=MODEL, input="hello there", tools=[WEATHER])
    assert [i.type for i in auto.output] == ["message"] and auto.tool_choice == "auto"


def test_tool_choice_naming_an_unknown_tool_is_a_400(v1: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        v1.responses.create(
            model=MODEL, input="x", tools=[WEATHER], tool_choice={"type": "function", "name": "nope"}
        )
    assert err.value.param == "tool_choice"


def test_strict_tool_schemas_are_checked(raw: httpx2.Client) -> None:
    loose = {"type": "object", "properties": {"city": {"type": "string"}}}
    tool = {"type": "function", "name": "get_weather", "parameters": loose, "strict": True}
    response = raw.post("/openai/v1/responses", json={"model": MODEL, "input": "x", "tools": [tool]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "tools[0].parameters" and error["code"] == "invalid_function_parameters"
    assert error["message"] == (
        "Invalid schema for function 'get_weather': In context=(), 'additionalProperties' is required to be "
        "supplied and to be false."
    )
    missing = {
        **loose,
        "additionalProperties": False,
        "properties": {"city": {"type": "string"}, "n": {"type": "integer"}},
        "required": ["city"],
    }
    response = raw.post(
        "/openai/v1/responses",
        json={"model": MODEL, "input": "x", "tools": [{**tool, "parameters": missing}]},
    )
    assert response.status_code == 400 and "Missing 'n'" in response.json()["error"]["message"]


def test_strict_left_out_follows_the_schema(v1: openai.OpenAI) -> None:
    loose = {
        "type": "function",
        "name": "lookup",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
    }
    response = v1.responses.create(
        model=MODEL,
        input="lookup please",
        tools=[loose, _tool("get_weather", {"city": {"type": "string"}}, None)],
    )
    strict = {t.name: t.strict for t in response.tools}  # type: ignore[union-attr]
    assert strict == {"lookup": False, "get_weather": True}


class Recipe(BaseModel):
    title: str
    servings: int
    ingredients: list[str]
    vegetarian: bool


def test_parse_with_a_pydantic_model(v1: openai.OpenAI) -> None:
    parsed = v1.responses.parse(model=MODEL, input='A recipe for 4 called "Green Soup"', text_format=Recipe)
    recipe = parsed.output_parsed
    assert isinstance(recipe, Recipe)
    assert recipe.servings == 4 and "Green Soup" in recipe.title  # values lifted from the prompt
    assert parsed.text.format.type == "json_schema" and parsed.text.format.strict is True  # type: ignore[union-attr]


async def test_async_parse(av1: openai.AsyncOpenAI) -> None:
    parsed = await av1.responses.parse(model=MODEL, input="a recipe", text_format=Recipe)
    assert isinstance(parsed.output_parsed, Recipe)


def test_json_schema_output_fits_the_schema(v1: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "days": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "day": {"type": "string", "enum": ["mon", "tue"]},
                        "rain_mm": {"type": "number", "minimum": 0},
                    },
                    "required": ["day", "rain_mm"],
                    "additionalProperties": False,
                },
                "minItems": 2,
            },
        },
        "required": ["city", "days"],
        "additionalProperties": False,
    }
    response = v1.responses.create(
        model=MODEL,
        input='What is the forecast for "Bergen"?',
        text={"format": {"type": "json_schema", "name": "forecast", "schema": schema, "strict": True}},
    )
    data = json.loads(response.output_text)
    jsonschema.validate(data, schema)
    assert data["city"] == "Bergen" and len(data["days"]) >= 2


def test_strict_json_schema_breaking_the_rules_is_a_400(v1: openai.OpenAI) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    with pytest.raises(openai.BadRequestError) as err:
        v1.responses.create(
            model=MODEL,
            input="x",
            text={"format": {"type": "json_schema", "name": "s", "schema": schema, "strict": True}},
        )
    assert err.value.code == "invalid_json_schema" and err.value.param == "text.format.schema"
    assert "Invalid schema for response_format 's'" in err.value.message


def test_json_object_needs_the_word_json(v1: openai.OpenAI) -> None:
    ok = v1.responses.create(model=MODEL, input="Answer in JSON", text={"format": {"type": "json_object"}})
    assert isinstance(json.loads(ok.output_text), dict)
    with pytest.raises(openai.BadRequestError) as err:
        v1.responses.create(model=MODEL, input="Answer", text={"format": {"type": "json_object"}})
    assert "must contain the word 'json'" in err.value.message
