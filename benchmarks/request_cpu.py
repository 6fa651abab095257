"""The emulator's own CPU per request, without sockets: the ASGI app called in-process for a scripted chat.

    python benchmarks/request_cpu.py [--requests 5000] [--profile N]

What ``http_stack.py`` measures end to end includes uvicorn, the kernel and wrk sharing the cores; this measures
only the emulator's work (gateway checks, parsing, the scripted engine, filter annotations, encoding) for a JSON
chat and an SSE chat, as CPU time (``time.process_time``) per request: the minimum and median of 5 rounds, after
a warm-up. The request body arrives whole, as uvicorn hands it over. ``--profile N`` also prints the N functions
with the most own time (cProfile, which inflates small calls; use py-spy on ``http_stack.py``'s emulator for
sampled figures).
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
            f"{kind:<5} emulator CPU ms/request: min {min(rounds):.3f}, median {statistics.median(rounds):.3f}"
        )
        if args.profile:
            run(_profile(app, body, args.requests, args.profile))


if __name__ == "__main__":
    main()
