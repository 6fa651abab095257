"""Streams from non-instant engines: one producer thread per choice, the same chunks, prompt stops, windows."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from aoai_nb.emulator.engines import EngineSet, load_engine_set
from aoai_nb.emulator.engines.base import ChatRequest, CompletionRequest, Finish, TextDelta
from aoai_nb.emulator.feeds import PRODUCER_THREAD
from aoai_nb.emulator.safety import HEURISTIC_EVERY, HEURISTIC_OVERLAP, HEURISTIC_WINDOW

from .helpers import Repeated, sse_data

V = {"api-version": "2024-10-21"}
CHAT = "/openai/deployments/gpt-4o-mini/chat/completions"
COMPLETIONS = "/openai/deployments/gpt-35-turbo-instruct/completions"
STORY: Any = [
    {"role": "user", "content": "Tell me a long story about a dragon who bakes bread, with details"}
]
USAGE = {"stream": True, "stream_options": {"include_usage": True}}
TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]


def _wait_until(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    """Poll ``condition`` (a bounded wait, not a timing check)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {seconds:g} s for: {what}")
        time.sleep(0.01)


class Threaded:
    """A scripted text engine without ``instant``: the HTTP layer iterates it in a producer thread."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.threads: set[str] = set()

    def chat(self, request: ChatRequest, choice_index: int = 0) -> Iterator[TextDelta | Finish]:
        self.threads.add(threading.current_thread().name)
        return self.inner.chat(request, choice_index)  # type: ignore[no-any-return]

    def complete(self, request: CompletionRequest, choice_index: int = 0) -> Iterator[TextDelta | Finish]:
        self.threads.add(threading.current_thread().name)
        return self.inner.complete(request, choice_index)  # type: ignore[no-any-return]


def _engines(chat: Any = None, completion: Any = None, moderation: Any = None) -> EngineSet:
    s = load_engine_set("scripted")
    return EngineSet(
        chat or s.chat,
        completion or s.completion,
        s.embedding,
        s.image,
        s.transcription,
        s.speech,
        moderation=moderation,
    )


def _chunks(emu: Any, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> list[Any]:
    """Every SSE event's JSON (``[DONE]`` kept as is), without the per-response ``id`` and ``created``."""
    with (
        httpx2.Client(base_url=emu.url, headers={"api-key": emu.api_key}, timeout=10) as http,
        http.stream("POST", path, params=V, json=body, headers=headers or {}) as response,
    ):
        assert response.status_code == 200
        blocks = sse_data(response.read().decode())
    assert blocks[-1] == "[DONE]"
    chunks: list[Any] = [json.loads(b) for b in blocks[:-1]]
    for chunk in chunks:
        chunk.pop("id"), chunk.pop("created")
    return [*chunks, "[DONE]"]


