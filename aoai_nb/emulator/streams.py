"""Server-sent event streams for chat and completions, in Azure's chunk order; engine items arrive through
feeds (one producer thread per choice, or the event loop for instant engines: feeds.py, docs/emulator.md)."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from aoai_nb.emulator.engines.base import Engine, Finish, TextDelta
from aoai_nb.emulator.feeds import Feeds
from aoai_nb.emulator.runtime import Call, Runtime, is_instant
from aoai_nb.emulator.stream_choice import SLOT, Choice, DeltaTemplate, Render, content_writes, open_first
from aoai_nb.emulator.text_requests import TextOptions
from aoai_nb.emulator.text_shapes import (
    Head,
    annotation_chunk,
    chat_logprobs,
    completion_logprobs,
    usage,
)
from aoai_nb.emulator.wire import (
    SAFE,
    SSE_DONE,
    AzureError,
    choice_filter_result,
    internal_error,
    sse_event,
)

log = logging.getLogger("aoai_nb.emulator")
Factory = Callable[[int], Iterator[TextDelta | Finish]]  # choice index -> engine generation


def _chat_content_event(
    head: Head, i: int, safe: dict[str, Any], opts: TextOptions, delta: TextDelta
) -> bytes:
    logprobs = chat_logprobs(list(delta.logprobs), opts.top_logprobs)
    return sse_event(head.chunk([_chat_choice(i, {"content": delta.text}, safe, logprobs)]))


def _stream_headers(call: Call) -> dict[str, str]:
    return {**call.headers, "cache-control": "no-cache", "x-accel-buffering": "no"}


class _EventStream(StreamingResponse):
    """The SSE response, sent as the events are produced; when it ends (done, client gone, emulator stopping)
    every feed it opened is closed."""

    def __init__(self, call: Call, events: AsyncIterator[bytes], feeds: Feeds) -> None:
        super().__init__(_guarded(events), headers=_stream_headers(call), media_type="text/event-stream")
        self.feeds = feeds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.feeds.close()


class _WholeStream(Response):
    """A stream whose events all existed the moment it started (``_exists_at_once``), collected already and
    sent as one body write: still a stream on the wire (chunked, no content-length), with the same bytes and
    head as ``_EventStream`` (Starlette adds only the content type to a streaming response's headers)."""

    media_type = "text/event-stream"

    def __init__(self, call: Call, whole: bytes) -> None:
        self.status_code = 200
        self.background = None
        self.body = whole
        self.raw_headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in _stream_headers(call).items()
        ]
        self.raw_headers.append((b"content-type", b"text/event-stream; charset=utf-8"))

    @classmethod
    async def collect(cls, call: Call, events: AsyncIterator[bytes], feeds: Feeds) -> _WholeStream:
        parts: list[bytes] = []
        try:
            async for event in events:
                parts.append(event)
        except Exception as exc:
            parts.append(_error_event(exc))
        finally:
            feeds.close()
        return cls(call, b"".join(parts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body})


def _exists_at_once(rt: Runtime, engine: Engine, opts: TextOptions, prompts: int) -> bool:
    """Whether every event of a stream exists as soon as it starts, so that waiting between writes would gain
    nothing: an instant engine, no pacing (``per_token_ms``), no moderation model reading the output, and a
    reply small enough to build on the event loop (``TextOptions.heavy``). Such a stream is sent in one write;
    the grouping rule of ``stream_choice.content_writes`` (deltas that exist already join the current write) applied to
    the whole stream."""
    moderation = rt.filter.moderation
    return (
        is_instant(engine)
        and rt.config.per_token_ms <= 0
        and (not rt.filter.active or (moderation is not None and is_instant(moderation)))
        and not opts.heavy(prompts)
    )


