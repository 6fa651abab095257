"""Requests in flight: client disconnects end server-side sleeps, shutdown cancels quietly, instant engines."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx2
import openai
import pytest

from aoai_nb.emulator.engines import load_engine_set
from aoai_nb.emulator.engines.base import ChatRequest, Finish, TextDelta

U: Any = [{"role": "user", "content": "hi"}]
CHAT = "/openai/deployments/gpt-4o-mini/chat/completions"
V = {"api-version": "2024-10-21"}


def _wait_until(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    """Poll ``condition`` (a bounded wait, not a timing check: the server-side sleeps last 30-60 s)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {seconds:g} s for: {what}")
        time.sleep(0.02)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def server_log() -> Iterator[_Records]:
    """Warnings and errors of uvicorn and the emulator (attached after the emulator has configured logging)."""
    handler = _Records()
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "uvicorn", "aoai_nb.emulator")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


def _in_flight(emu: Any) -> int:
    return int(emu.status()["requests"]["in_flight"])


@pytest.mark.parametrize(
    "headers", [{"x-aoai-nb-fault": "timeout"}, {"x-aoai-nb-latency-ms": "60000"}], ids=["timeout", "latency"]
)
def test_server_side_sleep_ends_when_the_client_disconnects(
    make_emulator: Any, server_log: _Records, headers: dict[str, str]
) -> None:
    emu = make_emulator()  # the timeout fault sleeps 30 s by default
    with (
        openai.AzureOpenAI(
            azure_endpoint=emu.url, api_key=emu.api_key, api_version="2024-10-21", max_retries=0, timeout=0.3
        ) as client,
        pytest.raises(openai.APITimeoutError),
    ):
        client.chat.completions.create(model="gpt-4o-mini", messages=U, extra_headers=headers)
    _wait_until(lambda: _in_flight(emu) == 0, "the abandoned request to end on the server")
    assert emu.status()["requests"]["by_status"] == {}  # nothing was answered to nobody
    assert not server_log.records


def test_stop_cancels_a_sleeping_request_quietly(make_emulator: Any, server_log: _Records) -> None:
    emu = make_emulator()
    outcome: list[Any] = []

    def call() -> None:
        with httpx2.Client(base_url=emu.url, headers={"api-key": emu.api_key}, timeout=60) as http:
            try:
                response = http.post(
                    CHAT, params=V, json={"messages": U}, headers={"x-aoai-nb-fault": "timeout"}
                )
                outcome.append(response.status_code)
            except httpx2.TransportError as exc:
                outcome.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    _wait_until(lambda: emu.status()["requests"]["total"] == 1, "the request to reach the server")
    emu.stop()
    thread.join(timeout=30)
    assert not emu.running
    assert len(outcome) == 1 and isinstance(outcome[0], httpx2.TransportError)  # closed, not a 500
    messages = [record.getMessage() for record in server_log.records]
    assert messages == []  # no "Exception in ASGI application", no "timeout graceful shutdown exceeded"


class ThreadRecordingChat:
    """A chat engine that notes which thread calls it and which thread iterates its generation."""

    name = "thread-recorder"

    def __init__(self, instant: bool) -> None:
        self.instant = instant
        self.threads: list[str] = []

    def chat(self, request: ChatRequest, choice_index: int = 0) -> Iterator[TextDelta | Finish]:
        self.threads.append(threading.current_thread().name)
        return self._generate()

    def _generate(self) -> Iterator[TextDelta | Finish]:
        self.threads.append(threading.current_thread().name)
        yield TextDelta("Hello")
        yield TextDelta(" there")
        yield Finish("stop", prompt_tokens=3, completion_tokens=2)


@pytest.mark.parametrize("instant", [True, False])
def test_instant_engines_run_on_the_event_loop_others_in_worker_threads(
    make_emulator: Any, instant: bool
) -> None:
    scripted = load_engine_set("scripted")
    engine = ThreadRecordingChat(instant)
    engines = replace(scripted, chat=engine)
    emu = make_emulator(engines=engines)
    with openai.AzureOpenAI(
        azure_endpoint=emu.url, api_key=emu.api_key, api_version="2024-10-21", max_retries=0
    ) as client:
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=U)
        assert reply.choices[0].message.content == "Hello there"
        with client.chat.completions.create(model="gpt-4o-mini", messages=U, stream=True) as stream:
            text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert text == "Hello there"
    server_thread = f"aoai-nb-emulator:{emu.port}"
    assert len(engine.threads) == 4  # chat() and its generation, twice
    if instant:
        assert set(engine.threads) == {server_thread}
    else:
        assert server_thread not in engine.threads


def test_only_a_true_instant_attribute_counts() -> None:
    from aoai_nb.emulator.runtime import is_instant

    class Declared:
        instant = True

    class Truthy:
        instant = "yes"

    assert is_instant(Declared()) and not is_instant(Truthy()) and not is_instant(object())


def test_stop_cancels_a_request_waiting_on_a_worker_thread_engine_quietly(
    make_emulator: Any, server_log: _Records
) -> None:
    """A non-streamed reply collected in a worker thread (as a local model's is): stopping closes the
    connection at once, logs nothing, and the generation stops."""
    from .slow_engine import SlowChat, engines_with

    engine = SlowChat(tokens=500, every=0.02)  # 10 s unless stopped
    emu = make_emulator(engines=engines_with(engine))
    outcome: list[Any] = []

    def call() -> None:
        with httpx2.Client(base_url=emu.url, headers={"api-key": emu.api_key}, timeout=60) as http:
            try:
                outcome.append(http.post(CHAT, params=V, json={"messages": U}).status_code)
            except httpx2.TransportError as exc:
                outcome.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    _wait_until(lambda: engine.produced > 0, "the engine to start generating")
    emu.stop()
    thread.join(timeout=30)
    assert not emu.running
    assert len(outcome) == 1 and isinstance(outcome[0], httpx2.TransportError)  # closed, not a 500
    _wait_until(lambda: engine.closed == 1, "the generation to be closed")
    assert [record.getMessage() for record in server_log.records] == []
