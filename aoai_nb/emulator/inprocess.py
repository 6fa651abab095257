"""Serve one API request in-process, without HTTP: a Starlette ``Request`` built from a JSON body goes through
``Runtime.begin`` (api-version, body, deployment, fault, then the route's rate limit, validation, content
filter and usage) and the route's handler, exactly as a request from a client would.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from aoai_nb.emulator.payloads import receive_once
from aoai_nb.emulator.runtime import ON_END, Call, Disconnect, Runtime
from aoai_nb.emulator.wire import AzureError, dumps, internal_error, new_request_id, simple_error

log = logging.getLogger("aoai_nb.emulator")
Handler = Callable[[Runtime, Call], Awaitable[Response]]


def _request(
    rt: Runtime, route: str, body: bytes, deployment: str, api_version: str | None, extra: Mapping[str, str]
) -> Request:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"api-key", rt.api_key.encode()),  # the batch's creator was checked; its lines run with the key
        *[(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()],
    ]
    if api_version is None:  # v1: the deployment is the body's model
        path, query, params = f"/openai/v1/{route}", b"", {}
    else:
        path = f"/openai/deployments/{quote(deployment, safe='')}/{route}"
        query, params = urlencode({"api-version": api_version}).encode(), {"deployment": deployment}
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "server": ("127.0.0.1", 0),
        "client": None,
        "root_path": "",
        "http_version": "1.1",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": headers,
        "path_params": params,
    }
    return Request(scope, receive_once(body))  # nobody disconnects from an in-process call


async def serve(
    rt: Runtime,
    route: str,
    handler: Handler,
    body: dict[str, Any],
    api_version: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, dict[str, Any], dict[str, str], str]:
    """(status, JSON body, response headers, request id) of one request; ``api_version`` None means the v1
    route, else the classic route of the body's ``model`` with that version. Errors are answered, not raised."""
    request_id = new_request_id()
    raw = dumps(body)
    model = body.get("model")
    request = _request(rt, route, raw, model if isinstance(model, str) else "", api_version, headers or {})
    try:
        response = await handler(rt, await rt.begin(request, route, api_version is None))
        if not isinstance(getattr(response, "body", None), bytes):
            raise TypeError(f"the {route} handler answered a stream; in-process calls need a JSON answer")
        answer = json.loads(bytes(response.body))
        status, answer_headers = response.status_code, dict(response.headers)
    except AzureError as exc:
        status, answer, answer_headers = exc.status, exc.body, exc.headers
    except Disconnect:
        error = simple_error(
            500, "InternalServerError", "The request's connection was closed (injected fault)."
        )
        status, answer, answer_headers = error.status, error.body, {}
    except Exception:  # a bug: answered as the gateway answers it, logged once
        log.exception("unexpected error serving an in-process %s request", route)
        error = internal_error()
        status, answer, answer_headers = error.status, error.body, {}
    finally:
        for callback in request.scope.get(ON_END, ()):  # as the gateway does: e.g. an engine slot is freed
            callback()
    rt.stats.by_status[str(status)] += 1
    return status, answer, answer_headers, request_id
