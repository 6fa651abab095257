"""POST chat/completions and completions: JSON answers and SSE streams in Azure's shape."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import anyio
from starlette.responses import Response

from aoai_nb.emulator.engines.base import CompletionEngine, CompletionRequest, Finish, TextDelta
from aoai_nb.emulator.faults import estimate_tokens
from aoai_nb.emulator.runtime import Call, Runtime, json_response
from aoai_nb.emulator.streams import Factory, chat_events, completion_events, stream_response
from aoai_nb.emulator.text_requests import TextOptions, parse_chat, parse_completion
from aoai_nb.emulator.text_shapes import (
    Generated,
    Head,
    chat_logprobs,
    chat_message,
    collect,
    completion_logprobs,
    usage,
)
from aoai_nb.emulator.wire import (
    Annotation,
    choice_filter_result,
    prompt_filter_results,
    prompt_filtered_error,
)


def _complete(
    engine: CompletionEngine, request: CompletionRequest, index: int
) -> Iterator[TextDelta | Finish]:
    return engine.complete(request, index)


async def _screen_prompts(rt: Runtime, call: Call, opts: TextOptions) -> list[dict[str, Any]]:
    annotations = await rt.filter.prompts(opts.prompt_texts, call.triggers)
    for annotation in annotations:
        if annotation.filtered:
            raise prompt_filtered_error(annotation)
    return prompt_filter_results(annotations, v1=call.v1)


async def _generate(
    rt: Runtime, call: Call, factories: list[Factory], n: int
) -> tuple[list[Generated], list[Annotation]]:
    """Every choice of every prompt (choice index = prompt index * n + j), in one worker-thread call."""
    results = await rt.run(lambda: [collect(f(j)) for f in factories for j in range(n)])
    scored = await rt.filter.score([g.text for g in results])
    outputs = [s.merged(call.triggers.output) for s in scored]
    tokens = sum(g.finish.completion_tokens for g in results)
    if rt.config.per_token_ms > 0:
        await anyio.sleep(tokens * rt.config.per_token_ms / 1000)
    return results, outputs


async def chat(rt: Runtime, call: Call) -> Response:
    request, opts = parse_chat(call.body)
    rt.charge(call, estimate_tokens(opts.prompt_texts, opts.max_tokens, opts.n))
    filter_results = await _screen_prompts(rt, call, opts)
    engine = call.engines.chat
    await rt.before_output(call)
    head = Head.new("chatcmpl", "chat.completion.chunk", call.deployment.model)

    def factory(i: int) -> Iterator[TextDelta | Finish]:
        return engine.chat(request, i)

    if opts.stream:
        return stream_response(call, chat_events(rt, call, factory, opts, head, filter_results))
    results, outputs = await _generate(rt, call, [factory], opts.n)
    choices = []
    for i, (gen, annotation) in enumerate(zip(results, outputs, strict=True)):
        filtered = annotation.filtered and not gen.finish.tool_calls
        choices.append(
            {
                "content_filter_results": choice_filter_result(annotation),
                "finish_reason": "content_filter" if filtered else gen.finish.finish_reason,
                "index": i,
                "logprobs": chat_logprobs(gen.logprobs, opts.top_logprobs) if opts.logprobs else None,
                "message": chat_message(None if filtered else gen.text, gen.finish),
            }
        )
    body = {
        "choices": choices,
        "created": head.created,
        "id": head.id,
        "model": head.model,
        "object": "chat.completion",
        "prompt_filter_results": filter_results,
        "system_fingerprint": "fp_aoai_nb_emulator",
        "usage": usage(results[0].finish.prompt_tokens, sum(g.finish.completion_tokens for g in results)),
    }
    return json_response(call, body)


async def completions(rt: Runtime, call: Call) -> Response:
    requests, opts, echo = parse_completion(call.body)
    rt.charge(call, estimate_tokens(opts.prompt_texts, opts.max_tokens, opts.n * len(requests)))
    filter_results = await _screen_prompts(rt, call, opts)
    engine = call.engines.completion
    await rt.before_output(call)
    head = Head.new("cmpl", "text_completion", call.deployment.model)
    factories: list[Factory] = [functools.partial(_complete, engine, r) for r in requests]
    if opts.stream:
        return stream_response(call, completion_events(rt, call, factories, opts, head, filter_results, echo))
    results, outputs = await _generate(rt, call, factories, opts.n)
    choices = []
    for index, (gen, annotation) in enumerate(zip(results, outputs, strict=True)):
        prompt = opts.prompt_texts[index // opts.n]
        prefix = prompt if echo else ""
        choices.append(
            {
                "content_filter_results": choice_filter_result(annotation),
                "finish_reason": "content_filter" if annotation.filtered else gen.finish.finish_reason,
                "index": index,
                "logprobs": completion_logprobs(gen.logprobs, opts.top_logprobs, len(prefix))
                if opts.logprobs
                else None,
                "text": prefix + ("" if annotation.filtered else gen.text),
            }
        )
    prompt_tokens = sum(results[k * opts.n].finish.prompt_tokens for k in range(len(requests)))
    body = {
        "choices": choices,
        "created": head.created,
        "id": head.id,
        "model": head.model,
        "object": "text_completion",
        "prompt_filter_results": filter_results,
        "system_fingerprint": "fp_aoai_nb_emulator",
        "usage": usage(prompt_tokens, sum(g.finish.completion_tokens for g in results)),
    }
    return json_response(call, body)
