"""HTTP request/response logging for the SDK's clients, with the levels the Azure SDKs use.

Levels: ``none``, ``basic`` (method, URL, status, time), ``headers``, ``body``, ``body_and_headers``.
Chosen with ``make_client(http_log=...)`` or the ``AOAI_NB_HTTP_LOG`` environment variable. Records go to the
``aoai_nb.http`` logger (a stderr handler is added when it has none). Credentials in headers (``api-key``,
``Authorization`` and anything named like a key, token or cookie) are always redacted. Bodies are logged as
sent: keep secrets out of prompts when logging bodies, and never share body logs of real data.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx2

logger = logging.getLogger("aoai_nb.http")

BODY_LIMIT = 2000  # characters of a body shown before "... (N more characters)"
_SENSITIVE = ("key", "authorization", "token", "cookie", "secret")
_START = "aoai_nb_started"


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name: "REDACTED" if any(word in name.lower() for word in _SENSITIVE) else value
        for name, value in headers.items()
    }


def _body_text(content: bytes, content_type: str) -> str:
    if not content:
        return "(empty)"
    if not any(kind in content_type for kind in ("json", "text", "x-www-form-urlencoded")):
        return f"({len(content)} bytes of {content_type or 'binary data'})"
    text = content.decode("utf-8", errors="replace")
    if len(text) > BODY_LIMIT:
        return f"{text[:BODY_LIMIT]}... ({len(text) - BODY_LIMIT} more characters)"
    return text


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (Jupyter and pytest swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _ensure_handler() -> None:
    if not logger.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)


class _Hooks:
    def __init__(self, level: str) -> None:
        self.headers = level in ("headers", "body_and_headers")
        self.bodies = level in ("body", "body_and_headers")

    def on_request(self, request: httpx2.Request) -> None:
        request.extensions[_START] = time.perf_counter()
        lines = [f"--> {request.method} {request.url}"]
        if self.headers:
            lines += [f"    {k}: {v}" for k, v in redact_headers(dict(request.headers)).items()]
        if self.bodies:
            try:
                body = _body_text(request.content, request.headers.get("content-type", ""))
            except httpx2.RequestNotRead:  # multipart uploads are streamed: never read them here
                body = f"(streamed {request.headers.get('content-type', 'body')}: not logged)"
            lines.append("    " + body)
        logger.info("\n".join(lines))

    def describe_response(self, response: httpx2.Response) -> list[str]:
        started = response.request.extensions.get(_START)
        elapsed = f" in {1000 * (time.perf_counter() - started):.0f} ms" if started else ""
        request = response.request
        lines = [f"<-- {response.status_code} {request.method} {request.url}{elapsed}"]
        if self.headers:
            lines += [f"    {k}: {v}" for k, v in redact_headers(dict(response.headers)).items()]
        return lines

    @staticmethod
    def is_stream(response: httpx2.Response) -> bool:
        return "text/event-stream" in response.headers.get("content-type", "")

    def on_response(self, response: httpx2.Response) -> None:
        lines = self.describe_response(response)
        if self.bodies:
            if self.is_stream(response):
                lines.append("    (event stream: body not logged)")
            else:
                response.read()
                lines.append("    " + _body_text(response.content, response.headers.get("content-type", "")))
        logger.info("\n".join(lines))

    async def on_request_async(self, request: httpx2.Request) -> None:
        self.on_request(request)

    async def on_response_async(self, response: httpx2.Response) -> None:
        lines = self.describe_response(response)
        if self.bodies:
            if self.is_stream(response):
                lines.append("    (event stream: body not logged)")
            else:
                await response.aread()
                lines.append("    " + _body_text(response.content, response.headers.get("content-type", "")))
        logger.info("\n".join(lines))


def event_hooks(level: str) -> dict[str, list[Callable[[Any], None]]] | None:
    """Hooks for a sync ``httpx2.Client``; ``None`` when logging is off."""
    if level == "none":
        return None
    _ensure_handler()
    hooks = _Hooks(level)
    return {"request": [hooks.on_request], "response": [hooks.on_response]}


def async_event_hooks(level: str) -> dict[str, list[Callable[[Any], Awaitable[None]]]] | None:
    """Hooks for an ``httpx2.AsyncClient``; ``None`` when logging is off."""
    if level == "none":
        return None
    _ensure_handler()
    hooks = _Hooks(level)
    return {"request": [hooks.on_request_async], "response": [hooks.on_response_async]}
