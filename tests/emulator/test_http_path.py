"""The hot HTTP path's shortcuts answer as the long way does: API routes dispatched without Starlette's router,
one send per event-loop turn, orjson bodies, request and response ids."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from typing import Any

import httpx2
import pytest
from starlette.applications import Starlette

from aoai_nb.emulator.app import Gateway, _direct_route, create_app
from aoai_nb.emulator.batched_writes import FLUSH_BYTES, BatchedWrites
from aoai_nb.emulator.config import EmulatorConfig
from aoai_nb.emulator.runtime import Runtime
from aoai_nb.emulator.wire import (
    _ENCODER,
    SAFE,
    Annotation,
    choice_filter_result,
    dumps,
    dumps_each,
    make_id,
    new_request_id,
    prompt_filter_result,
)

KEY = "test-key"
CHAT = {"messages": [{"role": "user", "content": "hi"}]}


def _scope(method: str, path: str, root_path: str = "") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": root_path}


@pytest.mark.parametrize(
    ("method", "path", "found"),
    [
        ("POST", "/openai/deployments/gpt-4o-mini/chat/completions", ("chat/completions", "gpt-4o-mini")),
        ("POST", "/openai/deployments/whisper/audio/transcriptions", ("audio/transcriptions", "whisper")),
        ("POST", "/openai/v1/embeddings", ("embeddings", None)),
        ("GET", "/openai/deployments/gpt-4o-mini/chat/completions", None),  # the router answers 405
        ("POST", "/openai/deployments//chat/completions", None),  # no deployment: the router's 404
        ("POST", "/openai/deployments/a/b/chat/completions", None),  # a deployment is one segment
        ("POST", "/openai/deployments/gpt-4o-mini/chat/completions/", None),
        ("POST", "/openai/v1/responses", None),  # not an API_ROUTES operation
        ("POST", "/openai/deployments/gpt-4o-mini", None),
    ],
)
def test_direct_routes_match_what_the_router_would(method: str, path: str, found: Any) -> None:
    direct = {(v1, op): f"{v1}:{op}" for op in ("chat/completions", "embeddings", "audio/transcriptions")
              for v1 in (False, True)}  # fmt: skip
    got = _direct_route(direct, _scope(method, path))  # type: ignore[arg-type]
    if found is None:
        assert got is None
        return
    op, deployment = found
    assert got == (f"{deployment is None}:{op}", {} if deployment is None else {"deployment": deployment})


def test_a_mounted_app_goes_the_long_way() -> None:
    scope = _scope("POST", "/openai/v1/embeddings", root_path="/mounted")
    assert _direct_route({(True, "embeddings"): object()}, scope) is None  # type: ignore[dict-item]


CASES = [  # (what, method, path, headers, body): each answered the same both ways
    ("ok", "POST", "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21", {}, CHAT),
    ("v1 ok", "POST", "/openai/v1/chat/completions", {}, {**CHAT, "model": "gpt-4o-mini"}),
    ("no key", "POST", "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21",
     {"api-key": ""}, CHAT),
    ("no api-version", "POST", "/openai/deployments/gpt-4o-mini/chat/completions", {}, CHAT),
    ("unknown deployment", "POST", "/openai/deployments/nope/chat/completions?api-version=2024-10-21", {},
     CHAT),
    ("bad json", "POST", "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21", {},
     b"{not json"),
    ("bad parameter", "POST", "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21", {},
     {**CHAT, "temperature": "hot"}),
    ("injected 429", "POST", "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21",
     {"x-aoai-nb-fault": "429"}, CHAT),
    ("wrong method", "GET", "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21", {},
     None),
]  # fmt: skip


async def _answers(app: Any) -> list[tuple[int, Any, str | None]]:
    out = []
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://emulator") as client:
        for _, method, path, headers, body in CASES:
            content = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
            answer = await client.request(
                method,
                path,
                content=content,
                headers={"api-key": KEY, "content-type": "application/json", **headers},
            )
            data = answer.json()
            for key in ("id", "created"):
                data.pop(key, None)
            out.append((answer.status_code, data, answer.headers.get("retry-after-ms")))
    return out


def test_direct_dispatch_answers_exactly_as_starlettes_router() -> None:
    config = EmulatorConfig.default()
    direct_app = create_app(Runtime(config, KEY, True, "scripted"))
    assert isinstance(direct_app, Gateway) and direct_app.direct
    long_way = Gateway(direct_app.app, Runtime(config, KEY, True, "scripted"))  # no direct routes
    assert isinstance(long_way.app, Starlette) and not long_way.direct
    direct, routed = asyncio.run(_answers(direct_app)), asyncio.run(_answers(long_way))
    assert [status for status, _, _ in direct] == [200, 200, 401, 404, 404, 400, 400, 429, 405]
    assert direct == routed


class FakeTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 7

    def get_extra_info(self, name: str) -> str:
        return f"extra {name}"


def test_a_turns_writes_go_out_as_one_write_in_order() -> None:
    async def main() -> list[bytes]:
        real = FakeTransport()
        batched = BatchedWrites(real, asyncio.get_running_loop())  # type: ignore[arg-type]
        batched.write(b"HTTP/1.1 200 OK\r\n\r\n")
        batched.write(b"")
        batched.write(bytearray(b"body"))
        assert real.writes == [] and batched.get_write_buffer_size() == 7 + 23
        await asyncio.sleep(0)  # the next turn of the loop
        batched.write(b"next")
        await asyncio.sleep(0)
        assert batched.get_extra_info("peername") == "extra peername"  # the rest is the real transport's
        return real.writes

    assert asyncio.run(main()) == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"next"]


def test_close_sends_what_is_pending_abort_drops_it_and_big_writes_go_at_once() -> None:
    async def main() -> tuple[FakeTransport, FakeTransport, FakeTransport]:
        loop = asyncio.get_running_loop()
        closing, aborting, big = FakeTransport(), FakeTransport(), FakeTransport()
        a = BatchedWrites(closing, loop)  # type: ignore[arg-type]
        a.write(b"last words")
        a.close()
        b = BatchedWrites(aborting, loop)  # type: ignore[arg-type]
        b.write(b"never sent")
        b.abort()
        c = BatchedWrites(big, loop)  # type: ignore[arg-type]
        c.write(b"x" * (FLUSH_BYTES - 1))
        assert big.writes == []
        c.write(b"y")  # the turn holds FLUSH_BYTES now: they go at once (flow control sees them)
        assert big.writes == [b"x" * (FLUSH_BYTES - 1) + b"y"]
        await asyncio.sleep(0)
        return closing, aborting, big

    closing, aborting, big = asyncio.run(main())
    assert closing.writes == [b"last words"] and closing.closed
    assert aborting.writes == [] and aborting.aborted
    assert len(big.writes) == 1


@pytest.mark.parametrize(
    "obj",
    [
        {
            "choices": [
                {"text": 'é ✓ \u2028 \x00 \x1f \x7f "q" \\ </script>', "n": 1, "ok": True, "none": None}
            ]
        },
        [(1, 2), -(2**63), 2**63 - 1, 0.1, -0.0, 1e16, 123456789.123],
        {"big": 2**64, "nested": {"k": [1.5]}},  # past 64 bits: the standard library writes it
        {1: "non-string key"},  # the standard library turns it into "1"
    ],
)
def test_dumps_writes_the_standard_encoders_bytes(obj: Any) -> None:
    assert dumps(obj) == _ENCODER.encode(obj).encode("utf-8")


def test_dumps_each_is_dumps_of_each_value() -> None:
    values: list[Any] = ["é", "\u2028", 2**64, {"k": [1.5]}, "", None]
    assert dumps_each(values) == [dumps(value) for value in values]  # 2**64 sends all to the fallback
    assert dumps_each(["a", "\x00"]) == [b'"a"', b'"\\u0000"']


_FORK = """
import os
from aoai_nb.emulator.wire import new_request_id
read, write = os.pipe()
if os.fork() == 0:
    os.write(write, new_request_id().encode())
    os._exit(0)
