"""Every 2xx JSON response validates against the 2024-10-21 spec; chat and embeddings also against v1."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from tests.audio_files import wav

from .helpers import sse_data

V = {"api-version": "2024-10-21"}
D = "/deployments/{deployment-id}"
U = [{"role": "user", "content": "Describe the sea"}]
TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]


def _wav() -> bytes:
    """One second of a 400 Hz square wave at 16 kHz."""
    tone = bytes(
        b
        for i in range(16000)
        for b in int(8000 * ((i // 20) % 2 * 2 - 1)).to_bytes(2, "little", signed=True)
    )
    return wav(tone)


CHAT_BODIES = [
    {"messages": U, "max_tokens": 10},
    {"messages": U, "max_tokens": 5, "n": 2, "logprobs": True, "top_logprobs": 2},
    {"messages": U, "tools": TOOLS, "tool_choice": "required"},
    {"messages": [{"role": "user", "content": "json please"}], "response_format": {"type": "json_object"}},
    {"messages": U, "tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "lookup"}}},
    {"messages": U, "functions": [TOOLS[0]["function"]], "function_call": {"name": "lookup"}},
    {"messages": [{"role": "user", "content": "lookup the sea"}], "functions": [TOOLS[0]["function"]]},
]


def _ok(response: httpx2.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    "body",
    CHAT_BODIES,
    ids=["plain", "n-logprobs", "tools", "json", "named-tool", "named-function", "functions"],
)
def test_chat_validates_against_both_specs(
    raw: httpx2.Client, spec_2024: Any, spec_v1: Any, body: dict[str, Any]
) -> None:
    classic = _ok(raw.post("/openai/deployments/gpt-4o-mini/chat/completions", params=V, json=body))
    spec_2024.validate_component(classic, "createChatCompletionResponse")
    v1 = _ok(raw.post("/openai/v1/chat/completions", json={"model": "gpt-4o-mini", **body}))
    spec_v1.validate_response(v1, "/chat/completions")


def test_filtered_chat_output_validates(raw: httpx2.Client, spec_2024: Any, spec_v1: Any) -> None:
    headers = {"x-aoai-nb-filter": "output:hate=high, prompt:violence=low"}
    body = {"messages": U, "max_tokens": 5}
    classic = _ok(
        raw.post("/openai/deployments/gpt-4o-mini/chat/completions", params=V, json=body, headers=headers)
    )
    spec_2024.validate_component(classic, "createChatCompletionResponse")
    v1 = _ok(raw.post("/openai/v1/chat/completions", json={"model": "gpt-4o-mini", **body}, headers=headers))
    spec_v1.validate_response(v1, "/chat/completions")


def test_chat_stream_chunks_validate(raw: httpx2.Client, spec_2024: Any, spec_v1: Any) -> None:
    body = {"messages": U, "max_tokens": 4, "stream": True, "stream_options": {"include_usage": True}}
    response = raw.post("/openai/v1/chat/completions", json={"model": "gpt-4o-mini", **body})
    events = sse_data(response.text)[:-1]
    chunks = [json.loads(e) for e in events]
    for chunk in chunks[1:]:  # the first is Azure's annotation chunk, which neither spec describes
        spec_v1.validate_component(chunk, "AzureCreateChatCompletionStreamResponse")
    for chunk in chunks[1:-1]:  # the 2024-10-21 chunk schema has no usage chunk
        spec_2024.validate_component(chunk, "createChatCompletionStreamResponse")


@pytest.mark.parametrize("body", [{"input": "hello"}, {"input": ["a", "b"], "dimensions": 16}])
def test_embeddings_validate_against_both_specs(
    raw: httpx2.Client, spec_2024: Any, spec_v1: Any, body: dict[str, Any]
) -> None:
    classic = _ok(raw.post("/openai/deployments/text-embedding-3-small/embeddings", params=V, json=body))
    spec_2024.validate_response(classic, f"{D}/embeddings")
    v1 = _ok(raw.post("/openai/v1/embeddings", json={"model": "text-embedding-3-small", **body}))
    spec_v1.validate_response(v1, "/embeddings")
    base64 = _ok(
        raw.post(
            "/openai/v1/embeddings",
            json={"model": "text-embedding-3-small", **body, "encoding_format": "base64"},
        )
    )
    spec_v1.validate_response(base64, "/embeddings")


def test_models_validate_against_v1(raw: httpx2.Client, spec_v1: Any) -> None:
    spec_v1.validate_response(_ok(raw.get("/openai/v1/models")), "/models", method="get")
    # the classic list has the authoring spec's Model shape instead (test_model_listing.py checks it)


@pytest.mark.parametrize(
    "body",
    [
        {"prompt": "Hello", "max_tokens": 5},
        {"prompt": ["a", "b"], "max_tokens": 3, "logprobs": 2, "echo": True, "n": 2},
    ],
)
def test_completions_validate(raw: httpx2.Client, spec_2024: Any, body: dict[str, Any]) -> None:
    result = _ok(raw.post("/openai/deployments/gpt-35-turbo-instruct/completions", params=V, json=body))
    spec_2024.validate_response(result, f"{D}/completions")


@pytest.mark.parametrize("fmt", ["url", "b64_json"])
def test_images_validate(raw: httpx2.Client, spec_2024: Any, fmt: str) -> None:
    result = _ok(
        raw.post(
            "/openai/deployments/dall-e-3/images/generations",
            params=V,
            json={"prompt": "a red kite", "response_format": fmt, "size": "1024x1024"},
        )
    )
    spec_2024.validate_response(result, f"{D}/images/generations")


def _shape(value: Any) -> Any:
    """Keys and value types, recursively (the shape to compare with a spec example)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    return type(value).__name__


