"""POST chat/completions and completions: JSON answers and SSE streams in Azure's shape."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.responses import Response

from aoai_nb.emulator import params as p
from aoai_nb.emulator.cancel import Cancel
from aoai_nb.emulator.engines.base import CompletionEngine, CompletionRequest, Engine, Finish, TextDelta
from aoai_nb.emulator.faults import estimate_tokens
from aoai_nb.emulator.model_rules import REASONING_HEADER, REASONING_NOTE, check_chat
from aoai_nb.emulator.output_cut import OutputCut, collected_cut
from aoai_nb.emulator.runtime import Call, Runtime, json_response, runs_inline
from aoai_nb.emulator.streams import Factory, chat_stream, completion_stream
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
from aoai_nb.emulator.vocabulary import decode_inputs
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


@dataclass
class _Choices:
    """Every collected choice, its filter annotation, whether the filter cut it, and its reported tokens."""

    generated: list[Generated]
    annotations: list[Annotation]
    cut: list[bool]
    tokens: list[int]


def _collect_all(factories: list[Factory], n: int, cancel: Cancel | None) -> list[Generated]:
    """Every choice of every prompt, one after another; in a worker thread (``cancel``) it stops once the client
    has gone, on the event loop (None) nothing can stop it midway."""
    results = []
    for factory in factories:
        for j in range(n):
            if cancel is None:
                results.append(collect(factory(j)))
                continue
            cancel.check()
            results.append(collect(cancel.guard(factory(j))))
    return results


async def _generate(
    rt: Runtime, call: Call, engine: Engine, factories: list[Factory], n: int, heavy: bool
) -> _Choices:
    """Every choice of every prompt (choice index = prompt index * n + j), in one engine call."""
    cancel = Cancel()
    watched = None if runs_inline(engine, heavy) else cancel
    results = await rt.run(engine, _collect_all, factories, n, watched, call=call, cancel=cancel, heavy=heavy)
    rule = OutputCut(rt, call)
    verdicts = [await collected_cut(rule, g.texts, g.finish) for g in results]
    annotations = [annotation for annotation, _, _ in verdicts]
    cut = [is_cut for _, is_cut, _ in verdicts]
    tokens = [count for _, _, count in verdicts]
    if rt.config.per_token_ms > 0:
        await anyio.sleep(sum(tokens) * rt.config.per_token_ms / 1000)
    return _Choices(results, annotations, cut, tokens)


async def chat(rt: Runtime, call: Call) -> Response:
    info = call.deployment.info
    if check_chat(info, call.body) is not None:
        call.headers[REASONING_HEADER] = REASONING_NOTE
    request, opts = parse_chat(call.body)
    rt.charge(call, estimate_tokens(opts.prompt_texts, opts.max_tokens, opts.n))
    filter_results = await _screen_prompts(rt, call, opts)
    engine = call.engines.chat
    rt.admit(call, engine)
    await rt.before_output(call)
    head = Head.new("chatcmpl", "chat.completion.chunk", call.deployment.model)

    def factory(i: int) -> Iterator[TextDelta | Finish]:
        return engine.chat(request, i)

    if opts.stream:
        return await chat_stream(rt, call, engine, factory, opts, head, filter_results)
    heavy = opts.heavy(1)
    out = await _generate(rt, call, engine, [factory], opts.n, heavy)
    return await rt.build(heavy, _chat_reply, call, out, opts, head, filter_results, heavy)


def _chat_reply(
    call: Call,
    out: _Choices,
    opts: TextOptions,
    head: Head,
    filter_results: list[dict[str, Any]],
    big: bool,
) -> Response:
    choices = []
    for i, (gen, annotation, filtered) in enumerate(
        zip(out.generated, out.annotations, out.cut, strict=True)
    ):
        choices.append(
            {
                "content_filter_results": choice_filter_result(annotation),
                "finish_reason": "content_filter" if filtered else opts.tool_style.finish_reason(gen.finish),
                "index": i,
                "logprobs": chat_logprobs(gen.logprobs, opts.top_logprobs) if opts.logprobs else None,
                "message": chat_message(None if filtered else gen.text, gen.finish, opts.tool_style),
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
        "usage": usage(
            out.generated[0].finish.prompt_tokens,
            sum(out.tokens),
            reasoning=call.deployment.info.is_reasoning,
        ),
    }
    return json_response(call, body, big=big)


async def completions(rt: Runtime, call: Call) -> Response:
    inputs = p.texts_or_tokens(p.required(call.body, "prompt"), "prompt")
    prompts = await rt.run(None, decode_inputs, inputs, call.deployment.model, "prompt")
    requests, opts, echo = parse_completion(call.body, prompts)
    rt.charge(call, estimate_tokens(opts.prompt_texts, opts.max_tokens, opts.n * len(requests)))
    filter_results = await _screen_prompts(rt, call, opts)
    engine = call.engines.completion
    rt.admit(call, engine)
    await rt.before_output(call)
    head = Head.new("cmpl", "text_completion", call.deployment.model)
    factories: list[Factory] = [functools.partial(_complete, engine, r) for r in requests]
    if opts.stream:
        return await completion_stream(rt, call, engine, factories, opts, head, filter_results, echo)
    heavy = opts.heavy(len(requests))
    out = await _generate(rt, call, engine, factories, opts.n, heavy)
    return await rt.build(
        heavy, _completion_reply, call, out, opts, head, filter_results, echo, len(requests), heavy
    )


def _completion_reply(
    call: Call,
    out: _Choices,
    opts: TextOptions,
    head: Head,
    filter_results: list[dict[str, Any]],
    echo: bool,
    prompts: int,
    big: bool,
) -> Response:
    choices = []
    for index, (gen, annotation) in enumerate(zip(out.generated, out.annotations, strict=True)):
        prompt = opts.prompt_texts[index // opts.n]
        prefix = prompt if echo else ""
        choices.append(
            {
                "content_filter_results": choice_filter_result(annotation),
                "finish_reason": "content_filter" if out.cut[index] else gen.finish.finish_reason,
                "index": index,
                "logprobs": completion_logprobs(gen.logprobs, opts.top_logprobs, len(prefix))
                if opts.logprobs
                else None,
                "text": prefix + ("" if out.cut[index] else gen.text),
            }
        )
    prompt_tokens = sum(out.generated[k * opts.n].finish.prompt_tokens for k in range(prompts))
    body = {
        "choices": choices,
        "created": head.created,
        "id": head.id,
        "model": head.model,
        "object": "text_completion",
        "prompt_filter_results": filter_results,
        "system_fingerprint": "fp_aoai_nb_emulator",
        "usage": usage(prompt_tokens, sum(out.tokens)),
    }
    return json_response(call, body, big=big)
