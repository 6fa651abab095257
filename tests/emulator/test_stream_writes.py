"""Write grouping of streamed chunks (``stream_flush_ms``), observed at the ASGI boundary: one body message is
one write to the socket. The events themselves never change: one delta per content chunk, in order."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from aoai_nb.emulator.app import create_app
from aoai_nb.emulator.config import EmulatorConfig
from aoai_nb.emulator.engines import load_engine_set
from aoai_nb.emulator.engines.base import ChatRequest, EngineInputError, Finish, TextDelta
from aoai_nb.emulator.runtime import Runtime

KEY = "test-key"
BODY = {
    "messages": [{"role": "user", "content": "Tell me a long story about a dragon who bakes bread"}],
    "stream": True,
    "max_tokens": 24,
}


class Failing:
    """A delta, two more soon after, then an engine error (not instant: iterated by a producer thread)."""

    name = "failing-test"

    def chat(self, request: ChatRequest, choice_index: int = 0) -> Iterator[TextDelta | Finish]:
        yield TextDelta("one")
        time.sleep(0.05)  # "one" is written alone
        yield from (TextDelta(" two"), TextDelta(" three"))
        time.sleep(0.05)  # the two wait for the window to close
        raise RuntimeError("the engine broke")


class Slow:
    """The scripted chat engine, not instant, taking ``gap`` seconds per delta (in the producer thread)."""

    def __init__(self, gap: float) -> None:
        self.inner = load_engine_set("scripted").chat
        self.name = self.inner.name
        self.gap = gap

    def chat(self, request: ChatRequest, choice_index: int = 0) -> Iterator[TextDelta | Finish]:
        for item in self.inner.chat(request, choice_index):
            if isinstance(item, TextDelta):
                time.sleep(self.gap)
            yield item


def _messages(
    engine: Any, body_fields: dict[str, Any] | None = None, heads: list[Any] | None = None, **config: Any
) -> list[bytes]:
    """Each body message (one write to the socket) the app sends for a streamed chat (its head's headers go
    to ``heads``)."""
    engines = replace(load_engine_set("scripted"), chat=engine, moderation=None)
    rt = Runtime(EmulatorConfig.default().with_changes(**config), KEY, True, "scripted", engines)
    app = create_app(rt)
    body = json.dumps({**BODY, **(body_fields or {})}).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/openai/deployments/gpt-4o-mini/chat/completions",
        "raw_path": b"/openai/deployments/gpt-4o-mini/chat/completions",
        "root_path": "",
        "query_string": b"api-version=2024-10-21",
        "headers": [(b"api-key", KEY.encode()), (b"content-type", b"application/json")],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1),
    }
    messages: list[bytes] = []
    received: list[bool] = []

    async def receive() -> dict[str, Any]:
        if received:  # the client never leaves
            await asyncio.Event().wait()
        received.append(True)
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message
            if heads is not None:
                heads.append(message["headers"])
        elif message.get("body"):
            messages.append(message["body"])

    asyncio.run(app(scope, receive, send))
    return messages


def _writes(
    gap: float, engine: Any = None, errors: list[Any] | None = None, **config: Any
) -> list[list[str]]:
    """Each body message the app sends, as the list of content deltas its events carry (error events go to
    ``errors``)."""
    writes = []
    for message in _messages(engine or Slow(gap), **config):
        events = [e[len(b"data: ") :] for e in message.split(b"\n\n") if e]
        deltas = []
        for event in events:
            chunk = json.loads(event) if event != b"[DONE]" else {}
            if "error" in chunk and errors is not None:
                errors.append(chunk["error"])
            for choice in chunk.get("choices", []):
                if choice["delta"].get("content"):
                    deltas.append(choice["delta"]["content"])
        if deltas:
            writes.append(deltas)
    return writes


def _reply() -> list[str]:
    return [d for w in _writes(0.0, stream_flush_ms=0) for d in w]


def test_a_window_groups_ready_deltas_into_few_writes_first_one_alone() -> None:
    writes = _writes(0.01, stream_flush_ms=150)
    assert [d for w in writes for d in w] == _reply()  # same deltas, same order
    assert len(writes[0]) == 1  # the first token is not held back
    assert len(writes) <= 6  # ~0.24 s of deltas after the first, in 150 ms windows
    assert max(len(w) for w in writes) >= 4


def test_no_window_writes_each_delta_when_it_exists() -> None:
    writes = _writes(0.02, stream_flush_ms=0)
    reply = _reply()
    assert [d for w in writes for d in w] == reply
    assert len(writes) >= len(reply) - 4  # a loaded machine may find two ready at once, rarely more


def test_a_paced_stream_writes_every_delta_on_its_own() -> None:
    writes = _writes(0.0, stream_flush_ms=500, per_token_ms=5)
    assert all(len(w) == 1 for w in writes)
    assert len(writes) == len(_reply())


def test_deltas_held_for_a_write_are_sent_before_an_engine_error() -> None:
    errors: list[Any] = []
    writes = _writes(0.0, engine=Failing(), errors=errors, stream_flush_ms=300)
    assert [d for w in writes for d in w] == ["one", " two", " three"]  # (normally written as 1, then 2)
    assert len(errors) == 1 and errors[0]["code"], errors


@pytest.mark.parametrize("value", [-1, 1001, "fast"])
def test_the_window_is_a_control_with_a_range(value: Any) -> None:
    from aoai_nb.emulator.config import ConfigFileError, control_value

    with pytest.raises(ConfigFileError, match="stream_flush_ms"):
        control_value("stream_flush_ms", value, "controls")


class FailingNow:
    """An instant engine: two deltas, then an input error (iterated on the event loop)."""

    name = "failing-now-test"
    instant = True

    def chat(self, request: ChatRequest, choice_index: int = 0) -> Iterator[TextDelta | Finish]:
        yield from (TextDelta("one"), TextDelta(" two"))
        raise EngineInputError("The test engine gave up mid-stream.", param="messages")


def _events(messages: list[bytes]) -> list[Any]:
    """The SSE events of a whole stream, ids and timestamps dropped."""
    events = [e[len(b"data: ") :] for e in b"".join(messages).split(b"\n\n") if e]
    out = []
    for event in events:
        chunk = json.loads(event) if event != b"[DONE]" else "[DONE]"
        if isinstance(chunk, dict):
            chunk.pop("id", None), chunk.pop("created", None)
        out.append(chunk)
    return out


def test_an_instant_engines_stream_is_built_whole_and_sent_in_one_write() -> None:
    scripted = load_engine_set("scripted").chat
    whole = _messages(scripted, stream_flush_ms=0)
    streamed = _messages(Slow(0.0), stream_flush_ms=0)  # the same replies, from a producer thread
    assert len(whole) == 1 and len(streamed) > 1
    assert _events(whole) == _events(streamed)  # the same events, in the same order
    assert _events(whole)[-1] == "[DONE]"


@pytest.mark.parametrize("fields", [{"max_tokens": 200}, {"max_tokens": 150, "n": 2}])
def test_a_long_instant_stream_built_whole_has_every_event_in_order(fields: dict[str, Any]) -> None:
    """Past 64 deltas (one bulk read of a planned reply) and over several choices."""
    scripted = load_engine_set("scripted").chat
    letters = " ".join("abcdefghij" * 12)  # the scripted reply quotes 120 characters of it: a token each
    fields = {**fields, "messages": [{"role": "user", "content": letters}]}
    whole = _events(_messages(scripted, fields, stream_flush_ms=0))
    assert whole == _events(_messages(Slow(0.0), fields, stream_flush_ms=0))
    contents = [c for e in whole if isinstance(e, dict) for c in e["choices"] if c["delta"].get("content")]
    assert len(contents) > 64 * fields.get("n", 1)


def test_a_stream_built_whole_has_the_head_of_one_sent_as_produced() -> None:
    heads: list[Any] = []
    _messages(load_engine_set("scripted").chat, heads=heads, stream_flush_ms=0)
    _messages(Slow(0.0), heads=heads, stream_flush_ms=0)
    whole, streamed = (
        {k: v for k, v in head if k not in (b"x-request-id", b"apim-request-id")} for head in heads
    )
    assert whole == streamed
    assert whole[b"content-type"] == b"text/event-stream; charset=utf-8" and b"content-length" not in whole
    assert len(heads[0]) == len(heads[1])  # no header twice


def test_a_paced_or_heavy_instant_stream_is_not_sent_at_once() -> None:
    scripted = load_engine_set("scripted").chat
    assert len(_messages(scripted, per_token_ms=1)) > 1  # paced: every delta when it is due
    heavy = {"n": 2, "max_tokens": 4096}  # 2 x 4,096 tokens could be built: it is streamed as produced
    assert len(_messages(scripted, heavy, stream_flush_ms=0)) > 1


def test_an_instant_engines_deltas_before_its_error_are_sent_then_the_error_event() -> None:
    errors: list[Any] = []
    writes = _writes(0.0, engine=FailingNow(), errors=errors, stream_flush_ms=0)
    assert [d for w in writes for d in w] == ["one", " two"]
    assert len(errors) == 1 and errors[0]["param"] == "messages", errors
