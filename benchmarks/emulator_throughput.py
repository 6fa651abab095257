"""Emulator throughput: non-streaming chat (scripted engine) against a bare endpoint on the same server stack.

    python benchmarks/emulator_throughput.py [--requests 600] [--levels 1 8 32] [--rounds 3]

In-process servers (uvicorn h11 + Starlette + the emulator's Gateway, loopback only). The bare endpoint returns
the bytes of a real chat completion without doing anything else: it is the floor that the HTTP stack alone
allows. Chat is measured twice, on two servers: with the scripted chat engine called in a worker thread
(``instant = False``, what every engine gets by default) and on the event loop (``instant = True``, the
engine's declaration that it never blocks). The client (httpx2, async) runs in the same Python process, so
client and servers share the GIL and the machine's cores; the ratio chat/floor is the figure to read. The
three endpoints run in alternating slices so that load from other processes affects them alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import threading
import time
from typing import Any

import httpx2
import uvicorn
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aoai_nb.emulator.app import create_app
from aoai_nb.emulator.config import EmulatorConfig
from aoai_nb.emulator.engines import load_engine_set
from aoai_nb.emulator.runtime import Runtime

KEY = "benchmark-key"
CHAT = "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21"
BODY = {"messages": [{"role": "user", "content": "Say hello to the workshop"}], "max_tokens": 16}


def serve(instant: bool) -> tuple[uvicorn.Server, threading.Thread, int, socket.socket, Any]:
    engines = load_engine_set("scripted")
    engines.chat.instant = instant  # type: ignore[attr-defined]  # the attribute the HTTP layer reads
    runtime = Runtime(EmulatorConfig.default(), KEY, True, "scripted", engines)
    app: Any = create_app(runtime)
    sample: dict[str, bytes] = {}

    async def bare(request: Request) -> Response:
        await request.body()
        return Response(sample["body"], media_type="application/json")

    app.app.router.routes.append(Route("/bench/bare", bare, methods=["POST"]))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", http="h11", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = sock.getsockname()[1]
    with httpx2.Client(base_url=f"http://127.0.0.1:{port}", headers={"api-key": KEY}) as client:
        sample["body"] = client.post(CHAT, json=BODY).content  # the floor returns exactly this
    return server, thread, port, sock, app


async def level(port: int, path: str, clients: int, total: int) -> tuple[list[float], float]:
    """Latencies of ``total`` requests from ``clients`` concurrent workers, and the elapsed wall time."""
    latencies: list[float] = []
    remaining = total
    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx2.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers={"api-key": KEY}, limits=limits, timeout=30
    ) as client:
        for _ in range(clients):  # warm the connections
            (await client.post(path, json=BODY)).raise_for_status()

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                response = await client.post(path, json=BODY)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return latencies, time.perf_counter() - started


def summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    latencies = sorted(latencies)
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def measure(
    targets: dict[str, tuple[int, str]], clients: int, total: int, rounds: int
) -> dict[str, dict[str, float]]:
    """Alternate the targets (name -> port, path) in ``rounds`` slices, so drifting load hits all alike."""
    collected: dict[str, tuple[list[float], float]] = {name: ([], 0.0) for name in targets}
    for _ in range(rounds):
        for name, (port, path) in targets.items():
            latencies, elapsed = asyncio.run(level(port, path, clients, total // rounds))
            previous, spent = collected[name]
            collected[name] = (previous + latencies, spent + elapsed)
    return {name: summary(*values) for name, values in collected.items()}


async def asgi_cost(app: Any, path: str, count: int, stream: bool = False) -> float:
    """Milliseconds of server work per request, calling the ASGI app directly (no socket, no HTTP parsing).
    ``stream``: a streamed chat of the same 16 tokens (the scope says ASGI spec 2.3, as uvicorn's h11)."""
    body = json.dumps({**BODY, "stream": True} if stream else BODY).encode()
    route, _, query = path.partition("?")
    headers = [
        (b"api-key", KEY.encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": headers,
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1),
    }
    received: list[bool] = []

    async def receive() -> dict[str, Any]:
        if received:  # the body was read: the next message would be the client leaving, which never comes
            await asyncio.Event().wait()
        received.append(True)
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message

    started = time.perf_counter()
    for _ in range(count):
        received.clear()
        await app(dict(scope), receive, send)
    return (time.perf_counter() - started) / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="requests per endpoint and level")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--rounds", type=int, default=3, help="alternating slices per level")
    args = parser.parse_args()
    threaded = serve(instant=False)
    instant = serve(instant=True)
    targets = {
        "floor": (threaded[2], "/bench/bare"),
        "chat": (threaded[2], CHAT),
        "chat-inst": (instant[2], CHAT),
    }
    print(
        f"python {platform.python_version()}, {platform.machine()}, {len(os.sched_getaffinity(0))} cores "
        f"available, {args.requests} requests per row, load average {_load()}"
    )
    print("chat: engine in a worker thread; chat-inst: engine declared instant, called on the event loop")
    print(f"{'clients':>7} {'endpoint':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   vs floor")
    try:
        for clients in args.levels:
            rows = measure(targets, clients, args.requests, args.rounds)
            for name, row in rows.items():
                ratio = f"   {row['rps'] / rows['floor']['rps']:.0%}" if name != "floor" else ""
                print(
                    f"{clients:>7} {name:<10} {row['rps']:>8.0f} {row['p50']:>8.2f} {row['p99']:>8.2f}{ratio}"
                )
        costs = {
            "floor": asyncio.run(asgi_cost(threaded[4], "/bench/bare", 2000)),
            "chat": asyncio.run(asgi_cost(threaded[4], CHAT, 2000)),
            "chat-inst": asyncio.run(asgi_cost(instant[4], CHAT, 2000)),
            "streamed chat": asyncio.run(asgi_cost(threaded[4], CHAT, 500, stream=True)),
            "streamed chat-inst": asyncio.run(asgi_cost(instant[4], CHAT, 500, stream=True)),
        }
        print(
            "server work per request (ASGI called directly, 2000 sequential, streams 500): "
            + ", ".join(f"{name} {ms:.3f} ms" for name, ms in costs.items())
        )
        print(f"load average at the end {_load()}")
    finally:
        for server, thread, _, sock, _ in (threaded, instant):
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
