"""Scripted chat and legacy-completions engines: deterministic, labelled placeholder text.

Replies echo and count rather than understand, and say so (``[scripted reply] ...``). Every reply is a pure
function of (request, choice_index): with ``temperature == 0`` all choices get the same wording; otherwise the
wording is picked from a few variants by a hash of (seed, choice_index), so ``n`` choices differ but repeat
exactly across runs.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from aoai_nb.emulator.engines.base import (
    ChatRequest,
    CompletionRequest,
    EngineInputError,
    Generation,
    SamplingParams,
)
from aoai_nb.emulator.engines.image_facts import describe_image
from aoai_nb.emulator.engines.schema_instance import SCHEMA_ERRORS, Hints, instance_for
from aoai_nb.emulator.engines.scripted.tokens import (
    count_tokens,
    emit_text,
    finish_with_tool_calls,
    stable_hash,
)
from aoai_nb.emulator.engines.scripted.tools import (
    build_tool_calls,
    last_user_text,
    tool_results_summary,
    tools_to_call,
)

TOKENS_PER_MESSAGE = 3  # role and separators, as OpenAI's counting recipe adds
TOKENS_PER_IMAGE = 85  # a low-detail image's flat cost
_OPENERS = ("You said", "Your message was", "Received")
_CLOSERS = (
    "I am the emulator's scripted engine: I echo and count instead of understanding. "
    "Start the emulator with engine='local' for a real small model.",
    "This is placeholder text from the emulator's scripted engine, which does not read for meaning; "
    "engine='local' runs a real small model.",
    "(Scripted engine: deterministic placeholder output, not a language model.)",
)


def variant(sampling: SamplingParams, choice_index: int, options: int) -> int:
    """Which wording to use: 0 at temperature 0, else a stable hash of (seed, choice_index)."""
    if sampling.temperature == 0:
        return 0
    return _hashed_variant(sampling.seed, choice_index, options)


@functools.lru_cache(maxsize=1024)  # pure; most requests send no seed
def _hashed_variant(seed: int | None, choice_index: int, options: int) -> int:
    return stable_hash("variant", seed, choice_index) % options


def chat_prompt_tokens(request: ChatRequest) -> int:
    """Prompt tokens: each message's role and content, 3 per message, 85 per image, 3 to prime the reply,
    plus the tool definitions' JSON."""
    total = TOKENS_PER_MESSAGE
    for message in request.messages:
        total += TOKENS_PER_MESSAGE + count_tokens(message.role) + count_tokens(message.content)
        total += TOKENS_PER_IMAGE * len(message.images)
        total += sum(count_tokens(json.dumps(call)) for call in message.tool_calls)
    if request.tools:
        total += count_tokens(json.dumps(list(request.tools)))
    return total


def clip(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


class ScriptedChatEngine:
    name = "scripted"
    instant = True  # microseconds per call: the HTTP layer runs it on the event loop

    def chat(self, request: ChatRequest, choice_index: int = 0) -> Generation:
        """Plan the whole reply now (so input errors raise here), then stream it token by token."""
        prompt_tokens = chat_prompt_tokens(request)
        functions = tools_to_call(request)
        if functions:
            calls = build_tool_calls(request, functions, choice_index)
            return iter([finish_with_tool_calls(prompt_tokens, calls)])
        text = self.reply_text(request, choice_index)
        text = self._format(text, request)
        s = request.sampling
        return emit_text(
            text,
            prompt_tokens=prompt_tokens,
            max_tokens=s.max_tokens,
            stop=s.stop,
            logprobs=s.logprobs,
            top_logprobs=s.top_logprobs,
        )

    def reply_text(self, request: ChatRequest, choice_index: int) -> str:
        """The plain-text reply before any response_format shaping."""
        summary = tool_results_summary(request)
        if summary is not None:
            return summary
        pick = variant(request.sampling, choice_index, len(_OPENERS))
        user = last_user_text(request)
        users = sum(m.role == "user" for m in request.messages)
        parts = [f'[scripted reply] {_OPENERS[pick]}: "{clip(user, 120)}".' if user else "[scripted reply]"]
        parts.append(
            f"This conversation has {len(request.messages)} message{'s' * (len(request.messages) != 1)} "
            f"({users} from the user)."
        )
        system = next((m for m in request.messages if m.role in ("system", "developer")), None)
        if system is not None and system.content.strip():
            words = system.content.split()
            first_words = " ".join(words[:6]) + ("..." if len(words) > 6 else "")
            parts.append(f'The {system.role} prompt begins "{first_words}".')
        images = [image for m in request.messages if m.role == "user" for image in m.images]
        if images:
            facts = "; ".join(describe_image(image) for image in images)
            parts.append(
                f"Images received: {facts}. The scripted engine cannot see images; it only measures them."
            )
        parts.append(_CLOSERS[pick])
        return " ".join(parts)

    def _format(self, text: str, request: ChatRequest) -> str:
        response_format = request.response_format or {}
        kind = response_format.get("type", "text")
        if kind == "json_object":
            payload = {"reply": text, "engine": "scripted", "messages": len(request.messages)}
            return json.dumps(payload, ensure_ascii=False)
        if kind == "json_schema":
            return json.dumps(self._schema_instance(response_format, request), ensure_ascii=False)
        return text

    def _schema_instance(self, response_format: dict[str, Any], request: ChatRequest) -> Any:
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(spec, dict) or not isinstance(schema, dict):
            raise EngineInputError(
                "response_format json_schema needs {'json_schema': {'name': ..., 'schema': {...}}}.",
                param="response_format",
            )
        try:
            return instance_for(schema, Hints.from_text(last_user_text(request)), name=str(spec.get("name")))
        except SCHEMA_ERRORS as exc:
            raise EngineInputError(f"Cannot use this json_schema: {exc}", param="response_format") from exc


class ScriptedCompletionEngine:
    name = "scripted"
    instant = True  # microseconds per call: the HTTP layer runs it on the event loop

    def complete(self, request: CompletionRequest, choice_index: int = 0) -> Generation:
        s = request.sampling
        words = request.prompt.split()
        tail = " ".join(words[-6:])
        pick = variant(s, choice_index, 3)
        lead = ("continues the prompt", "goes on from the prompt", "follows the prompt")[pick]
        text = (
            f" [scripted completion] This text {lead}, which has {count_tokens(request.prompt)} tokens"
            + (f' and ends "{clip(tail, 60)}"' if tail else "")
            + ". The scripted engine does not predict words; engine='local' runs a real model."
        )
        if request.suffix:
            text += f' The suffix "{clip(request.suffix, 40)}" would follow this insertion.'
        return emit_text(
            text,
            prompt_tokens=count_tokens(request.prompt),
            max_tokens=s.max_tokens,
            stop=s.stop,
            logprobs=s.logprobs,
            top_logprobs=s.top_logprobs,
        )