@pytest.mark.parametrize("fmt", ["url", "b64_json"])
def test_image_items_carry_the_filter_results_of_the_spec_example(
    raw: httpx2.Client, specs_dir: Any, fmt: str
) -> None:
    example = json.loads((specs_dir / "2024-10-21" / "examples" / "image_generation.json").read_text("utf-8"))
    (expected,) = example["responses"]["200"]["body"]["data"]
    reply = _ok(
        raw.post(
            "/openai/deployments/dall-e-3/images/generations",
            params=V,
            json={"prompt": "a red kite", "response_format": fmt},
        )
    )
    (item,) = reply["data"]
    assert set(item) == set(expected) - {"url"} | {fmt}
    assert _shape(item["content_filter_results"]) == _shape(expected["content_filter_results"])
    prompt = _shape(item["prompt_filter_results"])
    assert {k: v for k, v in prompt.items() if k in expected["prompt_filter_results"]} == _shape(
        expected["prompt_filter_results"]
    )
    assert set(prompt) - set(expected["prompt_filter_results"]) == {"jailbreak"}  # the spec's schema has it


@pytest.mark.parametrize("route", ["transcriptions", "translations"])
@pytest.mark.parametrize("fmt", ["json", "verbose_json"])
def test_audio_validates(raw: httpx2.Client, spec_2024: Any, route: str, fmt: str) -> None:
    data: dict[str, Any] = {"response_format": fmt}
    if route == "transcriptions" and fmt == "verbose_json":
        data["timestamp_granularities[]"] = ["word", "segment"]
    result = _ok(
        raw.post(
            f"/openai/deployments/whisper/audio/{route}",
            params=V,
            data=data,
            files={"file": ("tone.wav", _wav(), "audio/wav")},
        )
    )
    # the path's schema is oneOf [audioResponse, audioVerboseResponse], which no JSON answer can satisfy (a
    # {"text"} object matches both); validate against the component for the format asked
    spec_2024.validate_component(result, "audioVerboseResponse" if fmt == "verbose_json" else "audioResponse")
    if fmt == "verbose_json":
        assert result["task"] == ("transcribe" if route == "transcriptions" else "translate")
