"""Response shapes for chat and legacy completions: choices, logprobs, usage and stream chunks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aoai_nb.emulator.engines.base import Finish, Planned, TextDelta, TokenLogprob
from aoai_nb.emulator.wire import make_id

SYSTEM_FINGERPRINT = "fp_aoai_nb_emulator"


@dataclass(frozen=True)
class Head:
    """What every chunk of one response shares."""

    id: str
    object: str
    model: str
    created: int = field(default_factory=lambda: int(time.time()))

    @classmethod
    def new(cls, prefix: str, obj: str, model: str) -> Head:
        return cls(make_id(prefix), obj, model)

    def chunk(self, choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {
            "choices": choices,
            "created": self.created,
            "id": self.id,
            "model": self.model,
            "object": self.object,
            "system_fingerprint": SYSTEM_FINGERPRINT,
            **extra,
        }


def annotation_chunk(prompt_filter_results: list[dict[str, Any]]) -> dict[str, Any]:
    """The first event of every Azure stream: no choices, empty id/model/object, the prompt's filter results."""
    return {
        "choices": [],
        "created": 0,
        "id": "",
        "model": "",
        "object": "",
        "prompt_filter_results": prompt_filter_results,
    }


@dataclass
class Generated:
    """One choice, collected (non-streaming): its deltas' texts, their logprobs (flattened), the Finish."""

    texts: list[str]
    logprobs: list[TokenLogprob]
    finish: Finish

    @property
    def text(self) -> str:
        return "".join(self.texts)


def collect(items: Iterator[TextDelta | Finish]) -> Generated:
    """Exhaust one engine generation (in a worker thread, or on the event loop for an instant engine); a
    ``Planned`` one not yet iterated hands over its texts at once."""
    if isinstance(items, Planned) and items.unread:
        return Generated(*items.take_all())
    texts: list[str] = []
    logprobs: list[TokenLogprob] = []
    for item in items:
        if isinstance(item, Finish):
            return Generated(texts, logprobs, item)
        texts.append(item.text)
        logprobs += item.logprobs
    raise RuntimeError("engine generation ended without a Finish item")


def usage(prompt_tokens: int, completion_tokens: int, reasoning: bool = False) -> dict[str, Any]:
    """Chat/completions usage. ``reasoning``: the full details a reasoning model's answer carries (REASON's
    gpt-5 sample). ``reasoning_tokens`` is 0 either way: the emulator's models do not reason, and
    ``completion_tokens`` (which would include reasoning tokens) counts only the visible reply."""
    if reasoning:
        return {
            "completion_tokens": completion_tokens,
            "prompt_tokens": prompt_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "completion_tokens_details": {
                "accepted_prediction_tokens": 0,
                "audio_tokens": 0,
                "reasoning_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
            "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 0},
        }
    return {
        "completion_tokens": completion_tokens,
        "prompt_tokens": prompt_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "completion_tokens_details": {"reasoning_tokens": 0},
        "prompt_tokens_details": {"cached_tokens": 0},
    }


def _token(token: str, logprob: float) -> dict[str, Any]:
    return {"token": token, "logprob": logprob, "bytes": list(token.encode("utf-8"))}


def chat_logprobs(tokens: list[TokenLogprob], top: int) -> dict[str, Any]:
    content = [
        {**_token(t.token, t.logprob), "top_logprobs": [_token(tok, lp) for tok, lp in t.top[:top]]}
        for t in tokens
    ]
    return {"content": content, "refusal": None}


def completion_logprobs(tokens: list[TokenLogprob], top: int, offset: int) -> dict[str, Any]:
    offsets = []
    for t in tokens:
        offsets.append(offset)
        offset += len(t.token)
    return {
        "tokens": [t.token for t in tokens],
        "token_logprobs": [t.logprob for t in tokens],
        "top_logprobs": [dict(t.top[:top]) for t in tokens],
        "text_offset": offsets,
    }


def tool_calls(finish: Finish) -> list[dict[str, Any]]:
    return [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
        for c in finish.tool_calls
    ]


@dataclass(frozen=True)
class ToolStyle:
    """How a reply's tool calls are reported: as ``tool_calls`` or, for the deprecated ``functions``
    parameter, as one ``function_call``; a request that named the function ends with ``finish_reason:
    "stop"``, as Azure's do (``auto``/``required`` keep ``"tool_calls"``, functions ``"function_call"``)."""

    functions: bool = False
    named: bool = False

    def finish_reason(self, finish: Finish) -> str:
        if not finish.tool_calls:
            return finish.finish_reason
        if self.named:
            return "stop"
        return "function_call" if self.functions else "tool_calls"

    def fields(self, finish: Finish, streamed: bool = False) -> dict[str, Any]:
        """The message's (or, ``streamed``, the delta's) ``tool_calls`` or ``function_call``."""
        if not finish.tool_calls:
            return {}
        if self.functions:
            first = finish.tool_calls[0]
            return {"function_call": {"name": first.name, "arguments": first.arguments}}
        calls = tool_calls(finish)
        return {"tool_calls": [{"index": k, **c} for k, c in enumerate(calls)] if streamed else calls}


def chat_message(text: str | None, finish: Finish, style: ToolStyle | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
    if finish.tool_calls:
        message.update((style or ToolStyle()).fields(finish))
        if not text:
            message["content"] = None
    return message
