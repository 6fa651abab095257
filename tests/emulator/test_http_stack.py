"""The HTTP stack is chosen in one place: the fast stack where installed, h11 on asyncio otherwise."""

from __future__ import annotations

import importlib.util

import httpx2
import pytest

from aoai_nb.emulator import Emulator
from aoai_nb.emulator.serving import http_stack


def test_auto_picks_the_fast_stack_when_installed() -> None:
    assert http_stack("auto") == ("httptools", "uvloop")  # both are dependencies
    assert http_stack("h11") == ("h11", "asyncio")


def test_without_the_packages_auto_falls_back_and_fast_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "uvloop" else real(name, *a)
    )
    assert http_stack("auto") == ("h11", "asyncio")
    with pytest.raises(RuntimeError, match="pip install httptools uvloop"):
        http_stack("fast")


@pytest.mark.parametrize("choice", ["fast", "h11"])
def test_both_stacks_serve_and_report_themselves(choice: str) -> None:
    with Emulator(engine="scripted", http=choice) as emu:  # type: ignore[arg-type]
        server = emu.status()["server"]
        answer = httpx2.post(
            f"{emu.url}/openai/v1/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]},
            headers={"api-key": emu.api_key},
        )
    assert server == (
        {"http": "httptools", "loop": "uvloop"} if choice == "fast" else {"http": "h11", "loop": "asyncio"}
    )
    assert answer.status_code == 200 and answer.headers["x-request-id"]


@pytest.mark.parametrize("choice", ["fast", "h11"])
@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"GARBAGE\r\n\r\n", "not valid HTTP/1.1"),
        (
            b"POST /openai/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n{}",
            "Transfer-Encoding and Content-Length",
        ),
        (b"GET /openai/models HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000, "HTTP"),
    ],  # fmt: skip
    ids=["request-line", "both-framings", "huge-head"],
)
def test_protocol_errors_are_azure_shaped_on_both_stacks(choice: str, raw: bytes, says: str) -> None:
    import json
    import socket

    with Emulator(engine="scripted", http=choice) as emu:  # type: ignore[arg-type]
        with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
            sock.sendall(raw)
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"x-request-id: " in head.lower()
    error = json.loads(body)["error"]
    assert error["code"] == "BadRequest" and says in error["message"]
