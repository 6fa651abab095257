"""The ASGI layer in front of the emulator's app that records exchanges or replays them.

It handles ``/openai/...`` requests itself (after checking the emulator's own key) and passes everything else
(status, controls, generated images) to the app. Record mode forwards to the upstream and tees the answer into the
cassette, streams event by event as they arrive; replay mode answers from the cassette with the recorded delays
scaled by ``speed``, or passes a request with no recording to the engines (``miss="engine"``).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aoai_nb.emulator import policy
from aoai_nb.emulator.payloads import receive_once
from aoai_nb.emulator.recording import REPLAY_HEADER, RecordTo, ReplayFrom
from aoai_nb.emulator.recording.cassette import (
    FORMAT,
    Cassette,
    body_bytes,
    json_or_text,
    kept_headers,
    scrub,
)
from aoai_nb.emulator.recording.requests import RecordedRequest, normalise
from aoai_nb.emulator.recording.upstream import Upstream
from aoai_nb.emulator.wire import AzureError, dumps, internal_error, new_request_id, simple_error

log = logging.getLogger("aoai_nb.emulator")
MAX_BODY_BYTES = 64 * 1024 * 1024
IMAGE_ROUTE = "/aoai-nb/replay-images/"


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionResetError
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise AzureError(413, {"error": {"code": "RequestEntityTooLarge", "message":
                             f"The request body is larger than {MAX_BODY_BYTES} bytes."}})  # fmt: skip
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _encode(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


async def _send_error(send: Send, error: AzureError) -> None:
    request_id = new_request_id()
    headers = {"content-type": "application/json", "x-request-id": request_id, "apim-request-id": request_id}
    headers.update(error.headers or {})
    await send({"type": "http.response.start", "status": error.status, "headers": _encode(headers)})
    await send({"type": "http.response.body", "body": dumps(error.body)})


class RecordingLayer:
    def __init__(
        self,
        app: ASGIApp,
        *,
        api_key: str,
        auth: bool,
        record: RecordTo | None = None,
        replay: ReplayFrom | None = None,
    ) -> None:
        if (record is None) == (replay is None):
            raise ValueError("Give either record= or replay=, not both and not neither.")
        self.app, self.api_key, self.auth = app, api_key, auth
        self.record, self.replay = record, replay
        mode = record or replay
        assert mode is not None
        self.cassette = Cassette.open(mode.directory, create=record is not None)
        self.upstream = Upstream(record.upstream, record.api_key) if record else None
        self.counts = {"recorded": 0, "replayed": 0, "missed": 0, "forwarded_errors": 0}

    def status(self) -> dict[str, Any]:
        return {
            "mode": "record" if self.record else "replay",
            "directory": str(self.cassette.directory),
            "upstream": self.upstream.base if self.upstream else None,
            "recordings": len(self.cassette),
            "speed": self.replay.speed if self.replay else None,
            "miss": self.replay.miss if self.replay else None,
            **self.counts,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(IMAGE_ROUTE) and self.replay:
            await self._image(path[len(IMAGE_ROUTE) :], send)
            return
        if scope["type"] != "http" or not path.startswith("/openai/"):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            raw = await _read_body(receive)
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            policy.check_auth(headers, self.api_key, self.auth)
            request = await normalise(scope, raw)
            if self.replay:
                await self._replay(scope, request, tracked)
            else:
                await self._forward(request, scope, tracked)
        except AzureError as error:
            if not started:  # after the answer started (an upstream lost mid-stream) it just ends
                await _send_error(send, error)
        except ConnectionResetError:
            return
        except Exception:
            log.exception("recording layer: unexpected error serving %s", path)
            if not started:
                await _send_error(send, internal_error())

    # --- replay ----------------------------------------------------------------------------------------------

    async def _replay(self, scope: Scope, request: RecordedRequest, send: Send) -> None:
        assert self.replay is not None
        path = self.cassette.find(request.key)
        if path is None:
            self.counts["missed"] += 1
            if self.replay.miss == "engine":
                await self.app(scope, receive_once(request.raw), send)
                return
            raise simple_error(
                404,
                "RecordingNotFound",
                f"No recording in {self.cassette.directory} matches {request.summary()} (match key "
                f"{request.key[:12]}). Record it with `aoai-nb run --record DIR` or `aoai-nb emulator --record "
                "DIR --upstream URL`, or let the engines answer what has no recording with --replay-miss engine.",
            )
        import json

        exchange = json.loads(path.read_text(encoding="utf-8"))
        response = exchange["response"]
        speed = self.replay.speed
        headers = {**response["headers"], REPLAY_HEADER: path.name}
        if speed > 0 and response.get("latency_s"):
            await anyio.sleep(response["latency_s"] / speed)
        events = response.get("events")
        self.counts["replayed"] += 1
        if events is None:
            body = body_bytes(response, self.cassette.directory)
            body = self._local_image_urls(scope, body, exchange.get("images") or {})
            headers["content-length"] = str(len(body))
            await send(
                {"type": "http.response.start", "status": response["status"], "headers": _encode(headers)}
            )
            await send({"type": "http.response.body", "body": body})
            return
        await send({"type": "http.response.start", "status": response["status"], "headers": _encode(headers)})
        started = time.monotonic()
        for event in events:
            if speed > 0:
                wait = event["t"] / speed - (time.monotonic() - started)
                if wait > 0:
                    await anyio.sleep(wait)
            await send(
                {"type": "http.response.body", "body": event["data"].encode("utf-8"), "more_body": True}
            )
        await send({"type": "http.response.body", "body": b""})

    def _local_image_urls(self, scope: Scope, body: bytes, images: dict[str, str]) -> bytes:
        """Recorded image URLs point at the upstream: serve the images kept beside the recording instead."""
        if not images:
            return body
        host, port = scope.get("server") or ("127.0.0.1", 80)
        base = f"{scope.get('scheme', 'http')}://{host}:{port}{IMAGE_ROUTE}"
        text = body.decode("utf-8")
        for url, name in images.items():
            text = text.replace(url.replace("/", "\\/"), base + name).replace(url, base + name)
        return text.encode("utf-8")

    async def _image(self, name: str, send: Send) -> None:
        path = self.cassette.directory / Path(name).name
        if not name.endswith(".png") or not path.is_file():
            await _send_error(send, simple_error(404, "404", "Resource not found"))
            return
        data = path.read_bytes()
        headers = {"content-type": "image/png", "content-length": str(len(data))}
        await send({"type": "http.response.start", "status": 200, "headers": _encode(headers)})
        await send({"type": "http.response.body", "body": data})

    # --- record ----------------------------------------------------------------------------------------------

    async def _forward(self, request: RecordedRequest, scope: Scope, send: Send) -> None:
        assert self.upstream is not None
        secrets = [self.api_key, *self.upstream.secrets()]
        started = time.monotonic()
        async with self.upstream.stream(request, scope) as answer:
            latency = time.monotonic() - started
            headers = kept_headers(answer.headers.items())
            response: dict[str, Any] = {"status": answer.status_code, "headers": headers,
                                        "latency_s": round(latency, 4)}  # fmt: skip
            blobs: dict[str, bytes] = {}
            images: dict[str, Any] = {}
            if headers.get("content-type", "").startswith("text/event-stream"):
                await send(
                    {"type": "http.response.start", "status": answer.status_code, "headers": _encode(headers)}
                )
                response["events"] = await self._tee_events(answer, send, secrets)
                await self._keep(request, response, blobs, {}, answer.status_code)
                await send({"type": "http.response.body", "body": b""})  # recorded before the stream ends
            else:
                raw = await answer.aread()
                if headers.get("content-type", "").startswith(("application/json", "text/")):
                    raw = scrub(raw.decode("utf-8", "replace"), secrets).encode("utf-8")
                    kind, value = json_or_text(raw)
                    response[kind] = value
                    images = await self._keep_images(value if kind == "body" else None, blobs)
                else:
                    blobs[".bin"] = raw
                    response["body_file"] = {"$file": ".bin"}
                await self._keep(request, response, blobs, images, answer.status_code)  # before the answer
                send_headers = {**headers, "content-length": str(len(raw))}
                await send({"type": "http.response.start", "status": answer.status_code,
                            "headers": _encode(send_headers)})  # fmt: skip
                await send({"type": "http.response.body", "body": raw})

    async def _keep(
        self,
        request: RecordedRequest,
        response: dict[str, Any],
        blobs: dict[str, bytes],
        images: dict[str, Any],
        status: int,
    ) -> None:
        """Write the exchange: done before the client has the whole answer, so a replay right after finds it."""
        exchange = {
            "format": FORMAT,
            "key": request.key,
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "request": request.describe(),
            "response": response,
        }
        if images:
            exchange["images"] = images
        await anyio.to_thread.run_sync(self.cassette.write, exchange, blobs)
        self.counts["recorded"] += 1
        if status >= 400:
            self.counts["forwarded_errors"] += 1

    async def _tee_events(self, answer: Any, send: Send, secrets: list[str]) -> list[dict[str, Any]]:
        """Send each SSE event on as it arrives, and keep it with its time after the response started."""
        events: list[dict[str, Any]] = []
        started = time.monotonic()
        buffer = ""
        async for chunk in answer.aiter_text():
            buffer += chunk
            *complete, buffer = buffer.split("\n\n")
            for block in complete:
                data = scrub(block, secrets) + "\n\n"
                events.append({"t": round(time.monotonic() - started, 4), "data": data})
                await send({"type": "http.response.body", "body": data.encode("utf-8"), "more_body": True})
        if buffer:
            data = scrub(buffer, secrets)
            events.append({"t": round(time.monotonic() - started, 4), "data": data})
            await send({"type": "http.response.body", "body": data.encode("utf-8"), "more_body": True})
        return events

    async def _keep_images(self, body: Any, blobs: dict[str, bytes]) -> dict[str, Any]:
        """Download generated images named by URL (they live on the upstream), to serve them on replay."""
        assert self.upstream is not None
        items = body.get("data") if isinstance(body, dict) else None
        kept: dict[str, Any] = {}
        for index, item in enumerate(items if isinstance(items, list) else []):
            url = item.get("url") if isinstance(item, dict) else None
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                data = await self.upstream.fetch(url)
                if data is not None:
                    suffix = f"-image{index}.png"
                    blobs[suffix] = data
                    kept[url] = {"$file": suffix}
        return kept
