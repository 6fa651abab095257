"""One send per event-loop turn: a transport wrapper that joins the writes a connection makes in one turn.

uvicorn writes a response's head and its body separately (and a stream's last chunk and its terminator), each
a ``send()`` system call of its own; on loopback the call costs more than building the reply. ``BatchedWrites``
keeps a turn's writes and hands them to the real transport as one write when the loop gets to its next callback,
which is before it waits for anything (so no write waits for I/O or a timer). Bytes and order are unchanged;
``close()`` sends what is pending first, ``abort()`` drops it, and a turn's writes past ``FLUSH_BYTES`` go out
at once so that the real transport's flow control (pausing a fast producer) still applies.
"""

from __future__ import annotations

import asyncio
from typing import Any

FLUSH_BYTES = 64 * 1024


class BatchedWrites:
    """Wraps an ``asyncio.Transport``; every other method and attribute is the real transport's."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))
        self._size += len(data)
        if self._size >= FLUSH_BYTES:
            self.flush()

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        """Hand what is pending to the real transport (a no-op when nothing is)."""
        if not self._pending:
            return
        pending, self._pending, self._size = self._pending, [], 0
        if not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending, self._size = [], 0
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._size

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
