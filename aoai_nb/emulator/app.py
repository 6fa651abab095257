"""The emulator's ASGI application: Azure OpenAI routes (classic and /openai/v1) on Starlette.

``create_app(runtime)`` wraps the Starlette router in ``Gateway``, which stamps every response - errors and
404s included - with ``x-request-id``/``apim-request-id`` (one uuid) and ``x-ms-region``, counts statuses,
makes sure a genuine bug is answered with Azure's 500 body, never a traceback, and serves each request in a
cancel scope that shutdown cancels (the connection is then closed quietly). The API routes (POSTs to
``API_ROUTES``) go straight to their endpoints (``_direct_route``: the router's match, without its middleware
layers); everything else goes through Starlette.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aoai_nb.emulator.batch_jobs import BatchRunner
from aoai_nb.emulator.images import IMAGE_PATH
from aoai_nb.emulator.quick_headers import QuickRequest
from aoai_nb.emulator.routes import batches as routes_batches
from aoai_nb.emulator.routes import embeddings as routes_embeddings
from aoai_nb.emulator.routes import files as routes_files
from aoai_nb.emulator.routes import gpt_image as routes_gpt_image
from aoai_nb.emulator.routes import media as routes_media
from aoai_nb.emulator.routes import meta as routes_meta
from aoai_nb.emulator.routes import responses as routes_responses
from aoai_nb.emulator.routes import retired as routes_retired
from aoai_nb.emulator.routes import text as routes_text
from aoai_nb.emulator.runtime import ON_END, Call, Disconnect, Runtime
from aoai_nb.emulator.wire import (
    AzureError,
    clip,
    dumps,
    internal_error,
    new_request_id,
    resource_not_found,
    simple_error,
)

log = logging.getLogger("aoai_nb.emulator")
Handler = Callable[[Runtime, Call], Awaitable[Response]]
API_ROUTES: dict[str, Handler] = {
    "chat/completions": routes_text.chat,
    "completions": routes_text.completions,
    "embeddings": routes_embeddings.embeddings,
    "images/generations": routes_media.images,
    "images/edits": routes_gpt_image.edits,
    "audio/transcriptions": routes_media.transcriptions,
    "audio/translations": routes_media.translations,
    "audio/speech": routes_media.speech,
}


def error_response(error: AzureError) -> Response:
    return Response(dumps(error.body), error.status, headers=error.headers, media_type="application/json")


class _NoResponse(Response):
    """Sends nothing: the connection was already closed on purpose."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        return None


async def _abort(scope: Scope) -> bool:
    """Close the client's connection at once (uvicorn's h11 transport); False when not served that way."""
    abort = scope.get("aoai_nb.abort")
    if abort is None:
        return False
    abort()
    for _ in range(3):  # let the event loop run connection_lost, so the server does not answer either
        await asyncio.sleep(0)
    return True


async def _drop_connection(scope: Scope) -> Response:
    if not await _abort(scope):  # not served by uvicorn's h11 protocol: the closest is a bodiless 502
        return Response(status_code=502)
    return _NoResponse()


def _api(rt: Runtime, route: str, handler: Handler, v1: bool) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(rt, await rt.begin(request, route, v1))
        except Disconnect:
            return await _drop_connection(request.scope)

    return endpoint


def _meta(rt: Runtime, handler: Callable[..., Awaitable[Response]], *args: Any) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        return await handler(rt, request, *args)

    return endpoint


async def _on_azure_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AzureError)
    return error_response(exc)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(resource_not_found())
    if exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")
        error = simple_error(
            405,
            "405",
            f"The {clip(request.method)} method is not allowed on {clip(request.url.path)}; this "
            f"route accepts {allow or 'other methods'}.",
            {"Allow": allow} if allow else None,
        )
        return error_response(error)
    return error_response(simple_error(exc.status_code, str(exc.status_code), str(exc.detail)))


async def _on_bug(request: Request, exc: Exception) -> Response:
    return error_response(internal_error())


def _files_and_batches(rt: Runtime) -> list[Route]:
    """/openai/files... and /openai/batches... in both flavours (classic: ?api-version=); the batches' lines
    run through API_ROUTES and the Responses API's create."""
    runner = BatchRunner(rt, {**API_ROUTES, routes_responses.ROUTE: routes_responses.create})
    routes = []
    for prefix, v1 in (("/openai", False), ("/openai/v1", True)):
        for path, methods, handler in (
            ("/files", ["POST"], routes_files.create_file),
            ("/files", ["GET"], routes_files.list_files),
            ("/files/{file_id}", ["GET"], routes_files.retrieve_file),
            ("/files/{file_id}", ["DELETE"], routes_files.delete_file),
            ("/files/{file_id}/content", ["GET"], routes_files.file_content),
            ("/batches", ["POST"], functools.partial(routes_batches.create_batch, runner)),
            ("/batches", ["GET"], functools.partial(routes_batches.list_batches, runner)),
            ("/batches/{batch_id}", ["GET"], functools.partial(routes_batches.retrieve_batch, runner)),
            ("/batches/{batch_id}/cancel", ["POST"], functools.partial(routes_batches.cancel_batch, runner)),
        ):
            routes.append(Route(prefix + path, _meta(rt, handler, v1), methods=methods))
    return routes


