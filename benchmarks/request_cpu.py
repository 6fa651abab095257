"""The emulator's own CPU per request, without sockets, for a scripted JSON chat and an SSE chat.

    python benchmarks/request_cpu.py [--requests 5000] [--profile N]

What ``http_stack.py`` measures end to end includes the kernel and wrk sharing the cores; this measures two
layers in-process, after a warm-up:
- ``app``: the ASGI app alone (gateway checks, parsing, the scripted engine, filter annotations, encoding), the
  request body arriving whole as uvicorn hands it over: CPU time (``time.process_time``) per request, the
  minimum and median of 5 rounds;
- ``server``: uvicorn's httptools protocol as the emulator configures it (its connection guards and batched
  writes) fed the raw request bytes on an in-memory transport, one keep-alive connection: the time of each
  request, 10th percentile and median. Per-request percentiles resist the noise of a shared machine better
  than round means; the 10th percentile is the figure to compare between versions.
``--profile N`` also prints the N functions with the most own time in the app (cProfile, which inflates small
calls; ``py-spy record -- python benchmarks/request_cpu.py`` gives sampled figures).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import time
from typing import Any

from aoai_nb.emulator.app import create_app
from aoai_nb.emulator.config import EmulatorConfig
from aoai_nb.emulator.connections import guarded_protocol
from aoai_nb.emulator.runtime import Runtime

KEY = "bench-key"
PATH = "/openai/deployments/gpt-4o-mini/chat/completions"
MESSAGES = [{"role": "user", "content": "Say hello to the workshop"}]


class _Cycle:
    """Like uvicorn's request cycle: the whole body is in (``more_body`` False) when the app starts."""

    more_body = False

    def __init__(self, body: bytes) -> None:
        self.messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive(self) -> dict[str, Any]:
        if self.messages:
            return self.messages.pop()
        await asyncio.Event().wait()  # the client never leaves
        raise AssertionError


def _scope(body: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "root_path": "",
        "query_string": b"api-version=2024-10-21",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"api-key", KEY.encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5),
    }


async def _request(app: Any, body: bytes) -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(_scope(body), _Cycle(body).receive, send)
    if sent[0]["status"] != 200:
        raise RuntimeError(f"the emulator answered {sent[0]['status']}: {sent[1:]}")


async def _measure(app: Any, body: bytes, requests: int) -> list[float]:
    for _ in range(200):
        await _request(app, body)
    rounds = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(requests // 5):
            await _request(app, body)
        rounds.append((time.process_time() - start) / (requests // 5) * 1000)
    return rounds


async def _profile(app: Any, body: bytes, requests: int, top: int) -> None:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests // 5):
        await _request(app, body)
    profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(top)


class _Transport(asyncio.Transport):
    """A socket that keeps what is written (the server side of one connection)."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.closing = False

    def write(self, data: Any) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 80), "peername": ("127.0.0.1", 5)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


async def _through_server(app: Any, body: bytes, requests: int) -> list[float]:
    """Seconds per request through uvicorn's protocol (see the module docstring), sorted."""
    import uvicorn
    from uvicorn.server import ServerState

    protocol_class = guarded_protocol("httptools", 30, "emulator")
    config = uvicorn.Config(
        app, http=protocol_class, loop="none", lifespan="off", access_log=False, proxy_headers=False,
        server_header=False, ws="none", log_level="warning",
    )  # fmt: skip
    config.load()
    loop = asyncio.get_running_loop()
    protocol: Any = protocol_class(config=config, server_state=ServerState(), app_state={}, _loop=loop)  # type: ignore[call-arg]
    transport = _Transport()
    protocol.connection_made(transport)
    head = (
        f"POST {PATH}?api-version=2024-10-21 HTTP/1.1\r\nhost: 127.0.0.1\r\napi-key: {KEY}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    raw = head.encode() + body

    async def one() -> None:
        transport.written.clear()
        protocol.data_received(raw)
        while not (protocol.cycle is not None and protocol.cycle.response_complete and transport.written):
            await asyncio.sleep(0)
        await asyncio.sleep(0)  # the batched writes' flush
        if not transport.written[0].startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"the emulator answered {transport.written[0][:200]!r}")

    for _ in range(300):
        await one()
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        await one()
        times.append(time.perf_counter() - start)
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    config = EmulatorConfig.default().with_changes(stream_flush_ms=0)
    app = create_app(Runtime(config, KEY, True, "scripted"))
    try:
        import uvloop

        run: Any = uvloop.run
    except ImportError:  # Windows
        run = asyncio.run
    print(f"load average {os.getloadavg()[0]:.2f}; {args.requests} requests per kind, 5 rounds")
    for kind, extra in (("JSON", {}), ("SSE", {"stream": True})):
        body = json.dumps({"model": "gpt-4o-mini", "messages": MESSAGES, **extra}).encode()
        rounds = run(_measure(app, body, args.requests))
        print(
            f"{kind:<5} app     CPU ms/request: min {min(rounds):.3f}, median {statistics.median(rounds):.3f}"
        )
        times = run(_through_server(app, body, args.requests))
        p10, median = times[len(times) // 10] * 1000, times[len(times) // 2] * 1000
        print(f"{kind:<5} server  ms/request:     p10 {p10:.3f}, median {median:.3f}")
        if args.profile:
            run(_profile(app, body, args.requests, args.profile))


if __name__ == "__main__":
    main()
