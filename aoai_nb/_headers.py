"""Response headers that both the helpers and the emulator read or write (standard library only)."""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

ENGINE_HEADER = "x-aoai-nb-engine"  # which emulator engine answered; sent by aoai_nb's emulator only


def retry_after_seconds(headers: Any) -> float | None:
    """The server's wait from ``retry-after-ms``, else ``retry-after`` (seconds), as the SDK reads them.

    ``headers`` is any mapping with ``.get`` (httpx headers, a dict) or None. A missing, non-numeric, negative
    or non-finite value is ignored (the next header is tried); None when neither gives a wait.
    """
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            value = float(headers.get(name) or "")
        except (TypeError, ValueError):
            continue
        if math.isfinite(value) and value >= 0:
            return value / scale
    return None


REPLAY_HEADER = "x-aoai-nb-replay"  # on answers replayed from a recording: the recording's file name
_REPLAYS: OrderedDict[str, str] = OrderedDict()  # x-request-id -> recording file, the newest MAX_REPLAYS
MAX_REPLAYS = 1024


def note_replay(response: Any) -> None:
    """An httpx response hook: remember which answers were replays, by request id (for ``show()``)."""
    name = response.headers.get(REPLAY_HEADER)
    request_id = response.headers.get("x-request-id")
    if name and request_id:
        _REPLAYS[request_id] = name
        _REPLAYS.move_to_end(request_id)
        while len(_REPLAYS) > MAX_REPLAYS:
            _REPLAYS.popitem(last=False)


async def note_replay_async(response: Any) -> None:
    note_replay(response)


def replayed_from(obj: Any) -> str | None:
    """The recording a result (or an API error) was replayed from, when a replaying emulator answered it."""
    request_id = getattr(obj, "_request_id", None) or getattr(obj, "request_id", None)
    return _REPLAYS.get(request_id) if isinstance(request_id, str) else None
