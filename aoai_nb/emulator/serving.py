"""uvicorn's server, with a shutdown that first ends the requests in flight (imported on ``start()`` only), and
the one place that picks the HTTP stack: uvicorn's fast stack (httptools + uvloop) where installed, else h11 on
asyncio."""

from __future__ import annotations

import asyncio
import importlib.util
import socket

import uvicorn

from aoai_nb.emulator.connections import quiet_accept_errors
from aoai_nb.emulator.runtime import Runtime


def http_stack(choice: str = "auto") -> tuple[str, str]:
    """(uvicorn ``http``, uvicorn ``loop``) for ``choice``: ``fast`` is httptools + uvloop, ``h11`` the pure-Python
    fallback, ``auto`` the fast stack when both packages are installed."""
    fast = all(importlib.util.find_spec(name) is not None for name in ("httptools", "uvloop"))
    if choice == "fast" and not fast:
        raise RuntimeError("The fast HTTP stack needs httptools and uvloop: pip install httptools uvloop.")
    if choice == "h11" or (choice == "auto" and not fast):
        return "h11", "asyncio"
    return "httptools", "uvloop"


class EmulatorServer(uvicorn.Server):
    """Stops accepting connections, then cancels every request being served (each closes its connection
    without a log line), then lets uvicorn finish: ``stop()`` does not wait for a sleeping ``timeout`` fault
    and no ``CancelledError`` traceback reaches the log."""

    def __init__(self, config: uvicorn.Config, runtime: Runtime) -> None:
        super().__init__(config)
        self.runtime = runtime

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        quiet_accept_errors(asyncio.get_running_loop())
        await super().startup(sockets)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in getattr(self, "servers", []):
            server.close()
        self.runtime.cancel_in_flight()
        await super().shutdown(sockets)
