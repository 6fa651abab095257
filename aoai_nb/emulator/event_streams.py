"""SSE answers made of typed events (images, transcripts, speech): ``event: <type>`` and ``data: <json>``.

These streams carry whole, already computed results cut into events; the chat token streams live in
``streams.py``. Each frame names its type twice, in the ``event:`` line (OpenAI's framing; Azure's is
unconfirmed) and in the JSON's ``type``, which is what the openai SDK reads. No ``[DONE]`` follows, as on
OpenAI's typed-event streams; the SDK ends at the close of the connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from starlette.responses import StreamingResponse

from aoai_nb.emulator.runtime import Call
from aoai_nb.emulator.wire import dumps


def typed_event(event: dict[str, Any]) -> bytes:
    return b"event: " + str(event["type"]).encode() + b"\ndata: " + dumps(event) + b"\n\n"


def event_stream(call: Call, events: Iterable[dict[str, Any]]) -> StreamingResponse:
    async def frames() -> AsyncIterator[bytes]:
        for event in events:
            yield typed_event(event)

    headers = {**call.headers, "cache-control": "no-cache", "x-accel-buffering": "no"}
    return StreamingResponse(frames(), headers=headers, media_type="text/event-stream")
