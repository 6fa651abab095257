"""The Responses API on the real local model (SmolLM2 through llama.cpp): text, chaining, a forced function
call, structured output via responses.parse, and a stream. Skipped without the [local] extra."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema
import openai
import pytest
from pydantic import BaseModel, Field

from tests.local.helpers import looks_like_english, skip_without_local_models
from tests.responses.conftest import MODEL

pytestmark = [pytest.mark.local_models, skip_without_local_models()]
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
}


class Colour(BaseModel):
    name: str = Field(max_length=24)  # bounded, so a 135M model's string ends within the token budget
    warm: bool


@pytest.fixture(scope="module")
def local() -> Iterator[openai.OpenAI]:
    from aoai_nb.emulator import Emulator

    with Emulator(engine="local") as emu:
        with openai.OpenAI(base_url=f"{emu.url}/openai/v1/", api_key=emu.api_key, max_retries=0) as client:
            yield client


def test_text_and_chaining(local: openai.OpenAI) -> None:
    raw = local.responses.with_raw_response.create(
        model=MODEL, input="Why is the sky blue?", max_output_tokens=40, temperature=0
    )
    assert raw.headers["x-aoai-nb-engine"].startswith("local:")
    first = raw.parse()
    assert first.status in ("completed", "incomplete") and looks_like_english(first.output_text)
    assert first.usage is not None and 0 < first.usage.output_tokens <= 40
    second = local.responses.create(
        model=MODEL, input="Say that again, shorter.", previous_response_id=first.id, max_output_tokens=30
    )
    assert second.output_text and second.usage is not None
    assert second.usage.input_tokens > first.usage.input_tokens  # the first turn reached the model


def test_forced_function_call_fits_the_schema(local: openai.OpenAI) -> None:
    response = local.responses.create(
        model=MODEL,
        input="What's the weather in Paris?",
        tools=[WEATHER],
        tool_choice={"type": "function", "name": "get_weather"},
    )
    [call] = [item for item in response.output if item.type == "function_call"]
    jsonschema.validate(json.loads(call.arguments), WEATHER["parameters"])


def test_parse_fits_the_pydantic_model(local: openai.OpenAI) -> None:
    parsed = local.responses.parse(
        model=MODEL,
        input="Name a colour and say whether it is warm.",
        text_format=Colour,
        max_output_tokens=80,
    )
    assert parsed.status == "completed" and isinstance(parsed.output_parsed, Colour)


def test_stream_deltas_add_up(local: openai.OpenAI) -> None:
    events = list(local.responses.create(model=MODEL, input="Hello!", stream=True, max_output_tokens=20))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert events[-1].type in ("response.completed", "response.incomplete")
    assert text == events[-1].response.output_text and text