async def _guarded(events: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """After the 200 is sent, an error can only travel as an SSE ``error`` event (the SDK raises it)."""
    try:
        async for event in events:
            yield event
    except Exception as exc:
        yield _error_event(exc)


def _error_event(exc: Exception) -> bytes:
    """The ``error`` event for an exception inside a stream (called where it is caught)."""
    if isinstance(exc, AzureError):
        return sse_event(exc.body)
    log.exception("error inside a stream")
    return sse_event(internal_error().body)


def _chunk_filter_results(call: Call) -> dict[str, Any]:
    """What content chunks carry: the output trigger's severities until the filter fires (then the cut chunk)."""
    output = call.triggers.output
    return choice_filter_result(SAFE if output.filtered else output)


async def chat_stream(
    rt: Runtime,
    call: Call,
    engine: Engine,
    factory: Factory,
    opts: TextOptions,
    head: Head,
    filter_results: list[dict[str, Any]],
) -> Response:
    """The streamed answer, once choice 0's first item exists: an engine error there is still an HTTP error."""
    feeds = Feeds(engine)
    first = await open_first(rt, call, feeds, functools.partial(factory, 0))
    events = _chat_events(rt, call, feeds, first, factory, opts, head, filter_results)
    return await _event_response(rt, call, feeds, events, opts, 1)


async def _event_response(
    rt: Runtime, call: Call, feeds: Feeds, events: AsyncIterator[bytes], opts: TextOptions, prompts: int
) -> Response:
    """The stream's response: built whole when every event exists at once (``_exists_at_once``), else sent as
    the events are produced."""
    if _exists_at_once(rt, feeds.engine, opts, prompts):
        return await _WholeStream.collect(call, events, feeds)
    return _EventStream(call, events, feeds)


async def _chat_events(
    rt: Runtime,
    call: Call,
    feeds: Feeds,
    first: Choice,
    factory: Factory,
    opts: TextOptions,
    head: Head,
    filter_results: list[dict[str, Any]],
) -> AsyncIterator[bytes]:
    yield sse_event(annotation_chunk(filter_results))
    prompt_tokens = completion_tokens = 0
    safe = _chunk_filter_results(call)
    for i in range(opts.n):
        role = {"content": "", "refusal": None, "role": "assistant"}
        yield sse_event(head.chunk([_chat_choice(i, role, {})]))
        choice = first if i == 0 else await Choice.open(rt, call, feeds, functools.partial(factory, i))

        render: Render
        if opts.logprobs:
            render = functools.partial(_chat_content_event, head, i, safe, opts)
        else:  # every content event is the same bytes but for its text: encode it once
            render = DeltaTemplate(sse_event(head.chunk([_chat_choice(i, {"content": SLOT}, safe, None)])))

        try:
            async for write in content_writes(choice, render):
                yield write
            await choice.judge()
            final = _chat_choice(i, {}, choice.final_filter_results())
            final["finish_reason"] = choice.finish_reason()
            if choice.finish is not None and choice.cut is None:
                if choice.finish.tool_calls:
                    delta = opts.tool_style.fields(choice.finish, streamed=True)
                    yield sse_event(head.chunk([_chat_choice(i, delta, {})]))
                final["finish_reason"] = opts.tool_style.finish_reason(choice.finish)
            yield sse_event(head.chunk([final]))
            if opts.include_usage and i == 0:
                await choice.drain()  # the prompt's count, which every choice shares
        finally:
            choice.close()
        if choice.finish is not None and i == 0:
            prompt_tokens = choice.finish.prompt_tokens
        completion_tokens += choice.completion_tokens()
    if opts.include_usage:
        yield sse_event(
            head.chunk(
                [], usage=usage(prompt_tokens, completion_tokens, reasoning=call.deployment.info.is_reasoning)
            )
        )
    yield SSE_DONE


def _chat_choice(
    index: int, delta: dict[str, Any], results: dict[str, Any], logprobs: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "content_filter_results": results,
        "delta": delta,
        "finish_reason": None,
        "index": index,
        "logprobs": logprobs,
    }


def _text_choice(index: int, text: str, results: dict[str, Any], logprobs: Any = None) -> dict[str, Any]:
    return {
        "content_filter_results": results,
        "finish_reason": None,
        "index": index,
        "logprobs": logprobs,
        "text": text,
    }


async def completion_stream(
    rt: Runtime,
    call: Call,
    engine: Engine,
    factories: list[Factory],
    opts: TextOptions,
    head: Head,
    filter_results: list[dict[str, Any]],
    echo: bool,
) -> Response:
    """The streamed answer, once the first choice's first item exists (as ``chat_stream``)."""
    feeds = Feeds(engine)
    first = await open_first(rt, call, feeds, functools.partial(factories[0], 0))
    events = _completion_events(rt, call, feeds, first, factories, opts, head, filter_results, echo)
    return await _event_response(rt, call, feeds, events, opts, len(factories))


async def _completion_events(
    rt: Runtime,
    call: Call,
    feeds: Feeds,
    first: Choice,
    factories: list[Factory],
    opts: TextOptions,
    head: Head,
    filter_results: list[dict[str, Any]],
    echo: bool,
) -> AsyncIterator[bytes]:
    yield sse_event(annotation_chunk(filter_results))
    prompt_tokens = completion_tokens = 0
    safe = _chunk_filter_results(call)
    for k, factory in enumerate(factories):
        for j in range(opts.n):
            index = k * opts.n + j
            if echo:
                yield sse_event(head.chunk([_text_choice(index, opts.prompt_texts[k], safe)]))
            start = functools.partial(factory, j)
            choice = first if index == 0 else await Choice.open(rt, call, feeds, start)
            offset = len(opts.prompt_texts[k]) if echo else 0

            def render(delta: TextDelta, index: int = index) -> bytes:
                nonlocal offset
                logprobs = (
                    completion_logprobs(list(delta.logprobs), opts.top_logprobs, offset)
                    if opts.logprobs
                    else None
                )
                offset += len(delta.text)
                return sse_event(head.chunk([_text_choice(index, delta.text, safe, logprobs)]))

            try:
                async for write in content_writes(choice, render):
                    yield write
                await choice.judge()
                final = _text_choice(index, "", choice.final_filter_results())
                final["finish_reason"] = choice.finish_reason()
                yield sse_event(head.chunk([final]))
                if opts.include_usage and j == 0:
                    await choice.drain()  # the prompt's count
            finally:
                choice.close()
            if choice.finish is not None and j == 0:
                prompt_tokens += choice.finish.prompt_tokens
            completion_tokens += choice.completion_tokens()
    if opts.include_usage:
        yield sse_event(head.chunk([], usage=usage(prompt_tokens, completion_tokens)))
    yield SSE_DONE
