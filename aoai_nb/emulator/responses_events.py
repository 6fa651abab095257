"""Generating one Response as its stream of events (§3.7 order), whether or not the client streams.

``Producer.events()`` drives the chat engine through the same stream machinery as chat (``stream_choice.Choice``:
per-token pacing, the output content filter's checks) and yields each event as it happens, numbered by
``sequence_number``, while it keeps the Response object up to date (so a background response read mid-way shows
its progress). A plain request consumes the events and returns the final Response; a stream sends them; a
background response records them for followers. Order for a text answer::

    response.created, response.in_progress, response.output_item.added, response.content_part.added,
    response.output_text.delta x n, response.output_text.done, response.content_part.done,
    response.output_item.done, response.completed (or response.incomplete)

Function calls add ``output_item.added``, ``function_call_arguments.delta`` x n, ``.done`` and
``output_item.done`` per call; a reasoning model's reasoning item (with its summary when asked) comes first.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import anyio

from aoai_nb.emulator.engines.base import Finish, TextDelta
from aoai_nb.emulator.feeds import Feeds
from aoai_nb.emulator.responses_input import item_id
from aoai_nb.emulator.responses_plan import Plan
from aoai_nb.emulator.runtime import Call, Runtime
from aoai_nb.emulator.stream_choice import Choice
from aoai_nb.emulator.wire import SAFE, Annotation, AzureError, choice_filter_result, prompt_filter_result

ARGUMENT_PIECE = 12  # characters per function_call_arguments.delta
REASONING_SUMMARY = (
    "[emulator placeholder] No reasoning took place: the emulator's engines do not reason, so this summary is "
    "a stand-in for the one a reasoning model writes about its chain of thought."
)


def _logprobs(delta: TextDelta) -> list[dict[str, Any]]:
    return [
        {
            "token": t.token,
            "logprob": t.logprob,
            "bytes": list(t.token.encode("utf-8")),
            "top_logprobs": [
                {"token": tok, "logprob": lp, "bytes": list(tok.encode("utf-8"))} for tok, lp in t.top
            ],
        }
        for t in delta.logprobs
    ]


def content_filters(prompt: Annotation, output: Annotation | None, cut: bool) -> list[dict[str, Any]]:
    """Azure's ``content_filters`` on a Response: one entry per source (the shape of the Foundry responses
    spec, azure-rest-api-specs PR #42141; docs/responses.md says what is unconfirmed)."""
    entries = [
        {"blocked": False, "source_type": "prompt", "content_filter_results": prompt_filter_result(prompt)}
    ]
    if output is not None:
        results = choice_filter_result(output)
        entries.append({"blocked": cut, "source_type": "completion", "content_filter_results": results})
    return entries


