"""Server-sent event streams for chat and completions, in Azure's chunk order (see docs/emulator.md)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import anyio
from starlette.responses import StreamingResponse

from aoai_nb.emulator.engines.base import Finish, TextDelta
from aoai_nb.emulator.runtime import Call, Runtime
from aoai_nb.emulator.safety import OUTPUT_CUT_AFTER_DELTAS
from aoai_nb.emulator.text_requests import TextOptions
from aoai_nb.emulator.text_shapes import (
    Head,
    annotation_chunk,
    chat_logprobs,
    completion_logprobs,
    tool_calls,
    usage,
)
from aoai_nb.emulator.wire import (
    SAFE,
    SSE_DONE,
    Annotation,
    AzureError,
    choice_filter_result,
    internal_error,
    sse_event,
)

log = logging.getLogger("aoai_nb.emulator")
Factory = Callable[[int], Iterator[TextDelta | Finish]]  # choice index -> engine generation
HEURISTIC_EVERY = 16  # stream deltas between two heuristic checks of the output so far


def stream_response(call: Call, events: AsyncIterator[bytes]) -> StreamingResponse:
    headers = {**call.headers, "cache-control": "no-cache", "x-accel-buffering": "no"}
    return StreamingResponse(_guarded(events), headers=headers, media_type="text/event-stream")


async def _guarded(events: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """After the 200 is sent, an error can only travel as an SSE ``error`` event (the SDK raises it)."""
    try:
        async for event in events:
            yield event
    except AzureError as exc:
        yield sse_event(exc.body)
    except Exception:
        log.exception("error inside a stream")
        yield sse_event(internal_error().body)


def _chunk_filter_results(call: Call) -> dict[str, Any]:
    """What content chunks carry: the output trigger's severities until the filter fires (then the cut chunk)."""
    output = call.triggers.output
    return choice_filter_result(SAFE if output.filtered else output)


class _Choice:
    """Streams one choice: passes deltas through, cuts it when the output filter fires."""

    def __init__(self, rt: Runtime, call: Call, items: Iterator[TextDelta | Finish]) -> None:
        self.rt, self.call, self.items = rt, call, items
        self.finish: Finish | None = None
        self.cut: Annotation | None = None
        self.deltas = 0
        self.text = ""

    async def deltas_until_done(self) -> AsyncIterator[TextDelta]:
        trigger = self.call.triggers.output
        async with contextlib.aclosing(self.rt.iterate(self.items)) as items:
            async for item in items:
                if isinstance(item, Finish):
                    self.finish = item
                    break
                if trigger.filtered and self.deltas >= OUTPUT_CUT_AFTER_DELTAS:
                    self.cut = trigger
                    return
                if self.rt.filter.active and self.deltas and self.deltas % HEURISTIC_EVERY == 0:
                    annotation = await self.rt.filter.output(self.text, self.call.triggers)
                    if annotation.filtered:
                        self.cut = annotation
                        return
                if self.rt.config.per_token_ms > 0:
                    await anyio.sleep(self.rt.config.per_token_ms / 1000)
                self.deltas += 1
                self.text += item.text
                yield item
        if self.finish is None:
            raise RuntimeError("engine generation ended without a Finish item")
        annotation = (
            await self.rt.filter.output(self.text, self.call.triggers) if self.rt.filter.active else trigger
        )
        if annotation.filtered and not self.finish.tool_calls:
            self.cut = annotation

    def finish_reason(self) -> str:
        return (
            "content_filter" if self.cut is not None else self.finish.finish_reason if self.finish else "stop"
        )

    def final_filter_results(self) -> dict[str, Any]:
        return choice_filter_result(self.cut) if self.cut is not None else {}


async def chat_events(
    rt: Runtime,
    call: Call,
    factory: Factory,
    opts: TextOptions,
    head: Head,
    filter_results: list[dict[str, Any]],
) -> AsyncIterator[bytes]:
    yield sse_event(annotation_chunk(filter_results))
    prompt_tokens = completion_tokens = 0
    safe = _chunk_filter_results(call)
    for i in range(opts.n):
        yield sse_event(
            head.chunk(
                [
                    {
                        "content_filter_results": {},
                        "delta": {"content": "", "refusal": None, "role": "assistant"},
                        "finish_reason": None,
                        "index": i,
                        "logprobs": None,
                    }
                ]
            )
        )
        choice = _Choice(rt, call, await rt.run(factory, i))  # engines may work before yielding
        async for delta in choice.deltas_until_done():
            logprobs = chat_logprobs(list(delta.logprobs), opts.top_logprobs) if opts.logprobs else None
            yield sse_event(
                head.chunk(
                    [
                        {
                            "content_filter_results": safe,
                            "delta": {"content": delta.text},
                            "finish_reason": None,
                            "index": i,
                            "logprobs": logprobs,
                        }
                    ]
                )
            )
        if choice.finish is not None and choice.finish.tool_calls and choice.cut is None:
            calls = [{"index": k, **c} for k, c in enumerate(tool_calls(choice.finish))]
            yield sse_event(
                head.chunk(
                    [
                        {
                            "content_filter_results": {},
                            "delta": {"tool_calls": calls},
                            "finish_reason": None,
                            "index": i,
                            "logprobs": None,
                        }
                    ]
                )
            )
        yield sse_event(
            head.chunk(
                [
                    {
                        "content_filter_results": choice.final_filter_results(),
                        "delta": {},
                        "finish_reason": choice.finish_reason(),
                        "index": i,
                        "logprobs": None,
                    }
                ]
            )
        )
        prompt_tokens = choice.finish.prompt_tokens if choice.finish else prompt_tokens
        completion_tokens += choice.finish.completion_tokens if choice.finish else choice.deltas
    if opts.include_usage:
        yield sse_event(head.chunk([], usage=usage(prompt_tokens, completion_tokens)))
    yield SSE_DONE


async def completion_events(
    rt: Runtime,
    call: Call,
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
                yield sse_event(
                    head.chunk(
                        [
                            {
                                "content_filter_results": safe,
                                "finish_reason": None,
                                "index": index,
                                "logprobs": None,
                                "text": opts.prompt_texts[k],
                            }
                        ]
                    )
                )
            choice = _Choice(rt, call, await rt.run(factory, j))
            offset = len(opts.prompt_texts[k]) if echo else 0
            async for delta in choice.deltas_until_done():
                logprobs = (
                    completion_logprobs(list(delta.logprobs), opts.top_logprobs, offset)
                    if opts.logprobs
                    else None
                )
                offset += len(delta.text)
                yield sse_event(
                    head.chunk(
                        [
                            {
                                "content_filter_results": safe,
                                "finish_reason": None,
                                "index": index,
                                "logprobs": logprobs,
                                "text": delta.text,
                            }
                        ]
                    )
                )
            yield sse_event(
                head.chunk(
                    [
                        {
                            "content_filter_results": choice.final_filter_results(),
                            "finish_reason": choice.finish_reason(),
                            "index": index,
                            "logprobs": None,
                            "text": "",
                        }
                    ]
                )
            )
            if choice.finish is not None:
                prompt_tokens += choice.finish.prompt_tokens if j == 0 else 0
            completion_tokens += choice.finish.completion_tokens if choice.finish else choice.deltas
    if opts.include_usage:
        yield sse_event(head.chunk([], usage=usage(prompt_tokens, completion_tokens)))
    yield SSE_DONE
