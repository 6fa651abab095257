"""Load, a heavy request beside a probe, and injected faults, against the emulator in its own process.

    python benchmarks/load_and_faults.py [--streams 64] [--requests 2000] [--calls 500] [--fault-rate 0.3]

Three parts, each printed as it ends (the defaults take 30-60 s on 2 cores):

1. ``--streams`` concurrent streamed chats (scripted engine), ``--requests`` in all: dropped streams (any that
   fail or end without ``data: [DONE]``), time to first byte and whole-stream p50/p99, and the server's peak
   RSS (``VmHWM`` from /proc, Linux).
2. A probe (GET /openai/models, 10 ms apart) while a heavy request runs: a chat with n=128 and top_logprobs=20,
   then 2,048 embeddings (``--embedding-formats``: base64, the SDK's default; float adds ~20 s): the probe's p50
   and worst latency, and the heavy request's time.
3. ``--calls`` SDK calls (openai, default ``max_retries=2``) under ``--fault-rate`` injected faults (429, 500,
   503 in equal parts; 429s carry ``retry-after-ms`` 200): how many succeeded, how many retries they took, and
   the shortest time a call that was retried after a 429 took (>= 200 ms when retry-after-ms is honoured).

The server runs in a subprocess (``python -m aoai_nb.emulator``), so the clients here do not share its GIL.
The machine's load average is printed: on a shared machine, latencies grow with it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import httpx2
import openai

API = "api-version=2024-10-21"
CHAT = f"/openai/deployments/gpt-4o-mini/chat/completions?{API}"
EMBEDDINGS = f"/openai/deployments/text-embedding-3-small/embeddings?{API}"
MESSAGES = [{"role": "user", "content": "Say hello to the workshop, please"}]
RETRY_AFTER_MS = 200


@dataclass
class Server:
    url: str
    key: str
    pid: int


@contextmanager
def emulator() -> Iterator[Server]:
    key = secrets.token_hex(8)
    command = [
        sys.executable,
        "-m",
        "aoai_nb.emulator",
        "--engine",
        "scripted",
        "--port",
        "0",
        "--api-key",
        key,
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stdout is not None
            found = re.search(r"on (http://\S+)", process.stdout.readline())
            if not found:
                raise RuntimeError("the emulator did not print its URL")
            yield Server(found.group(1), key, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=10)


def memory_mb(pid: int, field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of a process, in MB (Linux /proc); NaN elsewhere."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


# --- 1. concurrent streams ----------------------------------------------------------------------------------


async def streams(server: Server, concurrency: int, total: int) -> None:
    first_bytes: list[float] = []
    wholes: list[float] = []
    dropped: Counter[str] = Counter()
    remaining = total
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    body = {"messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
    async with httpx2.AsyncClient(
        base_url=server.url, headers={"api-key": server.key}, limits=limits, timeout=60
    ) as client:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                try:
                    async with client.stream("POST", CHAT, json=body) as response:
                        if response.status_code != 200:
                            dropped[f"HTTP {response.status_code}"] += 1
                            continue
                        text, first = "", None
                        async for chunk in response.aiter_text():
                            first = first or time.perf_counter()
                            text += chunk
                    if not text.rstrip().endswith("data: [DONE]"):
                        dropped["no [DONE]"] += 1
                        continue
                    first_bytes.append((first or time.perf_counter()) - started)
                    wholes.append(time.perf_counter() - started)
                except httpx2.HTTPError as exc:
                    dropped[type(exc).__name__] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    print(
        f"1. {total:,} streamed chats, {concurrency} at a time, in {elapsed:.1f} s ({total / elapsed:.0f}/s)"
    )
    print(f"   dropped streams: {sum(dropped.values())} {dict(dropped) or ''}")
    print(
        f"   first byte p50 {percentile(first_bytes, 50) * 1000:.0f} ms, p99 {percentile(first_bytes, 99) * 1000:.0f}"
        f" ms; whole stream p50 {percentile(wholes, 50) * 1000:.0f} ms, p99 {percentile(wholes, 99) * 1000:.0f} ms"
    )
    print(f"   server peak RSS {memory_mb(server.pid, 'VmHWM'):.0f} MB")


# --- 2. a probe beside a heavy request ----------------------------------------------------------------------


def probe_beside(server: Server, label: str, heavy: Callable[[httpx2.Client], httpx2.Response]) -> None:
    latencies: list[float] = []
    done = threading.Event()

    def probe() -> None:
        with httpx2.Client(base_url=server.url, headers={"api-key": server.key}, timeout=60) as client:
            while not done.is_set():
                started = time.perf_counter()
                client.get(f"/openai/models?{API}").raise_for_status()
                latencies.append(time.perf_counter() - started)
                time.sleep(0.01)

    with httpx2.Client(base_url=server.url, headers={"api-key": server.key}, timeout=120) as client:
        thread = threading.Thread(target=probe)
        thread.start()
        time.sleep(0.1)  # the probe's connection is open and warm
        started = time.perf_counter()
        try:
            response = heavy(client)
        finally:
            took = time.perf_counter() - started
            done.set()
            thread.join()
    print(
        f"   {label}: HTTP {response.status_code}, {len(response.content) / 1e6:.1f} MB in {took:.2f} s; probe "
        f"p50 {percentile(latencies, 50) * 1000:.1f} ms, worst {max(latencies) * 1000:.0f} ms "
        f"({len(latencies)} probes)"
    )


def heavy_requests(server: Server, formats: list[str]) -> None:
    print("2. probe latency while a heavy request runs")
    chat = {"messages": MESSAGES, "n": 128, "logprobs": True, "top_logprobs": 20}
    probe_beside(server, "chat n=128 top_logprobs=20", lambda c: c.post(CHAT, json=chat))
    texts = [f"text number {i} about lighthouses and the sea" for i in range(2048)]
    for fmt in formats:
        body = {"input": texts, "encoding_format": fmt}
        probe_beside(server, f"2,048 embeddings ({fmt})", lambda c, b=body: c.post(EMBEDDINGS, json=b))  # type: ignore[misc]
    print(f"   server peak RSS {memory_mb(server.pid, 'VmHWM'):.0f} MB")


# --- 3. SDK calls under injected faults ---------------------------------------------------------------------


def faults(server: Server, calls: int, rate: float) -> None:
    with httpx2.Client(base_url=server.url, headers={"api-key": server.key}, timeout=10) as control:
        each = rate / 3
        controls = {
            "fault_rates": {"429": each, "500": each, "503": each},
            "fault_retry_after_ms": RETRY_AFTER_MS,
        }
        control.post("/aoai-nb/controls", json=controls).raise_for_status()
        control.post("/aoai-nb/reset-stats", json={}).raise_for_status()
    hooks = {"response": [_record_status]}  # every attempt's status, per calling thread
    client = openai.AzureOpenAI(
        azure_endpoint=server.url,
        api_key=server.key,
        api_version="2024-10-21",
        http_client=httpx2.Client(event_hooks=hooks, timeout=60),
    )
    outcomes: Counter[str] = Counter()
    retries: Counter[int] = Counter()
    after_429: list[float] = []

    def call(_: int) -> None:
        seen: list[int] = []
        _local.seen = seen
        started = time.perf_counter()
        try:
            raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]
            raw.parse()
            outcomes["ok"] += 1
            retries[raw.retries_taken] += 1
        except openai.APIError as exc:
            outcomes[type(exc).__name__] += 1
        if 429 in seen[:-1]:  # retried after a 429: the SDK should have waited retry-after-ms first
            after_429.append(time.perf_counter() - started)

    started = time.perf_counter()
    with client, ThreadPoolExecutor(16) as pool:
        list(pool.map(call, range(calls)))
    elapsed = time.perf_counter() - started
    with httpx2.Client(base_url=server.url, headers={"api-key": server.key}, timeout=10) as control:
        status = control.get("/aoai-nb/status").json()["requests"]
    print(
        f"3. {calls} SDK calls under {rate:.0%} injected faults (429/500/503), 16 at a time, {elapsed:.1f} s"
    )
    print(f"   outcomes: {dict(outcomes)}; retries taken by the successful: {dict(sorted(retries.items()))}")
    print(f"   the server answered {status['total']} attempts: {dict(sorted(status['by_status'].items()))}")
    if after_429:
        print(
            f"   calls retried after a 429: {len(after_429)}, the quickest took {min(after_429) * 1000:.0f} ms "
            f"(retry-after-ms {RETRY_AFTER_MS})"
        )


_local = threading.local()


def _record_status(response: httpx2.Response) -> None:
    seen = getattr(_local, "seen", None)
    if seen is not None:
        seen.append(response.status_code)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=64, help="concurrent streams (part 1)")
    parser.add_argument("--requests", type=int, default=2000, help="streamed requests in all (part 1)")
    parser.add_argument("--calls", type=int, default=500, help="SDK calls under faults (part 3)")
    parser.add_argument("--fault-rate", type=float, default=0.3, help="fraction of attempts faulted (part 3)")
    parser.add_argument(
        "--embedding-formats",
        nargs="+",
        default=["base64"],
        choices=("base64", "float"),
        help="encoding_format of the 2,048 embeddings (part 2); base64 is the SDK's default, float is 4x bigger",
    )
    args = parser.parse_args(argv)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores; {sys.version.split()[0]}"
    )
    with emulator() as server:
        print(f"server RSS at start {memory_mb(server.pid, 'VmRSS'):.0f} MB")
        asyncio.run(streams(server, args.streams, args.requests))
        heavy_requests(server, args.embedding_formats)
        faults(server, args.calls, args.fault_rate)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
