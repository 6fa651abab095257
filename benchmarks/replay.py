"""Replay throughput and time to first token of a replayed stream against a live one.

    python benchmarks/replay.py [--requests 400] [--concurrency 16] [--tokens-ms 10]

An upstream emulator (scripted engine, per-token pacing so a stream takes a measurable time) is recorded through
a recording emulator: one JSON chat answer and one stream. Then, with the upstream stopped, a replaying emulator
answers them: (1) replayed JSON answers per second at --concurrency (speed 0: no recorded delays), against the
live scripted emulator's rate for the same request; (2) time to first token of the replayed stream at speed 1.0
against the recorded stream's own first event, and how far the replay's last event lands from the recorded one.
Everything runs on loopback in this process; the client is httpx2 (async).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx2

from aoai_nb.emulator import Emulator
from aoai_nb.emulator.recording import RecordTo, ReplayFrom

CHAT = "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21"
BODY = {"messages": [{"role": "user", "content": "Say hello to the workshop"}], "max_tokens": 16}
STREAM = {**BODY, "stream": True}


async def _rate(url: str, key: str, requests: int, concurrency: int) -> float:
    async with httpx2.AsyncClient(base_url=url, headers={"api-key": key}, timeout=60) as client:
        await client.post(CHAT, json=BODY)  # warm
        left = requests

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                answer = await client.post(CHAT, json=BODY)
                assert answer.status_code == 200, answer.text

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return requests / (time.perf_counter() - started)


async def _stream_times(url: str, key: str) -> tuple[float, float]:
    """(seconds to the first content event, seconds to the last event) of one stream."""
    async with httpx2.AsyncClient(base_url=url, headers={"api-key": key}, timeout=60) as client:
        started = time.perf_counter()
        first = last = 0.0
        async with client.stream("POST", CHAT, json=STREAM) as answer:
            async for line in answer.aiter_lines():
                if line.startswith("data: ") and '"content"' in line and not first:
                    first = time.perf_counter() - started
                last = time.perf_counter() - started
        return first, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--tokens-ms", type=float, default=10.0, help="upstream pacing per token")
    parser.add_argument("--streams", type=int, default=5, help="streams timed per target")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aoai-nb-replay-bench-"))
    with Emulator(engine="scripted") as upstream:
        live_rate = asyncio.run(_rate(upstream.url, upstream.api_key, args.requests, args.concurrency))
        upstream.set_controls(per_token_ms=args.tokens_ms, stream_flush_ms=0)
        with Emulator(engine="scripted", record=RecordTo(folder, upstream.url, upstream.api_key)) as proxy:
            asyncio.run(_rate(proxy.url, proxy.api_key, 1, 1))
            recorded_first, recorded_last = asyncio.run(_stream_times(proxy.url, proxy.api_key))
    (stream_file,) = [p for p in folder.glob("*.json") if json.loads(p.read_text())["response"].get("events")]
    response = json.loads(stream_file.read_text())["response"]
    events = response["events"]
    with Emulator(engine="scripted", replay=ReplayFrom(folder, speed=0)) as replay:
        replay_rate = asyncio.run(_rate(replay.url, replay.api_key, args.requests, args.concurrency))
    with Emulator(engine="scripted", replay=ReplayFrom(folder, speed=1.0)) as replay:
        times = [asyncio.run(_stream_times(replay.url, replay.api_key)) for _ in range(args.streams)]
    firsts = [first for first, _ in times]
    lasts = [last for _, last in times]
    print(
        f"load average {os.getloadavg()[0]:.2f}; {args.requests} requests at concurrency {args.concurrency}"
    )
    print(f"JSON chat, live scripted emulator : {live_rate:8.0f} req/s")
    print(
        f"JSON chat, replayed (speed 0)     : {replay_rate:8.0f} req/s  ({replay_rate / live_rate:.2f}x live)"
    )
    print(f"stream, recorded through the proxy: first content {recorded_first * 1000:6.1f} ms, "
          f"last event {recorded_last * 1000:6.1f} ms ({len(events)} events)")  # fmt: skip
    print(f"stream, replayed at speed 1.0     : first content {statistics.median(firsts) * 1000:6.1f} ms, "
          f"last event {statistics.median(lasts) * 1000:6.1f} ms (median of {args.streams})")  # fmt: skip
    recorded_ttft = response["latency_s"] + next(e["t"] for e in events if '"content"' in e["data"])
    overhead = statistics.median(firsts) - recorded_ttft
    print(
        f"time-to-first-token overhead of replay over the recorded one (headers + first content event): {overhead * 1000:+.1f} ms"
    )


if __name__ == "__main__":
    main()
