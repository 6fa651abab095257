"""The Responses API: create (plain, streamed, background), retrieve (also as a resumed stream), delete, cancel
and input_items, on ``/openai/v1/responses`` and the classic preview form ``/openai/responses?api-version=``.

Create goes through the same gateway as chat (key, api-version, deployment, injected faults, rate limits), the
same prompt and output content filter, and the same engines (``responses_events``). For other emulator routes
(batch lines) ``create_response(rt, body)`` runs one non-streamed create without HTTP and returns
``(status, body)``.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from aoai_nb.emulator import params as p
from aoai_nb.emulator import policy
from aoai_nb.emulator.faults import estimate_tokens
from aoai_nb.emulator.model_rules import REASONING_HEADER, REASONING_NOTE
from aoai_nb.emulator.responses_events import Producer
from aoai_nb.emulator.responses_plan import build_plan, new_response
from aoai_nb.emulator.responses_store import ResponseStore, StoredResponse
from aoai_nb.emulator.runtime import Call, Runtime, json_response
from aoai_nb.emulator.safety import FilterTriggers
from aoai_nb.emulator.stream_choice import MAX_EVENTS_PER_WRITE
from aoai_nb.emulator.wire import (
    AzureError,
    dumps,
    internal_error,
    invalid_request,
    prompt_filtered_error,
    resource_not_found,
)

log = logging.getLogger("aoai_nb.emulator")
ROUTE = "responses"
FIRST_PREVIEW = "2025-03-01-preview"  # the first dated api-version with the Responses API
CANCEL_WAIT_SECONDS = 30.0
Handler = Callable[[Runtime, Call], Awaitable[Response]]
Api = Callable[[Runtime, str, Handler, bool], Callable[[Request], Awaitable[Response]]]


def serves_responses(api_version: str) -> bool:
    """Classic routes: the dated preview versions from 2025-03-01-preview on."""
    return api_version.endswith("-preview") and api_version >= FIRST_PREVIEW


def store_of(rt: Runtime) -> ResponseStore:
    return rt.responses


def frame(event: dict[str, Any]) -> bytes:
    return b"event: " + str(event["type"]).encode("ascii") + b"\ndata: " + dumps(event) + b"\n\n"


def _settle(response: dict[str, Any], status: str) -> None:
    """A response whose generation ended early (client gone, error) gets a terminal status."""
    if response.get("status") in ("queued", "in_progress"):
        response["status"] = status


class _Events(StreamingResponse):
    """An SSE response; ``on_close`` runs however the stream ends (done, client gone, emulator stopping)."""

    def __init__(self, headers: dict[str, str], writes: AsyncIterator[bytes], on_close: Callable[[], None]):
        headers = {**headers, "cache-control": "no-cache", "x-accel-buffering": "no"}
        super().__init__(writes, headers=headers, media_type="text/event-stream")
        self.on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.on_close()


async def _stream_writes(rt: Runtime, producer: Producer) -> AsyncIterator[bytes]:
    """The events as SSE writes: events that exist already share a write; while text streams, the next write
    waits up to ``stream_flush_ms`` for more (as chat's streams do; a paced stream writes each when due)."""
    window = 0.0 if rt.config.per_token_ms > 0 else rt.config.stream_flush_ms / 1000
    group: list[bytes] = []
    last_write = -math.inf
    try:
        async for event in producer.events():
            group.append(frame(event))
            if len(group) < MAX_EVENTS_PER_WRITE and rt.config.per_token_ms <= 0:
                if producer.ready():
                    continue
                wait = last_write + window - time.monotonic()
                if wait > 0:
                    await anyio.sleep(wait)
                    if producer.ready():
                        continue
            yield b"".join(group)
            group.clear()
            last_write = time.monotonic()
    except AzureError as exc:
        group += [frame(e) for e in producer.fail(exc)]
    except Exception:
        log.exception("error inside a responses stream")
        group += [frame(e) for e in producer.fail(internal_error())]
    if group:
        yield b"".join(group)


async def follow(stored: StoredResponse, after: int) -> AsyncIterator[bytes]:
    """A background response's events after sequence number ``after``, live until it ends."""
    index = max(0, after + 1)
    while True:
        if index < len(stored.events):
            yield b"".join(frame(e) for e in stored.events[index:])
            index = len(stored.events)
            continue
        if stored.finished.is_set():
            return
        await stored.changed()


async def _run_background(rt: Runtime, producer: Producer, stored: StoredResponse) -> None:
    scope = stored.scope
    assert scope is not None
    rt.background.add(scope)  # shutdown cancels it with the requests in flight
    try:
        with scope:
            try:
                async for event in producer.events(queued=True):
                    stored.publish(event)
            except AzureError as exc:
                for event in producer.fail(exc):
                    stored.publish(event)
            except Exception:
                log.exception("error in a background response")
                for event in producer.fail(internal_error()):
                    stored.publish(event)
    finally:
        producer.close()
        rt.background.discard(scope)
        _settle(stored.response, "cancelled")
        stored.finished.set()
        stored.notify()


async def _screen_prompt(rt: Runtime, call: Call, text: str) -> Any:
    (annotation,) = await rt.filter.prompts([text], call.triggers)
    if annotation.filtered:
        raise prompt_filtered_error(annotation)
    return annotation


async def create(rt: Runtime, call: Call) -> Response:
    if not call.v1 and not serves_responses(call.api_version):
        raise resource_not_found()
    store = store_of(rt)
    plan = build_plan(call.body, call.deployment, store)
    if plan.reasoning is not None:
        call.headers[REASONING_HEADER] = REASONING_NOTE  # as on chat: these models do not reason here
    rt.charge(call, estimate_tokens([plan.prompt_text], plan.request.sampling.max_tokens))
    prompt = await _screen_prompt(rt, call, plan.prompt_text)
    response = new_response(plan, call.deployment.model)
    producer = Producer(rt, call, plan, response, prompt)
    stored = StoredResponse(response, plan.input_items, plan.history, plan.background, plan.stream)
    if plan.background:
        stored.scope = anyio.CancelScope()
        store.put(stored)
        stored.task = asyncio.get_running_loop().create_task(_run_background(rt, producer, stored))
        if plan.stream:
            return _Events(call.headers, follow(stored, -1), lambda: None)
        return json_response(call, copy.deepcopy(response))
    await rt.before_output(call)
    await producer.open()
    if plan.store:
        store.put(stored)
    if plan.stream:

        def closed() -> None:
            producer.close()
            _settle(response, "cancelled")  # the client closed the connection mid-stream

        return _Events(call.headers, _stream_writes(rt, producer), closed)
    try:
        async for _ in producer.events():
            pass
    finally:
        producer.close()
        _settle(response, "failed")
    return json_response(call, response)


# --- the other operations ------------------------------------------------------------------------------------


def _check(rt: Runtime, request: Request, v1: bool, op: str) -> None:
    """Key and api-version, as the gateway checks them for create; counted in the emulator's stats."""
    rt.stats.total += 1
    rt.stats.by_route[f"responses/{op}"] += 1
    version = policy.check_key_and_version(request.headers, request.query_params, rt.api_key, rt.auth, v1)
    if version is not None and not serves_responses(version):
        raise resource_not_found()


def _json(obj: Any, status: int = 200) -> Response:
    return Response(dumps(obj), status, media_type="application/json")


def _flag(request: Request, key: str) -> bool:
    value = request.query_params.get(key)
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise invalid_request(f"Invalid value for '{key}': {value!r}; use true or false.", param=key)
    return value.lower() == "true"


async def retrieve(rt: Runtime, request: Request, v1: bool) -> Response:
    _check(rt, request, v1, "retrieve")
    stored = store_of(rt).get(request.path_params["response_id"])
    if not _flag(request, "stream"):
        return _json(stored.response)
    if not (stored.background and stored.stream):
        raise invalid_request(
            "Only a response created with background=true and stream=true can be streamed again; retrieve "
            "this one without stream.",
            param="stream",
        )
    raw = request.query_params.get("starting_after", "-1")
    if not raw.lstrip("-").isdigit():
        raise invalid_request(
            f"Invalid value for 'starting_after': {raw!r}; expected an integer sequence number.",
            param="starting_after",
            code="invalid_type",
        )
    return _Events({}, follow(stored, int(raw)), lambda: None)


async def delete(rt: Runtime, request: Request, v1: bool) -> Response:
    _check(rt, request, v1, "delete")
    stored = store_of(rt).delete(request.path_params["response_id"])
    return _json({"id": stored.id, "object": "response.deleted", "deleted": True})


async def cancel(rt: Runtime, request: Request, v1: bool) -> Response:
    _check(rt, request, v1, "cancel")
    stored = store_of(rt).get(request.path_params["response_id"])
    if not stored.background:
        raise invalid_request(
            "Only responses created with background=true can be cancelled; a synchronous response stops when "
            "its connection closes.",
            param=None,
        )
    if stored.scope is not None and not stored.finished.is_set():
        stored.scope.cancel()
        with anyio.move_on_after(CANCEL_WAIT_SECONDS):
            await stored.finished.wait()
    return _json(stored.response)


def _cursor(items: list[dict[str, Any]], key: str, value: str | None) -> int | None:
    if value is None:
        return None
    for position, item in enumerate(items):
        if item.get("id") == value:
            return position
    raise invalid_request(f"Invalid '{key}': no input item has the id '{value}'.", param=key)


async def input_items(rt: Runtime, request: Request, v1: bool) -> Response:
    _check(rt, request, v1, "input_items")
    stored = store_of(rt).get(request.path_params["response_id"])
    query = dict(request.query_params)
    raw_limit = query.get("limit", "20")
    if not raw_limit.isdigit():
        raise invalid_request(
            f"Invalid value for 'limit': {raw_limit!r}; expected an integer.", param="limit"
        )
    limit = p.integer({"limit": int(raw_limit)}, "limit", 20, 1, 100) or 20
    order = p.string(query, "order", "desc", choices=("asc", "desc"))
    items = list(stored.input_items) if order == "asc" else list(reversed(stored.input_items))
    after = _cursor(items, "after", query.get("after"))
    before = _cursor(items, "before", query.get("before"))
    start = after + 1 if after is not None else 0
    end = before if before is not None else len(items)
    window = items[start:end]
    page = window[:limit]
    return _json(
        {
            "object": "list",
            "data": page,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": len(window) > len(page),
        }
    )


# --- wiring ----------------------------------------------------------------------------------------------------


def _endpoint(
    rt: Runtime, handler: Callable[[Runtime, Request, bool], Awaitable[Response]], v1: bool
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await handler(rt, request, v1)

    return endpoint


def routes(rt: Runtime, api: Api) -> list[Route]:
    """Every Responses route, v1 and classic; ``api`` wraps create in the gateway (``app._api``)."""
    table: list[Route] = []
    for prefix, v1 in (("/openai/v1", True), ("/openai", False)):
        base = f"{prefix}/responses"
        table += [
            Route(base, api(rt, ROUTE, create, v1), methods=["POST"]),
            Route(f"{base}/{{response_id}}", _endpoint(rt, retrieve, v1), methods=["GET"]),
            Route(f"{base}/{{response_id}}", _endpoint(rt, delete, v1), methods=["DELETE"]),
            Route(f"{base}/{{response_id}}/cancel", _endpoint(rt, cancel, v1), methods=["POST"]),
            Route(f"{base}/{{response_id}}/input_items", _endpoint(rt, input_items, v1), methods=["GET"]),
        ]
    return table


# --- for other routes (batch) ----------------------------------------------------------------------------------


async def _never_disconnects() -> dict[str, Any]:
    await anyio.sleep_forever()
    raise AssertionError("unreachable")


def internal_call(rt: Runtime, body: dict[str, Any]) -> Call:
    """A Call for ``body`` made inside the emulator (no HTTP request, no teaching headers)."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise p.missing("model")
    deployment = rt.registry.for_route(model, ROUTE)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/openai/v1/responses",
        "headers": [],
        "query_string": b"",
    }
    request = Request(scope, _never_disconnects)
    engines = rt.engines_for(deployment)
    return Call(
        request,
        ROUTE,
        True,
        "v1",
        deployment,
        engines,
        body,
        None,
        FilterTriggers(),
        rt.config.first_token_ms,
    )


async def create_response(rt: Runtime, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """One non-streamed create, as ``POST /openai/v1/responses`` would answer it: ``(status, body)``.
    ``stream`` and ``background`` are refused (a batch line cannot stream)."""
    try:
        if body.get("stream") or body.get("background"):
            raise invalid_request(
                "'stream' and 'background' are not available here: this request is answered in one body.",
                param="stream" if body.get("stream") else "background",
            )
        call = internal_call(rt, body)
        response = await create(rt, call)
        return response.status_code, _decode(response)
    except AzureError as exc:
        return exc.status, exc.body


def _decode(response: Response) -> dict[str, Any]:
    import json

    body = json.loads(bytes(response.body))
    return body if isinstance(body, dict) else {"value": body}
