"""A Responses create body, validated, as a plan: the chat-engine request plus what the Response echoes.

``build_plan`` checks every parameter (an Azure-shaped 400 for each bad one), resolves ``previous_response_id``
from the store (the earlier turns become part of the engine's messages; ``instructions`` are not carried over)
and applies the model's rules. ``new_response`` is the Response object before any output exists.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from aoai_nb.emulator import params as p
from aoai_nb.emulator.config import Deployment
from aoai_nb.emulator.engines.base import ChatMessage, ChatRequest, SamplingParams
from aoai_nb.emulator.responses_input import item_id, parse_input, to_messages
from aoai_nb.emulator.responses_options import parse_metadata, parse_text, parse_tool_choice, parse_tools
from aoai_nb.emulator.responses_rules import check_model_rules
from aoai_nb.emulator.responses_store import ResponseStore
from aoai_nb.emulator.wire import invalid_request

MIN_OUTPUT_TOKENS = 16
INCLUDABLE = (
    "file_search_call.results",
    "web_search_call.results",
    "web_search_call.action.sources",
    "message.input_image.image_url",
    "computer_call_output.output.image_url",
    "code_interpreter_call.outputs",
    "reasoning.encrypted_content",
    "message.output_text.logprobs",
)
KNOWN = {
    "model",
    "input",
    "instructions",
    "max_output_tokens",
    "max_tool_calls",
    "temperature",
    "top_p",
    "top_logprobs",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "text",
    "reasoning",
    "metadata",
    "store",
    "previous_response_id",
    "background",
    "stream",
    "stream_options",
    "include",
    "truncation",
    "user",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
    "service_tier",
    "conversation",
    "prompt",
}


@dataclass(frozen=True)
class Plan:
    """Everything a create request asks for, validated."""

    request: ChatRequest  # what the chat engine computes from
    echo: dict[str, Any]  # the Response fields that repeat the request
    input_items: list[dict[str, Any]]
    history: list[dict[str, Any]]  # previous_response_id's conversation
    prompt_text: str  # what the content filter reads
    stream: bool
    background: bool
    store: bool
    parallel_tool_calls: bool
    reasoning: dict[str, Any] | None  # None: the model does not reason
    logprobs: bool


def _max_output_tokens(body: dict[str, Any]) -> int | None:
    value = body.get("max_output_tokens")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise p.wrong_type("max_output_tokens", value, "an integer")
    if value < MIN_OUTPUT_TOKENS:
        raise invalid_request(
            "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= "
            f"{MIN_OUTPUT_TOKENS}, but got {value} instead.",
            param="max_output_tokens",
            code="integer_below_min_value",
        )
    return value


def _include(body: dict[str, Any]) -> list[str]:
    include = body.get("include")
    if include is None:
        return []
    if not isinstance(include, list) or not all(isinstance(v, str) for v in include):
        raise p.wrong_type("include", include, "an array of strings")
    for value in include:
        if value not in INCLUDABLE:
            raise invalid_request(
                f"Invalid value: '{value}'. Supported values are: {', '.join(repr(v) for v in INCLUDABLE)}.",
                param="include",
            )
    return include


def _history(body: dict[str, Any], store: ResponseStore) -> list[dict[str, Any]]:
    previous = body.get("previous_response_id")
    if previous is None:
        return []
    if not isinstance(previous, str):
        raise p.wrong_type("previous_response_id", previous, "a string")
    stored = store.find(previous)
    if stored is None:
        raise invalid_request(
            f"Previous response with id '{previous}' not found.",
            param="previous_response_id",
            code="previous_response_not_found",
        )
    if not stored.done:
        raise invalid_request(
            f"Previous response with id '{previous}' is still {stored.status}; wait until it has finished.",
            param="previous_response_id",
        )
    return stored.conversation()


def _instructions(body: dict[str, Any]) -> tuple[Any, list[ChatMessage]]:
    """``instructions`` as echoed and as the system messages that open the engine's conversation."""
    value = body.get("instructions")
    if value is None:
        return None, []
    if isinstance(value, str):
        return value, [ChatMessage(role="system", content=value)]
    items = parse_input(value, "instructions")
    return value, to_messages(items, "instructions")


