"""Engine failures reach the client as Azure-shaped errors: 400 with the engine's param, 503, SSE error, 500."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx2
import openai
import pytest

from aoai_nb.emulator.engines import load_engine_set
from aoai_nb.emulator.engines.base import (
    ChatRequest,
    EngineInputError,
    EngineUnavailable,
    Finish,
    TextDelta,
)

U: Any = [{"role": "user", "content": "hi"}]


class FailingChat:
    """Chat engine that fails on purpose, according to the first user message."""

    name = "failing-test"

    def chat(self, request: ChatRequest, choice_index: int = 0) -> Iterator[TextDelta | Finish]:
        text = request.messages[0].content
        if text == "eager":  # raised by the call itself, before any generation exists
            raise EngineInputError("The test engine refuses at once.", param="messages[0].content")
        return self._generate(text)

    def _generate(self, text: str) -> Iterator[TextDelta | Finish]:
        if text == "input":
            raise EngineInputError("The test engine rejects this input.", param="messages[0].content")
        if text == "unavailable":
            raise EngineUnavailable("The test model is not installed: run `pip install aoai-nb[local]`.")
        if text == "bug":
            raise ZeroDivisionError("a genuine bug")
        yield TextDelta("partial ")
        if text == "late":
            raise EngineInputError("The test engine gave up mid-stream.", param="messages")
        if text == "unfinished":
            return
        yield Finish("stop", prompt_tokens=1, completion_tokens=1)


@pytest.fixture
def failing(make_emulator: Any) -> Iterator[Any]:
    scripted = load_engine_set("scripted")
    engines = replace(
        scripted,
        chat=FailingChat(),
    )
    emu = make_emulator(engines=engines)
    with openai.AzureOpenAI(
        azure_endpoint=emu.url, api_key=emu.api_key, api_version="2024-10-21", max_retries=2
    ) as client:
        yield emu, client


def _ask(client: openai.AzureOpenAI, text: str, **kwargs: Any) -> Any:
    return client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}], **kwargs
    )


def test_engine_input_error_is_a_400_with_param(failing: Any) -> None:
    _, client = failing
    with pytest.raises(openai.BadRequestError) as info:
        _ask(client, "input")
    assert info.value.param == "messages[0].content" and "rejects" in info.value.message


@pytest.mark.parametrize("text", ["input", "eager"])
def test_engine_input_error_before_the_first_token_of_a_stream_is_a_400(failing: Any, text: str) -> None:
    emu, client = failing
    with pytest.raises(openai.BadRequestError) as info:
        _ask(client, text, stream=True)  # the first item is awaited before the 200 is sent
    assert info.value.param == "messages[0].content" and "test engine" in info.value.message
    assert emu.status()["requests"]["by_status"] == {"400": 1}


@pytest.mark.parametrize("stream", [False, True])
def test_engine_unavailable_is_a_503_the_sdk_does_not_retry(failing: Any, stream: bool) -> None:
    emu, client = failing
    with pytest.raises(openai.InternalServerError) as info:
        _ask(client, "unavailable", stream=stream)
    assert info.value.status_code == 503 and info.value.code == "EngineUnavailable"
    assert "pip install" in info.value.message
    assert emu.status()["requests"]["by_status"] == {"503": 1}  # x-should-retry: false stopped the retries


def test_a_genuine_bug_is_a_500_without_traceback(failing: Any, caplog: pytest.LogCaptureFixture) -> None:
    emu, _ = failing
    response = httpx2.post(
        f"{emu.url}/openai/deployments/gpt-4o-mini/chat/completions",
        params={"api-version": "2024-10-21"},
        json={"messages": [{"role": "user", "content": "bug"}]},
        headers={"api-key": emu.api_key},
    )
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "InternalServerError"
    assert "Traceback" not in response.text and "ZeroDivisionError" not in response.text
    assert response.headers["x-request-id"]
    deadline = time.monotonic() + 5  # the server logs right after it answered
    while "ZeroDivisionError" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "ZeroDivisionError" in caplog.text  # the server log keeps the traceback for whoever runs it


def test_error_after_the_stream_started_is_an_sse_error_event(failing: Any) -> None:
    _, client = failing
    stream = _ask(client, "late", stream=True)
    with stream, pytest.raises(openai.APIError, match="gave up mid-stream"):
        for _ in stream:
            pass


def test_a_stream_that_ends_without_finish_is_an_sse_error_event(
    failing: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _, client = failing
    stream = _ask(client, "unfinished", stream=True)
    with stream, pytest.raises(openai.APIError, match="had an error processing"):
        for _ in stream:
            pass
    assert "ended without a Finish" in caplog.text  # logged for whoever runs the emulator


def test_engine_name_header_reports_the_engine(failing: Any) -> None:
    _, client = failing
    response = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=U)
    assert response.headers["x-aoai-nb-engine"] == "failing-test"
