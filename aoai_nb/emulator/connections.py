"""Connection-level guards on uvicorn's HTTP protocols, h11 and httptools alike (imported on ``start()`` only).

- A connection must deliver a request's headers within ``header_timeout`` seconds of its first byte (or of
  opening): half-sent headers, and sockets opened and never written to, are closed then (uvicorn alone only
  times out idle keep-alive connections after a response). Request bodies have their own timeout (payloads.py).
- Protocol errors (a bad request line, a bare CR in a header, headers over the parser's size limit) are answered in
  Azure's error shape, as JSON with ``x-request-id``/``apim-request-id``, instead of uvicorn's text/plain.
- When the process runs out of file descriptors, asyncio reports every failed ``accept()`` with a traceback;
  ``quiet_accept_errors`` turns that into one log line per minute.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, cast

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from aoai_nb.emulator.batched_writes import BatchedWrites
from aoai_nb.emulator.wire import dumps, new_request_id, simple_error

log = logging.getLogger("aoai_nb.emulator")
ACCEPT_ERROR = "socket.accept() out of system resource"
ACCEPT_LOG_EVERY_SECONDS = 60.0
MAX_HEADER_BYTES = 16 * 1024  # uvicorn's default h11 limit for an incomplete request head


class _HeaderDeadline:
    """A connection must complete a request's headers within ``header_timeout`` seconds (both protocols)."""

    header_timeout: float = 30.0  # set per server by ``guarded_protocol``
    region: str = "emulator"
    _header_deadline: asyncio.TimerHandle | None
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any

    def _awaiting_headers_now(self) -> bool:
        raise NotImplementedError

    def _batched(self, transport: asyncio.Transport) -> asyncio.Transport:
        """The connection's transport, with one send per event-loop turn (batched_writes.py)."""
        return cast(asyncio.Transport, BatchedWrites(transport, self.loop))

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

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
        if self._awaiting_headers_now() and not busy and not self.transport.is_closing():
            log.debug(
                "closing a connection that sent no complete request headers in %g s", self.header_timeout
            )
            self.transport.close()


class GuardedH11Protocol(_HeaderDeadline, H11Protocol):
    """uvicorn's h11 protocol with a header deadline and Azure-shaped protocol errors."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_deadline: asyncio.TimerHandle | None = None
        super().connection_made(self._batched(transport))
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:  # a request's headers are still on their way
            self._arm()  # (keeps the first deadline: trickling bytes does not extend it)
        else:
            self._disarm()

    def _awaiting_headers_now(self) -> bool:
        return self.conn.their_state is h11.IDLE

    def send_400_response(self, msg: str) -> None:
        """A request h11 cannot parse: Azure's error shape (the connection closes after it, as uvicorn's)."""
        status, headers, body = _bad_request(msg, self.region)
        try:
            for event in (
                h11.Response(status_code=status, headers=headers, reason=b"Bad Request"),
                h11.Data(data=body),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event))
        except h11.LocalProtocolError:  # a response was already under way: just close
            pass
        self.transport.close()


def _bad_request(msg: str, region: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    request_id = new_request_id().encode("ascii")
    body = dumps(simple_error(400, "BadRequest", f"{msg} The request is not valid HTTP/1.1.").body)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"connection", b"close"),
        (b"x-request-id", request_id),
        (b"apim-request-id", request_id),
        (b"x-ms-region", region.encode("latin-1")),
    ]
    return 400, headers, body


class GuardedHttpToolsProtocol(_HeaderDeadline, HttpToolsProtocol):
    """uvicorn's httptools protocol (the fast stack) with the same header deadline and protocol errors."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_deadline: asyncio.TimerHandle | None = None
        self._awaiting_headers = True
        self._header_bytes = 0
        self._head = bytearray()  # the request head so far (bounded), to name what the parser refused
        super().connection_made(self._batched(transport))
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers:
            self._header_bytes += len(data)
            self._head += data[: max(0, MAX_HEADER_BYTES - len(self._head))]
        super().data_received(data)
        if not self._awaiting_headers or self.transport.is_closing():
            self._disarm()
        elif self._header_bytes > MAX_HEADER_BYTES:  # h11 refuses these too; httptools would wait on
            self.send_400_response(f"The request headers are over {MAX_HEADER_BYTES} bytes.")
        else:  # keeps the first deadline: trickling bytes does not extend it
            self._arm()

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._header_bytes = 0
        self._head.clear()
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._awaiting_headers = True  # a keep-alive connection's next request is timed from its first byte

    def _awaiting_headers_now(self) -> bool:
        return self._awaiting_headers

    def send_400_response(self, msg: str) -> None:
        head_lower = bytes(self._head).lower()
        if (
            b"\ntransfer-encoding:" in head_lower and b"\ncontent-length:" in head_lower
        ):  # llhttp refuses both
            msg = "The request has both Transfer-Encoding and Content-Length headers, so its body length is ambiguous."
        status, headers, body = _bad_request(msg, self.region)
        head = b"HTTP/1.1 400 Bad Request\r\n" + b"".join(k + b": " + v + b"\r\n" for k, v in headers)
        self.transport.write(head + b"\r\n" + body)
        self.transport.close()


def guarded_protocol(http: str, header_timeout: float, region: str) -> type[asyncio.Protocol]:
    """The protocol class for one server (uvicorn instantiates it per connection): ``http`` is ``h11`` or
    ``httptools`` (``serving.http_stack``)."""
    base: type[asyncio.Protocol] = GuardedHttpToolsProtocol if http == "httptools" else GuardedH11Protocol
    return type(
        f"Emulator{http.capitalize()}Protocol", (base,), {"header_timeout": header_timeout, "region": region}
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