def create_app(rt: Runtime) -> ASGIApp:
    routes: list[Route] = []
    for op, handler in API_ROUTES.items():
        routes.append(
            Route(f"/openai/deployments/{{deployment}}/{op}", _api(rt, op, handler, False), methods=["POST"])
        )
        routes.append(Route(f"/openai/v1/{op}", _api(rt, op, handler, True), methods=["POST"]))
    for prefix, v1 in (("/openai", False), ("/openai/v1", True)):
        routes.append(Route(f"{prefix}/models", _meta(rt, routes_meta.list_models, v1), methods=["GET"]))
        routes.append(
            Route(f"{prefix}/models/{{model}}", _meta(rt, routes_meta.get_model, v1), methods=["GET"])
        )
        for path in routes_retired.ASSISTANTS_PATHS:  # deprecated: a 410 naming the Responses API
            endpoint = _meta(rt, routes_retired.assistants)
            routes.append(Route(f"{prefix}/{path}", endpoint, methods=routes_retired.ASSISTANTS_METHODS))
    routes += routes_responses.routes(rt, _api)
    routes += _files_and_batches(rt)
    routes += [
        Route("/aoai-nb/status", _meta(rt, routes_meta.get_status), methods=["GET"]),
        Route("/aoai-nb/controls", _meta(rt, routes_meta.set_controls), methods=["POST"]),
        Route("/aoai-nb/reset-stats", _meta(rt, routes_meta.reset_stats), methods=["POST"]),
        Route(f"{IMAGE_PATH}/{{image_id}}.png", _meta(rt, routes_meta.image), methods=["GET"]),
    ]
    handlers = {AzureError: _on_azure_error, HTTPException: _on_http_error, Exception: _on_bug}
    direct = {
        (v1, op): _api(rt, op, handler, v1) for op, handler in API_ROUTES.items() for v1 in (False, True)
    }
    return Gateway(Starlette(routes=routes, exception_handlers=handlers), rt, direct)


Endpoint = Callable[[Request], Awaitable[Response]]
CLASSIC_PREFIX, V1_PREFIX = "/openai/deployments/", "/openai/v1/"


def _direct_route(
    direct: dict[tuple[bool, str], Endpoint], scope: Scope
) -> tuple[Endpoint, dict[str, str]] | None:
    """The endpoint and path parameters of a POST to one of API_ROUTES, found without Starlette's router
    (the same match as its routes: a deployment is one non-empty path segment); None for anything else."""
    path: str = scope["path"]
    if scope["method"] != "POST" or scope.get("root_path"):
        return None
    if path.startswith(CLASSIC_PREFIX):
        deployment, _, op = path[len(CLASSIC_PREFIX) :].partition("/")
        endpoint = direct.get((False, op)) if deployment else None
        return None if endpoint is None else (endpoint, {"deployment": deployment})
    if path.startswith(V1_PREFIX):
        endpoint = direct.get((True, path[len(V1_PREFIX) :]))
        return None if endpoint is None else (endpoint, {})
    return None


async def _serve_direct(
    endpoint: Endpoint, path_params: dict[str, str], scope: Scope, receive: Receive, send: Send
) -> None:
    """What Starlette's router, route and exception middleware do for these routes, in one frame: an
    AzureError raised before the response is its error response; anything else is the gateway's 500."""
    scope["path_params"] = path_params
    try:
        response = await endpoint(QuickRequest(scope, receive, send))
    except AzureError as exc:
        response = error_response(exc)
    await response(scope, receive, send)


def _both_framings(scope: Scope) -> bool:
    names = {name for name, _ in scope.get("headers", ())}
    return b"transfer-encoding" in names and b"content-length" in names


async def _ambiguous_framing(scope: Scope, receive: Receive, send: Send) -> None:
    """RFC 9112 6.3: a request with both Transfer-Encoding and Content-Length may be smuggling a second one;
    it is refused (and the connection closed) rather than its body read one way or the other."""
    error = simple_error(
        400,
        "BadRequest",
        "The request has both Transfer-Encoding and Content-Length headers, so its body length is ambiguous; "
        "send only one of them.",
        {"connection": "close"},
    )
    await error_response(error)(scope, receive, send)


class Gateway:
    """``direct``: the hot API routes by (v1, operation), served without the router (``_direct_route``)."""

    def __init__(
        self, app: ASGIApp, rt: Runtime, direct: dict[tuple[bool, str], Endpoint] | None = None
    ) -> None:
        self.app = app
        self.rt = rt
        self.direct = direct or {}

    def _app_for(self, scope: Scope) -> ASGIApp:
        if _both_framings(scope):
            return _ambiguous_framing
        found = _direct_route(self.direct, scope)
        return self.app if found is None else functools.partial(_serve_direct, *found)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id().encode("ascii")
        stamp = [
            (b"x-request-id", request_id),
            (b"apim-request-id", request_id),
            (b"x-ms-region", self.rt.config.region.encode("latin-1")),
        ]
        counted = scope["path"].startswith("/openai/")
        started = False
        transport = getattr(getattr(receive, "__self__", None), "transport", None)  # uvicorn's h11 cycle
        if transport is not None:
            scope["aoai_nb.abort"] = transport.abort

        async def stamped_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), *stamp]
                if counted:
                    self.rt.stats.by_status[str(message["status"])] += 1
            await send(message)

        rt = self.rt
        app = self._app_for(scope)
        task = asyncio.current_task()
        assert task is not None  # (served on asyncio: uvicorn's loop, or the caller's in-process)
        rt.requests.add(task)
        rt.in_flight += counted
        stopped = False
        try:
            try:
                await app(scope, receive, stamped_send)
            except Exception:
                log.exception("unexpected error serving %s %s", scope.get("method"), scope.get("path"))
                if not started:
                    await error_response(internal_error())(scope, receive, stamped_send)
        except asyncio.CancelledError:
            if task not in rt.stopped:  # not the emulator stopping (cancel_in_flight): the caller's
                raise
            task.uncancel()
            stopped = True
        finally:
            rt.requests.discard(task)
            rt.stopped.discard(task)
            rt.in_flight -= counted
            for callback in scope.get(ON_END, ()):
                callback()
        if stopped:  # the emulator is stopping: close the connection, log nothing
            await _abort(scope)
