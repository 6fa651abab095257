"""Engine failures on the Responses API: an HTTP error before output, an ``error`` event then ``response.failed``
inside a stream, ``status: "failed"`` for a background response; never a 500 traceback or a hang."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import openai
import pytest

from aoai_nb.emulator.engines import load_engine_set
from aoai_nb.emulator.engines.base import ChatRequest, EngineInputError, Finish, TextDelta
from tests.responses.conftest import MODEL, client_for


class FailingChat:
    """Fails at once ("eager"), mid-way ("late") or not at all, by the last user message."""

    name = "failing-test"
    instant = True

    def chat(self, request: ChatRequest, choice_index: int = 0) -> Iterator[TextDelta | Finish]:
        text = request.messages[-1].content
        if text == "eager":
            raise EngineInputError("The test engine refuses at once.", param="input")
        return self._generate(text)

    def _generate(self, text: str) -> Iterator[TextDelta | Finish]:
        yield TextDelta("partial ")
        if text == "late":
            raise EngineInputError("The test engine gave up mid-way.", param="input")
        yield Finish("stop", prompt_tokens=1, completion_tokens=1)


@pytest.fixture
def failing(make_emulator: Any) -> Iterator[openai.OpenAI]:
    engines = replace(load_engine_set("scripted"), chat=FailingChat())
    with client_for(make_emulator(engines=engines)) as client:
        yield client


def test_an_engine_error_before_output_is_an_http_400(failing: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        failing.responses.create(model=MODEL, input="eager")
    assert err.value.param == "input" and "refuses at once" in err.value.message
    with pytest.raises(openai.BadRequestError):
        failing.responses.create(model=MODEL, input="eager", stream=True)


def test_an_engine_error_mid_way(failing: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        failing.responses.create(model=MODEL, input="late")
    assert "gave up mid-way" in err.value.message


def test_an_engine_error_inside_a_stream_ends_it_failed(failing: openai.OpenAI) -> None:
    events = list(failing.responses.create(model=MODEL, input="late", stream=True))
    types = [e.type for e in events]
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert types[-2:] == ["error", "response.failed"]
    assert "gave up mid-way" in events[-2].message and events[-2].code == "invalid_value"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    stored = failing.responses.retrieve(events[0].response.id)
    assert stored.status == "failed" and stored.error is not None
    assert stored.error.code == "invalid_prompt" and "gave up mid-way" in stored.error.message


def test_a_background_engine_error_is_a_failed_response(failing: openai.OpenAI) -> None:
    created = failing.responses.create(model=MODEL, input="late", background=True)
    deadline = time.monotonic() + 30
    response = failing.responses.retrieve(created.id)
    while response.status in ("queued", "in_progress") and time.monotonic() < deadline:
        time.sleep(0.02)
        response = failing.responses.retrieve(created.id)
    assert response.status == "failed" and response.error is not None
    assert "gave up mid-way" in response.error.message
