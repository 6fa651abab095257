"""Response headers that both the helpers and the emulator read or write (standard library only)."""

from __future__ import annotations

import math
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