def _unsupported(body: dict[str, Any]) -> None:
    for key, what in (("conversation", "The Conversations API"), ("prompt", "Prompt templates")):
        if body.get(key) is not None:
            raise invalid_request(
                f"{what} ('{key}') is not implemented by the emulator; send 'input' (and "
                "'previous_response_id' to chain turns).",
                param=key,
                code="unsupported_parameter",
            )
    p.string(body, "truncation", choices=("auto", "disabled"))
    for key in ("user", "safety_identifier", "prompt_cache_key"):
        p.string(body, key)
    p.integer(body, "max_tool_calls", None, 1)


def build_plan(body: dict[str, Any], deployment: Deployment, store: ResponseStore) -> Plan:
    p.reject_unknown(body, KNOWN)
    _unsupported(body)
    if body.get("input") is None and body.get("previous_response_id") is None:
        raise p.missing("input")
    reasoning = check_model_rules(deployment, body)
    input_items = parse_input(body["input"]) if body.get("input") is not None else []
    history = _history(body, store)
    instructions, system = _instructions(body)
    messages = [*system, *to_messages(history), *to_messages(input_items)]
    if not messages:
        raise invalid_request("'input' must hold at least one item.", param="input")
    prompt_text = "\n".join(m.content for m in messages if m.role != "assistant")
    tools, chat_tools = parse_tools(body)
    tool_choice, chat_choice = parse_tool_choice(body, tools)
    text, response_format = parse_text(body, prompt_text)
    metadata = parse_metadata(body)
    include = _include(body)
    top_logprobs = p.integer(body, "top_logprobs", None, 0, 20)
    logprobs = "message.output_text.logprobs" in include
    max_output_tokens = _max_output_tokens(body)
    temperature = p.number(body, "temperature", 1.0, 0, 2)
    top_p = p.number(body, "top_p", 1.0, 0, 1)
    stream = p.boolean(body, "stream")
    if body.get("stream_options") is not None and not stream:
        raise invalid_request(
            "'stream_options' is only allowed when 'stream' is true.", param="stream_options"
        )
    background = p.boolean(body, "background")
    store_it = p.boolean(body, "store", True)
    if background and not store_it:
        raise invalid_request(
            "Background responses require 'store' to be true: the result is fetched later by id.",
            param="background",
        )
    parallel = p.boolean(body, "parallel_tool_calls", True)
    request = ChatRequest(
        messages=tuple(messages),
        sampling=SamplingParams(
            max_tokens=max_output_tokens,
            temperature=temperature,
            top_p=top_p,
            logprobs=logprobs,
            top_logprobs=top_logprobs or 0,
        ),
        tools=chat_tools,
        tool_choice=chat_choice,
        response_format=response_format,
    )
    echo = {
        "background": background,
        "instructions": instructions,
        "max_output_tokens": max_output_tokens,
        "max_tool_calls": body.get("max_tool_calls"),
        "metadata": metadata or {},
        "parallel_tool_calls": parallel,
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": reasoning or {"effort": None, "generate_summary": None, "summary": None},
        "safety_identifier": body.get("safety_identifier"),
        "service_tier": "default",
        "store": store_it,
        "temperature": None if reasoning is not None else temperature,
        "text": text,
        "tool_choice": tool_choice,
        "tools": tools,
        "top_logprobs": top_logprobs or 0,
        "top_p": None if reasoning is not None else top_p,
        "truncation": body.get("truncation") or "disabled",
        "user": body.get("user"),
    }
    return Plan(
        request=request,
        echo=echo,
        input_items=input_items,
        history=history,
        prompt_text=prompt_text,
        stream=stream,
        background=background,
        store=store_it,
        parallel_tool_calls=parallel,
        reasoning=reasoning,
        logprobs=logprobs,
    )


def new_response(plan: Plan, model: str) -> dict[str, Any]:
    """The Response object before generation: status ``queued`` (background) or ``in_progress``."""
    return {
        "id": item_id("resp"),
        "object": "response",
        "created_at": int(time.time()),
        "status": "queued" if plan.background else "in_progress",
        "error": None,
        "incomplete_details": None,
        "model": model,
        "output": [],
        "usage": None,
        "content_filters": None,
        **plan.echo,
    }
