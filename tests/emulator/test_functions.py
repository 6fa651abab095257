"""The deprecated functions/function_call parameters answered as Azure does, and the finish_reason of a named
tool_choice ("stop"), through the openai SDK."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

WEATHER = {
    "name": "get_current_weather",
    "description": "Get the current weather in a given location",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location"],
    },
}
TOOLS: list[Any] = [{"type": "function", "function": WEATHER}]
ASK = [{"role": "user", "content": "What's the weather like in Glasgow, Scotland?"}]


def test_functions_round_trip_as_the_cookbook_does(client: openai.AzureOpenAI) -> None:
    messages: list[Any] = list(ASK)
    first = client.chat.completions.create(model="gpt-4o-mini", messages=messages, functions=[WEATHER])
    choice = first.choices[0]
    assert choice.finish_reason == "function_call"
    call = choice.message.function_call
    assert call is not None and call.name == "get_current_weather"
    arguments = json.loads(call.arguments)
    assert isinstance(arguments["location"], str) and arguments.get("unit") in (None, "celsius", "fahrenheit")
    assert choice.message.tool_calls is None and choice.message.content is None

    messages.append(choice.message.model_dump(exclude_none=True))  # role assistant, function_call
    messages.append({"role": "function", "name": call.name, "content": json.dumps({"temperature": "11 C"})})
    second = client.chat.completions.create(model="gpt-4o-mini", messages=messages, functions=[WEATHER])
    answer = second.choices[0]
    assert answer.finish_reason == "stop" and answer.message.function_call is None
    assert answer.message.content is not None and "11 C" in answer.message.content  # the result came through


def test_named_function_call_ends_with_stop(client: openai.AzureOpenAI) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Hello"}],
        functions=[WEATHER],
        function_call={"name": "get_current_weather"},
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.function_call is not None and choice.message.function_call.name == WEATHER["name"]


def test_function_call_none_answers_in_text(client: openai.AzureOpenAI) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=ASK, functions=[WEATHER], function_call="none"
    )
    assert reply.choices[0].finish_reason == "stop" and reply.choices[0].message.function_call is None


def test_streamed_function_call_arrives_as_delta_function_call(client: openai.AzureOpenAI) -> None:
    name, arguments, reasons = "", "", []
    with client.chat.completions.create(
        model="gpt-4o-mini", messages=ASK, functions=[WEATHER], stream=True
    ) as stream:
        for chunk in stream:
            for choice in chunk.choices:
                assert choice.delta.tool_calls is None
                if choice.delta.function_call is not None:
                    name += choice.delta.function_call.name or ""
                    arguments += choice.delta.function_call.arguments or ""
                reasons.append(choice.finish_reason)
    assert name == "get_current_weather" and "location" in json.loads(arguments)
    assert [r for r in reasons if r] == ["function_call"]


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"functions": [WEATHER], "tools": TOOLS}, "functions"),
        ({"function_call": "auto"}, "function_call"),
        ({"functions": [WEATHER], "function_call": {"name": "nope"}}, "function_call"),
        ({"functions": [{"description": "no name"}]}, "functions[0]"),
    ],
)
def test_bad_functions_requests_are_400s(
    client: openai.AzureOpenAI, extra: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gpt-4o-mini", messages=ASK, extra_body=extra)
    body = info.value.body
    assert isinstance(body, dict) and body["param"] == param


@pytest.mark.parametrize(
    ("tool_choice", "reason"),
    [({"type": "function", "function": {"name": "get_current_weather"}}, "stop"), ("required", "tool_calls")],
)
def test_tool_choice_finish_reason(client: openai.AzureOpenAI, tool_choice: Any, reason: str) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=ASK, tools=TOOLS, tool_choice=tool_choice
    )
    choice = reply.choices[0]
    assert choice.finish_reason == reason
    assert choice.message.tool_calls and choice.message.tool_calls[0].function.name == "get_current_weather"
    with client.chat.completions.create(
        model="gpt-4o-mini", messages=ASK, tools=TOOLS, tool_choice=tool_choice, stream=True
    ) as stream:
        reasons = [c.finish_reason for chunk in stream for c in chunk.choices if c.finish_reason]
    assert reasons == [reason]


def test_auto_tool_choice_keeps_tool_calls(client: openai.AzureOpenAI) -> None:
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=ASK, tools=TOOLS)
    assert reply.choices[0].finish_reason == "tool_calls" and reply.choices[0].message.function_call is None


def test_history_with_function_turns_works_without_functions(client: openai.AzureOpenAI) -> None:
    """The last call of a conversation may drop ``functions``; its history keeps the legacy turns."""
    history: list[Any] = [
        *ASK,
        {"role": "assistant", "content": None, "function_call": {"name": WEATHER["name"], "arguments": "{}"}},
        {"role": "function", "name": WEATHER["name"], "content": "rain, 11 C"},
    ]
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=history)
    assert reply.choices[0].finish_reason == "stop" and "rain, 11 C" in (
        reply.choices[0].message.content or ""
    )


@pytest.mark.parametrize(
    ("message", "param"),
    [
        ({"role": "function", "content": "no name"}, "messages[1].name"),
        (
            {"role": "assistant", "function_call": {"name": "f", "arguments": {"a": 1}}},
            "messages[1].function_call.arguments",
        ),
        ({"role": "assistant", "function_call": "f"}, "messages[1].function_call"),
    ],
)
def test_bad_legacy_turns_are_400s(client: openai.AzureOpenAI, message: dict[str, Any], param: str) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gpt-4o-mini", messages=[*ASK, message])
    body = info.value.body
    assert isinstance(body, dict) and body["param"] == param
