"""Emulator throughput: non-streaming chat (scripted engine) against a bare endpoint on the same server stack.

    python benchmarks/emulator_throughput.py [--requests 600] [--levels 1 8 32] [--rounds 3]

Both endpoints run in one in-process server (uvicorn h11 + Starlette + the emulator's Gateway, loopback only).
The bare endpoint returns the bytes of a real chat completion without doing anything else: it is the floor
that the HTTP stack alone allows. The client (httpx2, async) runs in the same Python process, so client and
server share the GIL and the machine's cores; the ratio chat/floor is the figure to read. Floor and chat run
in alternating slices so that load from other processes affects both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
from aoai_nb.emulator.runtime import Runtime

KEY = "benchmark-key"
CHAT = "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21"
BODY = {"messages": [{"role": "user", "content": "Say hello to the workshop"}], "max_tokens": 16}


def serve() -> tuple[uvicorn.Server, threading.Thread, int, socket.socket, Any]:
    runtime = Runtime(EmulatorConfig.default(), KEY, True, "scripted")
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


def measure(port: int, clients: int, total: int, rounds: int) -> dict[str, dict[str, float]]:
    """Alternate floor and chat in ``rounds`` slices, so drifting machine load hits both alike."""
    collected: dict[str, tuple[list[float], float]] = {"floor": ([], 0.0), "chat": ([], 0.0)}
    for _ in range(rounds):
        for name, path in (("floor", "/bench/bare"), ("chat", CHAT)):
            latencies, elapsed = asyncio.run(level(port, path, clients, total // rounds))
            previous, spent = collected[name]
            collected[name] = (previous + latencies, spent + elapsed)
    return {name: summary(*values) for name, values in collected.items()}


async def asgi_cost(app: Any, path: str, count: int) -> float:
    """Milliseconds of server work per request, calling the ASGI app directly (no socket, no HTTP parsing)."""
    body = json.dumps(BODY).encode()
    route, _, query = path.partition("?")
    headers = [
        (b"api-key", KEY.encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
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

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message

    started = time.perf_counter()
    for _ in range(count):
        await app(dict(scope), receive, send)
    return (time.perf_counter() - started) / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="requests per endpoint and level")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--rounds", type=int, default=3, help="alternating floor/chat slices per level")
    args = parser.parse_args()
    server, thread, port, sock, app = serve()
    print(
        f"python {platform.python_version()}, {platform.machine()}, {len(__import__('os').sched_getaffinity(0))} "
        f"cores available, {args.requests} requests per row"
    )
    print(f"{'clients':>7} {'endpoint':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   chat/floor")
    try:
        for clients in args.levels:
            rows = measure(port, clients, args.requests, args.rounds)
            floor, chat = rows["floor"], rows["chat"]
            for name, row in rows.items():
                ratio = f"   {chat['rps'] / floor['rps']:.0%}" if name == "chat" else ""
                print(
                    f"{clients:>7} {name:<10} {row['rps']:>8.0f} {row['p50']:>8.2f} {row['p99']:>8.2f}{ratio}"
                )
        floor_ms = asyncio.run(asgi_cost(app, "/bench/bare", 2000))
        chat_ms = asyncio.run(asgi_cost(app, CHAT, 2000))
        print(
            f"server work per request (ASGI called directly, 2000 sequential): floor {floor_ms:.3f} ms, "
            f"chat {chat_ms:.3f} ms"
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


if __name__ == "__main__":
    main()
