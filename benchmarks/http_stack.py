"""The emulator's HTTP path against its floor and a mock peer, in one interleaved run (wrk, keep-alive).

    python benchmarks/http_stack.py [--connections 32] [--seconds 5] [--rounds 3] [--peer PATH]

Needs ``wrk`` (Debian: ``apt-get install wrk``). Targets, each a server process of its own on loopback:
- ``emulator``: ``python -m aoai_nb.emulator --engine scripted`` on the fast stack (httptools + uvloop);
- ``emulator-h11``: the same on the h11 + asyncio fallback (the stack it served on before);
- ``floor``: a bare Starlette route on the fast stack returning the emulator's own reply bytes (JSON, or the
  SSE stream's bytes), i.e. what the server stack allows with no per-request work;
- ``peer``: llm-mock-api 0.1.2 (FastAPI, fast stack) from PyPI when its ``llm-mock-api`` command is found
  (``--peer``; install it in a venv of its own: ``python -m venv /tmp/mock && /tmp/mock/bin/pip install
  llm-mock-api==0.1.2``).
Each round runs every target for JSON chat then SSE chat; the table shows the median req/s over rounds, the
ratio to the floor, and server CPU ms per request (from /proc/PID/stat).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

KEY = "bench-key"
EMULATOR_PATH = "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21"
MESSAGES = [{"role": "user", "content": "Say hello to the workshop"}]
HERE = Path(__file__).resolve()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _lua(path: str, body: dict[str, object], headers: dict[str, str]) -> str:
    lines = [
        'wrk.method = "POST"',
        f"wrk.path = {json.dumps(path)}",
        f"wrk.body = {json.dumps(json.dumps(body))}",
    ]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    return "\n".join(lines) + "\n"


def serve_floor(port: int) -> None:
    """The floor: Starlette on the fast stack answering with recorded emulator bytes (see --capture)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    captured = json.loads(Path(os.environ["FLOOR_BYTES"]).read_text())
    json_body, sse_body = captured["json"].encode(), captured["sse"].encode()

    async def chat(request: Request) -> Response:
        body = await request.body()
        if b'"stream":true' in body.replace(b" ", b""):
            return Response(sse_body, media_type="text/event-stream")
        return Response(json_body, media_type="application/json")

    app = Starlette(routes=[Route("/openai/deployments/{d}/chat/completions", chat, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", http="httptools", loop="uvloop",
                access_log=False)  # fmt: skip


def _capture(port: int) -> Path:
    """The emulator's reply bytes for the two requests, for the floor to send."""
    out = {}
    for kind, extra in (("json", {}), ("sse", {"stream": True})):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{EMULATOR_PATH}",
            data=json.dumps({"messages": MESSAGES, **extra}).encode(),
            headers={"api-key": KEY, "content-type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:
            out[kind] = answer.read().decode()
    path = Path(tempfile.mkdtemp()) / "floor.json"
    path.write_text(json.dumps(out))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peer", default=shutil.which("llm-mock-api") or "/tmp/mock/bin/llm-mock-api")
    parser.add_argument("--serve-floor", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    procs: dict[str, subprocess.Popen[bytes]] = {}
    ports: dict[str, int] = {}
    env = {**os.environ, "PYTHONPATH": str(HERE.parents[1])}
    try:
        for name, http in (("emulator", "fast"), ("emulator-h11", "h11")):
            ports[name] = _free_port()
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "aoai_nb.emulator", "--engine", "scripted", "--port", str(ports[name]),
                 "--api-key", KEY, "--http", http, "--stream-flush-ms", "0"],
                env=env, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            _wait(ports[name])
        floor_bytes = _capture(ports["emulator"])
        ports["floor"] = _free_port()
        procs["floor"] = subprocess.Popen(
            [sys.executable, str(HERE), "--serve-floor", str(ports["floor"])],
            env={**env, "FLOOR_BYTES": str(floor_bytes)},
        )
        _wait(ports["floor"])
        if Path(args.peer).exists():
            ports["peer"] = _free_port()
            procs["peer"] = subprocess.Popen(
                [args.peer, "start", "-p", str(ports["peer"]), "-H", "127.0.0.1", "--log-level", "none",
                 "-f", "Hello workshop, this is a mock reply."],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tempfile.mkdtemp(),
            )  # fmt: skip
            _wait(ports["peer"])
        scripts = Path(tempfile.mkdtemp())
        results: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(args.rounds):
            for kind, extra in (("JSON", {}), ("SSE", {"stream": True})):
                for name, port in ports.items():
                    path = "/v1/chat/completions" if name == "peer" else EMULATOR_PATH
                    body = {"model": "gpt-4o-mini", "messages": MESSAGES, **extra}
                    script = scripts / f"{name}-{kind}.lua"
                    script.write_text(_lua(path, body, {"api-key": KEY, "content-type": "application/json"}))
                    cpu = _cpu_seconds(procs[name].pid)
                    run = subprocess.run(
                        ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds:g}s", "-s", str(script),
                         f"http://127.0.0.1:{port}"],
                        capture_output=True, text=True, check=True,
                    )  # fmt: skip
                    cpu = _cpu_seconds(procs[name].pid) - cpu
                    total = int(re.search(r"(\d+) requests in", run.stdout).group(1))  # type: ignore[union-attr]
                    if "Non-2xx" in run.stdout:
                        raise RuntimeError(f"{name} {kind}: non-2xx answers\n{run.stdout}")
                    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", run.stdout).group(1))  # type: ignore[union-attr]
                    results.setdefault((name, kind), []).append((rate, cpu * 1000 / max(total, 1)))
        print(f"load average {os.getloadavg()[0]:.2f}; wrk -t2 -c{args.connections}, {args.seconds:g} s x "
              f"{args.rounds} interleaved rounds")  # fmt: skip
        print(f"{'target':<14} {'kind':<5} {'req/s':>8} {'x floor':>8} {'CPU ms/req':>11}")
        for kind in ("JSON", "SSE"):
            floor = statistics.median(r for r, _ in results[("floor", kind)])
            for name in ports:
                rate = statistics.median(r for r, _ in results[(name, kind)])
                cpu = statistics.median(c for _, c in results[(name, kind)])
                print(f"{name:<14} {kind:<5} {rate:8.0f} {rate / floor:8.2f} {cpu:11.3f}")
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