class Producer:
    """One Response's generation; see the module docstring. ``open()`` starts the engine (engine errors on
    the first item raise there, as an HTTP error), ``events()`` yields the events."""

    def __init__(
        self, rt: Runtime, call: Call, plan: Plan, response: dict[str, Any], prompt: Annotation
    ) -> None:
        self.rt, self.call, self.plan, self.response, self.prompt = rt, call, plan, response, prompt
        self.sequence = 0
        self.feeds = Feeds(call.engines.chat)
        self.choice: Choice | None = None
        self.in_text = False

    def event(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"type": kind, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return event

    def _with_response(self, kind: str) -> dict[str, Any]:
        return self.event(kind, response=copy.deepcopy(self.response))

    async def open(self) -> None:
        engine, request = self.call.engines.chat, self.plan.request

        def start() -> Any:
            return engine.chat(request, 0)

        self.choice = await Choice.open(self.rt, self.call, self.feeds, start)

    def ready(self) -> bool:
        """Whether the next event exists already (False only while a paced or slow engine is awaited)."""
        return not self.in_text or self.choice is None or self.choice.ready()

    def close(self) -> None:
        self.feeds.close()

    def _add(self, item: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        output = self.response["output"]
        output.append(item)
        return len(output) - 1, self.event(
            "response.output_item.added", output_index=len(output) - 1, item=copy.deepcopy(item)
        )

    def _done(self, index: int, item: dict[str, Any]) -> dict[str, Any]:
        return self.event("response.output_item.done", output_index=index, item=copy.deepcopy(item))

    async def events(self, *, queued: bool = False) -> AsyncIterator[dict[str, Any]]:
        """Every event of the response; ``queued``: a background response, announced while queued and started
        after the emulator's first-token latency."""
        if queued:
            yield self._with_response("response.created")
            yield self._with_response("response.queued")
            if self.call.first_token_ms > 0:
                await anyio.sleep(self.call.first_token_ms / 1000)
            if self.choice is None:
                await self.open()
            self.response["status"] = "in_progress"
        else:
            yield self._with_response("response.created")
        yield self._with_response("response.in_progress")
        if self.plan.reasoning is not None:
            async for event in self._reasoning():
                yield event
        assert self.choice is not None, "open() first"
        async for event in self._message(self.choice):
            yield event
        finish = self.choice.finish
        if finish is not None and finish.tool_calls and self.choice.cut is None:
            async for event in self._function_calls(finish):
                yield event
        self._finalize(self.choice)
        kind = "response.completed" if self.response["status"] == "completed" else "response.incomplete"
        yield self._with_response(kind)

    async def _reasoning(self) -> AsyncIterator[dict[str, Any]]:
        assert self.plan.reasoning is not None
        item: dict[str, Any] = {
            "id": item_id("rs"),
            "type": "reasoning",
            "summary": [],
            "encrypted_content": None,
        }
        index, added = self._add(item)
        yield added
        if self.plan.reasoning.get("summary"):
            where = {"item_id": item["id"], "output_index": index, "summary_index": 0}
            part = {"type": "summary_text", "text": ""}
            yield self.event("response.reasoning_summary_part.added", **where, part=dict(part))
            for word in REASONING_SUMMARY.split(" "):
                piece = word if not part["text"] else " " + word
                part["text"] += piece
                yield self.event("response.reasoning_summary_text.delta", **where, delta=piece)
            yield self.event("response.reasoning_summary_text.done", **where, text=part["text"])
            yield self.event("response.reasoning_summary_part.done", **where, part=dict(part))
            item["summary"].append(part)
        yield self._done(index, item)

    async def _message(self, choice: Choice) -> AsyncIterator[dict[str, Any]]:
        item: dict[str, Any] | None = None
        part: dict[str, Any] = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
        index = 0
        self.in_text = True
        try:
            async for delta in choice.deltas_until_done():
                if item is None:
                    item, index, opened = self._open_message(part)
                    for event in opened:
                        yield event
                part["text"] += delta.text
                logprobs = _logprobs(delta) if self.plan.logprobs else []
                part["logprobs"] += logprobs
                where = {"item_id": item["id"], "output_index": index, "content_index": 0}
                yield self.event("response.output_text.delta", **where, delta=delta.text, logprobs=logprobs)
        finally:
            self.in_text = False
        await choice.judge()
        if choice.cut is not None:
            await choice.drain()
        finish = choice.finish
        if item is None and (finish is None or not finish.tool_calls or choice.cut is not None):
            item, index, opened = self._open_message(part)
            for event in opened:
                yield event
        if item is None:
            return
        if choice.cut is not None and not self.plan.stream:
            part["text"], part["logprobs"] = "", []  # as on chat: a cut reply is withheld when not streamed
        item["status"] = (
            "completed" if choice.cut is None and _finish_reason(finish) != "length" else "incomplete"
        )
        where = {"item_id": item["id"], "output_index": index, "content_index": 0}
        yield self.event("response.output_text.done", **where, text=part["text"], logprobs=part["logprobs"])
        yield self.event("response.content_part.done", **where, part=copy.deepcopy(part))
        yield self._done(index, item)

    def _open_message(self, part: dict[str, Any]) -> tuple[dict[str, Any], int, list[dict[str, Any]]]:
        item: dict[str, Any] = {
            "id": item_id("msg"),
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        }
        index, added = self._add(item)
        item["content"].append(part)
        where = {"item_id": item["id"], "output_index": index, "content_index": 0}
        return (
            item,
            index,
            [added, self.event("response.content_part.added", **where, part=copy.deepcopy(part))],
        )

    async def _function_calls(self, finish: Finish) -> AsyncIterator[dict[str, Any]]:
        calls = finish.tool_calls if self.plan.parallel_tool_calls else finish.tool_calls[:1]
        for call in calls:
            item = {
                "id": item_id("fc"),
                "type": "function_call",
                "status": "in_progress",
                "arguments": "",
                "call_id": call.id,
                "name": call.name,
            }
            index, added = self._add(item)
            yield added
            where = {"item_id": item["id"], "output_index": index}
            for start in range(0, len(call.arguments), ARGUMENT_PIECE):
                piece = call.arguments[start : start + ARGUMENT_PIECE]
                item["arguments"] += piece
                yield self.event("response.function_call_arguments.delta", **where, delta=piece)
            yield self.event(
                "response.function_call_arguments.done", **where, arguments=call.arguments, name=call.name
            )
            item["status"] = "completed"
            yield self._done(index, item)

    def _finalize(self, choice: Choice) -> None:
        finish = choice.finish
        input_tokens = finish.prompt_tokens if finish is not None else 0
        output_tokens = choice.completion_tokens()
        self.response["usage"] = {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens,
        }
        output = choice.cut if choice.cut is not None else self.call.triggers.output
        self.response["content_filters"] = content_filters(
            self.prompt, output or SAFE, choice.cut is not None
        )
        if choice.cut is not None:
            self.response["status"] = "incomplete"
            self.response["incomplete_details"] = {"reason": "content_filter"}
        elif _finish_reason(finish) == "length":
            self.response["status"] = "incomplete"
            self.response["incomplete_details"] = {"reason": "max_output_tokens"}
        else:
            self.response["status"] = "completed"

    def fail(self, error: AzureError) -> list[dict[str, Any]]:
        """After the stream began: the ``error`` event, then ``response.failed`` with the Response's error."""
        body = error.body.get("error", {}) if isinstance(error.body.get("error"), dict) else {}
        message = str(body.get("message") or "The emulator could not finish this response.")
        code = body.get("code")
        self.response["status"] = "failed"
        self.response["error"] = {
            "code": "server_error" if error.status >= 500 else "invalid_prompt",
            "message": message,
        }
        return [
            self.event(
                "error",
                code=str(code) if code is not None else None,
                message=message,
                param=body.get("param"),
            ),
            self._with_response("response.failed"),
        ]


def _finish_reason(finish: Finish | None) -> str | None:
    return finish.finish_reason if finish is not None else None
