"""Connection-level guards on uvicorn's h11 protocol (imported on ``start()`` only).

- A connection must deliver a request's headers within ``header_timeout`` seconds of its first byte (or of
  opening): half-sent headers, and sockets opened and never written to, are closed then (uvicorn alone only
  times out idle keep-alive connections after a response). Request bodies have their own timeout (payloads.py).
- Protocol errors (a bad request line, a bare CR in a header, headers over h11's size limit) are answered in
  Azure's error shape, as JSON with ``x-request-id``/``apim-request-id``, instead of uvicorn's text/plain.
- When the process runs out of file descriptors, asyncio reports every failed ``accept()`` with a traceback;
  ``quiet_accept_errors`` turns that into one log line per minute.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from aoai_nb.emulator.wire import dumps, new_request_id, simple_error

log = logging.getLogger("aoai_nb.emulator")
ACCEPT_ERROR = "socket.accept() out of system resource"
ACCEPT_LOG_EVERY_SECONDS = 60.0


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header deadline and Azure-shaped protocol errors."""

    header_timeout: float = 30.0  # set per server by ``guarded_protocol``
    region: str = "emulator"

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:  # a request's headers are still on their way
            self._arm()  # (keeps the first deadline: trickling bytes does not extend it)
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._header_deadline is None and not self.transport.is_closing():
            self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_overdue)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_overdue(self) -> None:
        self._header_deadline = None
        busy = self.cycle is not None and not self.cycle.response_complete
        if self.conn.their_state is h11.IDLE and not busy and not self.transport.is_closing():
            log.debug(
                "closing a connection that sent no complete request headers in %g s", self.header_timeout
            )
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """A request h11 cannot parse: Azure's error shape (the connection closes after it, as uvicorn's)."""
        request_id = new_request_id().encode("ascii")
        body = dumps(simple_error(400, "BadRequest", f"{msg} The request is not valid HTTP/1.1.").body)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"connection", b"close"),
            (b"x-request-id", request_id),
            (b"apim-request-id", request_id),
            (b"x-ms-region", self.region.encode("latin-1")),
        ]
        try:
            for event in (
                h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                h11.Data(data=body),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event))
        except h11.LocalProtocolError:  # a response was already under way: just close
            pass
        self.transport.close()


def guarded_protocol(header_timeout: float, region: str) -> type[GuardedH11Protocol]:
    """The protocol class for one server (uvicorn instantiates it per connection)."""
    return type(
        "EmulatorH11Protocol", (GuardedH11Protocol,), {"header_timeout": header_timeout, "region": region}
    )


def quiet_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Log running out of file descriptors as one line per minute (asyncio retries the accept by itself);
    everything else goes to the default handler."""
    last = -ACCEPT_LOG_EVERY_SECONDS
    suppressed = 0

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        nonlocal last, suppressed
        if context.get("message") != ACCEPT_ERROR:
            loop.default_exception_handler(context)
            return
        now = time.monotonic()
        if now - last < ACCEPT_LOG_EVERY_SECONDS:
            suppressed += 1
            return
        extra = f" ({suppressed} more since the last report)" if suppressed else ""
        log.warning(
            "cannot accept connections: %s; idle connections close after their timeout%s",
            context.get("exception") or "out of file descriptors",
            extra,
        )
        last, suppressed = now, 0

    loop.set_exception_handler(handler)