os.close(write)
os.wait()
print(os.read(read, 100).decode(), new_request_id())
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")
def test_a_forked_child_draws_ids_of_its_own() -> None:
    out = subprocess.run([sys.executable, "-c", _FORK], capture_output=True, text=True, check=True).stdout
    child, parent = out.split()
    assert len(child) == len(parent) == 36 and child != parent


def test_floats_differ_in_text_only() -> None:
    value = {"logprob": -1.2e-05}
    assert dumps(value) == b'{"logprob":-0.000012}'
    assert json.loads(dumps(value)) == value


def test_request_ids_are_version_4_uuids_and_response_ids_azure_shaped() -> None:
    ids = {new_request_id() for _ in range(500)}
    assert len(ids) == 500
    for request_id in ids:
        parsed = uuid.UUID(request_id)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == request_id
    response_id = make_id("chatcmpl")
    assert response_id.startswith("chatcmpl-") and len(response_id) == 38 and response_id[9:].isalnum()
    letters = "".join(make_id("x")[2:] for _ in range(2000))
    assert len(set(letters)) == 62  # every letter and digit occurs


def test_the_safe_annotations_fast_path_gives_the_same_results() -> None:
    fresh = Annotation()  # safe too, but not SAFE itself: the general path
    assert fresh is not SAFE
    assert choice_filter_result(SAFE) == choice_filter_result(fresh)
    assert prompt_filter_result(SAFE, v1=True) == prompt_filter_result(fresh, v1=True)
    assert dumps(choice_filter_result(SAFE)) == dumps(choice_filter_result(fresh))  # the same order too
