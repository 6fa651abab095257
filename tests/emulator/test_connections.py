"""Connections that misbehave below HTTP: silent or half-sent requests, ambiguous framing, unparsable requests,
file-descriptor exhaustion. Raw sockets, with short configured timeouts."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from aoai_nb.emulator.config import EmulatorConfig
from aoai_nb.emulator.connections import ACCEPT_ERROR, quiet_accept_errors

TIMEOUT = 0.5  # the configured header and body timeouts
CHAT = "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21"


@pytest.fixture
def emu(make_emulator: Callable[..., Any]) -> Any:
    config = EmulatorConfig.default().with_changes(
        header_timeout_seconds=TIMEOUT, body_timeout_seconds=TIMEOUT
    )
    return make_emulator(config=config)


def _connect(emu: Any) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", emu.port))
    sock.settimeout(10)  # far above the configured timeouts: a hang fails the test instead of blocking it
    return sock


def _read_until_closed(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    started, data = time.monotonic(), b""
    with sock:
        while chunk := sock.recv(65536):
            data += chunk
    return data, time.monotonic() - started


def _json_error(raw: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, json.loads(body)


def _head(emu: Any, *extra: str) -> bytes:
    lines = [f"POST {CHAT} HTTP/1.1", "Host: 127.0.0.1", f"api-key: {emu.api_key}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(emu: Any) -> None:
    data, waited = _read_until_closed(_connect(emu))
    assert data == b""
    assert TIMEOUT * 0.9 < waited < 5


def test_half_sent_headers_are_closed_and_trickling_does_not_extend_the_deadline(emu: Any) -> None:
    sock = _connect(emu)
    sock.sendall(f"POST {CHAT} HTTP/1.1\r\nHost: x\r\n".encode())
    started = time.monotonic()
    for _ in range(3):  # one header byte now and then, each well inside the timeout
        time.sleep(TIMEOUT / 4)
        try:
            sock.sendall(b"X")
        except OSError:
            break
    data, _ = _read_until_closed(sock)
    assert data == b""
    assert time.monotonic() - started < 5


def test_a_half_sent_body_gets_an_azure_shaped_408_and_the_connection_closes(emu: Any) -> None:
    sock = _connect(emu)
    sock.sendall(_head(emu, "Content-Type: application/json", "Content-Length: 100") + b'{"messages": [')
    data, waited = _read_until_closed(sock)
    status, headers, body = _json_error(data)
    assert status == 408
    assert body["error"]["code"] == "Timeout"
    assert headers["connection"] == "close"
    assert headers["x-request-id"] == headers["apim-request-id"]
    assert waited < 5


def test_both_transfer_encoding_and_content_length_get_an_answer_not_a_hang(emu: Any) -> None:
    sock = _connect(emu)
    framing = ("Content-Type: application/json", "Content-Length: 2", "Transfer-Encoding: chunked")
    sock.sendall(_head(emu, *framing) + b"{}")
    data, waited = _read_until_closed(sock)
    status, headers, body = _json_error(data)
    assert status == 400
    assert "Transfer-Encoding and Content-Length" in body["error"]["message"]
    assert headers["x-request-id"]
    assert waited < TIMEOUT  # answered at once, not after the body timeout


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",  # no valid request line
        b"GET /openai/models HTTP/1.1\r\nHost: x\r\nX-Bad: a\rb\r\n\r\n",  # bare CR inside a header
        b"GET /openai/models HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000,  # unfinished, over h11's limit
    ],
    ids=["request-line", "bare-cr", "huge-header"],
)
def test_protocol_errors_are_azure_shaped_json_with_a_request_id(emu: Any, raw: bytes) -> None:
    sock = _connect(emu)
    sock.sendall(raw)
    status, headers, body = _json_error(_read_until_closed(sock)[0])
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert headers["x-request-id"] == headers["apim-request-id"]
    assert set(body["error"]) == {"code", "message"}


def test_the_server_still_answers_while_idle_sockets_are_open_and_after_they_time_out(emu: Any) -> None:
    import httpx2

    idle = [_connect(emu) for _ in range(50)]
    try:
        with httpx2.Client(base_url=emu.url, headers={"api-key": emu.api_key}, timeout=10) as client:
            assert client.get("/openai/models?api-version=2024-10-21").status_code == 200
            for sock in idle:
                assert _read_until_closed(sock)[0] == b""  # each closed by the server
            assert client.get("/openai/models?api-version=2024-10-21").status_code == 200
    finally:
        for sock in idle:
            sock.close()


def test_running_out_of_file_descriptors_logs_one_line_not_a_traceback_per_accept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.new_event_loop()
    try:
        quiet_accept_errors(loop)
        with caplog.at_level(logging.WARNING, logger="aoai_nb.emulator"):
            for _ in range(200):  # what asyncio reports for each failed accept()
                error = OSError(24, "Too many open files")
                loop.call_exception_handler({"message": ACCEPT_ERROR, "exception": error})
    finally:
        loop.close()
    records = [r for r in caplog.records if r.name == "aoai_nb.emulator"]
    assert len(records) == 1
    assert records[0].exc_info is None
    assert "Too many open files" in records[0].getMessage()


def test_under_a_low_file_limit_idle_sockets_neither_starve_the_server_nor_flood_the_log(
    tmp_path: Any,
) -> None:
    """A real server process limited to 64 descriptors, 100 idle connections: they are closed after the header
    timeout, a real request is then served, and the log holds a few lines, no traceback."""
    import os
    import re
    import resource
    import subprocess
    import sys

    import httpx2

    config = tmp_path / "emu.yaml"
    config.write_text("limits: {header_timeout_seconds: 1}\n")
    command = [sys.executable, "-m", "aoai_nb.emulator", "--engine", "scripted", "--port", "0"]
    command += ["--api-key", "k", "--config", str(config)]

    def limit_descriptors() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=limit_descriptors,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        found = re.search(r"on http://127\.0\.0\.1:(\d+)", process.stdout.readline())
        assert found, "the emulator did not print its URL"
        port = int(found.group(1))
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(100)]
        try:
            time.sleep(3)  # idle sockets time out; the backlog drains
            with httpx2.Client(
                base_url=f"http://127.0.0.1:{port}", headers={"api-key": "k"}, timeout=20
            ) as c:
                assert c.get("/openai/models?api-version=2024-10-21").status_code == 200
        finally:
            for sock in idle:
                sock.close()
            process.terminate()
            _, log = process.communicate(timeout=10)
    assert "Traceback" not in log
    assert len(log.splitlines()) <= 10, log
