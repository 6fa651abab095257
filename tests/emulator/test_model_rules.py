"""Reasoning and non-reasoning chat models' rules, through the openai SDK over HTTP: exact error bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import pytest

from .helpers import sse_data

U = [{"role": "user", "content": "Why is the sky blue?"}]


def _error(exc: pytest.ExceptionInfo[openai.APIStatusError]) -> dict[str, Any]:
    assert exc.value.status_code == 400
    body = exc.value.response.json()
    assert set(body) == {"error"}
    return dict(body["error"])


def _bad(client: openai.AzureOpenAI, model: str, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(openai.BadRequestError) as exc:
        client.chat.completions.create(model=model, messages=U, **kwargs)
    return _error(exc)


def test_reasoning_model_rejects_max_tokens(client: openai.AzureOpenAI) -> None:
    assert _bad(client, "gpt-5-mini", max_tokens=50) == {
        "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
        "type": "invalid_request_error",
        "param": "max_tokens",
        "code": "unsupported_parameter",
    }


@pytest.mark.parametrize(
    ("param", "value", "echo"),
    [
        ("temperature", 0.5, "0.5"),
        ("temperature", 0, "0"),
        ("top_p", 0.2, "0.2"),
        ("temperature", 1e-8, "1e-08"),
    ],
)
def test_reasoning_model_takes_only_the_default_sampling(
    client: openai.AzureOpenAI, param: str, value: float, echo: str
) -> None:
    assert _bad(client, "gpt-5-mini", **{param: value}) == {
        "message": f"Unsupported value: '{param}' does not support {echo} with this model. "
        "Only the default (1) value is supported.",
        "type": "invalid_request_error",
        "param": param,
        "code": "unsupported_value",
    }


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("presence_penalty", 0.5),
        ("frequency_penalty", 0.1),
        ("logprobs", True),
        ("top_logprobs", 2),
        ("logit_bias", {"1": 5}),
    ],
)
def test_reasoning_model_rejects_penalties_and_logprobs(
    client: openai.AzureOpenAI, param: str, value: Any
) -> None:
    assert _bad(client, "gpt-5-mini", **{param: value}) == {
        "message": f"Unsupported parameter: '{param}' is not supported with this model.",
        "type": "invalid_request_error",
        "param": param,
        "code": "unsupported_parameter",
    }


def test_reasoning_model_answers_with_its_own_parameters(client: openai.AzureOpenAI) -> None:
    reply = client.chat.completions.with_raw_response.create(
        model="gpt-5-mini",
        messages=[{"role": "developer", "content": "Answer in one line."}, *U],
        max_completion_tokens=40,
        reasoning_effort="minimal",
        temperature=1,
        top_p=1,
    )
    completion = reply.parse()
    assert completion.model == "gpt-5-mini-2025-08-07"
    assert completion.choices[0].message.content
    usage = completion.usage
    assert usage is not None and usage.completion_tokens_details is not None
    details = usage.completion_tokens_details
    assert (details.reasoning_tokens, details.audio_tokens, details.accepted_prediction_tokens) == (0, 0, 0)
    assert details.rejected_prediction_tokens == 0
    assert usage.prompt_tokens_details is not None and usage.prompt_tokens_details.audio_tokens == 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert "do not reason" in reply.headers["x-aoai-nb-reasoning"]


@pytest.mark.parametrize(
    ("effort", "code", "message"),
    [
        (
            "none",
            "unsupported_value",
            "Unsupported value: 'reasoning_effort' does not support 'none' with this model. "
            "Supported values are: 'minimal', 'low', 'medium', and 'high'.",
        ),
        (
            "max",
            "unsupported_value",
            "Unsupported value: 'reasoning_effort' does not support 'max' with this model. "
            "Supported values are: 'minimal', 'low', 'medium', and 'high'.",
        ),
        (
            "extreme",
            "invalid_value",
            "Invalid value: 'extreme'. Supported values are: 'minimal', 'low', 'medium', and 'high'.",
        ),
    ],
)
def test_reasoning_effort_values_per_model(
    client: openai.AzureOpenAI, effort: str, code: str, message: str
) -> None:
    error = _bad(client, "gpt-5-mini", reasoning_effort=effort)
    assert error == {
        "message": message,
        "type": "invalid_request_error",
        "param": "reasoning_effort",
        "code": code,
    }


def test_non_reasoning_model_does_not_know_reasoning_effort(client: openai.AzureOpenAI) -> None:
    expected = {
        "message": "Unrecognized request argument supplied: reasoning_effort",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    assert _bad(client, "gpt-4o", reasoning_effort="low") == expected
    assert _bad(client, "gpt-4o-mini", reasoning_effort="low") == expected


def test_non_reasoning_model_keeps_the_old_parameters(client: openai.AzureOpenAI) -> None:
    reply = client.chat.completions.with_raw_response.create(
        model="gpt-4o",
        messages=[{"role": "developer", "content": "Be brief."}, *U],
        max_tokens=20,
        temperature=0.2,
        presence_penalty=0.5,
        logprobs=True,
        top_logprobs=2,
    )
    completion = reply.parse()
    assert completion.model == "gpt-4o-2024-11-20" and completion.choices[0].logprobs is not None
    assert "x-aoai-nb-reasoning" not in reply.headers
    assert completion.usage is not None and completion.usage.completion_tokens_details is not None
    assert completion.usage.completion_tokens_details.reasoning_tokens == 0


def test_reasoning_model_streams_like_the_service(client: openai.AzureOpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gpt-5-mini",
            messages=U,
            max_completion_tokens=30,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[0].choices == [] and chunks[0].prompt_filter_results  # Azure's annotation chunk first
    assert chunks[1].choices[0].delta.role == "assistant"
    assert chunks[-2].choices[0].finish_reason in ("stop", "length")
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None and last.usage.completion_tokens_details is not None
    assert last.usage.completion_tokens_details.reasoning_tokens == 0
    text = "".join(c.choices[0].delta.content or "" for c in chunks[1:-1] if c.choices)
    assert last.usage.completion_tokens >= 1 and text


def test_reasoning_model_stream_rejects_max_tokens_before_streaming(client: openai.AzureOpenAI) -> None:
    error = _bad(client, "gpt-5-mini", max_tokens=10, stream=True)
    assert error["code"] == "unsupported_parameter" and error["param"] == "max_tokens"


def _custom(make_emulator: Any, tmp_path: Path, deployments: list[dict[str, Any]], **lifecycle: Any) -> Any:
    path = tmp_path / "emu.yaml"
    path.write_text(json.dumps({"deployments": deployments, "lifecycle": lifecycle}))
    return make_emulator(config=path)


def test_per_model_efforts_and_o1_streaming(make_emulator: Any, tmp_path: Path) -> None:
    emu = _custom(
        make_emulator,
        tmp_path,
        [
            {"name": "o1", "capability": "chat", "model": "o1-2024-12-17"},
            {"name": "gpt-5.1", "capability": "chat", "model": "gpt-5.1-2025-11-13"},
        ],
    )
    with openai.AzureOpenAI(
        azure_endpoint=emu.url, api_key=emu.api_key, api_version="2024-12-01-preview", max_retries=0
    ) as c:
        assert c.chat.completions.create(model="gpt-5.1", messages=U, reasoning_effort="none").choices
        error = _bad(c, "o1", reasoning_effort="minimal")
        assert error["code"] == "unsupported_value"
        assert error["message"].endswith("Supported values are: 'low', 'medium', and 'high'.")
        assert _bad(c, "o1", stream=True) == {
            "message": "Unsupported value: 'stream' does not support true with this model. "
            "Only the default (false) value is supported.",
            "type": "invalid_request_error",
            "param": "stream",
            "code": "unsupported_value",
        }


def test_reasoning_answers_validate_against_both_specs(raw: Any, spec_2024: Any, spec_v1: Any) -> None:
    body = {
        "messages": [{"role": "developer", "content": "Be brief."}, *U],
        "max_completion_tokens": 20,
        "reasoning_effort": "low",
    }
    classic = raw.post(
        "/openai/deployments/gpt-5-mini/chat/completions",
        params={"api-version": "2024-12-01-preview"},
        json=body,
    )
    assert classic.status_code == 200, classic.text
    spec_2024.validate_component(classic.json(), "createChatCompletionResponse")
    v1 = raw.post("/openai/v1/chat/completions", json={"model": "gpt-5-mini", **body})
    assert v1.status_code == 200, v1.text
    spec_v1.validate_response(v1.json(), "/chat/completions")
    streamed = raw.post(
        "/openai/v1/chat/completions",
        json={"model": "gpt-5-mini", **body, "stream": True, "stream_options": {"include_usage": True}},
    )
    frames = sse_data(streamed.text)
    assert frames[-1] == "[DONE]"
    chunks = [json.loads(f) for f in frames[:-1]]
    for chunk in chunks[1:]:  # the first is Azure's annotation chunk
        spec_v1.validate_component(chunk, "AzureCreateChatCompletionStreamResponse")
    assert chunks[-1]["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0
