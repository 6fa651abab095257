"""Streamed responses: the event order, sequence numbers, deltas that add up, function-call argument deltas."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai

from tests.responses.conftest import MODEL

TEXT_EVENTS = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
]
TEXT_END = [
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
]
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["C", "F"]}},
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
    "strict": True,
}


def _types(events: list[Any]) -> list[str]:
    return [e.type for e in events]


def test_text_stream_event_order_and_sequence(v1: openai.OpenAI) -> None:
    events = list(v1.responses.create(model=MODEL, input="Tell me about tides", stream=True))
    types = _types(events)
    assert types[:4] == TEXT_EVENTS and types[-4:] == TEXT_END
    middle = types[4:-4]
    assert middle and set(middle) == {"response.output_text.delta"}
    assert [e.sequence_number for e in events] == list(range(len(events)))
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    final = events[-1].response
    assert final.status == "completed" and deltas == final.output_text
    done = next(e for e in events if e.type == "response.output_text.done")
    assert done.text == deltas
    assert events[0].response.status == "in_progress" and events[0].response.output == []
    item_ids = {e.item_id for e in events if e.type == "response.output_text.delta"}
    assert item_ids == {final.output[0].id}


def test_stream_with_the_sdk_helper(v1: openai.OpenAI) -> None:
    with v1.responses.stream(model=MODEL, input="Say something short") as stream:
        pieces = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(pieces) == final.output_text and final.status == "completed"


def test_sse_framing_names_each_event(raw: httpx2.Client) -> None:
    response = raw.post("/openai/v1/responses", json={"model": MODEL, "input": "hi", "stream": True})
    assert response.headers["content-type"].startswith("text/event-stream")
    frames = [f for f in response.text.split("\n\n") if f]
    for f in frames:
        event_line, data_line = f.split("\n")
        assert event_line == "event: " + json.loads(data_line.removeprefix("data: "))["type"]
    assert "[DONE]" not in response.text


def test_function_call_argument_deltas(v1: openai.OpenAI) -> None:
    events = list(
        v1.responses.create(model=MODEL, input="What's the weather in Oslo?", tools=[WEATHER], stream=True)
    )
    types = _types(events)
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[2] == "response.output_item.added" and events[2].item.type == "function_call"
    assert types[-3:] == [
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    pieces = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    done = events[-3]
    assert len(pieces) > 1 and "".join(pieces) == done.arguments and done.name == "get_weather"
    arguments = json.loads(done.arguments)
    assert arguments["city"] == "Oslo" and arguments["unit"] in ("C", "F")
    final = events[-1].response
    assert final.output[0].arguments == done.arguments and final.output[0].status == "completed"


async def test_async_stream(av1: openai.AsyncOpenAI) -> None:
    stream = await av1.responses.create(model=MODEL, input="async stream", stream=True)
    events = [e async for e in stream]
    assert _types(events)[:4] == TEXT_EVENTS and events[-1].type == "response.completed"
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == events[-1].response.output_text


def test_streamed_response_is_stored(v1: openai.OpenAI) -> None:
    events = list(v1.responses.create(model=MODEL, input="keep me", stream=True))
    stored = v1.responses.retrieve(events[-1].response.id)
    assert stored.status == "completed" and stored.output_text == events[-1].response.output_text


def test_logprobs_when_included(v1: openai.OpenAI) -> None:
    response = v1.responses.create(
        model=MODEL, input="hi", include=["message.output_text.logprobs"], top_logprobs=2
    )
    part = response.output[0].content[0]
    assert part.type == "output_text" and part.logprobs
    assert "".join(lp.token for lp in part.logprobs) == part.text
    assert all(len(lp.top_logprobs) == 2 for lp in part.logprobs)
