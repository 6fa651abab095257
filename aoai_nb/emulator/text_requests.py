"""Validate chat and legacy-completion request bodies and turn them into engine requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aoai_nb.emulator import legacy_functions
from aoai_nb.emulator import params as p
from aoai_nb.emulator.chat_parts import parse_message, parse_response_format, parse_tools
from aoai_nb.emulator.engines.base import (
    ChatRequest,
    CompletionRequest,
    SamplingParams,
)
from aoai_nb.emulator.text_shapes import ToolStyle
from aoai_nb.emulator.wire import invalid_request

MAX_CHOICES = 128  # choices in one answer: chat's n, completions' prompts x n

COMMON = {
    "model",
    "n",
    "stream",
    "stream_options",
    "stop",
    "max_tokens",
    "temperature",
    "top_p",
    "seed",
    "user",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "logprobs",
}
CHAT_PARAMS = COMMON | {
    "messages",
    "max_completion_tokens",
    "top_logprobs",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "functions",
    "function_call",
    "data_sources",
    "store",
    "metadata",
    "modalities",
    "audio",
    "reasoning_effort",
    "prediction",
    "user_security_context",
    "service_tier",
    "verbosity",
    "prompt_cache_key",
    "safety_identifier",
}
COMPLETION_PARAMS = COMMON | {"prompt", "echo", "suffix", "best_of"}
HEAVY_TOKENS = 4096


@dataclass(frozen=True)
class TextOptions:
    """What the route needs besides the engine request."""

    n: int
    stream: bool
    include_usage: bool
    logprobs: bool
    top_logprobs: int
    max_tokens: int | None
    prompt_texts: list[str]  # what the content filter reads, one entry per prompt index
    tool_style: ToolStyle = ToolStyle()  # how tool calls are reported (tools or legacy functions)

    def heavy(self, prompts: int) -> bool:
        """Whether the reply may be big enough to hold up other clients if built on the event loop:
        choices x max tokens x (1 + top_logprobs) above HEAVY_TOKENS leave the loop, even scripted."""
        per_choice = (self.max_tokens or 256) * (1 + (self.top_logprobs if self.logprobs else 0))
        return prompts * self.n * per_choice > HEAVY_TOKENS


def _sampling(
    body: dict[str, Any], max_tokens: int | None, logprobs: bool, top_logprobs: int
) -> SamplingParams:
    p.number(body, "presence_penalty", 0, -2, 2)
    p.number(body, "frequency_penalty", 0, -2, 2)
    p.logit_bias(body)
    p.string(body, "user")
    return SamplingParams(
        max_tokens=max_tokens,
        temperature=p.number(body, "temperature", 1.0, 0, 2),
        top_p=p.number(body, "top_p", 1.0, 0, 1),
        stop=p.stop_sequences(body),
        seed=p.integer(body, "seed", None, -(2**63)),
        logprobs=logprobs,
        top_logprobs=top_logprobs,
    )


def _unsupported(body: dict[str, Any]) -> None:
    if body.get("data_sources") is not None:
        raise invalid_request(
            "'data_sources' (On Your Data) needs a real Azure resource; the emulator does not implement it.",
            param="data_sources",
            code="unsupported_parameter",
        )
    modalities = body.get("modalities")
    if isinstance(modalities, list) and "audio" in modalities:
        raise invalid_request(
            "Audio output from chat is not implemented by the emulator; use audio/speech.",
            param="modalities",
            code="unsupported_parameter",
        )


def parse_chat(body: dict[str, Any]) -> tuple[ChatRequest, TextOptions]:
    p.reject_unknown(body, CHAT_PARAMS)
    body, functions = legacy_functions.translate(body)  # deprecated functions/function_call -> tools
    _unsupported(body)
    raw = p.required(body, "messages")
    if not isinstance(raw, list) or not raw:
        raise invalid_request(
            "'messages' must be a non-empty array of message objects.", param="messages", code="invalid_value"
        )
    messages = tuple(parse_message(m, i) for i, m in enumerate(raw))
    if body.get("max_tokens") is not None and body.get("max_completion_tokens") is not None:
        raise invalid_request(
            "Set either 'max_tokens' or 'max_completion_tokens', not both.", param="max_tokens"
        )
    max_tokens = p.integer(body, "max_tokens", None, 1) or p.integer(body, "max_completion_tokens", None, 1)
    logprobs = p.boolean(body, "logprobs")
    top_logprobs = p.integer(body, "top_logprobs", 0, 0, 20) or 0
    if top_logprobs and not logprobs:
        raise invalid_request(
            "'logprobs' must be set to true when 'top_logprobs' is used.", param="top_logprobs"
        )
    stream = p.boolean(body, "stream")
    tools, tool_choice = parse_tools(body)
    parallel = p.boolean(body, "parallel_tool_calls", default=True)
    request = ChatRequest(
        messages=messages,
        sampling=_sampling(body, max_tokens, logprobs, top_logprobs),
        tools=tools,
        tool_choice=tool_choice,
        response_format=parse_response_format(body, messages),
        parallel_tool_calls=parallel,
    )
    prompt = "\n".join(m.content for m in messages if m.role != "assistant")
    options = TextOptions(
        n=p.integer(body, "n", 1, 1, MAX_CHOICES) or 1,
        stream=stream,
        include_usage=p.stream_options(body, stream),
        logprobs=logprobs,
        top_logprobs=top_logprobs,
        max_tokens=max_tokens,
        prompt_texts=[prompt],
        tool_style=ToolStyle(functions=functions, named=isinstance(tool_choice, dict)),
    )
    return request, options


def parse_completion(
    body: dict[str, Any], prompts: list[str]
) -> tuple[list[CompletionRequest], TextOptions, bool]:
    """One engine request per prompt (``prompts``: ``body["prompt"]``, token ids already decoded), the options,
    and ``echo``."""
    p.reject_unknown(body, COMPLETION_PARAMS)
    max_tokens = p.integer(body, "max_tokens", 16, 0)
    logprobs_n = p.integer(body, "logprobs", None, 0, 5)
    n = p.integer(body, "n", 1, 1, MAX_CHOICES) or 1
    if len(prompts) * n > MAX_CHOICES:
        raise invalid_request(
            f"{len(prompts)} prompts x n={n} asks for {len(prompts) * n} choices; the emulator answers at most "
            f"{MAX_CHOICES} per request (Azure caps n at 128): send fewer prompts or a smaller n.",
            param="n",
            code="invalid_value",
        )
    best_of = p.integer(body, "best_of", None, 1, 20)
    if best_of is not None and best_of < n:
        raise invalid_request(
            f"'best_of' ({best_of}) must be greater than or equal to 'n' ({n}).", param="best_of"
        )
    stream = p.boolean(body, "stream")
    echo = p.boolean(body, "echo")
    suffix = p.string(body, "suffix")
    sampling = _sampling(body, max_tokens, logprobs_n is not None, logprobs_n or 0)
    requests = [CompletionRequest(prompt=text, sampling=sampling, suffix=suffix) for text in prompts]
    options = TextOptions(
        n=n,
        stream=stream,
        include_usage=p.stream_options(body, stream),
        logprobs=logprobs_n is not None,
        top_logprobs=logprobs_n or 0,
        max_tokens=max_tokens,
        prompt_texts=prompts,
    )
    return requests, options, echo
