"""Scripted tool calling: when tools are called, valid arguments, and answering after tool results."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from aoai_nb.emulator.engines.base import ChatMessage, ChatRequest, EngineInputError, SamplingParams
from aoai_nb.emulator.engines.scripted import ScriptedChatEngine

from .helpers import drain, text_of

ENGINE = ScriptedChatEngine()
WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City, e.g. Paris"},
                "unit": {"type": "string", "enum": ["fahrenheit", "celsius"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["location", "unit"],
        },
    },
}
CALENDAR: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "createCalendarEvent",
        "parameters": {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "start": {"type": "string", "format": "date-time"},
                "attendees": {"type": "array", "items": {"type": "string", "format": "email"}, "minItems": 2},
                "private": {"type": "boolean"},
            },
            "required": ["title", "start", "attendees", "private"],
            "additionalProperties": False,
        },
    },
}
NO_PARAMS = {"type": "function", "function": {"name": "ping"}}


def chat(text: str, tools: tuple[dict[str, Any], ...], tool_choice: Any = None) -> ChatRequest:
    return ChatRequest(messages=(ChatMessage("user", text),), tools=tools, tool_choice=tool_choice)


def test_mentioned_tool_is_called_with_valid_arguments_from_the_message() -> None:
    deltas, finish = drain(
        ENGINE.chat(chat("What's the weather in Paris in celsius for 3 days?", (WEATHER,)))
    )
    assert deltas == []
    assert finish.finish_reason == "tool_calls"
    (call,) = finish.tool_calls
    assert call.name == "get_current_weather"
    assert call.id.startswith("call_")
    arguments = json.loads(call.arguments)
    jsonschema.validate(arguments, WEATHER["function"]["parameters"])
    assert arguments == {"location": "Paris", "unit": "celsius", "days": 3}
    assert finish.completion_tokens > 0


def test_tool_not_mentioned_under_auto_gets_a_text_reply() -> None:
    _, finish = drain(ENGINE.chat(chat("Tell me a joke", (WEATHER,), "auto")))
    assert finish.finish_reason == "stop"


def test_tool_choice_none_never_calls() -> None:
    _, finish = drain(ENGINE.chat(chat("weather in Oslo?", (WEATHER,), "none")))
    assert finish.finish_reason == "stop"


def test_required_calls_the_first_tool_when_none_is_mentioned() -> None:
    _, finish = drain(ENGINE.chat(chat("Tell me a joke", (NO_PARAMS, WEATHER), "required")))
    assert [c.name for c in finish.tool_calls] == ["ping"]
    assert json.loads(finish.tool_calls[0].arguments) == {}


def test_named_function_is_called_even_if_not_mentioned() -> None:
    choice = {"type": "function", "function": {"name": "createCalendarEvent"}}
    _, finish = drain(ENGINE.chat(chat("Lunch with Ada Lovelace", (WEATHER, CALENDAR), choice)))
    (call,) = finish.tool_calls
    arguments = json.loads(call.arguments)
    jsonschema.validate(
        arguments, CALENDAR["function"]["parameters"], format_checker=jsonschema.FormatChecker()
    )
    assert arguments["title"] == "Lunch with Ada Lovelace"
    assert len(arguments["attendees"]) == 2


def test_unknown_named_function_is_an_input_error() -> None:
    choice = {"type": "function", "function": {"name": "nope"}}
    with pytest.raises(EngineInputError) as caught:
        ENGINE.chat(chat("x", (WEATHER,), choice))
    assert caught.value.param == "tool_choice"


def test_several_mentioned_tools_are_called_in_parallel_with_distinct_ids() -> None:
    _, finish = drain(ENGINE.chat(chat("Check the weather, then add a calendar event", (WEATHER, CALENDAR))))
    assert [c.name for c in finish.tool_calls] == ["get_current_weather", "createCalendarEvent"]
    assert len({c.id for c in finish.tool_calls}) == 2


def test_tool_calls_are_deterministic() -> None:
    request = chat("weather in Rome?", (WEATHER,))
    assert drain(ENGINE.chat(request))[1] == drain(ENGINE.chat(request))[1]


def test_after_a_tool_result_the_reply_summarises_it() -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_current_weather", "arguments": "{}"},
    }
    request = ChatRequest(
        messages=(
            ChatMessage("user", "What's the weather in Paris?"),
            ChatMessage("assistant", "", tool_calls=(call,)),
            ChatMessage("tool", '{"temperature": 21, "sky": "clear"}', tool_call_id="call_1"),
        ),
        tools=(WEATHER,),
        sampling=SamplingParams(temperature=0),
    )
    deltas, finish = drain(ENGINE.chat(request))
    text = text_of(deltas)
    assert finish.finish_reason == "stop"
    assert text.startswith("[scripted reply] Tool results: get_current_weather returned")
    assert '"temperature": 21' in text


def test_malformed_tool_definition_is_an_input_error() -> None:
    with pytest.raises(EngineInputError) as caught:
        ENGINE.chat(chat("x", ({"type": "function", "function": {"description": "no name"}},)))
    assert caught.value.param == "tools"


def _tool(name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": parameters}}


@pytest.mark.parametrize(
    "parameters",
    [
        {"$ref": "#"},
        {"$ref": 5},
        {"type": "object", "properties": {"k": {"type": "integer", "multipleOf": 1e-320}}},
        {"type": "object", "properties": {"k": {"type": "array", "minItems": 3_000_000}}},
    ],
    ids=["self $ref", "$ref a number", "multipleOf 1e-320", "minItems 3,000,000"],
)
def test_unusable_parameters_schema_is_an_input_error(parameters: dict[str, Any]) -> None:
    with pytest.raises(EngineInputError) as caught:
        ENGINE.chat(chat("x", (_tool("f", parameters),), "required"))
    assert caught.value.param == "tools"


def test_the_size_limit_covers_all_the_calls_of_a_reply() -> None:
    """Each call alone fits the limit; the reply's calls together do not."""
    big = {"type": "object", "properties": {"s": {"type": "string", "minLength": 1000}}, "required": ["s"]}
    tools = tuple(_tool(f"tool_{k}", big) for k in range(25))
    drain(ENGINE.chat(chat("use tool_0", tools[:1])))
    with pytest.raises(EngineInputError, match="limit of 20000"):
        ENGINE.chat(chat(" ".join(f"tool_{k}" for k in range(25)), tools))


def test_parallel_tool_calls_false_gives_at_most_one_call() -> None:
    text = "Weather in Paris, and put it in my calendar"
    both = ChatRequest(messages=(ChatMessage("user", text),), tools=(WEATHER, CALENDAR))
    one = ChatRequest(messages=both.messages, tools=both.tools, parallel_tool_calls=False)
    assert [c.name for c in drain(ENGINE.chat(both))[1].tool_calls] == [
        "get_current_weather",
        "createCalendarEvent",
    ]
    assert [c.name for c in drain(ENGINE.chat(one))[1].tool_calls] == ["get_current_weather"]
