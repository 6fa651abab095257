"""Creating responses through the real SDK: inputs, instructions, limits, sampling, metadata, routes."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx2
import openai
import pytest
from PIL import Image

from tests.responses.conftest import MODEL


def _png_data_url() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 4), (200, 30, 30)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_string_input_answers_with_one_message(v1: openai.OpenAI) -> None:
    response = v1.responses.create(model=MODEL, input="Name three rivers")
    assert response.object == "response" and response.status == "completed"
    assert response.id.startswith("resp_")
    [message] = response.output
    assert message.type == "message" and message.role == "assistant" and message.id.startswith("msg_")
    assert '"Name three rivers"' in response.output_text  # the scripted engine quotes the prompt
    usage = response.usage
    assert usage is not None and usage.input_tokens > 0 and usage.output_tokens > 0
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert usage.input_tokens_details.cached_tokens == 0
    assert usage.output_tokens_details.reasoning_tokens == 0


def test_headers_carry_request_id_and_engine(v1: openai.OpenAI) -> None:
    raw = v1.responses.with_raw_response.create(model=MODEL, input="hi")
    assert raw.headers["x-request-id"] == raw.headers["apim-request-id"]
    assert raw.headers["x-aoai-nb-engine"] == "scripted"
    assert raw.parse().status == "completed"


def test_instructions_reach_the_engine_and_are_echoed(v1: openai.OpenAI) -> None:
    response = v1.responses.create(model=MODEL, input="Hello", instructions="Answer like a pirate always")
    assert response.instructions == "Answer like a pirate always"
    assert 'The system prompt begins "Answer like a pirate always"' in response.output_text


def test_message_items_with_text_and_image_parts(v1: openai.OpenAI) -> None:
    response = v1.responses.create(
        model=MODEL,
        input=[
            {"role": "developer", "content": "Describe images plainly"},
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is in this picture?"},
                    {"type": "input_image", "image_url": _png_data_url()},
                ],
            },
        ],
    )
    text = response.output_text
    assert "8x4" in text.replace(" ", "") or "8 x 4" in text  # the scripted engine measures the image
    assert "2 messages (1 from the user)" in text


def test_image_url_that_needs_fetching_is_a_400(v1: openai.OpenAI) -> None:
    item = {"role": "user", "content": [{"type": "input_image", "image_url": "https://example.com/a.png"}]}
    with pytest.raises(openai.BadRequestError) as err:
        v1.responses.create(model=MODEL, input=[item])
    assert err.value.code == "invalid_image_url"


def test_max_output_tokens_below_16_is_azures_exact_error(v1: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        v1.responses.create(model=MODEL, input="hi", max_output_tokens=10)
    assert err.value.body == {
        "message": "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, "
        "but got 10 instead.",
        "type": "invalid_request_error",
        "param": "max_output_tokens",
        "code": "integer_below_min_value",
    }


def test_max_output_tokens_cuts_the_reply_as_incomplete(v1: openai.OpenAI) -> None:
    response = v1.responses.create(model=MODEL, input="Write a long story", max_output_tokens=16)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.usage is not None and response.usage.output_tokens == 16
    assert response.max_output_tokens == 16


def test_sampling_and_metadata_are_echoed(v1: openai.OpenAI) -> None:
    response = v1.responses.create(
        model=MODEL, input="hi", temperature=0.2, top_p=0.5, metadata={"course": "day-1"}, user="u1"
    )
    assert response.temperature == pytest.approx(0.2)
    assert response.top_p == pytest.approx(0.5)
    assert response.metadata == {"course": "day-1"}
    assert response.store is True and response.background is False


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"temperature": 3}, "temperature"),
        ({"top_p": -1}, "top_p"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
        ({"metadata": {"k": 1}}, "metadata.k"),
        ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
        ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools[0]"),
        ({"tool_choice": "required"}, "tool_choice"),
        ({"text": {"format": {"type": "xml"}}}, "text.format.type"),
        ({"include": ["everything"]}, "include"),
        ({"conversation": "conv_1"}, "conversation"),
        ({"frequency_penalty": 1}, "frequency_penalty"),
        ({"background": True, "store": False}, "background"),
        ({"stream_options": {"include_obfuscation": False}}, "stream_options"),
        ({"previous_response_id": "resp_nope"}, "previous_response_id"),
    ],
)
def test_bad_inputs_are_azure_shaped_400s(raw: httpx2.Client, extra: dict[str, Any], param: str) -> None:
    response = raw.post("/openai/v1/responses", json={"model": MODEL, "input": "hi", **extra})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == param
    assert error["type"] == "invalid_request_error" and error["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"model": MODEL},
        {"model": MODEL, "input": 5},
        {"model": MODEL, "input": [{"role": "robot", "content": "x"}]},
        {"model": MODEL, "input": [{"type": "function_call_output", "output": "x"}]},
        {"model": MODEL, "input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]},
        {"model": MODEL, "input": [{"role": "assistant", "content": [{"type": "input_text", "text": "x"}]}]},
        {"model": MODEL, "input": []},
        {"input": "hi"},
    ],
    ids=[
        "no-input",
        "number",
        "role",
        "no-call-id",
        "input-file",
        "assistant-input-text",
        "empty",
        "no-model",
    ],
)
def test_malformed_input_is_a_400(raw: httpx2.Client, body: dict[str, Any]) -> None:
    response = raw.post("/openai/v1/responses", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"]


def test_unknown_deployment_and_wrong_capability(raw: httpx2.Client) -> None:
    missing = raw.post("/openai/v1/responses", json={"model": "nope", "input": "hi"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "DeploymentNotFound"
    embeddings = raw.post("/openai/v1/responses", json={"model": "text-embedding-3-small", "input": "hi"})
    assert embeddings.status_code == 400
    assert embeddings.json()["error"]["code"] == "OperationNotSupported"


def test_classic_preview_route(azure: openai.AzureOpenAI) -> None:
    response = azure.responses.create(model=MODEL, input="Hello from the classic route")
    assert response.status == "completed" and "classic route" in response.output_text
    assert azure.responses.retrieve(response.id).id == response.id


def test_classic_route_needs_a_responses_api_version(raw: httpx2.Client) -> None:
    body = {"model": MODEL, "input": "hi"}
    old = raw.post("/openai/responses", params={"api-version": "2024-10-21"}, json=body)
    assert old.status_code == 404 and old.json() == {
        "error": {"code": "404", "message": "Resource not found"}
    }
    missing = raw.post("/openai/responses", json=body)
    assert missing.status_code == 404
    unknown = raw.post("/openai/responses", params={"api-version": "2031-01-01"}, json=body)
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "BadRequest"
    ok = raw.post("/openai/responses", params={"api-version": "2025-03-01-preview"}, json=body)
    assert ok.status_code == 200


def test_v1_rejects_a_dated_api_version(raw: httpx2.Client) -> None:
    response = raw.post(
        "/openai/v1/responses",
        params={"api-version": "2025-04-01-preview"},
        json={"model": MODEL, "input": "x"},
    )
    assert response.status_code == 400 and response.json()["error"]["message"] == "API version not supported"


def test_wrong_key_is_401(emulator: Any) -> None:
    with openai.OpenAI(base_url=f"{emulator.url}/openai/v1/", api_key="wrong", max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError):
            bad.responses.create(model=MODEL, input="hi")


async def test_async_clients_v1_and_classic(av1: openai.AsyncOpenAI, aazure: openai.AsyncAzureOpenAI) -> None:
    first = await av1.responses.create(model=MODEL, input="async hello")
    assert first.status == "completed" and "async hello" in first.output_text
    second = await aazure.responses.create(model=MODEL, input="Again", previous_response_id=first.id)
    assert "3 messages (2 from the user)" in second.output_text
