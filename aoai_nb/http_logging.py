"""HTTP request/response logging for the SDK's clients, with the levels the Azure SDKs use.

Levels: ``none``, ``basic`` (method, URL, status, time), ``headers``, ``body``, ``body_and_headers``.
Chosen with ``make_client(http_log=...)`` or the ``AOAI_NB_HTTP_LOG`` environment variable. Records go to the
``aoai_nb.http`` logger (when it has no handler, one is added: a small grey block in a notebook's output, stderr
elsewhere). Credentials in headers (``api-key``,
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


NOTEBOOK_STYLE = (
    "margin:2px 0;padding:3px 8px;font-size:11px;line-height:1.35;color:#24292f;background:#f6f8fa;"
    "border-left:3px solid #8c959f;white-space:pre-wrap;word-break:break-all"
)


class _HttpLogHandler(logging.Handler):
    """In a Jupyter notebook, each record is a small grey monospace block in the cell's output (stderr would
    show it as a red warning box); elsewhere it goes to whatever ``sys.stderr`` is at the time (Jupyter and
    pytest swap it). ``environment``/``show`` are injectable for tests."""

    def __init__(
        self,
        environment: Callable[[], str] | None = None,
        show: Callable[[Any], None] | None = None,
    ) -> None:
        super().__init__()
        self._environment = environment
        self._show = show

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            if self._in_notebook():
                self._display(text)
            else:
                sys.stderr.write(text + "\n")
                sys.stderr.flush()
        except Exception:  # a logging handler must never break the request it describes
            self.handleError(record)

    def _in_notebook(self) -> bool:
        if self._environment is not None:
            return self._environment() == "notebook"
        from aoai_nb.display._env import detect_environment

        return detect_environment() == "notebook"

    def _display(self, text: str) -> None:
        from html import escape

        html = f'<pre style="{NOTEBOOK_STYLE}">{escape(text)}</pre>'
        if self._show is not None:
            self._show(html)
            return
        from IPython import display as ipython_display

        show: Any = ipython_display.display
        show({"text/html": html, "text/plain": text}, raw=True)


def _ensure_handler() -> None:
    if not logger.handlers:
        handler = _HttpLogHandler()
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