CASES: dict[str, tuple[str, dict[str, Any], dict[str, str] | None]] = {
    "chat n=2 logprobs usage": (
        CHAT,
        {"messages": STORY, "n": 2, "logprobs": True, "top_logprobs": 2, **USAGE},
        None,
    ),
    "chat tool call": (CHAT, {"messages": STORY, "tools": TOOLS, "tool_choice": "required", **USAGE}, None),
    "chat output filter cut": (
        CHAT,
        {"messages": STORY, **USAGE},
        {"x-aoai-nb-filter": "output:violence=high"},
    ),
    "completions echo n=2 two prompts": (
        COMPLETIONS,
        {"prompt": ["Once upon a time", "The dragon"], "n": 2, "echo": True, "logprobs": 2, **USAGE},
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_producer_threads_stream_the_same_chunks_as_the_event_loop(
    emulator: Any, make_emulator: Any, case: str
) -> None:
    path, body, headers = CASES[case]
    scripted = load_engine_set("scripted")
    chat, completion = Threaded(scripted.chat), Threaded(scripted.completion)
    threaded = make_emulator(engines=_engines(chat, completion))
    expected = _chunks(emulator, path, body, headers)  # the scripted engines are instant: on the loop
    assert _chunks(threaded, path, body, headers) == expected
    assert (chat.threads or completion.threads) == {PRODUCER_THREAD}


class SlowChat:
    """Yields a token every 10 ms for minutes; notes the producer thread and where its ``finally`` ran."""

    name = "slow-test"

    def __init__(self) -> None:
        self.producer: threading.Thread | None = None
        self.closed_in: threading.Thread | None = None
        self.closed = threading.Event()

    def chat(self, request: ChatRequest, choice_index: int = 0) -> Iterator[TextDelta | Finish]:
        self.producer = threading.current_thread()
        try:
            for _ in range(20_000):
                time.sleep(0.01)
                yield TextDelta("tick ")
            yield Finish("length", prompt_tokens=3, completion_tokens=20_000)
        finally:
            self.closed_in = threading.current_thread()
            self.closed.set()


def _read_some(lines: Iterator[str], events: int) -> None:
    seen = 0
    for line in lines:
        seen += line.startswith("data: ")
        if seen == events:
            return


def _assert_producer_stopped(engine: SlowChat) -> None:
    _wait_until(engine.closed.is_set, "the engine's generation to be closed")
    assert engine.producer is not None and engine.producer.name == PRODUCER_THREAD
    assert engine.closed_in is engine.producer  # closed by its own thread, not from the event loop
    engine.producer.join(timeout=10)
    assert not engine.producer.is_alive()


def test_a_client_that_disconnects_mid_stream_stops_the_producer_thread(make_emulator: Any) -> None:
    engine = SlowChat()
    emu = make_emulator(engines=_engines(chat=engine))
    with httpx2.Client(base_url=emu.url, headers={"api-key": emu.api_key}, timeout=10) as http:
        body = {"messages": STORY, "stream": True}
        with http.stream("POST", CHAT, params=V, json=body) as response:
            _read_some(response.iter_lines(), 5)  # annotation, role, three ticks
        # leaving the block closes the connection with the body unread
    _assert_producer_stopped(engine)
    _wait_until(lambda: emu.status()["requests"]["in_flight"] == 0, "the request to end on the server")


def test_stopping_the_emulator_mid_stream_stops_the_producer_thread(make_emulator: Any) -> None:
    engine = SlowChat()
    emu = make_emulator(engines=_engines(chat=engine))
    with httpx2.Client(base_url=emu.url, headers={"api-key": emu.api_key}, timeout=10) as http:
        body = {"messages": STORY, "stream": True}
        with http.stream("POST", CHAT, params=V, json=body) as response:
            lines = response.iter_lines()
            _read_some(lines, 4)
            emu.stop()
            with pytest.raises(httpx2.TransportError):
                list(lines)  # the connection was closed without the end of the stream
    _assert_producer_stopped(engine)


class RecordingModeration:
    name = "recording-test"

    def __init__(self) -> None:
        self.texts: list[str] = []

    def score(self, texts: list[str]) -> list[dict[str, Any]]:
        self.texts.extend(texts)
        return [{} for _ in texts]


@pytest.mark.parametrize("instant", [True, False])
def test_stream_heuristic_scores_a_window_every_few_deltas_then_the_whole_reply_and_its_tail(
    make_emulator: Any, instant: bool
) -> None:
    moderation = RecordingModeration()
    long_reply = Repeated(times=3)
    chat = long_reply if instant else Threaded(long_reply)
    emu = make_emulator(engines=_engines(chat=chat, moderation=moderation))
    chunks = _chunks(emu, CHAT, {"messages": STORY, "stream": True})
    deltas = [c["choices"][0]["delta"]["content"] for c in chunks[2:-2]]
    assert len(deltas) >= 2 * HEURISTIC_EVERY > HEURISTIC_WINDOW  # the second window starts past delta 0
    ends = range(HEURISTIC_EVERY, len(deltas) + 1, HEURISTIC_EVERY)
    windows = ["".join(deltas[max(0, end - HEURISTIC_WINDOW) : end]) for end in ends]
    rest = len(deltas) % HEURISTIC_EVERY
    assert rest  # some deltas come after the last window: the end check scores them with the overlap
    tail = "".join(deltas[-(rest + HEURISTIC_OVERLAP) :])
    assert moderation.texts == [STORY[0]["content"], *windows, "".join(deltas), tail]
